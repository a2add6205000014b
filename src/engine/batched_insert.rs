//! Rewriting a one-row `INSERT ... VALUES (...)` into multi-row statements, so a parameter array
//! of N sets costs a handful of statements instead of N executions (the `rewrite_batched_inserts`
//! key; off by default).
//!
//! Only a plain shape is recognised: `INSERT INTO <target> [(<columns>)] VALUES (<one row>)`
//! with every placeholder inside that row, each once, and nothing after it (no `ON CONFLICT`,
//! no `RETURNING`: both behave differently when several rows share one statement). Anything
//! else is left alone and runs set by set as usual. A rewritten statement fires statement-level
//! triggers once per statement rather than once per set; that is why the key is opt-in.

/// At most this many rows go into one rewritten statement: big enough that the per-statement
/// cost vanishes, small enough that its text stays in the tens of kilobytes.
const MAX_ROWS_PER_STATEMENT: usize = 1000;

/// The protocol's Bind message counts parameters in a signed 16-bit field.
const MAX_PARAMS_PER_STATEMENT: usize = i16::MAX as usize;

/// A recognised one-row INSERT, ready to be repeated for many rows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InsertTemplate {
    /// Everything before `VALUES`, verbatim (`INSERT INTO t (a, b) `).
    head: String,
    /// The row between its parentheses, split at its placeholders.
    row: Vec<RowPart>,
    /// Placeholders per row.
    params_per_row: usize,
}

/// A piece of the row: literal SQL text or placeholder `$n` (1-based, as written).
#[derive(Clone, Debug, PartialEq, Eq)]
enum RowPart {
    Text(String),
    Param(usize),
}

impl InsertTemplate {
    /// Recognises `sql` (with `$1..$n` placeholders, `n == param_count`); `None` when it is not
    /// a plain one-row INSERT whose placeholders all sit in its row.
    pub fn parse(sql: &str, param_count: usize) -> Option<InsertTemplate> {
        if param_count == 0 || param_count > MAX_PARAMS_PER_STATEMENT {
            return None;
        }
        let sql = sql.trim();
        let sql = sql.strip_suffix(';').unwrap_or(sql).trim_end();
        let values_at = find_values_keyword(sql)?;
        let head = &sql[..values_at];
        if !starts_with_insert_into(head) || !head_is_plain(head) {
            return None;
        }
        let after = sql[values_at + "VALUES".len()..].trim_start();
        let inner = after.strip_prefix('(')?;
        let (row, rest) = split_row(inner)?;
        if !rest.trim().is_empty() {
            return None;
        }
        let mut seen = vec![false; param_count];
        for part in &row {
            if let RowPart::Param(n) = part {
                let slot = seen.get_mut(n.checked_sub(1)?)?;
                if *slot {
                    return None;
                }
                *slot = true;
            }
        }
        if !seen.iter().all(|s| *s) {
            return None;
        }
        Some(InsertTemplate {
            head: head.to_string(),
            row,
            params_per_row: param_count,
        })
    }

    /// Rows that fit in one statement.
    pub fn rows_per_statement(&self) -> usize {
        (MAX_PARAMS_PER_STATEMENT / self.params_per_row).clamp(1, MAX_ROWS_PER_STATEMENT)
    }

    /// Placeholders per row.
    pub fn params_per_row(&self) -> usize {
        self.params_per_row
    }

    /// The statement for `rows` rows: row `r` uses placeholders `$(r*n+1)..$(r*n+n)`, so the
    /// parameter list is every set's values one after the other.
    pub fn render(&self, rows: usize) -> String {
        let row_len: usize = self
            .row
            .iter()
            .map(|p| match p {
                RowPart::Text(t) => t.len(),
                RowPart::Param(_) => 6,
            })
            .sum();
        let mut sql = String::with_capacity(self.head.len() + 8 + rows * (row_len + 3));
        sql.push_str(&self.head);
        sql.push_str("VALUES ");
        for r in 0..rows {
            if r > 0 {
                sql.push(',');
            }
            sql.push('(');
            for part in &self.row {
                match part {
                    RowPart::Text(t) => sql.push_str(t),
                    RowPart::Param(n) => {
                        sql.push('$');
                        sql.push_str(&(r * self.params_per_row + n).to_string());
                    }
                }
            }
            sql.push(')');
        }
        sql
    }
}

/// Byte offset of the first top-level `VALUES` keyword (outside quotes and parentheses).
fn find_values_keyword(sql: &str) -> Option<usize> {
    let bytes = sql.as_bytes();
    let mut depth = 0usize;
    let mut i = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = skip_quoted_identifier(bytes, i)?,
            b'(' => depth += 1,
            b')' => depth = depth.checked_sub(1)?,
            b if depth == 0 && is_word_start(bytes, i) && b.is_ascii_alphabetic() => {
                let end = word_end(bytes, i);
                if sql[i..end].eq_ignore_ascii_case("VALUES") {
                    return Some(i);
                }
                i = end;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Whether `head` begins with the words `INSERT INTO`.
fn starts_with_insert_into(head: &str) -> bool {
    let mut words = head.split_ascii_whitespace();
    matches!(
        (words.next(), words.next()),
        (Some(a), Some(b)) if a.eq_ignore_ascii_case("INSERT") && b.eq_ignore_ascii_case("INTO")
    )
}

/// The head may hold identifiers, a column list and words like `OVERRIDING SYSTEM VALUE`, but
/// no literals, comments, placeholders or statement breaks (text we would have to interpret).
fn head_is_plain(head: &str) -> bool {
    let bytes = head.as_bytes();
    let mut i = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => match skip_quoted_identifier(bytes, i) {
                Some(end) => i = end,
                None => return false,
            },
            b'\'' | b'$' | b';' | b'\\' => return false,
            b'-' if bytes.get(i + 1) == Some(&b'-') => return false,
            b'/' if bytes.get(i + 1) == Some(&b'*') => return false,
            _ => {}
        }
        i += 1;
    }
    true
}

/// Splits the row that follows `VALUES (`: its parts up to the matching `)`, and the text after
/// it. `None` for anything the rewrite should not touch: comments, escape strings, dollar
/// quoting, statement breaks, unbalanced parentheses.
fn split_row(inner: &str) -> Option<(Vec<RowPart>, &str)> {
    let bytes = inner.as_bytes();
    let mut parts = Vec::new();
    let mut text_from = 0usize;
    let mut depth = 0usize;
    let mut i = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'(' => depth += 1,
            b')' if depth == 0 => {
                if text_from < i {
                    parts.push(RowPart::Text(inner[text_from..i].to_string()));
                }
                return Some((parts, &inner[i + 1..]));
            }
            b')' => depth -= 1,
            b'"' => i = skip_quoted_identifier(bytes, i)?,
            b'\'' => {
                // A plain string literal only: a prefix letter (E'', U&'', B'', X'') or a
                // backslash inside could change where it ends.
                if i > 0 && is_ident_byte(bytes[i - 1]) {
                    return None;
                }
                i = skip_plain_string(bytes, i)?;
            }
            b'$' => {
                if i > 0 && is_ident_byte(bytes[i - 1]) {
                    return None;
                }
                let digits_end = bytes[i + 1..]
                    .iter()
                    .position(|b| !b.is_ascii_digit())
                    .map_or(bytes.len(), |p| i + 1 + p);
                if digits_end == i + 1 || bytes.get(digits_end).is_some_and(|b| is_ident_byte(*b)) {
                    return None;
                }
                let n: usize = inner[i + 1..digits_end].parse().ok()?;
                if text_from < i {
                    parts.push(RowPart::Text(inner[text_from..i].to_string()));
                }
                parts.push(RowPart::Param(n));
                text_from = digits_end;
                i = digits_end;
                continue;
            }
            b';' | b'\\' => return None,
            b'-' if bytes.get(i + 1) == Some(&b'-') => return None,
            b'/' if bytes.get(i + 1) == Some(&b'*') => return None,
            _ => {}
        }
        i += 1;
    }
    None
}

/// Index of the closing `"` of the quoted identifier opening at `start` (`""` is a quote).
fn skip_quoted_identifier(bytes: &[u8], start: usize) -> Option<usize> {
    skip_quoted(bytes, start, b'"')
}

/// Index of the closing `'` of a standard string literal opening at `start`; `None` when it
/// holds a backslash (its meaning would depend on standard_conforming_strings).
fn skip_plain_string(bytes: &[u8], start: usize) -> Option<usize> {
    let end = skip_quoted(bytes, start, b'\'')?;
    if bytes[start..end].contains(&b'\\') {
        return None;
    }
    Some(end)
}

fn skip_quoted(bytes: &[u8], start: usize, quote: u8) -> Option<usize> {
    let mut i = start + 1;
    while i < bytes.len() {
        if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
                continue;
            }
            return Some(i);
        }
        i += 1;
    }
    None
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

fn is_word_start(bytes: &[u8], i: usize) -> bool {
    i == 0 || !is_ident_byte(bytes[i - 1])
}

fn word_end(bytes: &[u8], start: usize) -> usize {
    bytes[start..]
        .iter()
        .position(|b| !is_ident_byte(*b))
        .map_or(bytes.len(), |p| start + p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(sql: &str, n: usize, rows: usize) -> Option<String> {
        InsertTemplate::parse(sql, n).map(|t| t.render(rows))
    }

    #[test]
    fn plain_inserts_are_repeated_with_renumbered_placeholders() {
        assert_eq!(
            rendered("INSERT INTO t (a, b) VALUES ($1, $2)", 2, 3).as_deref(),
            Some("INSERT INTO t (a, b) VALUES ($1, $2),($3, $4),($5, $6)")
        );
        assert_eq!(
            rendered(
                "insert into s.\"T(x)\" values($1,now(),$2, 'a''b)$9');",
                2,
                2
            )
            .as_deref(),
            Some("insert into s.\"T(x)\" VALUES ($1,now(),$2, 'a''b)$9'),($3,now(),$4, 'a''b)$9')")
        );
        assert_eq!(
            rendered(
                "INSERT INTO t OVERRIDING SYSTEM VALUE VALUES (coalesce($2, 0), $1)",
                2,
                2
            )
            .as_deref(),
            Some(
                "INSERT INTO t OVERRIDING SYSTEM VALUE VALUES (coalesce($2, 0), $1),(coalesce($4, 0), $3)"
            )
        );
        assert_eq!(
            rendered("\n  INSERT\tINTO t VALUES ($1)  \n", 1, 1).as_deref(),
            Some("INSERT\tINTO t VALUES ($1)")
        );
    }

    #[test]
    fn other_shapes_are_left_alone() {
        for (sql, n) in [
            ("INSERT INTO t VALUES ($1) ON CONFLICT DO NOTHING", 1),
            ("INSERT INTO t VALUES ($1) RETURNING id", 1),
            ("INSERT INTO t VALUES ($1), ($2)", 2),
            ("INSERT INTO t SELECT $1", 1),
            ("INSERT INTO t DEFAULT VALUES", 0),
            ("UPDATE t SET a = $1", 1),
            ("WITH x AS (SELECT 1) INSERT INTO t VALUES ($1)", 1),
            ("INSERT INTO t VALUES ($1, $1)", 1),
            ("INSERT INTO t VALUES ($1)", 2),
            ("INSERT INTO t VALUES ($2)", 1),
            ("INSERT INTO t VALUES (now())", 0),
            ("INSERT INTO t VALUES ($1, E'\\'')", 1),
            ("INSERT INTO t VALUES ($1, 'a\\')", 1),
            ("INSERT INTO t VALUES ($1, $$x$$)", 1),
            ("INSERT INTO t VALUES ($1 -- )\n)", 1),
            ("INSERT INTO t VALUES ($1 /* ) */)", 1),
            ("INSERT INTO t /* VALUES */ VALUES ($1)", 1),
            ("INSERT INTO t VALUES ($1", 1),
            ("INSERT INTO t VALUES ($1)); DROP TABLE t", 1),
            ("INSERT INTO t VALUES ($1, a$1)", 1),
            ("INSERT INTO t VALUES ($1a)", 1),
            ("INSERT INTO \"t VALUES ($1)", 1),
            ("INSERT INTO t (\"a\") VALUES ($1, '", 1),
        ] {
            assert_eq!(InsertTemplate::parse(sql, n), None, "{sql}");
        }
    }

    #[test]
    fn statements_stay_within_the_parameter_limit() {
        let one = InsertTemplate::parse("INSERT INTO t VALUES ($1)", 1).expect("template");
        assert_eq!(one.rows_per_statement(), MAX_ROWS_PER_STATEMENT);
        let row: Vec<String> = (1..=100).map(|k| format!("${k}")).collect();
        let wide = InsertTemplate::parse(&format!("INSERT INTO t VALUES ({})", row.join(",")), 100)
            .expect("template");
        assert_eq!(wide.rows_per_statement(), 327);
        assert!(wide.rows_per_statement() * wide.params_per_row() <= MAX_PARAMS_PER_STATEMENT);
        let last = wide.render(327);
        assert!(last.ends_with(",$32700)"), "{}", &last[last.len() - 20..]);
    }
}
