//! auroraodbc: a PostgreSQL ODBC driver that knows about Amazon Aurora and RDS.
//!
//! Layers, data flowing one way:
//! - [`ffi`]: the exported `SQLxxx`/`SQLxxxW` entry points (thin guards);
//! - [`odbc`]: ODBC semantics (handles, attributes, diagnostics, conversions);
//! - [`engine`]: no ODBC types (settings, runtime, PostgreSQL sessions, pipeline);
//! - [`plugins`]: one folder per Aurora-aware plugin.
//!
//! The engine never imports the plugins; this root, the one module that knows both, hands the
//! plugin table to the engine through [`engine::plugin_registry::BuiltinPlugins`].

pub mod engine;
pub mod ffi;
pub mod odbc;
pub mod plugins;

/// Stops every background resource of the driver at once (monitors, pollers, the runtime).
/// Called when the last environment handle is freed and by [`auroraodbc_release`].
pub fn release_background_resources() {
    // Monitors first, so that none is mid-way through a probe when the runtime goes.
    engine::plugin_registry::release_all();
    engine::runtime::shutdown();
}

/// The C extension API: releases every background resource of the driver at once, so that an
/// application never waits on monitors at exit. Safe to call more than once; the driver
/// starts what it needs again on next use.
#[no_mangle]
pub extern "C" fn auroraodbc_release() {
    let _ = std::panic::catch_unwind(release_background_resources);
}

impl engine::plugin_registry::BuiltinPlugins for engine::plugin_registry::Driver {
    fn plugins() -> &'static [engine::plugin_registry::PluginSpec] {
        plugins::REGISTRY
    }
}
