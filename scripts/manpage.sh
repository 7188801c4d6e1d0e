#!/usr/bin/env bash
# Writes stackfold.1, the man page, generated from the command definitions by swift-argument-parser's
# generate-manual plugin (works offline once the package's dependencies are fetched).
#   bash scripts/manpage.sh OUTDIR [debug|release]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:?usage: manpage.sh OUTDIR [debug|release]}
conf=${2:-debug}
# The page's date: the last commit's, so the same tree gives the same bytes.
date=$(git log -1 --format=%cs 2>/dev/null || date -u +%F)
swift package generate-manual --configuration "$conf" --date "$date" >/dev/null
mkdir -p "$out"
cp .build/plugins/GenerateManual/outputs/stackfold/stackfold.1 "$out/stackfold.1"
