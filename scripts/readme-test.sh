#!/usr/bin/env bash
# Runs the README's example commands (the fenced block after `<!-- readme-test -->`) against a bundled
# capture, so the README cannot go stale: every line must exit 0 and write something (standard output,
# or the -o file). The names the README uses are links to fixtures in a scratch folder.
#   bash scripts/readme-test.sh [path/to/stackfold]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
if [[ $# -ge 1 ]]; then sf=$(realpath "$1"); else swift build --product stackfold >/dev/null; sf=$root/.build/debug/stackfold; fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
export STACKFOLD_CACHE_DIR=$dir/stackfold-cache  # not the user's ~/.cache
mkdir "$dir/bin" "$dir/path"
ln -s "$sf" "$dir/path/stackfold"
ln -s "$root/Fixtures/perf/go1.25-fp-mono.data" "$dir/perf.data"
ln -s "$root/Fixtures/gotrace/go1.25-fp-mono.trace" "$dir/trace.out"
ln -s "$root/Fixtures/perf/go1.25-fp-default-clock.data" "$dir/before.data"
ln -s "$root/Fixtures/perf/go1.25-fp-mono.data" "$dir/after.data"
ln -s "$root/Fixtures/perf/kallsyms-subset.txt" "$dir/kallsyms.txt"
ln -s "$root/Fixtures/bin/go1.25/workload" "$dir/bin/workload"

# The block's lines, trailing comments and comment lines dropped.
mapfile -t lines < <(awk '/<!-- readme-test -->/{on=1; next} on && /^```sh/{inb=1; next} inb && /^```/{exit} inb' README.md |
  sed -E 's/[[:space:]]+# .*$//; /^[[:space:]]*#/d; /^[[:space:]]*$/d')
if ((${#lines[@]} < 10)); then echo "readme-test.sh: found only ${#lines[@]} commands in README.md's readme-test block" >&2; exit 1; fi
fail=0
for line in "${lines[@]}"; do
  [[ $line == stackfold* ]] || { echo "FAIL not a stackfold command: $line"; fail=1; continue; }
  rm -f "$dir/out" "$dir/err"
  out=$(grep -oE -- '-o [^ ]+' <<<"$line" | tail -1 | cut -c4- || true)
  set +e
  (cd "$dir" && PATH="$dir/path:$PATH" bash -o pipefail -c "$line" >"$dir/out" 2>"$dir/err")
  rc=$?
  set -e
  # head closing the pipe early is not a failure of the command.
  if [[ $rc -eq 141 && $line == *"| head"* ]]; then rc=0; fi
  size=$(wc -c <"$dir/out")
  [[ -n $out ]] && size=$( { wc -c <"$dir/$out"; } 2>/dev/null || echo 0)
  if [[ $rc -eq 0 && $size -gt 0 ]] && ! grep -q '^Error' "$dir/err"; then
    echo "ok   $line"
  else
    echo "FAIL $line (exit $rc, $size bytes of output)"; sed 's/^/     /' "$dir/err" | head -5; fail=1
  fi
done
exit $fail
