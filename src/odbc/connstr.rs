//! ODBC connection strings: `KEY=value;KEY2={va;l}}ue};...`.
//!
//! Grammar (ODBC `SQLDriverConnect`): attributes separated by `;`; a value wrapped in braces
//! may hold `;`, and inside braces `}}` stands for one `}`. Keys are case-insensitive; when a
//! key repeats, the first occurrence wins. We keep each key's original spelling so the
//! completed connection string handed back to the application reads like what it wrote.
//!
//! A malformed string fails `SQLDriverConnect` with SQLSTATE 08001 (see
//! [`ConnStringError::sqlstate`]); unknown keys are not an error here: the settings layer
//! reports them and the caller may warn with 01S00.

use std::fmt;

use crate::engine::settings::is_secret_key;

/// Characters ODBC forbids in attribute keywords.
const FORBIDDEN_KEY_CHARS: &str = "[]{}(),;?*=!@";

/// A parsed connection string: `(key, value)` in order of first appearance, braces removed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConnString {
    entries: Vec<(String, String)>,
}

/// What is wrong with a connection string, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConnStringErrorKind {
    /// An attribute with no `=`.
    MissingEquals,
    /// `=value` with nothing before the `=`.
    EmptyKey,
    /// A key holding one of `[]{}(),;?*=!@`.
    InvalidKeyChar(char),
    /// `{` without its closing `}`.
    UnterminatedBrace,
    /// Text between a closing `}` and the next `;`.
    TextAfterBrace,
}

/// A malformed connection string. `position` counts characters from 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConnStringError {
    pub kind: ConnStringErrorKind,
    pub position: usize,
}

impl ConnStringError {
    /// The connection cannot be attempted with a string we cannot read: 08001 ("client unable
    /// to establish connection"), the state psqlODBC and most drivers use for this case.
    pub fn sqlstate(&self) -> &'static str {
        "08001"
    }
}

impl fmt::Display for ConnStringError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid connection string at character {}: ",
            self.position
        )?;
        match &self.kind {
            ConnStringErrorKind::MissingEquals => f.write_str("attribute without '='"),
            ConnStringErrorKind::EmptyKey => f.write_str("attribute without a keyword before '='"),
            ConnStringErrorKind::InvalidKeyChar(c) => {
                write!(f, "character '{c}' is not allowed in a keyword")
            }
            ConnStringErrorKind::UnterminatedBrace => {
                f.write_str("'{' is not closed by a matching '}'")
            }
            ConnStringErrorKind::TextAfterBrace => {
                f.write_str("only ';' may follow a value's closing '}'")
            }
        }
    }
}

impl std::error::Error for ConnStringError {}

impl ConnString {
    /// Parses `s`. Whitespace around keys, and around values written without braces, is
    /// dropped (write `{ value }` to keep it); empty attributes (`;;`) are skipped.
    pub fn parse(s: &str) -> Result<ConnString, ConnStringError> {
        let bytes = s.as_bytes();
        let len = bytes.len();
        let err = |kind, byte_pos: usize| ConnStringError {
            kind,
            position: s.get(..byte_pos).map_or(0, |p| p.chars().count()) + 1,
        };
        let mut out = ConnString::default();
        let mut i = 0;
        loop {
            while i < len && (bytes[i] == b';' || bytes[i].is_ascii_whitespace()) {
                i += 1;
            }
            if i >= len {
                break;
            }
            let key_start = i;
            let Some(eq) = s[i..]
                .find(['=', ';'])
                .map(|o| o + i)
                .filter(|&p| bytes[p] == b'=')
            else {
                return Err(err(ConnStringErrorKind::MissingEquals, key_start));
            };
            let key = s[key_start..eq].trim_end();
            if key.is_empty() {
                return Err(err(ConnStringErrorKind::EmptyKey, eq));
            }
            if let Some((off, c)) = key
                .char_indices()
                .find(|(_, c)| FORBIDDEN_KEY_CHARS.contains(*c))
            {
                return Err(err(ConnStringErrorKind::InvalidKeyChar(c), key_start + off));
            }
            i = eq + 1;
            while i < len && matches!(bytes[i], b' ' | b'\t') {
                i += 1;
            }
            let value = if i < len && bytes[i] == b'{' {
                let open = i;
                let mut value = String::new();
                i += 1;
                loop {
                    let Some(close) = s[i..].find('}').map(|o| o + i) else {
                        return Err(err(ConnStringErrorKind::UnterminatedBrace, open));
                    };
                    value.push_str(&s[i..close]);
                    if bytes.get(close + 1) == Some(&b'}') {
                        value.push('}');
                        i = close + 2;
                    } else {
                        i = close + 1;
                        break;
                    }
                }
                while i < len && bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                if i < len && bytes[i] != b';' {
                    return Err(err(ConnStringErrorKind::TextAfterBrace, i));
                }
                value
            } else {
                let end = s[i..].find(';').map_or(len, |o| o + i);
                let value = s[i..end].trim().to_string();
                i = end;
                value
            };
            if out.get(key).is_none() {
                out.entries.push((key.to_string(), value));
            }
        }
        Ok(out)
    }

    /// The value of `key` (ASCII case-insensitive); exact key names only, no aliases.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.entries
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.as_str())
    }

    /// Entries in order, keys as written.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The entries as owned pairs, the shape [`crate::engine::settings::Settings::resolve`]
    /// takes.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.entries
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Sets `key`, replacing an existing entry of any case in place (keeping its spelling) or
    /// appending: how the completed out-string gets values found in the DSN or prompted for.
    pub fn set(&mut self, key: &str, value: &str) {
        match self
            .entries
            .iter_mut()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
        {
            Some(entry) => value.clone_into(&mut entry.1),
            None => self.entries.push((key.to_string(), value.to_string())),
        }
    }

    /// Removes `key` (any case); returns its value.
    pub fn remove(&mut self, key: &str) -> Option<String> {
        let pos = self
            .entries
            .iter()
            .position(|(k, _)| k.eq_ignore_ascii_case(key))?;
        Some(self.entries.remove(pos).1)
    }

    /// Renders the string back, bracing values that need it. With `redact`, values of secret
    /// keys become `***`: the completed out-string of SQLDriverConnect must carry the real
    /// password (applications store and reuse it), logs must not.
    pub fn to_output_string(&self, redact: bool) -> String {
        let mut out = String::new();
        for (k, v) in &self.entries {
            if !out.is_empty() {
                out.push(';');
            }
            out.push_str(k);
            out.push('=');
            if redact && is_secret_key(k) {
                out.push_str("***");
            } else if needs_braces(v) || k.eq_ignore_ascii_case("driver") {
                out.push('{');
                out.push_str(&v.replace('}', "}}"));
                out.push('}');
            } else {
                out.push_str(v);
            }
        }
        out
    }
}

/// A value that would not read back the same without braces.
fn needs_braces(v: &str) -> bool {
    v.contains([';', '}'])
        || v.starts_with('{')
        || v.starts_with(char::is_whitespace)
        || v.ends_with(char::is_whitespace)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ConnStringErrorKind as E;

    fn parse(s: &str) -> Vec<(String, String)> {
        ConnString::parse(s).unwrap().pairs().to_vec()
    }

    fn p(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn fails(s: &str) -> ConnStringError {
        ConnString::parse(s).unwrap_err()
    }

    #[test]
    fn basic() {
        assert_eq!(
            parse("DSN=aurora;UID=joe;PWD=secret"),
            p(&[("DSN", "aurora"), ("UID", "joe"), ("PWD", "secret")])
        );
        assert_eq!(parse(""), p(&[]));
        assert_eq!(parse(" ; ;;"), p(&[]));
        assert_eq!(parse(";A=1;;B=2;"), p(&[("A", "1"), ("B", "2")]));
        assert_eq!(
            parse("  Server  =  db.example.com  ; Port=5432"),
            p(&[("Server", "db.example.com"), ("Port", "5432")])
        );
        assert_eq!(parse("A=;B="), p(&[("A", ""), ("B", "")]));
        assert_eq!(parse("A=x=y"), p(&[("A", "x=y")]));
        assert_eq!(parse("Data Source=x"), p(&[("Data Source", "x")]));
        assert_eq!(
            parse("monitoring-connect_timeout=5"),
            p(&[("monitoring-connect_timeout", "5")])
        );
        assert_eq!(parse("A=naïve;B=日本"), p(&[("A", "naïve"), ("B", "日本")]));
    }

    #[test]
    fn braces() {
        assert_eq!(
            parse("PWD={va;l}}ue};X=1"),
            p(&[("PWD", "va;l}ue"), ("X", "1")])
        );
        assert_eq!(
            parse("DRIVER={PostgreSQL Unicode}"),
            p(&[("DRIVER", "PostgreSQL Unicode")])
        );
        assert_eq!(parse("A={}"), p(&[("A", "")]));
        assert_eq!(parse("A={ padded }"), p(&[("A", " padded ")]));
        assert_eq!(parse("A= {x} ;B=2"), p(&[("A", "x"), ("B", "2")]));
        assert_eq!(parse("A={a{b}"), p(&[("A", "a{b")]));
        assert_eq!(parse("A={}}}"), p(&[("A", "}")]));
        assert_eq!(parse("A={}}}}}"), p(&[("A", "}}")]));
        assert_eq!(parse("A={x=;y}"), p(&[("A", "x=;y")]));
        // Braces only matter at the start of a value.
        assert_eq!(parse("A=x{y}z"), p(&[("A", "x{y}z")]));
    }

    #[test]
    fn first_occurrence_wins() {
        let c = ConnString::parse("uid=a;UID=b;Uid=c;pwd=x").unwrap();
        assert_eq!(c.get("UID"), Some("a"));
        assert_eq!(c.get("uId"), Some("a"));
        assert_eq!(c.iter().count(), 2);
        assert_eq!(c.get("missing"), None);
    }

    #[test]
    fn errors() {
        assert_eq!(
            fails("ABC"),
            ConnStringError {
                kind: E::MissingEquals,
                position: 1
            }
        );
        assert_eq!(
            fails("A=1;ABC;B=2"),
            ConnStringError {
                kind: E::MissingEquals,
                position: 5
            }
        );
        assert_eq!(
            fails("A=1; =x"),
            ConnStringError {
                kind: E::EmptyKey,
                position: 6
            }
        );
        assert_eq!(
            fails("A=1;B={abc"),
            ConnStringError {
                kind: E::UnterminatedBrace,
                position: 7
            }
        );
        assert_eq!(
            fails("A={abc}}"),
            ConnStringError {
                kind: E::UnterminatedBrace,
                position: 3
            }
        );
        assert_eq!(
            fails("A={abc}x;B=1"),
            ConnStringError {
                kind: E::TextAfterBrace,
                position: 8
            }
        );
        assert_eq!(
            fails("é=1;K[x]=1"),
            ConnStringError {
                kind: E::InvalidKeyChar('['),
                position: 6
            }
        );
        for c in FORBIDDEN_KEY_CHARS.chars().filter(|c| !"=;".contains(*c)) {
            let e = fails(&format!("a{c}b=1"));
            assert_eq!(
                e,
                ConnStringError {
                    kind: E::InvalidKeyChar(c),
                    position: 2
                },
                "{c}"
            );
        }
        let e = fails("A=1;B={abc");
        assert_eq!(
            e.to_string(),
            "invalid connection string at character 7: '{' is not closed by a matching '}'"
        );
        assert_eq!(e.sqlstate(), "08001");
    }

    #[test]
    fn output_round_trips() {
        let src = "Driver={Aurora ODBC};Server=db;PWD={a;b}}c};UID= joe ;App={ x};X={{y}";
        let c = ConnString::parse(src).unwrap();
        let out = c.to_output_string(false);
        assert_eq!(
            out,
            "Driver={Aurora ODBC};Server=db;PWD={a;b}}c};UID=joe;App={ x};X={{y}"
        );
        assert_eq!(ConnString::parse(&out).unwrap(), c);
        for v in [
            "", "plain", "a;b", "}", "{", "{x}", " lead", "trail ", "a}}b", "=", "x{",
        ] {
            let mut c = ConnString::default();
            c.set("K", v);
            let back = ConnString::parse(&c.to_output_string(false)).unwrap();
            assert_eq!(back.get("k"), Some(v), "{v:?}");
        }
    }

    #[test]
    fn redaction() {
        let c =
            ConnString::parse("UID=joe;PWD={s;ecret};Password=x;monitoring-pwd=m;sslpassword=k")
                .unwrap();
        assert_eq!(
            c.to_output_string(true),
            "UID=joe;PWD=***;Password=***;monitoring-pwd=***;sslpassword=***"
        );
        assert!(c.to_output_string(false).contains("PWD={s;ecret}"));
    }

    #[test]
    fn set_and_remove() {
        let mut c = ConnString::parse("dsn=x;Uid=a").unwrap();
        c.set("UID", "b");
        c.set("PWD", "p");
        assert_eq!(c.to_output_string(false), "dsn=x;Uid=b;PWD=p");
        assert_eq!(c.remove("uid").as_deref(), Some("b"));
        assert_eq!(c.remove("uid"), None);
        assert!(!c.is_empty());
    }
    /// Every string of up to 5 characters over a hostile alphabet: parsing never panics, and
    /// whatever parses renders to a string that parses back to the same entries.
    #[test]
    fn exhaustive_small_strings() {
        const ALPHABET: [char; 7] = ['{', '}', '=', ';', ' ', 'a', 'é'];
        let mut buf = String::new();
        for len in 0..=5u32 {
            for mut n in 0..7usize.pow(len) {
                buf.clear();
                for _ in 0..len {
                    buf.push(ALPHABET[n % 7]);
                    n /= 7;
                }
                if let Ok(c) = ConnString::parse(&buf) {
                    let out = c.to_output_string(false);
                    assert_eq!(
                        ConnString::parse(&out).as_ref(),
                        Ok(&c),
                        "{buf:?} -> {out:?}"
                    );
                } else if let Err(e) = ConnString::parse(&buf) {
                    assert!(
                        e.position >= 1 && e.position <= buf.chars().count() + 1,
                        "{buf:?}"
                    );
                }
            }
        }
    }
}
