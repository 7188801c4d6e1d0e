#!/usr/bin/env bash
# Binaries by build-id from a real debuginfod (Debian's package), served on loopback over a temp folder:
# a capture whose binary is not found locally must fold exactly as it does with the binary given locally;
# a build-id the server lacks, a stopped server and a local binary of another build must each give a
# clear warning (naming the build-id) and unnamed frames. Installs debuginfod, binutils and curl as root
# when missing; otherwise says what is missing and exits 1.
#   bash scripts/debuginfod-test.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh debuginfod binutils curl
swift build --product stackfold >/dev/null
sf="$(swift build --show-bin-path)/stackfold"

dir=$(mktemp -d)
server_pid=
cleanup() { if [[ -n $server_pid ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi; rm -rf "$dir"; }
trap cleanup EXIT
# No ~/.debug (perf's build-id cache may hold the fixture binaries) and no user debuginfod settings.
mkdir -p "$dir/home" "$dir/srv"
export HOME="$dir/home"
unset DEBUGINFOD_URLS DEBUGINFOD_CACHE_PATH DEBUGINFOD_TIMEOUT DEBUGINFOD_PROGRESS DEBUGINFOD_VERBOSE XDG_CACHE_HOME

fail=0
ok() { echo "ok   $1"; }
bad() { echo "FAIL $1"; fail=1; }
check() { if eval "$1"; then ok "$2"; else bad "$2"; fi; }

# The served binary: the stripped Go 1.25 build. Its GNU build-id, as binutils reads it, must be the
# one the capture recorded for its mapping (perf's BUILD_ID feature, printed by stackfold info).
cp Fixtures/bin/go1.25/workload-stripped "$dir/srv/"
id=$(readelf -n "$dir/srv/workload-stripped" | awk '/Build ID:/ {print $3}')
capture=Fixtures/perf/go1.25-stripped.data
check '"$sf" info "$capture" | grep -q "^#   $id /work/main/Fixtures/bin/go1.25/workload-stripped$"' \
  "the capture records build-id $id for its binary (readelf -n of the fixture)"
other_id=$(readelf -n Fixtures/bin/go1.27/workload | awk '/Build ID:/ {print $3}')
wrong_id=$(readelf -n Fixtures/bin/go1.24/workload | awk '/Build ID:/ {print $3}')

# debuginfod over the folder, on a free loopback port (it has no -p 0): retried if the port is taken.
metric() { curl -s --max-time 2 "http://127.0.0.1:$port/metrics" | awk -v k="$1" '$1 == k {print $2; found=1} END {if (!found) print 0}'; }
for try in 1 2 3; do
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  debuginfod -F -p "$port" -d :memory: -t 0 -g 0 -c 1 --disable-source-scan "$dir/srv" >"$dir/server.log" 2>&1 &
  server_pid=$!
  # Ready when its one file is scanned and no scan work is left (polled, at most 20 s).
  for _ in $(seq 100); do
    kill -0 "$server_pid" 2>/dev/null || break
    if [[ $(metric 'scanned_files_total{source="file"}') -ge 1 && $(metric 'thread_work_pending{role="scan"}') == 0 ]]; then break 2; fi
    sleep 0.2
  done
  kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; server_pid=
done
if [[ -z $server_pid ]]; then echo "debuginfod-test.sh: debuginfod did not start or scan $dir/srv:"; cat "$dir/server.log"; exit 1; fi
url="http://127.0.0.1:$port"
echo "debuginfod $(debuginfod --version | head -1 | awk '{print $NF}') serving $dir/srv at $url"
requests() { metric 'http_requests_total{type="executable"}'; }

# 1. The reference: the same binary found locally, debuginfod off.
"$sf" collapse --no-debuginfod --symfs /nonexistent --binaries "$dir/srv" "$capture" >"$dir/local.folded" 2>"$dir/local.err"
check 'grep -q ";main.hashLoop;main.rotate;main.mix " "$dir/local.folded"' "local run: Go frames named (reference)"

# 2. Not found locally (--symfs /nonexistent): fetched from DEBUGINFOD_URLS, as perf and gdb do.
before=$(requests)
start=$(date +%s%N)
DEBUGINFOD_URLS=$url DEBUGINFOD_CACHE_PATH="$dir/cache1" "$sf" collapse --symfs /nonexistent "$capture" >"$dir/env.folded" 2>"$dir/env.err"
check 'diff "$dir/local.folded" "$dir/env.folded"' "DEBUGINFOD_URLS: folded output identical to the local run ($(wc -l <"$dir/local.folded") stacks, $(( ($(date +%s%N) - start) / 1000000 )) ms)"
check '! grep -q "$id" "$dir/env.err"' "DEBUGINFOD_URLS: no warning about $id"
check 'cmp -s "$dir/srv/workload-stripped" "$dir/cache1/$id/executable"' "the download in DEBUGINFOD_CACHE_PATH is the served file, byte for byte"
check '[[ $(( $(requests) - before )) == 1 ]]' "one request for the build-id in the run (the binary has several mappings)"

# 3. The same with --debuginfod URL (no environment).
DEBUGINFOD_CACHE_PATH="$dir/cache2" "$sf" collapse --symfs /nonexistent --debuginfod "$url" "$capture" >"$dir/opt.folded" 2>"$dir/opt.err"
check 'diff "$dir/local.folded" "$dir/opt.folded"' "--debuginfod URL: folded output identical to the local run"

# 4. A local binary of another build at the recorded path is refused (both ids and the path named),
#    then the server's is used: the same output as the right binary found locally.
mkdir -p "$dir/root/work/main/Fixtures/bin/go1.25"
cp Fixtures/bin/go1.24/workload "$dir/root/work/main/Fixtures/bin/go1.25/workload"
"$sf" collapse --no-debuginfod --symfs /nonexistent --binaries "$dir/srv" Fixtures/perf/go1.25-fp-mono.data >"$dir/mono-local.folded" 2>/dev/null
DEBUGINFOD_CACHE_PATH="$dir/cache3" "$sf" collapse --symfs "$dir/root" --debuginfod "$url" Fixtures/perf/go1.25-fp-mono.data >"$dir/mono.folded" 2>"$dir/mono.err"
want="stackfold: warning: $dir/root/work/main/Fixtures/bin/go1.25/workload: build-id $wrong_id does not match the capture's build-id $id for /work/main/Fixtures/bin/go1.25/workload; not used"
check 'grep -qxF "$want" "$dir/mono.err"' "a go1.24 binary at the recorded path is refused: $(cat "$dir/mono.err")"
check 'diff "$dir/mono-local.folded" "$dir/mono.folded"' "... and the server's binary folds it exactly like the right local one"
"$sf" collapse --no-debuginfod --symfs "$dir/root" Fixtures/perf/go1.25-fp-mono.data >"$dir/mono-off.folded" 2>"$dir/mono-off.err"
check 'grep -qxF "$want" "$dir/mono-off.err" && ! grep -q "main\." "$dir/mono-off.folded" && grep -q ";\[workload\]" "$dir/mono-off.folded"' \
  "without a server the refused binary is not used: frames stay [workload]"

# 5. A build-id the server does not have: the server's 404 in a warning naming it; frames stay [workload].
DEBUGINFOD_URLS=$url DEBUGINFOD_CACHE_PATH="$dir/cache4" "$sf" collapse --symfs /nonexistent --addrs Fixtures/perf/go1.27-fp-mono.data >"$dir/missing.folded" 2>"$dir/missing.err"
check 'grep -q "build-id $other_id: not found on the server (HTTP 404" "$dir/missing.err"' "unknown build-id: $(cat "$dir/missing.err")"
check '! grep -q "main\." "$dir/missing.folded" && grep -q ";\[workload <[0-9a-f]*>\]" "$dir/missing.folded"' "... its frames stay [workload <offset>]"

# 5b. libdebuginfod is loaded only when a server is asked (not linked: it brings libcurl into every run).
# A broken one (an empty file first in the library path) gives a warning naming it, and local lookups.
check '! ldd "$sf" | grep -q "libdebuginfod\|libcurl"' "stackfold does not link libdebuginfod or libcurl"
mkdir -p "$dir/badlib" && : >"$dir/badlib/libdebuginfod.so.1"
before=$(requests)
LD_LIBRARY_PATH="$dir/badlib" DEBUGINFOD_CACHE_PATH="$dir/cache4b" "$sf" collapse --symfs /nonexistent --debuginfod "$url" "$capture" >"$dir/badlib.folded" 2>"$dir/badlib.err"
check '[[ $(requests) == "$before" ]] && grep -q "debuginfod: libdebuginfod cannot be loaded: .*libdebuginfod.so.1.*binaries are looked up locally only" "$dir/badlib.err" && grep -q ";\[workload-stripped\]" "$dir/badlib.folded"' \
  "libdebuginfod unloadable: $(grep -o "debuginfod: libdebuginfod cannot.*" "$dir/badlib.err")"

# 6. --no-debuginfod wins over DEBUGINFOD_URLS: no request, and no word of debuginfod; the binary not
# found locally still gets its one warning (issue 18: never silent).
before=$(requests)
DEBUGINFOD_URLS=$url DEBUGINFOD_CACHE_PATH="$dir/cache5" "$sf" collapse --no-debuginfod --symfs /nonexistent "$capture" >"$dir/off.folded" 2>"$dir/off.err"
# (The capture's kernel is not this machine's: the warning about kernel frames may stand.)
check '[[ $(requests) == "$before" ]] && ! grep -qi "debuginfod" "$dir/off.err" && [[ $(grep -v "kernel frames stay" "$dir/off.err" | grep -c "$id.*no matching binary found") == 1 ]] && ! grep -v "kernel frames stay" "$dir/off.err" | grep -v "no matching binary found" | grep -q . && grep -q ";\[workload-stripped\]" "$dir/off.folded"' "--no-debuginfod: no request, no debuginfod warning, one missing-binary warning, frames stay [workload-stripped]"

# 7. The server stopped: a warning naming the build-id and the refused connection, quickly.
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
start=$(date +%s)
DEBUGINFOD_URLS=$url DEBUGINFOD_CACHE_PATH="$dir/cache6" "$sf" collapse --symfs /nonexistent "$capture" >"$dir/down.folded" 2>"$dir/down.err"
took=$(( $(date +%s) - start ))
check 'grep -q "build-id $id: connection refused" "$dir/down.err"' "server stopped: $(cat "$dir/down.err")"
check '! grep -q "main\." "$dir/down.folded" && grep -q ";\[workload-stripped\]" "$dir/down.folded" && [[ $took -lt 10 ]]' "... frames stay [workload-stripped], in ${took} s"

# 8. A server that accepts connections and never answers (a listening socket, closed after 15 s):
#    --debuginfod-timeout bounds the wait.
silent=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -c 'import socket, sys, time; s=socket.socket(); s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(8); time.sleep(15)' "$silent" &
silent_pid=$!
sleep 0.3
start=$(date +%s)
"$sf" collapse --symfs /nonexistent --debuginfod "http://127.0.0.1:$silent" --debuginfod-timeout 2 "$capture" >"$dir/silent.folded" 2>"$dir/silent.err" || true
took=$(( $(date +%s) - start ))
kill "$silent_pid" 2>/dev/null || true; wait "$silent_pid" 2>/dev/null || true
check 'grep -q "build-id $id: no answer within 2 s" "$dir/silent.err" && [[ $took -ge 2 && $took -lt 8 ]]' "silent server: gave up after ${took} s: $(cat "$dir/silent.err")"
check 'grep -q ";\[workload-stripped\]" "$dir/silent.folded"' "... frames stay [workload-stripped]"

if ((fail)); then echo "debuginfod-test.sh: FAILED"; exit 1; fi
echo "debuginfod-test.sh: all checks passed"
