//! The engine: settings, the tokio runtime, PostgreSQL sessions and the plugin pipeline.
//! Nothing in here knows about ODBC types.
pub mod value;
