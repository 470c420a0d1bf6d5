#!/usr/bin/env bash
# Shows the desktop example running: two instances of the shared-list window on a virtual X display
# (Xvfb), connected over 127.0.0.1 without mDNS. Each adds items from a script file; the script waits
# until both windows show the same list, saves a screenshot of the whole screen and stops everything.
#
#   scripts/demo-desktop.sh [OUT.png]        (default: examples/desktop/screenshot.png)
#
# Needs Xvfb, xwd and ImageMagick's convert; if one is missing and we are root it installs them with
# apt-get (xvfb x11-apps imagemagick), otherwise it says what to install.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out="${1:-$root/examples/desktop/screenshot.png}"
port_a="${DEMO_PORT_A:-7301}"
port_b="${DEMO_PORT_B:-7302}"

need=()
command -v Xvfb >/dev/null || need+=(xvfb)
command -v xwd >/dev/null || need+=(x11-apps)
[ -x /usr/bin/convert ] || command -v magick >/dev/null || need+=(imagemagick)
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

# A free display number: no lock file and no socket.
display=99
while [ -e "/tmp/.X$display-lock" ] || [ -e "/tmp/.X11-unix/X$display" ]; do display=$((display + 1)); done
Xvfb ":$display" -screen 0 800x360x24 -nolisten tcp >"$work/xvfb.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$display" ] && break; sleep 0.1; done
export DISPLAY=":$display"
echo "demo: Xvfb on $DISPLAY" >&2

printf 'milk\nbread\neggs\n' >"$work/alice.txt"
printf 'tea\njam\n' >"$work/bob.txt"
run() { # name port position script [peer]
  local name="$1" port="$2" pos="$3" script="$4" peer="${5:-}"
  java -Dsun.java2d.xrender=false -cp "$cp" dev.logmesh.examples.desktop.DesktopApp --name "$name" \
    --host 127.0.0.1 --port "$port" --no-mdns --data "$work/$name" --position "$pos" --script "$script" \
    ${peer:+--peer "$peer"} >"$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
}
run alice "$port_a" 10,20 "$work/alice.txt"
run bob "$port_b" 405,20 "$work/bob.txt" "ws://127.0.0.1:$port_a"

# Wait until both print the same list with all 5 items.
last() { grep "^list " "$work/$1.out" 2>/dev/null | tail -n 1 || true; }
for i in $(seq 300); do
  a="$(last alice)"; b="$(last bob)"
  if [ -n "$a" ] && [ "$a" = "$b" ] && [ "${a#list 5 }" != "$a" ]; then break; fi
  if [ "$i" = 300 ]; then
    echo "demo: the windows did not agree in 30 s: alice: '$a', bob: '$b'" >&2
    tail -n 20 "$work"/*.err >&2
    exit 1
  fi
  sleep 0.1
done
echo "demo: alice shows: $a"
echo "demo: bob shows:   $b"
mkdir -p "$(dirname "$out")"
# A window can show up a moment before Swing has painted it (a plain grey rectangle): take the screenshot
# again until both windows have content, for up to 10 s.
colours() { convert "$out" -crop "$1" +repage -format %k info:; }
for i in $(seq 20); do
  sleep 0.5
  xwd -root -silent | convert xwd:- -strip png:"$out"
  if [ "$(colours 380x270+10+20)" -gt 2 ] && [ "$(colours 380x270+405+20)" -gt 2 ]; then break; fi
  if [ "$i" = 20 ]; then echo "demo: a window stayed unpainted; the screenshot shows it so" >&2; fi
done
echo "demo: screenshot $out ($(wc -c <"$out") bytes)"
