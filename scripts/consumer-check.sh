#!/usr/bin/env bash
# Shows that StackfoldKit works as a SwiftPM dependency: a throwaway package under $TMPDIR depends on
# this repository by path, then on a clone of its HEAD by version (a local tag, `from:` it), and calls
# each library's entry point on the fixtures (perf.data read, symbolized, folded, drawn; a Go trace read;
# the two aligned; a pprof profile written, read back and summed as `top`). It must build (no unsafe
# flags in the libraries) and print non-empty results. Takes several minutes (it builds the libraries
# twice, one job each); run by hand, not by scripts/test.sh (CI keeps under 30 min).
#   bash scripts/consumer-check.sh            # both
#   bash scripts/consumer-check.sh path       # only by path (or: version)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/stackfold-consumer.XXXXXX")
trap 'rm -rf "$work"' EXIT
modes=${1:-path version}

write_consumer() {  # dir, dependency line
  mkdir -p "$1/Sources/consumer"
  cat > "$1/Package.swift" <<SWIFT
// swift-tools-version:6.1
import PackageDescription
let package = Package(
    name: "consumer",
    platforms: [.macOS(.v14)],
    dependencies: [$2],
    targets: [.executableTarget(name: "consumer", dependencies: [.product(name: "StackfoldKit", package: "stackfold")])]
)
SWIFT
  cat > "$1/Sources/consumer/main.swift" <<'SWIFT'
import Align
import BinaryIO
import Collapse
import FlameSVG
import GoTrace
import PerfData
import Pprof
import Symbolize
#if canImport(Glibc)
import Glibc
#endif

// Each library's entry point on the repository's fixtures; any empty result fails.
func check(_ ok: Bool, _ what: String) {
    guard ok else { print("consumer: \(what) failed"); exit(1) }
    print("ok: \(what)")
}
let fixtures = CommandLine.arguments[1]
let perf = try PerfFile(path: "\(fixtures)/perf/go1.25-fp-mono.data")
check(!perf.events.isEmpty, "PerfData: PerfFile with \(perf.events.count) event(s)")
let image = try BinaryImage(path: "\(fixtures)/bin/go1.25/workload")
let frames = image.frames(at: 0x41695e)
check(!frames.isEmpty, "Symbolize: 0x41695e is \(frames.map(\.function))")
var options = PerfCollapseOptions()
options.binaries.searchDirs = ["\(fixtures)/bin"]
options.kallsyms = "\(fixtures)/perf/kallsyms-subset.txt"
options.useRunningKernel = false
var collapser = PerfCollapser(options: options)
try collapser.collapse(perf)
let folded = String(decoding: collapser.folded(), as: UTF8.self)
check(collapser.samples > 0 && folded.contains("main."), "Collapse: \(collapser.samples) samples, \(folded.split(separator: "\n").count) stacks")
var graph = FlameGraph()
let svg = graph.render(folded: folded)
check(svg.hasPrefix("<?xml") && svg.contains("<svg"), "FlameSVG: \(svg.utf8.count) bytes of SVG")
let traceFile = try MappedFile(path: "\(fixtures)/gotrace/go1.25-fp-mono.trace")
let trace = try GoTrace(bytes: traceFile.bytes)
check(trace.events > 0 && !trace.runs.isEmpty, "GoTrace: \(trace.events) events, \(trace.ranges.count) ranges")
let capture = try AlignedCapture(perf: perf, options: options, trace: trace)
check(capture.attributions.count > 0, "Align: \(capture.attributions.count) samples attributed, \(capture.alignment)")
// A pprof profile written, then read back from its file as `stackfold top` reads one.
let profile = try PprofWriter.profile(perf: perf, options: options)
let gz = try profile.gzipped()
let pb = "\(CommandLine.arguments[2])/cpu.pb.gz"
guard let f = fopen(pb, "wb") else { print("consumer: cannot write \(pb)"); exit(1) }
gz.withUnsafeBytes { _ = fwrite($0.baseAddress, 1, $0.count, f) }
fclose(f)
let pbFile = try openInput(pb)  // kept: the profile is read from its bytes
let readBack = try PprofProfile(bytes: pbFile.bytes, path: pb)
let top = TopTable(readBack.stacks(index: readBack.sampleTypes.count - 1))
check(profile.samples > 0 && top.total > 0 && TopText.render(top).contains("main."),
      "Pprof: \(profile.samples) samples, \(gz.count) bytes gzipped, top total \(top.total) \(top.valueType)")
SWIFT
}

run() {  # dir
  (cd "$1" && swift build -j 1 2>&1 | tail -3 && .build/debug/consumer "$repo/Fixtures" "$1")
}

for mode in $modes; do
  case $mode in
  path)
    # A path dependency is named after its folder: a link named stackfold, whatever the clone's name.
    ln -s "$repo" "$work/stackfold-link" && mkdir "$work/link" && mv "$work/stackfold-link" "$work/link/stackfold"
    echo "== by path: .package(path: \"$repo\")"
    write_consumer "$work/by-path" ".package(path: \"$work/link/stackfold\")"
    run "$work/by-path" ;;
  version)
    # A clone of HEAD with a local tag: the dependency is resolved as a released version would be.
    git clone -q --no-local "$repo" "$work/stackfold"
    git -C "$work/stackfold" tag 0.1.0
    echo "== by version: .package(url: \"file://$work/stackfold\", from: \"0.1.0\")"
    write_consumer "$work/by-version" ".package(url: \"file://$work/stackfold\", from: \"0.1.0\")"
    run "$work/by-version" ;;
  *) echo "consumer-check.sh: mode is path or version, not $mode" >&2; exit 2 ;;
  esac
done
echo "consumer-check.sh: StackfoldKit builds and runs as a dependency ($modes)"
