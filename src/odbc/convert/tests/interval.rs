//! SQL_INTERVAL_STRUCT targets.

use super::*;

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
    // Text holding an interval converts as the interval would; other text is 22018 and
    // other types 07006.
    assert_eq!(
        err(&Datum::Text("1 year 2 mons"), 103),
        ConvertError::IntervalOverflow
    );
    assert_eq!(
        err(&Datum::Text("1 fortnight"), 103),
        ConvertError::InvalidCast
    );
    assert_eq!(err(&Datum::Int4(1), 103), ConvertError::Unsupported);
}
