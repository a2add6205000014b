//! Parameter arrays: one statement run for many parameter sets, pipelined, alone or inside
//! one transaction, and multi-row INSERTs made from a template.

use super::{param_type, Owner, Prepared, Session, TextParam};
use crate::engine::batched_insert::InsertTemplate;
use crate::engine::error::{EngineError, EngineResult};
use std::sync::Arc;
use tokio_postgres::Statement;

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
    pub fn execute_many_atomic(
        &mut self,
        owner: Owner,
        prepared: &Prepared,
        sets: &[Vec<Option<String>>],
    ) -> EngineResult<Option<Vec<u64>>> {
        self.check_usable()?;
        self.close_result(owner);
        self.free_connection()?;
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
