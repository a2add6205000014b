//! Strings written into the application's buffers, with every buffer length an application
//! can pass (negative, 0, 1, odd byte counts for wide text, just short of the value): the
//! writer all of them share (`ffi::out::string`), and through the exported functions without
//! a driver manager, on a connection handle that needs no server: SQLNativeSql (escape
//! translation of the input), SQLSetConnectAttr/SQLGetConnectAttr of a string attribute,
//! SQLGetInfo, and the diagnostics those calls leave (SQLGetDiagRec, SQLGetDiagField,
//! SQLError), narrow and wide.
//!
//! Every output buffer is a heap block of exactly the length passed, so AddressSanitizer
//! reports any write past it.
//!
//! Input: flags (wide or narrow, input length counted or SQL_NTS, null output buffer), the
//! buffer length (i16, big-endian), an information type (u16), a diagnostic field id (i16),
//! then the text.
//!
//! Checked beyond "no memory error": a successful string answer is NUL-terminated inside its
//! buffer; what it holds is a prefix of the value (the value itself when not truncated);
//! truncation is reported whenever the value was cut.
#![no_main]

use std::ffi::c_void;
use std::ptr::null_mut;
use std::sync::OnceLock;

use auroraodbc::ffi::out::{self, OutLen, Unit};
use auroraodbc::ffi::text::Enc;
use auroraodbc::ffi::{diag_api, env_conn, stmt_extra};
use auroraodbc::odbc::wide;
use libfuzzer_sys::fuzz_target;

const SQL_SUCCESS: i16 = 0;
const SQL_SUCCESS_WITH_INFO: i16 = 1;
const SQL_NTS: i32 = -3;
const SQL_HANDLE_ENV: i16 = 1;
const SQL_HANDLE_DBC: i16 = 2;
const SQL_ATTR_ODBC_VERSION: i32 = 200;
const SQL_ATTR_CURRENT_CATALOG: i32 = 109;
/// SQLGetDiagField ids worth asking every time: header (number, returncode) and record
/// (native, sqlstate, message text, class and subclass origin, connection and server name).
const DIAG_FIELDS: &[i16] = &[2, 1, 5, 4, 6, 8, 9, 10, 11];

/// One environment and one connection handle for the whole run (never connected).
fn connection() -> *mut c_void {
    static DBC: OnceLock<usize> = OnceLock::new();
    let dbc = *DBC.get_or_init(|| {
        let mut env: *mut c_void = null_mut();
        let mut dbc: *mut c_void = null_mut();
        // SAFETY: output pointers are valid; the ODBC version is an integer attribute.
        unsafe {
            assert_eq!(
                env_conn::SQLAllocHandle(SQL_HANDLE_ENV, null_mut(), &mut env),
                0
            );
            env_conn::SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, 3usize as *mut c_void, 0);
            assert_eq!(env_conn::SQLAllocHandle(SQL_HANDLE_DBC, env, &mut dbc), 0);
        }
        dbc as usize
    });
    dbc as *mut c_void
}

/// An output buffer of exactly `bytes` bytes (none for a negative length), or null.
struct OutBuf {
    data: Option<Vec<u8>>,
}

impl OutBuf {
    fn new(bytes: isize, null: bool) -> OutBuf {
        let data = (!null).then(|| vec![0xAAu8; usize::try_from(bytes).unwrap_or(0)]);
        OutBuf { data }
    }

    fn ptr<T>(&mut self) -> *mut T {
        match &mut self.data {
            Some(v) => v.as_mut_ptr().cast(),
            None => null_mut(),
        }
    }

    /// The units before the first NUL unit, which must be inside the buffer.
    fn terminated(&self, unit: usize) -> Option<&[u8]> {
        let data = self.data.as_ref()?;
        // A buffer shorter than one unit has no room for anything, a terminator included.
        if data.len() < unit {
            return None;
        }
        let end = data
            .chunks_exact(unit)
            .position(|c| c.iter().all(|&b| b == 0))
            .unwrap_or_else(|| panic!("no terminator in a buffer of {} bytes", data.len()));
        Some(&data[..end * unit])
    }
}

fn encoded(enc: Enc, s: &str) -> Vec<u8> {
    match enc {
        Enc::Narrow => s.as_bytes().to_vec(),
        Enc::Wide => wide::encode(s),
    }
}

/// The shared writer, checked against its value.
fn check_writer(enc: Enc, s: &str, cap: isize, unit: Unit, null_buf: bool) {
    let width = match enc {
        Enc::Narrow => 1,
        Enc::Wide => wide::unit(),
    };
    let bytes = match (enc, unit) {
        (Enc::Wide, Unit::Chars) => cap.saturating_mul(width as isize),
        _ => cap,
    };
    let mut buf = OutBuf::new(bytes, null_buf);
    let mut full: isize = -1;
    // SAFETY: the buffer holds `cap` units (exactly `bytes` bytes) or is null; `full` is
    // writable.
    let truncated = unsafe { out::string(enc, s, buf.ptr(), cap, unit, OutLen::Len(&mut full)) };
    let whole = encoded(enc, s);
    let full_units = match (enc, unit) {
        (Enc::Wide, Unit::Chars) => whole.len() / width,
        _ => whole.len(),
    };
    assert_eq!(
        usize::try_from(full).ok(),
        Some(full_units),
        "reported length"
    );
    if cap > 0 {
        if let Some(got) = buf.terminated(width) {
            if got.len() < whole.len() && !s.contains('\0') {
                assert!(
                    truncated,
                    "{s:?} cut to {got:?} without a truncation report"
                );
                if enc == Enc::Narrow {
                    assert!(
                        std::str::from_utf8(got).is_ok(),
                        "a UTF-8 sequence cut in half"
                    );
                }
            }
            // Text with a NUL inside reads shorter; its head still matches.
            assert!(whole.starts_with(got), "{got:?} is not a prefix of {s:?}");
        }
    }
}

/// A string answer of an exported function: terminated, a prefix of the longest answer, and
/// a truncation reported as SQL_SUCCESS_WITH_INFO.
fn check_answer(rc: i16, buf: &OutBuf, unit: usize, reported_units: Option<usize>) {
    if rc != SQL_SUCCESS && rc != SQL_SUCCESS_WITH_INFO {
        return;
    }
    let Some(got) = buf.terminated(unit) else {
        return;
    };
    if let Some(total) = reported_units {
        assert!(
            got.len() / unit <= total,
            "wrote {} units of {total}",
            got.len() / unit
        );
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 7 {
        return;
    }
    let flags = data[0];
    let cap = i16::from_be_bytes([data[1], data[2]]);
    let info_type = u16::from_be_bytes([data[3], data[4]]);
    let field_id = i16::from_be_bytes([data[5], data[6]]);
    let text = &data[7..];
    let enc = if flags & 1 == 1 {
        Enc::Wide
    } else {
        Enc::Narrow
    };
    let nts = flags & 2 == 2;
    let null_buf = flags & 4 == 4;
    let width = match enc {
        Enc::Narrow => 1,
        Enc::Wide => wide::unit(),
    };

    // The writer itself, with both ways of counting a buffer.
    let lossy = String::from_utf8_lossy(text);
    for unit in [Unit::Bytes, Unit::Chars] {
        check_writer(enc, &lossy, isize::from(cap), unit, null_buf);
    }

    // The input string as the application passes it: bytes, or native wide units.
    let mut input: Vec<u8> = match enc {
        Enc::Narrow => text.to_vec(),
        Enc::Wide => text[..text.len() - text.len() % width].to_vec(),
    };
    let in_len = if nts {
        input.extend(std::iter::repeat_n(0u8, width));
        SQL_NTS
    } else {
        i32::try_from(input.len() / width).unwrap_or(i32::MAX)
    };
    let dbc = connection();
    let cap_units = isize::from(cap);
    let wide_call = enc == Enc::Wide;

    // SQLNativeSql: buffer length in characters.
    let mut buf = OutBuf::new(cap_units.saturating_mul(width as isize), null_buf);
    let mut len: i32 = -1;
    // SAFETY: `input` holds `in_len` units (or a terminated string), `buf` holds `cap` units.
    let rc = unsafe {
        if wide_call {
            stmt_extra::wide::SQLNativeSqlW(
                dbc,
                input.as_ptr().cast(),
                in_len,
                buf.ptr(),
                i32::from(cap),
                &mut len,
            )
        } else {
            stmt_extra::narrow::SQLNativeSql(
                dbc,
                input.as_ptr(),
                in_len,
                buf.ptr(),
                i32::from(cap),
                &mut len,
            )
        }
    };
    check_answer(rc, &buf, width, usize::try_from(len).ok());

    // A string connection attribute, set from the input and read back (length in bytes).
    // SAFETY: `input` holds `in_len` units or a terminated string.
    unsafe {
        if wide_call {
            env_conn::wide::SQLSetConnectAttrW(
                dbc,
                SQL_ATTR_CURRENT_CATALOG,
                input.as_mut_ptr().cast(),
                in_len,
            );
        } else {
            env_conn::narrow::SQLSetConnectAttr(
                dbc,
                SQL_ATTR_CURRENT_CATALOG,
                input.as_mut_ptr().cast(),
                in_len,
            );
        }
    }
    let mut buf = OutBuf::new(isize::from(cap), null_buf);
    let mut len: i32 = -1;
    // SAFETY: `buf` holds `cap` bytes; `len` is writable.
    let rc = unsafe {
        if wide_call {
            env_conn::wide::SQLGetConnectAttrW(
                dbc,
                SQL_ATTR_CURRENT_CATALOG,
                buf.ptr(),
                i32::from(cap),
                &mut len,
            )
        } else {
            env_conn::narrow::SQLGetConnectAttr(
                dbc,
                SQL_ATTR_CURRENT_CATALOG,
                buf.ptr(),
                i32::from(cap),
                &mut len,
            )
        }
    };
    if cap >= 0 {
        check_answer(
            rc,
            &buf,
            width,
            usize::try_from(len).ok().map(|b| b / width),
        );
    }

    // SQLGetInfo of the input's information type (length in bytes). Numeric answers are
    // written whole whatever the length says, so the buffer is at least 8 bytes.
    let mut buf = OutBuf::new(isize::from(cap).max(8), null_buf);
    let mut len: i16 = -1;
    // SAFETY: `buf` holds at least `cap` bytes and 8; `len` is writable.
    let _ = unsafe {
        if wide_call {
            env_conn::wide::SQLGetInfoW(dbc, info_type, buf.ptr(), cap, &mut len)
        } else {
            env_conn::narrow::SQLGetInfo(dbc, info_type, buf.ptr(), cap, &mut len)
        }
    };

    // The diagnostics those calls left: each record, each field, then SQLError.
    for number in [0i16, 1, 2, 3, -1] {
        let mut state = OutBuf::new(6 * width as isize, false);
        let mut native: i32 = 0;
        let mut msg = OutBuf::new(cap_units.saturating_mul(width as isize), null_buf);
        let mut msg_len: i16 = -1;
        // SAFETY: `state` holds 6 units, `msg` `cap` units; the rest are writable.
        let rc = unsafe {
            if wide_call {
                diag_api::wide::SQLGetDiagRecW(
                    SQL_HANDLE_DBC,
                    dbc,
                    number,
                    state.ptr(),
                    &mut native,
                    msg.ptr(),
                    cap,
                    &mut msg_len,
                )
            } else {
                diag_api::narrow::SQLGetDiagRec(
                    SQL_HANDLE_DBC,
                    dbc,
                    number,
                    state.ptr(),
                    &mut native,
                    msg.ptr(),
                    cap,
                    &mut msg_len,
                )
            }
        };
        check_answer(rc, &msg, width, usize::try_from(msg_len).ok());
        check_answer(rc, &state, width, Some(5));
        for &id in DIAG_FIELDS.iter().chain(std::iter::once(&field_id)) {
            // Integer fields are written whole whatever the length says.
            let mut value = OutBuf::new(isize::from(cap).max(8), null_buf);
            let mut len: i16 = -1;
            // SAFETY: `value` holds at least `cap` bytes and 8; `len` is writable.
            let rc = unsafe {
                if wide_call {
                    diag_api::wide::SQLGetDiagFieldW(
                        SQL_HANDLE_DBC,
                        dbc,
                        number,
                        id,
                        value.ptr(),
                        cap,
                        &mut len,
                    )
                } else {
                    diag_api::narrow::SQLGetDiagField(
                        SQL_HANDLE_DBC,
                        dbc,
                        number,
                        id,
                        value.ptr(),
                        cap,
                        &mut len,
                    )
                }
            };
            let _ = rc;
        }
    }
    loop {
        let mut state = OutBuf::new(6 * width as isize, false);
        let mut native: i32 = 0;
        let mut msg = OutBuf::new(cap_units.saturating_mul(width as isize), null_buf);
        let mut msg_len: i16 = -1;
        // SAFETY: as for SQLGetDiagRec.
        let rc = unsafe {
            if wide_call {
                diag_api::wide::SQLErrorW(
                    null_mut(),
                    dbc,
                    null_mut(),
                    state.ptr(),
                    &mut native,
                    msg.ptr(),
                    cap,
                    &mut msg_len,
                )
            } else {
                diag_api::narrow::SQLError(
                    null_mut(),
                    dbc,
                    null_mut(),
                    state.ptr(),
                    &mut native,
                    msg.ptr(),
                    cap,
                    &mut msg_len,
                )
            }
        };
        if rc != SQL_SUCCESS && rc != SQL_SUCCESS_WITH_INFO {
            break;
        }
        check_answer(rc, &msg, width, usize::try_from(msg_len).ok());
    }
});
