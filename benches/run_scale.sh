#!/usr/bin/env bash
# Scale benchmark: a thousand connections in one process against the three-instance stand-in
# cluster (a writer and two streaming replicas of PostgreSQL 15 behind fault proxies, SCRAM-SHA-256
# logins), all running a call at once; auroraodbc vs psqlODBC in the same run.
#
#   benches/run_scale.sh [CONNECTIONS] [RUNS] [STORM-THREADS] [SLEEP-SECONDS]
#       (defaults: 1000 connections, 3 runs per configuration, 16 storm threads, 3 s calls)
#
# benches/scale.c opens CONNECTIONS connections from STORM-THREADS threads (connection i to
# instance i mod 3, so a third on each), counts the driver's threads and the process's memory
# while they sit idle, then has one thread per connection run `SELECT 7 FROM pg_sleep(SLEEP)`,
# all released at once, and counts again while every call is in flight. Halfway through the
# calls each instance's pg_stat_activity is read through psql: client backends of the test user
# and, among them, host monitoring's connections (the DSNs name those `scale-monitor` through
# `monitoring-application_name`).
#
# Configurations, taking turns run by run:
#   auroraodbc, default plugin chain (host monitoring on, failure_detection_time_ms=1000 so the
#     monitors are probing during the 3 s calls, not only holding their connection open);
#   auroraodbc, `plugins=` (no plugins);
#   psqlODBC (Debian odbc-postgresql, default settings), through the same fault proxies.
# Prints a table of medians. The stand-in's instances get max_connections = CONNECTIONS + 100.
set -euo pipefail

CONNECTIONS="${1:-1000}"
RUNS="${2:-3}"
THREADS="${3:-16}"
SLEEP="${4:-3}"
BENCH_NAME=run_scale.sh
BENCH_CLIENT=scale
BENCH_NO_SERVER=1
BENCH_CARGO_ARGS="--bin auroraodbc-standin"
# shellcheck source=benches/setup.sh
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"

# Every connection is a socket (the first 64 of auroraodbc's also hold their own runtime's
# descriptors); the stand-in's proxies hold two per connection.
ulimit -n "$(ulimit -Hn)"
[ "$(ulimit -n)" -ge $((CONNECTIONS * 3 + 1000)) ] || die "ulimit -n is $(ulimit -n); $((CONNECTIONS * 3 + 1000)) descriptors needed"

STANDIN_BIN="$TARGET_DIR/release/auroraodbc-standin"
STATE="$WORK/standin.state"
STANDIN=""
stop_standin() {
  if [ -n "$STANDIN" ]; then
    "$STANDIN_BIN" down --state-file "$STATE" >/dev/null 2>&1 || kill "$STANDIN" 2>/dev/null || true
    wait "$STANDIN" 2>/dev/null || true
    STANDIN=""
  fi
}
scale_cleanup() {
  local rc=$?
  stop_standin
  (exit "$rc")
  cleanup
}
trap scale_cleanup EXIT

echo "== starting the stand-in cluster (max_connections $((CONNECTIONS + 100)))" >&2
"$STANDIN_BIN" up --max-connections $((CONNECTIONS + 100)) --state-file "$STATE" >"$WORK/standin.log" 2>&1 &
STANDIN=$!
for _ in $(seq 1 240); do
  [ -f "$STATE" ] && break
  kill -0 "$STANDIN" 2>/dev/null || { cat "$WORK/standin.log" >&2; die "the stand-in exited"; }
  sleep 0.5
done
[ -f "$STATE" ] || { cat "$WORK/standin.log" >&2; die "the stand-in did not start"; }
get() { grep -m1 "^$1=" "$STATE" | cut -d= -f2-; }
IFS=, read -r -a INSTANCES <<<"$(get instances)"
USER_NAME="$(get user)"

{
  for id in "${INSTANCES[@]}"; do
    aurora="Driver=auroraodbc
Server=$(get "$id.host")
Port=5432
Database=$(get database)
UID=$USER_NAME
PWD=$(get password)
host_address_map=$(get host_map)
application_name=scale
monitoring-application_name=scale-monitor
failure_detection_time_ms=1000
failure_detection_interval_ms=1000"
    printf '[scale_aurora_%s]\n%s\n\n' "$id" "$aurora"
    printf '[scale_aurora_bare_%s]\n%s\nplugins=\n\n' "$id" "$aurora"
    printf '[scale_psql_%s]\nDriver=psqlodbc\nServername=127.0.0.1\nPort=%s\nDatabase=%s\nUsername=%s\nPassword=%s\n\n' \
      "$id" "$(get "$id.proxy_port")" "$(get database)" "$USER_NAME" "$(get password)"
  done
} >"$WORK/odbc.ini"

# One line per instance: id|monitoring connections|client backends of the test user.
STATS="$WORK/stats.sh"
{
  echo '#!/bin/sh'
  for id in "${INSTANCES[@]}"; do
    echo "'$PG_BIN/psql' -XAt -h 127.0.0.1 -p $(get "$id.port") -U postgres -d postgres -c \"SELECT '$id', count(*) FILTER (WHERE application_name = 'scale-monitor'), count(*) FROM pg_stat_activity WHERE usename = '$USER_NAME'\" || exit 1"
  done
} >"$STATS"
chmod +x "$STATS"

# Waits until the instances hold no backend of the test user (the previous client's are gone).
drain() {
  for _ in $(seq 1 300); do
    if "$STATS" | awk -F'|' '{n += $3} END {exit !(n == 0)}'; then return 0; fi
    sleep 0.2
  done
  die "backends of the previous run did not go away"
}

CONFIGS=(aurora aurora_bare psql)
declare -A LABEL=(
  [aurora]="auroraodbc, default chain (host monitoring on)"
  [aurora_bare]="auroraodbc, \`plugins=\`"
  [psql]="psqlODBC (default settings)"
)
KEYS=(storm_s connects_per_s connect_ms_p50 connect_ms_p99 kb_per_idle_connection kb_per_connection_after_busy
  driver_threads_idle driver_threads_storm_max driver_threads_busy_max busy_s monitors_max backends_max)
declare -A VALS
LOAD_BEFORE="$(cut -d' ' -f1-3 /proc/loadavg)"

for run in $(seq 1 "$RUNS"); do
  for cfg in "${CONFIGS[@]}"; do
    drain
    args=()
    for id in "${INSTANCES[@]}"; do args+=("DSN=scale_${cfg}_$id"); done
    run_client "run $run $cfg" "$WORK/scale" -n "$CONNECTIONS" -t "$THREADS" -s "$SLEEP" -x "$STATS" "${args[@]}"
    grep '^STATS ' <<<"$out" | sed "s/^/run $run $cfg: /" >&2
    for key in "${KEYS[@]}"; do
      case "$key" in
        monitors_max) v="$(awk -F'|' '/^STATS busy /{if ($2 > m) m = $2} END {print m + 0}' <<<"$out")" ;;
        backends_max) v="$(awk -F'|' '/^STATS busy /{if ($3 > m) m = $3} END {print m + 0}' <<<"$out")" ;;
        *) v="$(tr ' ' '\n' <<<"$line" | sed -n "s/^$key=//p")" ;;
      esac
      VALS[$cfg/$key]+="$v "
    done
  done
done

median() { tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{v[NR]=$1} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
highest() { tr ' ' '\n' <<<"$1" | grep . | sort -g | tail -1; }
m() { median "${VALS[$1/$2]}"; }
h() { highest "${VALS[$1/$2]}"; }

echo
echo "$CONNECTIONS connections in one process, a third on each of ${#INSTANCES[@]} stand-in instances (PostgreSQL"
echo "$("$PG_BIN/postgres" --version | awk '{print $3}') behind fault proxies on loopback, SCRAM-SHA-256), opened by $THREADS threads; then one thread per"
echo "connection runs \`SELECT 7 FROM pg_sleep($SLEEP)\`, all at once. Median of $RUNS runs (threads and backends: highest)."
echo "psqlODBC $(dpkg-query -W -f '${Version}' odbc-postgresql 2>/dev/null || echo unknown); $(nproc) cores; load average before/after: $LOAD_BEFORE / $(cut -d' ' -f1-3 /proc/loadavg)."
echo
echo "| driver, setting | connect storm | connects/s | connect p50 / p99 | KB per idle connection | after the calls | driver threads idle / storm / busy | $CONNECTIONS calls of ${SLEEP} s took | monitoring connections per instance | backends per instance |"
echo "|---|---|---|---|---|---|---|---|---|---|"
for cfg in "${CONFIGS[@]}"; do
  printf '| %s | %s s | %s | %s / %s ms | %s | %s | %s / %s / %s | %s s | %s | %s |\n' "${LABEL[$cfg]}" \
    "$(m "$cfg" storm_s)" "$(m "$cfg" connects_per_s)" "$(m "$cfg" connect_ms_p50)" "$(m "$cfg" connect_ms_p99)" \
    "$(m "$cfg" kb_per_idle_connection)" "$(m "$cfg" kb_per_connection_after_busy)" \
    "$(h "$cfg" driver_threads_idle)" "$(h "$cfg" driver_threads_storm_max)" "$(h "$cfg" driver_threads_busy_max)" \
    "$(m "$cfg" busy_s)" "$(h "$cfg" monitors_max)" "$(h "$cfg" backends_max)"
done
