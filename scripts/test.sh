#!/usr/bin/env bash
# The whole test suite: installs what it needs, then runs the tests.
# Heavy paths (throughput, fuzzing) run in release mode; the rest in debug.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/deps.sh
swift build --build-tests
swift test --skip-build 2>&1
