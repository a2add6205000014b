# Shared by the benchmark scripts: checks, a work directory removed on exit, the release build
# of the driver, the benchmark client compiled against unixODBC, a private PostgreSQL 15 on a
# free loopback port, and odbcinst.ini registering auroraodbc and psqlODBC. The caller sets
# BENCH_NAME and BENCH_CLIENT (a C file in benches/ without .c) and sources this file; it gets
# $WORK, $PORT, $PGDATA, $DRIVER, $CLIENT (pid slot for cleanup) and $common (odbc.ini keys for
# psqlODBC and auroraodbc alike), and start_postgres for a further private server.
# BENCH_NO_SERVER=1 skips the private server (no $PORT, no $common: the caller brings its own,
# as benches/run_scale.sh does with the stand-in cluster), and BENCH_CARGO_ARGS adds to the
# release build (e.g. `--bin auroraodbc-standin`).
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
# Data directories of the servers started so far: each is stopped on exit.
PG_DATADIRS=()

# Server tools refuse to run as root: run them as the postgres user then.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

CLIENT=""
cleanup() {
  local rc=$?
  if [ -n "$CLIENT" ]; then kill "$CLIENT" 2>/dev/null || true; wait "$CLIENT" 2>/dev/null || true; fi
  local dir
  for dir in "${PG_DATADIRS[@]}"; do
    as_pg "$PG_BIN/pg_ctl" -D "$dir" -m immediate -w stop >/dev/null 2>&1 || true
  done
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

# A free loopback port: ask the kernel for one.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# start_postgres DATADIR PORT [SERVER-OPTION...]: a throw-away PostgreSQL 15 in DATADIR (trust
# authentication, its socket in DATADIR) listening on 127.0.0.1:PORT, with the settings every
# benchmark uses plus the given `-c name=value` options; stopped on exit.
start_postgres() {
  local dir="$1" port="$2"
  shift 2
  echo "== starting PostgreSQL on 127.0.0.1:$port" >&2
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    chmod 711 "$WORK"
    chown postgres:postgres "$dir"
  fi
  as_pg "$PG_BIN/initdb" -D "$dir" --no-sync -A trust -U postgres -E UTF8 --locale=C >"$WORK/initdb.log" 2>&1 \
    || { cat "$WORK/initdb.log" >&2; die "initdb failed"; }
  PG_DATADIRS+=("$dir")
  as_pg "$PG_BIN/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -c unix_socket_directories=$dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off $*" \
    start >/dev/null || { cat "$dir/server.log" >&2; die "PostgreSQL did not start"; }
}

if [ -z "${BENCH_NO_SERVER:-}" ]; then
  PORT="$(free_port)"
  start_postgres "$PGDATA" "$PORT"
fi

# run_client LABEL COMMAND...: runs a benchmark client in the background, so that an interrupt
# reaches the cleanup at once, and waits for it. Its output is left in $out and its RESULT line
# in $line (also printed as "LABEL: ..."); a client that fails ends the script with its output.
run_client() {
  local label="$1" status=0
  shift
  "$@" >"$WORK/out" 2>&1 &
  CLIENT=$!
  wait "$CLIENT" || status=$?
  CLIENT=""
  out="$(cat "$WORK/out")"
  [ "$status" -eq 0 ] || die "$label failed: $out"
  line="$(grep '^RESULT ' <<<"$out")"
  echo "$label: $line" >&2
}

# result NAME: the value of NAME=... in the last client's RESULT line.
result() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }

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
