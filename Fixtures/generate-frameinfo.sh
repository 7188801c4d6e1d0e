#!/usr/bin/env bash
# Expected frame facts of the workload binaries, for the pclntab frame-info tests: per instruction of a few
# functions, the SP delta the machine code implies (frameinfo/expected.py follows PUSHQ/POPQ/SUBQ/ADDQ SP
# from `go tool objdump`), and the functions the runtime's assembly declares TOPFRAME. Commands are logged
# to frameinfo/commands.log.
#
#   bash Fixtures/generate-frameinfo.sh
set -euo pipefail
cd "$(dirname "$0")"
GO_ROOTS_DIR=${GO_ROOTS_DIR:-/work/go}
log() { printf '%s\n' "$*" >> frameinfo/commands.log; }
: > frameinfo/commands.log
funcs='^(main\.(hashLoop|cpuWork|allocWork|buildList|main)|runtime\.(mallocgc|memmove|memclrNoHeapPointers|goexit1|newobject|systemstack|morestack|goexit|mstart|rt0_go|futex|nanotime1)(\.abi0)?|internal/runtime/syscall\.Syscall6)$'
for m in 1.21 1.25 1.27; do
  root=$GO_ROOTS_DIR/$m/goroot
  out=frameinfo/go$m.expected.txt
  log "$root/bin/go tool objdump -s '$funcs' bin/go$m/workload | python3 frameinfo/expected.py > $out"
  "$root/bin/go" tool objdump -s "$funcs" "bin/go$m/workload" | python3 frameinfo/expected.py > "$out"
  # TOPFRAME as the linux/amd64 runtime assembly declares it (TEXT runtime·name(SB),...TOPFRAME...).
  log "grep -h '^TEXT runtime·.*TOPFRAME' $root/src/runtime/asm_amd64.s $root/src/runtime/sys_linux_amd64.s | sed 's/^TEXT runtime·\\([a-z0-9_]*\\)(SB).*/topframe runtime.\\1/' >> $out"
  grep -h '^TEXT runtime·.*TOPFRAME' "$root/src/runtime/asm_amd64.s" "$root/src/runtime/sys_linux_amd64.s" \
    | sed 's/^TEXT runtime·\([a-z0-9_]*\)(SB).*/topframe runtime.\1/' >> "$out"
done
