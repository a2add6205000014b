//! Every read and write of application memory that bound buffers need, in one place.
//!
//! ODBC lets an application bind buffers (columns, parameters, indicators, status arrays) that
//! the driver fills later. The application guarantees, by the rules of SQLBindCol,
//! SQLBindParameter and the descriptor fields, that those addresses stay valid and large enough
//! until unbound; these helpers rely on exactly that and on nothing else.

/// SQL_NULL_DATA
pub const NULL_DATA: i64 = -1;
/// SQL_NO_TOTAL
pub const NO_TOTAL: i64 = -4;
/// SQL_NTS
pub const NTS: i64 = -3;
/// SQL_DATA_AT_EXEC
pub const DATA_AT_EXEC: i64 = -2;
/// SQL_LEN_DATA_AT_EXEC_OFFSET
pub const LEN_DATA_AT_EXEC_OFFSET: i64 = -100;

/// A mutable view of `len` bytes of application memory at `addr`.
///
/// # Safety
/// `addr` must be a bound buffer of at least `len` writable bytes, not aliased by Rust data.
pub unsafe fn bytes_mut<'a>(addr: usize, len: usize) -> &'a mut [u8] {
    std::slice::from_raw_parts_mut(addr as *mut u8, len)
}

/// A view of `len` bytes of application memory at `addr`.
///
/// # Safety
/// `addr` must be a bound buffer of at least `len` readable bytes.
pub unsafe fn bytes<'a>(addr: usize, len: usize) -> &'a [u8] {
    std::slice::from_raw_parts(addr as *const u8, len)
}

/// Writes an SQLLEN (indicator or length) at `addr`, when the application gave one.
///
/// # Safety
/// `addr` is zero or points to a writable SQLLEN.
pub unsafe fn write_len(addr: usize, value: i64) {
    if addr != 0 {
        std::ptr::write_unaligned(
            addr as *mut isize,
            isize::try_from(value).unwrap_or(isize::MAX),
        );
    }
}

/// Reads an SQLLEN at `addr`.
///
/// # Safety
/// `addr` is non-zero and points to a readable SQLLEN.
pub unsafe fn read_len(addr: usize) -> i64 {
    std::ptr::read_unaligned(addr as *const isize) as i64
}

/// Writes an SQLULEN (row counts) at `addr`, when given.
///
/// # Safety
/// `addr` is zero or points to a writable SQLULEN.
pub unsafe fn write_ulen(addr: usize, value: u64) {
    if addr != 0 {
        std::ptr::write_unaligned(
            addr as *mut usize,
            usize::try_from(value).unwrap_or(usize::MAX),
        );
    }
}

/// Writes an SQLUSMALLINT into element `index` of a status array at `addr`, when given.
///
/// # Safety
/// `addr` is zero or an array of at least `index + 1` SQLUSMALLINTs.
pub unsafe fn write_status(addr: usize, index: usize, value: u16) {
    if addr != 0 {
        std::ptr::write_unaligned((addr as *mut u16).add(index), value);
    }
}

/// Reads element `index` of an SQLUSMALLINT array at `addr`; 0 when there is no array.
///
/// # Safety
/// `addr` is zero or an array of at least `index + 1` SQLUSMALLINTs.
pub unsafe fn read_status(addr: usize, index: usize) -> u16 {
    if addr == 0 {
        return 0;
    }
    std::ptr::read_unaligned((addr as *const u16).add(index))
}

/// Length of a NUL-terminated narrow string at `addr`, at most `max` bytes.
///
/// # Safety
/// `addr` points to a readable NUL-terminated string (or at least `max` readable bytes).
pub unsafe fn strlen(addr: usize, max: usize) -> usize {
    let p = addr as *const u8;
    let mut n = 0;
    while n < max && *p.add(n) != 0 {
        n += 1;
    }
    n
}

/// Length in bytes of a NUL-terminated wide string at `addr` (2- or 4-byte units, see
/// [`super::wide::unit`]).
///
/// # Safety
/// `addr` points to a readable NUL-terminated wide string.
pub unsafe fn wcslen_bytes(addr: usize, max_bytes: usize) -> usize {
    let unit = super::wide::unit();
    let mut n = 0;
    while (n + 1) * unit <= max_bytes {
        let unit_bytes = std::slice::from_raw_parts((addr + n * unit) as *const u8, unit);
        if unit_bytes.iter().all(|b| *b == 0) {
            break;
        }
        n += 1;
    }
    n * unit
}
