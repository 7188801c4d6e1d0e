#!/usr/bin/env bash
# The command line's conventions, checked on the built binary with bundled captures: --version, help
# topics, -o on every command that writes, usage instead of waiting on a terminal, error messages,
# completions of enumerated values, the Go trace format's name, the attribute table's header.
#   bash scripts/cli-test.sh [path/to/stackfold]
set -uo pipefail
cd "$(dirname "$0")/.."
if [[ $# -ge 1 ]]; then sf=$(realpath "$1"); else swift build --product stackfold >/dev/null || exit 1; sf=$PWD/.build/debug/stackfold; fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# Caches (kernel symbols, inflated DWARF) go to the scratch folder, never to the user's ~/.cache.
export STACKFOLD_CACHE_DIR=$dir/stackfold-cache
data=Fixtures/perf/go1.25-fp-mono.data
trace=Fixtures/gotrace/go1.25-fp-mono.trace
fail=0
source scripts/cli/checks.sh  # ok, bad, check

version=$(sed -n 's/^let stackfoldVersion = "\(.*\)"$/\1/p' Sources/stackfold/Version.swift)
check "--version prints the version constant ($version)" '[[ $("$sf" --version) == "$version" ]]'

"$sf" help bogus >"$dir/out" 2>"$dir/err"; rc=$?
check "help with an unknown topic exits non-zero and names it" '[[ $rc -ne 0 ]] && grep -q "bogus" "$dir/err"'
check "help with a known topic exits 0" '"$sf" help collapse >/dev/null 2>&1 && "$sf" help >/dev/null 2>&1'

# -o FILE writes exactly what standard output gets.
same() {  # name, command words...
  local name=$1; shift
  "$sf" "$@" >"$dir/stdout" 2>/dev/null; local a=$?
  "$sf" "$@" -o "$dir/file" 2>/dev/null; local b=$?
  if [[ $a -eq 0 && $b -eq 0 && -s "$dir/file" ]] && cmp -s "$dir/stdout" "$dir/file"; then ok "$name -o FILE = its standard output"; else bad "$name -o FILE (exit $a/$b)"; fi
  rm -f "$dir/file"
}
same collapse collapse "$data"
same "collapse (perf script text)" collapse "$data.script.txt"
same script script "$data"
same "script --json" script --json "$data"
same gotrace gotrace "$trace"
same "gotrace --json" gotrace --json "$trace"
same attribute attribute --go-trace "$trace" "$data"
same diff diff Fixtures/perf/go1.25-fp-default-clock.data "$data"
same "gc report" gc --go-trace "$trace" "$data"
same "gc --folded" gc --folded --go-trace "$trace" "$data"
same "gc --svg" gc --svg --go-trace "$trace" "$data"
same flamegraph flamegraph "$data"
"$sf" collapse "$data" -o "$dir/nodir/x.folded" 2>"$dir/err"; rc=$?
check "-o into a missing folder fails with one line naming it" '[[ $rc -ne 0 ]] && grep -q "nodir/x.folded" "$dir/err" && [[ $(wc -l <"$dir/err") -eq 1 ]]'
"$sf" collapse Fixtures/perf/go1.25-truncated.data -o "$dir/t.folded" 2>/dev/null
"$sf" script "$dir/no-such.data" -o "$dir/failed.txt" 2>/dev/null
check "a failed run leaves no file under the -o name, nor a temporary one" '[[ ! -e "$dir/failed.txt" ]] && ! ls "$dir" | grep -q tmp'

# On a terminal with no input: usage, not a silent wait.
for cmd in collapse flamegraph; do
  python3 - "$sf" "$cmd" >"$dir/tty" 2>&1 <<'PY'
import os, pty, sys, select, time
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], sys.argv[2]])
out, end = b"", time.time() + 5
while time.time() < end:
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try: chunk = os.read(fd, 4096)
        except OSError: break
        if not chunk: break
        out += chunk
    elif os.waitpid(pid, os.WNOHANG)[0]: break
else:
    os.kill(pid, 9); print("TIMEOUT")
_, status = os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace")); print("EXIT", os.waitstatus_to_exitcode(status))
PY
  check "$cmd with no input on a terminal prints usage and fails" '! grep -q TIMEOUT "$dir/tty" && grep -q "USAGE\|Usage" "$dir/tty" && ! grep -q "EXIT 0" "$dir/tty"'
done
check "collapse still reads a pipe" '[[ $(cat "$data.script.txt" | "$sf" collapse 2>/dev/null | wc -l) -gt 10 ]]'
lay=Fixtures/script-layouts
check "collapse folds one-line perf script samples as stackcollapse-perf.pl folds their leaves" \
  'cmp -s <("$sf" collapse --pid "$lay/default.oneline.txt.zst" 2>/dev/null) "$lay/default.collapsed-pid.txt"'

"$sf" info "$dir/missing.data" 2>"$dir/err"; rc=$?
check "a missing file: one line, no internal offset" '[[ $rc -ne 0 ]] && grep -q "missing.data: No such file or directory" "$dir/err" && ! grep -q offset "$dir/err"'

"$sf" --generate-completion-script bash >"$dir/bash" 2>&1
check "bash completion offers --state's values" 'grep -q "mark-worker" "$dir/bash" && grep -q "gc-concurrent" "$dir/bash"'
check "bash completion offers --colors' values" 'grep -q "flamechart\|aqua" "$dir/bash" && grep -q "purple" "$dir/bash"'
"$sf" --generate-completion-script zsh >"$dir/zsh" 2>&1
check "zsh completion offers --state's values" 'grep -q "mark-worker" "$dir/zsh"'

check "gotrace names the format's Go range (a Go 1.27 trace: Go 1.26+ format)" \
  '"$sf" gotrace Fixtures/gotrace/go1.27-fp-mono.trace 2>/dev/null | head -1 | grep -q "Go 1.26+ format (\"go 1.26 trace\", written by Go 1.26 and 1.27)"'
check "gotrace: a Go 1.24 trace is the Go 1.23 format" \
  '"$sf" gotrace Fixtures/gotrace/go1.24-fp-mono.trace 2>/dev/null | head -1 | grep -q "Go 1.23 format"'

"$sf" attribute --go-trace "$trace" "$data" >"$dir/attr" 2>/dev/null
check "attribute's text has a header, then one line per sample" \
  '[[ $(head -1 "$dir/attr") == "# time_ns tid g=goroutine gc_state"* ]] && [[ $(($(wc -l <"$dir/attr") - 1)) -eq $("$sf" attribute --json --go-trace "$trace" "$data" 2>/dev/null | wc -l) ]]'
# Names changed for the output (--srcline) must not hide the goroutine roots the pairing is checked by.
check "attribute --srcline: same goroutines and GC states as without it" \
  'cmp -s <("$sf" attribute --srcline --go-trace "$trace" "$data" 2>/dev/null | cut -d" " -f1-4) <(cut -d" " -f1-4 "$dir/attr") && [[ -s "$dir/attr" ]]'
# perf script prints nothing when no sample passes the filters: stackfold fails instead, writing no file.
"$sf" script --only-pid 1 "$data" -o "$dir/none.txt" >"$dir/out" 2>"$dir/err"; rc=$?
check "script with filters that keep no sample exits non-zero, names the input, writes nothing" \
  '[[ $rc -ne 0 && ! -e "$dir/none.txt" ]] && grep -q "$data: no sample to print" "$dir/err"'

# flamegraph.pl --random: a colour per frame, not per name; from a fixed seed, so the same bytes each run.
"$sf" collapse "$data" >"$dir/r.folded" 2>/dev/null
"$sf" flamegraph --random "$dir/r.folded" >"$dir/r1.svg"; "$sf" flamegraph --random "$dir/r.folded" >"$dir/r2.svg"
"$sf" flamegraph "$dir/r.folded" >"$dir/r0.svg"
colours_per_name() { python3 - "$1" <<'PY'
import re, sys, collections
s = open(sys.argv[1]).read()
names = collections.defaultdict(set)
for title, fill in re.findall(r'<title>(.*?) \(.*?</title><rect [^>]*fill="([^"]+)"', s):
    names[title].add(fill)
print(max(len(v) for v in names.values()))
PY
}
check "--random: same input, same bytes" 'cmp -s "$dir/r1.svg" "$dir/r2.svg"'
check "--random: one name gets several colours (without it, one)" '[[ $(colours_per_name "$dir/r1.svg") -gt 1 && $(colours_per_name "$dir/r0.svg") -eq 1 ]]'
check "--random: only colours change" '[[ $(sed -E "s/fill=\"[^\"]*\"//g" "$dir/r1.svg" | md5sum) == $(sed -E "s/fill=\"[^\"]*\"//g" "$dir/r0.svg" | md5sum) ]]'

# gc: a summary per pause; per-sample lines only with --verbose, one per sample counted.
at=Fixtures/gotrace/go1.27-alloc-mono.trace; ad=Fixtures/perf/go1.27-alloc-mono.data
"$sf" gc --top 20 --go-trace "$at" "$ad" >"$dir/gc.txt" 2>/dev/null
"$sf" gc --top 20 --verbose --go-trace "$at" "$ad" >"$dir/gcv.txt" 2>/dev/null
counted=$(grep -oE "goroutine [0-9]+: [0-9]+ samples?$" "$dir/gc.txt" | awk '{s += $3} END {print s + 0}')
listed=$(grep -cE "^      [0-9.]+ ms \[[0-9.]+ s\] cpu [0-9]+ tid [0-9]+ g -?[0-9]+: " "$dir/gcv.txt")
check "gc: no per-sample lines without --verbose" '! grep -qE " cpu [0-9]+ tid " "$dir/gc.txt"'
check "gc --verbose: one line per sample counted in the pauses ($counted)" '[[ $counted -gt 0 && $listed -eq $counted ]]'
span=$(sed -nE "s/^samples: .* within the trace \(([0-9.]+) ms\)$/\1/p" "$dir/gc.txt")
check "gc: pause times are since the trace began, within its span ($span ms)" \
  'grep -oE "at [0-9.]+ ms \[" "$dir/gc.txt" | awk -v s="$span" "{ if (\$2 + 0 > s + 0) bad = 1 } END { exit bad }" && grep -q "at [0-9.]* ms \[" "$dir/gc.txt"'
check "gc: the stop-the-world-end note where other goroutines ran in a pause" 'grep -q "records a stop-the-world.s end only after restarting the Ps" "$dir/gc.txt"'
check "gc: each pause's function shares add up to 100%" \
  'grep "^    functions: " "$dir/gc.txt" | grep -v more | python3 -c "import sys,re; sys.exit(0 if all(abs(sum(float(x) for x in re.findall(r\"([0-9.]+)% \", l)) - 100) < 0.5 for l in sys.stdin) else 1)"'

# Progress on stderr: on a terminal (results going elsewhere), erased at the end; never into a pipe.
ptyrun() { python3 -c '
import os, pty, sys
pid, fd = pty.fork()
if pid == 0: os.execvp("bash", ["bash", "-c", sys.argv[1]])
out = b""
while True:
    try: chunk = os.read(fd, 4096)
    except OSError: break
    if not chunk: break
    out += chunk
os.waitpid(pid, 0)
sys.stdout.write(out.decode(errors="replace"))' "$1"; }
# STACKFOLD_PROGRESS_AFTER=0 shows the line before the work starts, so however short the run, it is there.
# The capture's kallsyms given: on another kernel than the capture's, a warning would end the output.
ks=Fixtures/perf/kallsyms-subset.txt
ptyrun "STACKFOLD_PROGRESS_AFTER=0 '$sf' gc --kallsyms '$ks' --go-trace '$at' '$ad' > '$dir/p.txt'" >"$dir/tty"
check "progress: a line on a terminal, erased when done" 'grep -q "stackfold: reading $ad, $at (" "$dir/tty" && [[ $(tail -c 4 "$dir/tty" | od -An -c | tr -d " ") == "\\r033[K" ]]'
check "progress: the results are unchanged" '"$sf" gc --kallsyms "$ks" --go-trace "$at" "$ad" 2>/dev/null | cmp -s - "$dir/p.txt"'
STACKFOLD_PROGRESS_AFTER=0 "$sf" gc --go-trace "$at" "$ad" 2>"$dir/err" >/dev/null
check "progress: nothing when stderr is not a terminal" '! grep -q "reading" "$dir/err"'
ptyrun "STACKFOLD_PROGRESS_AFTER=0 '$sf' gotrace '$at'" >"$dir/tty"
check "progress: nothing when results go to the same terminal" '! grep -q "stackfold: reading" "$dir/tty"'

# The Go palette: kernel frames in their own colour (checked against perf script's [kernel.kallsyms]
# frames), the root and process frames neutral, a legend.
for c in go1.25-fp-mono go1.25-tasks-mono; do
  "$sf" flamegraph --colors go --minwidth 0 --kallsyms Fixtures/perf/kallsyms-subset.txt "Fixtures/perf/$c.data" -o "$dir/go.svg" 2>/dev/null
  r=$(python3 scripts/cli/kernel-colours.py "Fixtures/perf/$c.data.script.txt" "$dir/go.svg"); rc=$?
  check "--colors go, $c: kernel colour exactly on perf's kernel frames ($r)" '[[ $rc -eq 0 ]]'
done
check "--colors go: a legend of 8 kinds" '[[ $(sed -n "/<g id=\"legend\">/,/<\/g>/p" "$dir/go.svg" | grep -c "<rect") -eq 8 ]]'
check "--colors go: all and the process root neutral" 'grep -qE "<title>all \(.*fill=\"rgb\(190,190,190\)\"" "$dir/go.svg" && grep -qE "<title>tasks \(.*fill=\"rgb\(190,190,190\)\"" "$dir/go.svg"'
"$sf" flamegraph "$data" -o "$dir/hot.svg" 2>/dev/null
check "other palettes: no legend" '! grep -q "id=\"legend\"" "$dir/hot.svg"'

# Records a fold skips are said, not dropped (issue 18): a malformed MMAP2, AUX trace data, LBR call stacks.
cut=Fixtures/corners/go1.25-mmap2-cut.data.zst
"$sf" collapse --no-debuginfod --binaries Fixtures/bin "$cut" >/dev/null 2>"$dir/err"; rc=$?
check "collapse: a malformed MMAP2 is one warning with its offset" '[[ $rc -eq 0 && $(grep -c "malformed record" "$dir/err") -eq 1 ]] && grep -q "offset 15328 (0x3be0)" "$dir/err"'
check "info: counts malformed records" '"$sf" info "$cut" 2>/dev/null | grep -q "^# malformed records: 1 (MMAP2 ×1)"'
"$sf" script --no-debuginfod "$cut" >/dev/null 2>"$dir/err"
check "script: says the malformed MMAP2" 'grep -q "1 malformed record skipped" "$dir/err"'
"$sf" collapse --no-debuginfod Fixtures/corners/go1.25-aux.data.zst >/dev/null 2>"$dir/err"
check "collapse: AUX trace data is said, with perf script --itrace" 'grep -q "4096 bytes of AUX area trace data (intel_bts)" "$dir/err" && grep -q -- "--itrace" "$dir/err"'
"$sf" collapse --no-debuginfod Fixtures/corners/go1.25-lbr.data.zst >/dev/null 2>"$dir/err"
check "collapse: LBR call stacks are said" 'grep -q "carry LBR call stacks" "$dir/err"'
# perf.data that perf 6.1 reads: the legacy "PERFFILE" header, group reads split per member.
check "collapse: a legacy PERFFILE capture folds as its source" \
  '[[ "$("$sf" collapse --no-debuginfod --binaries Fixtures/bin Fixtures/corners/go1.25-v1.data.zst 2>/dev/null)" == "$("$sf" collapse --no-debuginfod --binaries Fixtures/bin Fixtures/perf/go1.25-fp-default-clock.data 2>/dev/null)" ]]'
check "script: a group read gives each member its samples" \
  '[[ $("$sf" script --no-debuginfod --binaries Fixtures/bin Fixtures/corners/go1.25-group.data.zst 2>/dev/null | grep -c " task-clock: $") -gt 10 ]]'

# Options that do not apply to the input are usage errors (64), one line naming input and option (issue 18).
inapplicable() {  # name, option, command words...
  local name=$1 opt=$2; shift 2
  "$sf" "$@" >"$dir/out" 2>"$dir/err"; local rc=$?
  check "$name: exit 64, one line naming $opt" '[[ $rc -eq 64 && $(wc -l <"$dir/err") -eq 1 && ! -s "$dir/out" ]] && grep -q -- "$opt" "$dir/err"'
}
"$sf" collapse "$data" >"$dir/in.folded" 2>/dev/null
inapplicable "collapse --only-cpu on perf script text" --only-cpu collapse --only-cpu 1 "$data.script.txt"
inapplicable "collapse --strict on perf.data" --strict collapse --strict "$data"
inapplicable "flamegraph --elf-names on folded stacks" --elf-names flamegraph --elf-names "$dir/in.folded" -o "$dir/no.svg"
check "flamegraph with an option that does not apply writes no -o file" '[[ ! -e "$dir/no.svg" ]]'
inapplicable "diff --time on two folded files" --time diff --time 1,2 "$dir/in.folded" "$dir/in.folded"
check "diff --time with a perf.data input still runs" '"$sf" diff --time , "$data" "$dir/in.folded" >/dev/null 2>&1'
# The same for script, info, gc, attribute, gotrace and addr2line, by what else was asked.
bash scripts/cli/options.sh "$sf" "$dir" || fail=1
bash scripts/cli/empty-fold.sh "$sf" "$dir" || fail=1
bash scripts/cli/parsed.sh "$sf" || fail=1

# Units (docs/units.md): a perf.data graph's root and process frames say perf script's sample counts and
# period sums in the event's unit; folded text stays period sums (stackcollapse-perf.pl), or sample counts.
bash scripts/cli/units.sh "$sf" "$dir" || fail=1
# stackcollapse-perf.pl's --inline and --context on perf script text.
bash scripts/cli/inline.sh "$sf" "$dir" || fail=1
bash scripts/cli/pprof-test.sh "$sf" || fail=1
# perf script's naming corners: JIT maps, zero-size symbols and labels, --max-stack, pipe-mode events,
# kernel-module frames, symbol aliases and .dynsym.
bash scripts/cli/script-corners.sh "$sf" "$dir" || fail=1
bash scripts/cli/script-kmod.sh "$sf" "$dir" || fail=1
bash scripts/cli/script-aliases.sh "$sf" "$dir" || fail=1
bash scripts/cli/dwarf-cache.sh "$sf" "$dir" || fail=1

# pprof input (Fixtures/pprof, made by generate-pprof-go.sh): collapse, flamegraph, diff and top read it.
pp=Fixtures/pprof/go1.27
same "collapse (pprof)" collapse "$pp/cpu.pprof"
same top top "$pp/heap.pprof"
same "top (perf.data)" top "$data"
check "collapse: a gzip and an uncompressed profile fold alike" 'cmp -s <("$sf" collapse "$pp/cpu.pprof" 2>/dev/null) <("$sf" collapse "$pp/cpu-uncompressed.pb" 2>/dev/null)'
check "collapse --sample-index alloc_space = --sample-index 1" 'cmp -s <("$sf" collapse --sample-index alloc_space "$pp/heap.pprof") <("$sf" collapse --sample-index 1 "$pp/heap.pprof") && [[ $("$sf" collapse --sample-index 1 "$pp/heap.pprof" | wc -l) -gt 0 ]]'
"$sf" collapse "$pp/heap.pprof" >/dev/null 2>"$dir/err"
check "collapse of a heap profile names the sample type it folded" 'grep -q "sample type inuse_space/bytes of" "$dir/err"'
"$sf" collapse --sample-index 1 "$data" >/dev/null 2>"$dir/err"; rc=$?
check "--sample-index on perf.data is an error, one line" '[[ $rc -ne 0 ]] && [[ $(wc -l <"$dir/err") -eq 1 ]] && grep -q "not a pprof profile" "$dir/err"'
"$sf" collapse --sample-index bogus "$pp/heap.pprof" >/dev/null 2>"$dir/err"; rc=$?
check "--sample-index with an unknown type lists the types" '[[ $rc -ne 0 ]] && grep -q "alloc_space" "$dir/err"'
for f in values-count.pb cut-proto.pb location-id-0.pb; do
  "$sf" collapse "Fixtures/pprof/malformed/$f" >"$dir/out" 2>"$dir/err"; rc=$?
  check "malformed pprof $f: exit 2, one line naming it, no output" '[[ $rc -eq 2 && ! -s "$dir/out" ]] && [[ $(wc -l <"$dir/err") -eq 1 ]] && grep -q "$f: not a valid pprof profile" "$dir/err"'
done
check "top = go tool pprof -top from its 'Showing nodes' line (cpu, -cum)" 'diff <("$sf" top --cum "$pp/cpu.pprof" 2>/dev/null | sed -n "/^Showing nodes/,\$p") <(sed -n "/^Showing nodes/,\$p" "$pp/truth/cpu.top-cum.txt") >/dev/null'
"$sf" flamegraph --colors go "$pp/cpu.pprof" -o "$dir/pprof.svg" 2>/dev/null
check "flamegraph --colors go of a CPU profile: a legend, values in nanoseconds" 'grep -q "id=\"legend\"" "$dir/pprof.svg" && grep -q "nanoseconds" "$dir/pprof.svg"'
same "diff (pprof)" diff Fixtures/pprof/go1.21/cpu.pprof "$pp/cpu.pprof"
"$sf" top --state assist "$data" >/dev/null 2>"$dir/err"; rc=$?
check "top --state without --go-trace is an error" '[[ $rc -ne 0 ]] && grep -q "go together" "$dir/err"'
check "top --go-trace --state assist: percentages of all samples, as pprof -tagfocus" '[[ $("$sf" top --go-trace "$trace" --state assist "$data" 2>/dev/null | sed -n "s/.* of \(.*\) total$/\1/p") == $("$sf" top "$data" 2>/dev/null | sed -n "s/.* of \(.*\) total$/\1/p") ]]'

# Parsing from the subcommand (Stackfold.parsedSubcommand) = the library's parse from the root: the same
# output, messages and status, for runs, help, version, completion scripts and errors.
fq=Fixtures/gotrace/go1.24-tasks.trace
while IFS= read -r line; do
  read -ra words <<<"$line"
  parse_all=$((${parse_all:-0} + 1))
  "$sf" "${words[@]}" </dev/null >"$dir/a.out" 2>"$dir/a.err"; a=$?
  STACKFOLD_PARSE_FROM_ROOT=1 "$sf" "${words[@]}" </dev/null >"$dir/b.out" 2>"$dir/b.err"; b=$?
  if [[ $a -eq $b ]] && cmp -s "$dir/a.out" "$dir/b.out" && cmp -s "$dir/a.err" "$dir/b.err"; then
    parse_same=$((${parse_same:-0} + 1))
  else
    bad "stackfold $line: parsed from the subcommand, exit $a; from the root, exit $b (or other output)"
  fi
done <<EOF_ARGS
collapse $data
collapse --pid --kernel --addrs $data
collapse --as-recorded $data
collapse --bogus $data
collapse
collapse --help
collapse -h
collapse --help-hidden
collapse --version
collapse --generate-completion-script bash
collapse --experimental-dump-help
collapse $data --pid=3
script --count-only --records $data
gc --title T --go-trace $trace $data
collapse --max-stack x $data
help collapse
script --json --max-stack 5 $data
script --count-only $data
script --event-filter bogus $data
info $data
info --version
info --binaries
flamegraph --title T --width 600 Fixtures/diff/go1.25.folded
flamegraph --width wide Fixtures/diff/go1.25.folded
top -n 5 --cum $data
pprof -o $dir/p.pb.gz $data
gc --go-trace $trace $data
gc --folded --state stw --go-trace $trace $data
gc --state nonsense --go-trace $trace $data
attribute --go-trace $trace $data
attribute $data
diff -n Fixtures/perf/go1.25-fp-default-clock.data $data
addr2line -e Fixtures/bin/go1.25/workload 0x401000
addr2line --source nowhere -e Fixtures/bin/go1.25/workload 0x401000
gotrace --json $fq
gotrace --version
gotrace --parsed $fq extra
EOF_ARGS
check "parsing from the subcommand = from the root (${parse_same:-0} of ${parse_all:-0} invocations)" '[[ ${parse_same:-0} -eq ${parse_all:-0} && ${parse_all:-0} -gt 30 ]]'

# The man page, generated from the command definitions as scripts/install.sh installs it.
if bash scripts/manpage.sh "$dir/man" debug 2>"$dir/err"; then
  MANWIDTH=100 man -l "$dir/man/stackfold.1" >"$dir/man.txt" 2>/dev/null
  missing=""
  for c in info script collapse diff flamegraph addr2line gotrace attribute gc top; do grep -qE "^ {5}$c( |$)" "$dir/man.txt" || missing+=" $c"; done
  check "the man page renders and has every command${missing:+ (missing:$missing)}" '[[ -z $missing ]] && grep -q "^NAME" "$dir/man.txt" && grep -q -- "--version" "$dir/man.txt"'
else
  bad "scripts/manpage.sh: $(head -1 "$dir/err")"
fi
exit $fail
