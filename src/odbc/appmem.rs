//! Every read and write of application memory that bound buffers need, in one place.
//!
//! ODBC lets an application bind buffers (columns, parameters, indicators, status arrays) that
//! the driver fills later. The application guarantees, by the rules of SQLBindCol,
//! SQLBindParameter and the descriptor fields, that those addresses stay valid and large enough
//! until unbound; these helpers rely on exactly that and on nothing else.
//!
//! Two shapes: the typed handles ([`StatusArray`], [`CountSlot`]) take the application's
//! promise once, where the address is read from a descriptor, and are then written safely as
//! often as needed; the `unsafe fn`s serve addresses worked out per row or per call.

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

/// An SQLUSMALLINT array the application bound: a row status array, a parameter status
/// array or a parameter operation array. Address 0 means none was bound: writes then go
/// nowhere and reads give 0.
#[derive(Debug, Clone, Copy)]
pub struct StatusArray {
    addr: usize,
}

impl StatusArray {
    /// No array: writes are dropped, reads give 0.
    pub const NONE: StatusArray = StatusArray { addr: 0 };

    /// The array at `addr`, as read from a descriptor field.
    ///
    /// # Safety
    /// `addr` is zero or the start of an SQLUSMALLINT array that stays valid, with an element
    /// for every index later passed to [`Self::set`] or [`Self::get`], for as long as the
    /// returned value is used. ODBC makes the application promise that for as long as the
    /// array is bound (SQL_ATTR_ROW_STATUS_PTR, SQL_ATTR_PARAM_STATUS_PTR,
    /// SQL_ATTR_PARAM_OPERATION_PTR: one element per row or parameter set).
    #[inline]
    pub unsafe fn bound(addr: usize) -> StatusArray {
        StatusArray { addr }
    }

    /// Writes element `index`, when an array was bound.
    #[inline]
    pub fn set(self, index: usize, value: u16) {
        // SAFETY: `bound`'s caller promised an element at every index this array is used with.
        unsafe { write_status(self.addr, index, value) }
    }

    /// Element `index`, or 0 when no array was bound.
    #[inline]
    pub fn get(self, index: usize) -> u16 {
        // SAFETY: as in `set`.
        unsafe { read_status(self.addr, index) }
    }

    /// Writes element `index` given as a row or parameter set number.
    #[inline]
    pub fn set_at(self, index: u64, value: u16) {
        if let Ok(index) = usize::try_from(index) {
            self.set(index, value);
        }
    }
}

/// An SQLULEN the driver reports a count in (SQL_ATTR_ROWS_FETCHED_PTR,
/// SQL_ATTR_PARAMS_PROCESSED_PTR). Address 0 means none was bound: writes go nowhere.
#[derive(Debug, Clone, Copy)]
pub struct CountSlot {
    addr: usize,
}

impl CountSlot {
    /// No slot: writes are dropped.
    pub const NONE: CountSlot = CountSlot { addr: 0 };

    /// The slot at `addr`, as read from a descriptor field.
    ///
    /// # Safety
    /// `addr` is zero or points to a writable SQLULEN that stays valid for as long as the
    /// returned value is used (ODBC: for as long as the application leaves it bound).
    #[inline]
    pub unsafe fn bound(addr: usize) -> CountSlot {
        CountSlot { addr }
    }

    /// Writes `value` into the slot, when one was bound.
    #[inline]
    pub fn set(self, value: u64) {
        // SAFETY: `bound`'s caller promised a writable SQLULEN or zero.
        unsafe { write_ulen(self.addr, value) }
    }
}

/// The value of a bind offset pointer (SQL_ATTR_ROW_BIND_OFFSET_PTR,
/// SQL_ATTR_PARAM_BIND_OFFSET_PTR): 0 when none is bound or it holds a negative value.
///
/// # Safety
/// `addr` is zero or points to a readable SQLLEN.
#[inline]
pub unsafe fn bind_offset(addr: usize) -> usize {
    if addr == 0 {
        return 0;
    }
    // SAFETY: non-zero, so the caller promised a readable SQLLEN.
    usize::try_from(unsafe { read_len(addr) }).unwrap_or(0)
}

/// A mutable view of `len` bytes of application memory at `addr`.
///
/// # Safety
/// `addr` must be a bound buffer of at least `len` writable bytes, not aliased by Rust data.
#[inline]
pub unsafe fn bytes_mut<'a>(addr: usize, len: usize) -> &'a mut [u8] {
    // SAFETY: the caller promised `len` writable bytes at `addr` that nothing else borrows.
    unsafe { std::slice::from_raw_parts_mut(addr as *mut u8, len) }
}

/// A view of `len` bytes of application memory at `addr`.
///
/// # Safety
/// `addr` must be a bound buffer of at least `len` readable bytes.
#[inline]
pub unsafe fn bytes<'a>(addr: usize, len: usize) -> &'a [u8] {
    // SAFETY: the caller promised `len` readable bytes at `addr`.
    unsafe { std::slice::from_raw_parts(addr as *const u8, len) }
}

/// Writes an SQLLEN (indicator or length) at `addr`, when the application gave one.
///
/// # Safety
/// `addr` is zero or points to a writable SQLLEN.
#[inline]
pub unsafe fn write_len(addr: usize, value: i64) {
    if addr != 0 {
        // SAFETY: non-zero, so the caller promised a writable SQLLEN; unaligned is allowed
        // because bound structures (row-wise binding) need not align it.
        unsafe {
            std::ptr::write_unaligned(
                addr as *mut isize,
                isize::try_from(value).unwrap_or(isize::MAX),
            );
        }
    }
}

/// Reads an SQLLEN at `addr`.
///
/// # Safety
/// `addr` is non-zero and points to a readable SQLLEN.
#[inline]
pub unsafe fn read_len(addr: usize) -> i64 {
    // SAFETY: the caller promised a readable SQLLEN, possibly unaligned.
    let value = unsafe { std::ptr::read_unaligned(addr as *const isize) };
    // SQLLEN is as wide as a pointer: 64 bits wherever this driver builds.
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Writes an SQLULEN (row counts) at `addr`, when given.
///
/// # Safety
/// `addr` is zero or points to a writable SQLULEN.
#[inline]
pub unsafe fn write_ulen(addr: usize, value: u64) {
    if addr != 0 {
        // SAFETY: non-zero, so the caller promised a writable SQLULEN, possibly unaligned.
        unsafe {
            std::ptr::write_unaligned(
                addr as *mut usize,
                usize::try_from(value).unwrap_or(usize::MAX),
            );
        }
    }
}

/// Writes an SQLUSMALLINT into element `index` of a status array at `addr`, when given.
///
/// # Safety
/// `addr` is zero or an array of at least `index + 1` SQLUSMALLINTs.
#[inline]
pub unsafe fn write_status(addr: usize, index: usize, value: u16) {
    if addr != 0 {
        // SAFETY: non-zero, so the caller promised element `index`, possibly unaligned.
        unsafe { std::ptr::write_unaligned((addr as *mut u16).add(index), value) };
    }
}

/// Reads element `index` of an SQLUSMALLINT array at `addr`; 0 when there is no array.
///
/// # Safety
/// `addr` is zero or an array of at least `index + 1` SQLUSMALLINTs.
#[inline]
pub unsafe fn read_status(addr: usize, index: usize) -> u16 {
    if addr == 0 {
        return 0;
    }
    // SAFETY: non-zero, so the caller promised element `index`, possibly unaligned.
    unsafe { std::ptr::read_unaligned((addr as *const u16).add(index)) }
}

/// Length of a NUL-terminated narrow string at `addr`, at most `max` bytes.
///
/// # Safety
/// `addr` points to a readable NUL-terminated string (or at least `max` readable bytes).
pub unsafe fn strlen(addr: usize, max: usize) -> usize {
    let p = addr as *const u8;
    let mut n = 0;
    // SAFETY: every byte read is before the terminator or within `max`, which the caller
    // promised readable.
    while n < max && unsafe { *p.add(n) } != 0 {
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
        // SAFETY: every unit read is before the terminator or within `max_bytes`, which the
        // caller promised readable.
        let unit_bytes =
            unsafe { std::slice::from_raw_parts((addr + n * unit) as *const u8, unit) };
        if unit_bytes.iter().all(|b| *b == 0) {
            break;
        }
        n += 1;
    }
    n * unit
}
