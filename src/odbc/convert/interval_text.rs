//! Interval text read into SQL_INTERVAL_STRUCT: a character column (or any value read as its
//! text) holding an interval, as psqlODBC converts one. Every IntervalStyle the server
//! writes is read: `postgres` ("1 year 2 mons -3 days +04:05:06.5"), `postgres_verbose`
//! ("@ 1 year 2 mons 3 days ago"), `sql_standard` ("1-2", "-3 4:05:06") and `iso_8601`
//! ("P1Y2M3DT4H5M6.5S"), which also covers ODBC's own interval literal forms ("1-2",
//! "3 04:05:06", "04:05").

const US_PER_SECOND: i64 = 1_000_000;
const US_PER_MINUTE: i64 = 60 * US_PER_SECOND;
const US_PER_HOUR: i64 = 60 * US_PER_MINUTE;

/// An interval's three parts, as PostgreSQL keeps them, summed with overflow checks.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Parts {
    months: i64,
    days: i64,
    micros: i64,
}

impl Parts {
    fn add_months(&mut self, n: i64) -> Option<()> {
        self.months = self.months.checked_add(n)?;
        Some(())
    }

    fn add_days(&mut self, n: i64) -> Option<()> {
        self.days = self.days.checked_add(n)?;
        Some(())
    }

    fn add_micros(&mut self, n: i64) -> Option<()> {
        self.micros = self.micros.checked_add(n)?;
        Some(())
    }

    fn negated(self) -> Option<Parts> {
        Some(Parts {
            months: self.months.checked_neg()?,
            days: self.days.checked_neg()?,
            micros: self.micros.checked_neg()?,
        })
    }

    fn finish(self) -> Option<(i32, i32, i64)> {
        Some((
            i32::try_from(self.months).ok()?,
            i32::try_from(self.days).ok()?,
            self.micros,
        ))
    }
}

/// `(months, days, microseconds)` of interval text; `None` when it is not an interval.
pub(super) fn parse(text: &str) -> Option<(i32, i32, i64)> {
    let text = text.trim();
    if let Some(iso) = text.strip_prefix(['P', 'p']) {
        return parse_iso_8601(iso)?.finish();
    }
    let text = text.strip_prefix('@').unwrap_or(text).trim_start();
    let (text, ago) = match text.strip_suffix("ago") {
        Some(rest) if rest.ends_with(char::is_whitespace) => (rest.trim_end(), true),
        _ => (text, false),
    };
    let parts = parse_words(text)?;
    if ago { parts.negated()? } else { parts }.finish()
}

/// The `postgres`, `postgres_verbose` and `sql_standard` forms: numbers with units, a
/// `[-]H:M[:S[.f]]` time, a `Y-M` year-month and a bare day count before a time.
fn parse_words(text: &str) -> Option<Parts> {
    let tokens: Vec<&str> = text.split_whitespace().collect();
    if tokens.is_empty() {
        return None;
    }
    // sql_standard: a minus on the first field only makes every field negative.
    let unit_words = tokens
        .iter()
        .any(|t| t.starts_with(|c: char| c.is_ascii_alphabetic()));
    let signed_later = tokens[1..].iter().any(|t| t.starts_with(['+', '-']));
    let negate_all = !unit_words && !signed_later && tokens[0].starts_with('-');
    let mut parts = Parts::default();
    let mut i = 0;
    while i < tokens.len() {
        let token = if negate_all {
            tokens[i].trim_start_matches('-')
        } else {
            tokens[i]
        };
        if token.contains(':') {
            parts.add_micros(time_micros(token)?)?;
            i += 1;
            continue;
        }
        if let Some(months) = year_month(token) {
            parts.add_months(months)?;
            i += 1;
            continue;
        }
        let unit = tokens.get(i + 1).copied();
        match unit.and_then(unit_of) {
            Some(unit) => {
                add_quantity(&mut parts, token, unit)?;
                i += 2;
            }
            // sql_standard's day count comes bare before the time.
            None if unit.is_some_and(|u| u.contains(':')) => {
                parts.add_days(integer(token)?)?;
                i += 1;
            }
            None => return None,
        }
    }
    if negate_all {
        parts.negated()
    } else {
        Some(parts)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Year,
    Month,
    Week,
    Day,
    Hour,
    Minute,
    Second,
    Millisecond,
    Microsecond,
}

fn unit_of(word: &str) -> Option<Unit> {
    let word = word.to_ascii_lowercase();
    Some(match word.trim_end_matches(',') {
        "y" | "yr" | "yrs" | "year" | "years" => Unit::Year,
        "mon" | "mons" | "month" | "months" => Unit::Month,
        "w" | "week" | "weeks" => Unit::Week,
        "d" | "day" | "days" => Unit::Day,
        "h" | "hr" | "hrs" | "hour" | "hours" => Unit::Hour,
        "m" | "min" | "mins" | "minute" | "minutes" => Unit::Minute,
        "s" | "sec" | "secs" | "second" | "seconds" => Unit::Second,
        "ms" | "msec" | "msecs" | "millisecond" | "milliseconds" => Unit::Millisecond,
        "us" | "usec" | "usecs" | "microsecond" | "microseconds" => Unit::Microsecond,
        _ => return None,
    })
}

/// Adds `quantity` of `unit`; a fraction is allowed where a smaller part can hold it
/// (seconds and below, as the server writes them).
fn add_quantity(parts: &mut Parts, quantity: &str, unit: Unit) -> Option<()> {
    match unit {
        Unit::Year => parts.add_months(integer(quantity)?.checked_mul(12)?),
        Unit::Month => parts.add_months(integer(quantity)?),
        Unit::Week => parts.add_days(integer(quantity)?.checked_mul(7)?),
        Unit::Day => parts.add_days(integer(quantity)?),
        Unit::Hour => parts.add_micros(integer(quantity)?.checked_mul(US_PER_HOUR)?),
        Unit::Minute => parts.add_micros(integer(quantity)?.checked_mul(US_PER_MINUTE)?),
        Unit::Second => parts.add_micros(decimal_micros(quantity, US_PER_SECOND)?),
        Unit::Millisecond => parts.add_micros(decimal_micros(quantity, 1000)?),
        Unit::Microsecond => parts.add_micros(integer(quantity)?),
    }
}

/// A signed integer (`+` allowed).
fn integer(text: &str) -> Option<i64> {
    let digits = text.strip_prefix('+').unwrap_or(text);
    let body = digits.strip_prefix('-').unwrap_or(digits);
    if body.is_empty() || !body.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// A signed decimal number of `scale` microseconds each, to microseconds (digits past the
/// microsecond are dropped).
fn decimal_micros(text: &str, scale: i64) -> Option<i64> {
    let (negative, body) = sign_of(text);
    let (whole, fraction) = body.split_once('.').unwrap_or((body, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let whole_value = if whole.is_empty() { 0 } else { integer(whole)? };
    if whole_value < 0 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let mut fraction_value = 0i64;
    let mut place = scale;
    for b in fraction.bytes() {
        place /= 10;
        if place == 0 {
            break;
        }
        fraction_value += i64::from(b - b'0') * place;
    }
    let value = whole_value
        .checked_mul(scale)?
        .checked_add(fraction_value)?;
    Some(if negative { -value } else { value })
}

fn sign_of(text: &str) -> (bool, &str) {
    match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    }
}

/// `[+-]H:M[:S[.f]]` in microseconds.
fn time_micros(text: &str) -> Option<i64> {
    let (negative, body) = sign_of(text);
    let mut fields = body.split(':');
    let hours = fields.next().and_then(unsigned)?;
    let minutes = fields.next().and_then(unsigned)?;
    let seconds = match fields.next() {
        Some(s) => {
            let (whole, _) = s.split_once('.').unwrap_or((s, ""));
            if whole.is_empty() {
                return None;
            }
            decimal_micros(s, US_PER_SECOND)?
        }
        None => 0,
    };
    if fields.next().is_some() || minutes >= 60 || seconds >= 60 * US_PER_SECOND {
        return None;
    }
    let value = hours
        .checked_mul(US_PER_HOUR)?
        .checked_add(minutes * US_PER_MINUTE)?
        .checked_add(seconds)?;
    Some(if negative { -value } else { value })
}

fn unsigned(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// sql_standard's `[+-]Y-M` in months.
fn year_month(text: &str) -> Option<i64> {
    let (negative, body) = sign_of(text);
    let (years, months) = body.split_once('-')?;
    let value = unsigned(years)?
        .checked_mul(12)?
        .checked_add(unsigned(months)?)?;
    Some(if negative { -value } else { value })
}

/// ISO 8601 durations after the `P`: `[nY][nM][nW][nD][T[nH][nM][nS]]`, each number signed.
fn parse_iso_8601(text: &str) -> Option<Parts> {
    let mut parts = Parts::default();
    let mut in_time = false;
    let mut number = String::new();
    let mut any = false;
    for ch in text.chars() {
        match ch {
            'T' | 't' if number.is_empty() && !in_time => in_time = true,
            '0'..='9' | '.' | '-' | '+' => number.push(ch),
            _ => {
                let unit = match (in_time, ch.to_ascii_uppercase()) {
                    (false, 'Y') => Unit::Year,
                    (false, 'M') => Unit::Month,
                    (false, 'W') => Unit::Week,
                    (false, 'D') => Unit::Day,
                    (true, 'H') => Unit::Hour,
                    (true, 'M') => Unit::Minute,
                    (true, 'S') => Unit::Second,
                    _ => return None,
                };
                add_quantity(&mut parts, &number, unit)?;
                number.clear();
                any = true;
            }
        }
    }
    (number.is_empty() && any).then_some(parts)
}

#[cfg(test)]
mod tests {
    use super::parse;

    const S: i64 = 1_000_000;

    #[test]
    fn every_interval_style_the_server_writes() {
        let cases: &[(&str, (i32, i32, i64))] = &[
            (
                "1 year 2 mons 3 days 04:05:06",
                (14, 3, 4 * 3600 * S + 5 * 60 * S + 6 * S),
            ),
            ("-1 years -2 mons", (-14, 0, 0)),
            ("1 day -02:00:00.5", (0, 1, -(2 * 3600 * S + S / 2))),
            (
                "-3 days +04:05:06.25",
                (0, -3, 4 * 3600 * S + 5 * 60 * S + 6 * S + S / 4),
            ),
            ("00:00:00", (0, 0, 0)),
            (
                "@ 1 year 2 mons 3 days 4 hours 5 mins 6.5 secs ago",
                (-14, -3, -(4 * 3600 * S + 5 * 60 * S + 6 * S + S / 2)),
            ),
            ("1-2", (14, 0, 0)),
            ("-1-2", (-14, 0, 0)),
            ("3 4:05:06", (0, 3, 4 * 3600 * S + 5 * 60 * S + 6 * S)),
            ("-3 4:05:06", (0, -3, -(4 * 3600 * S + 5 * 60 * S + 6 * S))),
            (
                "+1-2 -3 +4:05:06",
                (14, -3, 4 * 3600 * S + 5 * 60 * S + 6 * S),
            ),
            (
                "P1Y2M3DT4H5M6.5S",
                (14, 3, 4 * 3600 * S + 5 * 60 * S + 6 * S + S / 2),
            ),
            ("PT0S", (0, 0, 0)),
            ("P-1Y-2M", (-14, 0, 0)),
            ("2 weeks", (0, 14, 0)),
            ("04:05", (0, 0, 4 * 3600 * S + 5 * 60 * S)),
            ("1 day 0.000001 secs", (0, 1, 1)),
        ];
        for (text, want) in cases {
            assert_eq!(parse(text), Some(*want), "{text}");
        }
    }

    #[test]
    fn text_that_is_no_interval_is_refused() {
        for text in [
            "",
            "abc",
            "12",
            "2024-01-02 03:04:05",
            "1 fortnight",
            "1.5 days",
            "P",
            "P1X",
            "10:61",
            "1::2",
            "- 1 day",
            "@",
            "ago",
            "99999999999 years",
            "{1,2}",
            "12.50",
            "1 day 02:00:00 extra",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}
