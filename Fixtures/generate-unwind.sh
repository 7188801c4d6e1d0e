#!/usr/bin/env bash
# --call-graph dwarf captures for the stack unwinder (Sources/Collapse/Unwind), with perf's own views.
# Needs perf (Debian linux-perf, as root) and zstd; the binaries are the committed ones (Fixtures/bin).
# Every command it runs is appended to unwind/commands.log.
#
#   bash Fixtures/generate-unwind.sh
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p unwind
: > unwind/commands.log
log() { printf '%s\n' "$*" >> unwind/commands.log; }
run() { log "$*"; "$@"; }
runsh() { log "$1"; bash -c "$1"; }
for t in perf zstd; do command -v $t >/dev/null || { echo "generate-unwind.sh: needs $t" >&2; exit 1; }; done

# perf's views of a capture; the capture and perf script's text are committed zstd -19 (tests decompress them).
views() {
  local data=$1
  runsh "perf script -i $data > $data.script.txt"
  runsh "perf report --header-only -i $data > $data.header.txt"
}

# (a) Go with 16 KiB dumps: most goroutine stacks fit, so most samples reach their root.
run perf record -q -e cpu-clock -F 500 --call-graph dwarf,16384 -o unwind/go1.25-dwarf16k.data -- bin/go1.25/workload -d 3s mix
views unwind/go1.25-dwarf16k.data
# (b) one workload twice, frame pointers and dwarf: the folded profiles must agree within sampling noise.
run perf record -q -e cpu-clock -F 1000 -g -o unwind/go1.25-cpu-fp.data -- bin/go1.25/workload -d 3s cpu
run perf record -q -e cpu-clock -F 1000 --call-graph dwarf,16384 -o unwind/go1.25-cpu-dwarf.data -- bin/go1.25/workload -d 3s cpu
views unwind/go1.25-cpu-fp.data
views unwind/go1.25-cpu-dwarf.data
# (c) C alone and cgo, perf's default dump (8192): perf unwinds C with .eh_frame (libunwind); its script is the truth.
run perf record -q -e cpu-clock -F 1000 --call-graph dwarf -o unwind/c-cwork-dwarf.data -- bin/c/cwork 30000
views unwind/c-cwork-dwarf.data
run perf record -q -e cpu-clock -F 1000 --call-graph dwarf -o unwind/go1.25-cgo-dwarf.data -- bin/go1.25/cgo -d 2s
views unwind/go1.25-cgo-dwarf.data
# (d) other toolchains, PIE, stripped, -k mono: Go samples reach their roots in each.
run perf record -q -e cpu-clock -F 250 --call-graph dwarf,16384 -o unwind/go1.21-dwarf16k.data -- bin/go1.21/workload -d 2s mix
run perf record -q -e cpu-clock -F 250 --call-graph dwarf,16384 -k mono -o unwind/go1.27-dwarf16k-mono.data -- bin/go1.27/workload -d 2s mix
run perf record -q -e cpu-clock -F 250 --call-graph dwarf,16384 -o unwind/go1.25-pie-dwarf16k.data -- bin/go1.25/workload-pie -d 2s mix
run perf record -q -e cpu-clock -F 250 --call-graph dwarf,16384 -o unwind/go1.25-stripped-dwarf16k.data -- bin/go1.25/workload-stripped -d 2s mix
for f in go1.21-dwarf16k go1.27-dwarf16k-mono go1.25-pie-dwarf16k go1.25-stripped-dwarf16k; do views unwind/$f.data; done
for f in unwind/*.data unwind/*.script.txt; do run zstd -q -19 --single-thread -f --rm "$f" -o "$f.zst"; done
