#!/usr/bin/env bash
# Whole-file compressed inputs, as users keep them (perf.data.gz, out.folded.zst, trace.xz): every command
# reads them as the plain file. Also a cut-short one and a small "bomb" (a few KB that would inflate past
# the decompression limit). Writes every command to compressed/commands.log.
#   bash Fixtures/generate-compressed.sh
set -euo pipefail
cd "$(dirname "$0")"
for t in gzip zstd xz; do command -v $t >/dev/null || { echo "generate-compressed.sh: needs $t" >&2; exit 1; }; done
mkdir -p compressed
: > compressed/commands.log
log() { printf '%s\n' "$*" >> compressed/commands.log; }
sh_() { log "$1"; bash -c "$1"; }
sh_ "gzip -9 -n -c diff/go1.25.folded > compressed/go1.25.folded.gz"
sh_ "zstd -q -19 -c diff/go1.25.folded > compressed/go1.25.folded.zst"
sh_ "xz -9 -c diff/go1.25.folded > compressed/go1.25.folded.xz"
sh_ "gzip -9 -n -c perf/go1.25-fp-mono.data.script.txt > compressed/go1.25-fp-mono.script.txt.gz"
sh_ "gzip -9 -n -c perf/go1.25-fp-mono.data > compressed/go1.25-fp-mono.data.gz"
sh_ "xz -9 -c gotrace/go1.24-tasks.trace > compressed/go1.24-tasks.trace.xz"
# Two gzip members one after the other: gzip -d reads both.
sh_ "head -n 20 diff/go1.25.folded | gzip -9 -n -c > compressed/two-members.folded.gz; tail -n +21 diff/go1.25.folded | gzip -9 -n -c >> compressed/two-members.folded.gz"
sh_ "head -c 600 compressed/go1.25.folded.gz > compressed/cut-short.folded.gz"
# zstd as streamed: two frames one after the other, and a frame from a pipe, which does not say its
# size (a single frame that does is decoded in one call; these are streamed).
sh_ "head -n 20 diff/go1.25.folded | zstd -q -19 -c > compressed/two-frames.folded.zst; tail -n +21 diff/go1.25.folded | zstd -q -19 -c >> compressed/two-frames.folded.zst"
sh_ "cat diff/go1.25.folded | zstd -q -19 -c > compressed/piped.folded.zst"
# 80 MB of zeros: more than 1000 times its compressed size and more than the 64 MiB floor.
sh_ "head -c 80000000 /dev/zero | zstd -q -19 -c > compressed/bomb.zst"
