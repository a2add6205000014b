#!/usr/bin/env bash
# Connect benchmark: connect + `SELECT 1` + disconnect, auroraodbc vs psqlODBC, against one
# private PostgreSQL 15 server (loopback, trust authentication).
#
#   benches/run_connect.sh [CONNECTS] [RUNS] [THREADS] [SECURITY]
#       (defaults: 2000 connects, 5 runs per configuration, 16 threads for the churn mode,
#       SECURITY plain)
#
# Configurations: auroraodbc with the default plugin chain (no `plugins` key), auroraodbc with
# `plugins=` (no plugins), psqlODBC with its default settings. Modes: `serial` (one thread,
# CONNECTS rounds one after another: the latency an application connecting per request pays)
# and `churn` (THREADS threads sharing CONNECTS rounds, each connecting, querying and
# disconnecting in a loop: throughput). Prints the median microseconds per connect and the
# median client CPU per connect of each. Setup (build, server, private ini files) as
# benches/run.sh.
#
# SECURITY `all` adds, in the same runs (interleaved with the plain ones), serial rounds of the
# same three configurations where authentication and encryption dominate:
#   tls        sslmode=require (`SSLMode=require` on both drivers) against a second private
#              server with ssl=on and a self-signed RSA-2048 certificate made here by openssl;
#              trust authentication
#   scram      a role with a password, pg_hba `scram-sha-256` for its host connections,
#              password_encryption=scram-sha-256, against the plain server (each driver's
#              default sslmode: auroraodbc's prefer asks once and is refused, psqlODBC's sends
#              nothing)
#   tls-scram  both: the SCRAM role over sslmode=require on the TLS server (both drivers use
#              channel binding, SCRAM-SHA-256-PLUS, there)
# and prints a table per mode with the difference from psqlODBC in milliseconds. A
# comma-separated list (`plain,tls`) picks modes; `plain` alone is the default.
#
# BENCH_WRAP, when set, is put before each run of the client (split on spaces), for profiling:
#   BENCH_WRAP="strace -f -c -o /tmp/connect.strace" benches/run_connect.sh 100 1 1 tls
# (each run overwrites what the previous one wrote unless the tool appends; `-ff`, perf's
# `-o` with a unique name or one configuration per invocation keep them apart).
CONNECTS="${1:-2000}"
RUNS="${2:-5}"
THREADS="${3:-16}"
SECURITY="${4:-plain}"
BENCH_NAME=run_connect.sh
BENCH_CLIENT=connect

# Which security modes run: plain (the server of setup.sh, trust) and any of the others.
if [ "$SECURITY" = all ]; then SECURITY=plain,tls,scram,tls-scram; fi
declare -A WANT=()
IFS=, read -r -a wanted <<<"$SECURITY"
for m in "${wanted[@]}"; do
  case "$m" in
    plain | tls | scram | tls-scram) WANT[$m]=1 ;;
    *) echo "run_connect.sh: unknown security mode '$m' (plain, tls, scram, tls-scram or all)" >&2; exit 2 ;;
  esac
done

# shellcheck source=benches/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

CONFIGS=(bench_aurora bench_aurora_bare bench_psql)
declare -A LABEL=(
  [bench_aurora]="auroraodbc, default plugin chain"
  [bench_aurora_bare]="auroraodbc, \`plugins=\` (no plugins)"
  [bench_psql]="psqlODBC (default settings)"
)
declare -A DRIVER_KEYS=(
  [bench_aurora]="Driver=auroraodbc"
  [bench_aurora_bare]="Driver=auroraodbc
plugins="
  [bench_psql]="Driver=psqlodbc"
)

# Three DSNs (one per configuration) for a mode: SUFFIX, then the lines every one of them gets.
dsns() {
  local suffix="$1" keys="$2" cfg
  for cfg in "${CONFIGS[@]}"; do
    printf '[%s%s]\n%s\n%s\n\n' "$cfg" "$suffix" "${DRIVER_KEYS[$cfg]}" "$keys"
  done
}

dsns "" "$common" >"$WORK/odbc.ini"

SECURE_MODES=()
for m in tls scram tls-scram; do
  if [ -n "${WANT[$m]:-}" ]; then SECURE_MODES+=("$m"); fi
done
if [ "${#SECURE_MODES[@]}" -gt 0 ]; then
  SCRAM_ROLE=bench_scram
  SCRAM_PASSWORD="$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
  # The SCRAM role on a server, and its pg_hba.conf: local connections (psql here) trust, then
  # HOST-KIND lines for 127.0.0.1: the SCRAM role must answer a scram-sha-256 challenge, every
  # other role is trusted. On the TLS server HOST-KIND is hostssl, so that a connection that
  # did not encrypt is refused rather than measured.
  add_scram_role() {
    local dir="$1" port="$2" kind="$3"
    as_pg "$PG_BIN/psql" -X -q -h "$dir" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 \
      -c "SET password_encryption = 'scram-sha-256'" \
      -c "CREATE ROLE $SCRAM_ROLE LOGIN PASSWORD '$SCRAM_PASSWORD'" >/dev/null \
      || die "cannot create the SCRAM role"
    printf 'local all all trust\n%s all %s 127.0.0.1/32 scram-sha-256\n%s all all 127.0.0.1/32 trust\n' \
      "$kind" "$SCRAM_ROLE" "$kind" >"$dir/pg_hba.conf"
    as_pg "$PG_BIN/pg_ctl" -D "$dir" reload >/dev/null || die "reload failed"
  }
  add_scram_role "$PGDATA" "$PORT" host

  # A self-signed server certificate (RSA 2048, as a typical private CA would issue), the key
  # private to the server's user as PostgreSQL insists.
  TLS_DIR="$WORK/tls"
  mkdir -p "$TLS_DIR"
  chmod 755 "$TLS_DIR"
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TLS_DIR/server.key" -out "$TLS_DIR/server.pem" \
    -days 2 -subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 >/dev/null 2>&1 \
    || die "openssl could not make a certificate"
  chmod 600 "$TLS_DIR/server.key"
  if [ "$(id -u)" -eq 0 ]; then chown postgres "$TLS_DIR/server.key" "$TLS_DIR/server.pem"; fi
  TLS_PORT="$(free_port)"
  start_postgres "$WORK/pgdata-tls" "$TLS_PORT" -c ssl=on -c "ssl_cert_file=$TLS_DIR/server.pem" \
    -c "ssl_key_file=$TLS_DIR/server.key" -c password_encryption=scram-sha-256
  add_scram_role "$WORK/pgdata-tls" "$TLS_PORT" hostssl

  # The servers have taken the new pg_hba.conf (a reload is asynchronous) when what must be
  # refused is: the SCRAM role without its password, and a connection without TLS on the TLS
  # server. Then what must work does.
  refused() { ! PGCONNECT_TIMEOUT=5 "$PG_BIN/psql" -X -w -At -d "$1" -c 'SELECT 1' >/dev/null 2>&1; }
  for _ in $(seq 1 50); do
    if refused "host=127.0.0.1 port=$PORT dbname=postgres user=$SCRAM_ROLE sslmode=disable" \
      && refused "host=127.0.0.1 port=$TLS_PORT dbname=postgres user=postgres sslmode=disable"; then
      break
    fi
    sleep 0.1
  done
  refused "host=127.0.0.1 port=$PORT dbname=postgres user=$SCRAM_ROLE sslmode=disable" \
    || die "the SCRAM role logs in without a password"
  refused "host=127.0.0.1 port=$TLS_PORT dbname=postgres user=postgres sslmode=disable" \
    || die "the TLS server takes connections without TLS"
  ! PGPASSWORD="$SCRAM_PASSWORD" refused "host=127.0.0.1 port=$TLS_PORT dbname=postgres user=$SCRAM_ROLE sslmode=require" \
    || die "the SCRAM role cannot log in over TLS"

  tls_common="Servername=127.0.0.1
Port=$TLS_PORT
Database=postgres
SSLMode=require"
  {
    dsns _tls "$tls_common
Username=postgres"
    dsns _scram "Servername=127.0.0.1
Port=$PORT
Database=postgres
Username=$SCRAM_ROLE
Password=$SCRAM_PASSWORD"
    dsns _tls-scram "$tls_common
Username=$SCRAM_ROLE
Password=$SCRAM_PASSWORD"
  } >>"$WORK/odbc.ini"
fi

# Rounds to run: "mode dsn-suffix threads" (plain keeps its serial and churn modes).
ROUNDS=()
if [ -n "${WANT[plain]:-}" ]; then ROUNDS+=("serial '' 1" "churn '' $THREADS"); fi
for m in "${SECURE_MODES[@]}"; do ROUNDS+=("$m _$m 1"); done

declare -A US CPU
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"

for run in $(seq 1 "$RUNS"); do
  for round in "${ROUNDS[@]}"; do
    eval "set -- $round"
    mode="$1" suffix="$2" threads="$3"
    for cfg in "${CONFIGS[@]}"; do
      # shellcheck disable=SC2086 # BENCH_WRAP is a command line, split on purpose.
      run_client "run $run $mode $cfg" ${BENCH_WRAP:-} "$WORK/connect" "DSN=$cfg$suffix" "$CONNECTS" "$threads"
      US[$cfg/$mode]+="$(result us_per_connect) "
      CPU[$cfg/$mode]+="$(result client_cpu_us_per_connect) "
    done
  done
done

median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2fx", a / b}'; }
# Microseconds A minus B, in milliseconds with a sign.
diff_ms() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%+.2f ms", (a - b) / 1000}'; }

LOAD_AFTER="$(cut -d' ' -f1-3 /proc/loadavg)"
if [ -n "${WANT[plain]:-}" ]; then
  echo
  echo "$CONNECTS connects per run, median of $RUNS runs: microseconds per connect + \`SELECT 1\` (fetched and"
  echo "checked) + disconnect, wall time divided by connects; client CPU is the user + system time of the"
  echo "client process (driver threads included) per connect. Churn: $THREADS threads sharing the connects."
  echo "Load average before/after: $LOAD_BEFORE / $LOAD_AFTER."
  echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on loopback, trust authentication; psqlODBC $(dpkg-query -W -f '${Version}' odbc-postgresql 2>/dev/null || echo unknown); $(nproc) cores."
  echo
  echo "| driver, setting | serial | client CPU | vs psqlODBC | churn, $THREADS threads | client CPU | vs psqlODBC |"
  echo "|---|---|---|---|---|---|---|"
  for cfg in "${CONFIGS[@]}"; do
    s="$(median "${US[$cfg/serial]}")"
    c="$(median "${US[$cfg/churn]}")"
    printf '| %s | %s µs | %s µs | %s | %s µs | %s µs | %s |\n' "${LABEL[$cfg]}" \
      "$s" "$(median "${CPU[$cfg/serial]}")" "$(ratio "$s" "$(median "${US[bench_psql/serial]}")")" \
      "$c" "$(median "${CPU[$cfg/churn]}")" "$(ratio "$c" "$(median "${US[bench_psql/churn]}")")"
  done
fi

if [ "${#SECURE_MODES[@]}" -gt 0 ]; then
  declare -A TITLE=(
    [tls]="TLS: sslmode=require, trust authentication"
    [scram]="SCRAM-SHA-256 login, no TLS (each driver's default sslmode; the server has none)"
    [tls-scram]="TLS + SCRAM: sslmode=require, SCRAM-SHA-256-PLUS (channel binding)"
  )
  echo
  echo "Serial, $CONNECTS connects per run, median of $RUNS runs (interleaved with the other modes): wall"
  echo "time and client CPU per connect + \`SELECT 1\` + disconnect, and the difference from psqlODBC."
  echo "Load average before/after: $LOAD_BEFORE / $LOAD_AFTER. PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}'),"
  echo "OpenSSL $(openssl version | awk '{print $2}'), self-signed RSA-2048 server certificate; $(nproc) cores."
  for m in "${SECURE_MODES[@]}"; do
    echo
    echo "${TITLE[$m]}:"
    echo
    echo "| driver, setting | wall | client CPU | vs psqlODBC | wall - psqlODBC | CPU - psqlODBC |"
    echo "|---|---|---|---|---|---|"
    pw="$(median "${US[bench_psql/$m]}")"
    pc="$(median "${CPU[bench_psql/$m]}")"
    for cfg in "${CONFIGS[@]}"; do
      w="$(median "${US[$cfg/$m]}")"
      c="$(median "${CPU[$cfg/$m]}")"
      printf '| %s | %s µs | %s µs | %s | %s | %s |\n' "${LABEL[$cfg]}" "$w" "$c" "$(ratio "$w" "$pw")" \
        "$(diff_ms "$w" "$pw")" "$(diff_ms "$c" "$pc")"
    done
  done
fi
