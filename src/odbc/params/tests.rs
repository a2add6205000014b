//! Table-driven tests for parameter rendering.
#![allow(
    clippy::unwrap_used,
    clippy::cast_sign_loss,
    clippy::cast_possible_truncation,
    clippy::type_complexity
)]

use super::*;
use crate::engine::value::Datum;
use crate::odbc::convert::write_datum;

fn p(c_type: i16, sql_type: i16, data: &[u8]) -> Result<Option<String>, ConvertError> {
    param_to_text(c_type, sql_type, data).map(|t| Some(t.text))
}

fn wide(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

fn numeric(precision: u8, scale: i8, sign: u8, val: u128) -> Vec<u8> {
    let mut v = vec![precision, scale.to_ne_bytes()[0], sign];
    v.extend(val.to_le_bytes());
    v
}

fn date(y: i16, m: u16, d: u16) -> Vec<u8> {
    [y.to_ne_bytes(), m.to_ne_bytes(), d.to_ne_bytes()].concat()
}

fn time(h: u16, m: u16, s: u16) -> Vec<u8> {
    [h.to_ne_bytes(), m.to_ne_bytes(), s.to_ne_bytes()].concat()
}

fn ts(y: i16, mo: u16, d: u16, h: u16, mi: u16, s: u16, frac: u32) -> Vec<u8> {
    [date(y, mo, d), time(h, mi, s), frac.to_ne_bytes().to_vec()].concat()
}

#[test]
fn params_render_as_postgres_text() {
    use ConvertError::*;
    let guid = {
        let mut v = 0x0102_0304u32.to_ne_bytes().to_vec();
        v.extend(0x0506u16.to_ne_bytes());
        v.extend(0x0708u16.to_ne_bytes());
        v.extend(9u8..=16);
        v
    };
    let cases: Vec<(i16, i16, Vec<u8>, Result<&str, ConvertError>)> = vec![
        (
            c::CHAR,
            sql::VARCHAR,
            "héllo".as_bytes().to_vec(),
            Ok("héllo"),
        ),
        (c::CHAR, sql::VARCHAR, b"".to_vec(), Ok("")),
        (c::CHAR, sql::VARCHAR, b"abc\0\0\0".to_vec(), Ok("abc")),
        (c::CHAR, sql::VARCHAR, b"a\0b".to_vec(), Err(NulInText(2))),
        (c::WCHAR, sql::WVARCHAR, wide("ab\0\0"), Ok("ab")),
        (c::WCHAR, sql::WVARCHAR, wide("é\0b"), Err(NulInText(2))),
        (c::BINARY, sql::VARCHAR, b"ab\0".to_vec(), Err(NulInText(3))),
        (c::CHAR, sql::INTEGER, b"42".to_vec(), Ok("42")),
        (c::CHAR, sql::VARCHAR, vec![0xC3], Err(InvalidCast)),
        (c::CHAR, sql::VARBINARY, b"0A0b".to_vec(), Ok("\\x0a0b")),
        (c::CHAR, sql::VARBINARY, b"0x0A".to_vec(), Ok("\\x0a")),
        (c::CHAR, sql::BINARY, b"0A0".to_vec(), Err(InvalidCast)),
        (
            c::CHAR,
            sql::LONGVARBINARY,
            b"zz".to_vec(),
            Err(InvalidCast),
        ),
        (c::WCHAR, sql::WVARCHAR, wide("héllo 😀"), Ok("héllo 😀")),
        (
            c::WCHAR,
            sql::WVARCHAR,
            [wide("ab"), vec![0, 0], wide("cd")].concat(),
            Err(NulInText(3)),
        ),
        (c::WCHAR, sql::WVARCHAR, vec![0x3D, 0xD8], Err(InvalidCast)),
        (
            c::WCHAR,
            sql::WVARCHAR,
            vec![0x00, 0xDE, 0x41, 0x00],
            Err(InvalidCast),
        ),
        (c::WCHAR, sql::WVARCHAR, vec![0x41], Err(InvalidCast)),
        (c::BINARY, sql::VARBINARY, vec![0, 1, 0xff], Ok("\\x0001ff")),
        (c::BINARY, sql::LONGVARBINARY, vec![], Ok("\\x")),
        (c::BINARY, sql::VARCHAR, b"text".to_vec(), Ok("text")),
        (c::BINARY, sql::VARCHAR, vec![0xff], Err(InvalidCast)),
        (c::BINARY, sql::VARCHAR, vec![b'a', 0], Err(NulInText(2))),
        (c::BIT, sql::BIT, vec![1], Ok("1")),
        (c::BIT, sql::BIT, vec![0], Ok("0")),
        (c::BIT, sql::BIT, vec![], Err(InvalidCast)),
        (c::STINYINT, sql::TINYINT, vec![0x80], Ok("-128")),
        (c::TINYINT, sql::TINYINT, vec![0x7f], Ok("127")),
        (c::UTINYINT, sql::TINYINT, vec![0xff], Ok("255")),
        (
            c::SSHORT,
            sql::SMALLINT,
            (-300i16).to_ne_bytes().to_vec(),
            Ok("-300"),
        ),
        (
            c::SHORT,
            sql::SMALLINT,
            7i16.to_ne_bytes().to_vec(),
            Ok("7"),
        ),
        (
            c::USHORT,
            sql::INTEGER,
            u16::MAX.to_ne_bytes().to_vec(),
            Ok("65535"),
        ),
        (
            c::SLONG,
            sql::INTEGER,
            i32::MIN.to_ne_bytes().to_vec(),
            Ok("-2147483648"),
        ),
        (c::LONG, sql::INTEGER, 5i32.to_ne_bytes().to_vec(), Ok("5")),
        (
            c::ULONG,
            sql::BIGINT,
            u32::MAX.to_ne_bytes().to_vec(),
            Ok("4294967295"),
        ),
        (
            c::SBIGINT,
            sql::BIGINT,
            i64::MIN.to_ne_bytes().to_vec(),
            Ok("-9223372036854775808"),
        ),
        (
            c::UBIGINT,
            sql::NUMERIC,
            u64::MAX.to_ne_bytes().to_vec(),
            Ok("18446744073709551615"),
        ),
        (c::SLONG, sql::INTEGER, vec![1, 2], Err(InvalidCast)),
        (
            c::FLOAT,
            sql::REAL,
            0.1f32.to_ne_bytes().to_vec(),
            Ok("0.1"),
        ),
        (
            c::FLOAT,
            sql::REAL,
            f32::NAN.to_ne_bytes().to_vec(),
            Ok("NaN"),
        ),
        (
            c::DOUBLE,
            sql::DOUBLE,
            0.1f64.to_ne_bytes().to_vec(),
            Ok("0.1"),
        ),
        (
            c::DOUBLE,
            sql::DOUBLE,
            (1.0f64 / 3.0).to_ne_bytes().to_vec(),
            Ok("0.3333333333333333"),
        ),
        (
            c::DOUBLE,
            sql::DOUBLE,
            1e300f64.to_ne_bytes().to_vec(),
            Ok("1e+300"),
        ),
        (
            c::DOUBLE,
            sql::DOUBLE,
            f64::NEG_INFINITY.to_ne_bytes().to_vec(),
            Ok("-Infinity"),
        ),
        (
            c::DOUBLE,
            sql::DOUBLE,
            (-0.0f64).to_ne_bytes().to_vec(),
            Ok("-0"),
        ),
        (
            c::NUMERIC,
            sql::NUMERIC,
            numeric(5, 2, 1, 12345),
            Ok("123.45"),
        ),
        (c::NUMERIC, sql::NUMERIC, numeric(3, 3, 0, 1), Ok("-0.001")),
        (c::NUMERIC, sql::NUMERIC, numeric(1, 0, 0, 0), Ok("0")),
        (c::NUMERIC, sql::NUMERIC, numeric(3, 2, 1, 0), Ok("0.00")),
        (
            c::NUMERIC,
            sql::NUMERIC,
            numeric(3, -2, 1, 123),
            Ok("12300"),
        ),
        (c::NUMERIC, sql::NUMERIC, numeric(3, -2, 1, 0), Ok("0")),
        (
            c::NUMERIC,
            sql::NUMERIC,
            numeric(39, 0, 1, u128::MAX),
            Ok("340282366920938463463374607431768211455"),
        ),
        (
            c::NUMERIC,
            sql::NUMERIC,
            numeric(38, 38, 0, 5),
            Ok("-0.00000000000000000000000000000000000005"),
        ),
        (c::NUMERIC, sql::NUMERIC, vec![1, 0, 1], Err(InvalidCast)),
        (
            c::TYPE_DATE,
            sql::TYPE_DATE,
            date(2024, 2, 29),
            Ok("2024-02-29"),
        ),
        (c::DATE, sql::DATE, date(1, 1, 1), Ok("0001-01-01")),
        (
            c::TYPE_DATE,
            sql::TYPE_DATE,
            date(-43, 3, 15),
            Ok("0044-03-15 BC"),
        ),
        (
            c::TYPE_DATE,
            sql::TYPE_DATE,
            date(2023, 2, 29),
            Err(InvalidDatetime),
        ),
        (
            c::TYPE_DATE,
            sql::TYPE_DATE,
            date(2023, 0, 1),
            Err(InvalidDatetime),
        ),
        (
            c::TYPE_TIME,
            sql::TYPE_TIME,
            time(13, 45, 0),
            Ok("13:45:00"),
        ),
        (c::TIME, sql::TIME, time(24, 0, 0), Ok("24:00:00")),
        (
            c::TYPE_TIME,
            sql::TYPE_TIME,
            time(24, 0, 1),
            Err(InvalidDatetime),
        ),
        (
            c::TYPE_TIME,
            sql::TYPE_TIME,
            time(1, 60, 0),
            Err(InvalidDatetime),
        ),
        (
            c::TYPE_TIMESTAMP,
            sql::TYPE_TIMESTAMP,
            ts(2024, 1, 2, 3, 4, 5, 0),
            Ok("2024-01-02 03:04:05"),
        ),
        (
            c::TIMESTAMP,
            sql::TIMESTAMP,
            ts(2024, 1, 2, 3, 4, 5, 123_456_000),
            Ok("2024-01-02 03:04:05.123456"),
        ),
        (
            c::TYPE_TIMESTAMP,
            sql::TYPE_TIMESTAMP,
            ts(2024, 1, 2, 3, 4, 5, 123_456_789),
            Ok("2024-01-02 03:04:05.123456"),
        ),
        (
            c::TYPE_TIMESTAMP,
            sql::TYPE_TIMESTAMP,
            ts(2024, 12, 31, 23, 59, 59, 999_999_999),
            Ok("2024-12-31 23:59:59.999999"),
        ),
        (
            c::TYPE_TIMESTAMP,
            sql::TYPE_TIMESTAMP,
            ts(2024, 1, 2, 3, 4, 5, 500_000_000),
            Ok("2024-01-02 03:04:05.5"),
        ),
        (
            c::TYPE_TIMESTAMP,
            sql::TYPE_TIMESTAMP,
            ts(0, 1, 1, 0, 0, 0, 0),
            Ok("0001-01-01 00:00:00 BC"),
        ),
        (
            c::TYPE_TIMESTAMP,
            sql::TYPE_TIMESTAMP,
            ts(2024, 1, 2, 3, 4, 5, 1_000_000_000),
            Err(InvalidDatetime),
        ),
        (
            c::TYPE_TIMESTAMP,
            sql::TYPE_TIMESTAMP,
            ts(2024, 1, 32, 0, 0, 0, 0),
            Err(InvalidDatetime),
        ),
        (
            c::GUID,
            sql::GUID,
            guid,
            Ok("01020304-0506-0708-090a-0b0c0d0e0f10"),
        ),
        (c::GUID, sql::GUID, vec![0; 15], Err(InvalidCast)),
        (c::INTERVAL_YEAR, sql::VARCHAR, vec![0; 28], Ok("0 years")),
        (1234, sql::VARCHAR, vec![], Err(Unsupported)),
        // SQL_C_DEFAULT takes the SQL type's default C type.
        (
            c::DEFAULT,
            sql::INTEGER,
            9i32.to_ne_bytes().to_vec(),
            Ok("9"),
        ),
        (c::DEFAULT, sql::VARCHAR, b"x".to_vec(), Ok("x")),
        (c::DEFAULT, sql::WVARCHAR, wide("y"), Ok("y")),
        (
            c::DEFAULT,
            sql::DOUBLE,
            2.5f64.to_ne_bytes().to_vec(),
            Ok("2.5"),
        ),
        (c::DEFAULT, sql::VARBINARY, vec![0xab], Ok("\\xab")),
        (c::DEFAULT, 9999, vec![], Err(Unsupported)),
    ];
    for (c_type, sql_type, data, want) in cases {
        let got = p(c_type, sql_type, &data);
        assert_eq!(
            got,
            want.map(|s| Some(s.to_string())),
            "c {c_type} sql {sql_type} {data:?}"
        );
    }
}

#[test]
fn time_into_timestamp_takes_today() {
    let got = p(c::TYPE_TIME, sql::TYPE_TIMESTAMP, &time(1, 2, 3))
        .unwrap()
        .unwrap();
    let (y, m, d) = civil_from_pg_days(today());
    assert_eq!(got, format!("{y:04}-{m:02}-{d:02} 01:02:03"));
}

#[test]
fn fixed_lengths() {
    for (c_type, len) in [
        (c::BIT, Some(1)),
        (c::SLONG, Some(4)),
        (c::UBIGINT, Some(8)),
        (c::NUMERIC, Some(19)),
        (c::TYPE_DATE, Some(6)),
        (c::TYPE_TIMESTAMP, Some(16)),
        (c::GUID, Some(16)),
        (c::CHAR, None),
        (c::WCHAR, None),
        (c::BINARY, None),
    ] {
        assert_eq!(c_type_len(c_type), len, "{c_type}");
    }
}

/// A value written into a C struct by `convert` and sent back as a parameter comes out as
/// the same text.
#[test]
fn struct_round_trips_through_convert() {
    let cases: Vec<(Datum<'_>, i16, &str)> = vec![
        (Datum::Numeric("-123.4500".into()), c::NUMERIC, "-123.4500"),
        (Datum::Numeric("0.000123".into()), c::NUMERIC, "0.000123"),
        (Datum::Int8(i64::MIN), c::SBIGINT, "-9223372036854775808"),
        (Datum::Float8(0.1), c::DOUBLE, "0.1"),
        (Datum::Date(8766), c::TYPE_DATE, "2024-01-01"),
        (
            Datum::Timestamp(8766 * 86_400_000_000 + 1),
            c::TYPE_TIMESTAMP,
            "2024-01-01 00:00:00.000001",
        ),
        (
            Datum::Uuid([0xde; 16]),
            c::GUID,
            "dededede-dede-dede-dede-dededededede",
        ),
    ];
    for (datum, c_type, text) in cases {
        let mut buf = [0u8; 19];
        let w = write_datum(&datum, c_type, &mut buf, 0).unwrap();
        assert_eq!(
            p(c_type, sql::VARCHAR, &buf[..w.len]).unwrap().as_deref(),
            Some(text),
            "{datum:?}"
        );
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let c_types = [
        c::CHAR,
        c::WCHAR,
        c::BINARY,
        c::BIT,
        c::STINYINT,
        c::UTINYINT,
        c::SSHORT,
        c::USHORT,
        c::SLONG,
        c::ULONG,
        c::SBIGINT,
        c::UBIGINT,
        c::FLOAT,
        c::DOUBLE,
        c::NUMERIC,
        c::TYPE_DATE,
        c::TYPE_TIME,
        c::TYPE_TIMESTAMP,
        c::GUID,
        c::DEFAULT,
    ];
    for &c_type in &c_types {
        for sql_type in [
            sql::VARCHAR,
            sql::VARBINARY,
            sql::TYPE_TIMESTAMP,
            sql::INTEGER,
        ] {
            for _ in 0..500 {
                let len = (next() % 24) as usize;
                let raw: Vec<u8> = (0..len).map(|_| next() as u8).collect();
                let _ = p(c_type, sql_type, &raw);
            }
        }
    }
}

/// Arbitrary text through every C target: a value or an error, never a panic.
#[test]
fn random_text_into_every_target_never_panics() {
    let nines = "9".repeat(80);
    let samples = [
        "",
        " ",
        "-",
        "1e",
        nines.as_str(),
        "0.000",
        "-0",
        "24:00:00",
        "2024-02-30",
        "99999-01-01",
        "0000-01-01",
        "{ts '",
        "{d ''}",
        "12:34:56.",
        "1:2",
        "+05",
        "2024-01-01 00:00:00+",
        "é",
        "NaN",
        "-Infinity",
        "1e-99999",
        "00000000-0000-0000-0000-00000000000",
    ];
    let targets = [
        c::CHAR,
        c::WCHAR,
        c::BINARY,
        c::BIT,
        c::STINYINT,
        c::UTINYINT,
        c::SSHORT,
        c::USHORT,
        c::SLONG,
        c::ULONG,
        c::SBIGINT,
        c::UBIGINT,
        c::FLOAT,
        c::DOUBLE,
        c::NUMERIC,
        c::TYPE_DATE,
        c::TYPE_TIME,
        c::TYPE_TIMESTAMP,
        c::GUID,
        c::DEFAULT,
        c::INTERVAL_YEAR,
    ];
    for s in samples {
        for &t in &targets {
            for buf in [0usize, 1, 3, 32] {
                let mut out = vec![0u8; buf];
                let _ = write_datum(&Datum::Text(s), t, &mut out, 0);
                let _ = write_datum(&Datum::Numeric(s.to_string()), t, &mut out, 1);
            }
        }
    }
    for micros in [i64::MIN + 1, -1, i64::MAX - 1, 0] {
        for &t in &targets {
            let mut out = [0u8; 32];
            let _ = write_datum(&Datum::Time(micros), t, &mut out, 0);
            let _ = write_datum(&Datum::Timestamp(micros), t, &mut out, 0);
            let _ = write_datum(&Datum::TimeTz(micros, i32::MIN), t, &mut out, 0);
            let _ = write_datum(
                &Datum::Interval {
                    months: i32::MIN,
                    days: 1,
                    micros,
                },
                t,
                &mut out,
                0,
            );
        }
    }
}

/// An SQL_INTERVAL_STRUCT image.
fn interval(code: i32, negative: bool, fields: [u32; 5]) -> Vec<u8> {
    let mut v = code.to_ne_bytes().to_vec();
    v.extend(i16::from(negative).to_ne_bytes());
    v.extend([0u8; 2]);
    for f in fields {
        v.extend(f.to_ne_bytes());
    }
    v
}

#[test]
fn interval_structs_render_in_unit_words() {
    let cases: &[(i16, Vec<u8>, &str)] = &[
        (107, interval(7, false, [1, 2, 0, 0, 0]), "1 years 2 mons"),
        (101, interval(1, true, [3, 99, 0, 0, 0]), "-3 years"),
        (102, interval(2, false, [0, 14, 0, 0, 0]), "0 years 14 mons"),
        // Larger fields of the family are kept, as psqlODBC sends them.
        (102, interval(2, false, [1, 3, 0, 0, 0]), "1 years 3 mons"),
        (
            105,
            interval(5, true, [2, 3, 4, 0, 0]),
            "-2 days -3 hours -4 mins",
        ),
        (
            110,
            interval(10, true, [3, 4, 5, 6, 789_000]),
            "-3 days -4 hours -5 mins -6.789000 secs",
        ),
        (104, interval(4, false, [0, 26, 0, 0, 0]), "0 days 26 hours"),
        (
            113,
            interval(13, false, [0, 0, 1561, 30, 5]),
            "0 days 0 hours 1561 mins 30.000005 secs",
        ),
        (108, interval(8, false, [1, 2, 7, 7, 7]), "1 days 2 hours"),
    ];
    for (c_type, data, want) in cases {
        assert_eq!(
            p(*c_type, 0, data).unwrap().as_deref(),
            Some(*want),
            "C type {c_type}"
        );
    }
    // A fraction of a second that is a whole second or more.
    assert_eq!(
        p(106, 0, &interval(6, false, [0, 0, 0, 1, 1_000_000])),
        Err(ConvertError::InvalidCast)
    );
    // Too short for the struct.
    assert!(p(110, 0, &[0u8; 10]).is_err());
}

#[test]
fn date_time_escapes_in_character_data_stand_for_their_literal() {
    for (sql_type, value, want) in [
        (sql::TYPE_DATE, "{d '2024-01-02'}", "2024-01-02"),
        (sql::TYPE_TIME, " {T '03:04:05'} ", "03:04:05"),
        (
            sql::TYPE_TIMESTAMP,
            "{ts'2024-01-02 03:04:05.5'}",
            "2024-01-02 03:04:05.5",
        ),
        (sql::DATE, "{d '2024-01-02'}", "2024-01-02"),
        // Not an escape: passed as it is, for the server to judge.
        (sql::TYPE_DATE, "2024-01-02", "2024-01-02"),
        (sql::TYPE_DATE, "{x '2024-01-02'}", "{x '2024-01-02'}"),
        (sql::TYPE_DATE, "{d 2024-01-02}", "{d 2024-01-02}"),
        // Only date/time SQL types read escapes.
        (sql::VARCHAR, "{d '2024-01-02'}", "{d '2024-01-02'}"),
    ] {
        assert_eq!(
            p(c::CHAR, sql_type, value.as_bytes()).unwrap().as_deref(),
            Some(want),
            "{value} as SQL type {sql_type}"
        );
    }
}
