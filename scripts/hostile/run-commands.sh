#!/usr/bin/env bash
# Runs every stackfold command on the crafted inputs of Fixtures/hostile (Fixtures/generate-hostile.sh)
# and fails if one is killed by a signal (exit status > 128: a trap is SIGILL, 132, or SIGTRAP, 133),
# takes more than 60 s (debug builds: the Go 1.21 fit takes ~15 s there), or writes a raw control character (ESC, C1) to what a terminal would show.
# The Swift tests run the libraries on the same files; this covers the commands' own code (info,
# gotrace summaries), which tests cannot reach.
#
#   bash scripts/hostile/run-commands.sh [path/to/stackfold]
set -uo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-.build/debug/stackfold}
H=Fixtures/hostile
T=Fixtures/gotrace
out=$(mktemp -d /tmp/stackfold-hostile.XXXXXX)
trap 'rm -rf "$out"' EXIT
fail=0
check() {
    local name=$1; shift
    local start=$(date +%s.%N)
    timeout -s KILL 60 "$bin" "$@" > "$out/stdout" 2> "$out/stderr"
    local rc=$? secs=$(echo "$(date +%s.%N) - $start" | bc)
    local ctl=$(LC_ALL=C grep -c -P '[\x1b\x7f]|\xc2[\x80-\x9f]' "$out/stdout" "$out/stderr" | awk -F: '{ s += $2 } END { print s }')
    local verdict=ok
    if [ $rc -gt 128 ]; then verdict="FAIL (signal $((rc - 128)))"; fail=1; fi
    if [ "$ctl" != 0 ] && [ "${RAW_OK:-}" != "$name" ]; then verdict="FAIL (raw control characters)"; fail=1; fi
    printf '%-28s exit %3d  %5.2f s  %s  %s\n' "$name" $rc "$secs" "$verdict" "$(head -c 120 "$out/stderr" | tr '\n' ' ')"
}
for f in $H/*.data; do
    b=$(basename "$f" .data)
    check "collapse $b" collapse "$f"
    check "script $b" script "$f"
    check "info $b" info "$f"
done
check "info lost-max" info $H/lost-max.data
grep -q "lost: 18446744073709551615" "$out/stdout" || { echo "FAIL info lost-max: sum not held at 2^64 - 1"; fail=1; }
check "gc --svg times-extreme" gc --svg $H/go1.25-times-extreme.data --go-trace $T/go1.25-fp-mono.trace
check "gc times-extreme" gc $H/go1.25-times-extreme.data --go-trace $T/go1.25-fp-mono.trace
check "gc clock-data-max" gc $H/go1.25-clock-data-max.data --go-trace $T/go1.25-fp-default-clock.trace
check "gc v1 time-max" gc $H/go1.21-time-max.data --go-trace $T/go1.21-fp-default-clock.trace
check "flamegraph folded-inf" flamegraph $H/folded-inf.txt
exit $fail
