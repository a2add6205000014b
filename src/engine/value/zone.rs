//! The session's time zone, for values the server sends as UTC instants: timestamptz
//! travels in binary as microseconds since 2000-01-01 00:00 UTC, while psql and psqlODBC
//! show it as the wall-clock time of the session's `TimeZone` setting.
//!
//! The setting is what the server reports (ParameterStatus), so it follows the server's
//! default, role and database settings, and every `SET TIME ZONE` of the session. Zone
//! rules (daylight saving included) come from the client's IANA database; a setting that
//! database does not know is tried as a POSIX TZ string, the form the server reports for
//! numeric zones (`SET TIME ZONE 2` reports `<+02>-02`).

use jiff::tz::TimeZone;
use jiff::Timestamp;

/// Microseconds from 1970-01-01 to 2000-01-01, PostgreSQL's epoch.
const PG_EPOCH_UNIX_MICROS: i64 = 946_684_800_000_000;

/// A session's `TimeZone` setting, resolved to its rules.
#[derive(Debug, Clone)]
pub struct SessionZone {
    /// The setting as the server reported it.
    name: String,
    rules: TimeZone,
    known: bool,
}

impl SessionZone {
    /// UTC: what values are read in until the server reports a zone.
    pub fn utc() -> SessionZone {
        SessionZone {
            name: "UTC".into(),
            rules: TimeZone::UTC,
            known: true,
        }
    }

    /// The rules of a `TimeZone` setting. A setting neither the IANA database nor the POSIX
    /// syntax knows keeps its name with UTC's rules (values then read in UTC, as before);
    /// [`SessionZone::is_known`] tells.
    pub fn from_setting(setting: &str) -> SessionZone {
        let (rules, known) = match TimeZone::get(setting).or_else(|_| TimeZone::posix(setting)) {
            Ok(rules) => (rules, true),
            Err(_) => (TimeZone::UTC, false),
        };
        SessionZone {
            name: setting.to_string(),
            rules,
            known,
        }
    }

    /// Whether the setting's rules were found.
    pub fn is_known(&self) -> bool {
        self.known
    }

    /// The setting this zone was resolved from.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Seconds east of Greenwich in force at `pg_micros` (microseconds since
    /// 2000-01-01 00:00 UTC). Instants outside the rules' range (years beyond ±9999) take
    /// the offset at the nearest end of it.
    pub fn offset_at(&self, pg_micros: i64) -> i32 {
        let unix = pg_micros.saturating_add(PG_EPOCH_UNIX_MICROS).clamp(
            Timestamp::MIN.as_microsecond(),
            Timestamp::MAX.as_microsecond(),
        );
        match Timestamp::from_microsecond(unix) {
            Ok(at) => self.rules.to_offset(at).seconds(),
            Err(_) => 0,
        }
    }

    /// The wall-clock time in this zone of the UTC instant `pg_micros`, in the same units.
    /// ±infinity stay as they are.
    pub fn local_micros(&self, pg_micros: i64) -> i64 {
        if pg_micros == i64::MIN || pg_micros == i64::MAX {
            return pg_micros;
        }
        let offset = i64::from(self.offset_at(pg_micros)) * 1_000_000;
        pg_micros.saturating_add(offset)
    }
}

impl Default for SessionZone {
    fn default() -> Self {
        SessionZone::utc()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::engine::value::{decode_in, oid, Datum, ValueContext};
    use tokio_postgres::types::Type;

    /// Microseconds since 2000-01-01 UTC of a UTC wall-clock time.
    fn utc(y: i64, mo: u32, d: u32, h: i64, mi: i64, s: i64) -> i64 {
        let days = crate::engine::value::pg_days_from_civil(y, mo, d);
        ((days * 24 + h) * 60 + mi) * 60_000_000 + s * 1_000_000
    }

    #[test]
    fn iana_zones_follow_daylight_saving() {
        let paris = SessionZone::from_setting("Europe/Paris");
        assert!(paris.is_known());
        assert_eq!(paris.offset_at(utc(2024, 1, 2, 2, 4, 5)), 3600);
        assert_eq!(paris.offset_at(utc(2024, 7, 1, 12, 0, 0)), 7200);
        let new_york = SessionZone::from_setting("America/New_York");
        assert_eq!(new_york.offset_at(utc(2024, 1, 2, 12, 0, 0)), -5 * 3600);
        assert_eq!(new_york.offset_at(utc(2024, 7, 2, 12, 0, 0)), -4 * 3600);
        // The spring-forward instant: 2024-03-10 07:00 UTC is 03:00 EDT, a second before
        // it is 01:59:59 EST.
        let change = utc(2024, 3, 10, 7, 0, 0);
        assert_eq!(new_york.local_micros(change), utc(2024, 3, 10, 3, 0, 0));
        assert_eq!(
            new_york.local_micros(change - 1_000_000),
            utc(2024, 3, 10, 1, 59, 59)
        );
    }

    #[test]
    fn numeric_zones_as_the_server_reports_them_and_unknown_names() {
        // `SET TIME ZONE 2` makes the server report "<+02>-02" (POSIX: sign inverted).
        let plus_two = SessionZone::from_setting("<+02>-02");
        assert!(plus_two.is_known());
        assert_eq!(plus_two.offset_at(0), 7200);
        assert_eq!(SessionZone::from_setting("UTC").offset_at(0), 0);
        let unknown = SessionZone::from_setting("Not/AZone");
        assert!(!unknown.is_known());
        assert_eq!(unknown.name(), "Not/AZone");
        assert_eq!(unknown.offset_at(utc(2024, 7, 1, 0, 0, 0)), 0);
        // ±infinity and instants far outside the rules' range never panic.
        let paris = SessionZone::from_setting("Europe/Paris");
        assert_eq!(paris.local_micros(i64::MAX), i64::MAX);
        assert_eq!(paris.local_micros(i64::MIN), i64::MIN);
        let _ = paris.local_micros(i64::MAX - 1);
        let _ = paris.local_micros(i64::MIN + 1);
    }

    #[test]
    fn timestamptz_decodes_to_the_sessions_wall_clock() {
        let ctx = ValueContext {
            zone: SessionZone::from_setting("Europe/Paris"),
            ..ValueContext::default()
        };
        let at = utc(2024, 1, 2, 2, 4, 5) + 500_000;
        let raw = at.to_be_bytes();
        let datum = decode_in(&Type::TIMESTAMPTZ, &raw, &ctx).unwrap();
        assert_eq!(datum, Datum::Timestamp(utc(2024, 1, 2, 3, 4, 5) + 500_000));
        assert_eq!(datum.to_text(), "2024-01-02 03:04:05.5");
        // UTC context: the same wall clock as the UTC instant.
        let datum = decode_in(&Type::TIMESTAMPTZ, &raw, &ValueContext::default()).unwrap();
        assert_eq!(datum, Datum::Timestamp(at));
        // Other types decode as `decode` does, and bad lengths stay errors.
        let four = 7i32.to_be_bytes();
        assert_eq!(decode_in(&Type::INT4, &four, &ctx).unwrap(), Datum::Int4(7));
        assert!(decode_in(&Type::TIMESTAMPTZ, &four, &ctx).is_err());
        assert_eq!(Type::TIMESTAMPTZ.oid(), oid::TIMESTAMPTZ);
    }
}
