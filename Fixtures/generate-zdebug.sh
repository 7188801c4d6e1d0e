#!/usr/bin/env bash
# The C fixture bin/c/cwork (gcc -O2 -g, see generate-dwarf.sh) with its DWARF compressed, as Debian's
# separate debug files ship it: `cwork-gz` with SHF_COMPRESSED sections (zlib, the gABI format), `cwork-zgnu`
# with GNU's older `.zdebug_*` sections. Same build-id and code as cwork; tests
# (Tests/SymbolizeTests/DebugSectionCacheTests.swift) symbolize them with the inflated-DWARF cache cold,
# warm and off against cwork itself. Committed as zstd patches against cwork. Every command is appended
# to zdebug.commands.log.
#
#   bash Fixtures/generate-zdebug.sh
#
# Needs: binutils (objcopy), zstd.
set -euo pipefail
cd "$(dirname "$0")"

LOG=$PWD/zdebug.commands.log
log() { printf '%s\n' "$*" >> "$LOG"; }
run() { log "$*"; "$@"; }

: > "$LOG"
log "# $(uname -srm); $(objcopy --version | head -1); $(zstd --version)"
for v in gz:zlib-gabi zgnu:zlib-gnu; do
  name=${v%%:*} format=${v#*:}
  run objcopy --compress-debug-sections="$format" bin/c/cwork "bin/c/cwork-$name"
  run zstd -q -f -19 --single-thread --patch-from=bin/c/cwork "bin/c/cwork-$name" -o "bin/c/cwork-$name.zst"
  run rm "bin/c/cwork-$name"
done
