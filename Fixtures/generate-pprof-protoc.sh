#!/usr/bin/env bash
# Encodes Fixtures/pprof/protoc/profile.txtpb with Debian's protoc (3.21) into profile.pb, the
# outside reference for PprofTests' check of the generated code. Commands are logged.
set -euo pipefail
cd "$(dirname "$0")"
LOG=pprof/protoc/commands.log
: > "$LOG"
run() { echo "+ $*" >> "$LOG"; "$@"; }
echo "# $(date -u +%FT%TZ) $(protoc --version)" >> "$LOG"
run sh -c 'protoc --proto_path=../Sources/Pprof/proto --encode=perftools.profiles.Profile profile.proto < pprof/protoc/profile.txtpb > pprof/protoc/profile.pb'
md5sum pprof/protoc/profile.pb >> "$LOG"
