//! A datum in PostgreSQL's own text output form (DateStyle ISO, IntervalStyle postgres), and
//! the calendar and number formatting the ODBC conversions share.

use super::Datum;
use std::borrow::Cow;
use std::fmt::Write as _;

pub(crate) const USECS_PER_SEC: i64 = 1_000_000;
pub(crate) const USECS_PER_DAY: i64 = 86_400 * USECS_PER_SEC;
/// Days from 1970-01-01 to 2000-01-01, PostgreSQL's epoch.
const PG_EPOCH_UNIX_DAYS: i64 = 10_957;

/// Proleptic Gregorian (year, month, day) for a day count since 2000-01-01. Year 0 is
/// 1 BC (astronomical numbering), as in PostgreSQL's internal arithmetic.
pub(crate) fn civil_from_pg_days(days: i64) -> (i64, u32, u32) {
    // Howard Hinnant's days-to-civil algorithm, shifted to an era starting 0000-03-01.
    let z = days + PG_EPOCH_UNIX_DAYS + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    // month is 1..=12 and day 1..=31 by construction.
    (
        year,
        u32::try_from(month).unwrap_or(1),
        u32::try_from(day).unwrap_or(1),
    )
}

/// Inverse of [`civil_from_pg_days`]; the caller validates month and day.
pub(crate) fn pg_days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let (month, day) = (i64::from(month), i64::from(day));
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468 - PG_EPOCH_UNIX_DAYS
}

fn is_leap_year(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

pub(crate) fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap_year(year) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Splits microseconds since midnight into hour, minute, second, microsecond.
fn split_time(micros: i64) -> (i64, i64, i64, i64) {
    let secs = micros.div_euclid(USECS_PER_SEC);
    let frac = micros.rem_euclid(USECS_PER_SEC);
    (secs / 3600, secs / 60 % 60, secs % 60, frac)
}

/// ".123" style fraction with trailing zeros dropped; empty for zero.
fn push_fraction(out: &mut String, micros: u64) {
    if micros == 0 {
        return;
    }
    let digits = format!("{micros:06}");
    out.push('.');
    out.push_str(digits.trim_end_matches('0'));
}

fn push_time(out: &mut String, micros: i64) {
    let (h, m, s, us) = split_time(micros);
    let _ = write!(out, "{h:02}:{m:02}:{s:02}");
    push_fraction(out, us.unsigned_abs());
}

/// "YYYY-MM-DD" (ISO DateStyle); returns whether the year is BC.
fn push_date(out: &mut String, days: i64) -> bool {
    let (y, m, d) = civil_from_pg_days(days);
    let bc = y <= 0;
    let shown = if bc { 1 - y } else { y };
    let _ = write!(out, "{shown:04}-{m:02}-{d:02}");
    bc
}

fn date_text(days: i32) -> String {
    match days {
        i32::MIN => "-infinity".into(),
        i32::MAX => "infinity".into(),
        _ => {
            let mut out = String::new();
            if push_date(&mut out, i64::from(days)) {
                out.push_str(" BC");
            }
            out
        }
    }
}

fn timestamp_text(micros: i64, utc_suffix: bool) -> String {
    match micros {
        i64::MIN => "-infinity".into(),
        i64::MAX => "infinity".into(),
        _ => {
            let mut out = String::new();
            let bc = push_date(&mut out, micros.div_euclid(USECS_PER_DAY));
            out.push(' ');
            push_time(&mut out, micros.rem_euclid(USECS_PER_DAY));
            if utc_suffix {
                out.push_str("+00");
            }
            if bc {
                out.push_str(" BC");
            }
            out
        }
    }
}

/// A zone in PostgreSQL's west-positive seconds, printed east-positive: "+05:30".
fn push_zone(out: &mut String, zone_west: i32) {
    let east = -i64::from(zone_west);
    out.push(if east >= 0 { '+' } else { '-' });
    let abs = east.unsigned_abs();
    let (h, m, s) = (abs / 3600, abs / 60 % 60, abs % 60);
    let _ = write!(out, "{h:02}");
    if m != 0 || s != 0 {
        let _ = write!(out, ":{m:02}");
    }
    if s != 0 {
        let _ = write!(out, ":{s:02}");
    }
}

/// IntervalStyle "postgres" (the server default): "1 year 2 mons -3 days +04:05:06.5".
fn interval_text(months: i32, days: i32, micros: i64) -> String {
    // PostgreSQL 17 infinite intervals.
    if months == i32::MAX && days == i32::MAX && micros == i64::MAX {
        return "infinity".into();
    }
    if months == i32::MIN && days == i32::MIN && micros == i64::MIN {
        return "-infinity".into();
    }
    let mut out = String::new();
    let mut is_zero = true;
    let mut is_before = false;
    let mut part = |value: i64, unit: &str, out: &mut String| {
        if value == 0 {
            return;
        }
        let sep = if is_zero { "" } else { " " };
        let plus = if is_before && value > 0 { "+" } else { "" };
        let plural = if value != 1 { "s" } else { "" };
        let _ = write!(out, "{sep}{plus}{value} {unit}{plural}");
        is_before = value < 0;
        is_zero = false;
    };
    part(i64::from(months / 12), "year", &mut out);
    part(i64::from(months % 12), "mon", &mut out);
    part(i64::from(days), "day", &mut out);
    // Truncating division keeps every field's sign equal to micros' sign.
    let hours = micros / (3600 * USECS_PER_SEC);
    let mins = micros / (60 * USECS_PER_SEC) % 60;
    let secs = micros / USECS_PER_SEC % 60;
    let frac = micros % USECS_PER_SEC;
    if is_zero || micros != 0 {
        let minus = micros < 0;
        let sep = if is_zero { "" } else { " " };
        let sign = if minus {
            "-"
        } else if is_before {
            "+"
        } else {
            ""
        };
        let _ = write!(
            out,
            "{sep}{sign}{:02}:{:02}:{:02}",
            hours.unsigned_abs(),
            mins.unsigned_abs(),
            secs.unsigned_abs()
        );
        push_fraction(&mut out, frac.unsigned_abs());
    }
    out
}

#[inline]
pub(super) fn hex_text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(2 + bytes.len() * 2);
    out.push_str("\\x");
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

pub(crate) fn uuid_text(u: &[u8; 16]) -> String {
    let mut out = String::with_capacity(36);
    for (i, b) in u.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// float8 text as PostgreSQL 12+ prints it: the shortest digits that round-trip, plain
/// notation for decimal exponents -4..15, otherwise `1.5e+300` style.
pub(crate) fn float8_text(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    shortest_to_pg(ryu::Buffer::new().format_finite(v), 15)
}

/// float4 text: as [`float8_text`] with the fixed-notation range -4..6.
pub(crate) fn float4_text(v: f32) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    shortest_to_pg(ryu::Buffer::new().format_finite(v), 6)
}

/// Re-lays the shortest round-trip digits of a finite float, as ryu prints them (`-0.0`,
/// `250000.0`, `0.00012`, `1.5e300`, `1e-7`), out the way PostgreSQL's output does (which
/// uses the same algorithm, only another layout).
fn shortest_to_pg(shortest: &str, max_fixed_exp: i64) -> String {
    let (neg, body) = match shortest.strip_prefix('-') {
        Some(body) => (true, body),
        None => (false, shortest),
    };
    let (mantissa, exp) = match body.split_once('e') {
        Some((mantissa, exp)) => (mantissa, exp.parse::<i64>().unwrap_or(0)),
        None => (body, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    // The significant digits, and the decimal exponent of the first one.
    let mut digits = [0u8; 40];
    let mut len = 0;
    let mut first_exp = exp + i64::try_from(int.len()).unwrap_or(0) - 1;
    for &d in int.as_bytes().iter().chain(frac.as_bytes()) {
        if len == 0 && d == b'0' {
            first_exp -= 1;
            continue;
        }
        if len < digits.len() {
            digits[len] = d;
            len += 1;
        }
    }
    while len > 0 && digits[len - 1] == b'0' {
        len -= 1;
    }
    if len == 0 {
        return if neg { "-0" } else { "0" }.into();
    }
    let digits = &digits[..len];
    let exp = first_exp;
    let mut out = String::with_capacity(len + 8);
    if neg {
        out.push('-');
    }
    // Only ASCII digits were copied into `digits`.
    let text = std::str::from_utf8(digits).unwrap_or("0");
    let ndig = i64::try_from(len).unwrap_or(i64::MAX);
    if (-4..max_fixed_exp).contains(&exp) {
        if exp < 0 {
            out.push_str("0.");
            for _ in 0..(-exp - 1) {
                out.push('0');
            }
            out.push_str(text);
        } else if ndig <= exp + 1 {
            out.push_str(text);
            for _ in 0..(exp + 1 - ndig) {
                out.push('0');
            }
        } else {
            let int_len = usize::try_from(exp + 1).unwrap_or(0);
            out.push_str(&text[..int_len]);
            out.push('.');
            out.push_str(&text[int_len..]);
        }
    } else {
        out.push_str(&text[..1]);
        if len > 1 {
            out.push('.');
            out.push_str(&text[1..]);
        }
        let sign = if exp < 0 { '-' } else { '+' };
        let _ = write!(out, "e{sign}{:02}", exp.unsigned_abs());
    }
    out
}

/// bytea as an application reads it in character form: the hex digits alone, without
/// PostgreSQL's `\x` prefix, as psqlODBC delivers bytea to SQL_C_CHAR and SQL_C_WCHAR.
fn bare_hex_text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(out, "{b:02x}");
    }
    out
}

impl Datum<'_> {
    /// The value as an application reads it in character form: PostgreSQL's text output
    /// ([`Datum::pg_text`]), except where psqlODBC delivers something else that
    /// applications rely on: bytea is its hex digits without the `\x` prefix.
    pub fn to_text(&self) -> Cow<'_, str> {
        match self {
            Datum::Bytes(b) => Cow::Owned(bare_hex_text(b)),
            _ => self.pg_text(),
        }
    }

    /// PostgreSQL's own text output form for the value (DateStyle ISO, IntervalStyle
    /// postgres, bool as "t"/"f", bytea as `\x` hex, timestamptz in UTC with "+00"): what
    /// the server prints, and how values inside arrays, records and ranges are written.
    pub fn pg_text(&self) -> Cow<'_, str> {
        match self {
            Datum::Bool(b) => Cow::Borrowed(if *b { "t" } else { "f" }),
            Datum::Int2(v) => Cow::Owned(v.to_string()),
            Datum::Int4(v) => Cow::Owned(v.to_string()),
            Datum::Int8(v) => Cow::Owned(v.to_string()),
            Datum::Float4(v) => Cow::Owned(float4_text(*v)),
            Datum::Float8(v) => Cow::Owned(float8_text(*v)),
            Datum::Numeric(s) | Datum::Other(s) => Cow::Borrowed(s.as_str()),
            Datum::Text(s) => Cow::Borrowed(s),
            Datum::Bytes(b) => Cow::Owned(hex_text(b)),
            Datum::Date(d) => Cow::Owned(date_text(*d)),
            Datum::Time(t) => {
                let mut out = String::new();
                push_time(&mut out, *t);
                Cow::Owned(out)
            }
            Datum::TimeTz(t, zone) => {
                let mut out = String::new();
                push_time(&mut out, *t);
                push_zone(&mut out, *zone);
                Cow::Owned(out)
            }
            Datum::Timestamp(t) => Cow::Owned(timestamp_text(*t, false)),
            Datum::TimestampTz(t) => Cow::Owned(timestamp_text(*t, true)),
            Datum::Interval {
                months,
                days,
                micros,
            } => Cow::Owned(interval_text(*months, *days, *micros)),
            Datum::Uuid(u) => Cow::Owned(uuid_text(u)),
            Datum::Oid(o) => Cow::Owned(o.to_string()),
        }
    }
}
