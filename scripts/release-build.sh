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
# - libstdc++ linked in (the Swift runtime's C++ library), where the compiler has its static archive:
#   the dynamic loader then resolves none of libstdc++.so's ~4,300 symbol relocations at each start,
#   2.0 M instructions ("Where things stand, 2026-12-04 evening"). The runtime's link line names
#   `-lstdc++` itself, before any -Xlinker flag, so the name is redirected instead: a linker script
#   called libstdc++.so, in a folder searched before the compiler's own, that stands for the archive.
#   Without the archive (or with STACKFOLD_DYNAMIC_LIBSTDCXX=1) the shared library is used, as before.
# - --no-export-dynamic: the Swift driver links executables with -export-dynamic, which put the 12,000
#   public symbols of the package's modules and SwiftProtobuf in the dynamic symbol table; nothing looks
#   them up there (the code's own dlsym is for libstdc++'s and libdebuginfod's), but the runtime's start-up
#   dladdr scans that table: 0.4 M instructions off each run, and 1 MB off the binary.
set -euo pipefail
cd "$(dirname "$0")/.."
extra=()
archive=$(c++ -print-file-name=libstdc++.a 2>/dev/null || gcc -print-file-name=libstdc++.a 2>/dev/null || true)
if [[ -z ${STACKFOLD_DYNAMIC_LIBSTDCXX:-} && $archive == /* && -f $archive ]]; then
  dir=$PWD/.build/static-libstdcxx
  mkdir -p "$dir"
  # Rewritten only when it changes: the folder is on every compile's command line, the file is not.
  script="INPUT($archive)"
  [[ -f $dir/libstdc++.so && $(cat "$dir/libstdc++.so") == "$script" ]] || printf '%s\n' "$script" > "$dir/libstdc++.so"
  extra=(-Xswiftc "-L$dir")
fi
exec swift build -c release --static-swift-stdlib \
  -Xswiftc -Xfrontend -Xswiftc -disable-concrete-type-metadata-mangled-name-accessors \
  -Xlinker --no-export-dynamic "${extra[@]}" "$@"
