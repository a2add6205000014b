#!/usr/bin/env bash
# Quick start: builds the driver, registers it for the current user, starts a local stand-in
# Aurora cluster (a writer, two readers, an RDS API stub with a custom endpoint, a Secrets
# Manager API stub with the login in a secret), writes DSNs
# for it into ~/.odbc.ini, runs real queries through the driver with isql, and stops the
# cluster again. On the way it shows read/write splitting (a read-only session on a reader),
# host monitoring (a query on a host that stops answering
# fails fast), failover (the same connection moves on to the new writer) and logins from a
# Secrets Manager secret through a rotation, driving the
# stand-in with `auroraodbc-standin ctl`. No AWS account is needed; everything runs on 127.0.0.1.
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
# --iam: user auroraodbc_iam logs in only with RDS IAM auth tokens signed by these (made-up)
# credentials, checked by a TLS proxy in front of each instance.
AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo \
  "$target/auroraodbc-standin" up --iam --state-file "$state" > "$(dirname "$state")/standin.log" 2>&1 &
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

step "read/write splitting: a read-only session moves to a reader and back"
# isql cannot set SQL_ATTR_ACCESS_MODE; the statement text switches the same way.
printf '\n[auroraodbc-demo-split]\nServer=%s\nplugins=read_write_splitting,failover,host_monitoring\n%s\n' \
  "$(get cluster_endpoint)" "$common" >> "$ini"
where="aurora_db_instance_identifier() || CASE WHEN pg_is_in_recovery() THEN ' (reader)' ELSE ' (writer)' END"
printf '%s\n' "SELECT 'before:     ' || $where" \
  "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY" "SELECT 'read-only:  ' || $where" \
  "SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE" "SELECT 'read-write: ' || $where" \
  | isql -b auroraodbc-demo-split -d'|' | sed 's/^/  /'

step "custom endpoint: connections land on members, also when DNS says otherwise"
# The stub accepts any credentials; the driver's AWS SDK only needs some to sign with.
custom_dsn() {
  printf '\n[auroraodbc-demo-custom]\nServer=%s\nplugins=custom_endpoint\nrds_endpoint_url=%s\ncustom_endpoint_info_refresh_rate_ms=1000\n%s\n' \
    "$(get custom_endpoint.reporting)" "$(get stub_url)" "$common"
}
custom_dsn >> "$ini"
readers="$(get instances | tr ',' '\n' | while read -r id; do [ "$(get "$id.role")" = reader ] && echo "$id"; done | tr '\n' ' ')"
first_reader="${readers%% *}"
last_reader="$(echo $readers | awk '{print $NF}')"
ask_custom() {
  echo "SELECT 'answered by ' || aurora_db_instance_identifier()" \
    | AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_EC2_METADATA_DISABLED=true \
      NO_PROXY=127.0.0.1,localhost isql -b auroraodbc-demo-custom -d'|' | head -1
}
echo "the endpoint's name resolves to $first_reader (host_address_map stands in for DNS)"
echo "members: $readers"
for _ in 1 2 3; do printf '  '; ask_custom; done
echo "changing the members to $last_reader only (ModifyDBClusterEndpoint on the RDS stub)"
curl -s -o /dev/null -X POST "$(get stub_url)" \
  --data "Action=ModifyDBClusterEndpoint&Version=2014-10-31&DBClusterEndpointIdentifier=reporting&StaticMembers.member.1=$last_reader"
for _ in 1 2 3; do printf '  '; ask_custom; done

step "host monitoring: a query on a host that stops answering fails fast"
# The demo black-holes the writer's proxy 2 s into a long query (auroraodbc-standin ctl), then
# lets traffic through again.
writer="$(get writer)"
python3 installer/demo.py efm "auroraodbc-demo-$writer" "$state" "$target/auroraodbc-standin"

step "failover: the same connection carries on on the new writer"
python3 installer/demo.py failover auroraodbc-demo-writer "$state" "$target/auroraodbc-standin"
echo "writer is now $(get writer)"

step "AWS Secrets Manager: no password in the DSN, the login read from a secret"
# The DSN names the secret by ARN (the region comes from it) and the stub's URL; UID and PWD
# are not needed. The driver's AWS SDK signs with any credentials the stub accepts.
printf '\n[auroraodbc-demo-secret]\nDriver=auroraodbc\nServer=%s\nPort=5432\nDatabase=%s\nhost_address_map=%s\nplugins=aws_secrets_manager\nsecrets_manager_secret_id=%s\nsecrets_manager_endpoint=%s\n' \
  "$(get cluster_endpoint)" "$(get database)" "$(get host_map)" "$(get secret_arn)" "$(get secrets_url)" >> "$ini"
echo "secret $(get secret_id): $(get secret_arn)"
AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_EC2_METADATA_DISABLED=true NO_PROXY=127.0.0.1,localhost \
  python3 installer/demo.py secret auroraodbc-demo-secret "$state" "$target/auroraodbc-standin"
printf 'the DSN with the old password in it now: '
echo "SELECT 1" | isql -b -v auroraodbc-demo-writer 2>&1 | grep -o '\[28P01\].*' | head -1 || true

step "IAM database authentication: a token instead of a password"
# The token is made by the driver (AWS SDK, SigV4) from the environment's credentials and
# checked by the stand-in the way Aurora checks it: signature, host, port, user, region, expiry.
iam_dsn() {
  printf '\n[%s]\nDriver=auroraodbc\nServer=%s\nPort=5432\nDatabase=%s\nUID=%s\nhost_address_map=%s\nplugins=iam\n%s\n' \
    "$1" "$(get cluster_endpoint)" "$(get database)" "$(get iam_user)" "$(get host_map)" "$2"
}
{ iam_dsn auroraodbc-demo-iam ""; iam_dsn auroraodbc-demo-iam-wrong-region "iam_region=eu-west-1"; } >> "$ini"
export_aws() { AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_EC2_METADATA_DISABLED=true NO_PROXY=127.0.0.1,localhost "$@"; }
echo "SELECT 'logged in as ' || current_user || ' with an IAM auth token'" \
  | export_aws isql -b auroraodbc-demo-iam -d'|' | head -1
printf 'signed for the wrong region: '
echo "SELECT 1" | export_aws isql -b -v auroraodbc-demo-iam-wrong-region 2>&1 | grep -o '\[28000\].*' | head -1 || true

step "done"
echo "The DSNs stay in ~/.odbc.ini (sections auroraodbc-demo-*); the stand-in cluster is stopped now."
echo "Run it yourself with: $target/auroraodbc-standin up"
