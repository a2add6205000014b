//! Parameter arrays: one statement run for many parameter sets, pipelined, alone or inside
//! one transaction, and multi-row INSERTs made from a template.

use super::{param_type, Owner, Prepared, Session, TextParam};
use crate::engine::batched_insert::InsertTemplate;
use crate::engine::error::{EngineError, EngineResult};
use std::sync::Arc;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::Type;
use tokio_postgres::{SimpleQueryMessage, Statement};

/// About how many bytes of SQL go into one simple-query message when an array runs as
/// `EXECUTE` statements: the server parses a whole message before running any of it, so a
/// huge array is cut into several messages (still one transaction).
const EXECUTE_MESSAGE_BYTES: usize = 256 * 1024;

/// How many SQL-level twins of statements (see `execute_many_as_sql`) a session keeps.
const ARRAY_STATEMENTS_KEPT: usize = 8;

/// How many rewritten INSERT statements a session keeps prepared (see `insert_rows_atomic`).
const BATCH_STATEMENTS_KEPT: usize = 8;

impl Session {
    /// Executes a statement without result columns once per parameter set, pipelined: every
    /// request is sent before the first answer is awaited, so N sets cost about one round trip.
    /// Each set succeeds or fails on its own (one Sync per set).
    ///
    /// Every request is queued before the socket task writes any (see `run_queued`), so the
    /// whole array leaves in a few large writes.
    pub fn execute_many(
        &mut self,
        owner: Owner,
        prepared: &Prepared,
        sets: &[Vec<Option<String>>],
    ) -> EngineResult<Vec<EngineResult<Option<u64>>>> {
        self.check_usable()?;
        self.close_result(owner);
        self.free_connection()?;
        self.send_due_savepoint()?;
        let client = Arc::clone(&*self.client);
        let statement = prepared.statement.clone();
        let sets = sets.to_vec();
        let outcomes = self.run_queued(async move {
            let (client, statement) = (&client, &statement);
            futures_util::future::join_all(sets.iter().map(|set| async move {
                let values: Vec<TextParam<'_>> =
                    set.iter().map(|p| TextParam(p.as_deref())).collect();
                client.execute_raw(statement, values.iter()).await
            }))
            .await
        })?;
        Ok(outcomes
            .into_iter()
            .map(|r| r.map(Some).map_err(|e| self.map_error(&e)))
            .collect())
    }

    /// Like [`Session::execute_many`], but every set inside one transaction (one commit for the
    /// whole array instead of one per set). `Ok(None)` when any set failed: the transaction is
    /// rolled back and nothing was applied, so the caller can run the sets one by one to learn
    /// each set's outcome. Only for autocommit connections outside a transaction.
    ///
    /// The sets go to the server as SQL `EXECUTE` statements, many to a simple-query message
    /// (see [`Session::execute_many_as_sql`]) when the statement and values allow; otherwise
    /// each set is its own Bind/Execute/Sync, pipelined.
    pub fn execute_many_atomic(
        &mut self,
        owner: Owner,
        prepared: &Prepared,
        sets: &[Vec<Option<String>>],
    ) -> EngineResult<Option<Vec<u64>>> {
        self.check_usable()?;
        self.close_result(owner);
        self.free_connection()?;
        if let Some(outcome) = self.execute_many_as_sql(prepared, sets)? {
            return Ok(outcome);
        }
        let client = Arc::clone(&*self.client);
        let statement = prepared.statement.clone();
        let sets = sets.to_vec();
        let outcome = self.run_queued(async move {
            let (client, statement) = (&client, &statement);
            client.batch_execute("BEGIN").await?;
            let outcomes = futures_util::future::join_all(sets.iter().map(|set| async move {
                let values: Vec<TextParam<'_>> =
                    set.iter().map(|p| TextParam(p.as_deref())).collect();
                client.execute_raw(statement, values.iter()).await
            }))
            .await;
            if outcomes.iter().all(Result::is_ok) {
                if client.batch_execute("COMMIT").await.is_ok() {
                    return Ok(Some(outcomes.into_iter().map(|r| r.unwrap_or(0)).collect()));
                }
                return Ok(None);
            }
            client.batch_execute("ROLLBACK").await?;
            Ok::<_, tokio_postgres::Error>(None)
        })?;
        outcome.map_err(|e| self.map_error(&e))
    }

    /// [`Session::execute_many_atomic`] with the sets as SQL `EXECUTE` statements of a
    /// SQL-level twin of `prepared` (`PREPARE`d once per session, with the parameter types the
    /// server gave `prepared`), grouped into simple-query messages (see [`execute_statements`]).
    /// `Ok(None)` when the array cannot run this way: `PREPARE` refuses the text (not every
    /// statement that can be prepared through the protocol can be prepared in SQL), a type
    /// without a name, or a value no literal can carry.
    fn execute_many_as_sql(
        &mut self,
        prepared: &Prepared,
        sets: &[Vec<Option<String>>],
    ) -> EngineResult<Option<Option<Vec<u64>>>> {
        let types = prepared.statement.params();
        let key = (
            Arc::clone(&prepared.sql),
            types.iter().map(Type::oid).collect::<Vec<_>>(),
        );
        let (name, prepare) = match self.array_statements.get(&key) {
            Some(None) => return Ok(None),
            Some(Some(name)) => (Arc::clone(name), None),
            None => {
                let name: Arc<str> =
                    format!("auroraodbc_array_{}", self.array_statement_seq + 1).into();
                let Some(prepare) = prepare_statement_sql(&name, types, &prepared.sql) else {
                    return Ok(None);
                };
                (name, Some(prepare))
            }
        };
        let Some(messages) = execute_statements(&name, types.len(), sets) else {
            return Ok(None);
        };
        // A new twin: make room first, dropping the older twins on the server too.
        let mut deallocate = String::new();
        if prepare.is_some() {
            self.array_statement_seq += 1;
            if self.array_statements.len() >= ARRAY_STATEMENTS_KEPT {
                for old in self.array_statements.drain().filter_map(|(_, name)| name) {
                    deallocate.push_str(&format!("DEALLOCATE {};", quote_identifier(&old)));
                }
            }
            self.array_statements
                .insert(key.clone(), Some(Arc::clone(&name)));
        }
        let client = Arc::clone(&*self.client);
        let expected = sets.len();
        let outcome = self.run_queued(async move {
            let client = &client;
            if !deallocate.is_empty() {
                // Best effort: a twin the application dropped (DEALLOCATE ALL) is gone already.
                let _ = client.batch_execute(&deallocate).await;
            }
            if let Some(prepare) = &prepare {
                if let Err(e) = client.batch_execute(prepare).await {
                    tracing::debug!(error = %e, "no SQL-level twin for the array's statement");
                    return Ok(Ran::Unprepared);
                }
            }
            // One message is one transaction by itself (PostgreSQL runs the statements of a
            // simple-query message as one implicit transaction, unless they hold their own
            // transaction control): all of it applies or, on any failure, none of it, at no
            // extra round trip. More messages need a transaction of their own; its BEGIN is
            // awaited before the sets go, since were it sent along and failed, each message
            // would commit by itself.
            let single = messages.len() == 1;
            if !single {
                client.batch_execute("BEGIN").await?;
            }
            let answers = futures_util::future::join_all(
                messages.iter().map(|(sql, _)| client.simple_query(sql)),
            )
            .await;
            // The twin is gone (DEALLOCATE ALL, DISCARD ALL): made again for the next array.
            let stale = answers.iter().any(
                |a| matches!(a, Err(e) if e.code() == Some(&SqlState::INVALID_SQL_STATEMENT_NAME)),
            );
            let failed = if stale { Ran::Stale } else { Ran::Done(None) };
            let mut counts = Vec::with_capacity(expected);
            let mut complete = true;
            for (answer, (_, held)) in answers.iter().zip(&messages) {
                let before = counts.len();
                match answer {
                    Ok(messages) => counts.extend(messages.iter().filter_map(|m| match m {
                        SimpleQueryMessage::CommandComplete(n) => Some(*n),
                        _ => None,
                    })),
                    Err(e) => {
                        tracing::debug!(error = %e, "a set of the array failed; rolling back");
                        complete = false;
                    }
                }
                // One completion per EXECUTE, or the counts cannot be matched to sets.
                complete &= counts.len() - before == *held;
            }
            if single {
                // Committed when it succeeded, rolled back by the server when it failed (a
                // deferred constraint included: the implicit commit fails the message).
                return Ok(match &answers[0] {
                    Ok(_) if counts.len() != expected => Ran::Miscounted(counts.len()),
                    Ok(_) => Ran::Done(Some(counts)),
                    Err(_) => failed,
                });
            }
            if complete && counts.len() == expected {
                // A failed COMMIT (a deferred constraint) has ended the transaction already.
                let committed = client.batch_execute("COMMIT").await.is_ok();
                return Ok(Ran::Done(committed.then_some(counts)));
            }
            client.batch_execute("ROLLBACK").await?;
            Ok::<_, tokio_postgres::Error>(failed)
        })?;
        match outcome {
            Ok(Ran::Unprepared) => {
                self.array_statements.insert(key, None);
                Ok(None)
            }
            Ok(Ran::Done(counts)) => Ok(Some(counts)),
            Ok(Ran::Stale) => {
                self.array_statements.remove(&key);
                Ok(Some(None))
            }
            // Not seen from any server; were it, the sets' counts are unknown but the array was
            // applied, so it must not run again set by set.
            Ok(Ran::Miscounted(got)) => Err(EngineError::internal(format!(
                "the server reported {got} completions for {expected} parameter sets (the \
                 array was applied)"
            ))),
            Err(e) => Err(self.map_error(&e)),
        }
    }

    /// Inserts every parameter set through multi-row statements made from `template`, all in
    /// one transaction; each row's parameters are of the types `row_types` gives (oids, as
    /// [`Session::prepare`] takes them). `Ok(Some(rows))` gives the rows inserted in all; `Ok(None)` when a
    /// statement failed: the transaction is rolled back and nothing was applied, so the caller
    /// can run the sets one by one to learn each set's outcome. Only for autocommit connections
    /// outside a transaction.
    pub fn insert_rows_atomic(
        &mut self,
        owner: Owner,
        template: &InsertTemplate,
        row_types: &[u32],
        sets: &[Vec<Option<String>>],
    ) -> EngineResult<Option<u64>> {
        self.check_usable()?;
        self.close_result(owner);
        self.free_connection()?;
        let client = Arc::clone(&*self.client);
        let per_statement = template.rows_per_statement();
        let width = template.params_per_row();
        if let Some(set) = sets.iter().find(|set| set.len() != width) {
            return Err(EngineError::invalid(
                "07002",
                format!(
                    "a parameter set has {} values where the statement takes {width}",
                    set.len()
                ),
            ));
        }
        // Full chunks share one statement; a shorter last chunk gets its own. Both are kept
        // prepared on the session, so later arrays skip parsing a statement of thousands of
        // placeholders.
        let mut statements: Vec<(String, Vec<tokio_postgres::types::Type>, Option<Statement>)> =
            Vec::with_capacity(2);
        let mut chunks: Vec<(usize, Vec<Option<String>>)> = Vec::new();
        for chunk in sets.chunks(per_statement) {
            let sql = template.render(chunk.len());
            let index = match statements.iter().position(|(known, _, _)| *known == sql) {
                Some(index) => index,
                None => {
                    let cached = self
                        .batch_statements
                        .get(&(sql.clone(), row_types.to_vec()))
                        .cloned();
                    let types: Vec<_> = (0..chunk.len())
                        .flat_map(|_| row_types.iter().map(|&oid| param_type(oid)))
                        .collect();
                    statements.push((sql, types, cached));
                    statements.len() - 1
                }
            };
            chunks.push((index, chunk.iter().flatten().cloned().collect()));
        }
        let outcome = self.run_queued(async move {
            let mut prepared = Vec::with_capacity(statements.len());
            for (sql, types, cached) in statements {
                let statement = match cached {
                    Some(statement) => statement,
                    None => match client.prepare_typed(&sql, &types).await {
                        Ok(statement) => statement,
                        Err(e) => {
                            tracing::debug!(error = %e, "rewritten insert did not prepare");
                            return Ok((None, Vec::new()));
                        }
                    },
                };
                prepared.push((sql, statement));
            }
            client.batch_execute("BEGIN").await?;
            let mut inserted = 0u64;
            for (index, values) in &chunks {
                let params = values.iter().map(|v| TextParam(v.as_deref()));
                match client.execute_raw(&prepared[*index].1, params).await {
                    Ok(n) => inserted += n,
                    Err(e) => {
                        tracing::debug!(error = %e, "rewritten insert failed; rolling back");
                        client.batch_execute("ROLLBACK").await?;
                        return Ok((None, prepared));
                    }
                }
            }
            // A failed COMMIT (a deferred constraint) has ended the transaction already.
            let committed = client.batch_execute("COMMIT").await.is_ok();
            Ok::<_, tokio_postgres::Error>((committed.then_some(inserted), prepared))
        })?;
        let outcome = outcome.map(|(inserted, prepared)| {
            let prepared: Vec<_> = prepared
                .into_iter()
                .map(|(sql, statement)| ((sql, row_types.to_vec()), statement))
                .collect();
            let fresh = prepared
                .iter()
                .filter(|(key, _)| !self.batch_statements.contains_key(key))
                .count();
            if self.batch_statements.len() + fresh > BATCH_STATEMENTS_KEPT {
                self.batch_statements.clear();
            }
            self.batch_statements.extend(prepared);
            inserted
        });
        outcome.map_err(|e| self.map_error(&e))
    }
}

/// How [`Session::execute_many_as_sql`] went.
enum Ran {
    /// `PREPARE` refused the statement's text.
    Unprepared,
    /// Every set's row count, or `None`: a set failed and nothing was applied.
    Done(Option<Vec<u64>>),
    /// Nothing was applied: the server no longer knows the twin.
    Stale,
    /// The array was applied, but the server reported this many completions, not one per set.
    Miscounted(usize),
}

/// `PREPARE name(types) AS sql`, the SQL-level twin of a statement the protocol prepared from
/// `sql` with parameters of `types`; `None` when a type has no name to write.
fn prepare_statement_sql(name: &str, types: &[Type], sql: &str) -> Option<String> {
    let mut prepare = format!("PREPARE {}", quote_identifier(name));
    for (k, ty) in types.iter().enumerate() {
        if ty.name().is_empty() || ty.schema().is_empty() {
            return None;
        }
        prepare.push_str(if k == 0 { "(" } else { "," });
        prepare.push_str(&quote_identifier(ty.schema()));
        prepare.push('.');
        prepare.push_str(&quote_identifier(ty.name()));
    }
    if !types.is_empty() {
        prepare.push(')');
    }
    // On a line of its own: the text may end in a line comment.
    prepare.push_str(" AS\n");
    prepare.push_str(sql);
    Some(prepare)
}

/// `text` as a quoted SQL identifier.
fn quote_identifier(text: &str) -> String {
    format!("\"{}\"", text.replace('"', "\"\""))
}

/// The sets of an array as SQL `EXECUTE` statements of the prepared statement `name` (which
/// takes `width` parameters), grouped into simple-query messages, each with the number of sets
/// it holds; `None` when a set's width is not the statement's or a value holds a NUL character
/// (which no query text can carry).
///
/// Why: tokio-postgres ends every extended-protocol request with a Sync, so one
/// Bind/Execute/Sync per set makes the server answer and flush once per set, and the client
/// wake for those answers. A simple-query message of many `EXECUTE`s is answered once, at its
/// end. `EXECUTE` runs the statement's cached plan as a Bind would; each value is an untyped
/// literal, which the server converts to the parameter's type with the type's input function,
/// as it does a text parameter in a Bind. Every statement still runs, fires its row triggers
/// and reports its own row count. The literals are escape strings (`E'...'`, quote and
/// backslash doubled), so they read the same whatever `standard_conforming_strings` says.
fn execute_statements(
    name: &str,
    width: usize,
    sets: &[Vec<Option<String>>],
) -> Option<Vec<(String, usize)>> {
    if sets
        .iter()
        .any(|set| set.len() != width || set.iter().flatten().any(|v| v.contains('\0')))
    {
        return None;
    }
    let head = format!("EXECUTE {}", quote_identifier(name));
    let mut messages = Vec::new();
    let mut sql = String::new();
    let mut held = 0usize;
    for set in sets {
        sql.push_str(&head);
        for (k, value) in set.iter().enumerate() {
            sql.push_str(if k == 0 { "(" } else { "," });
            match value {
                None => sql.push_str("NULL"),
                Some(text) => push_escape_literal(&mut sql, text),
            }
        }
        if width > 0 {
            sql.push(')');
        }
        sql.push(';');
        held += 1;
        if sql.len() >= EXECUTE_MESSAGE_BYTES {
            messages.push((std::mem::take(&mut sql), held));
            held = 0;
        }
    }
    if held > 0 {
        messages.push((sql, held));
    }
    Some(messages)
}

/// Appends `text` as an escape-string literal: `E'...'` with `'` and `\` doubled.
fn push_escape_literal(sql: &mut String, text: &str) {
    sql.reserve(text.len() + 3);
    sql.push_str("E'");
    let mut rest = text;
    while let Some(at) = rest.find(['\'', '\\']) {
        sql.push_str(&rest[..=at]);
        sql.push_str(&rest[at..=at]);
        rest = &rest[at + 1..];
    }
    sql.push_str(rest);
    sql.push('\'');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_double_quotes_and_backslashes() {
        let mut sql = String::new();
        push_escape_literal(&mut sql, r"it's a \n é \");
        assert_eq!(sql, r"E'it''s a \\n é \\'");
    }

    #[test]
    fn sets_become_execute_statements() {
        let sets = vec![
            vec![Some("1".to_string()), None],
            vec![Some("2".to_string()), Some("x'y".to_string())],
        ];
        let messages = execute_statements("s\"1", 2, &sets).expect("statements");
        assert_eq!(
            messages,
            vec![(
                "EXECUTE \"s\"\"1\"(E'1',NULL);EXECUTE \"s\"\"1\"(E'2',E'x''y');".to_string(),
                2
            )]
        );
        let none = execute_statements("s", 0, &[vec![]]).expect("statements");
        assert_eq!(none, vec![("EXECUTE \"s\";".to_string(), 1)]);
    }

    #[test]
    fn unwritable_arrays_are_refused() {
        assert!(execute_statements("s", 2, &[vec![Some("1".to_string())]]).is_none());
        assert!(execute_statements("s", 1, &[vec![Some("a\0b".to_string())]]).is_none());
    }

    #[test]
    fn large_arrays_are_cut_into_messages() {
        let big = "v".repeat(1000);
        let sets: Vec<_> = (0..1000).map(|_| vec![Some(big.clone())]).collect();
        let messages = execute_statements("s", 1, &sets).expect("statements");
        assert!(messages.len() > 1, "{} messages", messages.len());
        assert_eq!(messages.iter().map(|(_, held)| held).sum::<usize>(), 1000);
        for (sql, held) in &messages {
            assert_eq!(sql.matches("EXECUTE").count(), *held);
            assert!(sql.len() < EXECUTE_MESSAGE_BYTES + 2000);
        }
    }
}
