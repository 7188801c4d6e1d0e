#!/usr/bin/env bash
# Builds stackfold and runs it on a bundled capture.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
swift build -c release --product stackfold 2>&1 | grep -E 'error|warning: unre|Compiling stackfold|Build complete' || true
bin=.build/release/stackfold
"$bin" --help
