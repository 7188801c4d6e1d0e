#!/usr/bin/env bash
# The release build of install.sh, demo.sh and the bench scripts; extra arguments go to swift build
# (`--product stackfold`, `-j 1`). Build flags on the command line, not in Package.swift, so the package
# stays usable as a dependency (SwiftPM refuses a dependency's unsafeFlags):
# - --static-swift-stdlib: the Swift libraries linked in (+20 MB), so a run skips loading and relocating
#   them (docs/performance.md, "Fixed costs, 2026-12-03 (f22)").
# - -disable-concrete-type-metadata-mangled-name-accessors: generic types' metadata reached through
#   accessor calls, not by demangling their names at run time, where each first use of a type such as
#   Dictionary<UInt64, X> or KeyedDecodingContainer<CodingKeys> made the runtime scan every protocol
#   conformance record of the binary (~190,000 instructions a scan). Every target and dependency is
#   compiled with it: 6.6 M instructions off each run ("Fixed costs again, 2026-12-03 (f23)").
set -euo pipefail
cd "$(dirname "$0")/.."
exec swift build -c release --static-swift-stdlib \
  -Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors "$@"
