#!/usr/bin/env bash
# Remakes docs/img/flamegraph.png and docs/img/gc-svg.png (the README's pictures) with headless Chromium
# from a bundled capture: `flamegraph --colors go` and `gc --svg` with a time window dragged (?t=).
# Needs chromium, pngquant and optipng (apt-get install chromium pngquant optipng).
#   bash scripts/browser/screenshots.sh [path/to/stackfold]
set -euo pipefail
cd "$(dirname "$0")/../.."
sf=${1:-.build/debug/stackfold}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
sym=(--binaries Fixtures/bin --kallsyms Fixtures/perf/kallsyms-subset.txt --no-debuginfod)
data=Fixtures/perf/go1.27-alloc-mono.data
"$sf" flamegraph --colors go "${sym[@]}" --title "stackfold flamegraph: Go 1.27 allocation workload" "$data" -o "$dir/fg.svg"
"$sf" gc --svg --go-trace Fixtures/gotrace/go1.27-alloc-mono.trace "${sym[@]}" "$data" -o "$dir/gc.svg"
shot() {  # svg, height, png
  timeout 90 chromium --headless=new --no-sandbox --disable-gpu --hide-scrollbars --virtual-time-budget=3000 \
    --window-size=1200,"$2" --screenshot="$dir/raw.png" "file://$dir/$1" >/dev/null 2>&1
  pngquant --quality=60-85 --speed 1 --strip -f -o "$3" "$dir/raw.png"
  optipng -quiet -o5 "$3"
}
shot fg.svg 552 docs/img/flamegraph.png
shot "gc.svg?t=150-300" 700 docs/img/gc-svg.png
ls -l docs/img/flamegraph.png docs/img/gc-svg.png
