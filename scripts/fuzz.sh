#!/usr/bin/env bash
# Fuzzes a reader with libFuzzer (swiftc -sanitize=fuzzer,address), seeded with the fixtures.
#   bash scripts/fuzz.sh perfdata|perfstruct|gotrace|tracestruct|elfstruct|pclntab|pprof [seconds]   (default 20; crashes go to .build-fuzz/crashes/)
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: fuzz.sh perfdata|perfstruct|gotrace|tracestruct|elfstruct|pclntab|pprof [seconds]}
secs=${2:-20}
out=.build-fuzz
mkdir -p "$out/crashes"
flags=(-O -sanitize=fuzzer,address -parse-as-library -I "$out" -I Sources/CZstd -I Sources/CCompress)
module() {  # name: one object and module per library target
  swiftc "${flags[@]}" -wmo -emit-module -emit-object -module-name "$1" -emit-module-path "$out/$1.swiftmodule" \
    -o "$out/$1.o" Sources/"$1"/*.swift
}
module BinaryIO
# A pclntab seed (Fuzz/PclntabFuzz.swift's input) from a fixture binary: its pclntab, moduledata (first two
# words pointing at the seed's own table), .go.buildinfo and go:func.* (moduledata.gofunc pointing at it).
# With "relocated", as lld leaves an external PIE: moduledata's first two words are 0 and R_X86_64_RELATIVE
# relocations (DT_RELA in the dynamic section) hold them, and the table has no section of its own.
pclntab_seed() {  # binary seed-file [relocated]
  local bin=$1 sec sym
  sec=$(readelf -SW "$bin" | awk '{sub(/^ *\[ *[0-9]+\] */, "")} $1 ~ /^\.(gopclntab|go\.buildinfo)$/ {print $1, $3, $4, $5}')
  sym=$(nm -S "$bin" | awk '$NF == "runtime.firstmoduledata" || $NF == "go:func.*" || $NF == "runtime.erodata" {print $NF, $1, ($4 == "" ? "-" : $2)}')
  python3 - "$bin" "$2" "$sec" "$sym" "${3:-}" <<'PY'
import struct, sys
binary, seed, secs, syms, relocated = sys.argv[1], sys.argv[2], sys.argv[3].split("\n"), sys.argv[4].split("\n"), sys.argv[5] == "relocated"
data = open(binary, "rb").read()
sec = {n: (int(o, 16), int(z, 16)) for n, _, o, z in (l.split() for l in secs)}
sym = {n: (int(a, 16), None if z == "-" else int(z, 16)) for n, a, z in (l.split() for l in syms)}
segs = [struct.unpack_from("<IIQQQQQQ", data, struct.unpack_from("<Q", data, 32)[0] + 56 * i) for i in range(struct.unpack_from("<H", data, 56)[0])]
def at(addr, n):  # bytes at a virtual address, through PT_LOAD
    for t, _, off, va, _, fsz, _, _ in segs:
        if t == 1 and va <= addr < va + fsz: return data[off + addr - va: off + addr - va + n]
o, z = sec[".gopclntab"]; pcln = data[o:o + z]
o, z = sec[".go.buildinfo"]; info = data[o:o + z]
gofunc, gz = sym["go:func.*"]
rodata = at(gofunc, gz if gz else sym["runtime.erodata"][0] - gofunc)
mod = bytearray(at(*sym["runtime.firstmoduledata"]))
base = 0x11000  # where PclntabFuzz.swift loads the data
a, b = len(pcln), len(pcln) + len(mod)
c = b + len(info)
words = (base, base + struct.unpack_from("<Q", pcln, 8 + 3 * 8)[0])
dyn = b""
if relocated:  # DT_RELA, DT_RELASZ, DT_RELAENT, DT_NULL, then the two relocations
    dyn = struct.pack("<8Q", 7, base + c + 64, 8, 48, 9, 24, 0, 0)
    dyn += b"".join(struct.pack("<QQQ", base + a + 8 * i, 8, w) for i, w in enumerate(words))
    words = (0, 0)
d = c + len(dyn)
struct.pack_into("<QQ", mod, 0, *words)
minor = int(info[32 + 1 + 4:].split(b".")[0]) if info[32 + 1:32 + 5] == b"go1." else 0
struct.pack_into("<Q", mod, 8 * (43 if minor >= 27 else 40), base + d)
head = struct.pack("<IIII", a | (1 << 31 if relocated else 0), b, c, d)
open(seed, "wb").write(head + pcln + bytes(mod) + info + dyn + rodata)
PY
}

case $target in
  perfdata) module PerfData; objs=("$out/PerfData.o"); src=(Fuzz/PerfDataFuzz.swift Fuzz/ReadPerf.swift); seeds=(Fixtures/perf/*.data Fixtures/hostile/*.data) ;;
  # Structure-aware: the input chooses records and their fields (sizes, counts, times, names).
  perfstruct) module PerfData; objs=("$out/PerfData.o"); src=(Fuzz/PerfDataStructFuzz.swift Fuzz/Choices.swift Fuzz/ReadPerf.swift); seeds=() ;;
  # Structure-aware Go traces (1.21 and 1.23 formats): ids, times, frequencies, stacks, strings chosen.
  tracestruct) module GoTrace; objs=("$out/GoTrace.o"); src=(Fuzz/GoTraceStructFuzz.swift Fuzz/Choices.swift); seeds=() ;;
  elfstruct)
    # Structure-aware ELF and DWARF: the ELF reader's files, and Dwarf.swift and DwarfLines.swift with libdw.
    echo '@_exported import BinaryIO' > "$out/SymbolizeImports.swift"
    swiftc "${flags[@]}" -I Sources/CElfUtils -wmo -emit-module -emit-object -module-name Symbolize \
      -emit-module-path "$out/Symbolize.swiftmodule" -o "$out/Symbolize.o" "$out/SymbolizeImports.swift" \
      Sources/Symbolize/{ELF,ELFHeader,SymbolTables,PerfSymbols,PerfPLTSymbols,NamesByOffset,SymbolTableNames,GoPclntab,GoFrameInfo,Dwarf,DwarfLines,DebugFile,GoBuildID,ConfinedPath,UnitListFile,DebugSectionCache,InflatedDWARF}.swift
    objs=("$out/Symbolize.o" -I Sources/CElfUtils -ldw -lelf); src=(Fuzz/ELFStructFuzz.swift Fuzz/Choices.swift); seeds=() ;;
  gotrace) module GoTrace; objs=("$out/GoTrace.o"); src=Fuzz/GoTraceFuzz.swift; seeds=(Fixtures/gotrace/*.trace Fuzz/seeds/gotrace/*.trace) ;;
  pclntab)
    # Only the ELF and pclntab readers (and BinaryIO, which Symbolize.swift re-exports): the rest needs libdw.
    echo '@_exported import BinaryIO' > "$out/SymbolizeImports.swift"
    swiftc "${flags[@]}" -wmo -emit-module -emit-object -module-name Symbolize -emit-module-path "$out/Symbolize.swiftmodule" \
      -o "$out/Symbolize.o" "$out/SymbolizeImports.swift" Sources/Symbolize/ELF.swift Sources/Symbolize/ELFHeader.swift Sources/Symbolize/PerfSymbols.swift Sources/Symbolize/PerfPLTSymbols.swift \
      Sources/Symbolize/NamesByOffset.swift Sources/Symbolize/SymbolTableNames.swift Sources/Symbolize/SymbolTables.swift \
      Sources/Symbolize/GoPclntab.swift Sources/Symbolize/GoFrameInfo.swift
    objs=("$out/Symbolize.o"); src=Fuzz/PclntabFuzz.swift; seeds=()
    bash scripts/deps.sh binutils python3  # the seeds are cut out of fixture binaries (readelf, nm, python3)
    mkdir -p "$out/seeds-pclntab"
    for v in 1.21 1.24 1.27; do
      [[ -s $out/seeds-pclntab/go$v ]] || pclntab_seed "Fixtures/bin/go$v/workload" "$out/seeds-pclntab/go$v"
      seeds+=("$out/seeds-pclntab/go$v")
    done
    [[ -s $out/seeds-pclntab/go1.24-relocated ]] ||
      pclntab_seed Fixtures/bin/go1.24/workload "$out/seeds-pclntab/go1.24-relocated" relocated
    seeds+=("$out/seeds-pclntab/go1.24-relocated") ;;
  pprof)
    # swift-protobuf (from the package checkout: swift build resolves it) and Pprof's reader and top;
    # of Collapse only the folded-name file and what it needs.
    pb=.build/checkouts/swift-protobuf/Sources/SwiftProtobuf
    [[ -d $pb ]] || swift package resolve >/dev/null
    [[ -d $pb ]] || { echo "fuzz.sh pprof: no $pb after swift package resolve" >&2; exit 1; }
    [[ -s $out/SwiftProtobuf.o ]] || swiftc "${flags[@]}" -wmo -package-name swift_protobuf -emit-module -emit-object -module-name SwiftProtobuf \
      -emit-module-path "$out/SwiftProtobuf.swiftmodule" -o "$out/SwiftProtobuf.o" "$pb"/*.swift
    swiftc "${flags[@]}" -wmo -emit-module -emit-object -module-name Collapse -emit-module-path "$out/Collapse.swiftmodule" \
      -o "$out/Collapse.o" Sources/Collapse/FlatTables.swift Sources/Collapse/RunTable.swift Sources/Collapse/FoldedFrameName.swift
    swiftc "${flags[@]}" -wmo -emit-module -emit-object -module-name Pprof -emit-module-path "$out/Pprof.swiftmodule" \
      -o "$out/Pprof.o" Sources/Pprof/Generated/*.swift Sources/Pprof/Read/*.swift Sources/Pprof/Top/*.swift
    objs=("$out/SwiftProtobuf.o" "$out/Collapse.o" "$out/Pprof.o"); src=Fuzz/PprofFuzz.swift
    seeds=(Fixtures/pprof/go1.*/*.pprof Fixtures/pprof/go1.27/cpu-uncompressed.pb Fixtures/pprof/malformed/*.pb) ;;
  *) echo "fuzz.sh: unknown target $target (perfdata, perfstruct, gotrace, tracestruct, elfstruct, pclntab, pprof)" >&2; exit 2 ;;
esac
swiftc "${flags[@]}" -o "$out/$target-fuzz" "${src[@]}" "$out/BinaryIO.o" "${objs[@]}" -lzstd \
  2> >(grep -v "Cannot export local symbol" >&2)
mkdir -p "$out/corpus-$target"
cp "${seeds[@]}" "$out/corpus-$target/" 2>/dev/null || true
maxlen=65536
[[ $target == pclntab ]] && maxlen=1500000  # a seed holds a whole pclntab
"$out/$target-fuzz" -max_total_time="$secs" -max_len=$maxlen -artifact_prefix="$out/crashes/" \
  -print_final_stats=1 "$out/corpus-$target" 2>&1 | tail -n 12
