//! Date, time and timestamp struct targets.

use super::*;
use crate::engine::value::{civil_from_pg_days, pg_days_from_civil};

fn date_struct(y: i16, m: u16, d: u16) -> Vec<u8> {
    [y.to_ne_bytes(), m.to_ne_bytes(), d.to_ne_bytes()].concat()
}

fn time_struct(h: u16, m: u16, s: u16) -> Vec<u8> {
    [h.to_ne_bytes(), m.to_ne_bytes(), s.to_ne_bytes()].concat()
}

fn ts_struct(y: i16, mo: u16, d: u16, h: u16, mi: u16, s: u16, frac: u32) -> Vec<u8> {
    let mut v = date_struct(y, mo, d);
    v.extend(time_struct(h, mi, s));
    v.extend(frac.to_ne_bytes());
    v
}

#[test]
fn datetime_targets() {
    use ConvertError::*;
    let ts = 8767 * DAY + (3 * 3600 + 4 * 60 + 5) * SEC + 123_456; // 2024-01-02 03:04:05.123456
    let cases: Vec<(Datum<'_>, i16, Result<(Vec<u8>, bool), ConvertError>)> = vec![
        (
            Datum::Date(0),
            c::TYPE_DATE,
            Ok((date_struct(2000, 1, 1), false)),
        ),
        (
            Datum::Date(0),
            c::DATE,
            Ok((date_struct(2000, 1, 1), false)),
        ),
        (
            Datum::Date(-1),
            c::TYPE_DATE,
            Ok((date_struct(1999, 12, 31), false)),
        ),
        (
            Datum::Date(pg_days_from_civil(-43, 3, 15) as i32),
            c::TYPE_DATE,
            Ok((date_struct(-43, 3, 15), false)),
        ),
        (
            Datum::Date(pg_days_from_civil(40_000, 1, 1) as i32),
            c::TYPE_DATE,
            Err(OutOfRange),
        ),
        // infinity and -infinity clamped as psqlODBC clamps them.
        (
            Datum::Date(i32::MAX),
            c::TYPE_DATE,
            Ok((date_struct(9999, 12, 31), false)),
        ),
        (
            Datum::Date(i32::MIN),
            c::TYPE_TIMESTAMP,
            Ok((ts_struct(-9999, 1, 1, 0, 0, 0, 0), false)),
        ),
        (
            Datum::Timestamp(ts),
            c::TYPE_DATE,
            Ok((date_struct(2024, 1, 2), true)),
        ),
        (
            Datum::TimestampTz(8767 * DAY),
            c::TYPE_DATE,
            Ok((date_struct(2024, 1, 2), false)),
        ),
        (
            Datum::Timestamp(-1),
            c::TYPE_DATE,
            Ok((date_struct(1999, 12, 31), true)),
        ),
        (
            Datum::Timestamp(i64::MAX),
            c::TYPE_DATE,
            Ok((date_struct(9999, 12, 31), true)),
        ),
        (
            Datum::Timestamp(i64::MAX),
            c::TYPE_TIMESTAMP,
            Ok((ts_struct(9999, 12, 31, 23, 59, 59, 0), false)),
        ),
        (Datum::Time(0), c::TYPE_DATE, Err(Unsupported)),
        (Datum::Int4(1), c::TYPE_DATE, Err(Unsupported)),
        (
            Datum::Text("2024-02-29"),
            c::TYPE_DATE,
            Ok((date_struct(2024, 2, 29), false)),
        ),
        (
            Datum::Text(" 2024-2-9 "),
            c::TYPE_DATE,
            Ok((date_struct(2024, 2, 9), false)),
        ),
        (Datum::Text("2023-02-29"), c::TYPE_DATE, Err(InvalidCast)),
        (Datum::Text("2024-13-01"), c::TYPE_DATE, Err(InvalidCast)),
        (
            Datum::Text("{d '2024-01-02'}"),
            c::TYPE_DATE,
            Ok((date_struct(2024, 1, 2), false)),
        ),
        (
            Datum::Text("2024-01-02 10:00:00"),
            c::TYPE_DATE,
            Ok((date_struct(2024, 1, 2), true)),
        ),
        (
            Datum::Text("2024-01-02 00:00:00+00"),
            c::TYPE_DATE,
            Ok((date_struct(2024, 1, 2), false)),
        ),
        (
            Datum::Text("0044-03-15 BC"),
            c::TYPE_DATE,
            Ok((date_struct(-43, 3, 15), false)),
        ),
        (Datum::Text("12:00:00"), c::TYPE_DATE, Err(InvalidCast)),
        (
            Datum::Text("infinity"),
            c::TYPE_DATE,
            Ok((date_struct(9999, 12, 31), true)),
        ),
        (
            Datum::Text("-infinity"),
            c::TYPE_TIMESTAMP,
            Ok((ts_struct(-9999, 1, 1, 0, 0, 0, 0), false)),
        ),
        (Datum::Text("yesterday"), c::TYPE_DATE, Err(InvalidCast)),
        (Datum::Text("2024-01-02x"), c::TYPE_DATE, Err(InvalidCast)),
        (
            Datum::Time((13 * 3600 + 45 * 60 + 30) * SEC),
            c::TYPE_TIME,
            Ok((time_struct(13, 45, 30), false)),
        ),
        (
            Datum::Time((13 * 3600 + 45 * 60 + 30) * SEC + 5),
            c::TIME,
            Ok((time_struct(13, 45, 30), true)),
        ),
        (
            Datum::Time(DAY),
            c::TYPE_TIME,
            Ok((time_struct(24, 0, 0), false)),
        ),
        (
            Datum::TimeTz(3600 * SEC, -7200),
            c::TYPE_TIME,
            Ok((time_struct(1, 0, 0), false)),
        ),
        (
            Datum::Timestamp(ts),
            c::TYPE_TIME,
            Ok((time_struct(3, 4, 5), true)),
        ),
        (
            Datum::Timestamp(8767 * DAY + 5 * SEC),
            c::TYPE_TIME,
            Ok((time_struct(0, 0, 5), false)),
        ),
        (Datum::Date(0), c::TYPE_TIME, Err(Unsupported)),
        (Datum::Text("25:00:00"), c::TYPE_TIME, Err(InvalidCast)),
        (Datum::Text("12:60"), c::TYPE_TIME, Err(InvalidCast)),
        (
            Datum::Text("12:30"),
            c::TYPE_TIME,
            Ok((time_struct(12, 30, 0), false)),
        ),
        (
            Datum::Text("{t '23:59:59'}"),
            c::TYPE_TIME,
            Ok((time_struct(23, 59, 59), false)),
        ),
        (
            Datum::Text("2024-01-02 03:04:05"),
            c::TYPE_TIME,
            Ok((time_struct(3, 4, 5), false)),
        ),
        (Datum::Text("2024-01-02"), c::TYPE_TIME, Err(InvalidCast)),
        (
            Datum::Timestamp(ts),
            c::TYPE_TIMESTAMP,
            Ok((ts_struct(2024, 1, 2, 3, 4, 5, 123_456_000), false)),
        ),
        (
            Datum::Timestamp(ts),
            c::TIMESTAMP,
            Ok((ts_struct(2024, 1, 2, 3, 4, 5, 123_456_000), false)),
        ),
        (
            Datum::TimestampTz(-1),
            c::TYPE_TIMESTAMP,
            Ok((ts_struct(1999, 12, 31, 23, 59, 59, 999_999_000), false)),
        ),
        (
            Datum::Date(8767),
            c::TYPE_TIMESTAMP,
            Ok((ts_struct(2024, 1, 2, 0, 0, 0, 0), false)),
        ),
        (
            Datum::TimestampTz(i64::MIN),
            c::TYPE_TIMESTAMP,
            Ok((ts_struct(-9999, 1, 1, 0, 0, 0, 0), false)),
        ),
        (
            Datum::Text("2024-01-02T03:04:05.123456789+02"),
            c::TYPE_TIMESTAMP,
            Ok((ts_struct(2024, 1, 2, 3, 4, 5, 123_456_789), false)),
        ),
        (
            Datum::Text("{ts '2024-01-02 03:04:05.5'}"),
            c::TYPE_TIMESTAMP,
            Ok((ts_struct(2024, 1, 2, 3, 4, 5, 500_000_000), false)),
        ),
        (
            Datum::Text("2024-01-02 03:04:05.1234567891"),
            c::TYPE_TIMESTAMP,
            Ok((ts_struct(2024, 1, 2, 3, 4, 5, 123_456_789), false)),
        ),
        (
            Datum::Text("2024-01-02 03:04:05 junk"),
            c::TYPE_TIMESTAMP,
            Err(InvalidCast),
        ),
        (
            Datum::Text("2024-01-02 03:04:05 Z"),
            c::TYPE_TIMESTAMP,
            Ok((ts_struct(2024, 1, 2, 3, 4, 5, 0), false)),
        ),
        (
            Datum::Text("2024-01-02 03:04:05-05:30"),
            c::TYPE_TIMESTAMP,
            Ok((ts_struct(2024, 1, 2, 3, 4, 5, 0), false)),
        ),
        (Datum::Bytes(b""), c::TYPE_TIMESTAMP, Err(Unsupported)),
    ];
    for (datum, target, want) in cases {
        let mut out = [0xAAu8; 16];
        let got = write_datum(&datum, target, &mut out, 0);
        match want {
            Ok((bytes, frac)) => {
                let got = got.unwrap_or_else(|e| panic!("{datum:?} -> {target}: {e}"));
                assert_eq!(&out[..bytes.len()], &bytes[..], "{datum:?} -> {target}");
                assert_eq!(
                    got,
                    Written {
                        len: bytes.len(),
                        total: Some(bytes.len()),
                        truncated: false,
                        fractional_truncation: frac
                    },
                    "{datum:?} -> {target}"
                );
            }
            Err(e) => assert_eq!(got, Err(e), "{datum:?} -> {target}"),
        }
    }
}

#[test]
fn time_to_timestamp_uses_today() {
    let (out, _) = w(&Datum::Time(3600 * SEC), c::TYPE_TIMESTAMP, 16, 0);
    let (y, m, d) = civil_from_pg_days(today());
    assert_eq!(out, ts_struct(y as i16, m as u16, d as u16, 1, 0, 0, 0));
    let (out, _) = w(&Datum::Time(DAY), c::TYPE_TIMESTAMP, 16, 0);
    let (y, m, d) = civil_from_pg_days(today() + 1);
    assert_eq!(out, ts_struct(y as i16, m as u16, d as u16, 0, 0, 0, 0));
}
