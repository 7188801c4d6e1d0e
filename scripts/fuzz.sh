#!/usr/bin/env bash
# Fuzzes a reader with libFuzzer (swiftc -sanitize=fuzzer,address), seeded with the fixtures.
#   bash scripts/fuzz.sh perfdata|gotrace [seconds]   (default 20; crashes go to .build-fuzz/crashes/)
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: fuzz.sh perfdata|gotrace [seconds]}
secs=${2:-20}
out=.build-fuzz
mkdir -p "$out/crashes"
flags=(-O -sanitize=fuzzer,address -parse-as-library -I "$out" -I Sources/CZstd)
module() {  # name: one object and module per library target
  swiftc "${flags[@]}" -wmo -emit-module -emit-object -module-name "$1" -emit-module-path "$out/$1.swiftmodule" \
    -o "$out/$1.o" Sources/"$1"/*.swift
}
module BinaryIO
case $target in
  perfdata) module PerfData; objs=("$out/PerfData.o"); src=Fuzz/PerfDataFuzz.swift; seeds=(Fixtures/perf/*.data) ;;
  gotrace) module GoTrace; objs=("$out/GoTrace.o"); src=Fuzz/GoTraceFuzz.swift; seeds=(Fixtures/gotrace/*.trace Fuzz/seeds/gotrace/*.trace) ;;
  *) echo "fuzz.sh: unknown target $target (perfdata, gotrace)" >&2; exit 2 ;;
esac
swiftc "${flags[@]}" -o "$out/$target-fuzz" "$src" "$out/BinaryIO.o" "${objs[@]}" -lzstd \
  2> >(grep -v "Cannot export local symbol" >&2)
mkdir -p "$out/corpus-$target"
cp "${seeds[@]}" "$out/corpus-$target/" 2>/dev/null || true
"$out/$target-fuzz" -max_total_time="$secs" -max_len=65536 -artifact_prefix="$out/crashes/" \
  -print_final_stats=1 "$out/corpus-$target" 2>&1 | tail -n 12
