//! Aurora-aware plugins, one folder each, all of the same shape:
//! - `mod.rs`: the plugin, and its [`PluginSpec`] as `SPEC` (code, chain weight, whether it is
//!   in the default chain, factory, keys, release);
//! - `settings.rs`: its DSN keys, declared next to the code that reads them (they join the
//!   engine's one settings table);
//! - `monitor.rs`: its background work, if any, shared through
//!   [`crate::engine::shared_monitors`];
//! - `tests.rs`: its unit tests.
//!
//! Adding a plugin is its folder plus its name in the [`plugins!`] list below. The crate root
//! hands [`REGISTRY`] to the engine (see [`crate::engine::plugin_registry`]).

use crate::engine::pipeline::PluginFactory;
use crate::engine::plugin_registry::PluginSpec;

/// Declares the plugin modules and the registry of their specs in one list.
macro_rules! plugins {
    ($($name:ident),* $(,)?) => {
        $(pub mod $name;)*

        /// Every plugin built into this driver.
        pub static REGISTRY: &[PluginSpec] = &[$($name::SPEC,)*];
    };
}

plugins! {
    custom_endpoint,
    read_write_splitting,
    failover,
    host_monitoring,
    iam,
    aws_secrets_manager,
    initial_connection,
    aurora_connection_tracker,
}

pub mod aws_sdk;

/// The factory of a built-in plugin code.
pub fn factory(code: &str) -> Option<PluginFactory> {
    crate::engine::plugin_registry::find(code).map(|p| p.factory)
}

/// Stops every plugin's background work (monitors, pollers).
pub fn release_all() {
    crate::engine::plugin_registry::release_all();
}
