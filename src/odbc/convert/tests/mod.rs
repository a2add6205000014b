//! Table-driven tests for SQL-to-C conversion, by target kind; here the helpers and what
//! holds for every target.
#![allow(
    clippy::unwrap_used,
    clippy::cast_possible_truncation,
    clippy::cast_possible_wrap,
    clippy::cast_sign_loss,
    clippy::type_complexity
)]

mod datetime;
mod interval;
mod numeric;
mod table;
mod text;

use super::*;
use crate::engine::value::{USECS_PER_DAY, USECS_PER_SEC};
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
