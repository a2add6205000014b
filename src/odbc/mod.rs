//! ODBC semantics in safe Rust: handles, attributes, diagnostics, conversions, catalog.
//! No networking here: everything that talks to a server goes through [`crate::engine`].

pub mod diag;
pub mod dsn;
pub mod sqltext;
pub mod types;
pub mod appmem;
pub mod conn;
pub mod desc;
pub mod env;
pub mod stmt;
