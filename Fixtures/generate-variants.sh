#!/usr/bin/env bash
# Every build variant of the Go workload, for every Go version, answered by the Go runtime itself:
# `-s -w`, PIE, `-trimpath`, and cgo with external linking (plain and PIE; for some versions also a PIE
# linked by lld), each also `strip`ped.
# generate.sh already builds the `-sw`, `-pie` and `-trimpath` variants of 1.25 and 1.27 (perf captures
# point at them), so those are reused as they are. The oracle runs in each variant binary itself
# (workload/oracle.go); a PIE is told the file address of main.loadBias so it can add its load bias.
# New binaries are committed zstd-compressed (the tests decompress them); see README.md.
# Appends every command to variants.commands.log.
#   bash Fixtures/generate-variants.sh
# Needs: Go toolchains under $GO_ROOTS_DIR (see generate.sh), gcc (external linking), lld, binutils, zstd.
set -euo pipefail
cd "$(dirname "$0")"
GO_ROOTS_DIR=${GO_ROOTS_DIR:-/work/go}
VERSIONS=${VERSIONS:-"1.21 1.22 1.23 1.24 1.25 1.26 1.27"}
FULL_VARIANTS=${FULL_VARIANTS:-"1.25 1.27"}  # as in generate.sh: built there
LLD_VERSIONS=${LLD_VERSIONS:-"1.25 1.27"}     # also an external PIE linked by lld
LLD_DIR=${LLD_DIR:-/opt/swift/usr/bin}       # where ld.lld is (the Swift toolchain has one)
EVERY=${EVERY:-64}                           # besides every instruction of main.*, every EVERY-th one of Go's text
export GOFLAGS=-buildvcs=false GOCACHE=/tmp/stackfold-gocache GOTOOLCHAIN=local
log() { printf '%s\n' "$*" >> variants.commands.log; }
run() { log "$*"; "$@"; }
runsh() { log "$1"; bash -c "set -o pipefail; $1"; }
for t in gcc strip zstd; do command -v $t >/dev/null || { echo "generate-variants.sh: needs $t (apt-get install gcc binutils zstd)" >&2; exit 1; }; done
: > variants.commands.log
mkdir -p oracle
tmp=/tmp/stackfold-variants  # address lists and symbol values (not kept)
mkdir -p "$tmp"

for m in $VERSIONS; do
  GO=$GO_ROOTS_DIR/$m/goroot/bin/go
  log "# $("$GO" version)"
  out=bin/go$m
  mkdir -p "$out"
  if [[ " $FULL_VARIANTS " != *" $m "* ]]; then
    runsh "cd workload && CGO_ENABLED=0 $GO build -ldflags='-s -w' -o ../$out/workload-sw ."
    runsh "cd workload && CGO_ENABLED=0 $GO build -buildmode=pie -o ../$out/workload-pie ."
    runsh "cd workload && CGO_ENABLED=0 $GO build -trimpath -o ../$out/workload-trimpath ."
  fi
  # cgo with external linking: the linker adds runtime/cgo (C, by gcc) and gcc links everything.
  runsh "cd workload && CGO_ENABLED=1 $GO build -ldflags=-linkmode=external -o ../$out/workload-ext ."
  runsh "cd workload && CGO_ENABLED=1 $GO build -buildmode=pie -ldflags=-linkmode=external -o ../$out/workload-extpie ."
  variants="sw pie trimpath ext extpie"
  # LLVM's lld (unlike GNU ld) leaves 0 where R_X86_64_RELATIVE addends go: moduledata's pointers then
  # exist only as relocations.
  if [[ " $LLD_VERSIONS " == *" $m "* ]]; then
    runsh "cd workload && PATH=$LLD_DIR:\$PATH CGO_ENABLED=1 $GO build -buildmode=pie -ldflags='-linkmode=external -extldflags=-fuse-ld=lld' -o ../$out/workload-extpie-lld ."
    variants+=" extpie-lld"
  fi
  for v in $variants; do
    bin=$out/workload-$v
    run strip -o "$bin-stripped" "$bin"
    # Go's own text only (external links put C code around it, which the Go runtime cannot name):
    # every instruction of main.* and every EVERY-th other one.
    # -s -w leaves no symbols for go tool nm/objdump: take the addresses of the default build, whose code
    # has the same layout (same compiler and sources; the linker only leaves out symbols and DWARF).
    src=$bin; [[ $v == sw ]] && src=$out/workload
    # The oracle asks the runtime about pc+1 (CallersFrames takes return addresses), so the last byte of
    # Go's last function is left out: pc+1 is then past the module (moduledata.maxpc, that function's end).
    runsh "$GO tool nm -size $src | awk '\$4==\"runtime.text\"{t=strtonum(\"0x\"\$1)} \$4==\"runtime.etext\"{e=strtonum(\"0x\"\$1)} \$4==\"main.loadBias\"{l=\$1} \$3 ~ /^[Tt]\$/ {a[NR]=strtonum(\"0x\"\$1); z[NR]=\$2} END{for (i in a) if (a[i] >= t && a[i] < e && a[i] + z[i] > x) x = a[i] + z[i]; printf \"0x%x 0x%x 0x%x 0x%s\\n\", t, e, x, l}' > $tmp/syms"
    read -r gt ge maxpc lb < "$tmp/syms"
    runsh "$GO tool objdump $src | awk -v t=$gt -v e=$ge -v x=$maxpc '/^TEXT / { m = (\$2 ~ /^main\\./) } \$2 ~ /^0x/ { a = strtonum(\$2); if (a >= strtonum(t) && a < strtonum(e) && a + 1 < strtonum(x) && (m || n++ % $EVERY == 0)) print \$2 }' > $tmp/go$m-$v.addrs"
    # A PIE runs elsewhere than its file addresses: the oracle adds (runtime - file address of main.loadBias).
    runsh "ORACLE_LOADBIAS_SYM_ADDR=$lb $bin oracle < $tmp/go$m-$v.addrs > oracle/go$m-$v.jsonl"
    # (The answers repeat each address: the address lists are not kept.)
    runsh "zstd -q -19 -f --rm oracle/go$m-$v.jsonl"
    # Committed as zstd patches (README.md): the stripped binary from its unstripped twin (a few hundred
    # bytes), a new variant from the default build of its version. Tests rebuild them with libzstd.
    run zstd -q -19 --single-thread --patch-from="$bin" -f --rm -o "$bin-stripped.zst" "$bin-stripped"
  done
  # Each from the binary named without its last -part (extpie-lld from extpie), so the last built first.
  for v in $(printf '%s\n' $variants | tac); do
    ref=$out/workload; [[ $v == *-* ]] && ref=$out/workload-${v%-*}
    [[ " $FULL_VARIANTS " == *" $m "* && $v != ext* ]] ||
      run zstd -q -19 --single-thread --patch-from="$ref" -f --rm -o "$out/workload-$v.zst" "$out/workload-$v"
  done
done
