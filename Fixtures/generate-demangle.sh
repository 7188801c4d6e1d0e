#!/usr/bin/env bash
# Mangled names and what outside demanglers make of them, for DemangleTests: the Rust legacy symbols of
# demangle/prog.rs (rustc -C symbol-mangling-version=legacy, -O0 so generic instances stay) with
# binutils' c++filt (libiberty's Rust demangler; its `::h<hash>` dropped, as perf and rustc-demangle's
# `{:#}` print them), and the C++ function symbols of demangle/prog.cpp (g++ -O0) with `c++filt -p`
# (libiberty without parameters, as perf 6.1 prints C++ names). Writes its commands to demangle/commands.log.
#   bash Fixtures/generate-demangle.sh
set -euo pipefail
cd "$(dirname "$0")"
out=demangle
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: > $out/commands.log
log() { printf '%s\n' "$*" >> $out/commands.log; }
sh_() { log "$1"; bash -c "$1"; }
log "# $(rustc --version); $(g++ --version | head -1); $(c++filt --version | head -1)"
sh_ "RUSTC_BOOTSTRAP=1 rustc -Z unstable-options -C symbol-mangling-version=legacy -C opt-level=0 $out/prog.rs -o $tmp/rsprog"
sh_ "nm $tmp/rsprog | awk '{print \$NF}' | grep -E '^_ZN.*17h[0-9a-f]{16}E(\\.llvm\\.[0-9A-F]+)?\$' | LC_ALL=C sort -u > $tmp/rust.names"
sh_ "c++filt < $tmp/rust.names | sed -E 's/::h[0-9a-f]{16}\$//' | paste $tmp/rust.names - > $out/rust-legacy.tsv"
sh_ "g++ -O0 $out/prog.cpp -o $tmp/cxxprog"
sh_ "nm $tmp/cxxprog | awk '\$2 ~ /^[tTwW]\$/ && \$3 ~ /^_Z/ {print \$3}' | LC_ALL=C sort -u > $tmp/cxx.names"
sh_ "c++filt -p < $tmp/cxx.names | paste $tmp/cxx.names - > $out/cxx.tsv"
