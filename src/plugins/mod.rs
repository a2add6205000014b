//! Aurora-aware plugins, one folder each, all of the same shape: `mod.rs` holds the plugin,
//! its settings are declared in [`crate::engine::settings`], background work lives in its
//! `monitor.rs`, and its tests sit beside it.

pub mod custom_endpoint;
pub mod failover;
pub mod host_monitoring;

use crate::engine::pipeline::PluginFactory;

/// The factory of each plugin code that is built into this driver.
pub fn factory(code: &str) -> Option<PluginFactory> {
    match code {
        custom_endpoint::CODE => Some(custom_endpoint::factory),
        failover::CODE => Some(failover::factory),
        host_monitoring::CODE => Some(host_monitoring::factory),
        _ => None,
    }
}

/// Stops every plugin's background work (monitors, pollers).
pub fn release_all() {
    custom_endpoint::release();
    host_monitoring::release_all();
}
