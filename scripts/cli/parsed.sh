#!/usr/bin/env bash
# `gotrace --parsed` byte-identical to `go tool trace -d=parsed` (Go 1.27, TZ=UTC) filtered to the line
# kinds it prints, RangeEnd attributes and Sync clock snapshots included, on every fixture trace (the
# references: Fixtures/generate-parsed.sh). For scripts/cli-test.sh:  bash scripts/cli/parsed.sh STACKFOLD
sf=$1; fail=0
n=0; bad=""
for t in Fixtures/gotrace/*.trace; do
  n=$((n + 1))
  cmp -s <("$sf" gotrace --parsed "$t" 2>/dev/null) <(zstd -dc "${t%.trace}.parsed.txt.zst") || bad+=" $(basename "$t")"
done
if [[ -z $bad && $n -ge 25 ]]; then echo "ok   gotrace --parsed = go tool trace -d=parsed, byte for byte, on all $n fixture traces"
else echo "FAIL gotrace --parsed differs from go tool trace -d=parsed on:$bad ($n traces)"; fail=1; fi
exit $fail
