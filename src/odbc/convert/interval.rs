//! Intervals: SQL_INTERVAL_STRUCT targets from interval columns, and from text holding an
//! interval (the rules are in the notes of [`super`]).

use super::{interval_text, put_fixed, ConvertError, Written, INTERVAL_STRUCT_SIZE};
use crate::engine::value::Datum;

/// SQL_INTERVAL_STRUCT for an interval column (see the module notes for the rules).
#[inline]
pub(super) fn write_interval(
    datum: &Datum<'_>,
    target: i16,
    out: &mut [u8],
) -> Result<Written, ConvertError> {
    const US_PER_SECOND: u128 = 1_000_000;
    const US_PER_MINUTE: u128 = 60 * US_PER_SECOND;
    const US_PER_HOUR: u128 = 60 * US_PER_MINUTE;
    const US_PER_DAY: u128 = 24 * US_PER_HOUR;
    let (months, days, micros) = match datum {
        Datum::Interval {
            months,
            days,
            micros,
        } => (*months, *days, *micros),
        // Text holding an interval (a character column, or a type read as its text).
        Datum::Text(text) => interval_text::parse(text).ok_or(ConvertError::InvalidCast)?,
        Datum::Other(text) => interval_text::parse(text).ok_or(ConvertError::InvalidCast)?,
        _ => return Err(ConvertError::Unsupported),
    };
    // SQL_IS_YEAR (1) .. SQL_IS_MINUTE_TO_SECOND (13): the C type code less 100.
    let code = target - 100;
    let field = |v: u128| u32::try_from(v).map_err(|_| ConvertError::IntervalOverflow);
    // Fields in struct order: year, month (year-month); day, hour, minute, second, fraction.
    let mut fields = [0u32; 5];
    let (negative, truncated) = if matches!(code, 1 | 2 | 7) {
        let m = u128::from(months.unsigned_abs());
        let (year, month, rest) = match code {
            1 => (m / 12, 0, m % 12),
            2 => (0, m, 0),
            _ => (m / 12, m % 12, 0),
        };
        fields[0] = field(year)?;
        fields[1] = field(month)?;
        (months < 0, rest != 0 || days != 0 || micros != 0)
    } else {
        if months != 0 {
            return Err(ConvertError::IntervalOverflow);
        }
        let total =
            i128::from(days) * i128::try_from(US_PER_DAY).unwrap_or(i128::MAX) + i128::from(micros);
        let us = total.unsigned_abs();
        // The leading field takes everything above it; the trailing ones what is left.
        let (day, hour, minute, second, fraction, rest) = match code {
            3 => (us / US_PER_DAY, 0, 0, 0, 0, us % US_PER_DAY),
            4 => (0, us / US_PER_HOUR, 0, 0, 0, us % US_PER_HOUR),
            5 => (0, 0, us / US_PER_MINUTE, 0, 0, us % US_PER_MINUTE),
            6 => (0, 0, 0, us / US_PER_SECOND, us % US_PER_SECOND, 0),
            8 => (
                us / US_PER_DAY,
                us % US_PER_DAY / US_PER_HOUR,
                0,
                0,
                0,
                us % US_PER_HOUR,
            ),
            9 => (
                us / US_PER_DAY,
                us % US_PER_DAY / US_PER_HOUR,
                us % US_PER_HOUR / US_PER_MINUTE,
                0,
                0,
                us % US_PER_MINUTE,
            ),
            10 => (
                us / US_PER_DAY,
                us % US_PER_DAY / US_PER_HOUR,
                us % US_PER_HOUR / US_PER_MINUTE,
                us % US_PER_MINUTE / US_PER_SECOND,
                us % US_PER_SECOND,
                0,
            ),
            11 => (
                0,
                us / US_PER_HOUR,
                us % US_PER_HOUR / US_PER_MINUTE,
                0,
                0,
                us % US_PER_MINUTE,
            ),
            12 => (
                0,
                us / US_PER_HOUR,
                us % US_PER_HOUR / US_PER_MINUTE,
                us % US_PER_MINUTE / US_PER_SECOND,
                us % US_PER_SECOND,
                0,
            ),
            _ => (
                0,
                0,
                us / US_PER_MINUTE,
                us % US_PER_MINUTE / US_PER_SECOND,
                us % US_PER_SECOND,
                0,
            ),
        };
        for (slot, v) in fields.iter_mut().zip([day, hour, minute, second, fraction]) {
            *slot = field(v)?;
        }
        (total < 0, rest != 0)
    };
    let mut bytes = [0u8; INTERVAL_STRUCT_SIZE];
    bytes[0..4].copy_from_slice(&i32::from(code).to_ne_bytes());
    bytes[4..6].copy_from_slice(&i16::from(negative).to_ne_bytes());
    for (i, v) in fields.iter().enumerate() {
        bytes[8 + 4 * i..12 + 4 * i].copy_from_slice(&v.to_ne_bytes());
    }
    Ok(put_fixed(out, &bytes, truncated))
}
