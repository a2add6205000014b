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

/// How long background resources outlive the last environment handle.
///
/// unixODBC frees the driver's environment whenever the process's last connection to the
/// driver closes, not when the application frees its own environment: an application that
/// connects per request (one connection at a time) frees the driver's environment at every
/// disconnect. Releasing at once would stop the runtime's threads, every monitor (with its
/// monitoring connection) and every poller at each disconnect, only to start them again at the
/// next connect. So the release waits this long for the driver to be used again.
pub const RELEASE_LINGER: std::time::Duration = std::time::Duration::from_secs(10);

/// When the last environment was last freed, while a lingering release waits (one task at
/// most, however often environments come and go); `None` when none waits.
static LINGER_FROM: parking_lot::Mutex<Option<std::time::Instant>> = parking_lot::Mutex::new(None);

/// Called when the last environment handle is freed: releases every background resource
/// ([`release_now`]) once [`RELEASE_LINGER`] has passed since the last such free with no
/// environment open then. With no runtime running there is nothing to linger for and the
/// release happens at once. A process exiting meanwhile does not wait for it: the runtime's
/// threads are never joined at exit.
pub fn release_background_resources() {
    if !engine::runtime::is_running() {
        release_now();
        return;
    }
    let waiting = LINGER_FROM
        .lock()
        .replace(std::time::Instant::now())
        .is_some();
    if waiting {
        return;
    }
    let spawned = engine::runtime::spawn(async {
        loop {
            let Some(from) = *LINGER_FROM.lock() else {
                return;
            };
            tokio::time::sleep_until((from + RELEASE_LINGER).into()).await;
            let mut linger = LINGER_FROM.lock();
            if linger.is_some_and(|f| f + RELEASE_LINGER > std::time::Instant::now()) {
                // Freed again meanwhile: wait from then.
                continue;
            }
            *linger = None;
            drop(linger);
            if ffi::handles::env_count() == 0 {
                // Stopping the runtime from one of its own tasks is allowed: it does not wait
                // for the task.
                release_now();
            }
            return;
        }
    });
    if spawned.is_err() {
        release_now();
    }
}

/// Stops every background resource of the driver at once (monitors, pollers, the runtime),
/// and any lingering release with them.
pub fn release_now() {
    *LINGER_FROM.lock() = None;
    // Monitors first, so that none is mid-way through a probe when the runtime goes.
    engine::plugin_registry::release_all();
    engine::runtime::shutdown();
}

/// The C extension API: releases every background resource of the driver at once, so that an
/// application never waits on monitors at exit. Safe to call more than once; the driver
/// starts what it needs again on next use.
#[no_mangle]
pub extern "C" fn auroraodbc_release() {
    let _ = std::panic::catch_unwind(release_now);
}

impl engine::plugin_registry::BuiltinPlugins for engine::plugin_registry::Driver {
    fn plugins() -> &'static [engine::plugin_registry::PluginSpec] {
        plugins::REGISTRY
    }
}
