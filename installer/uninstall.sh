#!/usr/bin/env bash
# Removes the auroraodbc driver registration made by install.sh.
#   uninstall.sh [--system] [--prefix DIR]
# --prefix: the DIR given to install.sh (the library is in DIR/lib/auroraodbc).
set -euo pipefail
mode=user
prefix=""
while [ $# -gt 0 ]; do
  case "$1" in
    --system) mode=system ;;
    --user) mode=user ;;
    --prefix) prefix="$2"; shift ;;
    -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
if [ -z "$prefix" ]; then
  if [ "$mode" = system ]; then prefix=/usr/local; else prefix="$HOME/.local"; fi
fi
if [ "$mode" = system ]; then
  odbcinst -u -d -n auroraodbc >/dev/null 2>&1 || true
  rm -rf "$prefix/lib/auroraodbc"
  echo "removed the system-wide auroraodbc registration"
else
  ini="$HOME/.odbcinst.ini"
  if [ -f "$ini" ]; then
    awk 'BEGIN{skip=0} /^\[/{skip=($0=="[auroraodbc]")} !skip' "$ini" > "$ini.tmp" && mv "$ini.tmp" "$ini"
  fi
  rm -rf "$prefix/lib/auroraodbc"
  echo "removed the auroraodbc registration of $(id -un)"
fi
