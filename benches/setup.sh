# Shared by the benchmark scripts: checks, a work directory removed on exit, the release build
# of the driver, the benchmark client compiled against unixODBC, a private PostgreSQL 15 on a
# free loopback port, and odbcinst.ini registering auroraodbc and psqlODBC. The caller sets
# BENCH_NAME and BENCH_CLIENT (a C file in benches/ without .c) and sources this file; it gets
# $WORK, $PORT, $DRIVER, $CLIENT (pid slot for cleanup) and $common (odbc.ini keys for psqlODBC
# and auroraodbc alike). BENCH_NO_SERVER=1 skips the private server (no $PORT, no $common: the
# caller brings its own, as benches/run_scale.sh does with the stand-in cluster), and
# BENCH_CARGO_ARGS adds to the release build (e.g. `--bin auroraodbc-standin`).
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PG_BIN="${PG_BIN:-/usr/lib/postgresql/15/bin}"
PSQLODBC="${PSQLODBC:-/usr/lib/x86_64-linux-gnu/odbc/psqlodbcw.so}"
TARGET_DIR="${CARGO_TARGET_DIR:-$REPO/target}"

die() { echo "$BENCH_NAME: $*" >&2; exit 1; }
[ -x "$PG_BIN/initdb" ] || die "no PostgreSQL 15 at $PG_BIN (run installer/deps.sh)"
[ -f "$PSQLODBC" ] || die "no psqlODBC at $PSQLODBC (run installer/deps.sh)"
[ -f /usr/include/sql.h ] || die "no unixODBC headers (run installer/deps.sh)"
command -v cargo >/dev/null || die "cargo is not on PATH"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/auroraodbc-$BENCH_NAME.XXXXXX")"
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
# shellcheck disable=SC2086 # BENCH_CARGO_ARGS is a list of words
(cd "$REPO" && cargo build --release --lib ${BENCH_CARGO_ARGS:-} >&2)
DRIVER="$TARGET_DIR/release/libauroraodbc.so"
[ -f "$DRIVER" ] || die "driver not built at $DRIVER"

echo "== compiling benches/$BENCH_CLIENT.c" >&2
cc -O2 -Wall -o "$WORK/$BENCH_CLIENT" "$REPO/benches/$BENCH_CLIENT.c" -lodbc

if [ -z "${BENCH_NO_SERVER:-}" ]; then
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
fi

# Private driver-manager configuration: both drivers (the caller writes odbc.ini).
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
Port=${PORT:-}
Database=postgres
Username=postgres"
