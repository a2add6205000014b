//! Entry points for descriptors: SQLGetDescField(W), SQLSetDescField(W), SQLGetDescRec(W),
//! SQLSetDescRec and SQLCopyDesc. The rules are [`crate::odbc::desc::Descriptor`]'s; the
//! module contract is in [`crate::ffi`].

use super::guard::{self, call};
use super::handles;
use super::out::{self, OutLen, Unit};
use super::text::{self, Enc};
use crate::odbc::desc::{self, RecordSetting, SetValue};
use crate::odbc::diag::Outcome;
use crate::odbc::outbuf;
use std::ffi::c_void;

/// # Safety
/// `value` is null or writable for the field's C type (or `cap` bytes for strings); `len` is
/// null or writable.
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
        let Some(v) = d.field(rec, id, &handles::ird_owner)? else {
            return Ok(Outcome::NoData);
        };
        let v = v.in_psqlodbc_width(d.kind, id);
        // SAFETY: `value` is null or writable for the field (or `cap` bytes); `len` null or
        // writable (contract).
        if unsafe { out::field(enc, &v, value, cap, len) }? {
            d.diag
                .lock()
                .push(crate::odbc::diag::state::STRING_TRUNCATED, out::TRUNCATED);
        }
        Ok(Outcome::Success)
    })
}

/// # Safety
/// For a string field `value` is null or a string of `buf_len` bytes (or NUL-terminated);
/// otherwise it is the value itself and is not read.
unsafe fn set_desc_field(
    enc: Enc,
    h: *mut c_void,
    rec: i16,
    id: i16,
    value: *mut c_void,
    buf_len: i32,
) -> i16 {
    call(handles::desc(h), |d| {
        let v = if desc::is_text_field(id) {
            // The W length of a string field counts bytes; text::read counts wide units.
            let units = if enc == Enc::Wide && buf_len > 0 {
                buf_len / 2
            } else {
                buf_len
            };
            // SAFETY: `value` is null or a string of `buf_len` bytes (contract).
            SetValue::Text(unsafe { text::read(enc, value, units) }?.unwrap_or_default())
        } else {
            SetValue::Number(value.expose_provenance())
        };
        d.set(rec, id, &v)?;
        Ok(Outcome::Success)
    })
}

/// # Safety
/// `name` is null or writable for `cap` units; the other outputs are null or writable for
/// their types.
#[allow(clippy::too_many_arguments)]
unsafe fn get_desc_rec<C>(
    enc: Enc,
    h: *mut c_void,
    rec: i16,
    name: *mut C,
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
        outbuf::check_length(i64::from(cap))?;
        let Some(r) = d.record_summary(rec, &handles::ird_owner)? else {
            return Ok(Outcome::NoData);
        };
        // SAFETY: `name` is null or writable for `cap` units; `name_len`, `ty`, `sub`,
        // `length`, `precision`, `scale` and `nullable` null or writable for their types.
        unsafe {
            out::string_warn(
                &d.diag,
                out::TRUNCATED,
                enc,
                &r.name,
                name.cast(),
                isize::from(cap),
                Unit::Chars,
                OutLen::Small(name_len),
            );
            out::put(ty, r.verbose_type);
            out::put(sub, r.datetime_sub);
            out::put(length, r.octet_length);
            out::put(precision, r.precision);
            out::put(scale, r.scale);
            out::put(nullable, r.nullable);
        }
        Ok(Outcome::Success)
    })
}

narrow_and_wide! {
    fn SQLGetDescField / SQLGetDescFieldW(
        h: *mut c_void,
        rec: i16,
        id: i16,
        value: *mut c_void,
        cap: i32,
        len: *mut i32,
    ) => get_desc_field;
    fn SQLSetDescField / SQLSetDescFieldW(
        h: *mut c_void,
        rec: i16,
        id: i16,
        value: *mut c_void,
        buf_len: i32,
    ) => set_desc_field;
    fn SQLGetDescRec / SQLGetDescRecW(
        h: *mut c_void,
        rec: i16,
        name: *mut Char,
        cap: i16,
        name_len: *mut i16,
        ty: *mut i16,
        sub: *mut i16,
        length: *mut isize,
        precision: *mut i16,
        scale: *mut i16,
        nullable: *mut i16,
    ) => get_desc_rec;
}

#[no_mangle]
#[allow(clippy::too_many_arguments)]
/// # Safety
/// `data`, `string_len` and `ind` stay valid while bound (the ODBC contract of deferred
/// buffers); nothing is read or written here.
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
            let setting = RecordSetting {
                verbose_type: ty,
                datetime_sub: sub,
                octet_length: length,
                precision,
                scale,
                data_ptr: data.expose_provenance(),
                octet_length_ptr: string_len.expose_provenance(),
                indicator_ptr: ind.expose_provenance(),
            };
            d.set_record(rec, setting)?;
            Ok(Outcome::Success)
        })
    })
}

#[no_mangle]
/// # Safety
/// `src` and `dst` are handles of this driver or anything else (they are checked).
pub unsafe extern "C" fn SQLCopyDesc(src: *mut c_void, dst: *mut c_void) -> i16 {
    guard::raw(|| {
        let Some(source) = handles::desc(src) else {
            return guard::SQL_INVALID_HANDLE;
        };
        call(handles::desc(dst), |d| {
            d.copy_from(&source, &handles::ird_owner)?;
            Ok(Outcome::Success)
        })
    })
}
