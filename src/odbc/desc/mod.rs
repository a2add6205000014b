//! Descriptors: the application and implementation parameter/row descriptors (APD, IPD,
//! ARD, IRD). Bound columns live in the ARD and bound parameters in the APD/IPD, so that
//! SQLBindCol/SQLBindParameter and SQLSetDescField are two views of the same records.
//!
//! [`fields`] holds the field identifiers and the rules of reading and setting one field;
//! [`records`] the calls that work on whole records or descriptors (SQLGetDescRec,
//! SQLSetDescRec, SQLCopyDesc) and IRD fields, which come from a statement's results.

use super::diag::Diagnostics;
use parking_lot::{Mutex, MutexGuard};
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DescKind {
    Ard,
    Apd,
    Ird,
    Ipd,
}

/// One descriptor record. Application pointers are kept as addresses; they are only
/// dereferenced by the code that reads or writes bound buffers (see `appmem`).
#[derive(Debug, Clone, Default)]
pub struct DescRecord {
    /// SQL_DESC_CONCISE_TYPE (a C type code in ARD/APD, an SQL type code in IRD/IPD).
    pub concise_type: i16,
    pub datetime_sub: i16,
    pub octet_length: i64,
    pub data_ptr: usize,
    pub indicator_ptr: usize,
    pub octet_length_ptr: usize,
    pub precision: i16,
    pub scale: i16,
    /// SQL_DESC_LENGTH / column size.
    pub length: u64,
    /// IPD: SQL_PARAM_INPUT etc.
    pub parameter_type: i16,
    pub name: String,
    pub nullable: i16,
    pub unnamed: i16,
}

impl DescRecord {
    /// What SQLBindCol and SQLBindParameter set on an application descriptor record: the C
    /// type, the buffer and its length, and one pointer for both indicator and length.
    pub fn bind(&mut self, c_type: i16, data_ptr: usize, octet_length: i64, indicator_ptr: usize) {
        self.concise_type = c_type;
        self.data_ptr = data_ptr;
        self.octet_length = octet_length;
        self.indicator_ptr = indicator_ptr;
        self.octet_length_ptr = indicator_ptr;
    }

    /// Whether this record binds anything (an unbound ARD column is skipped by SQLFetch).
    pub fn is_bound(&self) -> bool {
        self.data_ptr != 0 || self.indicator_ptr != 0 || self.octet_length_ptr != 0
    }
}

#[derive(Debug)]
pub struct DescState {
    pub array_size: u64,
    pub bind_type: u64,
    pub bind_offset_ptr: usize,
    pub array_status_ptr: usize,
    pub rows_processed_ptr: usize,
    /// SQL_DESC_ALLOC_TYPE: 1 = auto (implicit), 2 = user.
    pub alloc_type: i16,
    /// Records 1..=n, stored from index 0.
    pub records: Vec<DescRecord>,
    /// Record 0 of an ARD: the bookmark column's binding (SQLBindCol of column 0).
    pub bookmark: DescRecord,
}

impl DescState {
    pub fn record(&self, number: usize) -> Option<&DescRecord> {
        number.checked_sub(1).and_then(|i| self.records.get(i))
    }

    /// The record `number`, growing the list when needed.
    pub fn record_mut(&mut self, number: usize) -> &mut DescRecord {
        let idx = number.saturating_sub(1);
        if self.records.len() <= idx {
            self.records.resize_with(idx + 1, DescRecord::default);
        }
        &mut self.records[idx]
    }

    /// SQL_DESC_COUNT: the highest bound record.
    pub fn count(&self) -> usize {
        self.records
            .iter()
            .rposition(DescRecord::is_bound)
            .map_or(0, |i| i + 1)
    }

    /// Drops trailing unbound records (after an unbind).
    pub fn trim(&mut self) {
        let n = self.count();
        self.records.truncate(n);
    }
}

#[derive(Debug)]
pub struct Descriptor {
    pub kind: DescKind,
    pub implicit: bool,
    pub diag: Diagnostics,
    /// Reached through [`Descriptor::lock`], which counts changes.
    state: Mutex<DescState>,
}

/// Counts changes to any descriptor in the process. A statement keeps what a fetch needs from
/// its ARD and IRD (see `FetchLayout` in `stmt`) and re-reads it only when this moved, so a
/// fetch loop over one row at a time takes no descriptor lock. Changes are rare (binding
/// happens before the loop), so one counter for all descriptors costs nothing.
static CHANGES: AtomicU64 = AtomicU64::new(0);

/// The descriptor change count: equal values mean no descriptor changed in between.
pub fn changes() -> u64 {
    CHANGES.load(Ordering::Acquire)
}

/// A locked descriptor. Reading is free; the first write through it counts as a change
/// (made visible before the lock is released).
pub struct DescGuard<'a> {
    fields: MutexGuard<'a, DescState>,
    changed: bool,
}

impl Deref for DescGuard<'_> {
    type Target = DescState;
    fn deref(&self) -> &DescState {
        &self.fields
    }
}

impl DerefMut for DescGuard<'_> {
    fn deref_mut(&mut self) -> &mut DescState {
        if !self.changed {
            self.changed = true;
            CHANGES.fetch_add(1, Ordering::AcqRel);
        }
        &mut self.fields
    }
}

impl Descriptor {
    /// Locks the descriptor's fields.
    pub fn lock(&self) -> DescGuard<'_> {
        DescGuard {
            fields: self.state.lock(),
            changed: false,
        }
    }

    pub fn new(kind: DescKind, implicit: bool) -> Self {
        CHANGES.fetch_add(1, Ordering::AcqRel);
        Descriptor {
            kind,
            implicit,
            diag: Diagnostics::default(),
            state: Mutex::new(DescState {
                array_size: 1,
                bind_type: 0,
                bind_offset_ptr: 0,
                array_status_ptr: 0,
                rows_processed_ptr: 0,
                alloc_type: if implicit { 1 } else { 2 },
                records: Vec::new(),
                bookmark: DescRecord::default(),
            }),
        }
    }
}

mod fields;
mod records;

pub use fields::{
    checked_array_size, field, get_field, ird_field, ird_records, is_text_field, set_field,
    FieldValue, SetValue,
};
pub use records::{IrdOwner, RecordSetting, RecordSummary};
