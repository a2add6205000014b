//! Whole records and descriptors: SQLGetDescField on any kind (IRD fields come from the
//! owning statement's result columns), SQLGetDescRec, SQLSetDescRec and SQLCopyDesc.

use super::fields::{get_field, ird_field, ird_records, set_field, SQL_DATETIME};
use super::{field, DescKind, DescRecord, Descriptor, FieldValue, SetValue};
use crate::odbc::diag::{state, OdbcError, OdbcResult};
use crate::odbc::stmt::Statement;
use crate::odbc::types::ColumnInfo;
use std::sync::Arc;

/// Finds the statement whose IRD a descriptor is. The handle registry (in the FFI layer)
/// knows; IRD fields come from that statement's result columns.
pub type IrdOwner<'a> = &'a dyn Fn(&Arc<Descriptor>) -> Option<Arc<Statement>>;

fn is_odbc2(s: &Statement) -> bool {
    s.conn.env.odbc_version() == crate::odbc::env::SQL_OV_ODBC2
}

fn record_index(rec: i16) -> OdbcResult<usize> {
    usize::try_from(rec).map_err(|_| {
        OdbcError::new(
            state::INVALID_DESCRIPTOR_INDEX,
            format!("record number {rec} is invalid"),
        )
    })
}

/// What SQLSetDescRec sets on one record.
#[derive(Debug, Clone, Copy)]
pub struct RecordSetting {
    pub verbose_type: i16,
    pub datetime_sub: i16,
    pub octet_length: isize,
    pub precision: i16,
    pub scale: i16,
    pub data_ptr: usize,
    pub octet_length_ptr: usize,
    pub indicator_ptr: usize,
}

/// What SQLGetDescRec answers for one record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordSummary {
    pub name: String,
    pub verbose_type: i16,
    pub datetime_sub: i16,
    pub octet_length: isize,
    pub precision: i16,
    pub scale: i16,
    pub nullable: i16,
}

/// A field read as an SQLSMALLINT (0 when absent).
fn small_of(v: Option<FieldValue>) -> i16 {
    match v {
        Some(FieldValue::Small(n)) => n,
        Some(FieldValue::Int(n)) => i16::try_from(n).unwrap_or(0),
        _ => 0,
    }
}

/// A descriptor's header fields, to copy from.
struct Header {
    array_size: u64,
    bind_type: u64,
    bind_offset_ptr: usize,
    array_status_ptr: usize,
    rows_processed_ptr: usize,
}

impl Descriptor {
    /// The result columns behind an IRD; HY007 when its statement has none to describe yet.
    fn ird_columns(self: &Arc<Self>, owner: IrdOwner<'_>) -> OdbcResult<(Vec<ColumnInfo>, bool)> {
        let Some(s) = owner(self) else {
            return Err(OdbcError::new(
                state::GENERAL,
                "the implementation row descriptor has no statement",
            ));
        };
        let mut st = s.state.lock();
        let cols = s.described_columns(&mut st).map_err(|e| {
            if e.state == state::SEQUENCE_ERROR {
                OdbcError::new(
                    state::NOT_PREPARED,
                    "the associated statement is not prepared",
                )
            } else {
                e
            }
        })?;
        Ok((cols, is_odbc2(&s)))
    }

    /// SQLGetDescField: field `id` of record `rec` (0 for header fields) of any descriptor;
    /// `None` is SQL_NO_DATA.
    pub fn field(
        self: &Arc<Self>,
        rec: i16,
        id: i16,
        owner: IrdOwner<'_>,
    ) -> OdbcResult<Option<FieldValue>> {
        let rec = record_index(rec)?;
        if self.kind != DescKind::Ird {
            return get_field(&self.lock(), self.kind, rec, id);
        }
        if id != field::COUNT {
            if let Some(v) = self.lock().header_field(DescKind::Ird, id) {
                return Ok(Some(v));
            }
        }
        let (cols, odbc2) = match self.ird_columns(owner) {
            Ok(c) => c,
            // Before execution an IRD simply has no records.
            Err(_) if id == field::COUNT => (Vec::new(), false),
            Err(e) => return Err(e),
        };
        if id == field::COUNT {
            return Ok(Some(FieldValue::Small(
                i16::try_from(cols.len()).unwrap_or(i16::MAX),
            )));
        }
        if rec == 0 {
            return Err(OdbcError::new(
                state::INVALID_DESCRIPTOR_INDEX,
                "bookmark records are not supported",
            ));
        }
        match cols.get(rec - 1) {
            None => Ok(None),
            Some(c) => ird_field(c, id, odbc2).map(Some),
        }
    }

    /// SQLSetDescField: sets field `id` of record `rec` (0 for header fields).
    pub fn set(&self, rec: i16, id: i16, value: &SetValue) -> OdbcResult<()> {
        let rec = record_index(rec)?;
        set_field(&mut self.lock(), self.kind, rec, id, value)
    }

    /// SQLGetDescRec: the main fields of record `rec`; `None` is SQL_NO_DATA. ARD and APD
    /// records have no name or nullability: those read as empty and 0.
    pub fn record_summary(
        self: &Arc<Self>,
        rec: i16,
        owner: IrdOwner<'_>,
    ) -> OdbcResult<Option<RecordSummary>> {
        if rec < 1 {
            return Err(OdbcError::new(
                state::INVALID_DESCRIPTOR_INDEX,
                format!("record number {rec} is invalid"),
            ));
        }
        let Some(t) = self.field(rec, field::TYPE, owner)? else {
            return Ok(None);
        };
        let get = |id| self.field(rec, id, owner).ok().flatten();
        let app = matches!(self.kind, DescKind::Ard | DescKind::Apd);
        let name = if app {
            String::new()
        } else {
            match get(field::NAME) {
                Some(FieldValue::Text(n)) => n,
                _ => String::new(),
            }
        };
        let verbose_type = small_of(Some(t));
        let datetime_sub = small_of(get(field::DATETIME_INTERVAL_CODE));
        let octet_length = match get(field::OCTET_LENGTH) {
            Some(FieldValue::Len(n)) => isize::try_from(n).unwrap_or(isize::MAX),
            _ => 0,
        };
        let precision = small_of(get(field::PRECISION));
        let scale = small_of(get(field::SCALE));
        let nullable = if app {
            0
        } else {
            small_of(get(field::NULLABLE))
        };
        Ok(Some(RecordSummary {
            name,
            verbose_type,
            datetime_sub,
            octet_length,
            precision,
            scale,
            nullable,
        }))
    }

    /// SQLSetDescRec: sets the type fields, lengths and (except on an IPD) the pointers of
    /// record `rec`, in the order ODBC describes (the verbose type first, then its subcode).
    pub fn set_record(&self, rec: i16, r: RecordSetting) -> OdbcResult<()> {
        let rec = usize::try_from(rec)
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| {
                OdbcError::new(
                    state::INVALID_DESCRIPTOR_INDEX,
                    format!("record number {rec} is invalid"),
                )
            })?;
        let mut st = self.lock();
        let kind = self.kind;
        // Small fields travel as their 16 bits, as a C caller's cast to SQLPOINTER makes them.
        let small = |n: i16| SetValue::Number(usize::from(n.cast_unsigned()));
        let num = SetValue::Number;
        set_field(&mut st, kind, rec, field::TYPE, &small(r.verbose_type))?;
        if r.verbose_type == SQL_DATETIME {
            set_field(
                &mut st,
                kind,
                rec,
                field::DATETIME_INTERVAL_CODE,
                &small(r.datetime_sub),
            )?;
        }
        set_field(
            &mut st,
            kind,
            rec,
            field::OCTET_LENGTH,
            &num(r.octet_length.cast_unsigned()),
        )?;
        set_field(&mut st, kind, rec, field::PRECISION, &small(r.precision))?;
        set_field(&mut st, kind, rec, field::SCALE, &small(r.scale))?;
        if kind != DescKind::Ipd {
            set_field(&mut st, kind, rec, field::DATA_PTR, &num(r.data_ptr))?;
            set_field(
                &mut st,
                kind,
                rec,
                field::OCTET_LENGTH_PTR,
                &num(r.octet_length_ptr),
            )?;
            set_field(
                &mut st,
                kind,
                rec,
                field::INDICATOR_PTR,
                &num(r.indicator_ptr),
            )?;
        }
        Ok(())
    }

    /// Header fields and records of a descriptor, as a snapshot to copy from.
    fn snapshot(self: &Arc<Self>, owner: IrdOwner<'_>) -> OdbcResult<(Header, Vec<DescRecord>)> {
        let st = self.lock();
        let header = Header {
            array_size: st.array_size,
            bind_type: st.bind_type,
            bind_offset_ptr: st.bind_offset_ptr,
            array_status_ptr: st.array_status_ptr,
            rows_processed_ptr: st.rows_processed_ptr,
        };
        let records = if self.kind == DescKind::Ird {
            drop(st);
            let (cols, odbc2) = self.ird_columns(owner)?;
            ird_records(&cols, odbc2)
        } else {
            st.records.clone()
        };
        Ok((header, records))
    }

    /// SQLCopyDesc: this descriptor becomes a copy of `source`. An IRD cannot be a target.
    pub fn copy_from(
        self: &Arc<Self>,
        source: &Arc<Descriptor>,
        owner: IrdOwner<'_>,
    ) -> OdbcResult<()> {
        if self.kind == DescKind::Ird {
            return Err(OdbcError::new(
                state::CANNOT_MODIFY_IRD,
                "the implementation row descriptor cannot be a copy target",
            ));
        }
        if Arc::ptr_eq(source, self) {
            return Ok(());
        }
        let (header, records) = source.snapshot(owner)?;
        let mut st = self.lock();
        st.array_size = header.array_size;
        st.bind_type = header.bind_type;
        st.bind_offset_ptr = header.bind_offset_ptr;
        st.array_status_ptr = header.array_status_ptr;
        st.rows_processed_ptr = header.rows_processed_ptr;
        st.records = records;
        Ok(())
    }
}
