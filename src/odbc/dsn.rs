//! Reading a DSN's attributes from odbc.ini through the installer library's
//! `SQLGetPrivateProfileString`, found at run time so that the driver does not link the driver
//! manager (and so it honours ODBCINI/ODBCSYSINI the way the driver manager does).

use std::ffi::{c_char, c_int, CString};
use std::sync::OnceLock;

type GetPrivateProfileString = unsafe extern "C" fn(
    section: *const c_char,
    entry: *const c_char,
    default: *const c_char,
    buffer: *mut c_char,
    buffer_len: c_int,
    file: *const c_char,
) -> c_int;

fn lookup_function() -> Option<GetPrivateProfileString> {
    static FUNCTION: OnceLock<Option<usize>> = OnceLock::new();
    let address = FUNCTION.get_or_init(|| {
        let name = c"SQLGetPrivateProfileString";
        // SAFETY: dlsym/dlopen with valid NUL-terminated names; the result is checked for NULL.
        unsafe {
            let found = libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr());
            if !found.is_null() {
                return Some(found as usize);
            }
            for lib in [c"libodbcinst.so.2", c"libodbcinst.so", c"libiodbcinst.so.2"] {
                let handle = libc::dlopen(lib.as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL);
                if !handle.is_null() {
                    let f = libc::dlsym(handle, name.as_ptr());
                    if !f.is_null() {
                        return Some(f as usize);
                    }
                }
            }
            None
        }
    });
    // SAFETY: the address is that of SQLGetPrivateProfileString, whose signature is above.
    address.map(|a| unsafe { std::mem::transmute::<usize, GetPrivateProfileString>(a) })
}

/// Reads `key` of DSN `dsn` from odbc.ini (user then system, as the installer library does).
/// `None` when the key is absent or empty, or no installer library is loaded.
pub fn read_dsn_key(dsn: &str, key: &str) -> Option<String> {
    let f = lookup_function()?;
    let section = CString::new(dsn).ok()?;
    let entry = CString::new(key).ok()?;
    let mut buf = vec![0u8; 4096];
    let len = c_int::try_from(buf.len()).ok()?;
    // SAFETY: all strings are NUL-terminated; the buffer is writable for `len` bytes.
    let n = unsafe {
        f(
            section.as_ptr(),
            entry.as_ptr(),
            c"".as_ptr(),
            buf.as_mut_ptr().cast(),
            len,
            c"odbc.ini".as_ptr(),
        )
    };
    if n <= 0 {
        return None;
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    let value = String::from_utf8_lossy(&buf[..end]).trim().to_string();
    if value.is_empty() {
        None
    } else {
        Some(value)
    }
}

/// Whether a DSN section exists in odbc.ini.
pub fn dsn_exists(dsn: &str) -> bool {
    // Asking for the section's key list (entry NULL) lists its keys; any key means it exists.
    let Some(f) = lookup_function() else {
        return false;
    };
    let Ok(section) = CString::new(dsn) else {
        return false;
    };
    let mut buf = vec![0u8; 4096];
    let Ok(len) = c_int::try_from(buf.len()) else {
        return false;
    };
    // SAFETY: as above; a NULL entry asks for the list of keys.
    let n = unsafe {
        f(
            section.as_ptr(),
            std::ptr::null(),
            c"".as_ptr(),
            buf.as_mut_ptr().cast(),
            len,
            c"odbc.ini".as_ptr(),
        )
    };
    n > 0 && buf[0] != 0
}

/// Every key and value of DSN `dsn` (one read of the key list, then one per key), so that
/// settings resolution looks keys up in memory instead of re-reading odbc.ini per name.
pub fn read_section(dsn: &str) -> Vec<(String, String)> {
    let Some(f) = lookup_function() else {
        return Vec::new();
    };
    let Ok(section) = CString::new(dsn) else {
        return Vec::new();
    };
    let mut buf = vec![0u8; 16384];
    let Ok(len) = c_int::try_from(buf.len()) else {
        return Vec::new();
    };
    // SAFETY: NUL-terminated strings; a NULL entry asks for the section's key names,
    // written as NUL-separated strings into the buffer.
    let n = unsafe {
        f(
            section.as_ptr(),
            std::ptr::null(),
            c"".as_ptr(),
            buf.as_mut_ptr().cast(),
            len,
            c"odbc.ini".as_ptr(),
        )
    };
    if n <= 0 {
        return Vec::new();
    }
    let used = usize::try_from(n).unwrap_or(0).min(buf.len());
    // A listed key is present even when its value is empty: `plugins=` in a DSN asks for no
    // plugins, as it does in a connection string, instead of reading as unset (the default
    // chain). Typed keys read an empty value as unset anyway.
    buf[..used]
        .split(|b| *b == 0)
        .filter(|k| !k.is_empty())
        .filter_map(|k| std::str::from_utf8(k).ok())
        .map(|key| {
            let value = read_dsn_key(dsn, key).unwrap_or_default();
            (key.to_string(), value)
        })
        .collect()
}
