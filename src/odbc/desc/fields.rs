//! Descriptor fields: their identifiers, which descriptor kinds have which, and reading or
//! setting one field of a header or record.

use super::{DescKind, DescRecord, DescState};
use crate::odbc::diag::{state, OdbcError, OdbcResult};
use crate::odbc::types::ColumnInfo;

/// Descriptor field identifiers (SQL_DESC_*).
pub mod field {
    pub const ALLOC_TYPE: i16 = 1099;
    pub const ARRAY_SIZE: i16 = 20;
    pub const ARRAY_STATUS_PTR: i16 = 21;
    pub const BIND_OFFSET_PTR: i16 = 24;
    pub const BIND_TYPE: i16 = 25;
    pub const COUNT: i16 = 1001;
    pub const ROWS_PROCESSED_PTR: i16 = 34;
    pub const AUTO_UNIQUE_VALUE: i16 = 11;
    pub const BASE_COLUMN_NAME: i16 = 22;
    pub const BASE_TABLE_NAME: i16 = 23;
    pub const CASE_SENSITIVE: i16 = 12;
    pub const CATALOG_NAME: i16 = 17;
    pub const CONCISE_TYPE: i16 = 2;
    pub const DATA_PTR: i16 = 1010;
    pub const DATETIME_INTERVAL_CODE: i16 = 1007;
    pub const DATETIME_INTERVAL_PRECISION: i16 = 26;
    pub const DISPLAY_SIZE: i16 = 6;
    pub const FIXED_PREC_SCALE: i16 = 9;
    pub const INDICATOR_PTR: i16 = 1009;
    pub const LABEL: i16 = 18;
    pub const LENGTH: i16 = 1003;
    pub const LITERAL_PREFIX: i16 = 27;
    pub const LITERAL_SUFFIX: i16 = 28;
    pub const LOCAL_TYPE_NAME: i16 = 29;
    pub const NAME: i16 = 1011;
    pub const NULLABLE: i16 = 1008;
    pub const NUM_PREC_RADIX: i16 = 32;
    pub const OCTET_LENGTH: i16 = 1013;
    pub const OCTET_LENGTH_PTR: i16 = 1004;
    pub const PARAMETER_TYPE: i16 = 33;
    pub const PRECISION: i16 = 1005;
    pub const ROWVER: i16 = 35;
    pub const SCALE: i16 = 1006;
    pub const SCHEMA_NAME: i16 = 16;
    pub const SEARCHABLE: i16 = 13;
    pub const TABLE_NAME: i16 = 15;
    pub const TYPE: i16 = 1002;
    pub const TYPE_NAME: i16 = 14;
    pub const UNNAMED: i16 = 1012;
    pub const UNSIGNED: i16 = 8;
    pub const UPDATABLE: i16 = 10;
}

/// A descriptor field's value in the C width the ODBC headers give it: writing an SQLLEN
/// where the application expects an SQLSMALLINT would overrun its variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldValue {
    Small(i16),
    Int(i32),
    Len(i64),
    ULen(u64),
    Ptr(usize),
    Text(String),
}

impl FieldValue {
    /// The value in the width psqlODBC writes for SQLGetDescField: it writes the lengths
    /// (SQL_DESC_LENGTH, OCTET_LENGTH, DISPLAY_SIZE) and an ARD's SQL_DESC_ARRAY_SIZE as
    /// 32-bit SQLINTEGERs, and only an APD's SQL_DESC_ARRAY_SIZE in the full SQLLEN width.
    /// Programs written against it pass 4-byte variables, so writing 8 would overrun them.
    pub fn in_psqlodbc_width(self, kind: super::DescKind, id: i16) -> FieldValue {
        let full = kind == super::DescKind::Apd && id == field::ARRAY_SIZE;
        match self {
            FieldValue::Len(n) if !full => FieldValue::Int(i32::try_from(n).unwrap_or(i32::MAX)),
            FieldValue::ULen(n) if !full => FieldValue::Int(i32::try_from(n).unwrap_or(i32::MAX)),
            other => other,
        }
    }
}

/// Whether a field holds a string (SQLSetDescField then reads a buffer, not an integer).
pub fn is_text_field(id: i16) -> bool {
    use field::*;
    matches!(
        id,
        BASE_COLUMN_NAME
            | BASE_TABLE_NAME
            | CATALOG_NAME
            | LABEL
            | LITERAL_PREFIX
            | LITERAL_SUFFIX
            | LOCAL_TYPE_NAME
            | NAME
            | SCHEMA_NAME
            | TABLE_NAME
            | TYPE_NAME
    )
}

fn is_header_field(id: i16) -> bool {
    use field::*;
    matches!(
        id,
        ALLOC_TYPE
            | ARRAY_SIZE
            | ARRAY_STATUS_PTR
            | BIND_OFFSET_PTR
            | BIND_TYPE
            | COUNT
            | ROWS_PROCESSED_PTR
    )
}

pub(super) const SQL_DATETIME: i16 = 9;
const SQL_PARAM_INPUT: i16 = 1;

/// SQL_DESC_TYPE for a concise type (datetime types have the verbose SQL_DATETIME).
fn verbose_of(concise: i16) -> (i16, i16) {
    crate::odbc::types::verbose_type(concise)
}

impl DescState {
    /// SQL_DESC_COUNT as an application sees it for a descriptor of `kind`.
    pub fn visible_count(&self, kind: DescKind) -> usize {
        match kind {
            // IPD records are made by SQLBindParameter without pointers of their own.
            DescKind::Ipd => self
                .records
                .iter()
                .rposition(|r| r.concise_type != 0)
                .map_or(0, |i| i + 1),
            _ => self.count().max(
                self.records
                    .iter()
                    .rposition(|r| r.concise_type != 0)
                    .map_or(0, |i| i + 1),
            ),
        }
    }

    /// A header field.
    pub fn header_field(&self, kind: DescKind, id: i16) -> Option<FieldValue> {
        use field::*;
        Some(match id {
            ALLOC_TYPE => FieldValue::Small(self.alloc_type),
            ARRAY_SIZE => FieldValue::ULen(self.array_size),
            ARRAY_STATUS_PTR => FieldValue::Ptr(self.array_status_ptr),
            BIND_OFFSET_PTR => FieldValue::Ptr(self.bind_offset_ptr),
            BIND_TYPE => FieldValue::Int(i32::try_from(self.bind_type).unwrap_or(i32::MAX)),
            COUNT => FieldValue::Small(i16::try_from(self.visible_count(kind)).unwrap_or(i16::MAX)),
            ROWS_PROCESSED_PTR => FieldValue::Ptr(self.rows_processed_ptr),
            _ => return None,
        })
    }
}

/// Reads field `id` of record `rec` (0 = header fields only) of an application or parameter
/// descriptor; `Ok(None)` means SQL_NO_DATA (record beyond the count).
pub fn get_field(
    st: &DescState,
    kind: DescKind,
    rec: usize,
    id: i16,
) -> OdbcResult<Option<FieldValue>> {
    use field::*;
    if let Some(v) = st.header_field(kind, id) {
        return Ok(Some(v));
    }
    check_field_for_kind(kind, id, false)?;
    if rec == 0 {
        return Err(OdbcError::new(
            state::INVALID_DESCRIPTOR_INDEX,
            "bookmark records are not supported",
        ));
    }
    if rec > st.visible_count(kind) {
        return Ok(None);
    }
    let r = st.record(rec).cloned().unwrap_or_default();
    let (verbose, sub) = verbose_of(r.concise_type);
    let app = matches!(kind, DescKind::Ard | DescKind::Apd);
    Ok(Some(match id {
        CONCISE_TYPE => FieldValue::Small(r.concise_type),
        TYPE => FieldValue::Small(verbose),
        DATETIME_INTERVAL_CODE => FieldValue::Small(if r.datetime_sub != 0 {
            r.datetime_sub
        } else {
            sub
        }),
        DATETIME_INTERVAL_PRECISION => FieldValue::Int(0),
        DATA_PTR => FieldValue::Ptr(r.data_ptr),
        INDICATOR_PTR => FieldValue::Ptr(r.indicator_ptr),
        OCTET_LENGTH_PTR => FieldValue::Ptr(r.octet_length_ptr),
        OCTET_LENGTH => FieldValue::Len(r.octet_length),
        LENGTH => FieldValue::ULen(r.length),
        PRECISION => FieldValue::Small(if !app && r.precision == 0 {
            i16::try_from(r.length).unwrap_or(i16::MAX)
        } else {
            r.precision
        }),
        SCALE => FieldValue::Small(r.scale),
        NUM_PREC_RADIX => FieldValue::Int(0),
        PARAMETER_TYPE => FieldValue::Small(if r.parameter_type == 0 {
            SQL_PARAM_INPUT
        } else {
            r.parameter_type
        }),
        NULLABLE => FieldValue::Small(if r.nullable == 0 && kind == DescKind::Ipd {
            1
        } else {
            r.nullable
        }),
        NAME => FieldValue::Text(r.name.clone()),
        UNNAMED => FieldValue::Small(if r.name.is_empty() { 1 } else { 0 }),
        FIXED_PREC_SCALE | UNSIGNED | CASE_SENSITIVE | ROWVER => FieldValue::Small(0),
        LOCAL_TYPE_NAME | TYPE_NAME => FieldValue::Text(String::new()),
        other => {
            return Err(OdbcError::new(
                state::INVALID_DESC_FIELD,
                format!("descriptor field {other} is not available here"),
            ))
        }
    }))
}

/// Fields that make sense only in some kinds of descriptor (HY091 otherwise).
fn check_field_for_kind(kind: DescKind, id: i16, setting: bool) -> OdbcResult<()> {
    use field::*;
    let ird_only = matches!(
        id,
        AUTO_UNIQUE_VALUE
            | BASE_COLUMN_NAME
            | BASE_TABLE_NAME
            | CATALOG_NAME
            | DISPLAY_SIZE
            | LABEL
            | LITERAL_PREFIX
            | LITERAL_SUFFIX
            | SCHEMA_NAME
            | SEARCHABLE
            | TABLE_NAME
            | UPDATABLE
    );
    let impl_only = ird_only
        || matches!(
            id,
            CASE_SENSITIVE | FIXED_PREC_SCALE | LOCAL_TYPE_NAME | TYPE_NAME | UNSIGNED | ROWVER
        );
    let ok = match kind {
        DescKind::Ard | DescKind::Apd => {
            !impl_only && id != PARAMETER_TYPE && id != NAME && id != UNNAMED && id != NULLABLE
        }
        DescKind::Ipd => {
            !ird_only
                && (!setting
                    || !matches!(
                        id,
                        CASE_SENSITIVE
                            | FIXED_PREC_SCALE
                            | LOCAL_TYPE_NAME
                            | TYPE_NAME
                            | UNSIGNED
                            | ROWVER
                    ))
        }
        DescKind::Ird => true,
    };
    if ok && (is_header_field(id) || is_known_record_field(id)) {
        Ok(())
    } else {
        Err(OdbcError::new(
            state::INVALID_DESC_FIELD,
            format!("descriptor field {id} is not valid for this descriptor"),
        ))
    }
}

fn is_known_record_field(id: i16) -> bool {
    use field::*;
    is_text_field(id)
        || matches!(
            id,
            AUTO_UNIQUE_VALUE
                | CASE_SENSITIVE
                | CONCISE_TYPE
                | DATA_PTR
                | DATETIME_INTERVAL_CODE
                | DATETIME_INTERVAL_PRECISION
                | DISPLAY_SIZE
                | FIXED_PREC_SCALE
                | INDICATOR_PTR
                | LENGTH
                | NULLABLE
                | NUM_PREC_RADIX
                | OCTET_LENGTH
                | OCTET_LENGTH_PTR
                | PARAMETER_TYPE
                | PRECISION
                | ROWVER
                | SCALE
                | SEARCHABLE
                | TYPE
                | UNNAMED
                | UNSIGNED
                | UPDATABLE
        )
}

/// A field value from SQLSetDescField: an integer or pointer (the SQLPOINTER itself), or a
/// string for the name fields.
pub use crate::odbc::attrs::SetValue;

/// Writes field `id` of record `rec` of an application or parameter descriptor. Pointers and
/// lengths are stored exactly where SQLBindCol/SQLBindParameter put them, so both ways of
/// binding see the same record.
pub fn set_field(
    st: &mut DescState,
    kind: DescKind,
    rec: usize,
    id: i16,
    value: &SetValue,
) -> OdbcResult<()> {
    use field::*;
    if kind == DescKind::Ird && !matches!(id, ARRAY_STATUS_PTR | ROWS_PROCESSED_PTR) {
        return Err(OdbcError::new(
            state::CANNOT_MODIFY_IRD,
            "the implementation row descriptor cannot be modified",
        ));
    }
    match id {
        ALLOC_TYPE => {
            return Err(OdbcError::new(
                state::INVALID_DESC_FIELD,
                "SQL_DESC_ALLOC_TYPE is read-only",
            ))
        }
        ARRAY_SIZE => {
            st.array_size = checked_array_size(
                u64::try_from(value.num()).unwrap_or(u64::MAX),
                "the array size",
            )?;
        }
        ARRAY_STATUS_PTR => st.array_status_ptr = value.num(),
        BIND_OFFSET_PTR => st.bind_offset_ptr = value.num(),
        BIND_TYPE => st.bind_type = u64::from(low_u32(value.num())),
        ROWS_PROCESSED_PTR => st.rows_processed_ptr = value.num(),
        COUNT => {
            let n = usize::from(u16::try_from(value.small().max(0)).unwrap_or(0));
            if n < st.records.len() {
                st.records.truncate(n);
            } else if n > 0 {
                st.record_mut(n);
            }
        }
        _ => {
            check_field_for_kind(kind, id, true)?;
            if matches!(id, AUTO_UNIQUE_VALUE | DISPLAY_SIZE | UNNAMED)
                || (kind == DescKind::Ipd && id == DATETIME_INTERVAL_PRECISION)
            {
                if id == UNNAMED && kind == DescKind::Ipd {
                    // SQL_UNNAMED may be set on an IPD (it clears the name).
                } else if id != DATETIME_INTERVAL_PRECISION {
                    return Err(OdbcError::new(
                        state::INVALID_DESC_FIELD,
                        format!("descriptor field {id} is read-only"),
                    ));
                }
            }
            if rec == 0 {
                return Err(OdbcError::new(
                    state::INVALID_DESCRIPTOR_INDEX,
                    "bookmark records are not supported",
                ));
            }
            let r = st.record_mut(rec);
            match id {
                CONCISE_TYPE => {
                    r.concise_type = value.small();
                    r.datetime_sub = verbose_of(r.concise_type).1;
                }
                TYPE => {
                    let t = value.small();
                    if t == SQL_DATETIME {
                        // The concise type follows from SQL_DESC_DATETIME_INTERVAL_CODE.
                        r.concise_type = if r.datetime_sub != 0 {
                            90 + r.datetime_sub
                        } else {
                            SQL_DATETIME
                        };
                    } else {
                        r.concise_type = t;
                        r.datetime_sub = 0;
                    }
                }
                DATETIME_INTERVAL_CODE => {
                    r.datetime_sub = value.small();
                    if verbose_of(r.concise_type).0 == SQL_DATETIME
                        || r.concise_type == SQL_DATETIME
                    {
                        r.concise_type = 90 + r.datetime_sub;
                    }
                }
                DATETIME_INTERVAL_PRECISION | NUM_PREC_RADIX => {}
                DATA_PTR => r.data_ptr = value.num(),
                INDICATOR_PTR => r.indicator_ptr = value.num(),
                OCTET_LENGTH_PTR => r.octet_length_ptr = value.num(),
                OCTET_LENGTH => {
                    r.octet_length = i64::try_from(value.num().cast_signed()).unwrap_or(i64::MAX)
                }
                LENGTH => r.length = u64::try_from(value.num()).unwrap_or(u64::MAX),
                PRECISION => r.precision = value.small(),
                SCALE => r.scale = value.small(),
                PARAMETER_TYPE => {
                    let t = value.small();
                    if !(1..=5).contains(&t) && t != 4 {
                        return Err(OdbcError::new(
                            state::INVALID_ATTR_VALUE,
                            format!("invalid parameter type {t}"),
                        ));
                    }
                    r.parameter_type = t;
                }
                NULLABLE => r.nullable = value.small(),
                NAME => {
                    if let SetValue::Text(t) = value {
                        r.name = t.clone();
                    }
                }
                UNNAMED => {
                    if value.small() == 1 {
                        r.name.clear();
                    }
                }
                _ => {
                    return Err(OdbcError::new(
                        state::INVALID_DESC_FIELD,
                        format!("descriptor field {id} cannot be set"),
                    ))
                }
            }
        }
    }
    Ok(())
}

/// The low 32 bits of a value (an SQLINTEGER field passed in an SQLPOINTER).
fn low_u32(n: usize) -> u32 {
    let [a, b, c, d, ..] = n.to_le_bytes();
    u32::from_le_bytes([a, b, c, d])
}

/// The records of an IRD, made from a statement's result columns.
pub fn ird_records(cols: &[ColumnInfo], odbc2: bool) -> Vec<DescRecord> {
    cols.iter()
        .map(|c| {
            let concise = if odbc2 {
                crate::odbc::types::odbc2_sql_type(c.sql_type)
            } else {
                c.sql_type
            };
            DescRecord {
                concise_type: concise,
                datetime_sub: verbose_of(c.sql_type).1,
                octet_length: c.octet_length,
                precision: c.precision,
                scale: c.scale,
                length: c.column_size,
                name: c.name.clone(),
                nullable: c.nullable,
                ..DescRecord::default()
            }
        })
        .collect()
}

/// A field of IRD record `rec` (1-based) described by `c`.
pub fn ird_field(c: &ColumnInfo, id: i16, odbc2: bool) -> OdbcResult<FieldValue> {
    use field::*;
    let concise = if odbc2 {
        crate::odbc::types::odbc2_sql_type(c.sql_type)
    } else {
        c.sql_type
    };
    let (verbose, sub) = verbose_of(c.sql_type);
    Ok(match id {
        CONCISE_TYPE => FieldValue::Small(concise),
        TYPE => FieldValue::Small(if odbc2 { concise } else { verbose }),
        DATETIME_INTERVAL_CODE => FieldValue::Small(sub),
        DATETIME_INTERVAL_PRECISION => FieldValue::Int(0),
        LENGTH => FieldValue::ULen(c.column_size),
        OCTET_LENGTH => FieldValue::Len(c.octet_length),
        PRECISION => FieldValue::Small(c.precision),
        SCALE => FieldValue::Small(c.scale),
        DISPLAY_SIZE => FieldValue::Len(c.display_size),
        NULLABLE => FieldValue::Small(c.nullable),
        NUM_PREC_RADIX => FieldValue::Int(c.num_prec_radix),
        NAME | LABEL => FieldValue::Text(c.name.clone()),
        BASE_COLUMN_NAME => {
            FieldValue::Text(crate::odbc::describe::base_column_name(c).to_string())
        }
        TABLE_NAME | BASE_TABLE_NAME => FieldValue::Text(c.table_name.clone()),
        SCHEMA_NAME => FieldValue::Text(c.schema_name.clone()),
        CATALOG_NAME => FieldValue::Text(c.catalog_name.clone()),
        UNNAMED => FieldValue::Small(i16::from(c.name.is_empty())),
        TYPE_NAME | LOCAL_TYPE_NAME => FieldValue::Text(c.type_name.clone()),
        LITERAL_PREFIX | LITERAL_SUFFIX => FieldValue::Text(String::new()),
        UNSIGNED => FieldValue::Small(i16::from(c.unsigned)),
        FIXED_PREC_SCALE => FieldValue::Small(i16::from(c.fixed_prec_scale)),
        CASE_SENSITIVE => FieldValue::Int(i32::from(c.case_sensitive)),
        SEARCHABLE => FieldValue::Small(c.searchable),
        UPDATABLE => FieldValue::Small(2),
        AUTO_UNIQUE_VALUE => FieldValue::Int(0),
        ROWVER => FieldValue::Small(0),
        DATA_PTR | INDICATOR_PTR | OCTET_LENGTH_PTR => FieldValue::Ptr(0),
        PARAMETER_TYPE => {
            return Err(OdbcError::new(
                state::INVALID_DESC_FIELD,
                "SQL_DESC_PARAMETER_TYPE is not an IRD field",
            ))
        }
        other => {
            return Err(OdbcError::new(
                state::INVALID_DESC_FIELD,
                format!("unknown descriptor field {other}"),
            ))
        }
    })
}

/// The most rows or parameter sets one array may have: 2^31 - 1, the range of an
/// SQLINTEGER. The driver holds every parameter set's values at once (at least 24 bytes a
/// set, so this many would take 48 GiB), and it cannot tell how long the application's arrays
/// really are: a larger size can only be a mistake, and is refused at once (HY024) instead of
/// spending hours reading past the application's buffers.
pub const MAX_ARRAY_SIZE: u64 = 0x7FFF_FFFF;

/// SQL_DESC_ARRAY_SIZE, SQL_ATTR_PARAMSET_SIZE and SQL_ATTR_ROW_ARRAY_SIZE: 1 to
/// [`MAX_ARRAY_SIZE`], else HY024 naming `what`.
pub fn checked_array_size(size: u64, what: &str) -> OdbcResult<u64> {
    if size == 0 || size > MAX_ARRAY_SIZE {
        return Err(OdbcError::new(
            state::INVALID_ATTR_VALUE,
            format!("{what} must be between 1 and {MAX_ARRAY_SIZE}, not {size}"),
        ));
    }
    Ok(size)
}

#[cfg(test)]
mod field_tests {
    use super::super::Descriptor;
    use super::*;

    #[test]
    fn set_fields_bind_like_bindparameter() {
        let d = Descriptor::new(DescKind::Apd, true);
        let mut st = d.state.lock();
        set_field(&mut st, DescKind::Apd, 2, field::TYPE, &SetValue::Number(4)).expect("type");
        set_field(
            &mut st,
            DescKind::Apd,
            2,
            field::DATA_PTR,
            &SetValue::Number(0x1000),
        )
        .expect("data");
        assert_eq!(st.count(), 2);
        assert_eq!(
            st.record(2).map(|r| (r.concise_type, r.data_ptr)),
            Some((4, 0x1000))
        );
        assert_eq!(
            get_field(&st, DescKind::Apd, 3, field::TYPE).expect("ok"),
            None
        );
    }

    #[test]
    fn datetime_type_follows_interval_code() {
        let d = Descriptor::new(DescKind::Ard, false);
        let mut st = d.state.lock();
        set_field(&mut st, DescKind::Ard, 1, field::TYPE, &SetValue::Number(9)).expect("type");
        set_field(
            &mut st,
            DescKind::Ard,
            1,
            field::DATETIME_INTERVAL_CODE,
            &SetValue::Number(3),
        )
        .expect("code");
        assert_eq!(st.record(1).map(|r| r.concise_type), Some(93));
    }

    #[test]
    fn ird_cannot_be_modified() {
        let d = Descriptor::new(DescKind::Ird, true);
        let mut st = d.state.lock();
        let e = set_field(&mut st, DescKind::Ird, 1, field::TYPE, &SetValue::Number(4))
            .expect_err("HY016");
        assert_eq!(e.state, state::CANNOT_MODIFY_IRD);
        set_field(
            &mut st,
            DescKind::Ird,
            0,
            field::ROWS_PROCESSED_PTR,
            &SetValue::Number(8),
        )
        .expect("allowed");
    }
}
