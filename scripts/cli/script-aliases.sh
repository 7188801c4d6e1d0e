#!/usr/bin/env bash
# perf's pick among symbols at one address and .dynsym beside .symtab through the command line (issue 18;
# Fixtures/generate-script-aliases.sh): `stackfold script --elf-names --no-inline` equals perf script's text
# of each capture. libc and ld.so are not in the repository: their frames are compared as [unknown].
#   bash scripts/cli/script-aliases.sh STACKFOLD TMPDIR
sf=$1; dir=$2; fail=0
check() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; fail=1; fi; }
d=Fixtures/script-aliases
unlib() { zstd -dcq "$1" | sed -E 's/^(\t *[0-9a-f]+) [^\t]* \((\/[^)]*\.so\.[26])\)$/\1 [unknown] (\2)/'; }
for v in aliases aliases-dynsym aliases-partial aliases-plt aliases-dynsym-plt; do
  "$sf" script --elf-names --no-inline --as-recorded --max-stack 127 --symfs /nonexistent --binaries Fixtures/bin/c \
    $d/$v.data.zst > "$dir/aliases.txt" 2>/dev/null
  check "script, symbol aliases and .dynsym ($v): perf script's text" \
    'unlib $d/$v.data.script.txt.zst | cmp -s - "$dir/aliases.txt" && grep -q -e " x_only+0x" -e "@plt+0x0 " -e " _init+0x" "$dir/aliases.txt"'
done
exit $fail
