#!/usr/bin/env bash
# Connect benchmark: connect + `SELECT 1` + disconnect, auroraodbc vs psqlODBC, against one
# private PostgreSQL 15 server (loopback, trust authentication).
#
#   benches/run_connect.sh [CONNECTS] [RUNS] [THREADS]
#       (defaults: 2000 connects, 5 runs per configuration, 16 threads for the churn mode)
#
# Configurations: auroraodbc with the default plugin chain (no `plugins` key), auroraodbc with
# `plugins=` (no plugins), psqlODBC with its default settings. Modes: `serial` (one thread,
# CONNECTS rounds one after another: the latency an application connecting per request pays)
# and `churn` (THREADS threads sharing CONNECTS rounds, each connecting, querying and
# disconnecting in a loop: throughput). Prints the median microseconds per connect and the
# median client CPU per connect of each. Setup (build, server, private ini files) as
# benches/run.sh.
set -euo pipefail

CONNECTS="${1:-2000}"
RUNS="${2:-5}"
THREADS="${3:-16}"
BENCH_NAME=run_connect.sh
BENCH_CLIENT=connect
# shellcheck source=benches/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

cat >"$WORK/odbc.ini" <<EOF2
[bench_aurora]
Driver=auroraodbc
$common

[bench_aurora_bare]
Driver=auroraodbc
$common
plugins=

[bench_psql]
Driver=psqlodbc
$common
EOF2

CONFIGS=(bench_aurora bench_aurora_bare bench_psql)
declare -A LABEL=(
  [bench_aurora]="auroraodbc, default plugin chain"
  [bench_aurora_bare]="auroraodbc, \`plugins=\` (no plugins)"
  [bench_psql]="psqlODBC (default settings)"
)
MODES=(serial churn)
declare -A US CPU
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"

for run in $(seq 1 "$RUNS"); do
  for mode in "${MODES[@]}"; do
    threads=1
    if [ "$mode" = churn ]; then threads="$THREADS"; fi
    for cfg in "${CONFIGS[@]}"; do
      # In the background and waited for, so that an interrupt reaches the cleanup at once.
      "$WORK/connect" "DSN=$cfg" "$CONNECTS" "$threads" >"$WORK/out" 2>&1 &
      CLIENT=$!
      status=0
      wait "$CLIENT" || status=$?
      CLIENT=""
      out="$(cat "$WORK/out")"
      [ "$status" -eq 0 ] || die "$cfg/$mode failed: $out"
      line="$(grep '^RESULT ' <<<"$out")"
      echo "run $run $mode $cfg: $line" >&2
      US[$cfg/$mode]+="$(sed -n 's/.* us_per_connect=\([0-9.]*\).*/\1/p' <<<"$line") "
      CPU[$cfg/$mode]+="$(sed -n 's/.* client_cpu_us_per_connect=\([0-9.]*\).*/\1/p' <<<"$line") "
    done
  done
done

median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2fx", a / b}'; }

echo
echo "$CONNECTS connects per run, median of $RUNS runs: microseconds per connect + \`SELECT 1\` (fetched and"
echo "checked) + disconnect, wall time divided by connects; client CPU is the user + system time of the"
echo "client process (driver threads included) per connect. Churn: $THREADS threads sharing the connects."
echo "Load average before/after: $LOAD_BEFORE / $(cut -d' ' -f1-3 /proc/loadavg)."
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
