//! The wide character of the driver manager that loaded the driver: UTF-16 (2-byte SQLWCHAR)
//! under unixODBC, UTF-32 (4-byte wchar_t) under iODBC. Every wide string and SQL_C_WCHAR
//! buffer goes through here.

use std::sync::OnceLock;

static UNIT: OnceLock<usize> = OnceLock::new();

fn iodbc_in_process() -> bool {
    // SAFETY: dlsym with a valid NUL-terminated name; only the address is compared.
    let iodbc = unsafe { libc::dlsym(libc::RTLD_DEFAULT, c"iodbc_version".as_ptr()) };
    !iodbc.is_null()
}

/// Bytes per wide character unit: 4 under iODBC, else 2. Decided once per process: by the
/// iODBC library being loaded, or (for programs linked with iODBC statically) by the first
/// wide string the driver manager passes, see [`observe_first_input`].
pub fn unit() -> usize {
    *UNIT.get_or_init(|| if iodbc_in_process() { 4 } else { 2 })
}

/// Looks at the first wide input string of a connection (its connection string or DSN):
/// ASCII text in 4-byte units has a zero second 16-bit unit, which text in UTF-16 never has
/// for a string of two or more characters.
///
/// # Safety
/// `ptr` is null or points to at least `min_units` readable 2-byte units.
pub unsafe fn observe_first_input(ptr: *const u16, min_units: usize) {
    if UNIT.get().is_some() || ptr.is_null() || min_units < 2 {
        return;
    }
    // SAFETY: non-null with `min_units` >= 2, so the caller promised two readable units.
    let (first, second) = unsafe {
        (
            std::ptr::read_unaligned(ptr),
            std::ptr::read_unaligned(ptr.add(1)),
        )
    };
    let unit = if iodbc_in_process() || (first != 0 && first < 0x80 && second == 0) {
        4
    } else {
        2
    };
    let _ = UNIT.set(unit);
}

/// Encodes `s` as wide units (little-endian/native) without a terminator.
pub fn encode(s: &str) -> Vec<u8> {
    if unit() == 4 {
        s.chars().flat_map(|c| u32::from(c).to_ne_bytes()).collect()
    } else {
        s.encode_utf16().flat_map(u16::to_ne_bytes).collect()
    }
}

/// Number of wide units `s` takes.
pub fn len_units(s: &str) -> usize {
    if unit() == 4 {
        s.chars().count()
    } else {
        s.encode_utf16().count()
    }
}

/// Decodes wide units, NULs included (the caller decides what a NUL means, see
/// [`super::nul`]); `None` for invalid data (unpaired surrogate, invalid code point, a partial
/// unit).
pub fn decode(data: &[u8]) -> Option<String> {
    let u = unit();
    if !data.len().is_multiple_of(u) {
        return None;
    }
    if u == 4 {
        data.chunks_exact(4)
            .map(|c| u32::from_ne_bytes([c[0], c[1], c[2], c[3]]))
            .map(char::from_u32)
            .collect()
    } else {
        let units = data
            .chunks_exact(2)
            .map(|c| u16::from_ne_bytes([c[0], c[1]]));
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .ok()
    }
}
