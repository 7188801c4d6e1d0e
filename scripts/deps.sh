#!/usr/bin/env bash
# Makes sure the system libraries stackfold links against are here; installs them as root,
# otherwise names what is missing. Sourced by scripts/demo.sh and scripts/test.sh.
set -euo pipefail

missing_tools=()
command -v swift >/dev/null 2>&1 || missing_tools+=("swift (Swift 6.1 or newer: https://www.swift.org/install/linux/)")

# Debian package -> a header it provides.
declare -A header=(
  [libdw-dev]=/usr/include/elfutils/libdw.h
  [libelf-dev]=/usr/include/libelf.h
  [libzstd-dev]=/usr/include/zstd.h
  [libdebuginfod-dev]=/usr/include/elfutils/debuginfod.h
  [zlib1g-dev]=/usr/include/zlib.h
  [liblzma-dev]=/usr/include/lzma.h
  [pkg-config]=/usr/bin/pkg-config
)
want=("$@")
missing=()
for pkg in "${!header[@]}" "${want[@]}"; do
  if [[ -n "${header[$pkg]:-}" ]]; then
    [[ -e "${header[$pkg]}" ]] || missing+=("$pkg")
  else
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  fi
done

if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null 2>&1; then
    echo "stackfold: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || true
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "stackfold: missing system packages: ${missing[*]}" >&2
    echo "  install them with: sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

if ((${#missing_tools[@]})); then
  echo "stackfold: missing: ${missing_tools[*]}" >&2
  exit 1
fi
