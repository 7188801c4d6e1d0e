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
for k in mmap-dev-zero mmap-dev-tty mmap-escape comm-newline comm-escape; do
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
