#!/usr/bin/env bash
# Builds the peer servers and the load generator that `npm run bench:peers` (bench/peers.ts) uses:
# warp (minio/warp), versitygw (versity/versitygw) and MinIO (minio/minio), from their public
# sources with Go, OUTSIDE this repository. Never run by CI or the tests; nothing in the gateway
# depends on these binaries.
#
#   scripts/peers/build.sh [--src DIR] [--out DIR] [--force]
#
#   --src DIR  holds the source trees, one directory each:
#                DIR/warp  DIR/versitygw  DIR/minio       (the servers and warp)
#                DIR/madmin-go  DIR/minio-go               (only for warp; see below)
#              default: $S3G_PEERS_DIR/src, with S3G_PEERS_DIR default ~/s3g-peers
#   --out DIR  where the binaries go (default: $S3G_PEERS_DIR/bin)
#   --force    rebuild binaries that already exist (otherwise they are kept: the script is idempotent)
#   S3G_PEERS_JOBS=N  parallel compile jobs (default 1: go build -p 1, GOMAXPROCS=1, nice -n 10, so a
#              shared machine keeps its CPU; MinIO then takes tens of minutes)
#
# Getting the sources (any recent commit of each works; the bench only needs the S3 API):
#   git clone https://github.com/minio/warp            DIR/warp
#   git clone https://github.com/versity/versitygw     DIR/versitygw
#   git clone https://github.com/minio/minio           DIR/minio
#   and, for warp, the two modules it pins (see "warp's pinned modules" below) at the pinned version:
#   git clone https://github.com/minio/madmin-go DIR/madmin-go && git -C DIR/madmin-go checkout <tag>
#   git clone https://github.com/minio/minio-go  DIR/minio-go  && git -C DIR/minio-go checkout <commit>
# From a bare snapshot instead of a clone: git --git-dir=SNAP archive <commit> | tar -x -C DIR/name.
# A MinIO snapshot may lack the blob of the test fixture cmd/testdata/undeleteable-object.tgz (git
# archive then fails half way); leave it out, the build does not need it:
#   git --git-dir=SNAP archive HEAD -- . ':(exclude)cmd/testdata/undeleteable-object.tgz' | tar -x -C DIR/minio
# (git 2.39 still prints "error: invalid object ... for 'cmd/testdata/undeleteable-object.tgz'" and
# exits 0: the tree is complete without it.)
#
# warp's pinned modules: warp's go.mod requires github.com/minio/madmin-go/v4 at a tag and
# github.com/minio/minio-go/v7 at a pseudo-version that the Go module proxy refuses to serve. This
# script does not edit warp's go.mod: it copies it (and go.sum) to the build directory, adds
# `replace` directives to DIR/madmin-go and DIR/minio-go there, and builds with -modfile. The
# versions it needs are printed if those two directories are missing. Everything else comes from
# the module proxy (GOPROXY as configured); GOTOOLCHAIN=local uses the installed Go (>= the go lines
# of the three go.mod files; built with Go 1.26).
#
# Afterwards:
#   export S3G_PEER_WARP=$OUT/warp S3G_PEER_VERSITYGW=$OUT/versitygw S3G_PEER_MINIO=$OUT/minio
#   npm run bench:peers
set -euo pipefail

PEERS_DIR="${S3G_PEERS_DIR:-$HOME/s3g-peers}"
SRC="$PEERS_DIR/src"
OUT="$PEERS_DIR/bin"
FORCE=0
while [ $# -gt 0 ]; do
  case "$1" in
    --src) SRC="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --force) FORCE=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
  esac
done
SRC="$(cd "$SRC" && pwd)"
mkdir -p "$OUT"
OUT="$(cd "$OUT" && pwd)"
BUILD="$OUT/.build"
mkdir -p "$BUILD"

GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
JOBS="${S3G_PEERS_JOBS:-1}"
export GOTOOLCHAIN=local GOMAXPROCS="$JOBS" CGO_ENABLED=0 GOFLAGS="${GOFLAGS:--buildvcs=false}"
# The repository must stay free of build output: refuse to build into it.
case "$OUT/" in "$(cd "$(dirname "$0")/../.." && pwd)/"*) echo "--out must be outside the repository" >&2; exit 2 ;; esac

gobuild() { # dir output package [go build args...]
  local dir="$1" out="$2" pkg="$3"; shift 3
  (cd "$dir" && nice -n 10 "$GO" build -p "$JOBS" -trimpath "$@" -o "$out" "$pkg")
}

need() { # name
  if [ ! -f "$SRC/$1/go.mod" ]; then
    echo "missing $SRC/$1 (see the header of $0 for how to get it)" >&2
    return 1
  fi
}

built() { # binary
  if [ "$FORCE" = 0 ] && [ -x "$1" ]; then echo "kept $1 (--force rebuilds)"; return 0; fi
  return 1
}

# --- warp -----------------------------------------------------------------------------------------
if ! built "$OUT/warp"; then
  need warp
  madmin_v=$(awk '$1=="github.com/minio/madmin-go/v4"{print $2; exit}' "$SRC/warp/go.mod")
  miniogo_v=$(awk '$1=="github.com/minio/minio-go/v7"{print $2; exit}' "$SRC/warp/go.mod")
  for m in madmin-go minio-go; do
    if [ ! -f "$SRC/$m/go.mod" ]; then
      echo "missing $SRC/$m: warp pins github.com/minio/madmin-go/v4 $madmin_v and github.com/minio/minio-go/v7 $miniogo_v" >&2
      echo "(a pseudo-version's last part is the commit: check that commit out)" >&2
      exit 1
    fi
  done
  cp "$SRC/warp/go.mod" "$BUILD/warp.mod"
  cp "$SRC/warp/go.sum" "$BUILD/warp.sum"
  "$GO" mod edit \
    -replace "github.com/minio/madmin-go/v4=$SRC/madmin-go" \
    -replace "github.com/minio/minio-go/v7=$SRC/minio-go" "$BUILD/warp.mod"
  echo "building warp (madmin-go $madmin_v, minio-go $miniogo_v from $SRC)"
  # -mod=mod: the replaced modules may need go.sum lines warp's own go.sum lacks (written to the copy).
  gobuild "$SRC/warp" "$OUT/warp" . -modfile="$BUILD/warp.mod" -mod=mod
  echo "built $OUT/warp"
fi

# --- versitygw ------------------------------------------------------------------------------------
if ! built "$OUT/versitygw"; then
  need versitygw
  echo "building versitygw ($("$GO" version))"
  gobuild "$SRC/versitygw" "$OUT/versitygw" ./cmd/versitygw
  echo "built $OUT/versitygw"
fi

# --- MinIO ----------------------------------------------------------------------------------------
if ! built "$OUT/minio"; then
  need minio
  echo "building minio (large: tens of minutes at S3G_PEERS_JOBS=1)"
  gobuild "$SRC/minio" "$OUT/minio" . -tags kqueue
  echo "built $OUT/minio"
fi

echo
echo "export S3G_PEER_WARP=$OUT/warp S3G_PEER_VERSITYGW=$OUT/versitygw S3G_PEER_MINIO=$OUT/minio"
