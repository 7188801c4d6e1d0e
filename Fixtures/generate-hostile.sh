#!/usr/bin/env bash
# Inputs crafted at one field each (issue 22): perf.data files from scripts/hostile/perfgen.py, and
# copies of the stripped C fixture (debugfile/cwork, see generate-debugfile.sh) whose .gnu_debuglink
# names a path instead of a file name. Tests (Tests/CollapseTests/HostileInputTests.swift,
# Tests/SymbolizeTests/HostileFileTests.swift) read them; every command is appended to
# hostile/commands.log.
#
#   bash Fixtures/generate-hostile.sh
#
# Needs: python3, binutils (objcopy).
set -euo pipefail
cd "$(dirname "$0")"

LOG=$PWD/hostile/commands.log
log() { printf '%s\n' "$*" >> "$LOG"; }
run() { log "$*"; "$@"; }

rm -rf hostile
mkdir -p hostile
: > "$LOG"
log "# $(uname -srm); $(python3 --version); $(objcopy --version | head -1)"
for k in mmap-dev-zero mmap-dev-tty mmap-escape comm-newline comm-escape lost-max zstd-bomb; do
    run python3 ../scripts/hostile/perfgen.py "$k" "hostile/$k.data"
done
# .gnu_debuglink: the name (NUL-terminated, padded to 4) and the CRC32 of the debug file (here 0).
for pair in devzero:../../../../../../dev/zero subdir:sub/cwork.debug; do
    out=hostile/debuglink-${pair%%:*} name=${pair#*:}
    log "# > $out.section"
    run python3 -c "import sys; n = sys.argv[1].encode() + b'\0'; sys.stdout.buffer.write(n + b'\0' * (-len(n) % 4) + b'\0' * 4)" "$name" > "$out.section"
    run objcopy --update-section ".gnu_debuglink=$out.section" debugfile/cwork "$out"
    run rm "$out.section"
done
# Real captures with one field set to an extreme (scripts/hostile/perfpatch.py): a Go 1.21 capture with
# a sample at 0x7fffffffffffffff ns; a -k mono capture whose CLOCK_DATA puts the wall-clock bridge near
# Int64.max (aligned with the trace of another run, so the bridge is used); samples at 5 ns and
# 0xfffffffffffffff0 ns (gc --svg's time strip).
run python3 ../scripts/hostile/perfpatch.py perf/go1.21-fp-default-clock.data hostile/go1.21-time-max.data --sample-time 3=0x7fffffffffffffff
run python3 ../scripts/hostile/perfpatch.py perf/go1.25-fp-mono.data hostile/go1.25-clock-data-max.data --clock-data 0x7ffffffffffffff0,0
run python3 ../scripts/hostile/perfpatch.py perf/go1.25-fp-mono.data hostile/go1.25-times-extreme.data --sample-time=0=5 --sample-time=-1=0xfffffffffffffff0
# A folded count of 400 digits (a double's infinity) beside a valid line.
log "# > hostile/folded-inf.txt"
run python3 -c "print('main;work 5'); print('main;evil ' + '9' * 400)" > hostile/folded-inf.txt
# ELF files crafted at their tables (scripts/hostile/elfgen.py), compressed: 100,000 symbols sharing one
# 40 KB name, 100,000 nested DW_TAG_subprogram DIEs, a 1 MB symbol name.
for k in symtab-shared-name dwarf-nested long-symbol; do
    run python3 ../scripts/hostile/elfgen.py "$k" "hostile/$k.elf"
    run zstd -q -19 --rm "hostile/$k.elf"
done
# Long names (NameLimit): a 60,000-byte mapped file name on a sample of 1,000 frames. Compressed.
for k in mmap-long-name; do
    run python3 ../scripts/hostile/perfgen.py "$k" "hostile/$k.data"
    run zstd -q -19 --rm "hostile/$k.data"
done
# A Go 1.21 trace of 10,000 goroutines each making a syscall with no later event of theirs, then 10,000
# other events: looking ahead from each syscall for whether it blocked was quadratic (10,000 keeps the
# test within 10 s in a debug build on a loaded machine: 3 s, 11 s at 30,000). Compressed.
run python3 ../scripts/hostile/tracegen.py v1-syscalls hostile/v1-syscalls.trace 10000
run zstd -q -19 --rm hostile/v1-syscalls.trace
# Go traces whose event ordering was quadratic (scripts/hostile/tracegen.py): Go 1.21 format with 30,000
# Ps waiting for ever; Go 1.23 format with 30,000 Ms blocked for ever before an M of 30,000 events, and
# with one blocked M ahead of 30,000 Ms (20,000 took minutes each before; 30,000 keeps them small).
# Compressed.
for k in v1-stuck-ps v2-blocked-ms v2-head-ms; do
    run python3 ../scripts/hostile/tracegen.py "$k" "hostile/$k.trace" 30000
    run zstd -q -19 --rm "hostile/$k.trace"
done
# The pipe-mode capture cut at the record boundary before its first sample (as when perf is stopped
# or its pipe closes early): header, attrs and features, no sample.
log "# > hostile/pipe-cut-before-sample.data"
run python3 -c "
import struct, sys
b = open(sys.argv[1], 'rb').read()
off = struct.unpack_from('<Q', b, 8)[0]  # pipe header: magic, size
while struct.unpack_from('<I', b, off)[0] != 9:
    off += struct.unpack_from('<H', b, off + 6)[0]
sys.stdout.buffer.write(b[:off])" perf/go1.25-pipe.data > hostile/pipe-cut-before-sample.data
# A 1 MB symbol name on a sample of 8,000 frames, end to end (scripts/hostile/run-commands.sh and
# Tests/CollapseTests/HostileLongSymbolTests.swift): the ELF laid out to be mapped as /usr/bin/longsym
# (under a --symfs root), and the capture mapping it. Compressed.
run python3 ../scripts/hostile/elfgen.py long-symbol-exec hostile/long-symbol-exec.elf
run zstd -q -19 --rm hostile/long-symbol-exec.elf
run python3 ../scripts/hostile/perfgen.py long-symbol-stack hostile/long-symbol-stack.data
run zstd -q -19 --rm hostile/long-symbol-stack.data
