//! Reading the application's SQL text: splitting a string into statements and turning ODBC's
//! `?` markers into PostgreSQL's `$n`, while leaving quoted text, identifiers, dollar-quoted
//! bodies and comments alone.

/// One statement of the application's SQL string, ready for the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlPiece {
    /// The statement with `$1..$n` in place of `?`.
    pub sql: String,
    /// How many `?` markers it had.
    pub param_count: usize,
    /// Index (0-based) of its first marker among all markers of the whole string.
    pub first_param: usize,
}

/// Splits `text` into statements at top-level semicolons and numbers the markers of each from
/// `$1`. Statements holding only white space and comments are dropped; a string with none left
/// gives one empty piece.
pub fn split_statements(text: &str) -> Vec<SqlPiece> {
    let bytes = text.as_bytes();
    let mut pieces = Vec::new();
    let mut current = String::with_capacity(text.len());
    let mut meaningful = false;
    let mut param_count = 0usize;
    let mut total_params = 0usize;
    let mut i = 0usize;
    let mut copy_from = 0usize;

    macro_rules! flush_copy {
        ($upto:expr) => {
            current.push_str(&text[copy_from..$upto]);
        };
    }

    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\'' => {
                meaningful = true;
                // An E'' string lets backslash escape the quote.
                let backslash_escapes = i > 0
                    && (bytes[i - 1] == b'e' || bytes[i - 1] == b'E')
                    && (i < 2 || !is_ident_byte(bytes[i - 2]));
                i = skip_quoted(bytes, i, b'\'', backslash_escapes);
            }
            b'"' => {
                meaningful = true;
                i = skip_quoted(bytes, i, b'"', false);
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = skip_block_comment(bytes, i);
            }
            b'$' => {
                meaningful = true;
                if let Some(end) = dollar_quote_end(bytes, i) {
                    i = end;
                } else {
                    i += 1;
                }
            }
            b'?' => {
                meaningful = true;
                flush_copy!(i);
                param_count += 1;
                current.push('$');
                current.push_str(&param_count.to_string());
                i += 1;
                copy_from = i;
            }
            b';' => {
                flush_copy!(i);
                if meaningful {
                    pieces.push(SqlPiece {
                        sql: std::mem::take(&mut current).trim().to_string(),
                        param_count,
                        first_param: total_params,
                    });
                    total_params += param_count;
                }
                current.clear();
                meaningful = false;
                param_count = 0;
                i += 1;
                copy_from = i;
            }
            _ => {
                if !b.is_ascii_whitespace() {
                    meaningful = true;
                }
                i += 1;
            }
        }
    }
    flush_copy!(bytes.len().min(text.len()));
    if meaningful || pieces.is_empty() {
        pieces.push(SqlPiece { sql: current.trim().to_string(), param_count, first_param: total_params });
    }
    pieces
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Index just past the closing quote (or the end of text when unterminated).
fn skip_quoted(bytes: &[u8], start: usize, quote: u8, backslash_escapes: bool) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        let b = bytes[i];
        if backslash_escapes && b == b'\\' {
            i += 2;
            continue;
        }
        if b == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

/// Index just past a (nested) block comment.
fn skip_block_comment(bytes: &[u8], start: usize) -> usize {
    let mut depth = 0usize;
    let mut i = start;
    while i < bytes.len() {
        if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
            depth += 1;
            i += 2;
        } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
            depth = depth.saturating_sub(1);
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    bytes.len()
}

/// When a dollar quote (`$$` or `$tag$`) starts at `start`, the index just past its end.
fn dollar_quote_end(bytes: &[u8], start: usize) -> Option<usize> {
    // `$1` is a positional parameter, and `a$b` part of an identifier: neither opens a quote.
    if start > 0 && is_ident_byte(bytes[start - 1]) {
        return None;
    }
    let mut j = start + 1;
    while j < bytes.len() && bytes[j] != b'$' {
        let b = bytes[j];
        let ok = if j == start + 1 { b.is_ascii_alphabetic() || b == b'_' || b >= 0x80 } else { is_ident_byte(b) };
        if !ok {
            return None;
        }
        j += 1;
    }
    if j >= bytes.len() {
        return None;
    }
    let tag = &bytes[start..=j];
    let body_start = j + 1;
    let mut k = body_start;
    while k + tag.len() <= bytes.len() {
        if &bytes[k..k + tag.len()] == tag {
            return Some(k + tag.len());
        }
        k += 1;
    }
    Some(bytes.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqls(text: &str) -> Vec<String> {
        split_statements(text).into_iter().map(|p| p.sql).collect()
    }

    #[test]
    fn markers_become_numbered_placeholders() {
        let p = split_statements("SELECT ? , ?::int WHERE a = ?");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].sql, "SELECT $1 , $2::int WHERE a = $3");
        assert_eq!(p[0].param_count, 3);
    }

    #[test]
    fn quoted_text_comments_and_dollar_bodies_are_left_alone() {
        let p = split_statements("SELECT '?;', \"a?;\", E'\\';?' -- ?;\n, $$ ?; $$, $fn$ ; ? $fn$ /* ? ; /* ? */ */, ?");
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].param_count, 1);
        assert!(p[0].sql.ends_with("$1"));
    }

    #[test]
    fn statements_are_split_and_numbered_each_from_one() {
        let p = split_statements("INSERT INTO t VALUES (?); SELECT ?, ? ;; ");
        assert_eq!(p.len(), 2);
        assert_eq!(p[0].sql, "INSERT INTO t VALUES ($1)");
        assert_eq!(p[1].sql, "SELECT $1, $2");
        assert_eq!(p[1].first_param, 1);
    }

    #[test]
    fn positional_parameters_are_not_dollar_quotes() {
        assert_eq!(sqls("SELECT $1; SELECT 2"), vec!["SELECT $1", "SELECT 2"]);
    }

    #[test]
    fn empty_text_gives_one_empty_piece() {
        assert_eq!(sqls("  -- nothing\n"), vec!["-- nothing".to_string()]);
        assert_eq!(sqls(""), vec![String::new()]);
    }

    #[test]
    fn unterminated_quote_does_not_panic() {
        let p = split_statements("SELECT 'abc; ?");
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].param_count, 0);
    }
}
