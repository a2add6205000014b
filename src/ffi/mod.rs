//! The exported ODBC entry points. Each is a few lines: catch panics, check the handle and
//! pointers, decode strings, and call the ODBC layer.

pub mod catalog_api;
pub mod desc_api;
pub mod diag_api;
pub mod env_conn;
pub mod guard;
pub mod handles;
pub mod stmt_api;
pub mod stmt_attr;
pub mod stmt_extra;
pub mod text;
