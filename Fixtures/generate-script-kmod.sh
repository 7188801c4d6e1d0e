#!/usr/bin/env bash
# perf script's kernel-module frames (issue 18). This kernel loads no modules, so a real kernel capture
# (`dd`, kernel callchains only) gets a module map and frames in it with scripts/corners/perfcraft.py kmod,
# as `perf record` writes them for a loaded module: an MMAP record with pid -1 naming the module's .ko path.
# perf script is then run on it with each source of module symbols. Writes, in script-kmod/:
#   kmod.data                    the crafted capture (module /lib/modules/6.1.0-k18/kernel/drivers/misc/foo.ko
#                                at 0xffffffffc0a00000, 0x2000 bytes; its frames are perf's `[foo]`)
#   base.kallsyms                the kernel text symbols of /proc/kallsyms that perf script names the capture's
#                                kernel frames with, each with the symbol after it, and _text (no module's)
#   mod.kallsyms                 base.kallsyms and the module's symbols as /proc/kallsyms lists a loaded
#                                module's (`ADDR t kfoo_leaf\t[foo]`); named kfoo_* to tell them from the .ko's
#   symfs/lib/modules/…/foo.ko   foo.c built with gcc -c: found by perf under --symfs at the recorded path
#   kmod.data.script-K-S.txt     perf script -i kmod.data --kallsyms K.kallsyms --symfs S, K = base|mod,
#                                S = symfs (the .ko found) | none (an empty folder)
#   kmod-E.data (+ .script.txt)  the same frames in a map of foo.E, E = ko.gz, ko.xz, ko.zst, o; perf script
#                                with base.kallsyms and --symfs symfs-compressed (foo.ko.gz, .xz, .zst)
# Run as root from Fixtures/ with perf, gcc, python3 and zstd; every command goes to script-kmod/commands.log.
set -euo pipefail
cd "$(dirname "$0")"

D=script-kmod
LOG=$PWD/$D/commands.log
log() { printf '%s\n' "$*" >> "$LOG"; }
run() { log "$*"; "$@"; }
KO=lib/modules/6.1.0-k18/kernel/drivers/misc/foo.ko

rm -rf $D/symfs $D/*.zst $D/*.data $D/*.txt $D/*.kallsyms
: > "$LOG"
log "# $(uname -srm); $(gcc --version | head -1); $(perf --version); $(zstd --version)"
run mkdir -p $D/symfs/$(dirname $KO) $D/none
run gcc -O1 -fno-pic -g0 -c -o $D/symfs/$KO $D/foo.c
run perf record -q -e cpu-clock:k --kernel-callchains -g -o $D/real.data -- dd if=/dev/zero of=/dev/null bs=4k count=100000
run python3 ../scripts/corners/perfcraft.py $D/real.data $D/kmod.data kmod /$KO 0xffffffffc0a00000 0x2000

# kallsyms: only the symbols the capture needs (the whole file is 200k lines), in /proc/kallsyms's order.
log "perf script -i $D/kmod.data -F ip,sym | sort -u > names; awk (see this script) names /proc/kallsyms > $D/base.kallsyms"
perf script -i $D/kmod.data -F ip,sym 2>/dev/null | awk '$2 != "[unknown]" {print $2}' | sort -u > $D/names.tmp
awk 'NR == FNR { want[$1] = 1; next }
     { if (keep) { print; keep = 0 } if (($3 in want) || $3 == "_text") { print; keep = 1 } }' \
    $D/names.tmp /proc/kallsyms | awk '$1 != "0000000000000000" && $3 != "_stext" && $3 != "__pi__text"' > $D/base.kallsyms
rm $D/names.tmp
log "{ cat $D/base.kallsyms; printf 'ffffffffc0a00000 t kfoo_leaf\\t[foo]\\nffffffffc0a000f1 T kfoo_caller\\t[foo]\\n'; } > $D/mod.kallsyms"
{ cat $D/base.kallsyms; printf 'ffffffffc0a00000 t kfoo_leaf\t[foo]\nffffffffc0a000f1 T kfoo_caller\t[foo]\n'; } > $D/mod.kallsyms

for k in base mod; do
    for s in symfs none; do
        log "perf script -i $D/kmod.data --kallsyms $D/$k.kallsyms --symfs $D/$s > $D/kmod.data.script-$k-$s.txt"
        perf script -i $D/kmod.data --kallsyms $D/$k.kallsyms --symfs $D/$s > $D/kmod.data.script-$k-$s.txt 2>/dev/null
    done
done
# Compressed modules and other kernel files: the same frames in a map of foo.EXT; perf 6.1 reads a .ko.gz
# or .ko.xz (decompressed), names the dso of any other file by its file name, and reads none of them.
run mkdir -p $D/symfs-compressed/$(dirname $KO)
log "gzip -9n < $D/symfs/$KO > $D/symfs-compressed/$KO.gz; xz -c (same) > ….xz; zstd -q -19 -c (same) > ….zst"
gzip -9n < $D/symfs/$KO > $D/symfs-compressed/$KO.gz
xz -c < $D/symfs/$KO > $D/symfs-compressed/$KO.xz
zstd -q -19 -c < $D/symfs/$KO > $D/symfs-compressed/$KO.zst
for ext in ko.gz ko.xz ko.zst o; do
    run python3 ../scripts/corners/perfcraft.py $D/real.data $D/kmod-$ext.data kmod /${KO%.ko}.$ext 0xffffffffc0a00000 0x2000
    log "perf script -i $D/kmod-$ext.data --kallsyms $D/base.kallsyms --symfs $D/symfs-compressed > $D/kmod-$ext.data.script.txt"
    perf script -i $D/kmod-$ext.data --kallsyms $D/base.kallsyms --symfs $D/symfs-compressed > $D/kmod-$ext.data.script.txt 2>/dev/null
done
run rm $D/real.data
run zstd -q -19 --rm $D/*.data $D/*.txt
run rmdir $D/none
