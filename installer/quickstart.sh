#!/usr/bin/env bash
# Quick start: builds the driver, registers it for the current user, starts a local stand-in
# Aurora cluster (a writer, two readers, an RDS API stub with a custom endpoint), writes DSNs
# for it into ~/.odbc.ini, runs real queries through the driver with isql, and stops the
# cluster again. No AWS account is needed; everything runs on 127.0.0.1.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
cd "$here"

step() { printf '\n== %s\n' "$*"; }

step "installing what is missing (unixODBC, PostgreSQL 15, ...)"
bash installer/deps.sh

step "building the driver and the stand-in cluster tool (release)"
cargo build --release --lib --bin auroraodbc-standin
target="${CARGO_TARGET_DIR:-$here/target}/release"

step "registering the driver for $(id -un)"
bash installer/install.sh --lib "$target/libauroraodbc.so"

step "starting the stand-in cluster"
state="$(mktemp -d)/standin.state"
"$target/auroraodbc-standin" up --state-file "$state" > "$(dirname "$state")/standin.log" 2>&1 &
standin_pid=$!
cleanup() {
  "$target/auroraodbc-standin" down --state-file "$state" >/dev/null 2>&1 || kill "$standin_pid" 2>/dev/null || true
  wait "$standin_pid" 2>/dev/null || true
}
trap cleanup EXIT
for _ in $(seq 1 120); do
  [ -f "$state" ] && break
  if ! kill -0 "$standin_pid" 2>/dev/null; then cat "$(dirname "$state")/standin.log"; exit 1; fi
  sleep 0.5
done
[ -f "$state" ] || { echo "the stand-in cluster did not start"; cat "$(dirname "$state")/standin.log"; exit 1; }
get() { grep -m1 "^$1=" "$state" | cut -d= -f2-; }
echo "cluster started in $(get startup_ms) ms: instances $(get instances), writer $(get writer)"

step "writing DSNs to ~/.odbc.ini"
ini="$HOME/.odbc.ini"
touch "$ini"
awk 'BEGIN{skip=0} /^\[/{skip=($0 ~ /^\[auroraodbc-demo/)} !skip' "$ini" > "$ini.tmp" && mv "$ini.tmp" "$ini"
common="Driver=auroraodbc
Port=5432
Database=$(get database)
UID=$(get user)
PWD=$(get password)
host_address_map=$(get host_map)"
{
  printf '\n[auroraodbc-demo-writer]\nServer=%s\n%s\n' "$(get cluster_endpoint)" "$common"
  for id in $(get instances | tr ',' ' '); do
    printf '\n[auroraodbc-demo-%s]\nServer=%s\n%s\n' "$id" "$(get "$id.host")" "$common"
  done
} >> "$ini"
grep -o '^\[auroraodbc-demo[^]]*\]' "$ini"

step "querying every instance through the driver (isql)"
for dsn in auroraodbc-demo-writer $(get instances | sed 's/\([^,]*\)/auroraodbc-demo-\1/g' | tr ',' ' '); do
  printf '%-28s ' "$dsn"
  echo "SELECT 'answered by ' || aurora_db_instance_identifier() || CASE WHEN pg_is_in_recovery() THEN ' (reader)' ELSE ' (writer)' END" \
    | isql -b "$dsn" -d'|' | head -1
done

step "done"
echo "The DSNs stay in ~/.odbc.ini (sections auroraodbc-demo-*); the stand-in cluster is stopped now."
echo "Run it yourself with: $target/auroraodbc-standin up"
