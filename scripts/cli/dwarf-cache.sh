#!/usr/bin/env bash
# The inflated-DWARF cache through the command line: a dwarf capture of the C fixture folded with its
# binary's DWARF compressed (Fixtures/bin/c/cwork-gz, generate-zdebug.sh) gives the bytes it gives with
# the uncompressed binary, cache cold, warm and off; the cold run writes one private copy, the warm run
# reads it, `off` writes nothing. HOME is a scratch folder: no ~/.debug, no ~/.cache.
#   bash scripts/cli/dwarf-cache.sh STACKFOLD TMPDIR
sf=$1; dir=$2/dwarf-cache; fail=0
source scripts/cli/checks.sh
mkdir -p "$dir/bins" "$dir/home"
zstd -dqf --patch-from=Fixtures/bin/c/cwork Fixtures/bin/c/cwork-gz.zst -o "$dir/bins/cwork-gz"
data=Fixtures/unwind/c-cwork-dwarf.data.zst
fold() { HOME=$dir/home "$sf" collapse --symfs /nonexistent "$@" "$data" 2>/dev/null; }
STACKFOLD_CACHE_DIR=off fold --binaries Fixtures/bin/c > "$dir/ref.folded"
check "dwarf cache: the reference fold has the C fixture's inlined frames" 'grep -q "fnv_step" "$dir/ref.folded"'
STACKFOLD_CACHE_DIR=$dir/cache fold --binaries "$dir/bins" > "$dir/cold.folded"
copy=$(ls "$dir"/cache/inflated/074ca19dd5f7a8acdd9c94abc4bcf71ea0b82d6d-*.debug 2>/dev/null)
check "dwarf cache cold: same bytes as the uncompressed binary" 'cmp -s "$dir/ref.folded" "$dir/cold.folded"'
check "dwarf cache cold: one copy written, mode 0600 in a 0700 folder" \
  '[[ -n $copy && $(stat -c %a "$copy") == 600 && $(stat -c %a "$dir/cache/inflated") == 700 ]]'
before=$(stat -c %i.%Y "$copy" 2>/dev/null)
STACKFOLD_CACHE_DIR=$dir/cache fold --binaries "$dir/bins" > "$dir/warm.folded"
check "dwarf cache warm: same bytes, the copy read and not rewritten" \
  'cmp -s "$dir/ref.folded" "$dir/warm.folded" && [[ $(stat -c %i.%Y "$copy") == "$before" ]]'
chmod 0660 "$copy"
STACKFOLD_CACHE_DIR=$dir/cache fold --binaries "$dir/bins" > "$dir/tampered.folded"
check "dwarf cache: a group-writable copy is not read but replaced; same bytes" \
  'cmp -s "$dir/ref.folded" "$dir/tampered.folded" && [[ $(stat -c %a "$copy") == 600 ]]'
STACKFOLD_CACHE_DIR=off XDG_CACHE_HOME=$dir/xdg fold --binaries "$dir/bins" > "$dir/off.folded"
check "dwarf cache off: same bytes, nothing written" \
  'cmp -s "$dir/ref.folded" "$dir/off.folded" && [[ ! -e $dir/xdg && ! -e $dir/home/.cache ]]'
(unset STACKFOLD_CACHE_DIR; XDG_CACHE_HOME=$dir/xdg fold --binaries "$dir/bins" > "$dir/xdg.folded")
check "dwarf cache: \$XDG_CACHE_HOME/stackfold without STACKFOLD_CACHE_DIR" \
  'cmp -s "$dir/ref.folded" "$dir/xdg.folded" && ls "$dir"/xdg/stackfold/inflated/*.debug >/dev/null 2>&1'
exit $fail
