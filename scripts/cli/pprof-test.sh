#!/usr/bin/env bash
# `stackfold pprof` on the command line: binary output never to a terminal, -o atomic and equal to
# standard output, gzip, same bytes every run, an error (and no file) when nothing is left to write,
# options that do not apply refused, the trace pairing refusal, its man page entry.
#   bash scripts/cli/pprof-test.sh path/to/stackfold      (run by scripts/cli-test.sh)
set -uo pipefail
cd "$(dirname "$0")/../.."
sf=$(realpath "${1:-.build/debug/stackfold}")
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
data=Fixtures/perf/go1.25-fp-mono.data
trace=Fixtures/gotrace/go1.25-fp-mono.trace
fail=0
source scripts/cli/checks.sh  # ok, bad, check

python3 - "$sf" "$data" >"$dir/tty" 2>&1 <<'PY'
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "pprof", sys.argv[2]])
out = b""
while True:
    try: chunk = os.read(fd, 4096)
    except OSError: break
    if not chunk: break
    out += chunk
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))
print("exit", os.waitstatus_to_exitcode(status))
PY
check "pprof: refuses to write binary to a terminal, and says to pass -o" 'grep -q -- "-o FILE" "$dir/tty" && ! grep -q "exit 0" "$dir/tty"'

"$sf" pprof "$data" >"$dir/stdout.pb.gz" 2>/dev/null; a=$?
"$sf" pprof "$data" -o "$dir/file.pb.gz" 2>/dev/null; b=$?
check "pprof: -o FILE = its standard output (exit $a/$b)" '[[ $a -eq 0 && $b -eq 0 ]] && cmp -s "$dir/stdout.pb.gz" "$dir/file.pb.gz"'
check "pprof: gzip, with no mtime in the header" '[[ $(head -c 8 "$dir/file.pb.gz" | od -An -tx1 | tr -d " ") == 1f8b080000000000 ]]'
"$sf" pprof "$data" -o "$dir/again.pb.gz" 2>/dev/null
check "pprof: same input, same bytes" 'cmp -s "$dir/file.pb.gz" "$dir/again.pb.gz"'
check "pprof: decompresses to a protobuf" 'gzip -dc "$dir/file.pb.gz" | head -c 1 | od -An -tx1 | grep -q 0a'

"$sf" pprof --only-pid 1 "$data" -o "$dir/empty.pb.gz" 2>"$dir/err"; rc=$?
check "pprof: nothing left after the filters is an error naming the input, and no file" \
  '[[ $rc -ne 0 && ! -e "$dir/empty.pb.gz" ]] && grep -q "$data: no sample left" "$dir/err" && [[ $(wc -l <"$dir/err") -eq 1 ]]'
"$sf" pprof --focus 'no such function' "$data" -o "$dir/empty.pb.gz" 2>/dev/null; rc=$?
check "pprof: a --focus that matches nothing is an error too" '[[ $rc -ne 0 && ! -e "$dir/empty.pb.gz" ]]'
"$sf" pprof --clock-offset 5 "$data" -o "$dir/x.pb.gz" 2>"$dir/err"; rc=$?
check "pprof: --clock-offset without --go-trace is refused" '[[ $rc -eq 64 ]] && grep -q "apply to --go-trace" "$dir/err"'
"$sf" pprof --count-samples "$data" -o "$dir/x.pb.gz" 2>"$dir/err"; rc=$?
check "pprof: --count-samples is refused (the profile has both)" '[[ $rc -eq 64 ]] && grep -q "sample_index=samples" "$dir/err"'
"$sf" pprof "$dir/no-such.data" -o "$dir/x.pb.gz" 2>"$dir/err"; rc=$?
check "pprof: an unreadable input fails with one line" '[[ $rc -ne 0 && ! -e "$dir/x.pb.gz" ]] && [[ $(wc -l <"$dir/err") -eq 1 ]]'
"$sf" pprof --go-trace Fixtures/gotrace/go1.27-alloc-mono.trace "$data" -o "$dir/x.pb.gz" 2>"$dir/err"; rc=$?
check "pprof: a trace of another run is refused, naming --force-trace" '[[ $rc -ne 0 && ! -e "$dir/x.pb.gz" ]] && grep -q -- "--force-trace" "$dir/err"'
"$sf" pprof --go-trace "$trace" "$data" -o "$dir/t.pb.gz" 2>/dev/null; rc=$?
check "pprof --go-trace: the trace of the same run is used" '[[ $rc -eq 0 && -s "$dir/t.pb.gz" ]] && gzip -dc "$dir/t.pb.gz" | grep -qa "mark-worker\|gc-concurrent\|none"'

if bash scripts/manpage.sh "$dir/man" debug 2>/dev/null; then
  check "pprof: in the man page" 'MANWIDTH=100 man -l "$dir/man/stackfold.1" 2>/dev/null | grep -qE "^ {5}pprof( |$)"'
fi
exit $fail
