#!/usr/bin/env bash
# Builds the release binary and installs it with its man page:
#   bash scripts/install.sh                 # /usr/local/bin/stackfold, /usr/local/share/man/man1/stackfold.1 (as root)
#   PREFIX=~/.local bash scripts/install.sh # under your home; put ~/.local/bin on PATH
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${PREFIX:-/usr/local}
bash scripts/deps.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The man page first: its plugin builds without --static-swift-stdlib, which would replace the binary.
bash scripts/manpage.sh "$tmp" release
# The Swift libraries linked in, and generic metadata without demangling: scripts/release-build.sh.
bash scripts/release-build.sh --product stackfold
install -D -m 755 .build/release/stackfold "$prefix/bin/stackfold"
install -D -m 644 "$tmp/stackfold.1" "$prefix/share/man/man1/stackfold.1"
echo "installed $prefix/bin/stackfold ($("$prefix/bin/stackfold" --version)) and $prefix/share/man/man1/stackfold.1"
case ":$PATH:" in
  *":$prefix/bin:"*) ;;
  *) echo "note: $prefix/bin is not on PATH; add it: export PATH=\"$prefix/bin:\$PATH\"" >&2 ;;
esac
echo "completions: stackfold --generate-completion-script bash|zsh|fish (see README.md)"
