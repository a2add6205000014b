//! Integer, floating-point, bit and SQL_NUMERIC_STRUCT targets, and decimal literals.

use super::*;
use crate::odbc::convert::numeric::{parse_decimal, Decimal};

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

/// More than 38 integer digits do not fit a SQL_NUMERIC_STRUCT: 01004 (truncated), with the
/// digits' count and their low 128 bits, as psqlODBC leaves it.
#[test]
fn numeric_struct_of_more_than_38_integer_digits_is_truncated_with_01004() {
    let wrapped = |digits: &str| {
        digits.bytes().fold(0u128, |m, b| {
            m.wrapping_mul(10).wrapping_add(u128::from(b - b'0'))
        })
    };
    let digits45 = "123456789012345678901234567890123456789012345";
    for (text, precision, scale, positive, all_digits) in [
        (digits45.to_string(), 45, 0, true, digits45.to_string()),
        (format!("-{digits45}"), 45, 0, false, digits45.to_string()),
        (format!("{digits45}.0"), 46, 1, true, format!("{digits45}0")),
        (
            "1e40".to_string(),
            41,
            0,
            true,
            format!("1{}", "0".repeat(40)),
        ),
    ] {
        let mut out = [0xAAu8; 19];
        let got = write_datum(&Datum::Numeric(text.clone()), c::NUMERIC, &mut out, 0)
            .unwrap_or_else(|e| panic!("{text}: {e}"));
        assert!(got.truncated, "{text}");
        assert_eq!(
            &out[..],
            &numeric_bytes(precision, scale, positive, wrapped(&all_digits))[..],
            "{text}"
        );
    }
    // 38 integer digits and a longer fraction still fit, the fraction cut (01S07).
    let mut out = [0u8; 19];
    let got = write_datum(
        &Datum::Numeric(format!("{}.25", "9".repeat(38))),
        c::NUMERIC,
        &mut out,
        0,
    )
    .unwrap();
    assert!(!got.truncated && got.fractional_truncation);
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
