//! The server's text output of values the client cannot render itself (money, reg* types,
//! extension types: see [`crate::engine::value::needs_server_text`]), asked for in one round
//! trip: each distinct value goes back to the server in binary form as a parameter of its own
//! type, cast to text.

use super::{RawBytes, Session};
use crate::engine::error::EngineResult;
use crate::engine::value::ServerText;
use futures_util::StreamExt;
use std::fmt::Write as _;
use tokio_postgres::types::{Format, IsNull, ToSql, Type};

/// How many values one query renders (PostgreSQL takes at most 65535 parameters).
const VALUES_PER_QUERY: usize = 2000;

/// A parameter sent in binary format: a value exactly as a result carried it.
#[derive(Debug)]
struct BinaryParam<'a>(&'a [u8]);

impl ToSql for BinaryParam<'_> {
    fn to_sql(
        &self,
        _ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        out.extend_from_slice(self.0);
        Ok(IsNull::No)
    }

    fn accepts(_ty: &Type) -> bool {
        true
    }

    fn encode_format(&self, _ty: &Type) -> Format {
        Format::Binary
    }

    tokio_postgres::types::to_sql_checked!();
}

impl Session {
    /// The server's text output of each `(type, binary value)`; the queries (one per
    /// [`VALUES_PER_QUERY`] values) are pipelined. Fails as the server does when a type has no
    /// binary input function; the caller then keeps its own rendering. Inside a transaction
    /// the queries run under a savepoint, so such a failure leaves the transaction usable.
    pub fn server_text(&mut self, values: &[(Type, &[u8])]) -> EngineResult<ServerText> {
        self.check_usable()?;
        self.free_connection()?;
        let guarded = self.in_transaction;
        let client = &self.client;
        let (opened, rendered, released) = self.block_on(async {
            let around = |command: &'static str| async move {
                if guarded {
                    client
                        .batch_execute(&format!("{command} {SAVEPOINT}"))
                        .await
                } else {
                    Ok(())
                }
            };
            futures_util::future::join3(
                around("SAVEPOINT"),
                render_all(client, values),
                around("RELEASE SAVEPOINT"),
            )
            .await
        })?;
        opened.map_err(|e| self.map_error(&e))?;
        let rendered = match (rendered, released) {
            (Ok(rendered), Ok(())) => rendered,
            (Err(e), _) | (Ok(_), Err(e)) => {
                let err = self.map_error(&e);
                if guarded && !err.is_communication() {
                    self.run_command(&format!(
                        "ROLLBACK TO SAVEPOINT {SAVEPOINT}; RELEASE SAVEPOINT {SAVEPOINT}"
                    ))?;
                    // Undone here: the statement-level rollback has nothing to undo.
                    self.transaction_recovered();
                }
                return Err(err);
            }
        };
        let mut out = ServerText::default();
        for ((ty, raw), text) in values.iter().zip(rendered) {
            if let Some(text) = text {
                out.insert(ty.oid(), raw, text);
            }
        }
        Ok(out)
    }
}

/// The savepoint the rendering runs under inside a transaction.
const SAVEPOINT: &str = "auroraodbc_server_text";

/// The text of every value, in order (`None` where the server gave NULL), pipelined in
/// queries of [`VALUES_PER_QUERY`] values.
async fn render_all(
    client: &tokio_postgres::Client,
    values: &[(Type, &[u8])],
) -> Result<Vec<Option<String>>, tokio_postgres::Error> {
    let chunks = futures_util::future::try_join_all(
        values
            .chunks(VALUES_PER_QUERY)
            .map(|chunk| render_chunk(client, chunk)),
    )
    .await?;
    Ok(chunks.into_iter().flatten().collect())
}

/// One query `SELECT $1::text, $2::text, ...` over `chunk`, each parameter of its value's
/// type in binary form.
async fn render_chunk(
    client: &tokio_postgres::Client,
    chunk: &[(Type, &[u8])],
) -> Result<Vec<Option<String>>, tokio_postgres::Error> {
    let mut sql = String::from("SELECT ");
    for i in 1..=chunk.len() {
        let _ = write!(sql, "{}${i}::text", if i > 1 { ", " } else { "" });
    }
    let params = chunk.iter().map(|(ty, raw)| (BinaryParam(raw), ty.clone()));
    let stream = client.query_typed_raw(&sql, params).await?;
    futures_util::pin_mut!(stream);
    let mut texts = Vec::with_capacity(chunk.len());
    while let Some(row) = stream.next().await {
        let row = row?;
        for i in 0..chunk.len() {
            let text = row
                .try_get::<usize, Option<RawBytes<'_>>>(i)
                .ok()
                .flatten()
                .map(|r| String::from_utf8_lossy(r.0).into_owned());
            texts.push(text);
        }
    }
    Ok(texts)
}
