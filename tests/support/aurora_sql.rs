//! SQL for the Aurora stand-in objects and for rewriting the topology table.
//!
//! The objects live in `public` (user functions cannot go into `pg_catalog`), in database
//! `postgres` and in the test database. They are created on the writer and reach the replicas by
//! streaming replication, so every node answers with the same topology.

use super::cluster::{RowUpdate, TopologyRow};
use super::{TEST_DATABASE, TEST_PASSWORD, TEST_USER};

/// The table behind `aurora_replica_status()`; the harness rewrites it, tests may too.
pub const TOPOLOGY_TABLE: &str = "public.aurora_standin_topology";

/// Objects for one database: the topology table and both stand-in functions.
fn objects_sql() -> String {
    format!(
        r#"
CREATE TABLE {TOPOLOGY_TABLE} (
    server_id text PRIMARY KEY,
    session_id text NOT NULL,
    replica_lag_in_msec double precision NOT NULL DEFAULT 0,
    cpu double precision NOT NULL DEFAULT 0,
    -- 'now': the row looks freshly updated at query time; 'fixed': use last_update_timestamp
    -- (a test makes a row stale this way); 'null': report NULL.
    last_update_mode text NOT NULL DEFAULT 'now' CHECK (last_update_mode IN ('now', 'fixed', 'null')),
    last_update_timestamp timestamptz
);
GRANT SELECT ON {TOPOLOGY_TABLE} TO PUBLIC;

CREATE FUNCTION public.aurora_db_instance_identifier() RETURNS varchar
LANGUAGE sql STABLE AS $$ SELECT current_setting('cluster_name')::varchar $$;

CREATE FUNCTION public.aurora_replica_status(
    OUT server_id text, OUT session_id text, OUT durable_lsn bigint, OUT highest_lsn_rcvd bigint,
    OUT current_read_lsn bigint, OUT cur_replay_latency_in_usec bigint, OUT active_txns bigint,
    OUT is_current boolean, OUT last_transport_error bigint,
    OUT last_error_timestamp timestamptz, OUT last_update_timestamp timestamptz,
    OUT feedback_xmin bigint, OUT feedback_epoch bigint, OUT replica_lag_in_msec double precision,
    OUT log_stream_speed_in_kib_per_second double precision,
    OUT log_buffer_sequence_number bigint, OUT oldest_read_view_trx_id bigint,
    OUT oldest_read_view_lsn bigint, OUT pending_read_ios bigint, OUT read_ios bigint,
    OUT iops double precision, OUT cpu double precision)
RETURNS SETOF record LANGUAGE sql STABLE AS $$
    SELECT t.server_id, t.session_id,
           0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint,
           true, 0::bigint, NULL::timestamptz,
           CASE t.last_update_mode
               WHEN 'now' THEN now()
               WHEN 'fixed' THEN t.last_update_timestamp
           END,
           0::bigint, 0::bigint, t.replica_lag_in_msec,
           0::double precision, 0::bigint, 0::bigint, 0::bigint, 0::bigint, 0::bigint,
           0::double precision, t.cpu
    FROM {TOPOLOGY_TABLE} t
    ORDER BY t.server_id
$$;
"#
    )
}

/// The whole first-time setup, as one psql script run on the writer in database `postgres`.
pub fn setup_script(rows: &[TopologyRow]) -> String {
    let objects = objects_sql();
    let fill = fill_sql(rows);
    format!(
        r#"\set ON_ERROR_STOP on
CREATE ROLE {TEST_USER} LOGIN CREATEDB PASSWORD '{TEST_PASSWORD}';
CREATE DATABASE {TEST_DATABASE} OWNER {TEST_USER};
{objects}
{fill}
\connect {TEST_DATABASE}
{objects}
{fill}
"#
    )
}

/// Replaces the topology rows, in database `postgres` and in the test database.
pub fn rewrite_script(rows: &[TopologyRow]) -> String {
    let fill = fill_sql(rows);
    format!("\\set ON_ERROR_STOP on\n{fill}\n\\connect {TEST_DATABASE}\n{fill}\n")
}

fn fill_sql(rows: &[TopologyRow]) -> String {
    let mut sql = format!("BEGIN;\nDELETE FROM {TOPOLOGY_TABLE};\n");
    for row in rows {
        let (mode, stamp) = match &row.last_update {
            RowUpdate::Now => ("now", "NULL".to_string()),
            RowUpdate::Null => ("null", "NULL".to_string()),
            RowUpdate::SecondsAgo(secs) => ("fixed", format!("now() - interval '{secs} seconds'")),
        };
        sql.push_str(&format!(
            "INSERT INTO {TOPOLOGY_TABLE} VALUES ({}, {}, {}, {}, '{mode}', {stamp});\n",
            quote(&row.server_id),
            quote(&row.session_id),
            float(row.replica_lag_in_msec),
            float(row.cpu),
        ));
    }
    sql.push_str("COMMIT;\n");
    sql
}

/// A SQL string literal.
pub fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A float literal PostgreSQL accepts (NaN and infinities spelled its way).
fn float(value: f64) -> String {
    if value.is_finite() {
        format!("{value:?}::double precision")
    } else if value.is_nan() {
        "'NaN'::double precision".into()
    } else if value > 0.0 {
        "'Infinity'::double precision".into()
    } else {
        "'-Infinity'::double precision".into()
    }
}
