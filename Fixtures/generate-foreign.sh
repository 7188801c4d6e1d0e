#!/usr/bin/env bash
# Other projects' perf.data test files: 15 captures from Google's perf_data_converter (quipper's
# testdata, Apache-2.0, github.com/google/perf_data_converter), recorded by perf 3.2 to 6.12 on x86-64,
# i686 and ARMv7, in file and pipe mode, one cut short by a zero-size record; and what perf 6.1 makes of
# each: X.report-D.txt (`perf report -D` without its hex lines, as in perf/). Tests
# (Tests/PerfDataTests/ForeignCaptureTests.swift) compare every record and sample with it. All are
# committed zstd -19 (stackfold reads compressed captures as they are); every command is appended to
# foreign/commands.log.
#
#   bash Fixtures/generate-foreign.sh /path/to/perf_data_converter   # a checkout of the commit below
#
# Needs: perf, zstd, git.
set -euo pipefail
src=$(cd "${1:?usage: generate-foreign.sh PERF_DATA_CONVERTER_CHECKOUT}" && pwd)
cd "$(dirname "$0")"
commit=e2c2da7  # the checkout's commit, checked below

LOG=$PWD/foreign/commands.log
log() { printf '%s\n' "$*" >> "$LOG"; }
run() { log "$*"; "$@"; }

rm -rf foreign
mkdir -p foreign
: > "$LOG"
log "# $(uname -srm); $(perf --version); $(zstd --version)"
log "# source: github.com/google/perf_data_converter at $(git -C "$src" rev-parse HEAD), src/quipper/testdata"
[[ $(git -C "$src" rev-parse --short=7 HEAD) == "$commit" ]] || { echo "generate-foreign.sh: $src is not at $commit" >&2; exit 1; }
names=(
  perf.data.piped.header_features_aligned-6.12 perf.data.piped.header_feautres_group_desc-6.8
  perf.data.piped.no_attr_ids-4.14 perf.data.piped.lost_samples-4.4 perf.data.piped.target.throttled-3.4
  perf.data.piped.corrupted.zero_size_sample-3.2
  perf.data.i686-3.4 perf.data.armv7.perf_3.14-3.8 perf.data.branch-4.14 perf.data.lost_samples-4.4
  perf.data.remmap-3.2 perf.data.singleprocess-3.4 perf.data.hybrid_topology perf.data.group_desc-4.14
  perf.data.ctx_switch_namespaces-4.14
)
for n in "${names[@]}"; do
  run cp "$src/src/quipper/testdata/$n" "foreign/$n"
  log "# > foreign/$n.report-D.txt"
  log "perf report -D -i foreign/$n 2>&1 | grep -v '^\\. '"
  # perf's own exit status is not kept: it fails on the corrupted capture, which is the point.
  { perf report -D -i "foreign/$n" 2>&1 || true; } | grep -v '^\. ' > "foreign/$n.report-D.txt"
done
run cp "$src/LICENSE" foreign/LICENSE.perf_data_converter
for n in "${names[@]}"; do run zstd -q -19 --rm "foreign/$n" "foreign/$n.report-D.txt"; done
