#!/usr/bin/env bash
# Shows the web example next to the desktop example: on a virtual X display (Xvfb), a Swing window of the
# shared list (node "alice") and, beside it, a Chromium window with the web page (a stock @logux/client app)
# served by a second node ("web", dialing alice). alice adds three items from a script, the page adds two; the
# script waits until the window and the page show the same five items in the same order, saves a screenshot of
# the screen and stops everything.
#
#   scripts/demo-web.sh [OUT.png]        (default: examples/web/screenshot.png)
#
# Needs Xvfb, xwd, ImageMagick's convert (installed with apt-get when missing and root), Node.js and Chromium
# (interop/setup.sh installs them).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/examples/web/screenshot.png}"
port_a="${DEMO_PORT_A:-7311}"
port_b="${DEMO_PORT_B:-7312}"
port_http="${DEMO_PORT_HTTP:-7313}"

need=()
command -v Xvfb >/dev/null || need+=(xvfb)
command -v xwd >/dev/null || need+=(x11-apps)
[ -x /usr/bin/convert ] || command -v magick >/dev/null || need+=(imagemagick)
command -v fc-list >/dev/null && [ -n "$(fc-list 2>/dev/null | head -n 1)" ] || need+=(fonts-dejavu-core)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "demo: installing ${need[*]}" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
  else
    echo "demo: please install: ${need[*]}" >&2
    exit 2
  fi
fi
[ -d "$root/interop/node_modules/@logux/client" ] && [ -x "${CHROMIUM:-/usr/bin/chromium}" ] || "$root/interop/setup.sh"

# Build the examples (package, tests skipped) when missing or older than the sources.
jar="$(ls "$root"/node/target/logmesh-node-*.jar 2>/dev/null | grep -v -- '-tests.jar' | head -n 1 || true)"
if [ -z "$jar" ] || [ ! -d "$root/examples/target/classes" ] || [ ! -d "$root/examples/target/lib" ] || [ -n "$(find "$root/node/src/main" \
    "$root/examples/src/main" "$root/discovery/src/main" -newer "$jar" -print -quit)" ]; then
  echo "demo: building (mvn package, tests skipped)..." >&2
  (cd "$root" && mvn -q -B -o -DskipTests -pl examples -am package) >&2
  jar="$(ls "$root"/node/target/logmesh-node-*.jar | grep -v -- '-tests.jar' | head -n 1)"
fi
# examples/target/lib: logmesh-node, its dependencies and a logger binding (the node's warnings reach stderr)
cp="$root/examples/target/classes:$root/examples/target/lib/*"

work="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

display=99
while [ -e "/tmp/.X$display-lock" ] || [ -e "/tmp/.X11-unix/X$display" ]; do display=$((display + 1)); done
Xvfb ":$display" -screen 0 980x340x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$display" ] && break; sleep 0.1; done
export DISPLAY=":$display"
echo "demo: Xvfb on $DISPLAY" >&2

printf 'milk\nbread\neggs\n' >"$work/alice.txt"
java -Dsun.java2d.xrender=false -cp "$cp" dev.logmesh.examples.desktop.DesktopApp --name alice --host 127.0.0.1 \
  --port "$port_a" --no-mdns --data "$work/alice" --position 10,20 --script "$work/alice.txt" \
  >"$work/alice.out" 2>"$work/alice.err" &
pids+=($!)
java -cp "$cp" dev.logmesh.examples.web.WebApp --name web --host 127.0.0.1 --port "$port_b" --no-mdns \
  --http-host 127.0.0.1 --http-port "$port_http" --peer "ws://127.0.0.1:$port_a" \
  >"$work/web.out" 2>"$work/web.err" &
pids+=($!)

last() { grep "^list " "$work/$1.out" 2>/dev/null | tail -n 1 || true; }
wait_list() { # name count
  for i in $(seq 300); do
    l="$(last "$1")"
    if [ "${l#list $2 }" != "$l" ]; then return 0; fi
    sleep 0.1
  done
  echo "demo: $1 did not show $2 items in 30 s: '$(last "$1")'" >&2
  tail -n 20 "$work"/*.err >&2
  exit 1
}
wait_list web 3
echo "demo: the web node has alice's items; opening the page (it adds tea and jam)" >&2

# The page in a Chromium window beside the Swing one; it stays open until its stdin closes.
mkfifo "$work/page.in"
node "$root/examples/web/show.mjs" "http://127.0.0.1:$port_http/?user=carol&add=tea,jam" --items 5 \
  --position 400,20 --size 570,300 <"$work/page.in" >"$work/page.out" 2>"$work/page.err" &
pids+=($!)
exec 3>"$work/page.in"
for i in $(seq 400); do
  grep -q "^page " "$work/page.out" 2>/dev/null && break
  if [ "$i" = 400 ] || ! kill -0 "${pids[-1]}" 2>/dev/null; then
    echo "demo: the page did not show 5 items" >&2; cat "$work/page.err" >&2; exit 1
  fi
  sleep 0.1
done
wait_list alice 5
a="$(last alice)"; p="$(grep "^page " "$work/page.out")"
echo "demo: alice's window: ${a#list }"
echo "demo: the page:       ${p#page }"
if [ "${a#list }" != "${p#page }" ]; then echo "demo: they differ" >&2; exit 1; fi

mkdir -p "$(dirname "$out")"
colours() { convert "$out" -crop "$1" +repage -format %k info:; }
for i in $(seq 20); do
  sleep 0.5
  xwd -root -silent | convert xwd:- -strip png:"$out"
  if [ "$(colours 380x270+10+20)" -gt 2 ] && [ "$(colours 560x270+405+20)" -gt 2 ]; then break; fi
  if [ "$i" = 20 ]; then echo "demo: a window stayed unpainted; the screenshot shows it so" >&2; fi
done
exec 3>&-
echo "demo: screenshot $out ($(wc -c <"$out") bytes)"
