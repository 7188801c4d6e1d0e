#!/usr/bin/env bash
# `swift format lint` (configuration: .swift-format, line length 120) on the Swift files this branch
# changed since it left main, or on the files given. Advisory: it prints what it finds and exits 0, since
# most of the tree predates the configuration (reformatting it all would conflict with every branch).
# Format a file you are rewriting anyway with: swift format -i --configuration .swift-format FILE
set -uo pipefail
cd "$(dirname "$0")/.."
if (($#)); then files=("$@"); else
  base=$(git merge-base HEAD main 2>/dev/null || git rev-list --max-parents=0 HEAD)
  mapfile -t files < <(git diff --name-only --diff-filter=AM "$base" -- '*.swift'; git ls-files --others --exclude-standard -- '*.swift')
fi
((${#files[@]})) || { echo "lint.sh: no changed Swift files"; exit 0; }
swift format lint --configuration .swift-format "${files[@]}" 2>&1 | sed -E 's/^([^:]+):.*warning: \[([A-Za-z]+)\].*/\1 \2/' | sort | uniq -c | sort -rn | head -40
exit 0
