#!/usr/bin/env bash
# perf script's naming corners (issue 18) in one real capture of script-corners/corners.c (see its header):
# JIT code named by /tmp/perf-PID.map, a zero-size symbol and a label, return addresses just past a symbol,
# and callchains deeper than perf script's default --max-stack (127). Writes
#   bin/c/corners                                   the program (gcc -O1 -fno-omit-frame-pointer)
#   script-corners/corners.data                     perf record -e cpu-clock:u -F 999 -g, recorded with
#                                                   kernel.perf_event_max_stack raised to 512 (restored after)
#   script-corners/perf-PID.map                     the map the run wrote to /tmp, copied beside the capture
#   script-corners/corners.data.script.txt          perf script (its default --max-stack: 127 here)
#   script-corners/corners.data.script-max-stack-20.txt   perf script --max-stack 20
#   script-corners/corners-pipe.data (+ .script.txt, its own perf-PID.map)   pipe mode (perf record -o -)
#                                                   with named events: cpu-clock:u and task-clock/name=mytask/
#   script-corners/corners.data.collapsed-pl.txt    stackcollapse-perf.pl of perf's text (FLAMEGRAPH_DIR)
# Every command is appended to script-corners/commands.log; captures and texts are committed zstd -19.
#
# Needs: gcc, perf, zstd, perl and FLAMEGRAPH_DIR (a FlameGraph checkout); root (perf record, sysctl).
#   FLAMEGRAPH_DIR=/path/to/FlameGraph bash Fixtures/generate-script-corners.sh
set -euo pipefail
cd "$(dirname "$0")"

D=script-corners
LOG=$PWD/$D/commands.log
log() { printf '%s\n' "$*" >> "$LOG"; }
run() { log "$*"; "$@"; }

rm -f $D/*.zst $D/perf-*.map $D/*.data $D/*.txt
: > "$LOG"
log "# $(uname -srm); $(gcc --version | head -1); $(perf --version); $(zstd --version)"
mkdir -p bin/c
run gcc -O1 -g0 -fno-omit-frame-pointer -o bin/c/corners $D/corners.c

# The kernel refuses a new value (EBUSY) while any callchain event is open: retry for up to 5 minutes.
set_max_stack() {
    for _ in $(seq 600); do sysctl -q -w kernel.perf_event_max_stack=$1 2>/dev/null && return 0; sleep 0.5; done
    echo "could not set kernel.perf_event_max_stack=$1" >&2; return 1
}
old=$(sysctl -n kernel.perf_event_max_stack)
trap 'set_max_stack $old' EXIT
log "set_max_stack 512  # sysctl -w kernel.perf_event_max_stack=512, retried while EBUSY"
set_max_stack 512
run perf record -q -e cpu-clock:u -F 999 -g -o $D/corners.data -- bin/c/corners 2
log "set_max_stack $old"
set_max_stack $old
trap - EXIT
log "# sysctl -n kernel.perf_event_max_stack: $(sysctl -n kernel.perf_event_max_stack)"

# The recorded pid: the one /tmp/perf-PID.map is named after.
pid_of() { perf script -i "$1" -F pid 2>/dev/null | awk 'NR == 1 { print $1 }'; }
pid=$(pid_of $D/corners.data)
log "# > $D/corners.data.script.txt"
run perf script -i $D/corners.data > $D/corners.data.script.txt 2>/dev/null
log "# > $D/corners.data.script-max-stack-20.txt"
run perf script --max-stack 20 -i $D/corners.data > $D/corners.data.script-max-stack-20.txt 2>/dev/null
run mv /tmp/perf-$pid.map $D/perf-$pid.map

log "# > $D/corners-pipe.data"
perf record -q -o - -e cpu-clock:u -e 'task-clock/name=mytask/' -F 499 -g -- bin/c/corners 1 > $D/corners-pipe.data 2>/dev/null
log "perf record -q -o - -e cpu-clock:u -e 'task-clock/name=mytask/' -F 499 -g -- bin/c/corners 1"
pid=$(pid_of $D/corners-pipe.data)
log "# > $D/corners-pipe.data.script.txt"
run perf script -i $D/corners-pipe.data > $D/corners-pipe.data.script.txt 2>/dev/null
run mv /tmp/perf-$pid.map $D/perf-$pid.map
run zstd -q -19 --rm $D/corners.data $D/corners-pipe.data $D/*.txt

# What stackcollapse-perf.pl (FlameGraph 41fee1f, FLAMEGRAPH_DIR) folds perf's text into, libc's frames
# unnamed as stackfold leaves them without libc (not in the repository): the truth for `collapse`.
fold_pl() {
    zstd -dcq "$1" | sed -E 's/^(\t *[0-9a-f]+) [^\t]* \((\/[^)]*\.so\.6)\)$/\1 [unknown] (\2)/' \
        | perl "${FLAMEGRAPH_DIR:?set FLAMEGRAPH_DIR to a FlameGraph checkout (commit 41fee1f)}/stackcollapse-perf.pl" | LC_ALL=C sort
}
log "# FlameGraph $(git -C "${FLAMEGRAPH_DIR:-.}" rev-parse HEAD 2>/dev/null || echo unknown)"
log "fold_pl $D/corners.data.script.txt.zst > $D/corners.data.collapsed-pl.txt  # see fold_pl in this script"
fold_pl $D/corners.data.script.txt.zst > $D/corners.data.collapsed-pl.txt
