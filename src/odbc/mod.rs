//! ODBC semantics in safe Rust: handles, attributes, diagnostics, conversions, catalog.
//! No networking here: everything that talks to a server goes through [`crate::engine`].

pub mod appmem;
pub mod cancel;
pub mod catalog;
pub mod conn;
pub mod connect;
pub mod connstr;
pub mod convert;
pub mod dae;
pub mod desc;
pub mod diag;
pub mod dsn;
pub mod env;
pub mod functions;
pub mod info;
pub mod params;
pub mod scroll;
pub mod sqltext;
pub mod stmt;
pub mod types;
pub mod wide;
