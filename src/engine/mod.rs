//! The engine: settings, the tokio runtime, PostgreSQL sessions and the plugin pipeline.
//! Nothing in here knows about ODBC types.

pub mod availability;
pub mod batched_insert;
pub mod credentials;
pub mod error;
#[cfg(test)]
pub(crate) mod fixtures;
pub mod hostname;
pub mod logging;
pub mod pipeline;
pub mod plugin_registry;
pub mod response_time;
pub mod runtime;
pub mod selection;
pub mod session;
pub mod settings;
pub mod shared_monitors;
pub mod tls;
pub mod topology;
pub mod value;
