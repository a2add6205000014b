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

/// What a template whose rows `COPY ... FROM STDIN` can load holds (see
/// [`InsertTemplate::copy_form`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CopyForm {
    /// The target as written (`s."T"`), its parts joined by dots.
    pub target: String,
    /// The columns as written (`a`, `"B c"`), in the statement's order.
    pub columns: Vec<String>,
    /// The columns' names as the server reads them: unquoted ones in ASCII lower case,
    /// quoted ones without their quotes.
    pub names: Vec<String>,
    /// For each column, the index (0-based) of the parameter set's value that goes in it.
    pub values: Vec<usize>,
}

impl CopyForm {
    /// `COPY <target> (<columns>) FROM STDIN`, in the text format.
    pub fn sql(&self) -> String {
        format!(
            "COPY {} ({}) FROM STDIN",
            self.target,
            self.columns.join(", ")
        )
    }
}

/// Longest identifier the server keeps whole (NAMEDATALEN - 1); a longer one is cut, which
/// [`CopyForm::names`] does not reproduce.
const MAX_IDENTIFIER_BYTES: usize = 63;

impl InsertTemplate {
    /// The same rows as `COPY <target> (<columns>) FROM STDIN` can load them: only for
    /// `INSERT INTO <name> (<column>, ...) VALUES ($a, $b, ...)` with a (schema-qualified,
    /// quoted or not) name, plain column names and a row of nothing but one placeholder per
    /// column. Anything more (an alias, `OVERRIDING`, an expression, a literal, a cast, a
    /// subscripted or field column, no column list) needs the INSERT and gives `None`.
    ///
    /// Whether COPY really inserts what the INSERT would (a plain table, no rules, no row
    /// security, parameter types that are the columns' own) is for the server to tell.
    pub fn copy_form(&self) -> Option<CopyForm> {
        let tokens = head_tokens(&self.head)?;
        let mut at = tokens.iter().peekable();
        match (at.next(), at.next()) {
            (Some(Token::Word(a)), Some(Token::Word(b)))
                if a.eq_ignore_ascii_case("INSERT") && b.eq_ignore_ascii_case("INTO") => {}
            _ => return None,
        }
        let mut target = Vec::new();
        loop {
            let part = at.next()?;
            identifier_name(part)?;
            target.push(part.text());
            match at.next()? {
                Token::Punct(b'.') if target.len() < 3 => continue,
                Token::Punct(b'(') => break,
                _ => return None,
            }
        }
        let mut columns = Vec::new();
        let mut names = Vec::new();
        loop {
            let column = at.next()?;
            let name = identifier_name(column)?;
            // A column twice: the server refuses it, and a COPY must not start to be refused.
            if names.contains(&name) {
                return None;
            }
            names.push(name);
            columns.push(column.text().to_string());
            match at.next()? {
                Token::Punct(b',') => continue,
                Token::Punct(b')') => break,
                _ => return None,
            }
        }
        if at.next().is_some() || columns.len() != self.params_per_row {
            return None;
        }
        // The row: `$a , $b , ...`, one placeholder per column and only commas between.
        let mut values = Vec::with_capacity(columns.len());
        let mut want_value = true;
        for part in &self.row {
            match part {
                RowPart::Param(n) if want_value => values.push(n.checked_sub(1)?),
                RowPart::Text(text) if text.trim().is_empty() => continue,
                RowPart::Text(text) if !want_value && text.trim() == "," => {}
                _ => return None,
            }
            want_value = !want_value;
        }
        if want_value || values.len() != columns.len() {
            return None;
        }
        Some(CopyForm {
            target: target.join("."),
            columns,
            names,
            values,
        })
    }
}

/// A piece of an INSERT's head.
#[derive(Debug)]
enum Token<'a> {
    /// An unquoted word.
    Word(&'a str),
    /// A quoted identifier, quotes included.
    Quoted(&'a str),
    Punct(u8),
}

impl<'a> Token<'a> {
    fn text(&self) -> &'a str {
        match self {
            Token::Word(t) | Token::Quoted(t) => t,
            Token::Punct(_) => "",
        }
    }
}

/// The head's words, quoted identifiers and `. , ( )`; `None` for anything else.
fn head_tokens(head: &str) -> Option<Vec<Token<'_>>> {
    let bytes = head.as_bytes();
    let mut tokens = Vec::new();
    let mut i = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b if b.is_ascii_whitespace() => i += 1,
            b'"' => {
                let end = skip_quoted_identifier(bytes, i)?;
                tokens.push(Token::Quoted(&head[i..=end]));
                i = end + 1;
            }
            b @ (b'.' | b',' | b'(' | b')') => {
                tokens.push(Token::Punct(b));
                i += 1;
            }
            b if is_ident_byte(b) => {
                let end = word_end(bytes, i);
                tokens.push(Token::Word(&head[i..end]));
                i = end;
            }
            _ => return None,
        }
    }
    Some(tokens)
}

/// The name an identifier token stands for: a quoted one without its quotes, an unquoted one
/// in ASCII lower case (as the server folds it); `None` for anything that is not a plain
/// identifier or that the server would cut.
fn identifier_name(token: &Token<'_>) -> Option<String> {
    let name = match token {
        Token::Quoted(text) => text[1..text.len() - 1].replace("\"\"", "\""),
        Token::Word(text) => {
            let first = text.as_bytes()[0];
            if first.is_ascii_digit() || text.contains('$') {
                return None;
            }
            text.to_ascii_lowercase()
        }
        Token::Punct(_) => return None,
    };
    (!name.is_empty() && name.len() <= MAX_IDENTIFIER_BYTES).then_some(name)
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

    fn copy_of(sql: &str, n: usize) -> Option<CopyForm> {
        InsertTemplate::parse(sql, n)?.copy_form()
    }

    #[test]
    fn plain_column_lists_of_placeholders_can_be_copied() {
        let form = copy_of("INSERT INTO t (a, b) VALUES ($1, $2)", 2).expect("copy");
        assert_eq!(form.sql(), "COPY t (a, b) FROM STDIN");
        assert_eq!(form.names, ["a", "b"]);
        assert_eq!(form.values, [0, 1]);
        let form = copy_of(
            "insert into S . \"My \"\"T\"\"\"( \"B c\" ,Ab,\"x\") values( $3 ,$1,$2 );",
            3,
        )
        .expect("copy");
        assert_eq!(
            form.sql(),
            "COPY S.\"My \"\"T\"\"\" (\"B c\", Ab, \"x\") FROM STDIN"
        );
        assert_eq!(form.target, "S.\"My \"\"T\"\"\"");
        assert_eq!(form.names, ["B c", "ab", "x"]);
        assert_eq!(form.values, [2, 0, 1]);
        let form = copy_of("INSERT INTO db.s.t (é) VALUES ($1)", 1).expect("copy");
        assert_eq!(form.sql(), "COPY db.s.t (é) FROM STDIN");
        assert_eq!(form.names, ["é"]);
    }

    #[test]
    fn rows_with_more_than_placeholders_need_the_insert() {
        for (sql, n) in [
            ("INSERT INTO t VALUES ($1, $2)", 2),
            ("INSERT INTO t (a, b) VALUES ($1, $2::int)", 2),
            ("INSERT INTO t (a, b) VALUES ($1, now())", 1),
            ("INSERT INTO t (a, b) VALUES ($1, 'x')", 1),
            ("INSERT INTO t (a, b) VALUES ($1, ($2))", 2),
            ("INSERT INTO t (a, b) VALUES ($1 $2)", 2),
            ("INSERT INTO t (a, b) VALUES ($1, $2,)", 2),
            ("INSERT INTO t (a, b) VALUES (, $1, $2)", 2),
            ("INSERT INTO t (a, b) VALUES ($1)", 1),
            ("INSERT INTO t (a) VALUES ($1, $2)", 2),
            ("INSERT INTO t (a, b) VALUES ($1, -$2)", 2),
            ("INSERT INTO t AS x (a) VALUES ($1)", 1),
            ("INSERT INTO t (a) OVERRIDING SYSTEM VALUE VALUES ($1)", 1),
            ("INSERT INTO t (a[1]) VALUES ($1)", 1),
            ("INSERT INTO t (a.f) VALUES ($1)", 1),
            ("INSERT INTO t () VALUES ($1)", 1),
            ("INSERT INTO t (a,) VALUES ($1)", 1),
            ("INSERT INTO (a) VALUES ($1)", 1),
            ("INSERT INTO a.b.c.d (a) VALUES ($1)", 1),
            ("INSERT INTO t. (a) VALUES ($1)", 1),
            ("INSERT INTO 1t (a) VALUES ($1)", 1),
            ("INSERT INTO \"\" (a) VALUES ($1)", 1),
            ("INSERT INTO t (a) (b) VALUES ($1)", 1),
            ("INSERT INTO t (a, \"a\") VALUES ($1, $2)", 2),
            ("INSERT INTO t (A, a) VALUES ($1, $2)", 2),
        ] {
            assert_eq!(copy_of(sql, n), None, "{sql}");
        }
        let long = format!("INSERT INTO t ({}) VALUES ($1)", "a".repeat(64));
        assert_eq!(copy_of(&long, 1), None);
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
