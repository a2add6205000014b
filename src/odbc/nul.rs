//! NUL characters in text the application passes with an explicit length (SQL text,
//! parameter values, connection strings, names). PostgreSQL text cannot hold NUL, and the
//! protocol ends its strings with one, so such text is never sent on. Cutting it at the NUL,
//! as C string handling would, silently drops what follows (a statement's tail, part of a
//! value), so the driver refuses it instead, with one exception that loses nothing: NULs that
//! only end the text (a length that counted the terminator, or a zero-padded buffer) are
//! dropped.

/// `text` without the NULs that end it; `Err` with the 1-based character position of the
/// first NUL when text follows it. Works on UTF-8 or any byte text: a NUL byte is never part
/// of a longer UTF-8 sequence.
pub fn without_terminator(text: &[u8]) -> Result<&[u8], usize> {
    let Some(first) = text.iter().position(|&b| b == 0) else {
        return Ok(text);
    };
    if text[first..].iter().all(|&b| b == 0) {
        return Ok(&text[..first]);
    }
    Err(char_position(text, first))
}

/// [`without_terminator`] for decoded text.
pub fn string_without_terminator(mut text: String) -> Result<String, usize> {
    let kept = without_terminator(text.as_bytes())?.len();
    text.truncate(kept);
    Ok(text)
}

/// The 1-based character position of the first NUL in `text`, if any.
pub fn first_nul(text: &[u8]) -> Option<usize> {
    let at = text.iter().position(|&b| b == 0)?;
    Some(char_position(text, at))
}

fn char_position(text: &[u8], byte: usize) -> usize {
    String::from_utf8_lossy(&text[..byte]).chars().count() + 1
}

/// The message for text with a NUL inside: `what` names the text ("the statement text").
pub fn message(what: &str, position: usize) -> String {
    format!(
        "{what} has a NUL character at position {position} followed by more text; \
         text sent to PostgreSQL cannot hold NUL (check the length passed, or send binary data \
         as SQL_C_BINARY)"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ending_nuls_go_and_inner_ones_are_refused() {
        assert_eq!(without_terminator(b"abc"), Ok(&b"abc"[..]));
        assert_eq!(without_terminator(b"abc\0"), Ok(&b"abc"[..]));
        assert_eq!(without_terminator(b"abc\0\0\0"), Ok(&b"abc"[..]));
        assert_eq!(without_terminator(b"\0"), Ok(&b""[..]));
        assert_eq!(without_terminator(b"a\0b"), Err(2));
        assert_eq!(without_terminator(b"a\0\0b\0"), Err(2));
        assert_eq!(without_terminator("é\0x".as_bytes()), Err(2));
        assert_eq!(without_terminator(b""), Ok(&b""[..]));
        assert_eq!(string_without_terminator("ab\0".into()), Ok("ab".into()));
        assert_eq!(first_nul(b"ab\0"), Some(3));
        assert_eq!(first_nul(b"ab"), None);
    }
}
