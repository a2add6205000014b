//! DSN keys: declared once, resolved once per connect.
//!
//! Every key the driver understands is declared once, as a [`KeyDecl`] in a [`KeySection`]:
//! the engine's own keys in this file (with the [`Key`] enum, so code refers to keys by
//! variant, not by string), each plugin's keys in its folder's `settings.rs` (with the
//! plugin's own `Key` enum, see [`plugin_keys!`]). The sections meet in one table (see
//! [`all_keys`]): parsing, validation, the `monitoring-` prefix, redaction and the docs' key
//! reference (`docs/dsn-keys.md`) all read it, so they cannot drift apart.
//!
//! The file is long because it holds the engine's key table and its tests; the machinery
//! around the table is short.
//!
//! Precedence: connection string, then the DSN's odbc.ini section, then the declared default.
//! Key names are case-insensitive; aliases (psqlODBC names, the AWS ODBC wrapper's upper-case
//! names) are equivalent to the primary name.

use super::plugin_registry;
use std::fmt;
use std::net::IpAddr;
use std::sync::LazyLock;
use std::time::Duration;

/// Prefix that applies a key only to the monitoring connections plugins open.
pub const MONITORING_PREFIX: &str = "monitoring-";

/// Units for [`KeyKind::Duration`] values, as written in the DSN.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeUnit {
    Millis,
    Secs,
}

impl TimeUnit {
    fn to_duration(self, n: u64) -> Duration {
        match self {
            TimeUnit::Millis => Duration::from_millis(n),
            TimeUnit::Secs => Duration::from_secs(n),
        }
    }

    fn word(self) -> &'static str {
        match self {
            TimeUnit::Millis => "milliseconds",
            TimeUnit::Secs => "seconds",
        }
    }
}

/// The type of a key's value, with its accepted range or words.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    /// 1/0, true/false, yes/no, on/off (any case).
    Bool,
    /// A non-negative decimal integer within `min..=max`.
    Int { min: u64, max: u64 },
    /// A non-negative decimal integer of `unit`s within `min..=max`.
    Duration { unit: TimeUnit, min: u64, max: u64 },
    /// Free text (also paths).
    Str,
    /// One of `words` (any case; `-` and `_` are interchangeable).
    Enum { words: &'static [&'static str] },
    /// Comma-separated items; when `words` is non-empty each item must be one of them.
    List { words: &'static [&'static str] },
    /// Comma-separated codes of the plugins built into the driver (the `plugins` key).
    PluginCodes,
    /// A host pattern: text with `?` standing for an instance id, optional `:port`.
    HostPattern,
    /// Comma-separated `name=ip[:port]` pins (see [`HostPin`]).
    HostMap,
    /// Accepted for compatibility and otherwise ignored.
    Ignored,
}

/// The keys of one section of the key reference: the engine's own groups below, and one
/// section per plugin, declared in the plugin's `settings.rs` with [`plugin_keys!`].
#[derive(Debug)]
pub struct KeySection {
    pub title: &'static str,
    pub intro: &'static str,
    pub keys: &'static [KeyDecl],
}

/// One DSN key, declared in a [`KeySection`].
#[derive(Debug)]
pub struct KeyDecl {
    /// Primary name (snake_case), used in logs, docs and the completed connection string.
    pub name: &'static str,
    /// Other accepted spellings (psqlODBC, AWS ODBC wrapper). Matching ignores case anyway.
    pub aliases: &'static [&'static str],
    pub kind: KeyKind,
    /// Default as DSN text; `None` means "absent" (the consumer decides, e.g. auto-detect).
    pub default: Option<&'static str>,
    /// Never printed in logs or error messages.
    pub secret: bool,
    pub doc: &'static str,
}

impl KeyDecl {
    /// Builder used by the tables: keeps each entry to the fields that differ.
    pub const fn new(name: &'static str, kind: KeyKind, doc: &'static str) -> KeyDecl {
        KeyDecl {
            name,
            aliases: &[],
            kind,
            default: None,
            secret: false,
            doc,
        }
    }
    pub const fn aliases(mut self, aliases: &'static [&'static str]) -> KeyDecl {
        self.aliases = aliases;
        self
    }
    pub const fn default(mut self, default: &'static str) -> KeyDecl {
        self.default = Some(default);
        self
    }
    pub const fn secret(mut self) -> KeyDecl {
        self.secret = true;
        self
    }

    /// True when `name` is this key's name or one of its aliases (ASCII case-insensitive).
    pub fn matches(&self, name: &str) -> bool {
        self.name.eq_ignore_ascii_case(name)
            || self.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
    }

    /// Human description of the accepted values, used by errors and docs.
    pub fn expected(&self) -> String {
        match self.kind {
            KeyKind::Bool => "a boolean (1/0, true/false, yes/no, on/off)".to_string(),
            KeyKind::Int { min, max } => format!("an integer between {min} and {max}"),
            KeyKind::Duration { unit, min, max } => {
                format!(
                    "an integer number of {} between {min} and {max}",
                    unit.word()
                )
            }
            KeyKind::Str | KeyKind::Ignored => "text".to_string(),
            KeyKind::Enum { words } => format!("one of {}", words.join(", ")),
            KeyKind::List { words: [] } => "a comma-separated list".to_string(),
            KeyKind::List { words } => {
                format!("a comma-separated list of {}", words.join(", "))
            }
            KeyKind::PluginCodes => format!(
                "a comma-separated list of {}",
                plugin_registry::codes().join(", ")
            ),
            KeyKind::HostPattern => {
                "a host name containing '?' for the instance id, optionally followed by :port"
                    .to_string()
            }
            KeyKind::HostMap => "a comma-separated list of name=ip or name=ip:port".to_string(),
        }
    }
}

/// Declares the engine's [`Key`] enum and its sections in one go, in the same order, so that
/// a key's variant is its place in the settings table.
macro_rules! engine_keys {
    ($($section:ident ($title:literal, $intro:literal) { $($variant:ident => $decl:expr,)* })*) => {
        /// The engine's own keys, by variant (each plugin has its own `Key` enum).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Key { $($($variant,)*)* }

        $(static $section: KeySection = KeySection {
            title: $title,
            intro: $intro,
            keys: &[$($decl,)*],
        };)*

        /// The engine's sections, in [`Key`] order.
        static ENGINE_SECTIONS: &[&KeySection] = &[$(&$section,)*];

        impl Key {
            /// All engine keys in declaration order.
            pub const ALL: &'static [Key] = &[$($(Key::$variant,)*)*];
        }
    };
}

/// Declares a plugin's keys in its `settings.rs`: a `Key` enum for the getters and the plugin's
/// `SECTION` of the settings table (which its `SPEC` hands to the engine).
macro_rules! plugin_keys {
    (title: $title:literal, intro: $intro:literal, keys: { $($variant:ident => $decl:expr,)* }) => {
        /// The plugin's keys, by variant.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Key { $($variant,)* }

        /// The plugin's section of the settings table and of `docs/dsn-keys.md`.
        pub static SECTION: $crate::engine::settings::KeySection =
            $crate::engine::settings::KeySection {
                title: $title,
                intro: $intro,
                keys: &[$($decl,)*],
            };

        impl $crate::engine::settings::KeyRef for Key {
            fn slot(&self) -> Option<usize> {
                $crate::engine::settings::section_slot(&SECTION, *self as usize)
            }
        }
    };
}
pub(crate) use plugin_keys;

use KeyKind as K;

/// A duration in milliseconds within `min..=max`.
pub const fn ms(min: u64, max: u64) -> KeyKind {
    K::Duration {
        unit: TimeUnit::Millis,
        min,
        max,
    }
}
/// A duration in seconds within `min..=max`.
pub const fn secs(min: u64, max: u64) -> KeyKind {
    K::Duration {
        unit: TimeUnit::Secs,
        min,
        max,
    }
}
/// An integer within `min..=max`.
pub const fn int(min: u64, max: u64) -> KeyKind {
    K::Int { min, max }
}
const fn ignored(name: &'static str, doc: &'static str) -> KeyDecl {
    KeyDecl::new(name, K::Ignored, doc)
}

/// A day: upper bound for time settings, large enough for any sane use and small enough that
/// adding it to an `Instant` cannot overflow.
pub const DAY_MS: u64 = 86_400_000;

engine_keys! {
    CONNECTION ("Connection", "Where to connect and as whom. psqlODBC's names work as aliases.") {
        Dsn => KeyDecl::new("dsn", K::Str,
            "Data source name; read by the driver manager, kept so the completed connection string repeats it."),
        Driver => KeyDecl::new("driver", K::Str,
            "Driver name or path; read by the driver manager, kept so the completed connection string repeats it."),
        Server => KeyDecl::new("server", K::Str,
            "Host name or IP address of the server, Aurora cluster endpoint or instance.")
            .aliases(&["Servername", "Host"]),
        Port => KeyDecl::new("port", int(1, 65535), "TCP port of the server.")
            .default("5432"),
        Database => KeyDecl::new("database", K::Str,
            "Database to connect to; the server defaults it to the user name.")
            .aliases(&["dbname"]),
        Uid => KeyDecl::new("uid", K::Str, "User name.")
            .aliases(&["Username", "User"]),
        Pwd => KeyDecl::new("pwd", K::Str, "Password. Never logged.")
            .aliases(&["Password"]).secret(),
        ConnectTimeout => KeyDecl::new("connect_timeout", secs(0, 3600),
            "Limit for opening one physical connection (TCP, TLS and authentication); 0 means no limit.")
            .default("30"),
        ApplicationName => KeyDecl::new("application_name", K::Str,
            "Reported to the server as application_name (visible in pg_stat_activity).")
            .default("auroraodbc"),
        ReadOnly => KeyDecl::new("read_only", K::Bool,
            "Start connections in read-only access mode (SQL_MODE_READ_ONLY).")
            .aliases(&["ReadOnly"]).default("false"),
        HostAddressMap => KeyDecl::new("host_address_map", K::HostMap,
            "Pins host names to addresses, like libpq's hostaddr: `name=ip[:port],...`. The driver connects to the address but keeps the name for TLS verification and Aurora host-name logic."),
        ConnSettings => KeyDecl::new("conn_settings", K::Str,
            "SQL run on every new physical connection right after connecting (psqlODBC's ConnSettings).")
            .aliases(&["ConnSettings"]),
        Pqopt => KeyDecl::new("pqopt", K::Str,
            "libpq-style options `key=value ...` for the session; options the driver does not apply are logged. Treated as secret because it may carry a password.")
            .secret(),
    }

    TLS ("TLS", "TLS is provided by rustls; `sslmode` keeps libpq's meanings.") {
        SslMode => KeyDecl::new("sslmode", K::Enum { words: &["disable", "allow", "prefer", "require", "verify-ca", "verify-full"] },
            "TLS policy with libpq's meanings: prefer tries TLS first and falls back to plain; verify-full checks the certificate chain and the host name.")
            .aliases(&["ssl_mode"]).default("prefer"),
        SslRootCert => KeyDecl::new("sslrootcert", K::Str,
            "Path of a PEM file with the certificate authorities to trust for verify-ca and verify-full (for RDS: the RDS CA bundle). Absent: the system's roots."),
    }

    TYPES ("Data types, fetching and parameter arrays", "How PostgreSQL types are described to applications and how rows are pulled.") {
        MaxVarcharSize => KeyDecl::new("max_varchar_size", int(1, 10_485_760),
            "Column size reported for varchar columns declared without a length.")
            .aliases(&["MaxVarcharSize"]).default("255"),
        MaxLongVarcharSize => KeyDecl::new("max_long_varchar_size", int(1, 1_073_741_823),
            "Column size reported for text and other unbounded long character columns.")
            .aliases(&["MaxLongVarcharSize"]).default("8190"),
        TextAsLongVarchar => KeyDecl::new("text_as_long_varchar", K::Bool,
            "Describe text columns as SQL_LONGVARCHAR rather than SQL_VARCHAR.")
            .aliases(&["TextAsLongVarchar"]).default("true"),
        BoolsAsChar => KeyDecl::new("bools_as_char", K::Bool,
            "Describe boolean columns as SQL_CHAR ('1'/'0'). Off by default, unlike psqlODBC: booleans are reported as SQL_BIT, which applications map to a boolean.")
            .aliases(&["BoolsAsChar"]).default("false"),
        FetchBatchRows => KeyDecl::new("fetch_batch_rows", int(1, 1_000_000),
            "Rows the driver pulls from the server's stream per batch; bounds memory per open result.")
            .default("1024"),
        RewriteBatchedInserts => KeyDecl::new("rewrite_batched_inserts", K::Bool,
            "Run a parameter array of a plain one-row `INSERT ... VALUES (...)` as multi-row INSERT statements (up to 1000 rows each) in one transaction: several times faster for bulk loads. Only in autocommit mode outside a transaction; a failing array is run again set by set so each set gets its own status. Statement-level triggers then fire once per multi-row statement instead of once per set, which is why it is off by default.")
            .aliases(&["RewriteBatchedInserts"]).default("false"),
    }

    LOGGING ("Logging", "The driver's own log (`tracing`), independent of the driver manager's trace.") {
        LogLevel => KeyDecl::new("log_level", K::Enum { words: &["off", "error", "warn", "info", "debug", "trace"] },
            "Verbosity of the driver's log.")
            .default("off"),
        LogFile => KeyDecl::new("log_file", K::Str,
            "Path of the log file. Absent: standard error."),
    }

    PLUGINS ("Plugins and cluster topology", "Which Aurora-aware plugins run and how the cluster's instances are found.") {
        Plugins => KeyDecl::new("plugins", K::PluginCodes,
            "Plugin codes to load, in any order (they always run outermost first: custom_endpoint, failover, host_monitoring). Absent: failover and host_monitoring. Empty: no plugins."),
        DatabaseDialect => KeyDecl::new("database_dialect", K::Enum { words: &["aurora-postgresql", "postgresql"] },
            "Overrides dialect detection. Absent: Aurora PostgreSQL if the server has aurora_replica_status(), else plain PostgreSQL (cluster-aware plugins stay inert)."),
        ClusterInstanceHostPattern => KeyDecl::new("cluster_instance_host_pattern", K::HostPattern,
            "How to reach an instance by id, `?` standing for the id, e.g. `?.abc123.us-east-1.rds.amazonaws.com` or `?.db.example.com:5432`. Absent: taken from the Server name; required when Server is an IP address or a custom DNS name.")
            .aliases(&["HOST_PATTERN"]),
        TopologyRefreshRateMs => KeyDecl::new("topology_refresh_rate_ms", ms(100, DAY_MS),
            "How long a cluster's topology is cached before it is read again.")
            .default("30000"),
    }

    IGNORED ("psqlODBC keys accepted and ignored", "These keys only make sense inside psqlODBC. They are accepted so a psqlODBC DSN connects unchanged, have no effect, and are listed in the log when given.") {
        UseDeclareFetch => ignored("use_declare_fetch",
            "Results always stream in batches of fetch_batch_rows; no cursor is declared.")
            .aliases(&["UseDeclareFetch"]),
        Fetch => ignored("fetch", "Cache size for UseDeclareFetch; see fetch_batch_rows."),
        Protocol => ignored("protocol", "Only protocol 3 exists in supported servers."),
        ShowSystemTables => ignored("show_system_tables",
            "Catalog functions follow the ODBC patterns the application passes.")
            .aliases(&["ShowSystemTables"]),
        UseServerSidePrepare => ignored("use_server_side_prepare",
            "Statements are always prepared with the extended protocol.")
            .aliases(&["UseServerSidePrepare"]),
        Debug => ignored("debug", "Use log_level and log_file."),
        CommLog => ignored("comm_log", "Use log_level and log_file.").aliases(&["CommLog"]),
        Description => ignored("description", "Free text shown by DSN editors."),
        ShowOidColumn => ignored("show_oid_column", "Tables without OIDs are the only kind left.")
            .aliases(&["ShowOidColumn"]),
        FakeOidIndex => ignored("fake_oid_index", "Tables without OIDs are the only kind left.")
            .aliases(&["FakeOidIndex"]),
        RowVersioning => ignored("row_versioning", "Updatable cursors are not offered.")
            .aliases(&["RowVersioning"]),
        UpdatableCursors => ignored("updatable_cursors", "Updatable cursors are not offered.")
            .aliases(&["UpdatableCursors"]),
        UnknownSizes => ignored("unknown_sizes",
            "Sizes of unbounded columns come from max_varchar_size and max_long_varchar_size.")
            .aliases(&["UnknownSizes"]),
        UnknownsAsLongVarchar => ignored("unknowns_as_long_varchar",
            "Types without an ODBC equivalent are described as SQL_VARCHAR text.")
            .aliases(&["UnknownsAsLongVarchar"]),
        Parse => ignored("parse", "Result columns are described by the server."),
        ExtraSysTablePrefixes => ignored("extra_sys_table_prefixes",
            "Catalog functions follow the ODBC patterns the application passes.")
            .aliases(&["ExtraSysTablePrefixes"]),
        LfConversion => ignored("lf_conversion", "Text is returned as the server stores it.")
            .aliases(&["LFConversion"]),
        TrueIsMinus1 => ignored("true_is_minus1", "Booleans are SQL_BIT 1/0.")
            .aliases(&["TrueIsMinus1"]),
        Bi => ignored("bi", "int8 is always SQL_BIGINT."),
        ByteaAsLongVarBinary => ignored("bytea_as_long_var_binary", "bytea is described as SQL_VARBINARY.")
            .aliases(&["ByteaAsLongVarBinary"]),
        LowerCaseIdentifier => ignored("lower_case_identifier", "Identifiers are returned as the server stores them.")
            .aliases(&["LowerCaseIdentifier"]),
        DisallowPremature => ignored("disallow_premature", "Metadata before execution comes from the server's Describe.")
            .aliases(&["DisallowPremature"]),
        Optimizer => ignored("optimizer", "Removed from PostgreSQL long ago."),
        Ksqo => ignored("ksqo", "Removed from PostgreSQL long ago."),
        BatchSize => ignored("batch_size", "Parameter arrays are sent in one pipeline.")
            .aliases(&["BatchSize"]),
        IgnoreTimeout => ignored("ignore_timeout", "Query timeouts are honoured through server-side cancel.")
            .aliases(&["IgnoreTimeout"]),
        KeepaliveTime => ignored("keepalive_time", "Dead hosts are found by host monitoring (failure_detection_*).")
            .aliases(&["KeepaliveTime"]),
        KeepaliveInterval => ignored("keepalive_interval", "Dead hosts are found by host monitoring (failure_detection_*).")
            .aliases(&["KeepaliveInterval"]),
        XaOpt => ignored("xa_opt", "Distributed transactions (MSDTC) are not supported.")
            .aliases(&["XaOpt"]),
        FileDsn => ignored("filedsn", "Read by the driver manager."),
        SaveFile => ignored("savefile", "Read by the driver manager."),
    }
}

/// The one settings table: the engine's keys in [`Key`] order, then each built-in plugin's
/// section in the order the plugins are listed. A key's place here is its slot in every
/// [`Settings`].
struct KeyTable {
    keys: Vec<&'static KeyDecl>,
    /// Each plugin section with the slot of its first key.
    plugin_sections: Vec<(&'static KeySection, usize)>,
}

fn table() -> &'static KeyTable {
    static TABLE: LazyLock<KeyTable> = LazyLock::new(|| {
        let mut keys: Vec<&'static KeyDecl> = ENGINE_SECTIONS
            .iter()
            .flat_map(|section| section.keys.iter())
            .collect();
        let mut plugin_sections = Vec::new();
        for section in plugin_registry::builtin().iter().filter_map(|p| p.keys) {
            plugin_sections.push((section, keys.len()));
            keys.extend(section.keys.iter());
        }
        KeyTable {
            keys,
            plugin_sections,
        }
    });
    &TABLE
}

/// Every declared key, the engine's and the plugins', in slot order.
pub fn all_keys() -> &'static [&'static KeyDecl] {
    &table().keys
}

/// The slot of key number `index` of a plugin's `section` (see [`plugin_keys!`]); `None` when
/// the section belongs to no built-in plugin.
pub fn section_slot(section: &'static KeySection, index: usize) -> Option<usize> {
    table()
        .plugin_sections
        .iter()
        .find(|(s, _)| std::ptr::eq(*s, section))
        .filter(|_| index < section.keys.len())
        .map(|(_, first)| first + index)
}

/// The sections in the order of the key reference: the engine's, each plugin's, and the
/// ignored psqlODBC keys last.
fn reference_sections() -> Vec<&'static KeySection> {
    let engine = ENGINE_SECTIONS
        .iter()
        .copied()
        .filter(|s| !std::ptr::eq(*s, &IGNORED));
    let plugins = table().plugin_sections.iter().map(|(s, _)| *s);
    engine
        .chain(plugins)
        .chain(std::iter::once(&IGNORED))
        .collect()
}

/// The slot of the key named `name` (or an alias), ignoring ASCII case and surrounding blanks.
fn find_slot(name: &str) -> Option<usize> {
    let name = name.trim();
    all_keys().iter().position(|d| d.matches(name))
}

impl Key {
    /// The key's declaration.
    pub fn decl(self) -> &'static KeyDecl {
        // `engine_keys!` lists the enum and the engine's sections in the same order, and the
        // table starts with those sections, so the index always exists.
        table().keys[self as usize]
    }

    /// Primary name.
    pub fn name(self) -> &'static str {
        self.decl().name
    }
}

/// Finds a key by name or alias, ignoring ASCII case. A `monitoring-` prefix is not stripped
/// here: see [`Settings::resolve`].
pub fn find_key(name: &str) -> Option<&'static KeyDecl> {
    find_slot(name).map(|i| all_keys()[i])
}

/// Strips the `monitoring-` prefix (any case).
fn strip_monitoring(name: &str) -> Option<&str> {
    let n = MONITORING_PREFIX.len();
    match (name.get(..n), name.get(n..)) {
        (Some(p), Some(rest)) if p.eq_ignore_ascii_case(MONITORING_PREFIX) => Some(rest),
        _ => None,
    }
}

/// Whether the value of `name` must be hidden from logs and messages. Declared keys use their
/// `secret` flag (also behind `monitoring-`); unknown keys are judged by name, erring on the
/// side of hiding, since extras may be libpq options such as `password`.
pub fn is_secret_key(name: &str) -> bool {
    let name = name.trim();
    let base = strip_monitoring(name).unwrap_or(name);
    if let Some(d) = find_key(base) {
        return d.secret;
    }
    let lower = base.to_ascii_lowercase();
    [
        "pwd",
        "passw",
        "secret",
        "token",
        "credential",
        "private",
        "sslkey",
    ]
    .iter()
    .any(|s| lower.contains(s))
}

/// A host pinned to an address by `host_address_map`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostPin {
    /// Lower-case host name as written by the user.
    pub host: String,
    pub addr: IpAddr,
    pub port: Option<u16>,
}

/// Where a resolved value came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    ConnectionString,
    Dsn,
    Default,
}

#[derive(Clone, Debug, PartialEq)]
enum Value {
    Bool(bool),
    Int(u64),
    Duration(Duration),
    Str(String),
    Enum(&'static str),
    List(Vec<String>),
    HostMap(Vec<HostPin>),
}

#[derive(Clone, Debug, PartialEq)]
struct Slot {
    value: Value,
    /// Canonical text of the value (for logs and the completed connection string).
    text: String,
    origin: Origin,
}

/// A value the driver cannot use; fails the connect with SQLSTATE 08001.
#[derive(Clone, PartialEq, Eq)]
pub struct SettingsError {
    /// The key as the user spelled it (with any `monitoring-` prefix).
    pub key: String,
    /// The rejected value. Not shown by `Display`/`Debug` when the key is secret.
    pub value: String,
    /// What would have been accepted.
    pub expected: String,
    /// Primary name of the key, shown when the user wrote an alias.
    pub primary: &'static str,
    pub origin: Origin,
    secret: bool,
}

impl SettingsError {
    /// Bad settings make the connection attempt fail: "client unable to establish connection".
    pub fn sqlstate(&self) -> &'static str {
        "08001"
    }
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.secret {
            write!(f, "invalid value for key {}", self.key)?;
        } else {
            write!(f, "invalid value '{}' for key {}", self.value, self.key)?;
        }
        let base = strip_monitoring(&self.key).unwrap_or(&self.key);
        if !base.eq_ignore_ascii_case(self.primary) {
            write!(f, " ({})", self.primary)?;
        }
        if self.origin == Origin::Dsn {
            f.write_str(" in the DSN")?;
        }
        write!(f, ": expected {}", self.expected)
    }
}

impl fmt::Debug for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SettingsError")
            .field("key", &self.key)
            .field(
                "value",
                &if self.secret {
                    "***"
                } else {
                    self.value.as_str()
                },
            )
            .field("expected", &self.expected)
            .finish()
    }
}

impl std::error::Error for SettingsError {}

/// Lets getters take a key variant (the engine's [`Key`] or a plugin's `Key`, checked at
/// compile time, preferred) or a name.
pub trait KeyRef {
    /// The key's slot in the settings table; `None` for names no key has.
    fn slot(&self) -> Option<usize>;
}

impl KeyRef for Key {
    fn slot(&self) -> Option<usize> {
        Some(*self as usize)
    }
}

impl KeyRef for &str {
    fn slot(&self) -> Option<usize> {
        find_slot(self)
    }
}

impl KeyRef for &String {
    fn slot(&self) -> Option<usize> {
        find_slot(self)
    }
}

/// Resolved settings of one connection: parsed and validated once at connect, then read
/// through cheap typed getters.
#[derive(Clone, Debug, PartialEq)]
pub struct Settings {
    /// Indexed by `Key as usize`.
    slots: Vec<Option<Slot>>,
    /// `monitoring-<key>` values, indexed like `slots`.
    monitoring: Vec<Option<Slot>>,
    /// Unknown connection-string keys, kept in order with their original spelling.
    extras: Vec<(String, String)>,
    /// Ignored psqlODBC keys that were given (primary names), for a log line.
    ignored_given: Vec<&'static str>,
}

impl Default for Settings {
    /// Declared defaults only.
    fn default() -> Settings {
        let mut s = Settings::empty();
        for (i, &d) in all_keys().iter().enumerate() {
            if let Some(Ok(Some(slot))) = d.default.map(|v| parse_value(d, v, Origin::Default)) {
                s.slots[i] = Some(slot);
            }
        }
        s
    }
}

impl Settings {
    fn empty() -> Settings {
        Settings {
            slots: vec![None; all_keys().len()],
            monitoring: vec![None; all_keys().len()],
            extras: Vec::new(),
            ignored_given: Vec::new(),
        }
    }

    /// `conn_str`: pairs from the connection string (highest precedence; the first occurrence
    /// of a key, under any of its names, wins); `dsn_lookup`: reads a key from the DSN's
    /// odbc.ini section (called with the primary name, then each alias, also with the
    /// `monitoring-` prefix; it should ignore case, as SQLGetPrivateProfileString does);
    /// declared defaults last.
    ///
    /// An empty value of a typed key (bool, number, duration, enum, pattern, map) counts as
    /// absent, because DSN editors write every key, filled or not. Unknown keys never fail:
    /// they are kept as extras ([`Settings::extras`]) for the caller to log or pass on.
    pub fn resolve(
        conn_str: &[(String, String)],
        dsn_lookup: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Settings, SettingsError> {
        let mut s = Settings::empty();
        for (name, raw) in conn_str {
            let trimmed = name.trim();
            let (monitoring, base) = match strip_monitoring(trimmed) {
                Some(rest) => (true, rest),
                None => (false, trimmed),
            };
            let Some(idx) = find_slot(base) else {
                let known = s
                    .extras
                    .iter()
                    .any(|(k, _)| k.eq_ignore_ascii_case(trimmed));
                if !known {
                    s.extras.push((trimmed.to_string(), raw.clone()));
                }
                continue;
            };
            let decl = all_keys()[idx];
            let target = if monitoring {
                &mut s.monitoring
            } else {
                &mut s.slots
            };
            if target[idx].is_some() {
                continue;
            }
            let parsed = parse_checked(decl, trimmed, raw, Origin::ConnectionString, monitoring)?;
            if parsed.is_some() && decl.kind == K::Ignored && !s.ignored_given.contains(&decl.name)
            {
                s.ignored_given.push(decl.name);
            }
            target[idx] = parsed;
        }
        for (idx, &decl) in all_keys().iter().enumerate() {
            for monitoring in [false, true] {
                let done = if monitoring {
                    &s.monitoring[idx]
                } else {
                    &s.slots[idx]
                };
                // Ignored keys have no monitoring meaning: spare the odbc.ini lookups.
                if done.is_some() || (monitoring && decl.kind == K::Ignored) {
                    continue;
                }
                let mut found = None;
                for name in std::iter::once(decl.name).chain(decl.aliases.iter().copied()) {
                    let full = if monitoring {
                        format!("{MONITORING_PREFIX}{name}")
                    } else {
                        name.to_string()
                    };
                    if let Some(raw) = dsn_lookup(&full) {
                        if let Some(slot) =
                            parse_checked(decl, &full, &raw, Origin::Dsn, monitoring)?
                        {
                            found = Some(slot);
                            break;
                        }
                    }
                }
                if found.is_some()
                    && decl.kind == K::Ignored
                    && !s.ignored_given.contains(&decl.name)
                {
                    s.ignored_given.push(decl.name);
                }
                if !monitoring && found.is_none() {
                    if let Some(default) = decl.default {
                        found = parse_value(decl, default, Origin::Default).ok().flatten();
                    }
                }
                let target = if monitoring {
                    &mut s.monitoring[idx]
                } else {
                    &mut s.slots[idx]
                };
                *target = found;
            }
        }
        Ok(s)
    }

    fn slot(&self, key: impl KeyRef) -> Option<&Slot> {
        self.slots.get(key.slot()?)?.as_ref()
    }

    /// A boolean key's value; false for unset or non-boolean keys.
    pub fn get_bool(&self, key: impl KeyRef) -> bool {
        matches!(
            self.slot(key),
            Some(Slot {
                value: Value::Bool(true),
                ..
            })
        )
    }

    /// An integer key's value; 0 for unset or non-integer keys.
    pub fn get_u64(&self, key: impl KeyRef) -> u64 {
        match self.slot(key) {
            Some(Slot {
                value: Value::Int(n),
                ..
            }) => *n,
            _ => 0,
        }
    }

    /// A duration key's value; zero for unset or non-duration keys. For `connect_timeout`
    /// zero means "no limit".
    pub fn get_duration(&self, key: impl KeyRef) -> Duration {
        match self.slot(key) {
            Some(Slot {
                value: Value::Duration(d),
                ..
            }) => *d,
            _ => Duration::ZERO,
        }
    }

    /// A duration where zero means "no limit", as `None`.
    pub fn get_timeout(&self, key: impl KeyRef) -> Option<Duration> {
        Some(self.get_duration(key)).filter(|d| !d.is_zero())
    }

    /// The value's text for any set key: free text as given, enum words and bools in
    /// canonical form, numbers in decimal.
    pub fn get_str(&self, key: impl KeyRef) -> Option<&str> {
        self.slot(key).map(|s| s.text.as_str())
    }

    /// An enum key's canonical word (as declared), if set.
    pub fn get_enum(&self, key: impl KeyRef) -> Option<&'static str> {
        match self.slot(key) {
            Some(Slot {
                value: Value::Enum(w),
                ..
            }) => Some(w),
            _ => None,
        }
    }

    /// A list key's items: `None` when absent, `Some(&[])` when given empty. Items are trimmed,
    /// de-duplicated and, for lists with declared words, canonical.
    pub fn get_list(&self, key: impl KeyRef) -> Option<&[String]> {
        match self.slot(key) {
            Some(Slot {
                value: Value::List(items),
                ..
            }) => Some(items),
            _ => None,
        }
    }

    /// A host-map key's pins (empty when unset).
    pub fn get_host_map(&self, key: impl KeyRef) -> &[HostPin] {
        match self.slot(key) {
            Some(Slot {
                value: Value::HostMap(pins),
                ..
            }) => pins,
            _ => &[],
        }
    }

    /// The address `host_address_map` pins `host` to, if any (host compared ignoring case
    /// and a trailing root dot).
    pub fn pinned_address(&self, host: &str) -> Option<&HostPin> {
        let host = host.trim();
        let host = host.strip_suffix('.').unwrap_or(host);
        self.get_host_map(Key::HostAddressMap)
            .iter()
            .find(|p| p.host.eq_ignore_ascii_case(host))
    }

    /// True when the key was given (connection string or DSN), false for defaults and unset.
    pub fn is_set(&self, key: impl KeyRef) -> bool {
        self.origin(key).is_some_and(|o| o != Origin::Default)
    }

    /// Where the key's value came from; `None` when unset.
    pub fn origin(&self, key: impl KeyRef) -> Option<Origin> {
        self.slot(key).map(|s| s.origin)
    }

    /// True when a `monitoring-` override is given for `key`.
    pub fn has_monitoring_override(&self, key: impl KeyRef) -> bool {
        key.slot()
            .and_then(|k| self.monitoring.get(k))
            .is_some_and(Option::is_some)
    }

    /// Settings for monitoring connections: a copy where every `monitoring-<key>` given
    /// overrides `<key>`, for declared keys and extras alike.
    pub fn for_monitoring(&self) -> Settings {
        let mut m = self.clone();
        for (slot, over) in m.slots.iter_mut().zip(&self.monitoring) {
            if over.is_some() {
                slot.clone_from(over);
            }
        }
        for (name, value) in &self.extras {
            let Some(base) = strip_monitoring(name) else {
                continue;
            };
            match m
                .extras
                .iter_mut()
                .find(|(k, _)| k.eq_ignore_ascii_case(base))
            {
                Some(entry) => entry.1.clone_from(value),
                None => m.extras.push((base.to_string(), value.clone())),
            }
        }
        m
    }

    /// Unknown keys from the connection string with their values, original spelling, in
    /// order. They may be libpq-style options for the session layer.
    pub fn extras(&self) -> &[(String, String)] {
        &self.extras
    }

    /// Names of the unknown keys, for a log line ("01S00"-style warning material).
    pub fn unknown_keys(&self) -> impl Iterator<Item = &str> {
        self.extras.iter().map(|(k, _)| k.as_str())
    }

    /// psqlODBC keys that were given but have no effect here, for a log line.
    pub fn ignored_keys(&self) -> &[&'static str] {
        &self.ignored_given
    }

    /// Given keys (not defaults), `monitoring-` overrides and extras, with secrets as `***`:
    /// what a log line about the connection attempt may show.
    pub fn redacted_pairs(&self) -> Vec<(String, String)> {
        let hide = |secret: bool, v: &str| {
            if secret {
                "***".to_string()
            } else {
                v.to_string()
            }
        };
        let mut out = Vec::new();
        for (prefix, slots) in [("", &self.slots), (MONITORING_PREFIX, &self.monitoring)] {
            for (d, slot) in all_keys().iter().zip(slots) {
                if let Some(s) = slot.as_ref().filter(|s| s.origin != Origin::Default) {
                    out.push((format!("{prefix}{}", d.name), hide(d.secret, &s.text)));
                }
            }
        }
        for (k, v) in &self.extras {
            out.push((k.clone(), hide(is_secret_key(k), v)));
        }
        out
    }
}

/// Parses and applies the `monitoring-` rule: timeouts for monitoring connections must be
/// non-zero, since zero would mean "wait forever" on exactly the connections meant to notice
/// a dead host.
fn parse_checked(
    decl: &'static KeyDecl,
    spelled: &str,
    raw: &str,
    origin: Origin,
    monitoring: bool,
) -> Result<Option<Slot>, SettingsError> {
    let err = |expected: String| SettingsError {
        key: spelled.to_string(),
        value: raw.to_string(),
        expected,
        primary: decl.name,
        origin,
        secret: decl.secret,
    };
    let slot = parse_value(decl, raw, origin).map_err(err)?;
    if monitoring {
        if let (
            Some(Slot {
                value: Value::Duration(d),
                ..
            }),
            K::Duration { unit, max, .. },
        ) = (&slot, decl.kind)
        {
            if d.is_zero() {
                return Err(err(format!(
                    "a non-zero integer number of {} up to {max} (monitoring- timeouts must not be 0)",
                    unit.word()
                )));
            }
        }
    }
    Ok(slot)
}

/// Parses one value by its declaration. `Ok(None)`: empty value of a typed key (absent).
/// `Err`: the expectation text.
fn parse_value(decl: &'static KeyDecl, raw: &str, origin: Origin) -> Result<Option<Slot>, String> {
    let t = raw.trim();
    let slot = |value: Value, text: String| {
        Some(Slot {
            value,
            text,
            origin,
        })
    };
    let typed_empty = t.is_empty()
        && !matches!(
            decl.kind,
            K::Str | K::Ignored | K::List { .. } | K::PluginCodes
        );
    if typed_empty {
        return Ok(None);
    }
    Ok(match decl.kind {
        K::Bool => {
            let b = parse_bool(t).ok_or_else(|| decl.expected())?;
            slot(Value::Bool(b), b.to_string())
        }
        K::Int { min, max } => {
            let n = parse_uint(t)
                .filter(|n| (min..=max).contains(n))
                .ok_or_else(|| decl.expected())?;
            slot(Value::Int(n), n.to_string())
        }
        K::Duration { unit, min, max } => {
            let n = parse_uint(t)
                .filter(|n| (min..=max).contains(n))
                .ok_or_else(|| decl.expected())?;
            slot(Value::Duration(unit.to_duration(n)), n.to_string())
        }
        K::Str | K::Ignored => slot(Value::Str(raw.to_string()), raw.to_string()),
        K::Enum { words } => {
            let w = match_word(words, t).ok_or_else(|| decl.expected())?;
            slot(Value::Enum(w), w.to_string())
        }
        K::List { .. } | K::PluginCodes => {
            let words = match decl.kind {
                K::List { words } => words,
                _ => plugin_registry::codes(),
            };
            let mut items: Vec<String> = Vec::new();
            for item in t.split(',').map(str::trim).filter(|i| !i.is_empty()) {
                let item = if words.is_empty() {
                    item.to_string()
                } else {
                    match match_word(words, item) {
                        Some(w) => w.to_string(),
                        None => return Err(format!("{} (unknown item '{item}')", decl.expected())),
                    }
                };
                if !items.iter().any(|i| i.eq_ignore_ascii_case(&item)) {
                    items.push(item);
                }
            }
            let text = items.join(",");
            slot(Value::List(items), text)
        }
        K::HostPattern => {
            let (host, _) = crate::engine::hostname::split_port(t);
            let ok = host.contains('?')
                && !host.contains(':')
                && !host.contains(|c: char| c.is_whitespace() || c == '/' || c == ',');
            if !ok {
                return Err(decl.expected());
            }
            slot(Value::Str(t.to_string()), t.to_string())
        }
        K::HostMap => {
            let pins = parse_host_map(t).ok_or_else(|| decl.expected())?;
            slot(Value::HostMap(pins), t.to_string())
        }
    })
}

fn parse_bool(t: &str) -> Option<bool> {
    const TRUE: &[&str] = &["1", "true", "yes", "on"];
    const FALSE: &[&str] = &["0", "false", "no", "off"];
    if TRUE.iter().any(|w| w.eq_ignore_ascii_case(t)) {
        Some(true)
    } else if FALSE.iter().any(|w| w.eq_ignore_ascii_case(t)) {
        Some(false)
    } else {
        None
    }
}

/// Plain decimal digits only: no sign, no exponent, no unit suffix, so `30s` or `-1` fail
/// loudly instead of being half-read.
fn parse_uint(t: &str) -> Option<u64> {
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse().ok()
}

/// Case-insensitive, with `-` and `_` interchangeable (`verify_full`, `STRICT-WRITER`).
fn match_word(words: &'static [&'static str], t: &str) -> Option<&'static str> {
    let norm = |c: u8| {
        if c == b'_' {
            b'-'
        } else {
            c.to_ascii_lowercase()
        }
    };
    words
        .iter()
        .copied()
        .find(|w| w.len() == t.len() && w.bytes().zip(t.bytes()).all(|(a, b)| norm(a) == norm(b)))
}

/// `name=ip[:port]` items separated by commas; IPv6 with a port as `[addr]:port`.
fn parse_host_map(t: &str) -> Option<Vec<HostPin>> {
    let mut pins = Vec::new();
    for item in t.split(',').map(str::trim).filter(|i| !i.is_empty()) {
        let (name, addr) = item.split_once('=')?;
        let name = name.trim();
        let name = name.strip_suffix('.').unwrap_or(name);
        let addr = addr.trim();
        if name.is_empty() || name.contains(|c: char| c.is_whitespace() || c == ':') {
            return None;
        }
        let (ip, port) = if let Some(rest) = addr.strip_prefix('[') {
            let (ip, after) = rest.split_once(']')?;
            let port = match after {
                "" => None,
                p => Some(parse_port(p.strip_prefix(':')?)?),
            };
            (ip.parse::<IpAddr>().ok()?, port)
        } else if let Ok(ip) = addr.parse::<IpAddr>() {
            (ip, None)
        } else {
            let (ip, p) = addr.rsplit_once(':')?;
            (
                ip.parse::<std::net::Ipv4Addr>().ok()?.into(),
                Some(parse_port(p)?),
            )
        };
        pins.push(HostPin {
            host: name.to_ascii_lowercase(),
            addr: ip,
            port,
        });
    }
    Some(pins)
}

fn parse_port(p: &str) -> Option<u16> {
    parse_uint(p)
        .and_then(|n| u16::try_from(n).ok())
        .filter(|n| *n != 0)
}

/// Renders `docs/dsn-keys.md`: one table per section, all from the settings table.
pub fn render_markdown_reference() -> String {
    let mut out = String::new();
    out.push_str("# DSN keys\n\n");
    out.push_str("<!-- Generated from src/engine/settings.rs; do not edit. Regenerate with: AURORAODBC_REGEN_DOCS=1 cargo test --lib dsn_keys_doc -->\n\n");
    out.push_str(
        "Keys are read from the connection string first, then from the DSN's section in odbc.ini, \
then the default applies. Names are case-insensitive and every alias is equivalent to the key's \
name, so the AWS ODBC wrapper's upper-case spellings (`FAILOVER_MODE`, \
`CUSTOM_ENDPOINT_REGION`, `WAIT_FOR_CUSTOM_ENDPOINT_INFO`, ...) need no alias of their own; \
when a connection string names a key twice (under any of its names) the first occurrence \
wins.\n\n\
A value that cannot be used (not a number, out of range, unknown word) fails the connection \
with SQLSTATE 08001 and a message naming the key, the value and what is expected. An empty \
value of a boolean, number, duration, choice, pattern or map key counts as absent. Unknown keys \
never fail a connection; they are listed in the log.\n\n\
Any key may be given again as `monitoring-<key>` (for example `monitoring-connect_timeout=5`) \
to apply only to the monitoring connections that plugins open; such values are checked like \
the key itself, and time values must not be 0 there.\n",
    );
    for section in reference_sections() {
        out.push_str(&format!("\n## {}\n\n{}\n\n", section.title, section.intro));
        out.push_str("| Key | Aliases | Type | Default | Description |\n");
        out.push_str("|---|---|---|---|---|\n");
        for d in section.keys {
            let aliases = d
                .aliases
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ");
            let default = d
                .default
                .map_or_else(|| "(absent)".to_string(), |v| format!("`{v}`"));
            out.push_str(&format!(
                "| `{}` | {} | {} | {} | {} |\n",
                d.name,
                aliases,
                md_escape(&type_text(d)),
                default,
                md_escape(d.doc)
            ));
        }
    }
    out
}

fn type_text(d: &KeyDecl) -> String {
    let words = |w: &[&str]| {
        w.iter()
            .map(|w| format!("`{w}`"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    match d.kind {
        K::Bool => "boolean".to_string(),
        K::Int { min, max } => format!("integer {min}–{max}"),
        K::Duration { unit, min, max } => format!("{} {min}–{max}", unit.word()),
        K::Str => "text".to_string(),
        K::Enum { words: w } => format!("one of {}", words(w)),
        K::List { words: [] } => "comma-separated list".to_string(),
        K::List { words: w } => format!("comma-separated list of {}", words(w)),
        K::PluginCodes => format!(
            "comma-separated list of {}",
            words(plugin_registry::codes())
        ),
        K::HostPattern => "host pattern (`?` = instance id, optional `:port`)".to_string(),
        K::HostMap => "`name=ip[:port]`, comma-separated".to_string(),
        K::Ignored => "ignored".to_string(),
    }
}

fn md_escape(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn no_dsn(_: &str) -> Option<String> {
        None
    }

    fn resolve(list: &[(&str, &str)]) -> Result<Settings, SettingsError> {
        Settings::resolve(&pairs(list), &no_dsn)
    }

    #[test]
    fn table_is_consistent() {
        let mut seen: Vec<String> = Vec::new();
        for (i, &d) in all_keys().iter().enumerate() {
            if let Some(key) = Key::ALL.get(i) {
                assert!(std::ptr::eq(key.decl(), d), "{}", d.name);
                assert_eq!(*key as usize, i, "{}", d.name);
            }
            assert!(
                d.name
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
                "primary names are snake_case: {}",
                d.name
            );
            assert!(!d.doc.is_empty());
            for n in std::iter::once(d.name).chain(d.aliases.iter().copied()) {
                let lower = n.to_ascii_lowercase();
                assert!(!seen.contains(&lower), "name declared twice: {n}");
                assert!(!lower.starts_with(MONITORING_PREFIX));
                assert!(!n.contains(|c: char| "[]{}(),;?*=!@".contains(c)), "{n}");
                seen.push(lower);
            }
            if let Some(v) = d.default {
                let parsed = parse_value(d, v, Origin::Default);
                assert!(
                    matches!(parsed, Ok(Some(_))),
                    "bad default for {}: {parsed:?}",
                    d.name
                );
            }
        }
    }

    #[test]
    fn defaults() {
        let s = resolve(&[]).unwrap();
        assert_eq!(s, Settings::default());
        assert_eq!(s.get_u64(Key::Port), 5432);
        assert_eq!(s.get_enum(Key::SslMode), Some("prefer"));
        assert_eq!(s.get_duration(Key::ConnectTimeout), Duration::from_secs(30));
        assert_eq!(
            s.get_duration("failure_detection_time_ms"),
            Duration::from_millis(30000)
        );
        assert_eq!(
            s.get_duration("failure_detection_interval_ms"),
            Duration::from_millis(5000)
        );
        assert_eq!(s.get_u64("failure_detection_count"), 3);
        assert_eq!(
            s.get_duration("monitor_disposal_time_ms"),
            Duration::from_millis(60000)
        );
        assert!(s.get_bool("failure_detection_enabled"));
        assert!(s.get_bool("wait_for_custom_endpoint_info"));
        assert!(s.get_bool(Key::TextAsLongVarchar));
        assert!(!s.get_bool(Key::BoolsAsChar));
        assert_eq!(
            s.get_duration("custom_endpoint_idle_monitor_expiration_ms"),
            Duration::from_secs(900)
        );
        assert_eq!(s.get_u64("custom_endpoint_refresh_backoff_factor"), 2);
        assert_eq!(s.get_str(Key::ApplicationName), Some("auroraodbc"));
        assert_eq!(s.get_enum(Key::LogLevel), Some("off"));
        assert_eq!(s.get_list(Key::Plugins), None);
        assert_eq!(s.get_enum("failover_mode"), None);
        assert_eq!(s.get_enum(Key::DatabaseDialect), None);
        assert_eq!(s.get_str(Key::Server), None);
        assert!(!s.is_set(Key::Port));
        assert_eq!(s.origin(Key::Port), Some(Origin::Default));
        assert_eq!(s.origin(Key::Server), None);
        assert!(s.redacted_pairs().is_empty());
    }

    #[test]
    fn aliases_case_and_first_wins() {
        let s = resolve(&[
            ("SERVERNAME", "a.example.com"),
            ("host", "b.example.com"),
            ("Username", "joe"),
            ("failure_detection_time", "1000"),
            ("Failure_Detection_Time_MS", "2000"),
            ("host_pattern", "?.example.com:6543"),
        ])
        .unwrap();
        assert_eq!(s.get_str(Key::Server), Some("a.example.com"));
        assert_eq!(s.get_str("uid"), Some("joe"));
        assert_eq!(s.get_str("USER"), Some("joe"));
        assert_eq!(
            s.get_duration("failure_detection_time_ms"),
            Duration::from_secs(1)
        );
        assert_eq!(
            s.get_str(Key::ClusterInstanceHostPattern),
            Some("?.example.com:6543")
        );
        assert!(s.is_set(Key::Server));
        assert_eq!(s.origin(Key::Server), Some(Origin::ConnectionString));
        assert!(
            find_key("CUSTOM_ENDPOINT_REGION").is_some_and(|d| d.name == "custom_endpoint_region")
        );
        assert!(find_key(" WAIT_FOR_CUSTOM_ENDPOINT_INFO ").is_some());
        assert!(find_key("FAILOVER_MODE").is_some());
        assert!(find_key("monitoring-connect_timeout").is_none());
        assert!(find_key("nope").is_none());
    }

    #[test]
    fn dsn_precedence() {
        let ini: HashMap<&str, &str> = [
            ("Servername", "dsn-host"),
            ("Port", "6000"),
            ("database", "dsndb"),
            ("FAILOVER_MODE", "STRICT_READER"),
            ("MaxVarcharSize", ""),
            ("monitoring-connect_timeout", "7"),
        ]
        .into_iter()
        .collect();
        // Like SQLGetPrivateProfileString, the lookup ignores case.
        let lookup = |k: &str| {
            ini.iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(k))
                .map(|(_, v)| v.to_string())
        };
        let s = Settings::resolve(&pairs(&[("database", "csdb")]), &lookup).unwrap();
        assert_eq!(s.get_str(Key::Server), Some("dsn-host"));
        assert_eq!(s.origin(Key::Server), Some(Origin::Dsn));
        assert_eq!(s.get_u64(Key::Port), 6000);
        assert_eq!(s.get_str(Key::Database), Some("csdb"));
        assert_eq!(s.get_enum("failover_mode"), Some("strict_reader"));
        // Empty typed value in odbc.ini: the default applies.
        assert_eq!(s.get_u64(Key::MaxVarcharSize), 255);
        assert!(!s.is_set(Key::MaxVarcharSize));
        assert!(s.has_monitoring_override(Key::ConnectTimeout));
        assert_eq!(
            s.for_monitoring().get_duration(Key::ConnectTimeout),
            Duration::from_secs(7)
        );
    }

    #[test]
    fn bools() {
        for (v, want) in [
            ("1", true),
            ("0", false),
            ("TRUE", true),
            ("False", false),
            ("yes", true),
            ("No", false),
            ("on", true),
            ("OFF", false),
            (" true ", true),
        ] {
            let s = resolve(&[("failure_detection_enabled", v)]).unwrap();
            assert_eq!(s.get_bool("failure_detection_enabled"), want, "{v}");
        }
        let e = resolve(&[("ENABLE_FAILURE_DETECTION", "maybe")]).unwrap_err();
        assert_eq!(e.key, "ENABLE_FAILURE_DETECTION");
        assert_eq!(e.value, "maybe");
        assert_eq!(
            e.to_string(),
            "invalid value 'maybe' for key ENABLE_FAILURE_DETECTION (failure_detection_enabled): \
             expected a boolean (1/0, true/false, yes/no, on/off)"
        );
    }

    #[test]
    fn numbers_and_ranges() {
        let e = resolve(&[("failure_detection_time_ms", "abc")]).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid value 'abc' for key failure_detection_time_ms: expected an integer number of \
             milliseconds between 0 and 86400000"
        );
        assert_eq!(e.sqlstate(), "08001");
        for bad in [
            "-1",
            "+5",
            "1.5",
            "30s",
            "1e3",
            "99999999999999999999999",
            "0x10",
        ] {
            assert!(
                resolve(&[("failure_detection_time_ms", bad)]).is_err(),
                "{bad}"
            );
        }
        assert!(resolve(&[("port", "0")]).is_err());
        assert!(resolve(&[("port", "65536")]).is_err());
        assert_eq!(
            resolve(&[("port", " 65535 ")]).unwrap().get_u64(Key::Port),
            65535
        );
        assert!(resolve(&[("failure_detection_count", "0")]).is_err());
        assert!(resolve(&[("failure_detection_interval_ms", "0")]).is_err());
        let s = resolve(&[("connect_timeout", "0")]).unwrap();
        assert_eq!(s.get_timeout(Key::ConnectTimeout), None);
        let s = resolve(&[("fetch_batch_rows", "10")]).unwrap();
        assert_eq!(s.get_u64("FETCH_BATCH_ROWS"), 10);
    }

    #[test]
    fn enums_and_lists() {
        let s = resolve(&[
            ("sslmode", "Verify_Full"),
            ("failover_mode", "reader-or-writer"),
        ])
        .unwrap();
        assert_eq!(s.get_enum(Key::SslMode), Some("verify-full"));
        assert_eq!(s.get_str(Key::SslMode), Some("verify-full"));
        assert_eq!(s.get_enum("failover_mode"), Some("reader_or_writer"));
        let e = resolve(&[("sslmode", "always")]).unwrap_err();
        assert!(e
            .to_string()
            .contains("expected one of disable, allow, prefer, require, verify-ca, verify-full"));

        let s = resolve(&[("plugins", " Failover , host_monitoring,failover,,")]).unwrap();
        assert_eq!(
            s.get_list(Key::Plugins),
            Some(&["failover".to_string(), "host_monitoring".to_string()][..])
        );
        let s = resolve(&[("plugins", "")]).unwrap();
        assert_eq!(s.get_list(Key::Plugins), Some(&[][..]));
        let e = resolve(&[("plugins", "failover,iam")]).unwrap_err();
        assert!(e.to_string().contains("unknown item 'iam'"), "{e}");
        assert!(e.to_string().contains("key plugins"), "{e}");
        // Not built into this driver: refused rather than silently left out of the chain.
        let e = resolve(&[("plugins", "failover,read_write_splitting")]).unwrap_err();
        assert!(
            e.to_string()
                .contains("unknown item 'read_write_splitting'"),
            "{e}"
        );
    }

    #[test]
    fn host_pattern_and_map() {
        for bad in [
            "abc.example.com",
            "?.exa mple.com",
            "?.example.com:0",
            "?.example.com:x",
            "?:?:1",
        ] {
            assert!(
                resolve(&[("cluster_instance_host_pattern", bad)]).is_err(),
                "{bad}"
            );
        }
        let s = resolve(&[(
            "host_address_map",
            "db.cluster-x.us-east-1.rds.amazonaws.com=127.0.0.1:6001, Inst1.Local.=10.0.0.2,v6=[::1]:7000,v6b=::2",
        )])
        .unwrap();
        let pins = s.get_host_map(Key::HostAddressMap);
        assert_eq!(pins.len(), 4);
        assert_eq!(pins[0].addr, "127.0.0.1".parse::<IpAddr>().unwrap());
        assert_eq!(pins[0].port, Some(6001));
        let p = s.pinned_address("inst1.local.").unwrap();
        assert_eq!(
            (p.addr, p.port),
            ("10.0.0.2".parse::<IpAddr>().unwrap(), None)
        );
        assert_eq!(s.pinned_address("V6").unwrap().port, Some(7000));
        assert_eq!(
            s.pinned_address("v6b").unwrap().addr,
            "::2".parse::<IpAddr>().unwrap()
        );
        assert!(s.pinned_address("other").is_none());
        for bad in [
            "a",
            "a=b",
            "=1.2.3.4",
            "a=1.2.3.4:0",
            "a=1.2.3.4:70000",
            "a=[::1",
            "a=[::1]x",
            "a b=1.2.3.4",
        ] {
            assert!(resolve(&[("host_address_map", bad)]).is_err(), "{bad}");
        }
    }

    #[test]
    fn monitoring_prefix() {
        let s = resolve(&[
            ("connect_timeout", "30"),
            ("monitoring-connect_timeout", "5"),
            ("MONITORING-FAILURE_DETECTION_INTERVAL", "1000"),
            ("monitoring-socket_timeout", "10"),
            ("socket_timeout", "20"),
        ])
        .unwrap();
        assert_eq!(s.get_duration(Key::ConnectTimeout), Duration::from_secs(30));
        let m = s.for_monitoring();
        assert_eq!(m.get_duration(Key::ConnectTimeout), Duration::from_secs(5));
        assert_eq!(
            m.get_duration("failure_detection_interval_ms"),
            Duration::from_secs(1)
        );
        assert_eq!(
            m.get_duration("failure_detection_time_ms"),
            Duration::from_secs(30)
        );
        assert!(m
            .extras()
            .contains(&("socket_timeout".to_string(), "10".to_string())));
        assert_eq!(m.for_monitoring(), m);

        let e = resolve(&[("monitoring-connect_timeout", "0")]).unwrap_err();
        assert!(e.to_string().contains("must not be 0"), "{e}");
        assert_eq!(e.key, "monitoring-connect_timeout");
        assert!(resolve(&[("monitoring-failure_detection_time_ms", "0")]).is_err());
        assert!(resolve(&[("monitoring-port", "x")]).is_err());
        // Zero is fine without the prefix.
        assert!(resolve(&[("failure_detection_time_ms", "0")]).is_ok());
    }

    #[test]
    fn unknown_and_ignored_keys() {
        let s = resolve(&[
            ("UseDeclareFetch", "1"),
            ("Fetch", "whatever"),
            ("keepalives", "1"),
            ("KEEPALIVES", "0"),
            ("password", "pw"),
            ("sslpassword", "sp"),
        ])
        .unwrap();
        assert_eq!(s.ignored_keys(), &["use_declare_fetch", "fetch"]);
        assert_eq!(
            s.unknown_keys().collect::<Vec<_>>(),
            vec!["keepalives", "sslpassword"]
        );
        assert_eq!(s.get_str(Key::Pwd), Some("pw"));
        let red = s.redacted_pairs();
        assert!(red.contains(&("pwd".to_string(), "***".to_string())));
        assert!(red.contains(&("sslpassword".to_string(), "***".to_string())));
        assert!(red.contains(&("keepalives".to_string(), "1".to_string())));
        assert!(!format!("{red:?}").contains("pw\""));
    }

    #[test]
    fn secrets_stay_hidden() {
        assert!(
            is_secret_key("PWD") && is_secret_key("Password") && is_secret_key("monitoring-pwd")
        );
        assert!(is_secret_key("pqopt") && is_secret_key("aws_secret") && is_secret_key("sslkey"));
        assert!(!is_secret_key("uid") && !is_secret_key("server") && !is_secret_key("keepalives"));
        let s = resolve(&[("PWD", "hunter2"), ("monitoring-pwd", "m0n")]).unwrap();
        let red = format!("{:?}", s.redacted_pairs());
        assert!(!red.contains("hunter2") && !red.contains("m0n"), "{red}");
        assert!(red.contains("monitoring-pwd"));
        let e = SettingsError {
            key: "PWD".into(),
            value: "hunter2".into(),
            expected: "text".into(),
            primary: "pwd",
            origin: Origin::ConnectionString,
            secret: true,
        };
        assert!(!e.to_string().contains("hunter2"));
        assert!(!format!("{e:?}").contains("hunter2"));
    }

    #[test]
    fn string_getters_tolerate_wrong_keys() {
        let s = Settings::default();
        assert!(!s.get_bool("no_such_key"));
        assert_eq!(s.get_u64("server"), 0);
        assert_eq!(s.get_duration(Key::Port), Duration::ZERO);
        assert_eq!(s.get_enum(Key::Port), None);
        assert_eq!(s.get_str("no_such_key"), None);
        let name = String::from("PORT");
        assert_eq!(s.get_u64(&name), 5432);
    }

    #[test]
    fn dsn_keys_doc() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/dsn-keys.md");
        let rendered = render_markdown_reference();
        if std::env::var_os("AURORAODBC_REGEN_DOCS").is_some_and(|v| v == "1") {
            std::fs::write(&path, &rendered).unwrap();
        }
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            on_disk == rendered,
            "docs/dsn-keys.md is out of date with src/engine/settings.rs; regenerate it with: \
             AURORAODBC_REGEN_DOCS=1 cargo test --lib dsn_keys_doc"
        );
    }
    /// Odd values for every key, plain and `monitoring-`: errors or values, never a panic,
    /// and an error always names the key as given.
    #[test]
    fn odd_values_never_panic() {
        let values = [
            "",
            " ",
            "x",
            "-1",
            "0",
            "1",
            "99999999999999999999",
            "a=b",
            "[::1",
            "?:",
            "é",
            ",,",
            "?",
        ];
        for d in all_keys() {
            for v in values {
                for name in [d.name.to_string(), format!("monitoring-{}", d.name)] {
                    if let Err(e) = resolve(&[(name.as_str(), v)]) {
                        assert_eq!(e.key, name);
                        assert!(!e.to_string().is_empty());
                    }
                }
            }
        }
    }
}
