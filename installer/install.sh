#!/usr/bin/env bash
# Registers the auroraodbc driver with unixODBC.
#   install.sh [--system] [--prefix DIR] [--lib PATH]
# Default: for the current user (copies the library to ~/.local/lib/auroraodbc and adds an
# [auroraodbc] section to ~/.odbcinst.ini). --system: copies it to /usr/local/lib/auroraodbc
# and registers it in the system odbcinst.ini with odbcinst (needs root). --prefix puts the
# library in DIR/lib/auroraodbc instead. The library: --lib, else lib/ next to this script (the
# release tarball), else the release build of this source tree.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
self="$(cd "$(dirname "$0")" && pwd)"
mode=user
lib=""
prefix=""
while [ $# -gt 0 ]; do
  case "$1" in
    --system) mode=system ;;
    --user) mode=user ;;
    --prefix) prefix="$2"; shift ;;
    --lib) lib="$2"; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
if [ -z "$lib" ] && [ -f "$self/lib/libauroraodbc.so" ]; then
  lib="$self/lib/libauroraodbc.so"
fi
if [ -z "$lib" ]; then
  lib="${CARGO_TARGET_DIR:-$here/target}/release/libauroraodbc.so"
fi
if [ ! -f "$lib" ]; then
  echo "driver library not found at $lib; build it with: cargo build --release --lib" >&2
  exit 1
fi

if [ -z "$prefix" ]; then
  if [ "$mode" = system ]; then prefix=/usr/local; else prefix="$HOME/.local"; fi
fi
mkdir -p "$prefix"
dest="$(cd "$prefix" && pwd)/lib/auroraodbc"
mkdir -p "$dest"
install -m 0755 "$lib" "$dest/libauroraodbc.so"

section="[auroraodbc]
Description=auroraodbc: PostgreSQL ODBC driver for Amazon Aurora and RDS
Driver=$dest/libauroraodbc.so
Threading=0
"

if [ "$mode" = system ]; then
  tmpl="$(mktemp)"
  printf '%s' "$section" > "$tmpl"
  odbcinst -u -d -n auroraodbc >/dev/null 2>&1 || true
  odbcinst -i -d -f "$tmpl" >/dev/null
  rm -f "$tmpl"
  echo "registered auroraodbc system-wide: $dest/libauroraodbc.so"
else
  ini="$HOME/.odbcinst.ini"
  touch "$ini"
  # Drop an earlier [auroraodbc] section, keep everything else.
  awk 'BEGIN{skip=0} /^\[/{skip=($0=="[auroraodbc]")} !skip' "$ini" > "$ini.tmp"
  printf '\n%s' "$section" >> "$ini.tmp"
  mv "$ini.tmp" "$ini"
  echo "registered auroraodbc for $(id -un) in $ini: $dest/libauroraodbc.so"
fi
