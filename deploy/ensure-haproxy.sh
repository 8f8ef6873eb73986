#!/usr/bin/env bash
# Make sure HAProxy is installed (Debian's package), as .ci/run does for Chromium.
# Used by `make serve` and .ci/run; HAPROXY=/path/to/haproxy skips the check.
set -euo pipefail

if [ -n "${HAPROXY:-}" ] || command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "HAProxy is missing: install it (apt-get install haproxy, brew install" \
    "haproxy, ...) or set HAPROXY=/path/to/haproxy" >&2
  exit 1
fi
echo "Installing Debian's haproxy"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq haproxy >/dev/null
