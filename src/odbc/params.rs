//! Placeholder until the full parameter conversions land: CHAR, WCHAR and 32-bit integers.
use super::convert::ConvertError;

pub fn param_to_text(c_type: i16, _sql_type: i16, data: &[u8]) -> Result<Option<String>, ConvertError> {
    match c_type {
        1 => std::str::from_utf8(data).map(|s| Some(s.to_string())).map_err(|_| ConvertError::InvalidCast),
        -8 => {
            let units: Vec<u16> = data.chunks_exact(2).map(|c| u16::from_le_bytes([c[0], c[1]])).collect();
            String::from_utf16(&units).map(Some).map_err(|_| ConvertError::InvalidCast)
        }
        4 | -16 if data.len() == 4 => Ok(Some(i32::from_ne_bytes([data[0], data[1], data[2], data[3]]).to_string())),
        _ => Err(ConvertError::Unsupported),
    }
}
