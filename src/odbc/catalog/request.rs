//! The catalog functions as an application calls them: check the arguments (null pointers
//! where a name is required, out-of-range options), classify each name as a pattern, a
//! literal or an identifier (by the function's rules and SQL_ATTR_METADATA_ID), build the
//! query and run it as a driver-made statement: names reach the server as parameters only.

use super::{CatalogQuery, NameArg, SystemTables, TypeMapping, SQL_BEST_ROWID, SQL_ROWVER};
use crate::engine::settings::Key;
use crate::odbc::diag::{state, OdbcError, OdbcResult, Outcome, SqlState};
use crate::odbc::stmt::Statement;

/// One decoded name argument (a null pointer is `None`).
pub type Name = Option<String>;

/// SQL_ATTR_METADATA_ID of the statement, or of its connection (statements inherit it).
fn metadata_id(s: &Statement) -> bool {
    let own = s.state.lock().attrs.metadata_id;
    own || s.conn.state.lock().attrs.metadata_id
}

/// How types are reported, from the connection's limits and the application's ODBC version,
/// so catalog answers agree with SQLDescribeCol on real results.
fn mapping(s: &Statement) -> TypeMapping {
    let limits = s.conn.state.lock().limits;
    TypeMapping {
        max_varchar: i32::try_from(limits.max_varchar).unwrap_or(i32::MAX),
        max_long_varchar: i32::try_from(limits.max_long_varchar).unwrap_or(i32::MAX),
        unicode: limits.wide,
        text_as_long_varchar: limits.text_as_long_varchar,
        bytea_as_long_varbinary: limits.bytea_as_long_varbinary,
        odbc2: s.conn.env.odbc_version() == crate::odbc::env::SQL_OV_ODBC2,
        bools_as_char: limits.bools_as_char,
        unknowns_as_long_varchar: limits.unknowns_as_long_varchar,
        int8_as: limits.int8_as,
        numeric_as: limits.numeric_as,
    }
}

/// What SQLTables counts as system relations, from the connection's keys.
fn system_tables(s: &Statement) -> SystemTables {
    let st = s.conn.state.lock();
    match st.settings.as_ref() {
        Some(settings) => SystemTables::new(
            settings.get_bool(Key::ShowSystemTables),
            settings
                .get_str(Key::ExtraSysTablePrefixes)
                .unwrap_or_default(),
        ),
        None => SystemTables::default(),
    }
}

/// With SQL_ATTR_METADATA_ID true every name argument is an identifier and must be given.
fn require_if_identifier(metadata: bool, args: &[&Name]) -> OdbcResult<()> {
    if metadata && args.iter().any(|a| a.is_none()) {
        return Err(OdbcError::new(
            state::NULL_POINTER,
            "with SQL_ATTR_METADATA_ID set, name arguments cannot be null pointers",
        ));
    }
    Ok(())
}

fn require_table(table: &Name) -> OdbcResult<()> {
    if table.is_none() {
        return Err(OdbcError::new(
            state::NULL_POINTER,
            "the table name is a null pointer",
        ));
    }
    Ok(())
}

/// A name in a pattern position (`true`) or an ordinary one.
fn arg(value: &Name, pattern: bool, metadata: bool) -> NameArg<'_> {
    NameArg::from_odbc(value.as_deref(), pattern, metadata)
}

fn run(s: &Statement, q: &CatalogQuery) -> OdbcResult<Outcome> {
    s.exec_internal(&q.sql, &q.params)
}

/// SQLTables.
pub fn tables(s: &Statement, [c, sc, t, ty]: [Name; 4]) -> OdbcResult<Outcome> {
    let m = metadata_id(s);
    // The special enumerations (SQL_ALL_CATALOGS etc.) pass "" for the other names, so
    // null checks for identifiers would reject them: they are not enforced here.
    let q = super::tables(
        arg(&c, true, m),
        arg(&sc, true, m),
        arg(&t, true, m),
        ty.as_deref(),
        &system_tables(s),
    );
    run(s, &q)
}

/// SQLColumns.
pub fn columns(s: &Statement, [c, sc, t, co]: [Name; 4]) -> OdbcResult<Outcome> {
    let m = metadata_id(s);
    require_if_identifier(m, &[&sc, &t, &co])?;
    let q = super::columns(
        arg(&c, false, m),
        arg(&sc, true, m),
        arg(&t, true, m),
        arg(&co, true, m),
        &mapping(s),
    );
    run(s, &q)
}

/// SQLPrimaryKeys.
pub fn primary_keys(s: &Statement, [c, sc, t]: [Name; 3]) -> OdbcResult<Outcome> {
    require_table(&t)?;
    let m = metadata_id(s);
    let q = super::primary_keys(arg(&c, false, m), arg(&sc, false, m), arg(&t, false, m));
    run(s, &q)
}

/// SQLForeignKeys: the primary key table's catalog, schema and name, then the foreign key
/// table's.
pub fn foreign_keys(s: &Statement, v: [Name; 6]) -> OdbcResult<Outcome> {
    if v[2].is_none() && v[5].is_none() {
        return Err(OdbcError::new(
            state::NULL_POINTER,
            "both the primary key table and the foreign key table are null pointers",
        ));
    }
    let m = metadata_id(s);
    let a = |i: usize| arg(&v[i], false, m);
    let q = super::foreign_keys(a(0), a(1), a(2), a(3), a(4), a(5));
    run(s, &q)
}

const SQL_INDEX_UNIQUE: u16 = 0;
const SQL_INDEX_ALL: u16 = 1;

/// SQLStatistics; the Reserved (accuracy) argument changes nothing.
pub fn statistics(
    s: &Statement,
    [c, sc, t]: [Name; 3],
    unique: u16,
    _reserved: u16,
) -> OdbcResult<Outcome> {
    require_table(&t)?;
    if unique != SQL_INDEX_UNIQUE && unique != SQL_INDEX_ALL {
        return Err(OdbcError::new(
            SqlState::new("HY100"),
            format!("uniqueness option {unique} is not valid"),
        ));
    }
    let m = metadata_id(s);
    let q = super::statistics(
        arg(&c, false, m),
        arg(&sc, false, m),
        arg(&t, false, m),
        unique == SQL_INDEX_UNIQUE,
    );
    run(s, &q)
}

/// SQLSpecialColumns.
pub fn special_columns(
    s: &Statement,
    id_type: u16,
    [c, sc, t]: [Name; 3],
    scope: u16,
    nullable: u16,
) -> OdbcResult<Outcome> {
    require_table(&t)?;
    if id_type != SQL_BEST_ROWID && id_type != SQL_ROWVER {
        return Err(OdbcError::new(
            SqlState::new("HY097"),
            format!("column type {id_type} is out of range"),
        ));
    }
    if scope > 2 {
        return Err(OdbcError::new(
            SqlState::new("HY098"),
            format!("scope type {scope} is out of range"),
        ));
    }
    if nullable > 1 {
        return Err(OdbcError::new(
            SqlState::new("HY099"),
            format!("nullable type {nullable} is out of range"),
        ));
    }
    let m = metadata_id(s);
    let q = super::special_columns(
        id_type,
        arg(&c, false, m),
        arg(&sc, false, m),
        arg(&t, false, m),
        scope,
        nullable,
        &mapping(s),
    );
    run(s, &q)
}

/// The functions whose arguments are a catalog name and two search patterns (schema and
/// object): SQLProcedures and SQLTablePrivileges.
fn patterned(
    s: &Statement,
    [c, sc, o]: [Name; 3],
    build: fn(NameArg<'_>, NameArg<'_>, NameArg<'_>) -> CatalogQuery,
) -> OdbcResult<Outcome> {
    let m = metadata_id(s);
    require_if_identifier(m, &[&sc, &o])?;
    let q = build(arg(&c, false, m), arg(&sc, true, m), arg(&o, true, m));
    run(s, &q)
}

/// SQLProcedures.
pub fn procedures(s: &Statement, names: [Name; 3]) -> OdbcResult<Outcome> {
    patterned(s, names, super::procedures)
}

/// SQLTablePrivileges.
pub fn table_privileges(s: &Statement, names: [Name; 3]) -> OdbcResult<Outcome> {
    patterned(s, names, super::table_privileges)
}

/// SQLProcedureColumns.
pub fn procedure_columns(s: &Statement, [c, sc, p, co]: [Name; 4]) -> OdbcResult<Outcome> {
    let m = metadata_id(s);
    require_if_identifier(m, &[&sc, &p, &co])?;
    let q = super::procedure_columns(
        arg(&c, false, m),
        arg(&sc, true, m),
        arg(&p, true, m),
        arg(&co, true, m),
        &mapping(s),
    );
    run(s, &q)
}

/// SQLColumnPrivileges.
pub fn column_privileges(s: &Statement, [c, sc, t, co]: [Name; 4]) -> OdbcResult<Outcome> {
    require_table(&t)?;
    let m = metadata_id(s);
    require_if_identifier(m, &[&co])?;
    let q = super::column_privileges(
        arg(&c, false, m),
        arg(&sc, false, m),
        arg(&t, false, m),
        arg(&co, true, m),
    );
    run(s, &q)
}

/// SQLGetTypeInfo.
pub fn type_info(s: &Statement, data_type: i16) -> OdbcResult<Outcome> {
    let q = super::type_info(data_type, &mapping(s));
    run(s, &q)
}
