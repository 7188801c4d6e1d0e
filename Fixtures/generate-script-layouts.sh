#!/usr/bin/env bash
# `perf script` text in the layouts stackcollapse-perf.pl cannot read: one-line samples (`-G`, or a
# capture without call chains: ip and symbol on the header line) whose comm perf right-aligns (`%16s`).
# Truth: the same capture printed by perf with the same fields as ordinary multi-line samples cut to the
# leaf (`--max-stack 1`), which stackcollapse-perf.pl (FlameGraph 41fee1f) folds. Needs perf, perl,
# zstd, root. Writes every command to script-layouts/commands.log.
#   FLAMEGRAPH_DIR=/path/to/FlameGraph bash Fixtures/generate-script-layouts.sh
set -euo pipefail
cd "$(dirname "$0")"
fg=${FLAMEGRAPH_DIR:?set FLAMEGRAPH_DIR to a FlameGraph checkout (commit 41fee1f)}
out=script-layouts
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p $out
: > $out/commands.log
log() { printf '%s\n' "$*" >> $out/commands.log; }
sh_() { log "$1"; bash -c "$1"; }
log "# FlameGraph $(git -C "$fg" rev-parse HEAD 2>/dev/null || echo unknown); perf $(perf version)"
# Short comms (sh, dd), a comm with a space (set by perl's \$0) and one of the full 15 characters.
sh_ "perf record -q -g --sample-cpu -F 999 -o $tmp/layouts.data -- sh -c 'dd if=/dev/zero of=/dev/null bs=1k count=100000 2>/dev/null; perl -e \"\\\$0=q(V8 WorkerThread); \\\$x=0; \\\$x+=\\\$_ for 1..2000000\"; perl -e \"\\\$0=q(fifteen-chars-x); \\\$x=0; \\\$x+=\\\$_ for 1..2000000\"; ls -R /usr/share/doc >/dev/null'"
layouts=(
  "default:"
  "tid-event:-F comm,pid,tid,time,event,ip,sym,dso"
  "no-event:-F comm,tid,ip,sym,dso"
  "time-no-event:-F comm,tid,time,ip,sym,dso"
  "cpu-period-symoff:-F comm,pid,tid,cpu,time,period,event,ip,sym,dso,symoff"
)
for l in "${layouts[@]}"; do
  name=${l%%:*}; fields=${l#*:}
  sh_ "perf script -i $tmp/layouts.data $fields -G > $tmp/$name.oneline.txt"
  sh_ "perf script -i $tmp/layouts.data $fields --max-stack 1 > $tmp/$name.leaf.txt"
  sh_ "zstd -q -19 -f $tmp/$name.oneline.txt -o $out/$name.oneline.txt.zst"
  for opt in default pid tid kernel jit; do
    flag=--$opt; [[ $opt == default ]] && flag=
    sh_ "perl $fg/stackcollapse-perf.pl $flag $tmp/$name.leaf.txt > $out/$name.collapsed-$opt.txt"
  done
done
# Without `dso` perf prints frames as `ip sym`, which the Perl script skips: stackfold's fold of them is
# compared with the Perl fold of the same fields plus `dso` (names made from the dso aside), one-line and
# with whole call chains.
sh_ "perf script -i $tmp/layouts.data -F comm,pid,tid,time,event,ip,sym -G > $tmp/nodso.oneline.txt"
sh_ "perf script -i $tmp/layouts.data -F comm,pid,tid,time,event,ip,sym > $tmp/nodso.chains.txt"
sh_ "perf script -i $tmp/layouts.data -F comm,pid,tid,time,event,ip,sym,dso > $tmp/dso.chains.txt"
sh_ "zstd -q -19 -f $tmp/nodso.oneline.txt -o $out/nodso.oneline.txt.zst"
sh_ "zstd -q -19 -f $tmp/nodso.chains.txt -o $out/nodso.chains.txt.zst"
sh_ "perl $fg/stackcollapse-perf.pl $tmp/tid-event.leaf.txt > $out/nodso.oneline.perl-with-dso.txt"
sh_ "perl $fg/stackcollapse-perf.pl $tmp/dso.chains.txt > $out/nodso.chains.perl-with-dso.txt"
