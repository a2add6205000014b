//! Parameter arrays of a plain INSERT loaded with `COPY ... FROM STDIN`, where COPY inserts
//! exactly what the INSERTs would: in place of multi-row INSERTs (the `rewrite_batched_inserts`
//! key), and on the default path in place of a statement per set where the table is plain
//! enough that nothing could tell the two apart ([`PerSet::Statements`]).
//!
//! COPY is the server's fastest way in: one statement whose rows stream as text lines, no
//! placeholders to bind and no statement text growing with the rows. It differs from an INSERT
//! in a few places, so it stands in only where it cannot differ:
//!
//! * the statement is `INSERT INTO <name> (<columns>) VALUES ($a, $b, ...)`, one placeholder
//!   per column and nothing else in the row ([`InsertTemplate::copy_form`]);
//! * the target is a table or a partitioned table (not a view or a foreign table), without
//!   rules (COPY ignores them) and without row security (COPY refuses it);
//! * every parameter type the driver asked for is unspecified or the column's own type. COPY
//!   reads each value with the column type's input function; an INSERT whose parameter has
//!   another type reads it as that type and then casts it (a `real` into a `numeric` column
//!   keeps six digits, an `integer` `'007'` into a `text` column becomes `'7'`).
//!
//! The catalog is asked with every array, in the same round trip as the `BEGIN` and the lock
//! the COPY takes (see `copy_rows`), so a rule or row security added meanwhile, or a column
//! whose type changed, is seen. Only a verdict the catalog gave is remembered per statement.
//! Columns the INSERT cannot write (`GENERATED ALWAYS` identity and generated columns, which
//! COPY would write or refuse differently) never get here: the one-row INSERT the application
//! prepared already failed.
//!
//! Row triggers fire for each row, as with the INSERTs; statement triggers fire once for the
//! COPY. The count COPY reports leaves out rows a `BEFORE` trigger skipped, as an INSERT's does.

use super::{Owner, Session};
use crate::engine::batched_insert::{CopyForm, InsertTemplate};
use crate::engine::error::EngineResult;
use bytes::{Bytes, BytesMut};
use futures_util::SinkExt;
use std::sync::Arc;
use tokio_postgres::error::SqlState;
use tokio_postgres::{Client, CopyInSink, Error, Statement};

/// For how many statements a session remembers that COPY cannot stand in (see
/// `copy_rows_atomic`).
const UNFIT_STATEMENTS_KEPT: usize = 64;

/// About how many bytes of rows go into one CopyData message.
const COPY_CHUNK_BYTES: usize = 64 * 1024;

/// How many rows PostgreSQL's COPY gathers before writing them to a table, and how many bytes
/// of their lines: it writes when either is reached (`MAX_BUFFERED_TUPLES` and
/// `MAX_BUFFERED_BYTES` of its copyfrom.c, 13 to 17). Each row gathered until the first write
/// gets a slot of its own for the rest of the COPY.
const SERVER_BUFFERED_ROWS: usize = 1000;
const SERVER_BUFFERED_BYTES: usize = 65535;

/// What one more COPY of an array costs, in the unit of [`slot_cost`]. Making and dropping `n`
/// slots costs the server time in `n * n` (every slot registers the table's row descriptor,
/// all with the same key, in one per-query lookup table that probes linearly), about 1.1 ms
/// at 1000 rows on the 2-core machine of docs/performance.md; one more COPY in the same
/// transaction costs about 0.12 ms of server time and two round trips. Hence an array of
/// 1000 short rows goes in faster as three COPYs than as one, and one of 2000 as one.
const COPY_START_COST: usize = 110_000;

/// Whether COPY loads the table named `$1` as an INSERT would and cannot be refused at its
/// start: a table or partitioned table, no rules, no row security, a transaction that may
/// write; and for each column named in `$2`, in order, its type where it exists, is not
/// generated and may be inserted into (NULL otherwise). The third column says whether the
/// COPY also matches one INSERT statement per set (see [`PerSet`]): a plain table without
/// triggers of any kind (foreign keys' included), domain or generated columns, no default but
/// constants and `nextval` of a sequence, and no check constraint but ones of plain
/// expressions over built-in immutable functions and operators. Nothing can then run while
/// rows go in that would see the difference between one statement and many (a trigger, a
/// constraint or a default reading the table, or the time), and every set inserts exactly one
/// row. A check constraint is read from its stored expression tree: only the node kinds
/// listed (calls, operators, boolean logic, tests, CASE, COALESCE, arrays, columns and
/// constants; not casts through text, row comparisons, `current_date` and the like), and every
/// function they call built in (below the first user object id) and immutable. A user's
/// function may claim immutability and read the table all the same.
const COPY_CHECK_SQL: &str = "\
SELECT c.relkind IN ('r', 'p') AND NOT c.relhasrules AND NOT c.relrowsecurity \
AND pg_catalog.current_setting('transaction_read_only') = 'off', \
ARRAY(SELECT CASE WHEN a.attgenerated = '' \
AND pg_catalog.has_column_privilege(c.oid, a.attnum, 'INSERT') THEN a.atttypid END \
FROM pg_catalog.unnest($2::pg_catalog.text[]) WITH ORDINALITY AS k(name, n) \
LEFT JOIN pg_catalog.pg_attribute a \
ON a.attrelid = c.oid AND a.attname = k.name AND a.attnum > 0 AND NOT a.attisdropped \
ORDER BY k.n), \
c.relkind = 'r' AND NOT c.relhastriggers \
AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_constraint k \
WHERE k.conrelid = c.oid AND k.contype = 'c' \
AND (k.conbin::pg_catalog.text ~ '[{](?!(?:OPEXPR|FUNCEXPR|DISTINCTEXPR|NULLIFEXPR|SCALARARRAYOPEXPR\
|BOOLEXPR|NULLTEST|BOOLEANTEST|CASEEXPR|CASEWHEN|COALESCEEXPR|ARRAYEXPR|RELABELTYPE|VAR|CONST) )' \
OR EXISTS (SELECT 1 FROM pg_catalog.regexp_matches(k.conbin::pg_catalog.text, \
':(?:op|hash|neg)?funcid ([0-9]+)', 'g') AS f(m) \
WHERE (f.m)[1]::pg_catalog.oid <> 0 AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_proc p \
WHERE p.oid = (f.m)[1]::pg_catalog.oid AND p.provolatile = 'i' AND p.oid < 16384)))) \
AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a \
JOIN pg_catalog.pg_type t ON t.oid = a.atttypid \
WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
AND (t.typtype = 'd' OR a.attgenerated <> '')) \
AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attrdef d WHERE d.adrelid = c.oid \
AND pg_catalog.pg_get_expr(d.adbin, d.adrelid) ~ '[(]' \
AND pg_catalog.pg_get_expr(d.adbin, d.adrelid) !~ '^nextval[(]''[^'']*''::regclass[)]$') \
FROM pg_catalog.pg_class c WHERE c.oid = pg_catalog.to_regclass($1::pg_catalog.text)";

/// Whether the COPY stands in for one INSERT statement per set (the default path of
/// parameter arrays, where SQLRowCount and per-set counts must be what the sets' own
/// statements give) or for multi-row INSERTs (`rewrite_batched_inserts`, which already
/// merges the sets into few statements).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PerSet {
    /// One statement per set.
    Statements,
    /// Multi-row statements.
    Merged,
}

/// How the COPY of an array went.
enum Copied {
    /// COPY cannot stand in for this INSERT (`remember`: as the catalog says, not for a
    /// passing failure such as a lock timeout); nothing was applied.
    Unfit { remember: bool },
    /// The check statement the session kept is gone from the server (`DEALLOCATE ALL`,
    /// `DISCARD ALL`); nothing was applied.
    Stale,
    /// The rows inserted, or `None`: the COPY or its commit failed, or a cancel stopped the
    /// array, and nothing was applied.
    Done(Option<u64>),
}

/// What the check said of a COPY.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fit {
    Yes,
    No,
    /// The check or the lock failed (a lock timeout, a dropped table): not this time.
    Failed,
    /// The session no longer holds the check statement.
    Stale,
    /// A cancel request stopped the check.
    Stopped,
}

impl Session {
    /// Inserts every parameter set of `template` (each row's parameters of the types
    /// `row_types` gives, as [`Session::prepare`] takes them) with one `COPY ... FROM STDIN`
    /// in one transaction, where COPY inserts what the INSERTs would (see the module's
    /// documentation). `Ok(None)` when it cannot: the array is for
    /// [`Session::insert_rows_atomic`]. `Ok(Some(Some(rows)))` gives the rows inserted;
    /// `Ok(Some(None))` means a row failed (or the call was cancelled): the transaction was
    /// rolled back and nothing was applied. Only for autocommit connections outside a
    /// transaction.
    ///
    /// Three round trips: `BEGIN`, the lock, the catalog check and the COPY's prepare go
    /// together; then the COPY's start; then the rows, the end of the COPY and `COMMIT`. Where
    /// the server takes the rows faster in a few COPYs (see [`CopyLines::pieces`]), each
    /// further COPY adds two.
    pub fn copy_rows_atomic(
        &mut self,
        owner: Owner,
        template: &InsertTemplate,
        row_types: &[u32],
        sets: &[Vec<Option<String>>],
        per_set: PerSet,
    ) -> EngineResult<Option<Option<u64>>> {
        let Some(form) = template.copy_form() else {
            return Ok(None);
        };
        let width = template.params_per_row();
        if sets.iter().any(|set| set.len() != width) || row_types.len() != width {
            return Ok(None);
        }
        let key = (
            template.render(1),
            row_types.to_vec(),
            per_set == PerSet::Statements,
        );
        if self.unfit_for_copy.contains(&key) {
            return Ok(None);
        }
        self.check_usable()?;
        self.close_result(owner);
        self.free_connection()?;
        let lines = CopyLines::new(&form, sets);
        let client = Arc::clone(&*self.client);
        let check = self.copy_check.clone();
        let row_types = row_types.to_vec();
        let outcome = self.run_queued(async move {
            copy_rows(&client, check, &form, &row_types, lines, per_set).await
        })?;
        let (copied, check) = match outcome {
            Ok(outcome) => outcome,
            Err(e) => return Err(self.map_error(&e)),
        };
        self.copy_check = check;
        match copied {
            Copied::Done(rows) => Ok(Some(rows)),
            Copied::Stale => {
                self.copy_check = None;
                Ok(None)
            }
            Copied::Unfit { remember: false } => Ok(None),
            Copied::Unfit { remember: true } => {
                if self.unfit_for_copy.len() >= UNFIT_STATEMENTS_KEPT {
                    self.unfit_for_copy.clear();
                }
                self.unfit_for_copy.insert(key);
                Ok(None)
            }
        }
    }
}

/// The work of [`Session::copy_rows_atomic`] on the connection: the outcome, and the check
/// statement as prepared (to keep).
///
/// The COPY starts only once the server has said it will not refuse it: tokio-postgres (0.7)
/// ends the COPY's Bind/Execute with a Sync and sends another with the CopyFail that follows a
/// refused start, and the second ReadyForQuery that brings belongs to no request, which ends
/// the connection (rust-postgres/rust-postgres#1337). So the transaction first takes the lock
/// the COPY takes (a wait for it, a lock timeout or a cancel fails the `LOCK`, harmlessly),
/// asks the catalog for everything the COPY's start checks (the relation's kind, rules, row
/// security, the columns and the right to insert into them, a transaction that may write)
/// and prepares the COPY afresh (a statement kept across arrays could have been dropped by
/// `DEALLOCATE ALL`; preparing a COPY only parses it). With the lock held, none of it can
/// change before the COPY starts. What is left is a cancel landing in the microseconds of the
/// COPY's start.
async fn copy_rows(
    client: &Client,
    check: Option<Statement>,
    form: &CopyForm,
    row_types: &[u32],
    lines: CopyLines,
    per_set: PerSet,
) -> Result<(Copied, Option<Statement>), Error> {
    // The first array of a session prepares the check.
    let check = match check {
        Some(statement) => statement,
        None => match client.prepare(COPY_CHECK_SQL).await {
            Ok(statement) => statement,
            Err(e) if e.as_db_error().is_some() => {
                tracing::debug!(error = %e, "no COPY for parameter arrays");
                let copied = if cancelled(&e) {
                    Copied::Done(None)
                } else {
                    Copied::Unfit { remember: false }
                };
                return Ok((copied, None));
            }
            Err(e) => return Err(e),
        },
    };
    let target = form.target.as_str();
    let names = &form.names;
    // The target is the INSERT's own, made of identifiers only (see `CopyForm`), as in the COPY.
    let lock = format!("LOCK TABLE ONLY {target} IN ROW EXCLUSIVE MODE");
    let copy_sql = form.sql();
    let (begun, locked, checked, prepared) = futures_util::future::join4(
        client.batch_execute("BEGIN"),
        client.batch_execute(&lock),
        client.query_opt(&check, &[&target, names]),
        client.prepare(&copy_sql),
    )
    .await;
    begun?;
    let (verdict, copy, plain) = match (locked, checked, prepared) {
        (Ok(()), Ok(Some(row)), Ok(copy)) => {
            let plain = row.try_get(2).unwrap_or(false);
            (copy_fits(&row, form, row_types, per_set), Some(copy), plain)
        }
        (Ok(()), Ok(None), Ok(_)) => (Fit::No, None, false),
        (locked, checked, prepared) => {
            let mut errors: Vec<Error> = [locked.err(), checked.err(), prepared.err()]
                .into_iter()
                .flatten()
                .collect();
            // Not the server's answer: the connection's failure, the call's.
            if let Some(at) = errors.iter().position(|e| e.as_db_error().is_none()) {
                return Err(errors.swap_remove(at));
            }
            for e in &errors {
                tracing::debug!(error = %e, "no COPY for the parameter array");
            }
            let fit = if errors.iter().any(cancelled) {
                Fit::Stopped
            } else if errors
                .iter()
                .any(|e| e.code() == Some(&SqlState::INVALID_SQL_STATEMENT_NAME))
            {
                Fit::Stale
            } else {
                Fit::Failed
            };
            (fit, None, false)
        }
    };
    let copy = match copy {
        Some(copy) if verdict == Fit::Yes => copy,
        _ => {
            client.batch_execute("ROLLBACK").await?;
            let copied = match verdict {
                Fit::Stale => Copied::Stale,
                Fit::Stopped => Copied::Done(None),
                Fit::Failed => Copied::Unfit { remember: false },
                _ => Copied::Unfit { remember: true },
            };
            return Ok((copied, Some(check)));
        }
    };
    // Several COPYs only where nothing can count them: statement triggers would fire once
    // for each.
    let mut pieces = lines.pieces(plain);
    let last = pieces.pop().unwrap_or_default();
    let mut rows = 0;
    for piece in pieces {
        let sink = client.copy_in::<_, Bytes>(&copy).await?;
        match send_piece(sink, piece).await {
            Ok(piece_rows) => rows += piece_rows,
            Err(e) if e.as_db_error().is_some() => {
                tracing::debug!(error = %e, "COPY of the parameter array failed; rolled back");
                client.batch_execute("ROLLBACK").await?;
                return Ok((Copied::Done(None), Some(check)));
            }
            Err(e) => return Err(e),
        }
    }
    // See above: were the start refused, the connection would be lost with it.
    let sink = client.copy_in::<_, Bytes>(&copy).await?;
    // The COMMIT goes right behind the end of the COPY. After a failed COPY it only rolls
    // back, so the COPY's own answer says whether the rows were applied.
    let (copied, committed) =
        futures_util::future::join(send_piece(sink, last), client.batch_execute("COMMIT")).await;
    let copied = match copied {
        Ok(last_rows) if committed.is_ok() => Copied::Done(Some(rows + last_rows)),
        // A failed COMMIT (a deferred constraint) has ended the transaction already.
        Ok(_) => Copied::Done(None),
        Err(e) if e.as_db_error().is_some() => {
            tracing::debug!(error = %e, "COPY of the parameter array failed; rolled back");
            Copied::Done(None)
        }
        Err(e) => return Err(e),
    };
    Ok((copied, Some(check)))
}

/// The rows of one COPY: its chunks, then its end; the rows the server reports.
async fn send_piece(sink: CopyInSink<Bytes>, chunks: Vec<Bytes>) -> Result<u64, Error> {
    let mut sink = std::pin::pin!(sink);
    for chunk in chunks {
        // Only a closed connection fails a send; a row the server refuses fails the finish.
        sink.send(chunk).await?;
    }
    sink.as_mut().finish().await
}

/// A cancel request (SQLCancel, the query timeout) stopped the statement.
fn cancelled(e: &Error) -> bool {
    e.code() == Some(&SqlState::QUERY_CANCELED)
}

/// What the catalog check said: COPY loads the table as an INSERT would, every column exists
/// and may be written, and each parameter type asked for is unspecified or its column's type.
fn copy_fits(
    row: &tokio_postgres::Row,
    form: &CopyForm,
    row_types: &[u32],
    per_set: PerSet,
) -> Fit {
    let plain: bool = row.try_get(0).unwrap_or(false)
        && (per_set == PerSet::Merged || row.try_get(2).unwrap_or(false));
    let Ok(column_types) = row.try_get::<_, Vec<Option<u32>>>(1) else {
        return Fit::No;
    };
    let fits = plain
        && column_types.len() == form.values.len()
        && column_types
            .iter()
            .zip(&form.values)
            .all(|(column, &value)| match (column, row_types.get(value)) {
                (Some(column), Some(&asked)) => asked == super::UNSPECIFIED || asked == *column,
                _ => false,
            });
    if fits {
        Fit::Yes
    } else {
        Fit::No
    }
}

/// The sets as COPY's text format: a line per set, its values in the columns' order separated
/// by tabs; `\N` for NULL; backslash, newline, carriage return and tab escaped (`\\`, `\n`,
/// `\r`, `\t`), so no value can end a line or the data (`\.`).
struct CopyLines {
    text: Bytes,
    /// Where each line ends in `text` (one past its newline).
    ends: Vec<usize>,
}

impl CopyLines {
    fn new(form: &CopyForm, sets: &[Vec<Option<String>>]) -> CopyLines {
        let mut text = BytesMut::new();
        let mut ends = Vec::with_capacity(sets.len());
        for set in sets {
            for (k, &value) in form.values.iter().enumerate() {
                if k > 0 {
                    text.extend_from_slice(b"\t");
                }
                match set.get(value) {
                    Some(Some(value)) => push_copy_value(&mut text, value.as_bytes()),
                    _ => text.extend_from_slice(b"\\N"),
                }
            }
            text.extend_from_slice(b"\n");
            ends.push(text.len());
        }
        CopyLines {
            text: text.freeze(),
            ends,
        }
    }

    /// The lines as the COPYs to send, each as CopyData-sized chunks of whole lines: one COPY,
    /// or (`split`) as many as the server takes fastest, of about equal rows (see
    /// [`COPY_START_COST`]). Never empty.
    fn pieces(&self, split: bool) -> Vec<Vec<Bytes>> {
        let rows = self.ends.len();
        let count = if split { self.best_piece_count() } else { 1 };
        (0..count)
            .map(|k| self.chunks(rows * k / count, rows * (k + 1) / count))
            .collect()
    }

    /// Into how many COPYs of about equal rows the lines go fastest.
    fn best_piece_count(&self) -> usize {
        let rows = self.ends.len();
        let cost = |count: usize| -> usize {
            (0..count)
                .map(|k| {
                    COPY_START_COST
                        + slot_cost(self.slots(rows * k / count, rows * (k + 1) / count))
                })
                .sum()
        };
        (1..=8)
            .filter(|&count| count <= rows.max(1))
            .min_by_key(|&count| cost(count))
            .unwrap_or(1)
    }

    /// The slots the server makes for a COPY of lines `from..to`: the rows it gathers before
    /// its first write.
    fn slots(&self, from: usize, to: usize) -> usize {
        let start = self.start_of(from);
        let mut rows = 0;
        for &end in &self.ends[from..to] {
            rows += 1;
            if rows == SERVER_BUFFERED_ROWS || end - start >= SERVER_BUFFERED_BYTES {
                break;
            }
        }
        rows
    }

    /// Lines `from..to` in chunks of about [`COPY_CHUNK_BYTES`], cut between lines.
    fn chunks(&self, from: usize, to: usize) -> Vec<Bytes> {
        let mut chunks = Vec::new();
        let mut start = self.start_of(from);
        for &end in &self.ends[from..to] {
            if end - start >= COPY_CHUNK_BYTES {
                chunks.push(self.text.slice(start..end));
                start = end;
            }
        }
        let end = self.start_of(to);
        if end > start {
            chunks.push(self.text.slice(start..end));
        }
        chunks
    }

    /// Where line `line` starts (the text's length past the last).
    fn start_of(&self, line: usize) -> usize {
        match line.checked_sub(1) {
            Some(before) => self.ends[before],
            None => 0,
        }
    }
}

/// The server's cost of making and dropping `slots` slots in one COPY, in the unit of
/// [`COPY_START_COST`].
fn slot_cost(slots: usize) -> usize {
    slots * slots
}

/// Appends one value, escaped for COPY's text format.
fn push_copy_value(buf: &mut BytesMut, mut value: &[u8]) {
    while let Some(at) = value
        .iter()
        .position(|b| matches!(b, b'\\' | b'\n' | b'\r' | b'\t'))
    {
        buf.extend_from_slice(&value[..at]);
        buf.extend_from_slice(match value[at] {
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            _ => b"\\t",
        });
        value = &value[at + 1..];
    }
    buf.extend_from_slice(value);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(sql: &str, n: usize) -> CopyForm {
        InsertTemplate::parse(sql, n)
            .and_then(|t| t.copy_form())
            .expect("copy form")
    }

    #[test]
    fn values_are_escaped_and_put_in_column_order() {
        let form = form("INSERT INTO t (a, b, c) VALUES ($2, $3, $1)", 3);
        let sets = vec![
            vec![
                Some("x\\y".to_string()),
                None,
                Some("tab\there\nnl\rcr".to_string()),
            ],
            vec![Some(String::new()), Some("\\N".into()), Some("é\\.".into())],
        ];
        let pieces = CopyLines::new(&form, &sets).pieces(true);
        assert_eq!(pieces.len(), 1);
        assert_eq!(pieces[0].len(), 1);
        assert_eq!(
            &pieces[0][0][..],
            b"\\N\ttab\\there\\nnl\\rcr\tx\\\\y\n\\\\N\t\xc3\xa9\\\\.\t\n"
        );
    }

    /// Every line exactly once, in order, in chunks of whole lines.
    fn lines_of(pieces: &[Vec<Bytes>]) -> Vec<String> {
        let mut text = Vec::new();
        for chunk in pieces.iter().flatten() {
            assert!(chunk.ends_with(b"\n"));
            assert!(
                chunk.len() < COPY_CHUNK_BYTES + 1024,
                "{} bytes",
                chunk.len()
            );
            text.extend_from_slice(chunk);
        }
        String::from_utf8(text)
            .expect("utf-8")
            .lines()
            .map(str::to_string)
            .collect()
    }

    fn numbered(rows: usize, width: usize) -> (CopyForm, Vec<Vec<Option<String>>>) {
        let sets = (0..rows)
            .map(|i| vec![Some(format!("{i:0>width$}"))])
            .collect();
        (form("INSERT INTO t (a) VALUES ($1)", 1), sets)
    }

    #[test]
    fn large_arrays_are_cut_into_whole_lines() {
        let (form, sets) = numbered(1000, 200);
        let pieces = CopyLines::new(&form, &sets).pieces(false);
        assert_eq!(pieces.len(), 1);
        assert!(pieces[0].len() > 1, "{} chunks", pieces[0].len());
        let lines = lines_of(&pieces);
        assert_eq!(lines.len(), 1000);
        assert!(lines
            .iter()
            .enumerate()
            .all(|(i, l)| *l == format!("{i:0>200}")));
    }

    #[test]
    fn short_rows_go_in_a_few_copies_only_where_allowed() {
        // 1000 short rows: one COPY would make 1000 slots; three of about 333 cost less.
        let (form, sets) = numbered(1000, 10);
        let lines = CopyLines::new(&form, &sets);
        let split = lines.pieces(true);
        assert_eq!(split.len(), 3);
        assert_eq!(
            split
                .iter()
                .map(|p| lines_of(std::slice::from_ref(p)).len())
                .collect::<Vec<_>>(),
            [333, 333, 334]
        );
        let all = lines_of(&split);
        assert!(all
            .iter()
            .enumerate()
            .all(|(i, l)| *l == format!("{i:0>10}")));
        // Where statement triggers could count the COPYs: one.
        assert_eq!(lines.pieces(false).len(), 1);
    }

    #[test]
    fn one_copy_where_more_would_not_pay() {
        // Few rows: the slots cost less than another COPY.
        let (form, sets) = numbered(200, 10);
        assert_eq!(CopyLines::new(&form, &sets).pieces(true).len(), 1);
        // Many rows: one COPY makes at most 1000 slots however many rows follow.
        let (form, sets) = numbered(5000, 10);
        assert_eq!(CopyLines::new(&form, &sets).pieces(true).len(), 1);
        // Wide rows: the server writes every 64 KB, so few slots.
        let (form, sets) = numbered(1000, 2000);
        let lines = CopyLines::new(&form, &sets);
        assert_eq!(lines.slots(0, 1000), 33);
        assert_eq!(lines.pieces(true).len(), 1);
    }

    #[test]
    fn slots_stop_at_the_servers_first_write() {
        let (form, sets) = numbered(1500, 10);
        let lines = CopyLines::new(&form, &sets);
        assert_eq!(lines.slots(0, 1500), 1000);
        assert_eq!(lines.slots(500, 900), 400);
        assert_eq!(lines.slots(0, 0), 0);
    }
}
