#!/usr/bin/env bash
# Opens stackfold flame graphs in headless Chromium (Debian's package) and checks the interactions:
# zoom on click, reset, hover details, regex search with "Matched", and state restored from the URL.
# Installs chromium as root when missing; otherwise says so and exits 1.
#   bash scripts/browser-test.sh [screenshot.png]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null; then
  if [[ $(id -u) -eq 0 ]]; then apt-get install -y -qq chromium >/dev/null; else echo "browser-test.sh: needs chromium (apt-get install chromium)" >&2; exit 1; fi
fi
swift build --product stackfold >/dev/null
sf=.build/debug/stackfold
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$sf" collapse Fixtures/perf/go1.25-fp-mono.data.script.txt > "$dir/go.folded"
"$sf" flamegraph --colors go --title "stackfold: Go workload (Go 1.25)" "$dir/go.folded" > "$dir/go.svg"
chrome() { timeout 60 chromium --headless=new --no-sandbox --disable-gpu --allow-file-access-from-files "$@" 2>/dev/null; }
fail=0
check() { if python3 -c "import json,sys; r=json.loads(sys.argv[1]); sys.exit(0 if ($2) else 1)" "$1"; then echo "ok   $3"; else echo "FAIL $3"; fail=1; fi; }

# 1. Clicks and search, driven from a harness page.
dom=$(chrome --virtual-time-budget=5000 --dump-dom "file://$PWD/scripts/browser/harness.html?svg=file://$dir/go.svg")
result=$(printf '%s' "$dom" | python3 -c "import sys,re,html; m=re.search(r'<pre id=\"result\">(.*?)</pre>', sys.stdin.read(), re.S); print(html.unescape(m.group(1)) if m else '{}')")
echo "harness: $result"
check "$result" "'error' not in r and r['frames'] > 20" "the graph loads with its frames"
check "$result" "r['widthAfter'] > r['widthBefore'] * 1.5" "clicking a frame zooms it"
check "$result" "r['hiddenAfterZoom'] > 0 and r['unzoomVisible']" "zoom hides unrelated frames and shows Reset Zoom"
check "$result" "'x=' in r['urlAfterZoom'] and 'y=' in r['urlAfterZoom']" "zoom is kept in the URL"
check "$result" "r['details'].startswith('Function: ')" "hover shows the details line"
check "$result" "abs(r['widthAfterReset'] - r['widthBefore']) < 0.01" "Reset Zoom restores the widths"
check "$result" "r['matched'].startswith('Matched: ') and r['highlighted'] > 0" "search highlights and reports Matched"
check "$result" "'s=' in r['urlAfterSearch'] and r['searchButton'] == 'Reset Search'" "search is kept in the URL"

# 2. A link with state reopens the same view.
dom=$(chrome --virtual-time-budget=3000 --dump-dom "file://$dir/go.svg?s=hashLoop")
n=$(printf '%s' "$dom" | grep -o 'fill="rgb(230,0,230)"' | wc -l)
m=$(printf '%s' "$dom" | grep -o 'Matched: [0-9.]*%' | head -1)
if [[ $n -gt 0 && -n $m ]]; then echo "ok   ?s=hashLoop reopens the search ($n frames, $m)"; else echo "FAIL ?s= state"; fail=1; fi

# 3. The GC timeline strip (stackfold gc --svg): drag across it, the graph is redrawn for the window;
#    the window's total must equal what `stackfold gc --folded --time` counts for the same window.
trace=Fixtures/gotrace/go1.25-fp-mono.trace
data=Fixtures/perf/go1.25-fp-mono.data
"$sf" gc --go-trace "$trace" "$data" --svg -o "$dir/gc.svg"
json() { printf '%s' "$1" | python3 -c "import sys,re,html; m=re.search(r'<pre id=\"result\">(.*?)</pre>', sys.stdin.read(), re.S); print(html.unescape(m.group(1)) if m else '{}')"; }
result=$(json "$(chrome --virtual-time-budget=5000 --dump-dom "file://$PWD/scripts/browser/timeline.html?svg=file://$dir/gc.svg")")
echo "timeline: $result"
check "$result" "'error' not in r and r['initialFrames'] > 20" "the GC flame graph loads under its strip"
check "$result" "r['wholeVsInitial'] == 'same' and r['wholeTotal'] == r['initialTotal']" "dragging over the whole strip redraws exactly stackfold's graph"
check "$result" "0 < r['windowTotal'] < r['initialTotal'] and r['windowFrames'] < r['initialFrames']" "dragging over part of it redraws a smaller graph"
check "$result" "'t=' in r['url'] and r['selVisible'] and r['allVisible'] and r['info'].startswith('Time: ')" "the window is marked, described and kept in the URL"
check "$result" "r['zoomedAfterWindow']" "frames of the redrawn graph zoom on click"
check "$result" "r['hover'].startswith('Time: ')" "hovering the strip describes the time under the pointer"
check "$result" "r['resetTotal'] == r['initialTotal'] and r['resetVsInitial'] == 'same' and r['urlAfterReset'] == ''" "[whole capture] restores the graph"
check "$result" "r['rootColours'] == [] and r['rootColoursAfterDrag'] == []" "GC-state root frames are filled with their legend swatch's colour, before and after a drag"
check "$result" "r['overlapsAfterDrag'] == []" "no text in the strip overlaps another after a drag (window line, legend, [whole capture], axis)"
check "$result" "r['axis'][0].endswith(' s since trace start') and all(a.endswith(' s') for a in r['axis'][1:])" "the axis is in seconds since the trace start: $(python3 -c "import json,sys; print(json.loads(sys.argv[1])['axis'])" "$result")"
check "$result" "__import__('re').match(r'^all \\([0-9,]+ samples, [0-9.]+ m?s, 100%\\)$', r['rootTitle']) is not None" "cpu-clock frames say samples and time: $(python3 -c "import json,sys; print(json.loads(sys.argv[1])['rootTitle'])" "$result")"
check "$result" "r['resetRootTitle'] == r['rootTitle'] and ' samples, ' in r['windowRootTitle']" "the script labels redrawn frames as stackfold does"
win=$(python3 -c "import json,sys; r=json.loads(sys.argv[1]); f=lambda n: '%d.%09d' % divmod(int(n), 10**9); print(f(r['windowStartNs']) + ',' + f(r['windowEndNs']))" "$result")
cli=$("$sf" gc --go-trace "$trace" "$data" --folded --count-samples --time "$win" | awk '{s+=$NF} END {print s+0}')
check "$result" "r['windowTotal'] == $cli" "the window's total equals stackfold gc --folded --time $win ($cli samples)"
t=$(python3 -c "import json,sys,re; print(re.search(r't=([0-9-]+)', json.loads(sys.argv[1])['url']).group(1))" "$result")
enc=$(python3 -c "import urllib.parse,sys; print(urllib.parse.quote(sys.argv[1], safe=''))" "file://$dir/gc.svg?t=$t")
again=$(json "$(chrome --virtual-time-budget=5000 --dump-dom "file://$PWD/scripts/browser/timeline.html?mode=reload&svg=$enc")")
check "$again" "r['initialTotal'] == $cli and r['selVisible']" "?t=$t reopens the same window"

# 4. A screenshot a person can look at; and how long a big graph takes to open.
if [[ -n ${1:-} ]]; then
  chrome --virtual-time-budget=3000 --window-size=1200,420 --screenshot="$1" "file://$dir/go.svg?s=runtime%5C.gc" >/dev/null
  echo "screenshot: $1"
fi
python3 - "$dir/big.folded" <<'PY'
import random, sys
random.seed(7)
with open(sys.argv[1], "w") as f:
    for i in range(100000):
        depth = random.randint(3, 30)
        f.write(";".join("pkg%d.func%d" % (random.randint(0, 40), random.randint(0, 400)) for _ in range(depth)) + " %d\n" % random.randint(1, 50))
PY
start=$(date +%s.%N)
"$sf" flamegraph "$dir/big.folded" > "$dir/big.svg"
mid=$(date +%s.%N)
chrome --virtual-time-budget=1000 --dump-dom "file://$dir/big.svg" > /dev/null
end=$(date +%s.%N)
echo "100k unique stacks: render $(python3 -c "print(round($mid-$start,2))") s (debug build), $(du -h "$dir/big.svg" | cut -f1) SVG, Chromium load+dump $(python3 -c "print(round($end-$mid,2))") s"
exit $fail
