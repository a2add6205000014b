//! Reading the application's SQL text: splitting a string into statements and turning ODBC's
//! `?` markers into PostgreSQL's `$n`, while leaving quoted text, identifiers, dollar-quoted
//! bodies and comments alone.

use super::procedure_call::CallPlan;

/// One statement of the application's SQL string, ready for the server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlPiece {
    /// The statement with `$1..$n` in place of `?`.
    pub sql: String,
    /// How many `?` markers it had.
    pub param_count: usize,
    /// Index (0-based) of its first marker among all markers of the whole string.
    pub first_param: usize,
    /// For a `{[?=] call ...}` statement: the call as planned for the parameters' binding,
    /// which maps the markers sent to the application's parameter numbers.
    pub call: Option<Box<CallPlan>>,
    /// For `UPDATE/DELETE ... WHERE CURRENT OF c`: the cursor `c`, whose current row's
    /// identity the driver sends as the two parameters after the application's.
    pub current_of: Option<String>,
}

impl SqlPiece {
    /// The application's parameter number (1-based) of the piece's `$k` (`k` from 0).
    pub fn param_number(&self, k: usize) -> usize {
        self.call
            .as_ref()
            .and_then(|plan| plan.sent.get(k).copied())
            .unwrap_or(self.first_param + k + 1)
    }

    /// How many markers of the application's text the piece holds (for a procedure call,
    /// also the return value and the output parameters, which are not sent).
    pub fn marker_count(&self) -> usize {
        self.call
            .as_ref()
            .map_or(self.param_count, |plan| plan.call.markers())
    }

    /// The parameters the driver adds after the application's (a positioned statement's
    /// row identity).
    pub fn driver_params(&self) -> usize {
        if self.current_of.is_some() {
            2
        } else {
            0
        }
    }
}

/// How the session reads a backslash inside a plain `'...'` string: with
/// `standard_conforming_strings` off (older servers and applications' settings) it escapes the
/// next character, as it always does in `E'...'`. Marker and escape scanning must agree with
/// the server, or a `?` inside such a string is taken for a marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Quoting {
    pub backslash_escapes_in_plain_strings: bool,
}

impl Quoting {
    /// `standard_conforming_strings = on`, PostgreSQL's default since 9.1.
    pub const STANDARD: Quoting = Quoting {
        backslash_escapes_in_plain_strings: false,
    };

    /// Index just past the `'...'` string starting at `start` (`E'...'` when an `E` that is
    /// not the end of a longer word comes just before).
    pub(crate) fn skip_string(self, bytes: &[u8], start: usize) -> usize {
        let e_string = start > 0
            && (bytes[start - 1] == b'e' || bytes[start - 1] == b'E')
            && (start < 2 || !is_ident_byte(bytes[start - 2]));
        skip_quoted(
            bytes,
            start,
            b'\'',
            e_string || self.backslash_escapes_in_plain_strings,
        )
    }
}

/// [`split_statements_in`] with standard-conforming strings.
pub fn split_statements(text: &str) -> Vec<SqlPiece> {
    split_statements_in(text, Quoting::STANDARD)
}

/// Splits `text` into statements at top-level semicolons and numbers the markers of each from
/// `$1`. Statements holding only white space and comments are dropped; a string with none left
/// gives one empty piece.
pub fn split_statements_in(text: &str, quoting: Quoting) -> Vec<SqlPiece> {
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
                i = quoting.skip_string(bytes, i);
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
                        call: None,
                        current_of: None,
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
        pieces.push(SqlPiece {
            sql: current.trim().to_string(),
            param_count,
            first_param: total_params,
            call: None,
            current_of: None,
        });
    }
    pieces
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

/// Index just past the closing quote (or the end of text when unterminated).
pub(crate) fn skip_quoted(bytes: &[u8], start: usize, quote: u8, backslash_escapes: bool) -> usize {
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
pub(crate) fn skip_block_comment(bytes: &[u8], start: usize) -> usize {
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
pub(crate) fn dollar_quote_end(bytes: &[u8], start: usize) -> Option<usize> {
    // `$1` is a positional parameter, and `a$b` part of an identifier: neither opens a quote.
    if start > 0 && is_ident_byte(bytes[start - 1]) {
        return None;
    }
    let mut j = start + 1;
    while j < bytes.len() && bytes[j] != b'$' {
        let b = bytes[j];
        let ok = if j == start + 1 {
            b.is_ascii_alphabetic() || b == b'_' || b >= 0x80
        } else {
            is_ident_byte(b)
        };
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

/// What a statement the application sends does to the transaction block: `Some(true)` for
/// `BEGIN` / `START TRANSACTION`, `Some(false)` for `COMMIT`, `END`, `ROLLBACK` and `ABORT`
/// (not `ROLLBACK TO` a savepoint, nor the two-phase `... PREPARED` forms), `None` otherwise.
/// The driver keeps its own idea of an open transaction in step with SQL the application
/// writes itself.
pub fn transaction_control(sql: &str) -> Option<bool> {
    let mut words = sql
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty());
    let is =
        |word: Option<&str>, expected: &str| word.is_some_and(|w| w.eq_ignore_ascii_case(expected));
    let first = words.next()?;
    let second = words.next();
    if is(Some(first), "begin") {
        return Some(true);
    }
    if is(Some(first), "start") {
        return is(second, "transaction").then_some(true);
    }
    let ends = ["commit", "end", "rollback", "abort"]
        .iter()
        .any(|w| first.eq_ignore_ascii_case(w));
    if !ends || is(second, "prepared") {
        return None;
    }
    // ROLLBACK [WORK | TRANSACTION] TO [SAVEPOINT] keeps the block.
    let keeps = is(second, "to")
        || ((is(second, "work") || is(second, "transaction")) && is(words.next(), "to"));
    if is(Some(first), "rollback") && keeps {
        return None;
    }
    Some(false)
}

/// The access mode a `SET SESSION CHARACTERISTICS AS TRANSACTION ...` statement sets:
/// `Some(true)` for READ ONLY, `Some(false)` for READ WRITE (the last one written wins, as on
/// the server), `None` for any other statement or one that sets no access mode.
pub fn session_access_mode(sql: &str) -> Option<bool> {
    let words: Vec<&str> = sql
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty())
        .collect();
    let lead = ["set", "session", "characteristics", "as", "transaction"];
    if words.len() < lead.len()
        || !lead
            .iter()
            .zip(&words)
            .all(|(want, w)| w.eq_ignore_ascii_case(want))
    {
        return None;
    }
    let mut mode = None;
    for pair in words[lead.len()..].windows(2) {
        if pair[0].eq_ignore_ascii_case("read") {
            if pair[1].eq_ignore_ascii_case("only") {
                mode = Some(true);
            } else if pair[1].eq_ignore_ascii_case("write") {
                mode = Some(false);
            }
        }
    }
    mode
}

/// The first two words of a statement, past white space and comments.
fn leading_words(sql: &str) -> (&str, &str) {
    let bytes = sql.as_bytes();
    let mut i = 0;
    let mut words = [""; 2];
    for word in &mut words {
        loop {
            match bytes.get(i..i + 2) {
                Some(b"--") => {
                    i = bytes[i..]
                        .iter()
                        .position(|&b| b == b'\n')
                        .map_or(bytes.len(), |p| i + p);
                }
                Some(b"/*") => i = skip_block_comment(bytes, i),
                _ if bytes.get(i).is_some_and(u8::is_ascii_whitespace) => i += 1,
                _ => break,
            }
        }
        let start = i;
        while bytes.get(i).is_some_and(|&b| is_ident_byte(b)) {
            i += 1;
        }
        *word = sql.get(start..i).unwrap_or_default();
        if word.is_empty() {
            break;
        }
    }
    (words[0], words[1])
}

/// Whether SQLRowCount is -1 after `sql`, a statement that returned no rows, where the server
/// reported no count. psqlODBC reads the count from the command tag's last word: a one-word
/// tag (`SET`, `DO`, `GRANT`, `ANALYZE`, transaction control...) and `DROP TABLE` / `ALTER
/// TABLE` give -1, any other tag without a number (`CREATE TABLE`, `TRUNCATE TABLE`, `CREATE
/// INDEX`...) gives 0, which is also what the server's count reads as. The tag is not known
/// here, so it is told from the statement's first words.
pub fn reports_no_row_count(sql: &str) -> bool {
    let (first, second) = leading_words(sql);
    let is = |word: &str, expected: &str| word.eq_ignore_ascii_case(expected);
    const ONE_WORD_TAGS: [&str; 26] = [
        "set",
        "reset",
        "do",
        "analyze",
        "analyse",
        "vacuum",
        "begin",
        "commit",
        "end",
        "rollback",
        "abort",
        "savepoint",
        "release",
        "grant",
        "revoke",
        "checkpoint",
        "listen",
        "notify",
        "unlisten",
        "call",
        "comment",
        "cluster",
        "reindex",
        "load",
        "deallocate",
        "prepare",
    ];
    let one_word = ONE_WORD_TAGS.iter().any(|w| is(first, w));
    // The two-word tags among those statements: SET CONSTRAINTS, DEALLOCATE ALL, PREPARE
    // TRANSACTION.
    let two_word = (is(first, "set") && is(second, "constraints"))
        || (is(first, "deallocate") && is(second, "all"))
        || (is(first, "prepare") && is(second, "transaction"));
    (one_word && !two_word) || changes_table_definition(sql)
}

/// Whether `sql` is `ALTER TABLE` or `DROP TABLE`: psqlODBC forgets the table column facts
/// it keeps after these, and so does the driver ([`super::table_columns`]).
pub fn changes_table_definition(sql: &str) -> bool {
    let (first, second) = leading_words(sql);
    (first.eq_ignore_ascii_case("drop") || first.eq_ignore_ascii_case("alter"))
        && second.eq_ignore_ascii_case("table")
}

/// Whether `sql` is one of the application's own savepoint commands (`SAVEPOINT`, `RELEASE`,
/// `ROLLBACK [WORK | TRANSACTION] TO`), which move the server's savepoint stack.
pub fn moves_savepoints(sql: &str) -> bool {
    let mut words = sql
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty());
    let Some(first) = words.next() else {
        return false;
    };
    if first.eq_ignore_ascii_case("savepoint") || first.eq_ignore_ascii_case("release") {
        return true;
    }
    first.eq_ignore_ascii_case("rollback")
        && transaction_control(sql).is_none()
        && !words.any(|w| w.eq_ignore_ascii_case("prepared"))
}

/// Whether `sql` is `SET TRANSACTION ...`, which the server refuses inside a subtransaction
/// (so it must not get the driver's savepoint).
pub fn sets_transaction(sql: &str) -> bool {
    let mut words = sql
        .split(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .filter(|w| !w.is_empty());
    words.next().is_some_and(|w| w.eq_ignore_ascii_case("set"))
        && words
            .next()
            .is_some_and(|w| w.eq_ignore_ascii_case("transaction"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_whose_tag_carries_no_count() {
        for sql in [
            "SET search_path = public",
            "  set client_min_messages to notice",
            "DO $$ BEGIN NULL; END $$",
            "DROP TABLE IF EXISTS t1",
            "-- why\ndrop table t1",
            "/* a /* nested */ comment */ ALTER TABLE t ADD c int",
            "ANALYZE t",
            "BEGIN",
            "GRANT SELECT ON t TO PUBLIC",
            "CALL p()",
        ] {
            assert!(reports_no_row_count(sql), "{sql}");
        }
        for sql in [
            "CREATE TABLE t(a int)",
            "TRUNCATE t",
            "CREATE INDEX ON t(a)",
            "DROP INDEX i",
            "SET CONSTRAINTS ALL DEFERRED",
            "INSERT INTO t VALUES (1)",
            "UPDATE t SET a = 1",
            "settle",
            "",
            "-- only a comment",
        ] {
            assert!(!reports_no_row_count(sql), "{sql}");
        }
    }

    #[test]
    fn set_transaction_commands() {
        assert!(sets_transaction(
            "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE"
        ));
        assert!(sets_transaction(" set transaction read only"));
        assert!(!sets_transaction(
            "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY"
        ));
        assert!(!sets_transaction("SET search_path = transaction"));
        assert!(!sets_transaction("SELECT 1"));
    }

    #[test]
    fn savepoint_commands() {
        for (sql, expected) in [
            ("SAVEPOINT a", true),
            ("release savepoint a", true),
            ("RELEASE a", true),
            ("ROLLBACK TO SAVEPOINT a", true),
            ("rollback work to a", true),
            ("ROLLBACK", false),
            ("ROLLBACK PREPARED 'x'", false),
            ("COMMIT", false),
            ("SELECT 'SAVEPOINT'", false),
            ("savepoints_table_insert", false),
            ("", false),
        ] {
            assert_eq!(moves_savepoints(sql), expected, "{sql}");
        }
    }

    #[test]
    fn session_access_mode_statements() {
        for (sql, expected) in [
            ("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", Some(true)),
            ("set session characteristics as transaction read write", Some(false)),
            (
                "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED, READ ONLY",
                Some(true),
            ),
            (
                "SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL READ COMMITTED",
                None,
            ),
            ("SET TRANSACTION READ ONLY", None),
            ("SET SESSION default_transaction_read_only = on", None),
            ("SELECT 'SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY'", None),
            (
                "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY, READ WRITE",
                Some(false),
            ),
        ] {
            assert_eq!(session_access_mode(sql), expected, "{sql}");
        }
    }

    #[test]
    fn transaction_control_statements() {
        for (sql, expected) in [
            ("BEGIN", Some(true)),
            (
                "  begin transaction isolation level serializable",
                Some(true),
            ),
            ("START TRANSACTION READ ONLY", Some(true)),
            ("COMMIT", Some(false)),
            ("commit work", Some(false)),
            ("END", Some(false)),
            ("ROLLBACK", Some(false)),
            ("abort", Some(false)),
            ("rollback work", Some(false)),
            ("ROLLBACK TO SAVEPOINT a", None),
            ("rollback to a", None),
            ("ROLLBACK WORK TO SAVEPOINT a", None),
            ("COMMIT PREPARED 'x'", None),
            ("ROLLBACK PREPARED 'x'", None),
            ("SAVEPOINT a", None),
            ("START something", None),
            ("SELECT 'BEGIN'", None),
            ("beginning", None),
            ("", None),
        ] {
            assert_eq!(transaction_control(sql), expected, "{sql}");
        }
    }

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
        let p = split_statements(
            "SELECT '?;', \"a?;\", E'\\';?' -- ?;\n, $$ ?; $$, $fn$ ; ? $fn$ /* ? ; /* ? */ */, ?",
        );
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

/// Rewrites ODBC escape sequences into PostgreSQL SQL: `{d '...'}`, `{t '...'}`,
/// `{ts '...'}`, `{guid '...'}`, `{interval ...}`, `{fn NAME(args)}` (through the scalar
/// function table SQLGetInfo reports), `{oj ...}`, `{call f(args)}` / `{?= call f(args)}`
/// and `{escape '...'}`. Escapes nest; quoted text, identifiers and comments are left alone.
/// An escape the driver does not know is an error naming it (SQLSTATE 37000 family: 42000).
/// `@@IDENTITY` (SQL Server's last inserted identity, which programs ported to psqlODBC send)
/// becomes `lastval()`, as psqlODBC rewrites it.
pub fn translate_escapes(text: &str) -> Result<String, String> {
    translate_escapes_in(text, Quoting::STANDARD)
}

/// [`translate_escapes`] for a session that reads strings as `quoting` says.
pub fn translate_escapes_in(text: &str, quoting: Quoting) -> Result<String, String> {
    translate_nested(text, 0, quoting)
}

/// How deep escapes may nest. Each level is a call frame and a pass over its text, so the
/// bound keeps hostile text from overflowing the stack and keeps the work linear.
pub const MAX_ESCAPE_NESTING: usize = 64;

/// [`translate_escapes`] for text `depth` escapes deep.
fn translate_nested(text: &str, depth: usize, quoting: Quoting) -> Result<String, String> {
    if !text.contains('{') && !text.contains("@@") {
        return Ok(text.to_string());
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0usize;
    let mut copy_from = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => i = quoting.skip_string(bytes, i),
            b'"' => i = skip_quoted(bytes, i, b'"', false),
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => i = skip_block_comment(bytes, i),
            b'$' => i = dollar_quote_end(bytes, i).unwrap_or(i + 1),
            b'@' if is_identity_variable(bytes, i) => {
                out.push_str(&text[copy_from..i]);
                out.push_str("lastval()");
                i += IDENTITY_VARIABLE.len();
                copy_from = i;
            }
            b'{' => {
                if depth >= MAX_ESCAPE_NESTING {
                    return Err(format!(
                        "ODBC escape sequences nest deeper than {MAX_ESCAPE_NESTING} levels"
                    ));
                }
                let end = matching_brace(bytes, i, quoting)
                    .ok_or_else(|| "an ODBC escape sequence is not closed with '}'".to_string())?;
                out.push_str(&text[copy_from..i]);
                let inner = translate_nested(&text[i + 1..end], depth + 1, quoting)?;
                out.push_str(&translate_one(inner.trim(), quoting)?);
                i = end + 1;
                copy_from = i;
            }
            _ => i += 1,
        }
    }
    out.push_str(&text[copy_from..]);
    Ok(out)
}

const IDENTITY_VARIABLE: &str = "@@identity";

/// Whether `@@IDENTITY` (any case), as a whole word, starts at `at`.
fn is_identity_variable(bytes: &[u8], at: usize) -> bool {
    let end = at + IDENTITY_VARIABLE.len();
    bytes.len() >= end
        && bytes[at..end].eq_ignore_ascii_case(IDENTITY_VARIABLE.as_bytes())
        && (at == 0 || !is_ident_byte(bytes[at - 1]) && bytes[at - 1] != b'@')
        && bytes.get(end).is_none_or(|b| !is_ident_byte(*b))
}

/// Index of the `}` closing the `{` at `start`, skipping quoted text and nested braces.
pub(super) fn matching_brace(bytes: &[u8], start: usize, quoting: Quoting) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => {
                i = quoting.skip_string(bytes, i);
                continue;
            }
            b'"' => {
                i = skip_quoted(bytes, i, b'"', false);
                continue;
            }
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// Splits `a, f(b, c), 'x,y'` at top-level commas.
fn split_args(text: &str, quoting: Quoting) -> Vec<String> {
    let bytes = text.as_bytes();
    let mut args = Vec::new();
    let mut depth = 0i32;
    let mut start = 0usize;
    let mut i = 0usize;
    while i < bytes.len() {
        match bytes[i] {
            b'\'' => {
                i = quoting.skip_string(bytes, i);
                continue;
            }
            b'"' => {
                i = skip_quoted(bytes, i, b'"', false);
                continue;
            }
            b'(' => depth += 1,
            b')' => depth -= 1,
            b',' if depth == 0 => {
                args.push(text[start..i].trim().to_string());
                start = i + 1;
            }
            _ => {}
        }
        i += 1;
    }
    let last = text[start..].trim();
    if !last.is_empty() || !args.is_empty() {
        args.push(last.to_string());
    }
    args
}

/// Splits `keyword rest` at the first white space.
pub(super) fn keyword(text: &str) -> (String, &str) {
    let end = text
        .find(|c: char| c.is_whitespace() || c == '(')
        .unwrap_or(text.len());
    (text[..end].to_ascii_lowercase(), text[end..].trim_start())
}

/// `NAME(args)` -> (name, args)
pub(super) fn call_parts(text: &str, quoting: Quoting) -> Result<(String, Vec<String>), String> {
    let text = text.trim();
    match text.find('(') {
        Some(open) if text.ends_with(')') => Ok((
            text[..open].trim().to_string(),
            split_args(&text[open + 1..text.len() - 1], quoting),
        )),
        None => Ok((text.to_string(), Vec::new())),
        _ => Err(format!(
            "malformed function call in escape sequence: {text}"
        )),
    }
}

fn translate_one(inner: &str, quoting: Quoting) -> Result<String, String> {
    // `?= call f(...)` inside other text: the return value is the first result column. (A
    // whole-statement call, whose markers need mapping, is `super::procedure_call`.)
    let inner = inner
        .strip_prefix('?')
        .and_then(|rest| rest.trim_start().strip_prefix('='))
        .map_or(inner, str::trim_start);
    let (word, rest) = keyword(inner);
    match word.as_str() {
        "d" => Ok(format!("DATE {rest}")),
        "t" => Ok(format!("TIME {rest}")),
        "ts" => Ok(format!("TIMESTAMP {rest}")),
        "guid" => Ok(format!("{rest}::uuid")),
        "interval" => Ok(format!("INTERVAL {rest}")),
        "oj" => Ok(rest.to_string()),
        "escape" => Ok(format!("ESCAPE {rest}")),
        "call" => {
            let (name, args) = call_parts(rest, quoting)?;
            Ok(format!("SELECT * FROM {name}({})", args.join(", ")))
        }
        "fn" => {
            let (name, args) = call_parts(rest, quoting)?;
            if name.eq_ignore_ascii_case("convert") && args.len() == 2 {
                let target = args[1]
                    .trim()
                    .trim_start_matches("SQL_")
                    .trim_start_matches("sql_");
                let pg = super::info::convert_target(&format!("SQL_{target}"))
                    .or_else(|| super::info::convert_target(target))
                    .ok_or_else(|| format!("unknown type {} in {{fn CONVERT}}", args[1]))?;
                return Ok(format!("CAST({} AS {pg})", args[0]));
            }
            match super::info::scalar_function(&name, args.len()) {
                Some(f) => {
                    let mut sql = f.template.to_string();
                    for (n, a) in args.iter().enumerate() {
                        sql = sql.replace(&format!("{{{n}}}"), a);
                    }
                    Ok(sql)
                }
                // Unknown to ODBC's list: PostgreSQL may still have a function of that name.
                None => Ok(format!("{name}({})", args.join(", "))),
            }
        }
        other => Err(format!(
            "unsupported ODBC escape sequence '{{{other} ...}}'"
        )),
    }
}

#[cfg(test)]
mod escape_tests {
    use super::translate_escapes;

    #[test]
    fn literals_and_functions() {
        assert_eq!(
            translate_escapes("SELECT {d '2024-01-02'}, {ts '2024-01-02 03:04:05'}").unwrap(),
            "SELECT DATE '2024-01-02', TIMESTAMP '2024-01-02 03:04:05'"
        );
        let s = translate_escapes("SELECT {fn UCASE({fn LCASE('A,b')})}").unwrap();
        assert!(
            s.to_lowercase().contains("upper") && s.to_lowercase().contains("lower"),
            "{s}"
        );
        assert_eq!(
            translate_escapes("SELECT * FROM a LEFT JOIN b ON {oj x}").unwrap(),
            "SELECT * FROM a LEFT JOIN b ON x"
        );
        assert_eq!(
            translate_escapes("{call f(?, 'x,y')}").unwrap(),
            "SELECT * FROM f(?, 'x,y')"
        );
        assert_eq!(
            translate_escapes("{?= call g(1)}").unwrap(),
            "SELECT * FROM g(1)"
        );
        assert_eq!(
            translate_escapes("SELECT 'keep {d x}' , \"{fn y}\"").unwrap(),
            "SELECT 'keep {d x}' , \"{fn y}\""
        );
        assert!(translate_escapes("SELECT {bogus 1}").is_err());
        assert!(translate_escapes("SELECT {d '2024-01-02'").is_err());
        assert_eq!(
            translate_escapes("SELECT x LIKE 'a\\_%' {escape '\\'}").unwrap(),
            "SELECT x LIKE 'a\\_%' ESCAPE '\\'"
        );
    }

    #[test]
    fn backslashes_in_plain_strings_follow_the_session() {
        use super::{split_statements_in, translate_escapes_in, Quoting};
        let off = Quoting {
            backslash_escapes_in_plain_strings: true,
        };
        let text = "SELECT 'it\\'s ?', ?";
        let p = split_statements_in(text, off);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].sql, "SELECT 'it\\'s ?', $1");
        assert_eq!(p[0].param_count, 1);
        // Standard strings: the backslash is a character and the quote after it ends the string.
        let p = split_statements_in("SELECT 'a\\', ?", Quoting::STANDARD);
        assert_eq!(p[0].sql, "SELECT 'a\\', $1");
        assert_eq!(
            translate_escapes_in("SELECT 'x\\'{fn y}', {fn UCASE('a')}", off).unwrap(),
            "SELECT 'x\\'{fn y}', upper('a')"
        );
    }

    #[test]
    fn identity_variable_is_lastval() {
        assert_eq!(
            translate_escapes("SELECT @@IDENTITY").unwrap(),
            "SELECT lastval()"
        );
        assert_eq!(
            translate_escapes("select @@identity AS id, '@@IDENTITY', \"@@identity\"").unwrap(),
            "select lastval() AS id, '@@IDENTITY', \"@@identity\""
        );
        for kept in [
            "SELECT @@identityx",
            "SELECT x@@identity",
            "SELECT @@@identity",
        ] {
            assert_eq!(translate_escapes(kept).unwrap(), kept);
        }
    }

    #[test]
    fn deep_nesting_is_refused_quickly_on_a_small_stack() {
        use super::MAX_ESCAPE_NESTING;
        let levels = 100_000;
        let fns = format!(
            "SELECT {}1{}",
            "{fn ABS(".repeat(levels),
            ")}".repeat(levels)
        );
        let braces = format!("SELECT {}1{}", "{".repeat(levels), "}".repeat(levels));
        let handle = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || {
                let started = std::time::Instant::now();
                let a = translate_escapes(&fns);
                let b = translate_escapes(&braces);
                (a, b, started.elapsed())
            })
            .unwrap();
        let (a, b, took) = handle.join().unwrap();
        let limit = format!("{MAX_ESCAPE_NESTING} levels");
        assert!(a.unwrap_err().contains(&limit));
        assert!(b.unwrap_err().contains(&limit));
        assert!(took < std::time::Duration::from_secs(5), "{took:?}");
        let ok = format!(
            "SELECT {}1{}",
            "{fn ABS(".repeat(MAX_ESCAPE_NESTING),
            ")}".repeat(MAX_ESCAPE_NESTING)
        );
        assert!(translate_escapes(&ok).unwrap().contains("1"));
    }
}
