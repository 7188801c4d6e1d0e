#!/usr/bin/env bash
# Go's own parsed view of each execution trace: `go tool trace -d=parsed` of the Go 1.27 toolchain
# (which reads every trace format, Go 1.21 on), only the lines `stackfold gotrace --parsed` prints
# (ranges, labels, syncs, tasks, regions, logs), whole: RangeEnd attributes and Sync clock snapshots
# kept; stacks (the indented lines after an event) dropped. TZ=UTC: Go prints a snapshot's wall clock
# in the local zone, stackfold in UTC. Commands go to parsed.commands.log.
#   bash Fixtures/generate-parsed.sh                              # every gotrace/*.trace
#   bash Fixtures/generate-parsed.sh gotrace/go1.27-tasks.trace   # only these (their log lines replaced)
set -euo pipefail
cd "$(dirname "$0")"
GO=${GO_ROOTS_DIR:-/work/go}/1.27/goroot/bin/go
command -v zstd >/dev/null || { echo "generate-parsed.sh: needs zstd (apt-get install zstd)" >&2; exit 1; }
[[ -x $GO ]] || { echo "generate-parsed.sh: needs Go 1.27 at $GO (see generate.sh)" >&2; exit 1; }
log() { printf '%s\n' "$*" >> parsed.commands.log; }
if (($#)); then
  traces=("$@")
  touch parsed.commands.log
  for f in "${traces[@]}"; do grep -vF " ${f%.trace}.parsed.txt;" parsed.commands.log > parsed.commands.log.tmp || true; mv parsed.commands.log.tmp parsed.commands.log; done
else
  traces=(gotrace/*.trace)
  : > parsed.commands.log
fi
pattern='^M=-?[0-9]+ P=-?[0-9]+ G=-?[0-9]+ (RangeBegin|RangeActive|RangeEnd|Label|Sync|TaskBegin|TaskEnd|RegionBegin|RegionEnd|Log) '
for f in "${traces[@]}"; do
  out=${f%.trace}.parsed.txt
  # Through a file, so the zstd frame records its size (the tests' decompressor needs it).
  log "TZ=UTC $GO tool trace -d=parsed $f | grep -E '$pattern' > $out; zstd -q -19 -f --rm $out"
  TZ=UTC "$GO" tool trace -d=parsed "$f" | grep -E "$pattern" > "$out"
  zstd -q -19 -f --rm "$out"
done
