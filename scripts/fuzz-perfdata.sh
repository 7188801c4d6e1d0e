#!/usr/bin/env bash
# Fuzzes the perf.data reader with libFuzzer (swiftc -sanitize=fuzzer), seeded with the fixture captures.
#   bash scripts/fuzz-perfdata.sh [seconds]     (default 20; crashes are written to .build-fuzz/crashes/)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-20}
out=.build-fuzz
mkdir -p "$out/corpus" "$out/crashes"
flags=(-O -sanitize=fuzzer,address -parse-as-library -I "$out" -I Sources/CZstd)
swiftc "${flags[@]}" -wmo -emit-module -emit-object -module-name BinaryIO -emit-module-path "$out/BinaryIO.swiftmodule" \
  -o "$out/BinaryIO.o" Sources/BinaryIO/*.swift
swiftc "${flags[@]}" -wmo -emit-module -emit-object -module-name PerfData -emit-module-path "$out/PerfData.swiftmodule" \
  -o "$out/PerfData.o" Sources/PerfData/*.swift
swiftc "${flags[@]}" -o "$out/perfdata-fuzz" Fuzz/PerfDataFuzz.swift "$out/BinaryIO.o" "$out/PerfData.o" -lzstd \
  2> >(grep -v "Cannot export local symbol" >&2)
cp Fixtures/perf/*.data "$out/corpus/" 2>/dev/null || true
"$out/perfdata-fuzz" -max_total_time="$secs" -max_len=65536 -artifact_prefix="$out/crashes/" \
  -print_final_stats=1 "$out/corpus" 2>&1 | tail -n 12
