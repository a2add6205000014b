//! psqlODBC's own connection attributes, SQL_ATTR_PGOPT_* (65536 to 65551): programs written
//! for psqlODBC read and set them with SQLGetConnectAttr / SQLSetConnectAttr. Each is a
//! 4-byte SQLINTEGER. The ones that describe types (UnknownSizes, TextAsLongVarchar,
//! UnknownsAsLongVarchar, BoolsAsChar, MaxVarcharSize, MaxLongVarcharSize) change how
//! statements described afterwards report their columns, as in psqlODBC; the others name
//! psqlODBC's internals (its log, its parser, its cursor cache) and are kept and read back
//! without an effect.

use crate::engine::settings::{Key, Settings};
use crate::odbc::conn::ConnState;

pub const SQL_ATTR_PGOPT_DEBUG: i32 = 65536;
pub const SQL_ATTR_PGOPT_COMMLOG: i32 = 65537;
pub const SQL_ATTR_PGOPT_PARSE: i32 = 65538;
pub const SQL_ATTR_PGOPT_USE_DECLAREFETCH: i32 = 65539;
pub const SQL_ATTR_PGOPT_SERVER_SIDE_PREPARE: i32 = 65540;
pub const SQL_ATTR_PGOPT_FETCH: i32 = 65541;
pub const SQL_ATTR_PGOPT_UNKNOWNSIZES: i32 = 65542;
pub const SQL_ATTR_PGOPT_TEXTASLONGVARCHAR: i32 = 65543;
pub const SQL_ATTR_PGOPT_UNKNOWNSASLONGVARCHAR: i32 = 65544;
pub const SQL_ATTR_PGOPT_BOOLSASCHAR: i32 = 65545;
pub const SQL_ATTR_PGOPT_MAXVARCHARSIZE: i32 = 65546;
pub const SQL_ATTR_PGOPT_MAXLONGVARCHARSIZE: i32 = 65547;
pub const SQL_ATTR_PGOPT_WCSDEBUG: i32 = 65548;
pub const SQL_ATTR_PGOPT_MSJET: i32 = 65549;
pub const SQL_ATTR_PGOPT_BATCHSIZE: i32 = 65550;
pub const SQL_ATTR_PGOPT_IGNORETIMEOUT: i32 = 65551;

/// Whether `attr` is one of psqlODBC's own connection attributes.
pub fn is_pgopt(attr: i32) -> bool {
    (SQL_ATTR_PGOPT_DEBUG..=SQL_ATTR_PGOPT_IGNORETIMEOUT).contains(&attr)
}

/// The values of the attributes that have no effect here, as psqlODBC's keys or defaults
/// give them, so a program reads back what its DSN or its own call set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PgOptions {
    debug: i32,
    commlog: i32,
    parse: i32,
    use_declare_fetch: i32,
    server_side_prepare: i32,
    fetch: i32,
    /// UnknownSizes as given (2 describes as 0 does here, yet reads back as 2).
    unknown_sizes: i32,
    wcs_debug: i32,
    ms_jet: i32,
    batch_size: i32,
    ignore_timeout: i32,
}

impl Default for PgOptions {
    /// psqlODBC's defaults.
    fn default() -> Self {
        PgOptions {
            debug: 0,
            commlog: 0,
            parse: 0,
            use_declare_fetch: 0,
            server_side_prepare: 1,
            fetch: 100,
            unknown_sizes: 0,
            wcs_debug: 0,
            ms_jet: 0,
            batch_size: 100,
            ignore_timeout: 0,
        }
    }
}

impl PgOptions {
    /// The values a connection's keys give (psqlODBC's key names are accepted aliases).
    pub fn from_settings(settings: &Settings) -> PgOptions {
        let number = |key: Key, default: i32| {
            settings
                .get_str(key)
                .and_then(|v| v.trim().parse::<i32>().ok())
                .unwrap_or(default)
        };
        let d = PgOptions::default();
        PgOptions {
            debug: number(Key::Debug, d.debug),
            commlog: number(Key::CommLog, d.commlog),
            parse: number(Key::Parse, d.parse),
            use_declare_fetch: number(Key::UseDeclareFetch, d.use_declare_fetch),
            server_side_prepare: number(Key::UseServerSidePrepare, d.server_side_prepare),
            fetch: number(Key::Fetch, d.fetch),
            unknown_sizes: number(Key::UnknownSizes, d.unknown_sizes),
            wcs_debug: d.wcs_debug,
            ms_jet: d.ms_jet,
            batch_size: number(Key::BatchSize, d.batch_size),
            ignore_timeout: number(Key::IgnoreTimeout, d.ignore_timeout),
        }
    }
}

fn as_int(n: u32) -> i32 {
    i32::from_ne_bytes(n.to_ne_bytes())
}

fn as_u32(n: i32) -> u32 {
    u32::from_ne_bytes(n.to_ne_bytes())
}

/// SQLGetConnectAttr of a psqlODBC attribute: its value as the 4-byte SQLINTEGER psqlODBC
/// writes (as the unsigned bits the answer carries).
pub fn get(st: &ConnState, attr: i32) -> Option<u32> {
    let o = &st.pg_options;
    let l = &st.limits;
    let value = match attr {
        SQL_ATTR_PGOPT_DEBUG => o.debug,
        SQL_ATTR_PGOPT_COMMLOG => o.commlog,
        SQL_ATTR_PGOPT_PARSE => o.parse,
        SQL_ATTR_PGOPT_USE_DECLAREFETCH => o.use_declare_fetch,
        SQL_ATTR_PGOPT_SERVER_SIDE_PREPARE => o.server_side_prepare,
        SQL_ATTR_PGOPT_FETCH => o.fetch,
        SQL_ATTR_PGOPT_UNKNOWNSIZES => o.unknown_sizes,
        SQL_ATTR_PGOPT_TEXTASLONGVARCHAR => i32::from(l.text_as_long_varchar),
        SQL_ATTR_PGOPT_UNKNOWNSASLONGVARCHAR => i32::from(l.unknowns_as_long_varchar),
        SQL_ATTR_PGOPT_BOOLSASCHAR => i32::from(l.bools_as_char),
        SQL_ATTR_PGOPT_MAXVARCHARSIZE => i32::try_from(l.max_varchar).unwrap_or(i32::MAX),
        SQL_ATTR_PGOPT_MAXLONGVARCHARSIZE => i32::try_from(l.max_long_varchar).unwrap_or(i32::MAX),
        SQL_ATTR_PGOPT_WCSDEBUG => o.wcs_debug,
        SQL_ATTR_PGOPT_MSJET => o.ms_jet,
        SQL_ATTR_PGOPT_BATCHSIZE => o.batch_size,
        SQL_ATTR_PGOPT_IGNORETIMEOUT => o.ignore_timeout,
        _ => return None,
    };
    Some(as_u32(value))
}

/// SQLSetConnectAttr of a psqlODBC attribute; `n` is the integer the pointer carries (an
/// SQLINTEGER, so its low 32 bits). Returns false for an attribute that is not one.
pub fn set(st: &mut ConnState, attr: i32, n: usize) -> bool {
    let value = as_int(u32::try_from(n & 0xffff_ffff).unwrap_or(0));
    let size = u32::try_from(value.max(1)).unwrap_or(1);
    let o = &mut st.pg_options;
    match attr {
        SQL_ATTR_PGOPT_DEBUG => o.debug = value,
        SQL_ATTR_PGOPT_COMMLOG => o.commlog = value,
        SQL_ATTR_PGOPT_PARSE => o.parse = value,
        SQL_ATTR_PGOPT_USE_DECLAREFETCH => o.use_declare_fetch = value,
        SQL_ATTR_PGOPT_SERVER_SIDE_PREPARE => o.server_side_prepare = value,
        SQL_ATTR_PGOPT_FETCH => o.fetch = value,
        SQL_ATTR_PGOPT_UNKNOWNSIZES => {
            o.unknown_sizes = value;
            st.limits.unknown_sizes_unknown = value == 1;
        }
        SQL_ATTR_PGOPT_TEXTASLONGVARCHAR => st.limits.text_as_long_varchar = value != 0,
        SQL_ATTR_PGOPT_UNKNOWNSASLONGVARCHAR => st.limits.unknowns_as_long_varchar = value != 0,
        SQL_ATTR_PGOPT_BOOLSASCHAR => st.limits.bools_as_char = value != 0,
        SQL_ATTR_PGOPT_MAXVARCHARSIZE => st.limits.max_varchar = size,
        SQL_ATTR_PGOPT_MAXLONGVARCHARSIZE => st.limits.max_long_varchar = size,
        SQL_ATTR_PGOPT_WCSDEBUG => o.wcs_debug = value,
        SQL_ATTR_PGOPT_MSJET => o.ms_jet = value,
        SQL_ATTR_PGOPT_BATCHSIZE => o.batch_size = value,
        SQL_ATTR_PGOPT_IGNORETIMEOUT => o.ignore_timeout = value,
        _ => return false,
    }
    true
}
