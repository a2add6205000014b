#!/usr/bin/env bash
# Installs what building and testing auroraodbc needs on a Debian machine: the unixODBC driver
# manager and headers, PostgreSQL 15 (the tests start their own servers), psqlODBC (for the
# side-by-side benchmarks), iODBC, a C compiler, pyodbc (a pinned version: tests/pyodbc_suite.rs
# runs the PostgreSQL suite of that version's sdist, with pytest and a de_DE locale built from
# the `locales` sources), arrow-odbc (with the pyarrow it
# needs) for the bulk read/write suite, and the tools installer/package.sh builds .deb and .rpm
# packages with (dpkg-dev, rpm, binutils; cpio to look inside an .rpm), and valgrind for
# tests/sanitizers.rs. Safe to run again.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# postgresql-15 carries the contrib extensions (since PostgreSQL 10 there is no separate
# -contrib package on Debian): tests/large_objects.rs needs its `lo`.
packages=(unixodbc unixodbc-dev odbc-postgresql postgresql-15 postgresql-client-15 libiodbc2 iodbc openssl curl gcc pkg-config python3 python3-pip
  locales dpkg-dev rpm binutils cpio valgrind)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -q
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# Debian's postgresql package may start a cluster of its own; the tests never use it.
pyodbc_version=5.5.0  # the same as PYODBC_VERSION in tests/pyodbc_suite.rs
if [ "$(python3 -c 'import pyodbc; print(pyodbc.version)' 2>/dev/null)" != "$pyodbc_version" ]; then
  python3 -m pip install --quiet "pyodbc==$pyodbc_version" 2>/dev/null \
    || python3 -m pip install --quiet --break-system-packages "pyodbc==$pyodbc_version"
fi
if ! python3 -c "import pytest" >/dev/null 2>&1; then
  python3 -m pip install --quiet pytest 2>/dev/null || python3 -m pip install --quiet --break-system-packages pytest
fi
if ! python3 -c "import arrow_odbc, pyarrow" >/dev/null 2>&1; then
  python3 -m pip install --quiet arrow-odbc 2>/dev/null || python3 -m pip install --quiet --break-system-packages arrow-odbc
fi

# cargo-fuzz, for fuzz/run.sh (CI's short fuzzing runs), on the nightly toolchain it needs.
if command -v rustup >/dev/null 2>&1 && ! rustup run nightly rustc --version >/dev/null 2>&1; then
  rustup toolchain install nightly --profile minimal >/dev/null 2>&1
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  cargo install --quiet --locked cargo-fuzz
fi
