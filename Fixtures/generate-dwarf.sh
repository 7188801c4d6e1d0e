#!/usr/bin/env bash
# Builds the cgo fixture (Fixtures/cgo: Go calling C with static inline helpers, -O2 -g, external
# linking) and writes llvm-symbolizer's answers for it and for the Go workload binaries: the reference
# the DWARF reader is tested against (Tests/SymbolizeTests/DwarfLLVMTests.swift).
# Every command it runs is appended to dwarf/commands.log, which dwarf/README.md points to.
#
#   bash Fixtures/generate-dwarf.sh
#
# Needs: Go toolchains under $GO_ROOTS_DIR (see generate.sh), gcc, binutils (nm, objdump),
# llvm-symbolizer (LLVM >= 15 for DWARF 5; $LLVM_SYMBOLIZER, default the Swift toolchain's).
set -euo pipefail
cd "$(dirname "$0")"
GO_ROOTS_DIR=${GO_ROOTS_DIR:-/work/go}
SYM=${LLVM_SYMBOLIZER:-/opt/swift/usr/bin/llvm-symbolizer}
export GOFLAGS=-buildvcs=false GOCACHE=/tmp/stackfold-gocache GOTOOLCHAIN=local CGO_ENABLED=1

LOG=$PWD/dwarf/commands.log
log() { printf '%s\n' "$*" >> "$LOG"; }
run() { log "$*"; "$@"; }
# Like run, for a pipeline given as one string.
runsh() { log "$1"; bash -c "set -o pipefail; $1"; }

mkdir -p dwarf
: > dwarf/commands.log
log "# $(uname -srm); $(gcc --version | head -1); $("$SYM" --version | grep -i 'llvm version' | sed 's/^ *//')"

GO=$GO_ROOTS_DIR/1.25/goroot/bin/go
log "# $("$GO" version)"
runsh "cd cgo && $GO build -ldflags=-linkmode=external -o ../bin/go1.25/cgo ."
runsh "cd cgo && $GO build -buildmode=pie -ldflags=-linkmode=external -o ../bin/go1.25/cgo-pie ."
# Stripped, its pclntab has neither section nor symbols and its moduledata's pointers are relocations;
# committed as a zstd patch against cgo-pie (as the variants of generate-variants.sh: see README.md).
run strip -o bin/go1.25/cgo-pie-stripped bin/go1.25/cgo-pie
run zstd -q -19 --single-thread --patch-from=bin/go1.25/cgo-pie -f --rm -o bin/go1.25/cgo-pie-stripped.zst bin/go1.25/cgo-pie-stripped

# The same C code without Go: gcc alone, uncompressed DWARF (tests corrupt it byte by byte).
mkdir -p bin/c
run gcc -O2 -g -o bin/c/cwork cgo/cwork.c cgo/c/main.c

# (a) Every instruction of the C code of the cgo binaries: .text outside Go's [runtime.text, runtime.etext)
# (the C objects, runtime/cgo's C files and the C runtime's start files), as objdump disassembles it.
for b in cgo cgo-pie; do
  runsh "nm bin/go1.25/$b | awk '\$3==\"runtime.text\"{t=\$1} \$3==\"runtime.etext\"{e=\$1} END{print \"0x\"t, \"0x\"e}' > dwarf/$b.gotext"
  read -r gt ge < dwarf/$b.gotext
  rm dwarf/$b.gotext
  runsh "objdump -d --no-show-raw-insn -j .text bin/go1.25/$b | awk -v t=$gt -v e=$ge '/^ *[0-9a-f]+:\t/ { a = strtonum(\"0x\" substr(\$1, 1, length(\$1) - 1)); if (a < strtonum(t) || a >= strtonum(e)) printf \"0x%x\\n\", a }' > dwarf/$b-c.addrs"
  runsh "$SYM --obj=bin/go1.25/$b --inlines --output-style=JSON < dwarf/$b-c.addrs > dwarf/$b-c.llvm.jsonl"
  # (c) The Go side of the same binary: every instruction of main.* (checks pclntab on external links too).
  runsh "$GO tool objdump -s '^main\\.' bin/go1.25/$b | awk '\$2 ~ /^0x/ {print \$2}' > dwarf/$b-go.addrs"
  runsh "$SYM --obj=bin/go1.25/$b --inlines --output-style=JSON < dwarf/$b-go.addrs > dwarf/$b-go.llvm.jsonl"
done

runsh "objdump -d --no-show-raw-insn -j .text bin/c/cwork | awk '/^ *[0-9a-f]+:\t/ { printf \"0x%s\\n\", substr(\$1, 1, length(\$1) - 1) }' > dwarf/c-cwork.addrs"
runsh "$SYM --obj=bin/c/cwork --inlines --output-style=JSON < dwarf/c-cwork.addrs > dwarf/c-cwork.llvm.jsonl"

# (b) Go's own DWARF (v4 in 1.21, v5 from 1.25): every instruction of main.* and every 64th instruction
# of the rest of the Go text.
for v in 1.21 1.25 1.27; do
  G=$GO_ROOTS_DIR/$v/goroot/bin/go
  runsh "$G tool objdump bin/go$v/workload | awk '/^TEXT / { m = (\$2 ~ /^main\\./) } \$2 ~ /^0x/ { if (m || n++ % 64 == 0) print \$2 }' > dwarf/go$v-workload.addrs"
  runsh "$SYM --obj=bin/go$v/workload --inlines --output-style=JSON < dwarf/go$v-workload.addrs > dwarf/go$v-workload.llvm.jsonl"
done
