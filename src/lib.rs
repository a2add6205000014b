//! auroraodbc: a PostgreSQL ODBC driver that knows about Amazon Aurora and RDS.
//!
//! Layers, data flowing one way:
//! - [`ffi`]: the exported `SQLxxx`/`SQLxxxW` entry points (thin guards);
//! - [`odbc`]: ODBC semantics (handles, attributes, diagnostics, conversions);
//! - [`engine`]: no ODBC types (settings, runtime, PostgreSQL sessions, pipeline);
//! - [`plugins`]: one folder per Aurora-aware plugin.

pub mod engine;
pub mod ffi;
pub mod odbc;
pub mod plugins;
