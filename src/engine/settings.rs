//! DSN keys: declared once, resolved once per connect.
//!
//! Every key the driver understands is declared once, as a [`KeyDecl`] in a [`KeySection`]:
//! the engine's own keys in `settings/keys.rs` (with the [`Key`] enum, so code refers to keys by
//! variant, not by string), each plugin's keys in its folder's `settings.rs` (with the
//! plugin's own `Key` enum, see [`plugin_keys!`]). The sections meet in one table (see
//! [`all_keys`]): parsing, validation, the `monitoring-` prefix, redaction and the docs' key
//! reference (`docs/dsn-keys.md`) all read it, so they cannot drift apart.
//!
//! Files: this one has the declarations' types, the table and [`Settings`]; under
//! `settings/`, `keys.rs` is the engine's key table, `parse.rs` reads one value by its
//! declaration, `reference.rs` renders the docs, `tests.rs` tests them.
//!
//! Precedence: connection string, then the DSN's odbc.ini section, then the declared default.
//! Key names are case-insensitive; aliases (psqlODBC names, the AWS ODBC wrapper's upper-case
//! names) are equivalent to the primary name.

use super::plugin_registry;
use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, LazyLock, Weak};
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

        $(pub(super) static $section: KeySection = KeySection {
            title: $title,
            intro: $intro,
            keys: &[$($decl,)*],
        };)*

        /// The engine's sections, in [`Key`] order.
        pub(super) static ENGINE_SECTIONS: &[&KeySection] = &[$(&$section,)*];

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

mod keys;
mod parse;
mod reference;
#[cfg(test)]
mod tests;

pub use keys::Key;
use keys::{ENGINE_SECTIONS, IGNORED};
use parse::{parse_checked, parse_value};
pub use reference::render_markdown_reference;

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

/// The distinct settings tables of live connections ([`Settings::into_shared`]).
static SHARED_SETTINGS: parking_lot::Mutex<Vec<Weak<Settings>>> =
    parking_lot::Mutex::new(Vec::new());
/// How many distinct tables [`Settings::into_shared`] keeps track of at most.
const SHARED_SETTINGS_LIMIT: usize = 32;

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

    /// These settings behind an `Arc` shared with every live connection whose settings are
    /// equal to them, instead of a copy of their own.
    ///
    /// A resolved table holds every key (declared defaults included) twice over, for the
    /// connection and for its monitoring connection: about 15 KB with its strings. An
    /// application's connections are mostly opened from one DSN or connection string, so a
    /// thousand connections would otherwise hold a thousand identical tables. Sharing is safe
    /// because settings never change after resolution. Only live connections keep a table:
    /// the registry holds weak references, so the values (a password among them) are freed
    /// with the last connection that uses them.
    pub fn into_shared(self) -> Arc<Settings> {
        let mut shared = SHARED_SETTINGS.lock();
        shared.retain(|w| w.strong_count() > 0);
        if let Some(found) = shared
            .iter()
            .filter_map(Weak::upgrade)
            .find(|s| **s == self)
        {
            return found;
        }
        let settings = Arc::new(self);
        // Bounded: a process whose every connection differs (per-user logins) gains nothing
        // from sharing, and must not pay for comparing against an endless list.
        if shared.len() < SHARED_SETTINGS_LIMIT {
            shared.push(Arc::downgrade(&settings));
        }
        settings
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
