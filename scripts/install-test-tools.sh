#!/usr/bin/env bash
# Installs the command-line tools the test suite drives (the AWS CLI, curl), quietly and only when
# they are missing. Debian's packages; needs root (CI runs as root).
set -euo pipefail
missing=()
command -v aws >/dev/null 2>&1 || missing+=(awscli)
command -v curl >/dev/null 2>&1 || missing+=(curl)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
