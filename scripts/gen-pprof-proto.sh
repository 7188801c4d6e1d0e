#!/usr/bin/env bash
# Regenerates Sources/Pprof/Generated/profile.pb.swift from Sources/Pprof/proto/profile.proto
# (google/pprof proto/profile.proto, commit 101d87ff5bc37124090081eb492825d9439a6a53, 2025-08-30,
# Apache-2.0). The generated file is committed so that builds never need protoc or the plugin.
#
#   bash scripts/gen-pprof-proto.sh
#
# Needs Debian's protobuf-compiler (installed here when missing) and protoc-gen-swift of the same
# swift-protobuf version as Package.swift (1.39.0), built once into $PLUGIN_DIR (about 2-10 min).
set -euo pipefail
cd "$(dirname "$0")/.."
VERSION=1.39.0
PLUGIN_DIR=${PLUGIN_DIR:-${TMPDIR:-/tmp}/stackfold-protoc-gen-swift}
if ! command -v protoc > /dev/null; then
  if [[ $(id -u) == 0 ]]; then apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q protobuf-compiler
  else echo "gen-pprof-proto.sh: protoc is missing; install Debian's protobuf-compiler" >&2; exit 1; fi
fi
PLUGIN=$PLUGIN_DIR/swift-protobuf/.build/release/protoc-gen-swift
if [[ ! -x $PLUGIN ]]; then
  mkdir -p "$PLUGIN_DIR"
  SRC=https://github.com/apple/swift-protobuf
  [[ -d /opt/swift-packages/apple/swift-protobuf.git ]] && SRC=/opt/swift-packages/apple/swift-protobuf.git
  rm -rf "$PLUGIN_DIR/swift-protobuf"
  git clone -q "$SRC" "$PLUGIN_DIR/swift-protobuf"
  git -C "$PLUGIN_DIR/swift-protobuf" checkout -q "$VERSION"
  (cd "$PLUGIN_DIR/swift-protobuf" && swift build -c release --product protoc-gen-swift)
fi
protoc --plugin=protoc-gen-swift="$PLUGIN" --proto_path=Sources/Pprof/proto \
  --swift_opt=Visibility=Public --swift_out=Sources/Pprof/Generated profile.proto
echo "wrote Sources/Pprof/Generated/profile.pb.swift"
