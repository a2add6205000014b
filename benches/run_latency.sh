#!/usr/bin/env bash
# Round-trip benchmark: small statements one after another, auroraodbc vs psqlODBC, against one
# private PostgreSQL 15 server.
#
#   benches/run_latency.sh [CALLS] [RUNS]     (defaults: 20000 calls, 3 runs per configuration)
#
# Modes: SQLExecDirect of "SELECT 1", and SQLExecute of a prepared "SELECT ? + 1"; each call
# fetches and checks its one value. Prints the median microseconds per call of each driver and
# mode. Setup (build, server, private ini files) as benches/run.sh.
set -euo pipefail

CALLS="${1:-20000}"
RUNS="${2:-3}"
BENCH_NAME=run_latency.sh
BENCH_CLIENT=latency
# shellcheck source=benches/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

cat >"$WORK/odbc.ini" <<EOF2
[bench_aurora]
Driver=auroraodbc
$common

[bench_psql]
Driver=psqlodbc
$common
EOF2

CONFIGS=(bench_aurora bench_psql)
declare -A LABEL=([bench_aurora]="auroraodbc (default)" [bench_psql]="psqlODBC (default settings)")
MODES=(direct prepared)
declare -A US

for run in $(seq 1 "$RUNS"); do
  for mode in "${MODES[@]}"; do
    for cfg in "${CONFIGS[@]}"; do
      run_client "run $run $cfg/$mode" "$WORK/latency" "DSN=$cfg" "$mode" "$CALLS"
      US[$cfg/$mode]+="$(result us_per_call) "
    done
  done
done

median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

echo
echo "$CALLS calls per run, median of $RUNS runs: microseconds per call (execute, fetch, get one value, close)."
echo "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on loopback; psqlODBC $(dpkg-query -W -f '${Version}' odbc-postgresql 2>/dev/null || echo unknown); $(nproc) cores."
echo
echo "| driver, setting | SQLExecDirect \`SELECT 1\` | SQLExecute of a prepared \`SELECT ? + 1\` |"
echo "|---|---|---|"
for cfg in "${CONFIGS[@]}"; do
  printf '| %s | %s µs | %s µs |\n' "${LABEL[$cfg]}" "$(median "${US[$cfg/direct]}")" "$(median "${US[$cfg/prepared]}")"
done
