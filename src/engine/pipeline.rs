//! The plugin pipeline: a chain of plugins wrapped around opening a physical connection and
//! around every network-bound call, like middleware. The chain is chosen per connection from
//! the `plugins` DSN key and always sorted by fixed weights; an empty chain costs one branch.

use super::error::{EngineError, EngineResult};
use super::plugin_registry;
use super::session::{ConnectOptions, Session};
use super::settings::{Key, Settings};
use std::sync::Arc;

/// The network-bound calls plugins can wrap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallKind {
    Execute,
    Prepare,
    Fetch,
    MoreResults,
    EndTransaction,
    Catalog,
    SetAttribute,
}

/// Why a physical connection is being opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectPurpose {
    /// The application's SQLConnect/SQLDriverConnect.
    Initial,
    /// A replacement after a failure (failover).
    Replacement,
}

/// A request to open one physical connection.
#[derive(Clone)]
pub struct ConnectRequest {
    pub options: ConnectOptions,
    pub settings: Arc<Settings>,
    pub purpose: ConnectPurpose,
}

/// Session characteristics to restore on a replacement connection.
#[derive(Debug, Clone, Default)]
pub struct SessionCharacteristics {
    pub autocommit: bool,
    /// "READ COMMITTED", "SERIALIZABLE", ... when the application chose one.
    pub isolation: Option<&'static str>,
    /// The access mode, when the application chose one (`Some(true)`: read-only).
    pub read_only: Option<bool>,
}

impl SessionCharacteristics {
    /// The `SET SESSION CHARACTERISTICS` command for what the application chose; `None` when
    /// it chose nothing, so that the server's defaults (a role's or database's
    /// `default_transaction_read_only`, ...) are left alone.
    pub fn set_command(&self) -> Option<String> {
        let mut parts = Vec::new();
        if let Some(level) = self.isolation {
            parts.push(format!("ISOLATION LEVEL {level}"));
        }
        if let Some(read_only) = self.read_only {
            parts.push(if read_only { "READ ONLY" } else { "READ WRITE" }.to_string());
        }
        if parts.is_empty() {
            return None;
        }
        Some(format!(
            "SET SESSION CHARACTERISTICS AS TRANSACTION {}",
            parts.join(", ")
        ))
    }
}

/// When a change of session characteristics takes effect, as the plugins decide
/// ([`EngineConnection::change_characteristics`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharacteristicsChange {
    /// The caller sends the `SET SESSION CHARACTERISTICS` command on the current session, as
    /// without plugins.
    CallerSends,
    /// A plugin has put the characteristics in force already (e.g. it moved the connection to a
    /// session that has them): nothing to send.
    InForce,
    /// A plugin takes the change up once the open transaction ends (read/write splitting moves
    /// to a reader only between transactions): nothing to send now.
    AfterTransaction,
}

/// An open physical connection with what the plugins know about it.
pub struct EngineConnection {
    pub session: Session,
    /// The options this session was opened with (host, port, pinned address...).
    pub options: ConnectOptions,
    pub settings: Arc<Settings>,
    pub pipeline: Arc<Pipeline>,
    /// The Aurora instance id the session is on, when known (set through
    /// [`EngineConnection::set_instance`], which also moves `instance_seat`).
    pub instance_id: Option<String>,
    /// This connection counted on its instance, for `least_connections` host selection.
    pub instance_seat: Option<super::selection::InstanceSeat>,
    pub characteristics: SessionCharacteristics,
    /// Increases whenever `session` is replaced, so that statements prepared on an earlier
    /// session are prepared again.
    pub generation: u64,
    /// Which instances new physical connections of this handle may use (set by the custom
    /// endpoint plugin; read by failover and other host selection).
    pub host_filter: super::selection::HostFilter,
}

impl EngineConnection {
    /// Opens a connection the way every connection handle does: the plugin chain its settings
    /// ask for, a physical connection through that chain, then every plugin's `connected`.
    /// This is the one place the chain is wired; the ODBC layer only asks for the connection.
    pub fn open(
        options: ConnectOptions,
        settings: Arc<Settings>,
        characteristics: SessionCharacteristics,
    ) -> EngineResult<EngineConnection> {
        let pipeline = Arc::new(Pipeline::for_settings(&settings)?);
        let request = ConnectRequest {
            options: options.clone(),
            settings: settings.clone(),
            purpose: ConnectPurpose::Initial,
        };
        let session = match pipeline.connect(&request) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(error = %e, sqlstate = e.sqlstate_str(), "connect failed");
                return Err(e);
            }
        };
        tracing::info!(host = %options.host, port = options.port, plugins = ?pipeline.codes_loaded(), server = %session.facts().version, "connected");
        let mut conn = EngineConnection {
            session,
            options,
            settings,
            pipeline: pipeline.clone(),
            instance_id: None,
            instance_seat: None,
            characteristics,
            generation: 0,
            host_filter: super::selection::HostFilter::allow_all(),
        };
        pipeline.connected(&mut conn)?;
        Ok(conn)
    }

    /// Records the instance the session is on (`host_key`: its `host:port`), and counts this
    /// connection there.
    pub fn set_instance(&mut self, id: String, host_key: &str) {
        self.instance_seat = Some(super::selection::InstanceSeat::take(host_key));
        self.instance_id = Some(id);
    }

    /// Records the session characteristics the application chose now and lets every plugin act
    /// on the change (read/write splitting may move the connection to another session, or
    /// refuse). On a refusal the previous characteristics stay.
    pub fn change_characteristics(
        &mut self,
        new: SessionCharacteristics,
    ) -> EngineResult<CharacteristicsChange> {
        let previous = std::mem::replace(&mut self.characteristics, new);
        let pipeline = self.pipeline.clone();
        let mut outcome = CharacteristicsChange::CallerSends;
        for p in &pipeline.plugins {
            match p.characteristics_changed(self, &previous) {
                Ok(CharacteristicsChange::CallerSends) => {}
                Ok(other) => outcome = other,
                Err(e) => {
                    self.characteristics = previous;
                    return Err(e);
                }
            }
        }
        Ok(outcome)
    }

    /// Runs a network-bound call through the plugin chain.
    pub fn call<R>(
        &mut self,
        kind: CallKind,
        f: impl FnMut(&mut EngineConnection) -> EngineResult<R>,
    ) -> EngineResult<R> {
        let pipeline = self.pipeline.clone();
        pipeline.call(self, kind, f)
    }
}

/// One plugin. Every hook has a pass-through default, so a plugin implements only what it
/// acts on.
pub trait Plugin: Send + Sync {
    /// The code users write in `plugins`.
    fn code(&self) -> &'static str;

    /// Around opening a physical connection.
    fn connect(
        &self,
        request: &ConnectRequest,
        next: &mut dyn FnMut(&ConnectRequest) -> EngineResult<Session>,
    ) -> EngineResult<Session> {
        next(request)
    }

    /// Once a connection is open (after every plugin's `connect`), with the whole connection.
    fn connected(&self, _conn: &mut EngineConnection) -> EngineResult<()> {
        Ok(())
    }

    /// The application changed the session characteristics (`conn.characteristics` holds the
    /// new ones, `previous` the old). Only a plugin that moves the connection between sessions
    /// answers anything but [`CharacteristicsChange::CallerSends`].
    fn characteristics_changed(
        &self,
        conn: &mut EngineConnection,
        previous: &SessionCharacteristics,
    ) -> EngineResult<CharacteristicsChange> {
        let _ = (conn, previous);
        Ok(CharacteristicsChange::CallerSends)
    }

    /// Around a network-bound call.
    fn around_call(
        &self,
        conn: &mut EngineConnection,
        kind: CallKind,
        next: &mut dyn FnMut(&mut EngineConnection) -> EngineResult<()>,
    ) -> EngineResult<()> {
        let _ = kind;
        next(conn)
    }
}

/// Builds a plugin from its settings; each plugin folder provides one.
pub type PluginFactory = fn(&Arc<Settings>) -> EngineResult<Option<Box<dyn Plugin>>>;

/// The chain of one connection.
pub struct Pipeline {
    plugins: Vec<Box<dyn Plugin>>,
}

impl Pipeline {
    pub fn empty() -> Pipeline {
        Pipeline {
            plugins: Vec::new(),
        }
    }

    pub fn new(plugins: Vec<Box<dyn Plugin>>) -> Pipeline {
        Pipeline { plugins }
    }

    /// The codes to load: the `plugins` key, or the default chain when absent, in weight order
    /// (see [`plugin_registry::chain_order`]).
    pub fn codes(settings: &Settings) -> EngineResult<Vec<&'static str>> {
        let order = plugin_registry::chain_order();
        let mut wanted: Vec<&str> = match settings.get_list(Key::Plugins) {
            Some(list) => list.iter().map(String::as_str).collect(),
            None if settings.is_set(Key::Plugins) => Vec::new(),
            None => order
                .iter()
                .filter(|p| p.default_chain)
                .map(|p| p.code)
                .collect(),
        };
        // The AWS ODBC wrapper selects its authentication plugin with RDS_AUTH_TYPE.
        if let Some(auth) = settings.get_enum(Key::RdsAuthType) {
            if let Some(p) = order.iter().find(|p| p.rds_auth_type == Some(auth)) {
                wanted.push(p.code);
            }
        }
        for code in &wanted {
            if !order.iter().any(|p| p.code.eq_ignore_ascii_case(code)) {
                return Err(EngineError::connect(format!(
                    "unknown plugin code '{code}' in key plugins: expected any of {}",
                    plugin_registry::codes().join(", ")
                )));
            }
        }
        Ok(order
            .iter()
            .map(|p| p.code)
            .filter(|c| wanted.iter().any(|w| w.eq_ignore_ascii_case(c)))
            .collect())
    }

    /// The chain of a connection, from the built-in plugins (a plugin may decline, e.g. when
    /// its feature is disabled).
    pub fn for_settings(settings: &Arc<Settings>) -> EngineResult<Pipeline> {
        Self::build(settings, |code| {
            plugin_registry::find(code).map(|p| p.factory)
        })
    }

    /// Builds the chain of a connection with `factory` giving each code's plugin (a plugin
    /// may decline, e.g. when its feature is disabled).
    pub fn build(
        settings: &Arc<Settings>,
        factory: impl Fn(&str) -> Option<PluginFactory>,
    ) -> EngineResult<Pipeline> {
        let mut plugins = Vec::new();
        for code in Self::codes(settings)? {
            if let Some(make) = factory(code) {
                if let Some(p) = make(settings)? {
                    plugins.push(p);
                }
            }
        }
        Ok(Pipeline { plugins })
    }

    pub fn is_empty(&self) -> bool {
        self.plugins.is_empty()
    }

    pub fn codes_loaded(&self) -> Vec<&'static str> {
        self.plugins.iter().map(|p| p.code()).collect()
    }

    /// Opens a physical connection through the chain.
    pub fn connect(&self, request: &ConnectRequest) -> EngineResult<Session> {
        self.connect_from(0, request)
    }

    fn connect_from(&self, index: usize, request: &ConnectRequest) -> EngineResult<Session> {
        match self.plugins.get(index) {
            None => Session::connect(&request.options),
            Some(p) => p.connect(request, &mut |r| self.connect_from(index + 1, r)),
        }
    }

    /// Lets every plugin see a newly opened connection.
    pub fn connected(&self, conn: &mut EngineConnection) -> EngineResult<()> {
        for p in &self.plugins {
            p.connected(conn)?;
        }
        Ok(())
    }

    /// Runs `f` through the chain.
    pub fn call<R>(
        &self,
        conn: &mut EngineConnection,
        kind: CallKind,
        mut f: impl FnMut(&mut EngineConnection) -> EngineResult<R>,
    ) -> EngineResult<R> {
        if self.plugins.is_empty() {
            return f(conn);
        }
        let mut out = None;
        self.call_from(0, conn, kind, &mut |c| {
            out = Some(f(c)?);
            Ok(())
        })?;
        out.ok_or_else(|| EngineError::internal("a plugin completed a call without running it"))
    }

    fn call_from(
        &self,
        index: usize,
        conn: &mut EngineConnection,
        kind: CallKind,
        f: &mut dyn FnMut(&mut EngineConnection) -> EngineResult<()>,
    ) -> EngineResult<()> {
        match self.plugins.get(index) {
            None => f(conn),
            Some(p) => p.around_call(conn, kind, &mut |c| self.call_from(index + 1, c, kind, f)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::fixtures::settings;

    #[test]
    fn characteristics_send_only_what_was_chosen() {
        let mut ch = SessionCharacteristics::default();
        assert_eq!(ch.set_command(), None, "nothing chosen, nothing sent");
        ch.read_only = Some(false);
        assert_eq!(
            ch.set_command().as_deref(),
            Some("SET SESSION CHARACTERISTICS AS TRANSACTION READ WRITE")
        );
        ch.read_only = None;
        ch.isolation = Some("SERIALIZABLE");
        assert_eq!(
            ch.set_command().as_deref(),
            Some("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE")
        );
        ch.read_only = Some(true);
        assert_eq!(
            ch.set_command().as_deref(),
            Some("SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL SERIALIZABLE, READ ONLY")
        );
    }

    #[test]
    fn absent_key_gives_the_default_chain() {
        assert_eq!(
            Pipeline::codes(&settings(&[])).expect("codes"),
            vec![
                "failover",
                "initial_connection",
                "aurora_connection_tracker",
                "host_monitoring"
            ]
        );
    }

    #[test]
    fn empty_key_gives_no_plugins() {
        assert!(Pipeline::codes(&settings(&[("plugins", "")]))
            .expect("codes")
            .is_empty());
    }

    #[test]
    fn order_is_by_weight_not_by_writing() {
        let codes = Pipeline::codes(&settings(&[(
            "plugins",
            "host_monitoring,custom_endpoint,failover",
        )]))
        .expect("codes");
        assert_eq!(
            codes,
            vec!["custom_endpoint", "failover", "host_monitoring"]
        );
    }

    /// The `plugins` key's text names the chain order and the default chain; both come from
    /// the plugin registry, so the text must follow it.
    #[test]
    fn plugins_key_doc_follows_the_registry() {
        let order = plugin_registry::codes().join(", ");
        let default: Vec<&str> = plugin_registry::chain_order()
            .iter()
            .filter(|p| p.default_chain)
            .map(|p| p.code)
            .collect();
        let doc = Key::Plugins.decl().doc;
        assert!(doc.contains(&format!("outermost first: {order})")), "{doc}");
        assert!(
            doc.contains(&format!("Absent: {}.", default.join(" and "))),
            "{doc}"
        );
    }

    #[test]
    fn registry_codes_and_weights_are_unique() {
        let all = plugin_registry::builtin();
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert!(!a.code.eq_ignore_ascii_case(b.code), "{}", a.code);
                assert_ne!(a.weight, b.weight, "{} and {}", a.code, b.code);
            }
        }
    }
}
