//! ODBC semantics in safe Rust: handles, attributes, diagnostics, conversions, catalog.
//! No networking here: everything that talks to a server goes through [`crate::engine`].
pub mod convert;
pub mod params;
