#!/usr/bin/env bash
# Bulk-insert benchmark: auroraodbc vs psqlODBC against one private PostgreSQL 15 server.
#
#   benches/run_bulk.sh [ROWS] [RUNS] [ARRAY]   (defaults: 1000000 rows, 3 runs, arrays of 1000)
#
# Builds the driver (cargo build --release --lib; CARGO_TARGET_DIR is respected), compiles
# benches/bulk_insert.c against unixODBC, starts a throw-away PostgreSQL 15 on a free loopback
# port, registers both drivers in private odbcinst.ini/odbc.ini files (nothing under /etc is
# touched), runs each driver RUNS times (interleaved) and prints a Markdown table with the
# median wall time, the median client CPU time and the highest peak RSS of each. Every run
# checks the inserted table with SQL and fails the script if a row is missing or wrong.
#
# Needs what installer/deps.sh installs (unixODBC, odbc-postgresql, postgresql-15, gcc) and cargo.
# Environment: PG_BIN (default /usr/lib/postgresql/15/bin), PSQLODBC (default Debian's
# psqlodbcw.so), CARGO_BUILD_JOBS (passed to cargo as usual).
set -euo pipefail

ROWS="${1:-1000000}"
RUNS="${2:-3}"
ARRAY="${3:-1000}"
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PSQLODBC="${PSQLODBC:-/usr/lib/x86_64-linux-gnu/odbc/psqlodbcw.so}"
TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"

die() { echo "run_bulk.sh: $*" >&2; exit 1; }
[ -x "$PG_BIN/initdb" ] || die "no PostgreSQL 15 at $PG_BIN (run installer/deps.sh)"
[ -f "$PSQLODBC" ] || die "no psqlODBC at $PSQLODBC (run installer/deps.sh)"
[ -f /usr/include/sql.h ] || die "no unixODBC headers (run installer/deps.sh)"
command -v cargo >/dev/null || die "cargo is not on PATH"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/auroraodbc-bulk.XXXXXX")"
PGDATA="$WORK/pgdata"
PG_STARTED=0

# Server tools refuse to run as root: run them as the postgres user then.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

CLIENT=""
cleanup() {
  local rc=$?
  if [ -n "$CLIENT" ]; then kill "$CLIENT" 2>/dev/null || true; wait "$CLIENT" 2>/dev/null || true; fi
  if [ "$PG_STARTED" -eq 1 ]; then
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$WORK"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== building the driver (release)" >&2
(cd "$REPO" && cargo build --release --lib >&2)
DRIVER="$TARGET_DIR/release/libauroraodbc.so"
[ -f "$DRIVER" ] || die "driver not built at $DRIVER"

echo "== compiling benches/bulk_insert.c" >&2
cc -O2 -Wall -o "$WORK/bulk_insert" "$REPO/benches/bulk_insert.c" -lodbc

# A free loopback port: ask the kernel for one.
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

echo "== starting PostgreSQL on 127.0.0.1:$PORT" >&2
mkdir -p "$PGDATA"
if [ "$(id -u)" -eq 0 ]; then
  chmod 711 "$WORK"
  chown postgres:postgres "$PGDATA"
fi
as_pg "$PG_BIN/initdb" -D "$PGDATA" --no-sync -A trust -U postgres -E UTF8 --locale=C >"$WORK/initdb.log" 2>&1 \
  || { cat "$WORK/initdb.log" >&2; die "initdb failed"; }
as_pg "$PG_BIN/pg_ctl" -D "$PGDATA" -l "$PGDATA/server.log" -w -t 60 \
  -o "-c listen_addresses=127.0.0.1 -p $PORT -c unix_socket_directories=$PGDATA -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >/dev/null || { cat "$PGDATA/server.log" >&2; die "PostgreSQL did not start"; }
PG_STARTED=1

# Private driver-manager configuration: both drivers, one DSN each.
export ODBCSYSINI="$WORK" ODBCINSTINI=odbcinst.ini ODBCINI="$WORK/odbc.ini"
cat >"$WORK/odbcinst.ini" <<EOF
[auroraodbc]
Description=auroraodbc (this build)
Driver=$DRIVER
Threading=0

[psqlodbc]
Description=psqlODBC (Debian odbc-postgresql)
Driver=$PSQLODBC
EOF
# psqlODBC's own odbc.ini key names (it reads Servername/Username there, not Server/UID).
common="Servername=127.0.0.1
Port=$PORT
Database=postgres
Username=postgres"
cat >"$WORK/odbc.ini" <<EOF
[bulk_aurora]
Driver=auroraodbc
$common

[bulk_psql]
Driver=psqlodbc
$common
EOF

CONFIGS=(bulk_aurora bulk_psql)
declare -A LABEL=(
  [bulk_aurora]="auroraodbc (default)"
  [bulk_psql]="psqlODBC (default settings)"
)
declare -A TIMES RSS CPU
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"

for run in $(seq 1 "$RUNS"); do
  for cfg in "${CONFIGS[@]}"; do
    # In the background and waited for, so that an interrupt reaches the cleanup at once.
    "$WORK/bulk_insert" "DSN=$cfg" "$ROWS" "$ARRAY" >"$WORK/out" 2>&1 &
    CLIENT=$!
    status=0
    wait "$CLIENT" || status=$?
    CLIENT=""
    out="$(cat "$WORK/out")"
    [ "$status" -eq 0 ] || die "$cfg failed: $out"
    line="$(grep '^RESULT ' <<<"$out")"
    echo "run $run $cfg: $line" >&2
    TIMES[$cfg]+="$(sed -n 's/.* seconds=\([0-9.]*\).*/\1/p' <<<"$line") "
    RSS[$cfg]+="$(sed -n 's/.* maxrss_kb=\([0-9]*\).*/\1/p' <<<"$line") "
    CPU[$cfg]+="$(sed -n 's/.* cpu_seconds=\([0-9.]*\).*/\1/p' <<<"$line") "
  done
done

median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
max_mb() { tr ' ' '\n' <<<"$1" | grep . | sort -g | tail -1 | awk '{printf "%.1f", $1/1024}'; }

pg_version="$("$PG_BIN/postgres" --version | awk '{print $3}')"
psqlodbc_version="$(dpkg-query -W -f '${Version}' odbc-postgresql 2>/dev/null || echo unknown)"
echo
echo "$ROWS rows of (int4, int8, float8, text) inserted through parameter arrays of $ARRAY (column-wise"
echo "binding, one SQLExecute per array, autocommit), median of $RUNS runs; peak RSS is the highest of the runs."
echo "Time: wall seconds from the first SQLExecute to the last. Client CPU: user + system seconds of the"
echo "client process (all threads). Load average before/after: $LOAD_BEFORE / $(cut -d' ' -f1-3 /proc/loadavg)."
echo "PostgreSQL $pg_version on loopback; psqlODBC $psqlodbc_version; $(nproc) cores; $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)."
echo "Every run's table was checked with SQL (count, sums, every value)."
echo
echo "| driver, setting | insert time | rows/s | client CPU | peak RSS |"
echo "|---|---|---|---|---|"
for cfg in "${CONFIGS[@]}"; do
  t="$(median "${TIMES[$cfg]}")"
  printf '| %s | %s s | %s | %s s | %s MB |\n' "${LABEL[$cfg]}" "$t" \
    "$(awk -v n="$ROWS" -v t="$t" 'BEGIN {printf "%.0f", n / t}')" "$(median "${CPU[$cfg]}")" "$(max_mb "${RSS[$cfg]}")"
done
