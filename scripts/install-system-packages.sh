#!/usr/bin/env bash
# Installs the system packages Tailor's tests use, from Debian's archive, when they are missing:
# Chromium for the browser SDK's tests (driven by playwright-core; never a downloaded browser);
# then PostgreSQL and NATS JetStream for the scale-out tests, installed and started when they are
# not up (scripts/start-services.sh). Runs as root or through sudo; does nothing when everything
# is already there and running.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -gt 0 ]; then
  as_root=()
  [ "$(id -u)" -eq 0 ] || as_root=(sudo)
  echo "installing ${missing[*]} (Debian packages) for the tests"
  "${as_root[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
"$(dirname "$0")/start-services.sh"
