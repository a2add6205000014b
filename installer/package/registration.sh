# The driver's entry in the driver managers' odbcinst.ini, shared by the .deb maintainer scripts
# and the .rpm scriptlets: package.sh puts this text in front of each. POSIX sh (dash runs it).
# The caller sets DRIVER_NAME, DRIVER_LIB (the installed library) and DRIVER_TEMPLATE (an ini
# file holding the [DRIVER_NAME] section).
#
# unixODBC counts the installers of a driver in UsageCount: `odbcinst -i -d` adds one and
# rewrites the keys, `odbcinst -u -d` takes one away and deletes the entry at zero. A package is
# one installer however often it is upgraded, so an upgrade must leave the count where it was.

driver_registered() {
  odbcinst -q -d -n "$DRIVER_NAME" >/dev/null 2>&1
}

# $1 = install | upgrade. An upgrade (or a reinstall over itself) rewrites the entry's keys and
# gives back the count that rewriting added; an install, or an upgrade that finds the entry
# gone, counts one installer more.
register_driver() {
  if [ "$1" = upgrade ] && driver_registered; then
    odbcinst -i -d -f "$DRIVER_TEMPLATE" >/dev/null
    odbcinst -u -d -n "$DRIVER_NAME" >/dev/null
  else
    odbcinst -i -d -f "$DRIVER_TEMPLATE" >/dev/null
  fi
  iodbc_register
}

# Removal: one installer fewer; unixODBC deletes the entry when none is left.
unregister_driver() {
  if driver_registered; then
    odbcinst -u -d -n "$DRIVER_NAME" >/dev/null || true
  fi
  iodbc_unregister
}

# Purge: an entry still naming the removed library serves nobody, whatever its count says.
forget_driver() {
  command -v odbcinst >/dev/null 2>&1 || return 0
  tries=0
  while [ "$tries" -lt 50 ] && odbcinst -q -d -n "$DRIVER_NAME" 2>/dev/null | grep -qx "Driver=$DRIVER_LIB"; do
    odbcinst -u -d -n "$DRIVER_NAME" >/dev/null 2>&1 || break
    tries=$((tries + 1))
  done
  iodbc_unregister
}

# iODBC's system odbcinst.ini when iODBC keeps one apart from unixODBC's. Debian's and Fedora's
# iODBC read /etc/odbcinst.ini, the file odbcinst writes, so they need nothing more; a build of
# iODBC with its own file says where it is through iodbc-config (its development package).
iodbc_ini() {
  command -v iodbc-config >/dev/null 2>&1 || return 0
  iodbc_file=$(iodbc-config --odbcinstini 2>/dev/null) || return 0
  [ -n "$iodbc_file" ] || return 0
  unixodbc_file=""
  if command -v odbcinst >/dev/null 2>&1; then
    unixodbc_file=$(odbcinst -j 2>/dev/null | sed -n 's/^DRIVERS\.*: *//p')
  fi
  [ "$iodbc_file" = "$unixodbc_file" ] && return 0
  printf '%s\n' "$iodbc_file"
}

# Drops [DRIVER_NAME] and its line under [ODBC Drivers] from the ini file $1, keeping the rest
# (and the file's owner and mode: it is rewritten in place). Runs of blank lines become one.
ini_drop_driver() {
  awk -v name="$DRIVER_NAME" '
    /^[ \t]*\[/ { section = $0; skip = (section == "[" name "]") }
    skip { next }
    section == "[ODBC Drivers]" && $0 ~ ("^" name "[ \t]*=") { next }
    /^[ \t]*$/ { if (blank) next; blank = 1; print; next }
    { blank = 0; print }
  ' "$1" > "$1.auroraodbc-tmp"
  cat "$1.auroraodbc-tmp" > "$1"
  rm -f "$1.auroraodbc-tmp"
}

# iODBC lists drivers under [ODBC Drivers] as NAME=Installed, next to the driver's section.
iodbc_register() {
  iodbc_file=$(iodbc_ini)
  [ -n "$iodbc_file" ] || return 0
  mkdir -p "$(dirname "$iodbc_file")"
  touch "$iodbc_file"
  ini_drop_driver "$iodbc_file"
  if grep -q '^\[ODBC Drivers\]' "$iodbc_file"; then
    awk -v name="$DRIVER_NAME" '{ print } $0 == "[ODBC Drivers]" { print name "=Installed" }' \
      "$iodbc_file" > "$iodbc_file.auroraodbc-tmp"
    cat "$iodbc_file.auroraodbc-tmp" > "$iodbc_file"
    rm -f "$iodbc_file.auroraodbc-tmp"
  else
    printf '[ODBC Drivers]\n%s=Installed\n' "$DRIVER_NAME" >> "$iodbc_file"
  fi
  if [ -n "$(tail -c 1 "$iodbc_file")" ]; then printf '\n' >> "$iodbc_file"; fi
  if [ -n "$(tail -n 1 "$iodbc_file")" ]; then printf '\n' >> "$iodbc_file"; fi
  grep -v '^UsageCount' "$DRIVER_TEMPLATE" >> "$iodbc_file"
}

iodbc_unregister() {
  iodbc_file=$(iodbc_ini)
  [ -n "$iodbc_file" ] && [ -f "$iodbc_file" ] || return 0
  ini_drop_driver "$iodbc_file"
}
