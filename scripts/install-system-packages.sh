#!/usr/bin/env bash
# Installs the system packages Tailor's tests use, from Debian's archive, when they are missing:
# Chromium for the browser SDK's tests (driven by playwright-core; never a downloaded browser).
# Runs as root or through sudo; does nothing when everything is already there.
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
as_root=()
[ "$(id -u)" -eq 0 ] || as_root=(sudo)
echo "installing ${missing[*]} (Debian packages) for the tests"
"${as_root[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
