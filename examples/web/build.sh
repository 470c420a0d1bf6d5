#!/usr/bin/env bash
# Bundles examples/web/page/app.js (@logux/client from interop/node_modules) with esbuild into the examples'
# resources, where the WebApp serves it from. The bundle is committed, so the example runs without Node.js;
# run this after changing page/app.js (needs interop/setup.sh once). WEB_OUT=DIR writes elsewhere.
# (page/index.html needs no step: the examples' pom puts it in the jar as it is.)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${WEB_OUT:-$root/examples/src/main/resources/dev/logmesh/examples/web}"
[ -x "$root/interop/node_modules/.bin/esbuild" ] || "$root/interop/setup.sh"
mkdir -p "$out"
NODE_PATH="$root/interop/node_modules" "$root/interop/node_modules/.bin/esbuild" "$root/examples/web/page/app.js" \
  --bundle --format=esm --platform=browser --target=es2022 --minify --legal-comments=none \
  --define:process.env.NODE_ENV='"production"' --log-level=warning --outfile="$out/app.js"
echo "web: bundled $(wc -c <"$out/app.js") bytes into ${out#$root/}" >&2
