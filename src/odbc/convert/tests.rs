//! Table-driven tests for SQL-to-C conversion.
#![allow(
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss,
    clippy::type_complexity
)]

use super::*;
use crate::engine::value::USECS_PER_SEC;
use odbc_sys::CDataType;

const DAY: i64 = USECS_PER_DAY;
const SEC: i64 = USECS_PER_SEC;

fn w(datum: &Datum<'_>, target: i16, buf: usize, offset: usize) -> (Vec<u8>, Written) {
    let mut out = vec![0xAAu8; buf];
    let written = write_datum(datum, target, &mut out, offset).unwrap();
    (out, written)
}

fn err(datum: &Datum<'_>, target: i16) -> ConvertError {
    let mut out = [0u8; 64];
    write_datum(datum, target, &mut out, 0).unwrap_err()
}

fn ok(len: usize, total: usize, truncated: bool) -> Written {
    Written {
        len,
        total: Some(total),
        truncated,
        fractional_truncation: false,
    }
}

#[test]
fn c_constants_match_odbc_sys() {
    let table: &[(i16, CDataType)] = &[
        (c::CHAR, CDataType::Char),
        (c::WCHAR, CDataType::WChar),
        (c::BINARY, CDataType::Binary),
        (c::BIT, CDataType::Bit),
        (c::STINYINT, CDataType::STinyInt),
        (c::UTINYINT, CDataType::UTinyInt),
        (c::SSHORT, CDataType::SShort),
        (c::USHORT, CDataType::UShort),
        (c::SLONG, CDataType::SLong),
        (c::ULONG, CDataType::ULong),
        (c::SBIGINT, CDataType::SBigInt),
        (c::UBIGINT, CDataType::UBigInt),
        (c::FLOAT, CDataType::Float),
        (c::DOUBLE, CDataType::Double),
        (c::NUMERIC, CDataType::Numeric),
        (c::DATE, CDataType::Date),
        (c::TIME, CDataType::Time),
        (c::TIMESTAMP, CDataType::TimeStamp),
        (c::TYPE_DATE, CDataType::TypeDate),
        (c::TYPE_TIME, CDataType::TypeTime),
        (c::TYPE_TIMESTAMP, CDataType::TypeTimestamp),
        (c::DEFAULT, CDataType::Default),
        (c::INTERVAL_YEAR, CDataType::IntervalYear),
        (
            c::INTERVAL_MINUTE_TO_SECOND,
            CDataType::IntervalMinuteToSecond,
        ),
    ];
    for &(ours, theirs) in table {
        assert_eq!(ours, theirs as i16, "{theirs:?}");
    }
}

#[test]
fn char_text_of_every_datum() {
    let uuid = Datum::Uuid([0xAB; 16]);
    let cases: &[(Datum<'_>, &str)] = &[
        (Datum::Bool(true), "1"),
        (Datum::Bool(false), "0"),
        (Datum::Int2(-5), "-5"),
        (Datum::Int8(i64::MIN), "-9223372036854775808"),
        (Datum::Float8(1.5), "1.5"),
        (Datum::Float4(0.1), "0.1"),
        (Datum::Numeric("-1.50".into()), "-1.50"),
        (Datum::Text("hé"), "hé"),
        (Datum::Bytes(&[0x0a, 0xff]), "\\x0aff"),
        (Datum::Date(0), "2000-01-01"),
        (Datum::Timestamp(DAY + 1), "2000-01-02 00:00:00.000001"),
        (Datum::TimestampTz(0), "2000-01-01 00:00:00+00"),
        (
            Datum::Interval {
                months: 0,
                days: 1,
                micros: 0,
            },
            "1 day",
        ),
        (uuid, "abababab-abab-abab-abab-abababababab"),
        (Datum::Oid(7), "7"),
        (Datum::Other("{1,2}".into()), "{1,2}"),
    ];
    for (datum, want) in cases {
        let (out, written) = w(datum, c::CHAR, 64, 0);
        assert_eq!(&out[..written.len], want.as_bytes(), "{datum:?}");
        assert_eq!(out[written.len], 0, "NUL after {datum:?}");
        assert_eq!(written, ok(want.len(), want.len(), false));
        // SQL_C_WCHAR carries the same text as UTF-16LE.
        let (out, written) = w(datum, c::WCHAR, 128, 0);
        let wide: Vec<u8> = want.encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert_eq!(&out[..written.len], &wide[..], "{datum:?}");
        assert_eq!(&out[written.len..written.len + 2], &[0, 0]);
        assert_eq!(written, ok(wide.len(), wide.len(), false));
    }
}

#[test]
fn char_pieces_and_truncation() {
    let hello = Datum::Text("hello");
    // (buffer, offset, bytes delivered, Written)
    let cases: &[(usize, usize, &[u8], Written)] = &[
        (3, 0, b"he", ok(2, 5, true)),
        (3, 2, b"ll", ok(2, 3, true)),
        (3, 4, b"o", ok(1, 1, false)),
        (6, 0, b"hello", ok(5, 5, false)),
        (5, 0, b"hell", ok(4, 5, true)),
        (1, 0, b"", ok(0, 5, true)),
        (0, 0, b"", ok(0, 5, true)),
        (3, 5, b"", ok(0, 0, false)),
        (3, 99, b"", ok(0, 0, false)),
    ];
    for &(buf, offset, want, written) in cases {
        let (out, got) = w(&hello, c::CHAR, buf, offset);
        assert_eq!(got, written, "buf {buf} offset {offset}");
        assert_eq!(&out[..got.len], want);
        if buf > 0 {
            assert_eq!(out[got.len], 0);
        }
    }
    // Byte truncation may split a multibyte character; the pieces concatenate back.
    let (out, got) = w(&Datum::Text("é"), c::CHAR, 2, 0);
    assert_eq!((&out[..], got), (&[0xC3, 0][..], ok(1, 2, true)));
    let (out, got) = w(&Datum::Text("é"), c::CHAR, 2, 1);
    assert_eq!((&out[..], got), (&[0xA9, 0][..], ok(1, 1, false)));
    // Empty value with no room for the terminator loses nothing.
    assert_eq!(w(&Datum::Text(""), c::CHAR, 0, 0).1, ok(0, 0, false));
}

#[test]
fn wchar_pieces_and_truncation() {
    let abc = Datum::Text("abc");
    let cases: &[(usize, usize, &[u8], Written)] = &[
        (5, 0, b"a\0", ok(2, 6, true)),
        (4, 0, b"a\0", ok(2, 6, true)),
        (6, 0, b"a\0b\0", ok(4, 6, true)),
        (8, 0, b"a\0b\0c\0", ok(6, 6, false)),
        (4, 2, b"b\0", ok(2, 4, true)),
        (1, 0, b"", ok(0, 6, true)),
    ];
    for &(buf, offset, want, written) in cases {
        let (out, got) = w(&abc, c::WCHAR, buf, offset);
        assert_eq!(got, written, "buf {buf} offset {offset}");
        assert_eq!(&out[..got.len], want);
        if buf >= got.len + 2 {
            assert_eq!(&out[got.len..got.len + 2], &[0, 0]);
        } else {
            assert!(
                out.iter().all(|&b| b == 0xAA),
                "nothing written when no room for NUL"
            );
        }
    }
    let (out, got) = w(&Datum::Text("😀"), c::WCHAR, 10, 0);
    assert_eq!(&out[..got.len], &[0x3D, 0xD8, 0x00, 0xDE]);
}

#[test]
fn binary_targets() {
    let bytes = Datum::Bytes(&[1, 2, 3]);
    let (out, got) = w(&bytes, c::BINARY, 2, 0);
    assert_eq!((&out[..], got), (&[1, 2][..], ok(2, 3, true)));
    let (out, got) = w(&bytes, c::BINARY, 2, 2);
    assert_eq!((&out[..1], got), (&[3][..], ok(1, 1, false)));
    let (out, got) = w(&Datum::Int4(42), c::BINARY, 4, 0);
    assert_eq!((&out[..2], got), (&b"42"[..], ok(2, 2, false)));
    assert_eq!(&out[2..], &[0xAA, 0xAA], "no terminator for binary");
}

fn int_bytes(target: i16, v: i128) -> Vec<u8> {
    match target {
        c::STINYINT | c::TINYINT => (v as i8).to_ne_bytes().to_vec(),
        c::UTINYINT => (v as u8).to_ne_bytes().to_vec(),
        c::SSHORT | c::SHORT => (v as i16).to_ne_bytes().to_vec(),
        c::USHORT => (v as u16).to_ne_bytes().to_vec(),
        c::SLONG | c::LONG => (v as i32).to_ne_bytes().to_vec(),
        c::ULONG => (v as u32).to_ne_bytes().to_vec(),
        c::SBIGINT => (v as i64).to_ne_bytes().to_vec(),
        c::UBIGINT => (v as u64).to_ne_bytes().to_vec(),
        c::BIT => vec![v as u8],
        _ => unreachable!(),
    }
}

#[test]
fn integer_targets() {
    use ConvertError::*;
    // (datum, target, Ok((value, fractional truncation)) or Err)
    let cases: Vec<(Datum<'_>, i16, Result<(i128, bool), ConvertError>)> = vec![
        (Datum::Int4(300), c::STINYINT, Err(OutOfRange)),
        (Datum::Int4(300), c::SSHORT, Ok((300, false))),
        (Datum::Int4(300), c::SHORT, Ok((300, false))),
        (Datum::Int4(255), c::UTINYINT, Ok((255, false))),
        (Datum::Int4(-128), c::TINYINT, Ok((-128, false))),
        (Datum::Int4(-1), c::ULONG, Err(OutOfRange)),
        (Datum::Int4(-1), c::USHORT, Err(OutOfRange)),
        (Datum::Int2(-1), c::LONG, Ok((-1, false))),
        (
            Datum::Int8(i64::MAX),
            c::SBIGINT,
            Ok((i64::MAX.into(), false)),
        ),
        (
            Datum::Int8(i64::MAX),
            c::UBIGINT,
            Ok((i64::MAX.into(), false)),
        ),
        (Datum::Int8(i64::MAX), c::SLONG, Err(OutOfRange)),
        (
            Datum::Int8(i64::MIN),
            c::SBIGINT,
            Ok((i64::MIN.into(), false)),
        ),
        (Datum::Float8(1.5), c::SLONG, Ok((1, true))),
        (Datum::Float8(-1.5), c::SLONG, Ok((-1, true))),
        (Datum::Float8(-0.5), c::ULONG, Ok((0, true))),
        (Datum::Float4(2.0), c::SLONG, Ok((2, false))),
        (Datum::Float8(1e20), c::SBIGINT, Err(OutOfRange)),
        (
            Datum::Float8(1e19),
            c::UBIGINT,
            Ok((10_000_000_000_000_000_000, false)),
        ),
        (Datum::Float8(9.3e18), c::SBIGINT, Err(OutOfRange)),
        (Datum::Float8(f64::NAN), c::SLONG, Err(OutOfRange)),
        (Datum::Float8(f64::INFINITY), c::SBIGINT, Err(OutOfRange)),
        (Datum::Float8(1e300), c::SBIGINT, Err(OutOfRange)),
        (Datum::Numeric("123.000".into()), c::SLONG, Ok((123, false))),
        (Datum::Numeric("123.45".into()), c::SLONG, Ok((123, true))),
        (Datum::Numeric("-0.5".into()), c::SLONG, Ok((0, true))),
        (
            Datum::Numeric("99999999999999999999".into()),
            c::SBIGINT,
            Err(OutOfRange),
        ),
        (
            Datum::Numeric("18446744073709551615".into()),
            c::UBIGINT,
            Ok((u64::MAX.into(), false)),
        ),
        (
            Datum::Numeric("18446744073709551616".into()),
            c::UBIGINT,
            Err(OutOfRange),
        ),
        (
            Datum::Numeric("-9223372036854775808".into()),
            c::SBIGINT,
            Ok((i64::MIN.into(), false)),
        ),
        (Datum::Numeric("NaN".into()), c::SLONG, Err(OutOfRange)),
        (Datum::Numeric("Infinity".into()), c::SLONG, Err(OutOfRange)),
        (
            Datum::Numeric("1".to_string() + &"0".repeat(60)),
            c::SBIGINT,
            Err(OutOfRange),
        ),
        (
            Datum::Numeric("0.".to_string() + &"0".repeat(60) + "1"),
            c::SLONG,
            Ok((0, true)),
        ),
        (Datum::Text(" 42 "), c::SLONG, Ok((42, false))),
        (Datum::Text("+7"), c::SLONG, Ok((7, false))),
        (Datum::Text("4.2e1"), c::SLONG, Ok((42, false))),
        (Datum::Text("42e-1"), c::SLONG, Ok((4, true))),
        (Datum::Text("1e400"), c::SLONG, Err(OutOfRange)),
        (Datum::Text("0e400"), c::SLONG, Ok((0, false))),
        (Datum::Text("1e99999999999"), c::SLONG, Err(InvalidCast)),
        (Datum::Text("abc"), c::SLONG, Err(InvalidCast)),
        (Datum::Text(""), c::SLONG, Err(InvalidCast)),
        (Datum::Text("1.2.3"), c::SLONG, Err(InvalidCast)),
        (Datum::Text("12abc"), c::SLONG, Err(InvalidCast)),
        (Datum::Text("."), c::SLONG, Err(InvalidCast)),
        (Datum::Text(".5"), c::SLONG, Ok((0, true))),
        (Datum::Text("5."), c::SLONG, Ok((5, false))),
        (Datum::Bool(true), c::SLONG, Ok((1, false))),
        (Datum::Oid(u32::MAX), c::ULONG, Ok((u32::MAX.into(), false))),
        (Datum::Oid(u32::MAX), c::SLONG, Err(OutOfRange)),
        (Datum::Date(0), c::SLONG, Err(Unsupported)),
        (Datum::Bytes(b"1"), c::SLONG, Err(Unsupported)),
        (Datum::Uuid([0; 16]), c::SBIGINT, Err(Unsupported)),
        (Datum::Other("{1}".into()), c::SLONG, Err(InvalidCast)),
        // SQL_C_BIT: 0 and 1, values in (0, 2) truncate, the rest is out of range.
        (Datum::Bool(true), c::BIT, Ok((1, false))),
        (Datum::Int4(0), c::BIT, Ok((0, false))),
        (Datum::Int4(2), c::BIT, Err(OutOfRange)),
        (Datum::Int4(-1), c::BIT, Err(OutOfRange)),
        (Datum::Float8(1.5), c::BIT, Ok((1, true))),
        (Datum::Float8(0.5), c::BIT, Ok((0, true))),
        (Datum::Float8(-0.5), c::BIT, Err(OutOfRange)),
        (Datum::Text("1"), c::BIT, Ok((1, false))),
        (Datum::Text("x"), c::BIT, Err(InvalidCast)),
    ];
    for (datum, target, want) in cases {
        let mut out = [0xAAu8; 8];
        let got = write_datum(&datum, target, &mut out, 0);
        match want {
            Ok((v, frac)) => {
                let got = got.unwrap_or_else(|e| panic!("{datum:?} -> {target}: {e}"));
                let size = fixed_size(target).unwrap();
                assert_eq!(
                    &out[..size],
                    &int_bytes(target, v)[..],
                    "{datum:?} -> {target}"
                );
                assert_eq!(
                    got,
                    Written {
                        len: size,
                        total: Some(size),
                        truncated: false,
                        fractional_truncation: frac
                    }
                );
            }
            Err(e) => assert_eq!(got, Err(e), "{datum:?} -> {target}"),
        }
    }
}

#[test]
fn float_targets() {
    let f64_of = |d: &Datum<'_>| {
        let (out, _) = w(d, c::DOUBLE, 8, 0);
        f64::from_ne_bytes(out.try_into().unwrap())
    };
    let f32_of = |d: &Datum<'_>| {
        let (out, _) = w(d, c::FLOAT, 4, 0);
        f32::from_ne_bytes(out.try_into().unwrap())
    };
    assert_eq!(f64_of(&Datum::Numeric("0.1".into())), 0.1);
    assert_eq!(f64_of(&Datum::Int8(i64::MAX)), 9.223372036854776e18);
    // A real reads as the decimal value PostgreSQL prints for it, not its binary widening.
    assert_eq!(f64_of(&Datum::Float4(0.1)), 0.1);
    assert_eq!(f64_of(&Datum::Text("-2.5e-3")), -0.0025);
    assert!(f64_of(&Datum::Text("NaN")).is_nan());
    assert_eq!(
        f64_of(&Datum::Numeric("-Infinity".into())),
        f64::NEG_INFINITY
    );
    assert_eq!(f64_of(&Datum::Bool(true)), 1.0);
    assert_eq!(f32_of(&Datum::Numeric("0.1".into())), 0.1f32);
    assert_eq!(f32_of(&Datum::Float8(0.1)), 0.1f32);
    assert_eq!(f32_of(&Datum::Float8(f64::INFINITY)), f32::INFINITY);
    assert_eq!(
        err(&Datum::Float8(1e300), c::FLOAT),
        ConvertError::OutOfRange
    );
    assert_eq!(
        err(&Datum::Numeric("1e400".into()), c::DOUBLE),
        ConvertError::OutOfRange
    );
    assert_eq!(
        err(&Datum::Numeric("1e39".into()), c::FLOAT),
        ConvertError::OutOfRange
    );
    assert_eq!(
        err(&Datum::Text("one"), c::DOUBLE),
        ConvertError::InvalidCast
    );
    assert_eq!(err(&Datum::Date(0), c::DOUBLE), ConvertError::Unsupported);
}

fn numeric_bytes(precision: u8, scale: i8, positive: bool, val: u128) -> Vec<u8> {
    let mut v = vec![precision, scale as u8, u8::from(positive)];
    v.extend(val.to_le_bytes());
    v
}

#[test]
fn numeric_struct_target() {
    let big = "9".repeat(38);
    let cases: Vec<(Datum<'_>, Result<(Vec<u8>, bool), ConvertError>)> = vec![
        (
            Datum::Numeric("123.45".into()),
            Ok((numeric_bytes(5, 2, true, 12345), false)),
        ),
        (
            Datum::Numeric("-0.001".into()),
            Ok((numeric_bytes(3, 3, false, 1), false)),
        ),
        (
            Datum::Numeric("1.50".into()),
            Ok((numeric_bytes(3, 2, true, 150), false)),
        ),
        (
            Datum::Numeric("0".into()),
            Ok((numeric_bytes(1, 0, true, 0), false)),
        ),
        (
            Datum::Numeric("-0.00".into()),
            Ok((numeric_bytes(2, 2, true, 0), false)),
        ),
        (Datum::Int4(-7), Ok((numeric_bytes(1, 0, false, 7), false))),
        (
            Datum::Int8(i64::MIN),
            Ok((
                numeric_bytes(19, 0, false, 9_223_372_036_854_775_808),
                false,
            )),
        ),
        (
            Datum::Float8(1.5),
            Ok((numeric_bytes(2, 1, true, 15), false)),
        ),
        (
            Datum::Float8(1e20),
            Ok((
                numeric_bytes(21, 0, true, 100_000_000_000_000_000_000),
                false,
            )),
        ),
        (
            Datum::Text("1e5"),
            Ok((numeric_bytes(6, 0, true, 100_000), false)),
        ),
        (Datum::Bool(true), Ok((numeric_bytes(1, 0, true, 1), false))),
        (
            Datum::Numeric(big.clone()),
            Ok((numeric_bytes(38, 0, true, big.parse().unwrap()), false)),
        ),
        (
            Datum::Numeric(big.clone() + "9"),
            Err(ConvertError::OutOfRange),
        ),
        (
            Datum::Numeric(big.clone() + ".5"),
            Ok((numeric_bytes(38, 0, true, big.parse().unwrap()), true)),
        ),
        (
            Datum::Numeric("0.".to_string() + &"0".repeat(40) + "1"),
            Ok((numeric_bytes(38, 38, true, 0), true)),
        ),
        (
            Datum::Numeric("1.".to_string() + &"1".repeat(40)),
            Ok((
                numeric_bytes(38, 37, true, ("1".repeat(38)).parse().unwrap()),
                true,
            )),
        ),
        (Datum::Numeric("NaN".into()), Err(ConvertError::OutOfRange)),
        (Datum::Float8(f64::INFINITY), Err(ConvertError::OutOfRange)),
        (Datum::Text("x"), Err(ConvertError::InvalidCast)),
        (Datum::Date(0), Err(ConvertError::Unsupported)),
    ];
    for (datum, want) in cases {
        let mut out = [0xAAu8; 19];
        let got = write_datum(&datum, c::NUMERIC, &mut out, 0);
        match want {
            Ok((bytes, frac)) => {
                let got = got.unwrap_or_else(|e| panic!("{datum:?}: {e}"));
                assert_eq!(&out[..], &bytes[..], "{datum:?}");
                assert_eq!(got.fractional_truncation, frac, "{datum:?}");
                assert_eq!(got.len, 19);
            }
            Err(e) => assert_eq!(got, Err(e), "{datum:?}"),
        }
    }
}

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
        (Datum::Date(i32::MAX), c::TYPE_DATE, Err(Infinite)),
        (Datum::Date(i32::MIN), c::TYPE_TIMESTAMP, Err(Infinite)),
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
        (Datum::Timestamp(i64::MAX), c::TYPE_DATE, Err(Infinite)),
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
        (Datum::Text("infinity"), c::TYPE_DATE, Err(Infinite)),
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
            Err(Infinite),
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

#[test]
fn guid_target() {
    let u: [u8; 16] = [
        0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 9, 10, 11, 12, 13, 14, 15, 16,
    ];
    let mut want = 0x0102_0304u32.to_ne_bytes().to_vec();
    want.extend(0x0506u16.to_ne_bytes());
    want.extend(0x0708u16.to_ne_bytes());
    want.extend(9u8..=16);
    for datum in [
        Datum::Uuid(u),
        Datum::Text("01020304-0506-0708-090a-0b0c0d0e0f10"),
        Datum::Text("{01020304-0506-0708-090A-0B0C0D0E0F10}"),
        Datum::Text("0102030405060708090a0b0c0d0e0f10"),
    ] {
        let (out, got) = w(&datum, c::GUID, 16, 0);
        assert_eq!(out, want, "{datum:?}");
        assert_eq!(got, ok(16, 16, false));
    }
    assert_eq!(
        err(&Datum::Text("not-a-uuid"), c::GUID),
        ConvertError::InvalidCast
    );
    assert_eq!(
        err(
            &Datum::Text("01020304-0506-0708-090a-0b0c0d0e0f1g"),
            c::GUID
        ),
        ConvertError::InvalidCast
    );
    assert_eq!(err(&Datum::Int4(1), c::GUID), ConvertError::Unsupported);
}

#[test]
fn sizes_defaults_and_unsupported() {
    let sizes: &[(i16, Option<usize>)] = &[
        (c::CHAR, None),
        (c::WCHAR, None),
        (c::BINARY, None),
        (c::BIT, Some(1)),
        (c::STINYINT, Some(1)),
        (c::SSHORT, Some(2)),
        (c::SLONG, Some(4)),
        (c::LONG, Some(4)),
        (c::FLOAT, Some(4)),
        (c::SBIGINT, Some(8)),
        (c::DOUBLE, Some(8)),
        (c::NUMERIC, Some(19)),
        (c::TYPE_DATE, Some(6)),
        (c::TYPE_TIME, Some(6)),
        (c::TYPE_TIMESTAMP, Some(16)),
        (c::GUID, Some(16)),
        (c::INTERVAL_YEAR, Some(28)),
        (c::DEFAULT, None),
        (1234, None),
    ];
    for &(target, size) in sizes {
        assert_eq!(fixed_size(target), size, "{target}");
    }
    let defaults: &[(Type, i16)] = &[
        (Type::BOOL, c::BIT),
        (Type::INT2, c::SSHORT),
        (Type::INT4, c::SLONG),
        (Type::INT8, c::SBIGINT),
        (Type::FLOAT4, c::FLOAT),
        (Type::FLOAT8, c::DOUBLE),
        (Type::NUMERIC, c::CHAR),
        (Type::TEXT, c::CHAR),
        (Type::BYTEA, c::BINARY),
        (Type::DATE, c::TYPE_DATE),
        (Type::TIMESTAMPTZ, c::TYPE_TIMESTAMP),
        (Type::UUID, c::GUID),
        (Type::OID, c::ULONG),
        (Type::INT4_ARRAY, c::CHAR),
        (
            Type::new(
                "d".into(),
                90_000,
                Kind::Domain(Type::INT8),
                "public".into(),
            ),
            c::SBIGINT,
        ),
    ];
    for (ty, want) in defaults {
        assert_eq!(default_c_type(ty), *want, "{ty}");
    }
    // SQL_C_DEFAULT resolved from the datum.
    let (out, got) = w(&Datum::Int4(-2), c::DEFAULT, 4, 0);
    assert_eq!(
        (out, got),
        ((-2i32).to_ne_bytes().to_vec(), ok(4, 4, false))
    );
    assert_eq!(
        err(&Datum::Int4(1), c::INTERVAL_YEAR),
        ConvertError::Unsupported
    );
    assert_eq!(err(&Datum::Int4(1), 1234), ConvertError::Unsupported);
    // A too-small buffer for a fixed type gets nothing written.
    let (out, got) = w(&Datum::Int8(1), c::SBIGINT, 4, 0);
    assert_eq!(out, vec![0xAA; 4]);
    assert_eq!(
        got,
        Written {
            len: 0,
            total: Some(8),
            truncated: true,
            fractional_truncation: false
        }
    );
}

#[test]
fn errors_carry_sqlstates() {
    let table = [
        (ConvertError::OutOfRange, "22003"),
        (ConvertError::InvalidCast, "22018"),
        (ConvertError::Unsupported, "07006"),
        (ConvertError::InvalidDatetime, "22007"),
        (ConvertError::IntervalOverflow, "22015"),
    ];
    for (e, state) in table {
        assert_eq!(e.sqlstate(), state);
        assert!(!e.message().is_empty());
        assert!(e.to_string().starts_with(&format!("[{state}]")));
    }
}

#[test]
fn decimal_parsing() {
    let d = |neg, digits: &str, exp| {
        Some(Decimal {
            neg,
            digits: digits.as_bytes().to_vec(),
            exp,
        })
    };
    let cases: &[(&str, Option<Decimal>)] = &[
        ("123.45", d(false, "12345", -2)),
        ("-0.001", d(true, "1", -3)),
        ("007", d(false, "7", 0)),
        ("1e5", d(false, "1", 5)),
        ("1.5E-3", d(false, "15", -4)),
        ("+.5", d(false, "5", -1)),
        ("0", d(false, "", 0)),
        ("0.00", d(false, "", -2)),
        ("", None),
        ("-", None),
        ("1e", None),
        ("1e+", None),
        ("e5", None),
        ("1..2", None),
        ("NaN", None),
        ("0x10", None),
    ];
    for (s, want) in cases {
        assert_eq!(&parse_decimal(s), want, "{s:?}");
    }
}

/// Reads an SQL_INTERVAL_STRUCT image: (type code, negative, five u32 fields).
fn interval_of(out: &[u8]) -> (i32, i16, [u32; 5]) {
    let code = i32::from_ne_bytes(out[0..4].try_into().unwrap());
    let sign = i16::from_ne_bytes(out[4..6].try_into().unwrap());
    let mut fields = [0u32; 5];
    for (i, f) in fields.iter_mut().enumerate() {
        *f = u32::from_ne_bytes(out[8 + 4 * i..12 + 4 * i].try_into().unwrap());
    }
    (code, sign, fields)
}

#[test]
fn intervals_into_interval_structs() {
    const HOUR: i64 = 3600 * SEC;
    let iv = |months: i32, days: i32, micros: i64| Datum::Interval {
        months,
        days,
        micros,
    };
    // (value, C type, type code, negative, fields, 01S07)
    let cases: &[(Datum<'_>, i16, i32, i16, [u32; 5], bool)] = &[
        // 1 year 2 months.
        (iv(14, 0, 0), 107, 7, 0, [1, 2, 0, 0, 0], false),
        (iv(14, 0, 0), 101, 1, 0, [1, 0, 0, 0, 0], true),
        (iv(14, 0, 0), 102, 2, 0, [0, 14, 0, 0, 0], false),
        (iv(-14, 0, 0), 107, 7, 1, [1, 2, 0, 0, 0], false),
        // A day-time part is dropped from a year-month target.
        (iv(12, 3, 0), 101, 1, 0, [1, 0, 0, 0, 0], true),
        // -3 days -04:05:06.789
        (
            iv(0, -3, -(4 * HOUR + 5 * 60 * SEC + 6 * SEC + 789_000)),
            110,
            10,
            1,
            [3, 4, 5, 6, 789_000],
            false,
        ),
        // 1 day 02:00 in every day-time shape.
        (iv(0, 1, 2 * HOUR), 103, 3, 0, [1, 0, 0, 0, 0], true),
        (iv(0, 1, 2 * HOUR), 104, 4, 0, [0, 26, 0, 0, 0], false),
        (iv(0, 1, 2 * HOUR), 105, 5, 0, [0, 0, 1560, 0, 0], false),
        (iv(0, 1, 2 * HOUR), 106, 6, 0, [0, 0, 0, 93_600, 0], false),
        (iv(0, 1, 2 * HOUR), 108, 8, 0, [1, 2, 0, 0, 0], false),
        (
            iv(0, 1, 2 * HOUR + 90 * SEC),
            109,
            9,
            0,
            [1, 2, 1, 0, 0],
            true,
        ),
        (
            iv(0, 1, 2 * HOUR + 90 * SEC),
            111,
            11,
            0,
            [0, 26, 1, 0, 0],
            true,
        ),
        (
            iv(0, 1, 2 * HOUR + 90 * SEC + 5),
            112,
            12,
            0,
            [0, 26, 1, 30, 5],
            false,
        ),
        (
            iv(0, 1, 2 * HOUR + 90 * SEC + 5),
            113,
            13,
            0,
            [0, 0, 1561, 30, 5],
            false,
        ),
        // PostgreSQL lets the day and time parts differ in sign: 1 day -01:00 is 23 hours.
        (iv(0, 1, -HOUR), 104, 4, 0, [0, 23, 0, 0, 0], false),
        (iv(0, -1, HOUR), 104, 4, 1, [0, 23, 0, 0, 0], false),
    ];
    for (datum, target, code, sign, fields, frac) in cases {
        let (out, got) = w(datum, *target, 28, 0);
        assert_eq!(
            interval_of(&out),
            (*code, *sign, *fields),
            "{datum:?} as {target}"
        );
        assert_eq!(got.len, 28, "{datum:?} as {target}");
        assert_eq!(got.fractional_truncation, *frac, "{datum:?} as {target}");
    }
    // Months have no length in days.
    assert_eq!(err(&iv(1, 1, 0), 103), ConvertError::IntervalOverflow);
    // A leading field beyond 32 bits.
    assert_eq!(
        err(&iv(0, i32::MAX, 0), 106),
        ConvertError::IntervalOverflow
    );
    // Other columns do not convert to intervals.
    assert_eq!(err(&Datum::Text("1 day"), 103), ConvertError::Unsupported);
}

#[test]
fn float4_reads_as_its_decimal_value_in_a_double() {
    assert_eq!(float4_as_f64(1.1), 1.1);
    assert_eq!(float4_as_f64(-0.3), -0.3);
    assert_eq!(float4_as_f64(3.4028235e38), 3.4028235e38);
    assert_eq!(float4_as_f64(1e-45), 1e-45);
    assert_eq!(float4_as_f64(-1.1754944e-38), -1.1754944e-38);
    assert_eq!(float4_as_f64(16_777_216.0), 16_777_216.0);
    assert_eq!(float4_as_f64(0.0), 0.0);
    assert!(float4_as_f64(-0.0).is_sign_negative());
    assert!(float4_as_f64(f32::NAN).is_nan());
    assert_eq!(float4_as_f64(f32::INFINITY), f64::INFINITY);
    // Round trip: back to f32 it is the same value.
    for v in [1.1f32, 0.1, 123.456, 7e-10, 9.999999e37] {
        assert_eq!(float4_as_f64(v) as f32, v);
    }
}
