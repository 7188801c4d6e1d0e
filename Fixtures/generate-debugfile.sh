#!/usr/bin/env bash
# Splits the C fixture bin/c/cwork (gcc -O2 -g, see generate-dwarf.sh) into a stripped binary and its
# separate debug file, as Debian's -dbg packages ship them: the debug file under
# debugfile/.build-id/ab/cdef….debug, the stripped binary with a .gnu_debuglink naming `cwork.debug`.
# Tests (Tests/SymbolizeTests/DebugFileTests.swift) symbolize the stripped binary with and without it
# against the unstripped one. Every command is appended to debugfile/commands.log.
#
#   bash Fixtures/generate-debugfile.sh
#
# Needs: binutils (objcopy, strip, readelf).
set -euo pipefail
cd "$(dirname "$0")"

LOG=$PWD/debugfile/commands.log
log() { printf '%s\n' "$*" >> "$LOG"; }
run() { log "$*"; "$@"; }

rm -rf debugfile
mkdir -p debugfile
: > "$LOG"
log "# $(uname -srm); $(objcopy --version | head -1)"
id=$(readelf -n bin/c/cwork | awk '/Build ID/ { print $3 }')
mkdir -p "debugfile/.build-id/${id:0:2}"
run objcopy --only-keep-debug bin/c/cwork debugfile/cwork.debug
run strip --strip-debug --strip-unneeded -o debugfile/cwork bin/c/cwork
# The debuglink names the file and holds its CRC32; objcopy reads it from this path.
run objcopy --add-gnu-debuglink=debugfile/cwork.debug debugfile/cwork
run mv debugfile/cwork.debug "debugfile/.build-id/${id:0:2}/${id:2}.debug"
