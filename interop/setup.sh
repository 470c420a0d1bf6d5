#!/usr/bin/env bash
# Installs what interop/ needs, on a fresh machine too: the Node packages of
# package-lock.json (npm ci) and, for the browser scenario, Debian's chromium.
# Idempotent; .ci/run calls it. CHROMIUM=path uses another Chromium binary.
set -euo pipefail
cd "$(dirname "$0")"

if ! command -v node >/dev/null 2>&1; then
  echo "interop/setup.sh: Node.js (node, npm; version 20 or later) is not on the PATH" >&2
  exit 1
fi

chromium="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "interop/setup.sh: installing Debian's chromium" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "interop/setup.sh: no Chromium at $chromium; as root: apt-get install chromium" >&2
    exit 1
  fi
fi

npm ci --no-audit --no-fund --loglevel=error
# esbuild's binary comes from its platform package; check that it runs.
node edge/browser.mjs --bundle-only >/dev/null
echo "interop/setup.sh: node $(node --version), $("$chromium" --version 2>/dev/null), packages installed" >&2
