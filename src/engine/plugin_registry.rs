//! The plugins built into the driver, as the engine sees them: one [`PluginSpec`] each (code,
//! chain weight, default chain or not, factory, DSN keys, release).
//!
//! The engine never names a plugin module: `crate::plugins` imports the engine, so the engine
//! importing it back would make a cycle. Instead the engine declares what it needs here, the
//! [`BuiltinPlugins`] trait and the [`Driver`] type, and the crate root (`src/lib.rs`), the one
//! module that knows both layers, implements the trait with the table of `src/plugins`. The
//! compiler checks the hand-off (without the impl the crate does not build), and nothing has to
//! run first: the ODBC layer, settings resolution and tests that drive the engine directly all
//! see the same table from their first call.

use super::credentials::{CredentialFactory, CredentialSource};
use super::error::EngineResult;
use super::pipeline::{Pipeline, PluginFactory};
use super::settings::{KeySection, Settings};
use std::sync::Arc;
use std::sync::LazyLock;

/// What the engine knows about one plugin. Each plugin folder declares its own as `SPEC`.
#[derive(Debug)]
pub struct PluginSpec {
    /// The code users write in the `plugins` key.
    pub code: &'static str,
    /// Chain position: lower weights run outermost (first to see a connect or a call),
    /// whatever order the user wrote the codes in.
    pub weight: u16,
    /// Whether the plugin loads when the `plugins` key is absent.
    pub default_chain: bool,
    /// Builds the plugin of one connection (it may decline, e.g. when its feature is off).
    pub factory: PluginFactory,
    /// The plugin's DSN keys; they join the one settings table (see
    /// [`crate::engine::settings`]) and have their own section in `docs/dsn-keys.md`.
    pub keys: Option<&'static KeySection>,
    /// Stops background work the plugin holds besides its shared monitors (those are stopped
    /// through [`crate::engine::shared_monitors::stop_all`]).
    pub release: Option<fn()>,
    /// Supplies the credentials of every physical connection the settings describe (IAM
    /// tokens, secrets); see [`crate::engine::credentials`].
    pub credentials: Option<CredentialFactory>,
    /// The `rds_auth_type` word (the AWS ODBC wrapper's key) that loads this plugin as if
    /// `plugins` named it.
    pub rds_auth_type: Option<&'static str>,
}

/// The provider of the built-in plugin table; implemented for [`Driver`] by the crate root.
pub trait BuiltinPlugins {
    /// Every plugin built into this driver, each code once.
    fn plugins() -> &'static [PluginSpec];
}

/// The driver as a whole: the type the crate root hands the plugin table through.
pub struct Driver;

/// Every plugin built into this driver, in the order the crate root lists them.
pub fn builtin() -> &'static [PluginSpec] {
    <Driver as BuiltinPlugins>::plugins()
}

/// The built-in plugins by weight: the order of every chain.
pub fn chain_order() -> &'static [&'static PluginSpec] {
    static ORDER: LazyLock<Vec<&'static PluginSpec>> = LazyLock::new(|| {
        let mut order: Vec<&'static PluginSpec> = builtin().iter().collect();
        order.sort_by_key(|p| p.weight);
        order
    });
    &ORDER
}

/// The codes of the built-in plugins in chain order (the words the `plugins` key accepts).
pub fn codes() -> &'static [&'static str] {
    static CODES: LazyLock<Vec<&'static str>> =
        LazyLock::new(|| chain_order().iter().map(|p| p.code).collect());
    &CODES
}

/// The plugin with `code` (ASCII case-insensitive).
pub fn find(code: &str) -> Option<&'static PluginSpec> {
    builtin().iter().find(|p| p.code.eq_ignore_ascii_case(code))
}

/// Stops every plugin's background work: every shared monitor, then each plugin's own release.
pub fn release_all() {
    super::shared_monitors::stop_all();
    for spec in builtin() {
        if let Some(release) = spec.release {
            release();
        }
    }
}

/// The credential source of the settings' plugin chain: the first loaded plugin (in chain
/// order) that supplies one. `None`: the password comes from the settings.
pub fn credential_source(settings: &Settings) -> EngineResult<Option<Arc<dyn CredentialSource>>> {
    for code in Pipeline::codes(settings)? {
        let Some(make) = find(code).and_then(|p| p.credentials) else {
            continue;
        };
        if let Some(source) = make(settings)? {
            return Ok(Some(source));
        }
    }
    Ok(None)
}
