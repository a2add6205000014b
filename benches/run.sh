#!/usr/bin/env bash
# Fetch benchmark: auroraodbc vs psqlODBC against one private PostgreSQL 15 server.
#
#   benches/run.sh [ROWS] [RUNS]        (defaults: 1000000 rows, 3 runs per configuration)
#
# Builds the driver (cargo build --release --lib; CARGO_TARGET_DIR is respected), compiles
# benches/fetch.c against unixODBC, starts a throw-away PostgreSQL 15 on a free loopback port,
# registers both drivers in private odbcinst.ini/odbc.ini files (nothing under /etc is touched),
# runs every configuration RUNS times (interleaved) and prints a Markdown table with the median
# wall time, the median client CPU time and the highest peak RSS of each. Every run's checksum must match every other's.
# The floor is measured in the same run: the server producing the same rows with no client
# decoding them (COPY of the query to /dev/null in binary format).
#
# Needs what installer/deps.sh installs (unixODBC, odbc-postgresql, postgresql-15, gcc) and cargo.
# Environment: PG_BIN (default /usr/lib/postgresql/15/bin), PSQLODBC (default Debian's
# psqlodbcw.so), CARGO_BUILD_JOBS (passed to cargo as usual).
set -euo pipefail

ROWS="${1:-1000000}"
RUNS="${2:-3}"
BENCH_NAME=run.sh
BENCH_CLIENT=fetch
# shellcheck source=benches/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

cat >"$WORK/odbc.ini" <<EOF
[bench_aurora]
Driver=auroraodbc
$common

[bench_psql_default]
Driver=psqlodbc
$common
UseDeclareFetch=0

[bench_psql_bounded]
Driver=psqlodbc
$common
UseDeclareFetch=1
Fetch=10000
EOF

CONFIGS=(bench_aurora bench_psql_default bench_psql_bounded)
declare -A LABEL=(
  [bench_aurora]="auroraodbc (default)"
  [bench_psql_default]="psqlODBC default (UseDeclareFetch=0)"
  [bench_psql_bounded]="psqlODBC bounded (UseDeclareFetch=1;Fetch=10000)"
)
MODES=(getdata block)
declare -A TIMES RSS CPU
CHECKSUM=""
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"

for run in $(seq 1 "$RUNS"); do
  for mode in "${MODES[@]}"; do
    for cfg in "${CONFIGS[@]}"; do
      run_client "run $run $cfg/$mode" "$WORK/fetch" "DSN=$cfg" "$mode" "$ROWS"
      secs="$(result seconds)"
      kb="$(result maxrss_kb)"
      cpu="$(result cpu_seconds)"
      sum="$(result checksum)"
      if [ -z "$CHECKSUM" ]; then CHECKSUM="$sum"; fi
      [ "$sum" = "$CHECKSUM" ] || die "$cfg/$mode returned different data (checksum $sum, expected $CHECKSUM)"
      TIMES[$cfg/$mode]+="$secs "
      RSS[$cfg/$mode]+="$kb "
      CPU[$cfg/$mode]+="$cpu "
    done
  done
done

# The floor: the server producing the same rows alone, with no client decoding them
# (COPY of the query to /dev/null in binary format, timed by psql's \timing: the statement's
# round trip, not psql's start).
PSQL=("$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres -d postgres)
QUERY="SELECT g::int4, g::int8, g::float8 * 1.5, 'text-' || g || '-abcdefgh' FROM generate_series(1, $ROWS) g"
SERVER_TIMES=""
for run in $(seq 1 "$RUNS"); do
  ms="$("${PSQL[@]}" -c '\timing on' -c "COPY ($QUERY) TO '/dev/null' (FORMAT binary)" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')"
  [ -n "$ms" ] || die "server-alone run $run printed no time"
  SERVER_TIMES+="$(awk -v m="$ms" 'BEGIN {printf "%.3f", m / 1000}') "
  echo "run $run server alone: $ms ms" >&2
done

median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
max_mb() { tr ' ' '\n' <<<"$1" | grep . | sort -g | tail -1 | awk '{printf "%.1f", $1/1024}'; }

pg_version="$("$PG_BIN/postgres" --version | awk '{print $3}')"
psqlodbc_version="$(dpkg-query -W -f '${Version}' odbc-postgresql 2>/dev/null || echo unknown)"
echo
echo "$ROWS rows of (int4, int8, float8, text), median of $RUNS runs; peak RSS is the highest of the runs."
echo "Time: wall seconds from SQLExecDirect to the last fetch. Client CPU: user + system seconds of the"
echo "client process (all threads). Load average before/after: $LOAD_BEFORE / $(cut -d' ' -f1-3 /proc/loadavg)."
echo "PostgreSQL $pg_version on loopback; psqlODBC $psqlodbc_version; $(nproc) cores; $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)."
echo "All runs returned identical data (checksum $CHECKSUM)."
echo
echo "| driver, setting | SQLFetch + SQLGetData | client CPU | peak RSS | block fetch, 1000 rows | client CPU | peak RSS |"
echo "|---|---|---|---|---|---|---|"
for cfg in "${CONFIGS[@]}"; do
  printf '| %s | %s s | %s s | %s MB | %s s | %s s | %s MB |\n' "${LABEL[$cfg]}" \
    "$(median "${TIMES[$cfg/getdata]}")" "$(median "${CPU[$cfg/getdata]}")" "$(max_mb "${RSS[$cfg/getdata]}")" \
    "$(median "${TIMES[$cfg/block]}")" "$(median "${CPU[$cfg/block]}")" "$(max_mb "${RSS[$cfg/block]}")"
done
t="$(median "$SERVER_TIMES")"
printf '| floor: the server alone (COPY of the query TO /dev/null, binary) | %s s | | | %s s | | |\n' "$t" "$t"
echo
echo "Row by row: $(awk -v a="$(median "${TIMES[bench_aurora/getdata]}")" -v f="$t" 'BEGIN {printf "%.2f", a / f}')x the floor; block fetch: $(awk -v a="$(median "${TIMES[bench_aurora/block]}")" -v f="$t" 'BEGIN {printf "%.2f", a / f}')x the floor (auroraodbc)."
