#!/usr/bin/env bash
# perf script's pick among symbols at one address, and .dynsym against .symtab (issue 18), in real captures
# of script-aliases/aliases.c (see its header). Writes
#   bin/c/aliases           gcc -O1 -fno-omit-frame-pointer -rdynamic: .symtab and .dynsym
#   bin/c/aliases-dynsym    the same source (another VARIANT string) after strip --strip-all: .dynsym only
#   bin/c/aliases-partial   another build after objcopy --strip-symbol=x_only --strip-symbol=b: those two
#                           are left in .dynsym only
#   script-aliases/V.data                 perf record -e cpu-clock:u -F 999 -g of bin/c/V 30000000
#   script-aliases/V.data.script.txt      perf script -i V.data
#   script-aliases/V-plt.data (+ .script.txt), V = aliases, aliases-dynsym: V.data with sample leaves moved
#                                         into .plt and .plt.got (perf's synthesized name@plt symbols)
# Run as root from Fixtures/ with perf, gcc, binutils and zstd; every command goes to script-aliases/commands.log.
set -euo pipefail
cd "$(dirname "$0")"

D=script-aliases
LOG=$PWD/$D/commands.log
log() { printf '%s\n' "$*" >> "$LOG"; }
run() { log "$*"; "$@"; }

rm -f $D/*.zst $D/*.data $D/*.txt
: > "$LOG"
log "# $(uname -srm); $(gcc --version | head -1); $(perf --version); $(objcopy --version | head -1); $(zstd --version)"
mkdir -p bin/c
cc() { run gcc -O1 -g0 -fno-omit-frame-pointer -rdynamic "-DVARIANT=\"$1\"" -o bin/c/$1 $D/aliases.c; }
cc aliases
cc aliases-dynsym
run strip --strip-all bin/c/aliases-dynsym
cc aliases-partial
run objcopy --strip-symbol=x_only --strip-symbol=b bin/c/aliases-partial
for v in aliases aliases-dynsym aliases-partial; do
    run perf record -q -e cpu-clock:u -F 999 -g -o $D/$v.data -- bin/c/$v 30000000
    log "perf script -i $D/$v.data > $D/$v.data.script.txt"
    perf script -i $D/$v.data > $D/$v.data.script.txt 2>/dev/null
done
# PLT entries are rarely sampled: the leaves of the first samples are moved there (perfcraft.py probe):
# .plt's header, its first entry (strtol's) and 5 bytes in, .plt.got.
sec_offset() { readelf -SW "$1" | sed -n "s/.* $2  *PROGBITS  *[0-9a-f]*  *\([0-9a-f]*\) .*/\1/p"; }
for v in aliases aliases-dynsym; do
    plt=$((16#$(sec_offset bin/c/$v .plt))) got=$((16#$(sec_offset bin/c/$v .plt.got)))
    offs=$(printf '%x %x %x %x' $((plt + 1)) $((plt + 16)) $((plt + 21)) $((got + 1)))
    run python3 ../scripts/corners/perfcraft.py $D/$v.data $D/$v-plt.data probe $v $offs
    log "perf script -i $D/$v-plt.data > $D/$v-plt.data.script.txt"
    perf script -i $D/$v-plt.data > $D/$v-plt.data.script.txt 2>/dev/null
done
run zstd -q -19 --rm $D/*.data $D/*.txt
