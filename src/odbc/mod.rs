//! ODBC semantics in safe Rust: handles, attributes, diagnostics, conversions, catalog.
//! No networking here: everything that talks to a server goes through [`crate::engine`].

pub mod appmem;
pub mod attrs;
pub mod bind;
pub mod cancel;
pub mod catalog;
pub mod conn;
pub mod connect;
pub mod connstr;
pub mod convert;
pub mod dae;
pub mod desc;
pub mod describe;
pub mod diag;
pub mod diag_fields;
pub mod dsn;
pub mod env;
pub mod functions;
pub mod info;
pub mod lifecycle;
pub mod native_sql;
pub mod nul;
pub mod odbc2;
pub mod outbuf;
pub mod params;
pub mod procedure_call;
pub mod scroll;
pub mod sqltext;
pub mod stmt;
pub mod table_columns;
pub mod types;
pub mod updatable;
pub mod wide;
