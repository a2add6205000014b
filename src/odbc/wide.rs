//! The wide character of the driver manager that loaded the driver: UTF-16 (2-byte SQLWCHAR)
//! under unixODBC, UTF-32 (4-byte wchar_t) under iODBC. Every wide string and SQL_C_WCHAR
//! buffer goes through here.

use std::sync::OnceLock;

static UNIT: OnceLock<usize> = OnceLock::new();

/// Bytes per wide character unit: 4 when the iODBC driver manager is in the process, else 2.
pub fn unit() -> usize {
    *UNIT.get_or_init(|| {
        // SAFETY: dlsym with a valid NUL-terminated name; only the address is compared.
        let iodbc = unsafe { libc::dlsym(libc::RTLD_DEFAULT, c"iodbc_version".as_ptr()) };
        if iodbc.is_null() {
            2
        } else {
            4
        }
    })
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

/// Decodes wide units up to the first NUL; `None` for invalid data (unpaired surrogate,
/// invalid code point, a partial unit).
pub fn decode(data: &[u8]) -> Option<String> {
    let u = unit();
    if data.len() % u != 0 {
        return None;
    }
    if u == 4 {
        data.chunks_exact(4)
            .map(|c| u32::from_ne_bytes([c[0], c[1], c[2], c[3]]))
            .take_while(|&v| v != 0)
            .map(char::from_u32)
            .collect()
    } else {
        let units = data.chunks_exact(2).map(|c| u16::from_ne_bytes([c[0], c[1]])).take_while(|&v| v != 0);
        char::decode_utf16(units).collect::<Result<String, _>>().ok()
    }
}
