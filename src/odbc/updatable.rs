//! Which SELECTs a cursor can update through SQLSetPos, and the statements that find their
//! rows again. As psqlODBC's updatable cursors do, a row is identified by its `ctid` (where it
//! lies in its table) and checked by its `xmin` (the transaction that last wrote it), so a row
//! another transaction changed since the fetch is noticed instead of overwritten; `tableoid`
//! names the table (the partition, for a partitioned table) that holds it.
//!
//! A SELECT qualifies when it reads one table with no grouping, DISTINCT, set operation,
//! window, aggregate, function or subquery in its FROM: then `ctid`, `xmin` and `tableoid`
//! can be read beside its columns, as three hidden columns after the application's.

use super::sqltext::Quoting;

/// How many columns the driver adds after the application's (ctid, xmin, tableoid as text).
pub const HIDDEN_COLUMNS: usize = 3;

/// What the driver adds after the select list.
const HIDDEN_LIST: &str = ", ctid::text, xmin::text, tableoid::text ";

/// An updatable SELECT: the statement to send, and the one that reads a row again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpdatableSelect {
    /// The application's statement as it was, for a read-only cursor after all (a view).
    pub original_sql: String,
    /// The application's statement with the hidden columns after its select list.
    pub sql: String,
    /// The same select list and FROM, for the row at `$1` (a ctid) of the table `$2` (an
    /// oid): what SQL_REFRESH and an update read back.
    pub refresh_sql: String,
    /// The rows of a keyset-driven cursor's rowset: for the keys `$1` (a tid array) of the
    /// table `$2` (an oid, named `$3`), each key's newest version as the cursor's SELECT reads
    /// it, in the keys' order, and a row of NULLs for a key whose row is gone. One round trip;
    /// the versions are followed first so that each row is found by a TID scan.
    pub keyset_sql: String,
    /// [`Self::refresh_sql`] for a row that moved since (an update elsewhere writes a new
    /// version at a new ctid): the newest version of the row that was at `$1` in the table
    /// named `$3`, as PostgreSQL's `currtid2` follows the chain of versions.
    pub refresh_moved_sql: String,
}

/// Words that make a SELECT's rows not rows of one table.
const NOT_ONE_TABLE: &[&str] = &[
    "distinct",
    "group",
    "having",
    "union",
    "intersect",
    "except",
    "window",
    "join",
    "lateral",
    "into",
    "over",
    "values",
];

/// Aggregate functions: a select list calling one gives one row for many.
const AGGREGATES: &[&str] = &[
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "array_agg",
    "string_agg",
    "bool_and",
    "bool_or",
    "every",
    "bit_and",
    "bit_or",
    "json_agg",
    "jsonb_agg",
    "json_object_agg",
    "jsonb_object_agg",
    "xmlagg",
    "stddev",
    "stddev_pop",
    "stddev_samp",
    "variance",
    "var_pop",
    "var_samp",
    "percentile_cont",
    "percentile_disc",
    "mode",
    "range_agg",
];

/// Words that end a FROM clause.
const AFTER_FROM: &[&str] = &["where", "order", "limit", "offset", "fetch", "for"];

/// A word outside quotes, comments and parentheses, with where it starts and ends.
struct Word {
    text: String,
    start: usize,
    end: usize,
}

/// The top-level words of `sql` (lower case) and where its commas and `$` signs are; `None`
/// for text that cannot be updatable whatever its words (a window, unbalanced parentheses,
/// a second statement).
fn top_level_words(sql: &str, quoting: Quoting) -> Option<TopLevel> {
    let bytes = sql.as_bytes();
    let mut words = Vec::new();
    let mut commas = Vec::new();
    let mut dollars = Vec::new();
    let mut depth = 0usize;
    let mut i = 0usize;
    while i < bytes.len() {
        let b = bytes[i];
        match b {
            b'\'' => i = quoting.skip_string(bytes, i),
            b'"' => {
                // A quoted identifier: a word of its own (never a keyword).
                let end = super::sqltext::skip_quoted(bytes, i, b'"', false);
                if depth == 0 {
                    words.push(Word {
                        text: String::new(),
                        start: i,
                        end,
                    });
                }
                i = end;
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = super::sqltext::skip_block_comment(bytes, i);
            }
            // Dollar quotes and parameters: kept out of the select list and FROM (the
            // statement that reads a row again has neither), allowed after them.
            b'$' => {
                dollars.push(i);
                i = super::sqltext::dollar_quote_end(bytes, i).unwrap_or(i + 1);
            }
            b'(' => {
                depth += 1;
                i += 1;
            }
            b')' => {
                depth = depth.checked_sub(1)?;
                i += 1;
            }
            b',' => {
                if depth == 0 {
                    commas.push(i);
                }
                i += 1;
            }
            b';' => {
                // Only a trailing semicolon.
                if !sql[i + 1..].trim().is_empty() {
                    return None;
                }
                i += 1;
            }
            _ if b.is_ascii_alphabetic() || b == b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                if depth == 0 {
                    words.push(Word {
                        text: sql[start..i].to_ascii_lowercase(),
                        start,
                        end: i,
                    });
                } else {
                    // An aggregate called anywhere in the select list (or a window).
                    let word = sql[start..i].to_ascii_lowercase();
                    if word == "over" {
                        return None;
                    }
                }
            }
            _ => i += 1,
        }
    }
    (depth == 0).then_some(TopLevel {
        words,
        commas,
        dollars,
    })
}

/// What [`top_level_words`] found.
struct TopLevel {
    words: Vec<Word>,
    /// Where the top-level commas are.
    commas: Vec<usize>,
    /// Where each `$` (a parameter or a dollar quote) is, at any depth.
    dollars: Vec<usize>,
}

/// The updatable form of `sql`, when it is a SELECT of one table's rows.
pub fn analyse(sql: &str, quoting: Quoting) -> Option<UpdatableSelect> {
    let TopLevel {
        words,
        commas,
        dollars,
    } = top_level_words(sql, quoting)?;
    if words.first()?.text != "select" {
        return None;
    }
    if words
        .iter()
        .any(|w| NOT_ONE_TABLE.contains(&w.text.as_str()))
    {
        return None;
    }
    let mut froms = words.iter().enumerate().filter(|(_, w)| w.text == "from");
    let (from_index, from) = froms.next()?;
    if froms.next().is_some() {
        return None;
    }
    // Aggregates in the select list: a call `name(` at the top level.
    for w in &words[..from_index] {
        let next = sql[w.end..].trim_start();
        if next.starts_with('(') && AGGREGATES.contains(&w.text.as_str()) {
            return None;
        }
    }
    let from_end = words[from_index + 1..]
        .iter()
        .find(|w| AFTER_FROM.contains(&w.text.as_str()))
        .map_or_else(|| sql.trim_end().trim_end_matches(';').len(), |w| w.start);
    let from_clause = sql.get(from.end..from_end)?.trim();
    // One table: no list, no subquery or function in FROM.
    if from_clause.is_empty()
        || commas.iter().any(|&c| c > from.end && c < from_end)
        || dollars.iter().any(|&d| d < from_end)
        || from_clause.contains('(')
    {
        return None;
    }
    let list = sql.get(words[0].end..from.start)?.trim();
    if list.is_empty() {
        return None;
    }
    let mut rewritten = String::with_capacity(sql.len() + HIDDEN_LIST.len());
    rewritten.push_str(sql[..from.start].trim_end());
    rewritten.push_str(HIDDEN_LIST);
    rewritten.push_str(&sql[from.start..]);
    let select = format!("SELECT {list}{} FROM {from_clause}", HIDDEN_LIST.trim_end());
    Some(UpdatableSelect {
        original_sql: sql.to_string(),
        sql: rewritten,
        refresh_sql: format!("{select} WHERE ctid = $1::tid AND tableoid = $2::oid"),
        refresh_moved_sql: format!(
            "{select} WHERE ctid = currtid2($3::text, $1::tid) AND tableoid = $2::oid"
        ),
        keyset_sql: format!(
            "WITH keyset AS MATERIALIZED (SELECT currtid2($3::text, k) AS key, o \
             FROM unnest($1::tid[]) WITH ORDINALITY AS u(k, o)) \
             SELECT s.* FROM keyset LEFT JOIN LATERAL \
             ({select} WHERE ctid = keyset.key AND tableoid = $2::oid) s ON true ORDER BY keyset.o"
        ),
    })
}

/// A positioned statement, `UPDATE ... WHERE CURRENT OF c` or `DELETE ... WHERE CURRENT OF
/// c`: the statement with the row of cursor `c` as two more parameters after its own
/// `param_count` (its ctid, and the oid of the table holding it), and the cursor's name. The
/// statement acts on the row's newest version (followed with PostgreSQL's `currtid2`).
/// `None` for any other statement.
pub fn positioned(sql: &str, param_count: usize, quoting: Quoting) -> Option<(String, String)> {
    let TopLevel { words, .. } = top_level_words(sql, quoting)?;
    if !matches!(words.first()?.text.as_str(), "update" | "delete") {
        return None;
    }
    let at = words
        .windows(3)
        .position(|w| w[0].text == "current" && w[1].text == "of")?;
    let name_word = words.get(at + 2)?;
    let raw = &sql[name_word.start..name_word.end];
    let name = match raw.strip_prefix('"').and_then(|r| r.strip_suffix('"')) {
        Some(quoted) => quoted.replace("\"\"", "\""),
        None => raw.to_string(),
    };
    if name.is_empty() {
        return None;
    }
    // The row's newest version: a positioned statement acts on the row as it is now, as
    // WHERE CURRENT OF a server cursor does (an earlier positioned UPDATE moved it).
    let (ctid, table) = (param_count + 1, param_count + 2);
    let rewritten = format!(
        "{}ctid = currtid2(${table}::oid::regclass::text, ${ctid}::tid) AND tableoid = ${table}::oid{}",
        &sql[..words[at].start],
        &sql[name_word.end..]
    );
    Some((rewritten, name))
}

/// `text` as a PostgreSQL identifier in double quotes.
pub fn quote_identifier(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn updatable(sql: &str) -> Option<UpdatableSelect> {
        analyse(sql, Quoting::STANDARD)
    }

    #[test]
    fn one_table_selects_get_the_hidden_columns() {
        let u =
            updatable("SELECT id, name FROM items WHERE id > 2 ORDER BY id").expect("one table");
        assert_eq!(
            u.sql,
            "SELECT id, name, ctid::text, xmin::text, tableoid::text FROM items WHERE id > 2 ORDER BY id"
        );
        assert_eq!(
            u.refresh_sql,
            "SELECT id, name, ctid::text, xmin::text, tableoid::text FROM items WHERE ctid = $1::tid AND tableoid = $2::oid"
        );
        assert_eq!(
            u.refresh_moved_sql,
            "SELECT id, name, ctid::text, xmin::text, tableoid::text FROM items WHERE ctid = currtid2($3::text, $1::tid) AND tableoid = $2::oid"
        );
        let u = updatable("select * from public.\"My Items\" AS m for update;").expect("quoted");
        assert!(u.sql.starts_with(
            "select *, ctid::text, xmin::text, tableoid::text from public.\"My Items\" AS m"
        ));
        assert!(u
            .refresh_sql
            .contains("FROM public.\"My Items\" AS m WHERE ctid"));
        assert!(updatable("SELECT a, lower(b) AS b, (c + 1) FROM t").is_some());
        let u = updatable("SELECT a FROM t WHERE a = $1 AND b <> $$x$$")
            .expect("parameters after FROM");
        assert!(u
            .refresh_sql
            .ends_with("FROM t WHERE ctid = $1::tid AND tableoid = $2::oid"));
        assert!(updatable("SELECT 'from x, y' AS s, \"from\" FROM t -- , u\n").is_some());
    }

    #[test]
    fn other_selects_stay_read_only() {
        for sql in [
            "SELECT a FROM t JOIN u ON t.id = u.id",
            "SELECT a FROM t, u",
            "SELECT DISTINCT a FROM t",
            "SELECT a FROM t GROUP BY a",
            "SELECT count(*) FROM t",
            "SELECT max(a) AS m FROM t",
            "SELECT a, row_number() OVER (ORDER BY a) FROM t",
            "SELECT a FROM t UNION SELECT a FROM u",
            "SELECT * FROM (SELECT 1) s",
            "SELECT * FROM generate_series(1, 3)",
            "SELECT a, $1 FROM t",
            "SELECT $$x$$ FROM t",
            "SELECT 1",
            "VALUES (1)",
            "UPDATE t SET a = 1",
            "SELECT a FROM t; SELECT b FROM u",
            "WITH x AS (SELECT 1) SELECT * FROM x",
            "SELECT a FROM t WHERE b IN (SELECT b FROM u",
        ] {
            assert_eq!(updatable(sql), None, "{sql}");
        }
    }

    #[test]
    fn positioned_statements_name_their_cursor() {
        let (sql, name) = positioned(
            "UPDATE items SET qty = $1 WHERE CURRENT OF editor",
            1,
            Quoting::STANDARD,
        )
        .expect("positioned update");
        assert_eq!(
            sql,
            "UPDATE items SET qty = $1 WHERE ctid = currtid2($3::oid::regclass::text, $2::tid) AND tableoid = $3::oid"
        );
        assert_eq!(name, "editor");
        let (sql, name) = positioned(
            "delete from t where current of \"My \"\"Cursor\"\"\";",
            0,
            Quoting::STANDARD,
        )
        .expect("positioned delete");
        assert_eq!(
            sql,
            "delete from t where ctid = currtid2($2::oid::regclass::text, $1::tid) AND tableoid = $2::oid;"
        );
        assert_eq!(name, "My \"Cursor\"");
        for other in [
            "SELECT * FROM t WHERE current_of = 1",
            "UPDATE t SET a = 'WHERE CURRENT OF x'",
            "UPDATE t SET a = 1 WHERE id = 2",
            "INSERT INTO t VALUES (1)",
        ] {
            assert_eq!(positioned(other, 0, Quoting::STANDARD), None, "{other}");
        }
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote_identifier("a\"b"), "\"a\"\"b\"");
    }
}
