#!/usr/bin/env bash
# Units checks for scripts/cli-test.sh (docs/units.md); the truth is perf script's text of each capture.
#   bash scripts/cli/units.sh STACKFOLD TMPDIR
sf=$1; dir=$2; fail=0
source "$(dirname "$0")/checks.sh"  # ok, bad, check
# The event stackfold folds by default: the first declared with samples (two-events: cpu-clock first).
for ce in go1.25-fp-mono:cpu-clock go1.25-two-events:cpu-clock/freq=250/; do
  c=${ce%%:*}; event=${ce#*:}
  data=Fixtures/perf/$c.data
  "$sf" flamegraph --kallsyms Fixtures/perf/kallsyms-subset.txt "$data" -o "$dir/units.svg" 2>/dev/null
  r=$(python3 scripts/cli/units.py "$data.script.txt" "$dir/units.svg" "$event"); rc=$?
  check "units, $c: root and process frames carry perf's samples and periods as time ($r)" '[[ $rc -eq 0 ]]'
done
data=Fixtures/perf/go1.25-fp-mono.data
read -r n p < <(awk '/^[^ \t#]/ && / cpu-clock:/ {n++; p += $(NF-1)} END {print n, p}' "$data.script.txt")
check "units: collapse sums periods as stackcollapse-perf.pl ($p ns), --count-samples counts samples ($n)" \
  '[[ $("$sf" collapse "$data" 2>/dev/null | awk "{s+=\$NF} END {print s}") == "$p" && $("$sf" collapse --count-samples "$data" 2>/dev/null | awk "{s+=\$NF} END {print s}") == "$n" ]]'
"$sf" collapse "$data" 2>/dev/null | "$sf" flamegraph - > "$dir/text.svg" 2>/dev/null
pc=$(python3 -c "print('{:,}'.format($p))")
check "units: folded text keeps flamegraph.pl's label (all ($pc samples, 100%))" 'grep -qF "<title>all ($pc samples, 100%)</title>" "$dir/text.svg"'
"$sf" flamegraph --count-samples "$data" -o "$dir/count.svg" 2>/dev/null
check "units: --count-samples graphs say samples only" 'grep -q "<title>all ($n samples, 100%)</title>" "$dir/count.svg"'
"$sf" gc --go-trace Fixtures/gotrace/go1.25-fp-mono.trace "$data" > "$dir/gc.txt" 2>/dev/null
ms=$(python3 -c "print('%.2f s' % ($p / 1e9) if $p >= 1e9 else '%.1f ms' % ($p / 1e6))")
check "units: the gc report gives CPU time beside samples (samples: $n ($ms of CPU time))" 'grep -q "^samples: $n ($ms of CPU time)" "$dir/gc.txt"'
exit $fail
