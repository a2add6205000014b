//! The driver through unixODBC from Rust, with the odbc-api client crate: block cursors
//! (text and column-wise binary buffers) over 100,000 rows, bulk insert through parameter
//! arrays, truncation with the full length in the indicator, and error states.
//!
//! This file must not name the `auroraodbc` crate: the test binary then does not contain the
//! driver's own exported SQLxxx symbols, so every call goes to libodbc (the driver manager),
//! which loads the built .so like any application would.

mod common;
mod support;

use common::{conn_string, single_instance, OdbcConfig};
use odbc_api::buffers::{BufferDesc, ColumnarDynBuffer, Indicator, TextRowSet};
use odbc_api::{BindParamDesc, Connection, ConnectionOptions, Cursor, Environment, Error};
use std::sync::OnceLock;

/// The private ini files and the ODBC environment, shared by every test of this binary: the
/// driver manager reads ODBCSYSINI/ODBCINI once, so they are set once, before the environment.
fn env() -> &'static Environment {
    static ENV: OnceLock<(OdbcConfig, Environment)> = OnceLock::new();
    &ENV.get_or_init(|| {
        let config = OdbcConfig::new(&[]);
        std::env::set_var("ODBCSYSINI", &config.dir);
        std::env::set_var("ODBCINSTINI", "odbcinst.ini");
        std::env::set_var("ODBCINI", config.dir.join("odbc.ini"));
        let env = Environment::new().expect("ODBC environment");
        (config, env)
    })
    .1
}

/// A connection to the stand-in's writer through the driver manager.
fn connect(cluster: &support::Cluster) -> Connection<'static> {
    env()
        .connect_with_connection_string(
            &conn_string(cluster, &cluster.writer_id()),
            ConnectionOptions::default(),
        )
        .expect("connect")
}

fn sqlstate(e: &Error) -> String {
    match e {
        Error::Diagnostics { record, .. } => record.state.as_str().to_string(),
        other => format!("not a diagnostic: {other}"),
    }
}

const ROWS: i64 = 100_000;
const QUERY: &str = "SELECT g::int4 AS a, g * 1000 AS b, g / 4.0::float8 AS c, 'row ' || g AS d, \
                     CASE WHEN g % 10 = 0 THEN NULL ELSE g::int4 END AS e FROM generate_series(1, 100000) g";

#[test]
fn block_cursors_over_100k_rows() {
    let cluster = single_instance();
    let conn = connect(&cluster);

    // Text row set: every value as text, 1000 rows per fetch.
    let mut cursor = conn
        .execute(QUERY, (), None)
        .expect("execute")
        .expect("a result set");
    let buffer = TextRowSet::for_cursor(1000, &mut cursor, Some(64)).expect("text buffers");
    let mut block = cursor.bind_buffer(buffer).expect("bind");
    let mut seen = 0i64;
    while let Some(batch) = block.fetch().expect("fetch") {
        for r in 0..batch.num_rows() {
            let g = seen + 1;
            assert_eq!(
                batch.at_as_str(0, r).expect("utf-8"),
                Some(g.to_string().as_str())
            );
            assert_eq!(
                batch.at_as_str(1, r).expect("utf-8"),
                Some((g * 1000).to_string().as_str())
            );
            assert_eq!(
                batch.at_as_str(3, r).expect("utf-8"),
                Some(format!("row {g}").as_str())
            );
            let e = batch.at_as_str(4, r).expect("utf-8");
            assert_eq!(
                e,
                if g % 10 == 0 {
                    None
                } else {
                    Some(g.to_string())
                }
                .as_deref()
            );
            seen += 1;
        }
    }
    assert_eq!(seen, ROWS);
    drop(block);

    // Column-wise binary buffers.
    let cursor = conn
        .execute(QUERY, (), None)
        .expect("execute")
        .expect("a result set");
    let buffer = ColumnarDynBuffer::from_descs(
        1000,
        [
            BufferDesc::I32 { nullable: false },
            BufferDesc::I64 { nullable: false },
            BufferDesc::F64 { nullable: false },
            BufferDesc::Text { max_str_len: 16 },
            BufferDesc::I32 { nullable: true },
        ],
    );
    let mut block = cursor.bind_buffer(buffer).expect("bind");
    let mut seen = 0i64;
    let mut batches = 0;
    while let Some(batch) = block.fetch().expect("fetch") {
        batches += 1;
        let a = batch.column(0).as_slice::<i32>().expect("i32");
        let b = batch.column(1).as_slice::<i64>().expect("i64");
        let c = batch.column(2).as_slice::<f64>().expect("f64");
        let d = batch.column(3).as_text().expect("text");
        let e: Vec<Option<i32>> = batch
            .column(4)
            .as_nullable_slice::<i32>()
            .expect("nullable i32")
            .map(|v| v.copied())
            .collect();
        assert_eq!(a.len(), batch.num_rows());
        for r in 0..batch.num_rows() {
            let g = seen + 1;
            assert_eq!(i64::from(a[r]), g);
            assert_eq!(b[r], g * 1000);
            assert!((c[r] - g as f64 / 4.0).abs() < 1e-9);
            assert_eq!(d.get(r), Some(format!("row {g}").as_bytes()));
            let expected = i32::try_from(g).expect("row numbers fit int4");
            assert_eq!(e[r], if g % 10 == 0 { None } else { Some(expected) });
            seen += 1;
        }
    }
    assert_eq!(seen, ROWS);
    assert_eq!(batches, 100, "whole arrays of 1000 rows per fetch");
}

#[test]
fn bulk_insert_through_parameter_arrays() {
    let cluster = single_instance();
    let conn = connect(&cluster);
    conn.execute(
        "CREATE TABLE bulk (id int4 PRIMARY KEY, amount int8, ratio float8, name text)",
        (),
        None,
    )
    .expect("create");
    let prepared = conn
        .prepare("INSERT INTO bulk (id, amount, ratio, name) VALUES (?, ?, ?, ?)")
        .expect("prepare");
    let batch_size = 1000usize;
    let mut inserter = prepared
        .into_column_inserter(
            batch_size,
            [
                BindParamDesc::i32(false),
                BindParamDesc::i64(false),
                BindParamDesc::f64(true),
                BindParamDesc::text(40),
            ],
        )
        .expect("column inserter");
    for batch in 0..10usize {
        inserter.set_num_rows(batch_size);
        {
            let ids = inserter
                .column_mut(0)
                .as_slice::<i32>()
                .expect("i32 column");
            for (i, v) in ids.iter_mut().enumerate() {
                *v = i32::try_from(batch * batch_size + i + 1).expect("fits");
            }
        }
        {
            let amounts = inserter
                .column_mut(1)
                .as_slice::<i64>()
                .expect("i64 column");
            for (i, v) in amounts.iter_mut().enumerate() {
                *v = i64::try_from((batch * batch_size + i + 1) * 7).expect("fits");
            }
        }
        {
            let mut ratios = inserter
                .column_mut(2)
                .as_nullable_slice::<f64>()
                .expect("nullable f64 column");
            for i in 0..batch_size {
                let id = batch * batch_size + i + 1;
                ratios.set_cell(
                    i,
                    if id.is_multiple_of(3) {
                        None
                    } else {
                        Some(id as f64 / 2.0)
                    },
                );
            }
        }
        {
            let mut names = inserter.column_mut(3).as_text().expect("text column");
            for i in 0..batch_size {
                let id = batch * batch_size + i + 1;
                names.set_cell(i, Some(format!("näme {id}").as_bytes()));
            }
        }
        inserter.execute().expect("execute a parameter array");
    }
    drop(inserter);
    let mut cursor = conn
        .execute("SELECT count(*)::text || '|' || sum(id)::text || '|' || sum(amount)::text || '|' || count(ratio)::text || '|' || max(name) FROM bulk", (), None)
        .expect("select")
        .expect("result");
    let mut row = cursor.next_row().expect("fetch").expect("a row");
    let mut text = Vec::new();
    row.get_text(1, &mut text).expect("text");
    let text = String::from_utf8(text).expect("utf-8");
    assert_eq!(
        text,
        format!(
            "10000|{}|{}|{}|näme 9999",
            10000 * 10001 / 2,
            7 * 10000 * 10001 / 2,
            10000 - 3333
        )
    );
}

#[test]
fn truncation_reports_the_full_length_and_errors_keep_their_state() {
    let cluster = single_instance();
    let cs = conn_string(&cluster, &cluster.writer_id());
    let conn = env()
        .connect_with_connection_string(&cs, ConnectionOptions::default())
        .expect("connect");

    let cursor = conn
        .execute("SELECT repeat('x', 100) AS long_text", (), None)
        .expect("execute")
        .expect("result");
    let buffer = TextRowSet::from_max_str_lens(4, [10usize]).expect("buffer");
    let mut block = cursor.bind_buffer(buffer).expect("bind");
    let batch = block
        .fetch_with_truncation_check(false)
        .expect("fetch without the check")
        .expect("a row");
    assert_eq!(
        batch.indicator_at(0, 0),
        Indicator::Length(100),
        "the indicator holds the full length"
    );
    assert_eq!(
        batch.at_as_str(0, 0).expect("utf-8"),
        Some("x".repeat(10).as_str())
    );
    drop(block);
    let cursor = conn
        .execute("SELECT repeat('y', 100) AS long_text", (), None)
        .expect("execute")
        .expect("result");
    let mut block = cursor
        .bind_buffer(TextRowSet::from_max_str_lens(4, [10usize]).expect("buffer"))
        .expect("bind");
    match block.fetch_with_truncation_check(true) {
        Err(Error::TooLargeValueForBuffer {
            indicator,
            buffer_index,
        }) => {
            assert_eq!((indicator, buffer_index), (Some(100), 0));
        }
        other => panic!(
            "expected a truncation error, got {:?}",
            other.map(|b| b.map(|b| b.num_rows()))
        ),
    }
    drop(block);

    let missing = error_of(conn.execute("SELECT * FROM no_such_table", (), None));
    assert_eq!(sqlstate(&missing), "42P01");
    conn.execute("CREATE TABLE uniq (k int PRIMARY KEY)", (), None)
        .expect("create");
    conn.execute("INSERT INTO uniq VALUES (1)", (), None)
        .expect("insert");
    let dup = error_of(conn.execute("INSERT INTO uniq VALUES (1)", (), None));
    assert_eq!(sqlstate(&dup), "23505");
    let div = error_of(conn.execute("SELECT 1 / 0", (), None));
    assert_eq!(sqlstate(&div), "22012");
    let bad = cs.replace(support::TEST_PASSWORD, "wrong-password");
    let denied = error_of(env().connect_with_connection_string(&bad, ConnectionOptions::default()));
    assert_eq!(sqlstate(&denied), "28P01");
    let malformed = error_of(env().connect_with_connection_string(
        "Driver=auroraodbc;Server={127.0.0.1",
        ConnectionOptions::default(),
    ));
    assert_eq!(sqlstate(&malformed), "08001");
}

#[test]
fn test_binary_does_not_contain_the_driver() {
    // Were the driver's exports linked in, SQLAllocHandle would resolve to them, not libodbc.
    let exe = std::env::current_exe().expect("test binary");
    let out = std::process::Command::new("nm")
        .arg(&exe)
        .output()
        .expect("run nm");
    let defined = String::from_utf8_lossy(&out.stdout)
        .lines()
        .any(|l| l.ends_with(" T SQLAllocHandle"));
    assert!(
        out.status.success() && !defined,
        "the test binary defines SQLAllocHandle itself"
    );
}

/// The error of a call that must fail (its success value need not be printable).
fn error_of<T>(result: Result<T, odbc_api::Error>) -> odbc_api::Error {
    match result {
        Ok(_) => panic!("the call succeeded where an error was expected"),
        Err(e) => e,
    }
}
