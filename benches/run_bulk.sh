#!/usr/bin/env bash
# Bulk-insert benchmark: auroraodbc vs psqlODBC against one private PostgreSQL 15 server.
#
#   benches/run_bulk.sh [ROWS] [RUNS] [ARRAY] [TABLE]
#   (defaults: 1000000 rows, 3 runs, arrays of 1000, TABLE plain; `checked` gives column a
#   CHECK (a > 0), in the drivers' runs and the floors alike)
#
# Builds the driver (cargo build --release --lib; CARGO_TARGET_DIR is respected), compiles
# benches/bulk_insert.c against unixODBC, starts a throw-away PostgreSQL 15 on a free loopback
# port, registers both drivers in private odbcinst.ini/odbc.ini files (nothing under /etc is
# touched), runs each driver RUNS times (interleaved) and prints a Markdown table with the
# median wall time, the median client CPU time, the median server CPU time and the highest peak
# RSS of each. Every run checks the inserted table with SQL and fails the script if a row is
# missing or wrong. Two floors are measured in the same run, both through psql: the same rows
# loaded by one COPY FROM STDIN (\copy of a file made beforehand), the fastest way PostgreSQL
# takes rows in; and the same rows as one COPY FROM STDIN per array of ARRAY rows, each its own
# transaction, which is what the server must do at least when an application commits an array
# at a time.
#
# Server CPU is the CPU time of the server process serving the client over the timed span
# (the client reads it from /proc), and for the floors that of the server's processes that
# ended during psql's run (its session's; read from the postmaster's /proc stat). Autovacuum is
# off for these runs, so that none of its work lands in either.
#
# Needs what installer/deps.sh installs (unixODBC, odbc-postgresql, postgresql-15, gcc) and cargo.
# Environment: PG_BIN (default /usr/lib/postgresql/15/bin), PSQLODBC (default Debian's
# psqlodbcw.so), CARGO_BUILD_JOBS (passed to cargo as usual).
set -euo pipefail

ROWS="${1:-1000000}"
RUNS="${2:-3}"
ARRAY="${3:-1000}"
TABLE="${4:-plain}"
case "$TABLE" in
  plain) TABLE_SQL="CREATE TABLE bench_bulk (a int4, b int8, c float8, d text)" ;;
  checked) TABLE_SQL="CREATE TABLE bench_bulk (a int4 CHECK (a > 0), b int8, c float8, d text)" ;;
  *) echo "run_bulk.sh: TABLE must be plain or checked" >&2; exit 64 ;;
esac
BENCH_NAME=run_bulk.sh
BENCH_CLIENT=bulk_insert
# shellcheck source=benches/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

cat >"$WORK/odbc.ini" <<EOF
[bulk_aurora]
Driver=auroraodbc
$common

[bulk_aurora_rewrite]
Driver=auroraodbc
$common
RewriteBatchedInserts=1

[bulk_psql]
Driver=psqlodbc
$common
EOF

CONFIGS=(bulk_aurora bulk_aurora_rewrite bulk_psql)
declare -A LABEL=(
  [bulk_aurora]="auroraodbc (default)"
  [bulk_aurora_rewrite]="auroraodbc (RewriteBatchedInserts=1)"
  [bulk_psql]="psqlODBC (default settings)"
)
declare -A TIMES RSS CPU SERVER_CPU
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"
PSQL=("$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PORT" -U postgres -d postgres)
"${PSQL[@]}" -c "ALTER SYSTEM SET autovacuum = off" -c "SELECT pg_reload_conf()" >/dev/null
POSTMASTER="$(head -1 "$PGDATA/postmaster.pid")"

# CPU seconds of the server's ended processes so far (see the top; for the floors).
server_cpu() { awk '{printf "%.2f", ($14 + $15 + $16 + $17) / 100}' "/proc/$POSTMASTER/stat"; }
# ended_cpu BEFORE: the server CPU since BEFORE, once the session that just closed has ended.
ended_cpu() {
  sleep 0.3
  awk -v a="$1" -v b="$(server_cpu)" 'BEGIN {printf "%.2f", b - a}'
}

for run in $(seq 1 "$RUNS"); do
  for cfg in "${CONFIGS[@]}"; do
    run_client "run $run $cfg" "$WORK/bulk_insert" "DSN=$cfg" "$ROWS" "$ARRAY" "$TABLE"
    SERVER_CPU[$cfg]+="$(result server_cpu_seconds) "
    TIMES[$cfg]+="$(result seconds) "
    RSS[$cfg]+="$(result maxrss_kb) "
    CPU[$cfg]+="$(result cpu_seconds) "
  done
done

# The floors: the same rows through COPY, timed around psql (its start and login included):
# in one COPY, and in one COPY per array (psql commits each by itself, as autocommit does).
awk -v n="$ROWS" 'BEGIN { for (g = 1; g <= n; g++) printf "%d\t%d\t%.17g\tbulk-%d-abcdefgh\n", g, g, g * 0.25, g }' \
  >"$WORK/copy.tsv"
awk -v n="$ARRAY" 'NR % n == 1 || n == 1 { print "COPY bench_bulk FROM STDIN;" } { print } NR % n == 0 { print "\\." }
  END { if (NR % n != 0) print "\\." }' "$WORK/copy.tsv" >"$WORK/copy_arrays.sql"
declare -A FLOOR_TIMES FLOOR_CPU
FLOORS=(copy copy_arrays)
for run in $(seq 1 "$RUNS"); do
  for floor in "${FLOORS[@]}"; do
    "${PSQL[@]}" -c "DROP TABLE IF EXISTS bench_bulk" -c "$TABLE_SQL"
    before="$(server_cpu)"
    t0="$(date +%s.%N)"
    if [ "$floor" = copy ]; then
      "${PSQL[@]}" -c "\\copy bench_bulk FROM '$WORK/copy.tsv'"
    else
      "${PSQL[@]}" -f "$WORK/copy_arrays.sql"
    fi
    t1="$(date +%s.%N)"
    FLOOR_CPU[$floor]+="$(ended_cpu "$before") "
    got="$("${PSQL[@]}" -At -c "SELECT count(*) = $ROWS AND sum(a) = sum(b) AND sum(c) = sum(b) * 0.25 FROM bench_bulk")"
    [ "$got" = t ] || die "$floor run $run loaded wrong rows"
    FLOOR_TIMES[$floor]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}') "
    echo "run $run $floor: $(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.3f", b - a}') s" >&2
  done
done

median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
max_mb() { tr ' ' '\n' <<<"$1" | grep . | sort -g | tail -1 | awk '{printf "%.1f", $1/1024}'; }

pg_version="$("$PG_BIN/postgres" --version | awk '{print $3}')"
psqlodbc_version="$(dpkg-query -W -f '${Version}' odbc-postgresql 2>/dev/null || echo unknown)"
echo
echo "$ROWS rows of (int4, int8, float8, text) into a $TABLE table inserted through parameter arrays of $ARRAY (column-wise"
echo "binding, one SQLExecute per array, autocommit), median of $RUNS runs; peak RSS is the highest of the runs."
echo "Time: wall seconds from the first SQLExecute to the last. Client CPU: user + system seconds of the"
echo "client process (all threads). Server CPU: user + system seconds of the server process serving the client"
echo "over the same span (for the floors: psql's whole session)."
echo "Load average before/after: $LOAD_BEFORE / $(cut -d' ' -f1-3 /proc/loadavg)."
echo "PostgreSQL $pg_version on loopback; psqlODBC $psqlodbc_version; $(nproc) cores; $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)."
echo "Every run's table was checked with SQL (count, sums, every value)."
echo
echo "| driver, setting | insert time | rows/s | client CPU | server CPU | peak RSS |"
echo "|---|---|---|---|---|---|"
for cfg in "${CONFIGS[@]}"; do
  t="$(median "${TIMES[$cfg]}")"
  printf '| %s | %s s | %s | %s s | %s s | %s MB |\n' "${LABEL[$cfg]}" "$t" \
    "$(awk -v n="$ROWS" -v t="$t" 'BEGIN {printf "%.0f", n / t}')" "$(median "${CPU[$cfg]}")" \
    "$(median "${SERVER_CPU[$cfg]}")" "$(max_mb "${RSS[$cfg]}")"
done
declare -A FLOOR_LABEL=(
  [copy]="floor: one COPY FROM STDIN of all rows (psql \\copy of a file, psql start included)"
  [copy_arrays]="floor at this array size: a COPY FROM STDIN per $ARRAY rows, each committed (psql -f)"
)
for floor in "${FLOORS[@]}"; do
  t="$(median "${FLOOR_TIMES[$floor]}")"
  printf '| %s | %s s | %s | | %s s | |\n' "${FLOOR_LABEL[$floor]}" "$t" \
    "$(awk -v n="$ROWS" -v t="$t" 'BEGIN {printf "%.0f", n / t}')" "$(median "${FLOOR_CPU[$floor]}")"
done
echo
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2fx", a / b}'; }
one="$(median "${FLOOR_TIMES[copy]}")"
arrays="$(median "${FLOOR_TIMES[copy_arrays]}")"
psql_time="$(median "${TIMES[bulk_psql]}")"
for cfg in bulk_aurora bulk_aurora_rewrite; do
  t="$(median "${TIMES[$cfg]}")"
  echo "${LABEL[$cfg]}: $(ratio "$t" "$psql_time") psqlODBC's time, $(ratio "$t" "$one") one COPY's, $(ratio "$t" "$arrays") a COPY per array's."
done
