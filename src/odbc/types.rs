//! How PostgreSQL types look to an ODBC application: SQL type codes, sizes and names.

use tokio_postgres::types::{Kind, Type};

/// ODBC SQL type codes (sql.h / sqlext.h).
pub mod sql {
    pub const UNKNOWN: i16 = 0;
    pub const CHAR: i16 = 1;
    pub const NUMERIC: i16 = 2;
    pub const DECIMAL: i16 = 3;
    pub const INTEGER: i16 = 4;
    pub const SMALLINT: i16 = 5;
    pub const FLOAT: i16 = 6;
    pub const REAL: i16 = 7;
    pub const DOUBLE: i16 = 8;
    pub const DATETIME: i16 = 9;
    pub const DATE: i16 = 9;
    pub const TIME: i16 = 10;
    pub const TIMESTAMP: i16 = 11;
    pub const VARCHAR: i16 = 12;
    pub const TYPE_DATE: i16 = 91;
    pub const TYPE_TIME: i16 = 92;
    pub const TYPE_TIMESTAMP: i16 = 93;
    pub const LONGVARCHAR: i16 = -1;
    pub const BINARY: i16 = -2;
    pub const VARBINARY: i16 = -3;
    pub const LONGVARBINARY: i16 = -4;
    pub const BIGINT: i16 = -5;
    pub const TINYINT: i16 = -6;
    pub const BIT: i16 = -7;
    pub const WCHAR: i16 = -8;
    pub const WVARCHAR: i16 = -9;
    pub const WLONGVARCHAR: i16 = -10;
    pub const GUID: i16 = -11;
}

/// How PostgreSQL types are described to the application: the sizes reported for unbounded
/// character types (psqlODBC's MaxVarcharSize / MaxLongVarcharSize, so bulk clients do not
/// allocate gigabytes per row) and psqlODBC's other type-description keys.
#[derive(Debug, Clone, Copy)]
pub struct SizeLimits {
    pub max_varchar: u32,
    pub max_long_varchar: u32,
    pub text_as_long_varchar: bool,
    /// Describe bytea as SQL_LONGVARBINARY rather than SQL_VARBINARY (psqlODBC's ByteaAsLongVarBinary).
    pub bytea_as_long_varbinary: bool,
    /// Report character columns as the wide (W) SQL types.
    pub wide: bool,
    /// Describe bool as SQL_VARCHAR of 5 characters (psqlODBC's BoolsAsChar).
    pub bools_as_char: bool,
    /// Describe types without an ODBC equivalent as SQL_LONGVARCHAR (psqlODBC's
    /// UnknownsAsLongVarchar); otherwise SQL_VARCHAR.
    pub unknowns_as_long_varchar: bool,
    /// psqlODBC's UnknownSizes = 1 ("don't know"): character columns without a declared
    /// length report column size 0.
    pub unknown_sizes_unknown: bool,
    /// The SQL type reported for int8 (psqlODBC's Int8As / BI).
    pub int8_as: i16,
    /// The SQL type reported for numeric without a declared precision (psqlODBC's
    /// NumericAs); `None` keeps SQL_NUMERIC(28,6).
    pub numeric_as: Option<i16>,
}

impl Default for SizeLimits {
    fn default() -> Self {
        SizeLimits {
            max_varchar: 255,
            max_long_varchar: 8190,
            text_as_long_varchar: true,
            bytea_as_long_varbinary: true,
            wide: false,
            bools_as_char: false,
            unknowns_as_long_varchar: true,
            unknown_sizes_unknown: false,
            int8_as: sql::BIGINT,
            numeric_as: None,
        }
    }
}

impl SizeLimits {
    /// psqlODBC's Int8As code as a key gives it ("0" is the default, SQL_BIGINT).
    pub fn int8_as_code(word: Option<&str>) -> i16 {
        match word.and_then(|w| w.parse::<i16>().ok()) {
            Some(0) | None => sql::BIGINT,
            Some(code) => code,
        }
    }

    /// psqlODBC's NumericAs code as a key gives it ("-101" is the default).
    pub fn numeric_as_code(word: Option<&str>) -> Option<i16> {
        word.and_then(|w| w.parse::<i16>().ok())
            .filter(|code| *code != -101)
    }
}

/// What SQLDescribeCol / SQLColAttribute report for one column.
#[derive(Debug, Clone)]
pub struct ColumnInfo {
    pub name: String,
    pub sql_type: i16,
    /// The concise type for ODBC 2 applications (SQL_DATE instead of SQL_TYPE_DATE, ...).
    pub column_size: u64,
    pub decimal_digits: i16,
    pub display_size: i64,
    pub octet_length: i64,
    pub type_name: String,
    pub unsigned: bool,
    pub case_sensitive: bool,
    pub precision: i16,
    pub scale: i16,
    pub fixed_prec_scale: bool,
    pub num_prec_radix: i32,
    /// SQL_NULLABLE_UNKNOWN unless known.
    pub nullable: i16,
    pub searchable: i16,
    /// The table and attribute number a result column comes from, when it is a table's.
    pub table_oid: Option<u32>,
    pub column_id: Option<i16>,
    /// Filled in from the catalog when asked for (see [`super::table_columns`]); empty
    /// for a column that is not a table's.
    pub table_name: String,
    pub schema_name: String,
    pub catalog_name: String,
    pub base_column_name: String,
}

const NULLABLE: i16 = 1;
const NULLABLE_UNKNOWN: i16 = 2;
const PRED_BASIC: i16 = 2;
const SEARCHABLE: i16 = 3;

fn typmod_length(typmod: i32) -> Option<u32> {
    if typmod >= 4 {
        u32::try_from(typmod - 4).ok()
    } else {
        None
    }
}

fn numeric_precision_scale(typmod: i32) -> Option<(u16, u16)> {
    if typmod < 4 {
        return None;
    }
    let m = typmod - 4;
    let precision = u16::try_from((m >> 16) & 0xffff).ok()?;
    let scale = u16::try_from(m & 0xffff).ok()?;
    Some((precision, scale))
}

fn char_type(limits: &SizeLimits, fixed: bool, long: bool) -> i16 {
    match (fixed, long, limits.wide) {
        (true, _, false) => sql::CHAR,
        (true, _, true) => sql::WCHAR,
        (false, true, false) => sql::LONGVARCHAR,
        (false, true, true) => sql::WLONGVARCHAR,
        (false, false, false) => sql::VARCHAR,
        (false, false, true) => sql::WVARCHAR,
    }
}

/// Whether `ty` is the `lo` extension's type (a domain over `oid` named `lo`): a column whose
/// values are large objects' oids, which psqlODBC reads and writes as the objects' bytes
/// (SQL_LONGVARBINARY).
pub fn is_large_object(ty: &Type) -> bool {
    // The kind first: built-in types answer it without a string comparison.
    matches!(ty.kind(), Kind::Domain(base) if *base == Type::OID) && ty.name() == "lo"
}

/// Describes a result column of type `ty` with type modifier `typmod`.
pub fn describe(name: &str, ty: &Type, typmod: i32, limits: &SizeLimits) -> ColumnInfo {
    let base = match ty.kind() {
        Kind::Domain(base) => base.clone(),
        _ => ty.clone(),
    };
    let mut info = ColumnInfo {
        name: name.to_string(),
        sql_type: sql::VARCHAR,
        column_size: 0,
        decimal_digits: 0,
        display_size: 0,
        octet_length: 0,
        type_name: type_name(ty).to_string(),
        unsigned: false,
        case_sensitive: false,
        precision: 0,
        scale: 0,
        fixed_prec_scale: false,
        num_prec_radix: 0,
        nullable: NULLABLE_UNKNOWN,
        searchable: PRED_BASIC,
        table_oid: None,
        column_id: None,
        table_name: String::new(),
        schema_name: String::new(),
        catalog_name: String::new(),
        base_column_name: String::new(),
    };
    let set_num =
        |info: &mut ColumnInfo, t: i16, size: u64, display: i64, octets: i64, radix: i32| {
            info.sql_type = t;
            info.column_size = size;
            info.display_size = display;
            info.octet_length = octets;
            info.num_prec_radix = radix;
            info.precision = i16::try_from(size).unwrap_or(i16::MAX);
        };
    let set_text = |info: &mut ColumnInfo, t: i16, size: u32| {
        info.sql_type = t;
        info.column_size = u64::from(size);
        info.display_size = i64::from(size);
        // Octets of the UTF-8 (narrow) or UTF-16 (wide) form.
        info.octet_length = if limits.wide {
            i64::from(size) * 2
        } else {
            i64::from(size) * 4
        };
        info.case_sensitive = true;
        info.searchable = SEARCHABLE;
        info.precision = i16::try_from(size).unwrap_or(i16::MAX);
    };
    match base {
        // Large objects read as their bytes, as bytea described as SQL_LONGVARBINARY is.
        Type::OID if is_large_object(ty) => {
            info.sql_type = sql::LONGVARBINARY;
            info.column_size = u64::from(limits.max_long_varchar);
            info.display_size = i64::from(limits.max_long_varchar) * 2;
            info.octet_length = i64::from(limits.max_long_varchar);
        }
        Type::BOOL if limits.bools_as_char => {
            // psqlODBC's BoolsAsChar: a five-character VARCHAR (room for "false").
            info.sql_type = sql::VARCHAR;
            info.column_size = 5;
            info.display_size = 5;
            info.octet_length = 5;
            info.precision = 5;
        }
        Type::BOOL => set_num(&mut info, sql::BIT, 1, 1, 1, 0),
        Type::INT2 => set_num(&mut info, sql::SMALLINT, 5, 6, 2, 10),
        Type::INT4 => set_num(&mut info, sql::INTEGER, 10, 11, 4, 10),
        Type::INT8 => {
            set_num(&mut info, sql::BIGINT, 19, 20, 8, 10);
            // psqlODBC's Int8As changes the type code alone.
            info.sql_type = limits.int8_as;
        }
        Type::OID | Type::XID | Type::CID => {
            set_num(&mut info, sql::BIGINT, 10, 10, 8, 10);
            info.unsigned = true;
        }
        Type::FLOAT4 => set_num(&mut info, sql::REAL, 7, 14, 4, 2),
        Type::FLOAT8 => set_num(&mut info, sql::DOUBLE, 15, 24, 8, 2),
        Type::NUMERIC
            if numeric_precision_scale(typmod).is_none() && limits.numeric_as.is_some() =>
        {
            match limits.numeric_as {
                Some(sql::VARCHAR) => set_text(
                    &mut info,
                    char_type(limits, false, false),
                    limits.max_varchar,
                ),
                Some(sql::LONGVARCHAR) => set_text(
                    &mut info,
                    char_type(limits, false, true),
                    limits.max_long_varchar,
                ),
                Some(sql::DOUBLE) => set_num(&mut info, sql::DOUBLE, 15, 24, 8, 2),
                _ => {
                    set_num(&mut info, sql::NUMERIC, 28, 30, 30, 10);
                    info.decimal_digits = 6;
                    info.scale = 6;
                }
            }
        }
        Type::NUMERIC => {
            let (p, s) = numeric_precision_scale(typmod).unwrap_or((28, 6));
            set_num(
                &mut info,
                sql::NUMERIC,
                u64::from(p),
                i64::from(p) + 2,
                i64::from(p) + 2,
                10,
            );
            info.decimal_digits = i16::try_from(s).unwrap_or(0);
            info.scale = info.decimal_digits;
        }
        Type::MONEY => set_num(&mut info, sql::VARCHAR, 24, 24, 24, 0),
        Type::BPCHAR | Type::CHAR => {
            let n = typmod_length(typmod).unwrap_or(if base == Type::CHAR {
                1
            } else {
                limits.max_varchar
            });
            set_text(&mut info, char_type(limits, true, false), n);
        }
        Type::VARCHAR => {
            let n = typmod_length(typmod).unwrap_or(limits.max_varchar);
            set_text(&mut info, char_type(limits, false, false), n);
        }
        Type::NAME => set_text(&mut info, char_type(limits, false, false), 63),
        // psqlODBC: xml is always a long character type.
        Type::XML => set_text(
            &mut info,
            char_type(limits, false, true),
            limits.max_long_varchar,
        ),
        Type::TEXT => {
            if limits.text_as_long_varchar {
                set_text(
                    &mut info,
                    char_type(limits, false, true),
                    limits.max_long_varchar,
                );
            } else {
                set_text(
                    &mut info,
                    char_type(limits, false, false),
                    limits.max_varchar,
                );
            }
        }
        Type::BYTEA => {
            info.sql_type = if limits.bytea_as_long_varbinary {
                sql::LONGVARBINARY
            } else {
                sql::VARBINARY
            };
            info.column_size = u64::from(limits.max_long_varchar);
            info.display_size = i64::from(limits.max_long_varchar) * 2;
            info.octet_length = i64::from(limits.max_long_varchar);
        }
        Type::DATE => {
            info.sql_type = sql::TYPE_DATE;
            info.column_size = 10;
            info.display_size = 10;
            info.octet_length = 6;
            info.searchable = SEARCHABLE;
        }
        Type::TIME => {
            info.sql_type = sql::TYPE_TIME;
            info.column_size = 15;
            info.display_size = 15;
            info.octet_length = 6;
            info.decimal_digits = 6;
            info.searchable = SEARCHABLE;
        }
        Type::TIMESTAMP | Type::TIMESTAMPTZ => {
            info.sql_type = sql::TYPE_TIMESTAMP;
            info.column_size = 26;
            info.display_size = 26;
            info.octet_length = 16;
            info.decimal_digits = 6;
            info.precision = 6;
            info.searchable = SEARCHABLE;
        }
        Type::UUID => {
            info.sql_type = sql::GUID;
            // psqlODBC's size: the text with its terminating NUL.
            info.column_size = 37;
            info.display_size = 36;
            info.octet_length = 16;
        }
        _ => {
            // Everything else (json, intervals, arrays, network types, enums, ranges...) reads
            // as text, described by UnknownsAsLongVarchar.
            if limits.unknowns_as_long_varchar {
                set_text(
                    &mut info,
                    char_type(limits, false, true),
                    limits.max_long_varchar,
                );
            } else {
                set_text(
                    &mut info,
                    char_type(limits, false, false),
                    limits.max_varchar,
                );
            }
        }
    }
    // psqlODBC counts a character type without a length (text, varchar, name, and what reads
    // as text) at its column size in octets; a declared length n at n characters' octets.
    let declared_length = base == Type::CHAR
        || (matches!(base, Type::BPCHAR | Type::VARCHAR) && typmod_length(typmod).is_some());
    if info.case_sensitive && !declared_length {
        info.octet_length = i64::try_from(info.column_size).unwrap_or(i64::MAX);
        // UnknownSizes=1: a size that cannot be determined is 0 (name has a fixed one).
        if limits.unknown_sizes_unknown && base != Type::NAME {
            info.column_size = 0;
            info.display_size = 0;
            info.octet_length = 0;
            info.precision = 0;
        }
    }
    info
}

/// The type's name as psqlODBC reports it (SQL_DESC_TYPE_NAME): PostgreSQL's own name, except
/// `char` for blank-padded character and `timestamp without time zone` for timestamp.
fn type_name(ty: &Type) -> &str {
    match *ty {
        Type::BPCHAR => "char",
        Type::TIMESTAMP => "timestamp without time zone",
        _ => ty.name(),
    }
}

/// Describes a result column: its type as [`describe`] does, and where it comes from. A column
/// that is not a table's (an expression) is SQL_NULLABLE, as psqlODBC reports it; a table's
/// stays SQL_NULLABLE_UNKNOWN until the catalog says ([`super::table_columns`]).
pub fn describe_result_column(col: &tokio_postgres::Column, limits: &SizeLimits) -> ColumnInfo {
    let mut info = describe(col.name(), col.type_(), col.type_modifier(), limits);
    info.table_oid = col.table_oid();
    info.column_id = col.column_id();
    if info.table_oid.is_none() {
        info.nullable = NULLABLE;
    }
    info
}

/// The datetime SQL types of ODBC 3 under their ODBC 2 codes, for ODBC 2 applications.
pub fn odbc2_sql_type(t: i16) -> i16 {
    match t {
        sql::TYPE_DATE => sql::DATE,
        sql::TYPE_TIME => sql::TIME,
        sql::TYPE_TIMESTAMP => sql::TIMESTAMP,
        other => other,
    }
}

/// SQL_DESC_TYPE (the verbose type) and SQL_DESC_DATETIME_INTERVAL_CODE for a concise type.
pub fn verbose_type(t: i16) -> (i16, i16) {
    match t {
        sql::TYPE_DATE | sql::DATE => (sql::DATETIME, 1),
        sql::TYPE_TIME | sql::TIME => (sql::DATETIME, 2),
        sql::TYPE_TIMESTAMP | sql::TIMESTAMP => (sql::DATETIME, 3),
        other => (other, 0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_objects_are_long_varbinary() {
        let lo = Type::new(
            "lo".into(),
            90_001,
            Kind::Domain(Type::OID),
            "public".into(),
        );
        assert!(is_large_object(&lo));
        let info = describe("data", &lo, -1, &SizeLimits::default());
        assert_eq!(
            (info.sql_type, info.column_size, info.type_name.as_str()),
            (sql::LONGVARBINARY, 8190, "lo")
        );
        let other = Type::new(
            "lo".into(),
            90_002,
            Kind::Domain(Type::INT4),
            "public".into(),
        );
        assert!(
            !is_large_object(&other),
            "a domain named lo over another type"
        );
        let plain = describe("o", &Type::OID, -1, &SizeLimits::default());
        assert_eq!(plain.sql_type, sql::BIGINT);
    }

    #[test]
    fn unbounded_text_is_capped() {
        let info = describe("t", &Type::TEXT, -1, &SizeLimits::default());
        assert_eq!(info.sql_type, sql::LONGVARCHAR);
        assert_eq!(info.column_size, 8190);
    }

    #[test]
    fn numeric_typmod_gives_precision_and_scale() {
        let typmod = ((12 << 16) | 3) + 4;
        let info = describe("n", &Type::NUMERIC, typmod, &SizeLimits::default());
        assert_eq!((info.column_size, info.decimal_digits), (12, 3));
    }

    #[test]
    fn varchar_length_and_wide_types() {
        let limits = SizeLimits {
            wide: true,
            ..SizeLimits::default()
        };
        let info = describe("v", &Type::VARCHAR, 40 + 4, &limits);
        assert_eq!((info.sql_type, info.column_size), (sql::WVARCHAR, 40));
    }

    #[test]
    fn psqlodbc_description_keys() {
        let keys = SizeLimits {
            bools_as_char: true,
            int8_as: sql::NUMERIC,
            numeric_as: Some(sql::DOUBLE),
            unknowns_as_long_varchar: false,
            unknown_sizes_unknown: true,
            ..SizeLimits::default()
        };
        let b = describe("b", &Type::BOOL, -1, &keys);
        assert_eq!((b.sql_type, b.column_size), (sql::VARCHAR, 5));
        let i = describe("i", &Type::INT8, -1, &keys);
        assert_eq!((i.sql_type, i.column_size), (sql::NUMERIC, 19));
        let n = describe("n", &Type::NUMERIC, -1, &keys);
        assert_eq!((n.sql_type, n.column_size), (sql::DOUBLE, 15));
        let declared = describe("n", &Type::NUMERIC, ((10 << 16) | 2) + 4, &keys);
        assert_eq!(
            declared.sql_type,
            sql::NUMERIC,
            "NumericAs leaves numeric(p,s) alone"
        );
        let j = describe("j", &Type::JSON, -1, &keys);
        assert_eq!(
            (j.sql_type, j.column_size),
            (sql::VARCHAR, 0),
            "size unknown"
        );
        let t = describe("t", &Type::TEXT, -1, &keys);
        assert_eq!((t.sql_type, t.column_size), (sql::LONGVARCHAR, 0));
        let v = describe("v", &Type::VARCHAR, 20 + 4, &keys);
        assert_eq!(v.column_size, 20, "a declared length is known");
        let j = describe("j", &Type::JSON, -1, &SizeLimits::default());
        assert_eq!((j.sql_type, j.column_size), (sql::LONGVARCHAR, 8190));
    }
}
