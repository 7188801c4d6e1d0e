#!/usr/bin/env bash
# perf.data reading corners (issue 18), crafted from a real capture by scripts/corners/perfcraft.py:
#   corners/go1.25-mmap2-cut.data  the workload's MMAP2 record cut to its first 40 bytes
#   corners/go1.25-aux.data        AUXTRACE_INFO (intel_bts), AUX and AUXTRACE (4096 bytes) records added
#   corners/go1.25-lbr.data        every sample given an LBR call stack (--call-graph lbr's layout)
#   corners/go1.25-v1.data         the first header format ("PERFFILE", attrs of ABI 4); -v1-72: also the
#                                  72-byte header without a feature bitmap
#   corners/go1.25-no-samples.data every record but the samples (a run that ended before its first)
# a real capture of a group read (-e '{cpu-clock,task-clock}:S', corners/go1.25-group.data),
# and what perf 6.1 makes of each: X.report-D.txt.zst (`perf report -D` without hex lines, as in perf/)
# and X.script.txt.zst (`perf script`); source.script.txt.zst is `perf script` of the source capture. Tests (Tests/CollapseTests/SkippedRecordTests.swift) read them;
# every command is appended to corners/commands.log. All are committed zstd -19 (stackfold reads
# compressed captures as they are).
#
#   bash Fixtures/generate-corners.sh
#
# Needs: python3, perf, zstd, binutils (objcopy); root (perf record).
set -euo pipefail
cd "$(dirname "$0")"

LOG=$PWD/corners/commands.log
log() { printf '%s\n' "$*" >> "$LOG"; }
run() { log "$*"; "$@"; }

rm -rf corners
mkdir -p corners
: > "$LOG"
log "# $(uname -srm); $(python3 --version); $(perf --version); $(zstd --version)"
src=perf/go1.25-fp-default-clock.data
run python3 ../scripts/corners/perfcraft.py $src corners/go1.25-mmap2-cut.data cut-mmap2 /workload
run python3 ../scripts/corners/perfcraft.py $src corners/go1.25-aux.data aux
run python3 ../scripts/corners/perfcraft.py $src corners/go1.25-lbr.data lbr
run python3 ../scripts/corners/perfcraft.py $src corners/go1.25-v1.data v1
run python3 ../scripts/corners/perfcraft.py $src corners/go1.25-v1-72.data v1 72
# A run that ended before its first sample: every record but the samples.
run python3 ../scripts/corners/perfcraft.py $src corners/go1.25-no-samples.data no-samples
# A group read: the leader samples and reads both members' counts (PERF_FORMAT_GROUP); perf script
# prints one sample per member with each count's growth as its period. perf turns inherit off for
# group reads: only the main thread is sampled.
run perf record -q -e '{cpu-clock,task-clock}:S' -F 250 -g -o corners/go1.25-group.data -- bin/go1.25/workload -d 1s cpu
# Go binaries without their GNU build-id note (objcopy), committed as zstd patches against the build they
# come from: go1.25's is the binary of perf/go1.25-fp-mono.data, go1.27's another program by that name.
for v in 1.25 1.27; do
    run objcopy --remove-section .note.gnu.build-id bin/go$v/workload corners/workload-go$v-nognu
    run zstd -q -19 --single-thread --rm --patch-from=bin/go$v/workload corners/workload-go$v-nognu -o corners/workload-go$v-nognu.zst
done
# perf script of the source capture as this machine reads it now (its kallsyms differ from perf/'s).
log "# > corners/source.script.txt"
run perf script -i $src > corners/source.script.txt 2>/dev/null
run zstd -q -19 --rm corners/source.script.txt
for f in corners/*.data; do
    log "# > $f.report-D.txt"
    perf report -D -i "$f" 2>&1 | grep -v '^\. ' > "$f.report-D.txt"
    log "perf report -D -i $f 2>&1 | grep -v '^\. '"
    log "# > $f.script.txt"
    run perf script -i "$f" > "$f.script.txt" 2>/dev/null
    run zstd -q -19 --rm "$f" "$f.report-D.txt" "$f.script.txt"
done
