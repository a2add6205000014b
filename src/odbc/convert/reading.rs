//! psqlODBC's keys that change how values read, not how they are described: TrueIsMinus1
//! and LFConversion. Both are off by default, and a result with both off never comes here,
//! so the bulk-read fast paths stay as they are.

use super::{c, char_text, write_datum, ConvertError, Written};
use crate::engine::value::Datum;
use std::borrow::Cow;

/// How the values of one result read, taken from the connection when the result starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Reading {
    /// A true boolean reads as -1 (character and signed integer targets).
    pub true_is_minus1: bool,
    /// A lone LF in character data reads as CR LF.
    pub lf_conversion: bool,
}

impl Reading {
    /// Whether any value can read differently from the plain conversion.
    #[inline]
    pub fn changes_values(&self) -> bool {
        self.true_is_minus1 || self.lf_conversion
    }

    /// Writes `datum` as `target` (already resolved from SQL_C_DEFAULT) when one of the keys
    /// changes what it reads as; `None` leaves the value to the plain conversion.
    pub fn write(
        &self,
        datum: &Datum<'_>,
        target: i16,
        out: &mut [u8],
        offset: usize,
    ) -> Option<Result<Written, ConvertError>> {
        let character = matches!(target, c::CHAR | c::WCHAR);
        if let Datum::Bool(true) = datum {
            if !self.true_is_minus1 {
                return None;
            }
            let signed = matches!(
                target,
                c::TINYINT | c::STINYINT | c::SHORT | c::SSHORT | c::LONG | c::SLONG | c::SBIGINT
            );
            return if character {
                Some(write_datum(&Datum::Text("-1"), target, out, offset))
            } else if signed {
                Some(write_datum(&Datum::Int4(-1), target, out, offset))
            } else {
                None
            };
        }
        if !self.lf_conversion || !character || matches!(datum, Datum::Bytes(_)) {
            return None;
        }
        let text = char_text(datum);
        match crlf_line_ends(&text) {
            Cow::Borrowed(_) => None,
            Cow::Owned(converted) => {
                Some(write_datum(&Datum::Text(&converted), target, out, offset))
            }
        }
    }
}

/// Every LF not already preceded by CR becomes CR LF (psqlODBC's LFConversion on reading).
pub fn crlf_line_ends(text: &str) -> Cow<'_, str> {
    let lone = text
        .char_indices()
        .filter(|&(i, ch)| ch == '\n' && (i == 0 || text.as_bytes()[i - 1] != b'\r'))
        .count();
    if lone == 0 {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + lone);
    let mut previous = '\0';
    for ch in text.chars() {
        if ch == '\n' && previous != '\r' {
            out.push('\r');
        }
        out.push(ch);
        previous = ch;
    }
    Cow::Owned(out)
}

/// Every CR LF becomes LF (psqlODBC's LFConversion on character parameters).
pub fn lf_line_ends(text: &str) -> Cow<'_, str> {
    if text.contains("\r\n") {
        Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(reading: Reading, datum: Datum<'_>, target: i16) -> Option<Vec<u8>> {
        let mut out = [0u8; 32];
        let w = reading.write(&datum, target, &mut out, 0)?.ok()?;
        Some(out[..w.len].to_vec())
    }

    #[test]
    fn true_reads_as_minus_one_only_when_asked() {
        let minus1 = Reading {
            true_is_minus1: true,
            ..Reading::default()
        };
        assert_eq!(
            read(minus1, Datum::Bool(true), c::CHAR),
            Some(b"-1".to_vec())
        );
        assert_eq!(
            read(minus1, Datum::Bool(true), c::SLONG),
            Some((-1i32).to_ne_bytes().to_vec())
        );
        assert_eq!(
            read(minus1, Datum::Bool(false), c::CHAR),
            None,
            "false stays 0"
        );
        assert_eq!(
            read(minus1, Datum::Bool(true), c::BIT),
            None,
            "a bit stays 1"
        );
        assert_eq!(read(Reading::default(), Datum::Bool(true), c::CHAR), None);
    }

    #[test]
    fn line_ends_convert_both_ways() {
        assert_eq!(crlf_line_ends("a\nb\r\nc\n"), "a\r\nb\r\nc\r\n");
        assert!(matches!(crlf_line_ends("no breaks"), Cow::Borrowed(_)));
        assert_eq!(crlf_line_ends("\n"), "\r\n");
        assert_eq!(lf_line_ends("a\r\nb\rc\n"), "a\nb\rc\n");
        let lf = Reading {
            lf_conversion: true,
            ..Reading::default()
        };
        assert_eq!(
            read(lf, Datum::Text("x\ny"), c::CHAR),
            Some(b"x\r\ny".to_vec())
        );
        assert_eq!(
            read(lf, Datum::Bytes(b"x\ny"), c::CHAR),
            None,
            "bytea is not text"
        );
        assert_eq!(read(lf, Datum::Text("x\ny"), c::BINARY), None);
    }
}
