//! Large objects (`pg_largeobject`) through server-side functions, for the `lo` extension's
//! columns: a parameter's bytes become a new large object whose oid the statement stores, and
//! a column's oid is read back piece by piece. Plain statements with parameters, so they work
//! in autocommit mode (no descriptor has to outlive a statement) and through every plugin.

use super::Session;
use crate::engine::error::EngineResult;

/// Bytes sent per request when writing a large object: big enough that a megabyte costs a
/// handful of round trips, small enough that the message stays modest.
const WRITE_CHUNK: usize = 1 << 20;

/// `INV_READ` of libpq-fs.h: opening a large object to read it.
const INV_READ: i32 = 0x0004_0000;

/// The oids of the `lo` extension's domain (`lo`, a domain over `oid`), in any schema.
const LO_TYPES: &str = "SELECT oid FROM pg_catalog.pg_type \
     WHERE typname = 'lo' AND typtype = 'd' AND typbasetype = 'pg_catalog.oid'::pg_catalog.regtype";

/// The size of large object `$1`, or NULL when there is none (asked without failing, so that a
/// missing object does not fail the application's transaction).
const SIZE: &str = "SELECT CASE WHEN EXISTS (SELECT 1 FROM pg_catalog.pg_largeobject_metadata \
     WHERE oid = $1) THEN pg_catalog.lo_lseek64(pg_catalog.lo_open($1, $2), 0, 2) END";

impl Session {
    /// The oids of the `lo` domain in the connected database (none when the extension is not
    /// installed).
    pub fn large_object_types(&mut self) -> EngineResult<Vec<u32>> {
        let rows = self.query_now(LO_TYPES)?;
        Ok(rows
            .iter()
            .filter_map(|r| r.try_get::<_, u32>(0).ok())
            .collect())
    }

    /// Creates a large object holding `bytes` and returns its oid. Runs as part of the
    /// statement being executed (after its savepoint), so a failure of either undoes both in
    /// a transaction.
    pub fn create_large_object(&mut self, bytes: &[u8]) -> EngineResult<u32> {
        self.check_usable()?;
        self.free_connection()?;
        self.send_due_savepoint()?;
        let mut chunks = bytes.chunks(WRITE_CHUNK);
        let first = chunks.next().unwrap_or_default();
        let created = self.block_on(
            self.client
                .query_one("SELECT pg_catalog.lo_from_bytea(0, $1)", &[&first]),
        )?;
        let oid: u32 = created
            .map_err(|e| self.map_error(&e))?
            .try_get(0)
            .map_err(|e| self.map_error(&e))?;
        let mut at = first.len();
        for chunk in chunks {
            let offset = i64::try_from(at).unwrap_or(i64::MAX);
            let put = self.block_on(self.client.execute(
                "SELECT pg_catalog.lo_put($1, $2, $3)",
                &[&oid, &offset, &chunk],
            ))?;
            put.map_err(|e| self.map_error(&e))?;
            at += chunk.len();
        }
        Ok(oid)
    }

    /// The size in bytes of large object `oid`; `None` when no such object exists.
    pub fn large_object_size(&mut self, oid: u32) -> EngineResult<Option<u64>> {
        self.check_usable()?;
        self.free_connection()?;
        let row = self.block_on(self.client.query_one(SIZE, &[&oid, &INV_READ]))?;
        let size: Option<i64> = row
            .map_err(|e| self.map_error(&e))?
            .try_get(0)
            .map_err(|e| self.map_error(&e))?;
        Ok(size.map(|s| u64::try_from(s).unwrap_or(0)))
    }

    /// Up to `len` bytes of large object `oid` from byte `offset` (fewer at its end).
    pub fn read_large_object(
        &mut self,
        oid: u32,
        offset: u64,
        len: usize,
    ) -> EngineResult<Vec<u8>> {
        self.check_usable()?;
        self.free_connection()?;
        let offset = i64::try_from(offset).unwrap_or(i64::MAX);
        let len = i32::try_from(len).unwrap_or(i32::MAX);
        let row = self.block_on(self.client.query_one(
            "SELECT pg_catalog.lo_get($1, $2, $3)",
            &[&oid, &offset, &len],
        ))?;
        let bytes: Vec<u8> = row
            .map_err(|e| self.map_error(&e))?
            .try_get(0)
            .map_err(|e| self.map_error(&e))?;
        Ok(bytes)
    }
}
