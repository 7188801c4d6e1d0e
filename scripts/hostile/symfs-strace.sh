#!/usr/bin/env bash
# Shows that `stackfold collapse --symfs ROOT` opens nothing outside ROOT for the crafted captures of
# Fixtures/hostile (mmap names with `..`, devices) and for symlinks in ROOT leading out of it: runs it
# under `strace -f -e trace=openat` and fails if any path opened lies under the outside folder or is a
# device. Not part of the Swift tests (they must not need strace); run by hand:
#
#   bash scripts/hostile/symfs-strace.sh [path/to/stackfold]
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${1:-.build/debug/stackfold}
work=$(mktemp -d /tmp/stackfold-strace.XXXXXX)
trap 'rm -rf "$work"' EXIT
out=/tmp/stackfold-hostile-outside
mkdir -p "$out" "$work/root/usr/bin" "$work/root/tmp"
cp Fixtures/bin/c/cwork "$out/secret"
# Symlinks inside the root that lead out of it: absolute, relative, and a folder.
ln -s "$out/secret" "$work/root/usr/bin/work"
ln -s ../../../../../../.."$out" "$work/root/tmp/stackfold-hostile-outside"
fail=0
for f in mmap-escape mmap-dev-zero mmap-dev-tty comm-newline; do
    strace -f -qq -e trace=openat -o "$work/trace" timeout 20 "$bin" collapse --symfs "$work/root" "Fixtures/hostile/$f.data" > "$work/out" 2>&1 || true
    bad=$(grep -E "\"($out|/dev/(zero|tty))" "$work/trace" || true)
    if [ -n "$bad" ]; then echo "FAIL $f: opened outside the root:"; echo "$bad"; fail=1; else echo "ok   $f: $(grep -c openat "$work/trace") openat calls, none outside $work/root; output: $(head -c 200 "$work/out" | tr '\n' ' ')"; fi
done
rm -rf "$out"
exit $fail
