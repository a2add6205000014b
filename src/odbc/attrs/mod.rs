//! Environment, connection and statement attributes: which values each accepts, what setting
//! one changes, and what reading one answers. The FFI layer decodes the SQLPOINTER and writes
//! the answer; the rules live here.

pub mod conn;
pub mod env;
pub mod pgopt;
pub mod stmt;

/// A value given to SQLSetXxxAttr or SQLSetDescField: the SQLPOINTER itself (integer
/// attributes pass their value in the pointer), or the decoded string for string attributes.
#[derive(Debug, Clone)]
pub enum SetValue {
    Number(usize),
    Text(String),
}

impl SetValue {
    /// The integer (or address) the value carries; 0 for a string.
    pub fn num(&self) -> usize {
        match self {
            SetValue::Number(n) => *n,
            SetValue::Text(_) => 0,
        }
    }

    /// The value as the signed small integer most type fields are: its low 16 bits.
    pub fn small(&self) -> i16 {
        low_i16(self.num())
    }
}

/// The low 16 bits of a value, read as a signed SQLSMALLINT (the width a C caller casting
/// an SQLSMALLINT to SQLPOINTER meant).
pub fn low_i16(n: usize) -> i16 {
    let [lo, hi, ..] = n.to_le_bytes();
    i16::from_le_bytes([lo, hi])
}

/// What reading an attribute answers; the FFI layer writes it in the C width given here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttrAnswer {
    /// An SQLUINTEGER (4 bytes, length 4); a null value pointer is HY009.
    U32(u32),
    /// An SQLULEN or pointer, written only when the value pointer is not null, without a
    /// length (SQL_ATTR_QUIET_MODE's window handle).
    Handle(usize),
    /// A string, its length counted in bytes; truncation is reported with 01004.
    Text(String),
}
