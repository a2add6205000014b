#!/usr/bin/env bash
# What statement-level rollback costs: a manual-commit insert loop with each of psqlODBC's
# rollback-on-error levels (Protocol=7.4-2, the default: a savepoint ahead of each statement
# of an open transaction; 7.4-0: none), auroraodbc vs psqlODBC, against one private
# PostgreSQL 15 server.
#
#   benches/run_txn.sh [ROWS] [RUNS]     (defaults: 20000 inserts, 3 runs per configuration)
#
# benches/txn_insert.c: autocommit off, a prepared one-row INSERT executed ROWS times, one
# commit. Prints the median microseconds per insert of each configuration. Setup (build,
# server, private ini files) as benches/run.sh.
set -euo pipefail

ROWS="${1:-20000}"
RUNS="${2:-3}"
BENCH_NAME=run_txn.sh
BENCH_CLIENT=txn_insert
# shellcheck source=benches/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

cat >"$WORK/odbc.ini" <<EOF2
[txn_aurora]
Driver=auroraodbc
$common

[txn_aurora_tx]
Driver=auroraodbc
$common
Protocol=7.4-1

[txn_aurora_none]
Driver=auroraodbc
$common
Protocol=7.4-0

[txn_psql]
Driver=psqlodbc
$common

[txn_psql_none]
Driver=psqlodbc
$common
Protocol=7.4-0
EOF2

CONFIGS=(txn_aurora txn_aurora_tx txn_aurora_none txn_psql txn_psql_none)
declare -A LABEL=(
  [txn_aurora]="auroraodbc, Protocol=7.4-2 (default: savepoints)"
  [txn_aurora_tx]="auroraodbc, Protocol=7.4-1 (transaction)"
  [txn_aurora_none]="auroraodbc, Protocol=7.4-0 (none)"
  [txn_psql]="psqlODBC, Protocol=7.4-2 (default: savepoints)"
  [txn_psql_none]="psqlODBC, Protocol=7.4-0 (none)"
)
declare -A US
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"

for run in $(seq 1 "$RUNS"); do
  for cfg in "${CONFIGS[@]}"; do
    run_client "run $run $cfg" "$WORK/txn_insert" "DSN=$cfg" "$ROWS"
    US[$cfg]+="$(result us_per_insert) "
  done
done

median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

echo
echo "$ROWS inserts in one transaction per run, median of $RUNS runs: microseconds per insert (SQLExecute of a prepared one-row INSERT)."
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on loopback; psqlODBC $(dpkg-query -W -f '${Version}' odbc-postgresql 2>/dev/null || echo unknown); $(nproc) cores; load average $LOAD_BEFORE -> $(cut -d' ' -f1-3 /proc/loadavg)."
echo
echo "| driver, rollback level | µs per insert |"
echo "|---|---|"
for cfg in "${CONFIGS[@]}"; do
  printf '| %s | %s |\n' "${LABEL[$cfg]}" "$(median "${US[$cfg]}")"
done
