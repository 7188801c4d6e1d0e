#!/usr/bin/env bash
# Runs every stackfold command on the crafted inputs of Fixtures/hostile (Fixtures/generate-hostile.sh)
# and fails if one is killed by a signal (exit status > 128: a trap is SIGILL, 132, or SIGTRAP, 133),
# takes more than 60 s (debug builds: the Go 1.21 fit takes ~15 s there), or writes a raw control character (ESC, C1) to what a terminal would show.
# Each line gives the exit status, wall and CPU time and peak RSS (GNU time). The 1 MB symbol name on a
# sample of 8,000 frames runs through every command with the issue's bounds, 10 s of CPU (user + system:
# wall time on a machine shared by several builds says little) and 512 MB each, and its name must come
# out cut (`…[+1044480 bytes]`).
# The Swift tests run the libraries on the same files; this covers the commands' own code (info,
# gotrace summaries), which tests cannot reach.
#
#   bash scripts/hostile/run-commands.sh [path/to/stackfold]
set -uo pipefail
cd "$(dirname "$0")/../.."
bash scripts/deps.sh time bc zstd
bin=${1:-.build/debug/stackfold}
H=Fixtures/hostile
T=Fixtures/gotrace
out=$(mktemp -d /tmp/stackfold-hostile.XXXXXX)
trap 'rm -rf "$out"' EXIT
fail=0
max_cpu=0 max_mb=0  # a check's bounds beside the 60 s kill: CPU seconds, peak RSS in MB (0: none)
check() {
    local name=$1; shift
    local start=$(date +%s.%N)
    /usr/bin/time -f '%U %S %M' -o "$out/rss" timeout -s KILL 60 "$bin" "$@" > "$out/stdout" 2> "$out/stderr"
    local rc=$? secs=$(echo "$(date +%s.%N) - $start" | bc)
    last_rc=$rc
    local u s k
    read -r u s k < <(tail -n 1 "$out/rss")
    local cpu=$(echo "$u + $s" | bc) mb=$(( ${k:-0} / 1024 ))
    local ctl=$(LC_ALL=C grep -c -P '[\x1b\x7f]|\xc2[\x80-\x9f]' "$out/stdout" "$out/stderr" | awk -F: '{ s += $2 } END { print s }')
    local verdict=ok
    if [ $rc -gt 128 ]; then verdict="FAIL (signal $((rc - 128)))"; fail=1; fi
    if [ "$ctl" != 0 ] && [ "${RAW_OK:-}" != "$name" ]; then verdict="FAIL (raw control characters)"; fail=1; fi
    if [ $rc -eq 137 ]; then verdict="FAIL (killed after 60 s)"; fail=1; fi
    if [ $max_cpu -gt 0 ] && [ "$(echo "$cpu > $max_cpu" | bc)" = 1 ]; then verdict="FAIL (over $max_cpu s of CPU)"; fail=1; fi
    if [ $max_mb -gt 0 ] && [ $mb -gt $max_mb ]; then verdict="FAIL (over $max_mb MB)"; fail=1; fi
    printf '%-28s exit %3d  %5.2f s (CPU %5.2f s) %5d MB  %s  %s\n' "$name" $rc "$secs" "$cpu" $mb "$verdict" \
        "$(head -c 120 "$out/stderr" | tr '\n' ' ')"
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

# The 1 MB name: /usr/bin/longsym under a --symfs root; every output must show the cut, exit 0, and stay
# within 10 s of CPU and 512 MB. (Not gc: paired with a trace of another run, its time goes to the clock
# offset search, over 60 s in a debug build, before any name is read.)
mkdir -p "$out/root/usr/bin"
zstd -q -d -c $H/long-symbol-exec.elf.zst > "$out/root/usr/bin/longsym"
L=$H/long-symbol-stack.data.zst
max_cpu=10 max_mb=512
long() {  # name, file the output is in (pprof: gzip'd), then the command
    local name=$1 file=$2; shift 2
    check "$name" "$@"
    [ $last_rc = 0 ] || { echo "FAIL $name: exit $last_rc"; fail=1; }
    local cuts=$(gzip -dcf "$file" 2>/dev/null | LC_ALL=C grep -a -c -F '…[+1044480 bytes]')
    [ "${cuts:-0}" -gt 0 ] ||
        { echo "FAIL $name: no cut name (…[+1044480 bytes]) in its output"; fail=1; }
}
long "collapse long-symbol" "$out/stdout" collapse $L --symfs "$out/root"
long "script long-symbol" "$out/stdout" script $L --symfs "$out/root"
long "script --json long-symbol" "$out/stdout" script --json $L --symfs "$out/root"
long "flamegraph long-symbol" "$out/long.svg" flamegraph $L --symfs "$out/root" -o "$out/long.svg"
long "pprof long-symbol" "$out/long.pb.gz" pprof $L --symfs "$out/root" -o "$out/long.pb.gz"
check "info long-symbol" info $L
max_cpu=0 max_mb=0
exit $fail
