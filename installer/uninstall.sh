#!/usr/bin/env bash
# Removes the auroraodbc driver registration made by install.sh.
#   installer/uninstall.sh [--system]
set -euo pipefail
mode=user
[ "${1:-}" = "--system" ] && mode=system
if [ "$mode" = system ]; then
  odbcinst -u -d -n auroraodbc >/dev/null 2>&1 || true
  rm -rf /usr/local/lib/auroraodbc
  echo "removed the system-wide auroraodbc registration"
else
  ini="$HOME/.odbcinst.ini"
  if [ -f "$ini" ]; then
    awk 'BEGIN{skip=0} /^\[/{skip=($0=="[auroraodbc]")} !skip' "$ini" > "$ini.tmp" && mv "$ini.tmp" "$ini"
  fi
  rm -rf "$HOME/.local/lib/auroraodbc"
  echo "removed the auroraodbc registration of $(id -un)"
fi
