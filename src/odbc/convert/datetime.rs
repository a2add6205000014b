//! Dates and times: SQL_DATE_STRUCT, SQL_TIME_STRUCT and SQL_TIMESTAMP_STRUCT targets, from
//! date/time columns or from character data holding a date/time literal.

use super::{put_fixed, ConvertError, Written};
use crate::engine::value::{
    civil_from_pg_days, days_in_month, pg_days_from_civil, Datum, USECS_PER_DAY,
};

const NANOS_PER_MICRO: i64 = 1_000;
const NANOS_PER_SEC: i64 = 1_000_000_000;
const NANOS_PER_DAY: i64 = 86_400 * NANOS_PER_SEC;

/// A datetime drawn from a datum: a calendar day (days since 2000-01-01) and/or a time of
/// day in nanoseconds.
struct Moment {
    days: Option<i64>,
    nanos: Option<i64>,
    /// Character source (errors are 22018 rather than 07006).
    from_text: bool,
}

/// What psqlODBC puts in a date/time struct for `infinity` and `-infinity`, which no struct
/// can hold: 9999-12-31 23:59:59 and -9999-01-01 00:00:00 (a date without the time).
fn infinite_moment(positive: bool, with_time: bool) -> Moment {
    let (days, nanos) = if positive {
        (
            pg_days_from_civil(9999, 12, 31),
            NANOS_PER_DAY - NANOS_PER_SEC,
        )
    } else {
        (pg_days_from_civil(-9999, 1, 1), 0)
    };
    Moment {
        days: Some(days),
        nanos: with_time.then_some(nanos),
        from_text: false,
    }
}

fn moment(datum: &Datum<'_>) -> Result<Moment, ConvertError> {
    let stamp = |micros: i64| -> Result<Moment, ConvertError> {
        if micros == i64::MIN || micros == i64::MAX {
            return Ok(infinite_moment(micros == i64::MAX, true));
        }
        Ok(Moment {
            days: Some(micros.div_euclid(USECS_PER_DAY)),
            nanos: Some(micros.rem_euclid(USECS_PER_DAY) * NANOS_PER_MICRO),
            from_text: false,
        })
    };
    match datum {
        Datum::Date(d) => {
            if *d == i32::MIN || *d == i32::MAX {
                return Ok(infinite_moment(*d == i32::MAX, false));
            }
            Ok(Moment {
                days: Some((*d).into()),
                nanos: None,
                from_text: false,
            })
        }
        Datum::Timestamp(t) | Datum::TimestampTz(t) => stamp(*t),
        Datum::Time(t) | Datum::TimeTz(t, _) => {
            let nanos = t
                .checked_mul(NANOS_PER_MICRO)
                .ok_or(ConvertError::InvalidDatetime)?;
            Ok(Moment {
                days: None,
                nanos: Some(nanos),
                from_text: false,
            })
        }
        Datum::Text(s) => text_moment(s),
        Datum::Other(s) => text_moment(s),
        _ => Err(ConvertError::Unsupported),
    }
}

fn text_moment(s: &str) -> Result<Moment, ConvertError> {
    let t = s.trim();
    if t.eq_ignore_ascii_case("infinity") || t.eq_ignore_ascii_case("+infinity") {
        return Ok(infinite_moment(true, true));
    }
    if t.eq_ignore_ascii_case("-infinity") {
        return Ok(infinite_moment(false, true));
    }
    let (days, nanos) = parse_datetime_text(t).ok_or(ConvertError::InvalidCast)?;
    Ok(Moment {
        days,
        nanos,
        from_text: true,
    })
}

/// Today in UTC as days since 2000-01-01: ODBC fills the date of a time-only value
/// converted to a timestamp with the current date.
pub(crate) fn today() -> i64 {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    i64::try_from(secs / 86_400).unwrap_or(0) - 10_957
}

fn date_fields(days: i64) -> Result<(i16, u16, u16), ConvertError> {
    let (y, m, d) = civil_from_pg_days(days);
    let y = i16::try_from(y).map_err(|_| ConvertError::OutOfRange)?;
    let m = u16::try_from(m).map_err(|_| ConvertError::OutOfRange)?;
    let d = u16::try_from(d).map_err(|_| ConvertError::OutOfRange)?;
    Ok((y, m, d))
}

/// (hour, minute, second, nanosecond fraction) of a time of day.
fn time_fields(nanos: i64) -> Result<(u16, u16, u16, u32), ConvertError> {
    let secs = nanos.div_euclid(NANOS_PER_SEC);
    let frac = nanos.rem_euclid(NANOS_PER_SEC);
    let conv = |v: i64| u16::try_from(v).map_err(|_| ConvertError::OutOfRange);
    Ok((
        conv(secs / 3600)?,
        conv(secs / 60 % 60)?,
        conv(secs % 60)?,
        u32::try_from(frac).map_err(|_| ConvertError::OutOfRange)?,
    ))
}

#[inline]
pub(super) fn write_date(datum: &Datum<'_>, out: &mut [u8]) -> Result<Written, ConvertError> {
    let m = moment(datum)?;
    let Some(days) = m.days else {
        // time -> date is not a conversion ODBC defines.
        return Err(if m.from_text {
            ConvertError::InvalidCast
        } else {
            ConvertError::Unsupported
        });
    };
    let (y, mo, d) = date_fields(days)?;
    let mut bytes = [0u8; 6];
    bytes[0..2].copy_from_slice(&y.to_ne_bytes());
    bytes[2..4].copy_from_slice(&mo.to_ne_bytes());
    bytes[4..6].copy_from_slice(&d.to_ne_bytes());
    Ok(put_fixed(out, &bytes, m.nanos.is_some_and(|n| n != 0)))
}

#[inline]
pub(super) fn write_time(datum: &Datum<'_>, out: &mut [u8]) -> Result<Written, ConvertError> {
    let m = moment(datum)?;
    let Some(nanos) = m.nanos else {
        return Err(if m.from_text {
            ConvertError::InvalidCast
        } else {
            ConvertError::Unsupported
        });
    };
    let (h, mi, s, frac) = time_fields(nanos)?;
    let mut bytes = [0u8; 6];
    bytes[0..2].copy_from_slice(&h.to_ne_bytes());
    bytes[2..4].copy_from_slice(&mi.to_ne_bytes());
    bytes[4..6].copy_from_slice(&s.to_ne_bytes());
    Ok(put_fixed(out, &bytes, frac != 0))
}

#[inline]
pub(super) fn write_timestamp(datum: &Datum<'_>, out: &mut [u8]) -> Result<Written, ConvertError> {
    let m = moment(datum)?;
    let mut days = m.days.unwrap_or_else(today);
    let mut nanos = m.nanos.unwrap_or(0);
    // 24:00:00 is a valid PostgreSQL time; as a timestamp it is the next midnight.
    if nanos >= NANOS_PER_DAY {
        days += nanos / NANOS_PER_DAY;
        nanos %= NANOS_PER_DAY;
    }
    let (y, mo, d) = date_fields(days)?;
    let (h, mi, s, frac) = time_fields(nanos)?;
    let mut bytes = [0u8; 16];
    bytes[0..2].copy_from_slice(&y.to_ne_bytes());
    for (i, v) in [mo, d, h, mi, s].into_iter().enumerate() {
        bytes[2 + 2 * i..4 + 2 * i].copy_from_slice(&v.to_ne_bytes());
    }
    bytes[12..16].copy_from_slice(&frac.to_ne_bytes());
    Ok(put_fixed(out, &bytes, false))
}

/// Parses ISO date/time text ("2024-01-02", "2024-01-02 03:04:05.123", "03:04:05",
/// "2024-01-02T03:04:05+02", "0044-03-15 BC") and ODBC escapes ({d '...'}, {t '...'},
/// {ts '...'}). A trailing zone is accepted and ignored. Returns (days, nanos of day).
fn parse_datetime_text(s: &str) -> Option<(Option<i64>, Option<i64>)> {
    let mut s = s.trim();
    if let Some(inner) = s.strip_prefix('{').and_then(|r| r.strip_suffix('}')) {
        let inner = inner.trim();
        let body = inner
            .strip_prefix("ts")
            .or_else(|| inner.strip_prefix('d'))
            .or_else(|| inner.strip_prefix('t'))?
            .trim();
        s = body.strip_prefix('\'')?.strip_suffix('\'')?;
    }
    let (s, bc) = match s.len().checked_sub(3).and_then(|i| s.get(i..)) {
        Some(tail) if tail.eq_ignore_ascii_case(" bc") => (s[..s.len() - 3].trim_end(), true),
        _ => (s, false),
    };
    let mut cur = Cursor {
        s: s.as_bytes(),
        pos: 0,
    };
    // A date has a '-' after its leading digits; a time has a ':'.
    let lead = cur.peek_digits();
    let days = if cur.s.get(lead) == Some(&b'-') {
        let y = cur.number(1, 9)?;
        cur.expect(b'-')?;
        let m = u32::try_from(cur.number(1, 2)?).ok()?;
        cur.expect(b'-')?;
        let d = u32::try_from(cur.number(1, 2)?).ok()?;
        let y = if bc { 1 - y } else { y };
        if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
            return None;
        }
        if cur.done() {
            return Some((Some(pg_days_from_civil(y, m, d)), None));
        }
        match cur.next()? {
            b' ' | b'T' | b't' => {}
            _ => return None,
        }
        Some(pg_days_from_civil(y, m, d))
    } else {
        if bc {
            return None;
        }
        None
    };
    let h = cur.number(1, 2)?;
    cur.expect(b':')?;
    let mi = cur.number(2, 2)?;
    let mut sec = 0;
    let mut frac_nanos = 0;
    if cur.eat(b':') {
        sec = cur.number(2, 2)?;
        if cur.eat(b'.') {
            let start = cur.pos;
            let digits = cur.number(1, 18)?;
            let n = cur.pos - start;
            // Keep nanoseconds; further digits are dropped (ODBC's fraction is ns).
            frac_nanos = if n <= 9 {
                digits * 10i64.pow(u32::try_from(9 - n).ok()?)
            } else {
                digits / 10i64.pow(u32::try_from(n - 9).ok()?)
            };
        }
    }
    let valid =
        (h < 24 && mi < 60 && sec < 60) || (h == 24 && mi == 0 && sec == 0 && frac_nanos == 0);
    if !valid {
        return None;
    }
    // Optional zone: Z, or +hh[[:]mm[[:]ss]].
    let rest = std::str::from_utf8(&cur.s[cur.pos..]).ok()?.trim_start();
    if !(rest.is_empty() || rest.eq_ignore_ascii_case("z") || is_zone(rest)) {
        return None;
    }
    let nanos = ((h * 60 + mi) * 60 + sec) * NANOS_PER_SEC + frac_nanos;
    Some((days, Some(nanos)))
}

fn is_zone(s: &str) -> bool {
    let Some(body) = s.strip_prefix('+').or_else(|| s.strip_prefix('-')) else {
        return false;
    };
    !body.is_empty()
        && body.len() <= 8
        && body.bytes().all(|b| b.is_ascii_digit() || b == b':')
        && body.as_bytes()[0].is_ascii_digit()
}

struct Cursor<'a> {
    s: &'a [u8],
    pos: usize,
}

impl Cursor<'_> {
    fn peek_digits(&self) -> usize {
        self.s[self.pos..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
            + self.pos
    }
    fn done(&self) -> bool {
        self.pos >= self.s.len()
    }
    fn next(&mut self) -> Option<u8> {
        let b = *self.s.get(self.pos)?;
        self.pos += 1;
        Some(b)
    }
    fn eat(&mut self, b: u8) -> bool {
        if self.s.get(self.pos) == Some(&b) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn expect(&mut self, b: u8) -> Option<()> {
        self.eat(b).then_some(())
    }
    /// Between `min` and `max` decimal digits.
    fn number(&mut self, min: usize, max: usize) -> Option<i64> {
        let end = self.peek_digits();
        let n = end - self.pos;
        if n < min || n > max {
            return None;
        }
        let v = std::str::from_utf8(&self.s[self.pos..end])
            .ok()?
            .parse()
            .ok()?;
        self.pos = end;
        Some(v)
    }
}
