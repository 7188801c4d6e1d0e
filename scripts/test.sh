#!/usr/bin/env bash
# The whole test suite: installs what it needs, then runs the tests.
# Unit tests run in debug; the fuzz run is release + ASan.
set -euo pipefail
cd "$(dirname "$0")/.."
# Nothing written to the user's ~/.cache (cli-test.sh and readme-test.sh use scratch caches of their own).
export STACKFOLD_CACHE_DIR=off
bash scripts/deps.sh
# Short libFuzzer runs of the perf.data, Go trace and pclntab readers; a crash fails the suite.
if swiftc -sanitize=fuzzer -version >/dev/null 2>&1; then
  # 15 s for perf.data as before: mutation of captures and structure-aware generation share it.
  bash scripts/fuzz.sh perfdata 8
  bash scripts/fuzz.sh perfstruct 7
  # Go traces and ELF/DWARF: bit flips and structure-aware generation share the old budgets.
  bash scripts/fuzz.sh gotrace 5
  bash scripts/fuzz.sh tracestruct 5
  bash scripts/fuzz.sh pprof 5  # 5 s of the trace's 15: the suite's fuzz budget stays 45 s
  bash scripts/fuzz.sh pclntab 10
  bash scripts/fuzz.sh elfstruct 5
else
  echo "test.sh: this Swift toolchain has no libFuzzer (-sanitize=fuzzer): skipping the fuzz run" >&2
fi
# The flame graph in a real browser (headless Chromium from Debian; installed when run as root).
bash scripts/browser-test.sh
bash scripts/debuginfod-test.sh
# swift format lint of the Swift files this branch changed (advisory: prints, never fails; see lint.sh).
bash scripts/lint.sh || true
# No Swift source over 600 lines without a reason in its header, no function over 80 lines (fails).
python3 scripts/check-sizes.py --self-test
python3 scripts/check-sizes.py
# The README's example commands and the CLI's conventions, against bundled captures.
bash scripts/readme-test.sh
bash scripts/cli-test.sh
swift build --build-tests
# Every command on the crafted inputs of Fixtures/hostile: no signal, timeout or raw control character.
bash scripts/hostile/run-commands.sh "$(swift build --show-bin-path)/stackfold"
swift test --skip-build 2>&1
