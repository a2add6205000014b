//! Entry points for descriptors: SQLGetDescField(W), SQLSetDescField(W), SQLGetDescRec(W),
//! SQLSetDescRec and SQLCopyDesc. ARD/APD/IPD records are the very records SQLBindCol and
//! SQLBindParameter fill; IRD records are made on demand from the statement's result columns.
//!
//! # Safety
//! Every exported function here relies on the caller following the ODBC specification for it:
//! handles come from this driver (checked against the registry anyway), and every pointer is
//! null or valid for the length the call passes. That one contract is stated here rather than
//! on each function.
#![allow(clippy::missing_safety_doc)]

use super::guard::{self, call};
use super::handles;
use super::text::{self, Enc, OutLen, Unit};
use crate::odbc::desc::{self, field, DescKind, DescRecord, Descriptor, FieldValue, SetValue};
use crate::odbc::diag::{state, OdbcError, OdbcResult, Outcome};
use crate::odbc::stmt::Statement;
use crate::odbc::types::ColumnInfo;
use std::ffi::c_void;
use std::sync::Arc;

fn is_odbc2(s: &Statement) -> bool {
    s.conn.env.odbc_version() == crate::odbc::env::SQL_OV_ODBC2
}

/// The result columns behind an IRD; HY007 when its statement has none to describe yet.
fn ird_columns(d: &Arc<Descriptor>) -> OdbcResult<(Vec<ColumnInfo>, bool)> {
    let Some(s) = handles::ird_owner(d) else {
        return Err(OdbcError::new(
            state::GENERAL,
            "the implementation row descriptor has no statement",
        ));
    };
    let st = s.state.lock();
    let cols = s.columns_locked(&st).map_err(|e| {
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

/// A field of any descriptor; `None` is SQL_NO_DATA.
fn read_field(d: &Arc<Descriptor>, rec: i16, id: i16) -> OdbcResult<Option<FieldValue>> {
    let rec = usize::try_from(rec).map_err(|_| {
        OdbcError::new(
            state::INVALID_DESCRIPTOR_INDEX,
            format!("record number {rec} is invalid"),
        )
    })?;
    if d.kind != DescKind::Ird {
        return desc::get_field(&d.lock(), d.kind, rec, id);
    }
    if id != field::COUNT {
        if let Some(v) = d.lock().header_field(DescKind::Ird, id) {
            return Ok(Some(v));
        }
    }
    let (cols, odbc2) = match ird_columns(d) {
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
        Some(c) => desc::ird_field(c, id, odbc2).map(Some),
    }
}

/// Writes a field value into the application's buffer in its C width; returns whether a
/// string was truncated.
///
/// # Safety
/// `value` is null or writable for the field's C type (or `cap` bytes for strings).
unsafe fn write_value(
    enc: Enc,
    v: &FieldValue,
    value: *mut c_void,
    cap: i32,
    len: *mut i32,
) -> OdbcResult<bool> {
    if let FieldValue::Text(t) = v {
        if cap < 0 {
            return Err(OdbcError::new(
                state::INVALID_LENGTH,
                "negative buffer length",
            ));
        }
        return Ok(text::write(
            enc,
            t,
            value,
            cap as isize,
            Unit::Bytes,
            OutLen::Int(len),
        ));
    }
    if value.is_null() {
        return Err(OdbcError::new(
            state::NULL_POINTER,
            "the value pointer is null",
        ));
    }
    let size = match v {
        FieldValue::Small(n) => {
            text::put(value.cast::<i16>(), *n);
            2
        }
        FieldValue::Int(n) => {
            text::put(value.cast::<i32>(), *n);
            4
        }
        FieldValue::Len(n) => {
            text::put(
                value.cast::<isize>(),
                isize::try_from(*n).unwrap_or(isize::MAX),
            );
            8
        }
        FieldValue::ULen(n) => {
            text::put(
                value.cast::<usize>(),
                usize::try_from(*n).unwrap_or(usize::MAX),
            );
            8
        }
        FieldValue::Ptr(p) => {
            text::put(value.cast::<usize>(), *p);
            8
        }
        FieldValue::Text(_) => 0,
    };
    text::put(len, size);
    Ok(false)
}

unsafe fn get_desc_field(
    enc: Enc,
    h: *mut c_void,
    rec: i16,
    id: i16,
    value: *mut c_void,
    cap: i32,
    len: *mut i32,
) -> i16 {
    call(handles::desc(h), |d| {
        let Some(v) = read_field(d, rec, id)? else {
            return Ok(Outcome::NoData);
        };
        if write_value(enc, &v, value, cap, len)? {
            d.diag
                .lock()
                .push(state::STRING_TRUNCATED, "string data, right truncated");
        }
        Ok(Outcome::Success)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetDescField(
    h: *mut c_void,
    rec: i16,
    id: i16,
    value: *mut c_void,
    cap: i32,
    len: *mut i32,
) -> i16 {
    guard::raw(|| get_desc_field(Enc::Narrow, h, rec, id, value, cap, len))
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetDescFieldW(
    h: *mut c_void,
    rec: i16,
    id: i16,
    value: *mut c_void,
    cap: i32,
    len: *mut i32,
) -> i16 {
    guard::raw(|| get_desc_field(Enc::Wide, h, rec, id, value, cap, len))
}

unsafe fn set_desc_field(
    enc: Enc,
    h: *mut c_void,
    rec: i16,
    id: i16,
    value: *mut c_void,
    buf_len: i32,
) -> i16 {
    call(handles::desc(h), |d| {
        let rec = usize::try_from(rec).map_err(|_| {
            OdbcError::new(
                state::INVALID_DESCRIPTOR_INDEX,
                format!("record number {rec} is invalid"),
            )
        })?;
        let v = if desc::is_text_field(id) {
            // The W length of a string field counts bytes; text::read counts UTF-16 units.
            let units = if enc == Enc::Wide && buf_len > 0 {
                buf_len / 2
            } else {
                buf_len
            };
            SetValue::Text(text::read(enc, value, units)?.unwrap_or_default())
        } else {
            SetValue::Number(value as usize)
        };
        desc::set_field(&mut d.lock(), d.kind, rec, id, &v)?;
        Ok(Outcome::Success)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLSetDescField(
    h: *mut c_void,
    rec: i16,
    id: i16,
    value: *mut c_void,
    buf_len: i32,
) -> i16 {
    guard::raw(|| set_desc_field(Enc::Narrow, h, rec, id, value, buf_len))
}

#[no_mangle]
pub unsafe extern "C" fn SQLSetDescFieldW(
    h: *mut c_void,
    rec: i16,
    id: i16,
    value: *mut c_void,
    buf_len: i32,
) -> i16 {
    guard::raw(|| set_desc_field(Enc::Wide, h, rec, id, value, buf_len))
}

fn small(v: Option<FieldValue>) -> i16 {
    match v {
        Some(FieldValue::Small(n)) => n,
        Some(FieldValue::Int(n)) => i16::try_from(n).unwrap_or(0),
        _ => 0,
    }
}

#[allow(clippy::too_many_arguments)]
unsafe fn get_desc_rec(
    enc: Enc,
    h: *mut c_void,
    rec: i16,
    name: *mut c_void,
    cap: i16,
    name_len: *mut i16,
    ty: *mut i16,
    sub: *mut i16,
    length: *mut isize,
    precision: *mut i16,
    scale: *mut i16,
    nullable: *mut i16,
) -> i16 {
    call(handles::desc(h), |d| {
        if rec < 1 {
            return Err(OdbcError::new(
                state::INVALID_DESCRIPTOR_INDEX,
                format!("record number {rec} is invalid"),
            ));
        }
        let Some(t) = read_field(d, rec, field::TYPE)? else {
            return Ok(Outcome::NoData);
        };
        let get = |id| read_field(d, rec, id).ok().flatten();
        // ARD/APD records have no name or nullability: those read as empty and 0.
        let app = matches!(d.kind, DescKind::Ard | DescKind::Apd);
        let name_text = if app {
            String::new()
        } else {
            match get(field::NAME) {
                Some(FieldValue::Text(n)) => n,
                _ => String::new(),
            }
        };
        if text::write(
            enc,
            &name_text,
            name,
            isize::from(cap),
            Unit::Chars,
            OutLen::Small(name_len),
        ) {
            d.diag
                .lock()
                .push(state::STRING_TRUNCATED, "string data, right truncated");
        }
        text::put(ty, small(Some(t)));
        text::put(sub, small(get(field::DATETIME_INTERVAL_CODE)));
        let octets = match get(field::OCTET_LENGTH) {
            Some(FieldValue::Len(n)) => isize::try_from(n).unwrap_or(isize::MAX),
            _ => 0,
        };
        text::put(length, octets);
        text::put(precision, small(get(field::PRECISION)));
        text::put(scale, small(get(field::SCALE)));
        text::put(nullable, if app { 0 } else { small(get(field::NULLABLE)) });
        Ok(Outcome::Success)
    })
}

#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn SQLGetDescRec(
    h: *mut c_void,
    rec: i16,
    name: *mut u8,
    cap: i16,
    name_len: *mut i16,
    ty: *mut i16,
    sub: *mut i16,
    length: *mut isize,
    precision: *mut i16,
    scale: *mut i16,
    nullable: *mut i16,
) -> i16 {
    guard::raw(|| {
        get_desc_rec(
            Enc::Narrow,
            h,
            rec,
            name.cast(),
            cap,
            name_len,
            ty,
            sub,
            length,
            precision,
            scale,
            nullable,
        )
    })
}

#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn SQLGetDescRecW(
    h: *mut c_void,
    rec: i16,
    name: *mut u16,
    cap: i16,
    name_len: *mut i16,
    ty: *mut i16,
    sub: *mut i16,
    length: *mut isize,
    precision: *mut i16,
    scale: *mut i16,
    nullable: *mut i16,
) -> i16 {
    guard::raw(|| {
        get_desc_rec(
            Enc::Wide,
            h,
            rec,
            name.cast(),
            cap,
            name_len,
            ty,
            sub,
            length,
            precision,
            scale,
            nullable,
        )
    })
}

#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn SQLSetDescRec(
    h: *mut c_void,
    rec: i16,
    ty: i16,
    sub: i16,
    length: isize,
    precision: i16,
    scale: i16,
    data: *mut c_void,
    string_len: *mut isize,
    ind: *mut isize,
) -> i16 {
    guard::raw(|| {
        call(handles::desc(h), |d| {
            let rec = usize::try_from(rec)
                .ok()
                .filter(|r| *r > 0)
                .ok_or_else(|| {
                    OdbcError::new(
                        state::INVALID_DESCRIPTOR_INDEX,
                        format!("record number {rec} is invalid"),
                    )
                })?;
            let mut st = d.lock();
            let num = |n: usize| SetValue::Number(n);
            // The order matters: the verbose type first, then its subcode, as ODBC describes.
            desc::set_field(&mut st, d.kind, rec, field::TYPE, &num(ty as u16 as usize))?;
            if ty == 9 {
                desc::set_field(
                    &mut st,
                    d.kind,
                    rec,
                    field::DATETIME_INTERVAL_CODE,
                    &num(sub as u16 as usize),
                )?;
            }
            desc::set_field(
                &mut st,
                d.kind,
                rec,
                field::OCTET_LENGTH,
                &num(length as usize),
            )?;
            desc::set_field(
                &mut st,
                d.kind,
                rec,
                field::PRECISION,
                &num(precision as u16 as usize),
            )?;
            desc::set_field(
                &mut st,
                d.kind,
                rec,
                field::SCALE,
                &num(scale as u16 as usize),
            )?;
            if d.kind != DescKind::Ipd {
                desc::set_field(&mut st, d.kind, rec, field::DATA_PTR, &num(data as usize))?;
                desc::set_field(
                    &mut st,
                    d.kind,
                    rec,
                    field::OCTET_LENGTH_PTR,
                    &num(string_len as usize),
                )?;
                desc::set_field(
                    &mut st,
                    d.kind,
                    rec,
                    field::INDICATOR_PTR,
                    &num(ind as usize),
                )?;
            }
            Ok(Outcome::Success)
        })
    })
}

/// Header fields and records of a descriptor, as a snapshot to copy from.
fn snapshot(d: &Arc<Descriptor>) -> OdbcResult<(u64, u64, usize, usize, usize, Vec<DescRecord>)> {
    let st = d.lock();
    let header = (
        st.array_size,
        st.bind_type,
        st.bind_offset_ptr,
        st.array_status_ptr,
        st.rows_processed_ptr,
    );
    let records = if d.kind == DescKind::Ird {
        drop(st);
        let (cols, odbc2) = ird_columns(d)?;
        desc::ird_records(&cols, odbc2)
    } else {
        st.records.clone()
    };
    Ok((header.0, header.1, header.2, header.3, header.4, records))
}

#[no_mangle]
pub unsafe extern "C" fn SQLCopyDesc(src: *mut c_void, dst: *mut c_void) -> i16 {
    guard::raw(|| {
        let Some(source) = handles::desc(src) else {
            return guard::SQL_INVALID_HANDLE;
        };
        call(handles::desc(dst), |d| {
            if d.kind == DescKind::Ird {
                return Err(OdbcError::new(
                    state::CANNOT_MODIFY_IRD,
                    "the implementation row descriptor cannot be a copy target",
                ));
            }
            if Arc::ptr_eq(&source, d) {
                return Ok(Outcome::Success);
            }
            let (array_size, bind_type, offset, status, processed, records) = snapshot(&source)?;
            let mut st = d.lock();
            st.array_size = array_size;
            st.bind_type = bind_type;
            st.bind_offset_ptr = offset;
            st.array_status_ptr = status;
            st.rows_processed_ptr = processed;
            st.records = records;
            Ok(Outcome::Success)
        })
    })
}
