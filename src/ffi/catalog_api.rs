//! Entry points for the catalog functions (SQLTables ... SQLGetTypeInfo), ANSI and W.
//!
//! Each decodes its name arguments, classifies them (pattern, literal or identifier, by the
//! function's rules and SQL_ATTR_METADATA_ID), asks [`crate::odbc::catalog`] for the query and
//! runs it as a driver-made statement: names reach the server as parameters only.
//!
//! # Safety
//! Every exported function here relies on the caller following the ODBC specification for it:
//! handles come from this driver (checked against the registry anyway), and every pointer is
//! null or valid for the length the call passes. That one contract is stated here rather than
//! on each function.
#![allow(clippy::missing_safety_doc)]

use super::guard::{self, call_stmt};
use super::text::{self, Enc};
use crate::odbc::catalog::{self, CatalogQuery, NameArg, TypeMapping};
use crate::odbc::diag::{state, OdbcError, OdbcResult, Outcome, SqlState};
use crate::odbc::stmt::Statement;
use std::ffi::c_void;

/// One decoded name argument (null pointer = `None`).
type Arg = Option<String>;

/// Reads a name argument; lengths are SQLSMALLINT here.
///
/// # Safety
/// `ptr` is null or a string of `len` units (or NUL-terminated for SQL_NTS).
unsafe fn arg(enc: Enc, ptr: *const c_void, len: i16) -> OdbcResult<Arg> {
    text::read(enc, ptr, i32::from(len))
}

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
        // odbc::types describes bytea result columns as SQL_LONGVARBINARY.
        bytea_as_long_varbinary: true,
        odbc2: s.conn.env.odbc_version() == crate::odbc::env::SQL_OV_ODBC2,
    }
}

/// With SQL_ATTR_METADATA_ID true every name argument is an identifier and must be given.
fn require_if_identifier(metadata: bool, args: &[&Arg]) -> OdbcResult<()> {
    if metadata && args.iter().any(|a| a.is_none()) {
        return Err(OdbcError::new(
            state::NULL_POINTER,
            "with SQL_ATTR_METADATA_ID set, name arguments cannot be null pointers",
        ));
    }
    Ok(())
}

fn run(s: &Statement, q: &CatalogQuery) -> OdbcResult<Outcome> {
    s.exec_internal(&q.sql, &q.params)
}

// ---------------------------------------------------------------------------------------------
// SQLTables

#[allow(clippy::too_many_arguments)]
unsafe fn tables(
    enc: Enc,
    h: *mut c_void,
    cat: *const c_void,
    cat_len: i16,
    sch: *const c_void,
    sch_len: i16,
    tab: *const c_void,
    tab_len: i16,
    typ: *const c_void,
    typ_len: i16,
) -> i16 {
    call_stmt(h, |s| {
        let (c, sc, t, ty) = (
            arg(enc, cat, cat_len)?,
            arg(enc, sch, sch_len)?,
            arg(enc, tab, tab_len)?,
            arg(enc, typ, typ_len)?,
        );
        let m = metadata_id(s);
        // The special enumerations (SQL_ALL_CATALOGS etc.) pass "" for the other names, so
        // null checks for identifiers would reject them: they are not enforced here.
        let q = catalog::tables(
            NameArg::from_odbc(c.as_deref(), true, m),
            NameArg::from_odbc(sc.as_deref(), true, m),
            NameArg::from_odbc(t.as_deref(), true, m),
            ty.as_deref(),
        );
        run(s, &q)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLTables(
    h: *mut c_void,
    cat: *const u8,
    cat_len: i16,
    sch: *const u8,
    sch_len: i16,
    tab: *const u8,
    tab_len: i16,
    typ: *const u8,
    typ_len: i16,
) -> i16 {
    guard::raw(|| {
        tables(
            Enc::Narrow,
            h,
            cat.cast(),
            cat_len,
            sch.cast(),
            sch_len,
            tab.cast(),
            tab_len,
            typ.cast(),
            typ_len,
        )
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLTablesW(
    h: *mut c_void,
    cat: *const u16,
    cat_len: i16,
    sch: *const u16,
    sch_len: i16,
    tab: *const u16,
    tab_len: i16,
    typ: *const u16,
    typ_len: i16,
) -> i16 {
    guard::raw(|| {
        tables(
            Enc::Wide,
            h,
            cat.cast(),
            cat_len,
            sch.cast(),
            sch_len,
            tab.cast(),
            tab_len,
            typ.cast(),
            typ_len,
        )
    })
}

// ---------------------------------------------------------------------------------------------
// SQLColumns

#[allow(clippy::too_many_arguments)]
unsafe fn columns(
    enc: Enc,
    h: *mut c_void,
    cat: *const c_void,
    cat_len: i16,
    sch: *const c_void,
    sch_len: i16,
    tab: *const c_void,
    tab_len: i16,
    col: *const c_void,
    col_len: i16,
) -> i16 {
    call_stmt(h, |s| {
        let (c, sc, t, co) = (
            arg(enc, cat, cat_len)?,
            arg(enc, sch, sch_len)?,
            arg(enc, tab, tab_len)?,
            arg(enc, col, col_len)?,
        );
        let m = metadata_id(s);
        require_if_identifier(m, &[&sc, &t, &co])?;
        let q = catalog::columns(
            NameArg::from_odbc(c.as_deref(), false, m),
            NameArg::from_odbc(sc.as_deref(), true, m),
            NameArg::from_odbc(t.as_deref(), true, m),
            NameArg::from_odbc(co.as_deref(), true, m),
            &mapping(s),
        );
        run(s, &q)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLColumns(
    h: *mut c_void,
    cat: *const u8,
    cat_len: i16,
    sch: *const u8,
    sch_len: i16,
    tab: *const u8,
    tab_len: i16,
    col: *const u8,
    col_len: i16,
) -> i16 {
    guard::raw(|| {
        columns(
            Enc::Narrow,
            h,
            cat.cast(),
            cat_len,
            sch.cast(),
            sch_len,
            tab.cast(),
            tab_len,
            col.cast(),
            col_len,
        )
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLColumnsW(
    h: *mut c_void,
    cat: *const u16,
    cat_len: i16,
    sch: *const u16,
    sch_len: i16,
    tab: *const u16,
    tab_len: i16,
    col: *const u16,
    col_len: i16,
) -> i16 {
    guard::raw(|| {
        columns(
            Enc::Wide,
            h,
            cat.cast(),
            cat_len,
            sch.cast(),
            sch_len,
            tab.cast(),
            tab_len,
            col.cast(),
            col_len,
        )
    })
}

// ---------------------------------------------------------------------------------------------
// SQLPrimaryKeys

#[allow(clippy::too_many_arguments)]
unsafe fn primary_keys(
    enc: Enc,
    h: *mut c_void,
    cat: *const c_void,
    cat_len: i16,
    sch: *const c_void,
    sch_len: i16,
    tab: *const c_void,
    tab_len: i16,
) -> i16 {
    call_stmt(h, |s| {
        let (c, sc, t) = (
            arg(enc, cat, cat_len)?,
            arg(enc, sch, sch_len)?,
            arg(enc, tab, tab_len)?,
        );
        if t.is_none() {
            return Err(OdbcError::new(
                state::NULL_POINTER,
                "the table name is a null pointer",
            ));
        }
        let m = metadata_id(s);
        let q = catalog::primary_keys(
            NameArg::from_odbc(c.as_deref(), false, m),
            NameArg::from_odbc(sc.as_deref(), false, m),
            NameArg::from_odbc(t.as_deref(), false, m),
        );
        run(s, &q)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLPrimaryKeys(
    h: *mut c_void,
    cat: *const u8,
    cat_len: i16,
    sch: *const u8,
    sch_len: i16,
    tab: *const u8,
    tab_len: i16,
) -> i16 {
    guard::raw(|| {
        primary_keys(
            Enc::Narrow,
            h,
            cat.cast(),
            cat_len,
            sch.cast(),
            sch_len,
            tab.cast(),
            tab_len,
        )
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLPrimaryKeysW(
    h: *mut c_void,
    cat: *const u16,
    cat_len: i16,
    sch: *const u16,
    sch_len: i16,
    tab: *const u16,
    tab_len: i16,
) -> i16 {
    guard::raw(|| {
        primary_keys(
            Enc::Wide,
            h,
            cat.cast(),
            cat_len,
            sch.cast(),
            sch_len,
            tab.cast(),
            tab_len,
        )
    })
}

// ---------------------------------------------------------------------------------------------
// SQLForeignKeys

/// The six name arguments of SQLForeignKeys, as (pointer, length) pairs.
type SixNames = [(*const c_void, i16); 6];

unsafe fn foreign_keys(enc: Enc, h: *mut c_void, names: SixNames) -> i16 {
    call_stmt(h, |s| {
        let mut v: Vec<Arg> = Vec::with_capacity(6);
        for (p, l) in names {
            v.push(arg(enc, p, l)?);
        }
        if v[2].is_none() && v[5].is_none() {
            return Err(OdbcError::new(
                state::NULL_POINTER,
                "both the primary key table and the foreign key table are null pointers",
            ));
        }
        let m = metadata_id(s);
        let a = |i: usize| NameArg::from_odbc(v[i].as_deref(), false, m);
        let q = catalog::foreign_keys(a(0), a(1), a(2), a(3), a(4), a(5));
        run(s, &q)
    })
}

#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn SQLForeignKeys(
    h: *mut c_void,
    pc: *const u8,
    pcl: i16,
    ps: *const u8,
    psl: i16,
    pt: *const u8,
    ptl: i16,
    fc: *const u8,
    fcl: i16,
    fs: *const u8,
    fsl: i16,
    ft: *const u8,
    ftl: i16,
) -> i16 {
    guard::raw(|| {
        foreign_keys(
            Enc::Narrow,
            h,
            [
                (pc.cast(), pcl),
                (ps.cast(), psl),
                (pt.cast(), ptl),
                (fc.cast(), fcl),
                (fs.cast(), fsl),
                (ft.cast(), ftl),
            ],
        )
    })
}

#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn SQLForeignKeysW(
    h: *mut c_void,
    pc: *const u16,
    pcl: i16,
    ps: *const u16,
    psl: i16,
    pt: *const u16,
    ptl: i16,
    fc: *const u16,
    fcl: i16,
    fs: *const u16,
    fsl: i16,
    ft: *const u16,
    ftl: i16,
) -> i16 {
    guard::raw(|| {
        foreign_keys(
            Enc::Wide,
            h,
            [
                (pc.cast(), pcl),
                (ps.cast(), psl),
                (pt.cast(), ptl),
                (fc.cast(), fcl),
                (fs.cast(), fsl),
                (ft.cast(), ftl),
            ],
        )
    })
}

// ---------------------------------------------------------------------------------------------
// SQLStatistics

const SQL_INDEX_UNIQUE: u16 = 0;
const SQL_INDEX_ALL: u16 = 1;

#[allow(clippy::too_many_arguments)]
unsafe fn statistics(
    enc: Enc,
    h: *mut c_void,
    cat: *const c_void,
    cat_len: i16,
    sch: *const c_void,
    sch_len: i16,
    tab: *const c_void,
    tab_len: i16,
    unique: u16,
    _reserved: u16,
) -> i16 {
    call_stmt(h, |s| {
        let (c, sc, t) = (
            arg(enc, cat, cat_len)?,
            arg(enc, sch, sch_len)?,
            arg(enc, tab, tab_len)?,
        );
        if t.is_none() {
            return Err(OdbcError::new(
                state::NULL_POINTER,
                "the table name is a null pointer",
            ));
        }
        if unique != SQL_INDEX_UNIQUE && unique != SQL_INDEX_ALL {
            return Err(OdbcError::new(
                SqlState::new("HY100"),
                format!("uniqueness option {unique} is not valid"),
            ));
        }
        let m = metadata_id(s);
        let q = catalog::statistics(
            NameArg::from_odbc(c.as_deref(), false, m),
            NameArg::from_odbc(sc.as_deref(), false, m),
            NameArg::from_odbc(t.as_deref(), false, m),
            unique == SQL_INDEX_UNIQUE,
        );
        run(s, &q)
    })
}

#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn SQLStatistics(
    h: *mut c_void,
    cat: *const u8,
    cat_len: i16,
    sch: *const u8,
    sch_len: i16,
    tab: *const u8,
    tab_len: i16,
    unique: u16,
    reserved: u16,
) -> i16 {
    guard::raw(|| {
        statistics(
            Enc::Narrow,
            h,
            cat.cast(),
            cat_len,
            sch.cast(),
            sch_len,
            tab.cast(),
            tab_len,
            unique,
            reserved,
        )
    })
}

#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn SQLStatisticsW(
    h: *mut c_void,
    cat: *const u16,
    cat_len: i16,
    sch: *const u16,
    sch_len: i16,
    tab: *const u16,
    tab_len: i16,
    unique: u16,
    reserved: u16,
) -> i16 {
    guard::raw(|| {
        statistics(
            Enc::Wide,
            h,
            cat.cast(),
            cat_len,
            sch.cast(),
            sch_len,
            tab.cast(),
            tab_len,
            unique,
            reserved,
        )
    })
}

// ---------------------------------------------------------------------------------------------
// SQLSpecialColumns

#[allow(clippy::too_many_arguments)]
unsafe fn special_columns(
    enc: Enc,
    h: *mut c_void,
    id_type: u16,
    cat: *const c_void,
    cat_len: i16,
    sch: *const c_void,
    sch_len: i16,
    tab: *const c_void,
    tab_len: i16,
    scope: u16,
    nullable: u16,
) -> i16 {
    call_stmt(h, |s| {
        let (c, sc, t) = (
            arg(enc, cat, cat_len)?,
            arg(enc, sch, sch_len)?,
            arg(enc, tab, tab_len)?,
        );
        if t.is_none() {
            return Err(OdbcError::new(
                state::NULL_POINTER,
                "the table name is a null pointer",
            ));
        }
        if id_type != catalog::SQL_BEST_ROWID && id_type != catalog::SQL_ROWVER {
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
        let q = catalog::special_columns(
            id_type,
            NameArg::from_odbc(c.as_deref(), false, m),
            NameArg::from_odbc(sc.as_deref(), false, m),
            NameArg::from_odbc(t.as_deref(), false, m),
            scope,
            nullable,
            &mapping(s),
        );
        run(s, &q)
    })
}

#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn SQLSpecialColumns(
    h: *mut c_void,
    id_type: u16,
    cat: *const u8,
    cat_len: i16,
    sch: *const u8,
    sch_len: i16,
    tab: *const u8,
    tab_len: i16,
    scope: u16,
    nullable: u16,
) -> i16 {
    guard::raw(|| {
        special_columns(
            Enc::Narrow,
            h,
            id_type,
            cat.cast(),
            cat_len,
            sch.cast(),
            sch_len,
            tab.cast(),
            tab_len,
            scope,
            nullable,
        )
    })
}

#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn SQLSpecialColumnsW(
    h: *mut c_void,
    id_type: u16,
    cat: *const u16,
    cat_len: i16,
    sch: *const u16,
    sch_len: i16,
    tab: *const u16,
    tab_len: i16,
    scope: u16,
    nullable: u16,
) -> i16 {
    guard::raw(|| {
        special_columns(
            Enc::Wide,
            h,
            id_type,
            cat.cast(),
            cat_len,
            sch.cast(),
            sch_len,
            tab.cast(),
            tab_len,
            scope,
            nullable,
        )
    })
}

// ---------------------------------------------------------------------------------------------
// SQLProcedures / SQLProcedureColumns

/// The catalog functions whose arguments are a catalog name and two search patterns (schema and
/// object): SQLProcedures and SQLTablePrivileges.
#[allow(clippy::too_many_arguments)]
unsafe fn patterned_catalog(
    enc: Enc,
    h: *mut c_void,
    cat: *const c_void,
    cat_len: i16,
    sch: *const c_void,
    sch_len: i16,
    obj: *const c_void,
    obj_len: i16,
    build: fn(NameArg<'_>, NameArg<'_>, NameArg<'_>) -> catalog::CatalogQuery,
) -> i16 {
    call_stmt(h, |s| {
        let (c, sc, o) = (
            arg(enc, cat, cat_len)?,
            arg(enc, sch, sch_len)?,
            arg(enc, obj, obj_len)?,
        );
        let m = metadata_id(s);
        require_if_identifier(m, &[&sc, &o])?;
        let q = build(
            NameArg::from_odbc(c.as_deref(), false, m),
            NameArg::from_odbc(sc.as_deref(), true, m),
            NameArg::from_odbc(o.as_deref(), true, m),
        );
        run(s, &q)
    })
}

#[allow(clippy::too_many_arguments)]
unsafe fn procedures(
    enc: Enc,
    h: *mut c_void,
    cat: *const c_void,
    cat_len: i16,
    sch: *const c_void,
    sch_len: i16,
    pro: *const c_void,
    pro_len: i16,
) -> i16 {
    patterned_catalog(
        enc,
        h,
        cat,
        cat_len,
        sch,
        sch_len,
        pro,
        pro_len,
        catalog::procedures,
    )
}

#[no_mangle]
pub unsafe extern "C" fn SQLProcedures(
    h: *mut c_void,
    cat: *const u8,
    cat_len: i16,
    sch: *const u8,
    sch_len: i16,
    pro: *const u8,
    pro_len: i16,
) -> i16 {
    guard::raw(|| {
        procedures(
            Enc::Narrow,
            h,
            cat.cast(),
            cat_len,
            sch.cast(),
            sch_len,
            pro.cast(),
            pro_len,
        )
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLProceduresW(
    h: *mut c_void,
    cat: *const u16,
    cat_len: i16,
    sch: *const u16,
    sch_len: i16,
    pro: *const u16,
    pro_len: i16,
) -> i16 {
    guard::raw(|| {
        procedures(
            Enc::Wide,
            h,
            cat.cast(),
            cat_len,
            sch.cast(),
            sch_len,
            pro.cast(),
            pro_len,
        )
    })
}

#[allow(clippy::too_many_arguments)]
unsafe fn procedure_columns(
    enc: Enc,
    h: *mut c_void,
    cat: *const c_void,
    cat_len: i16,
    sch: *const c_void,
    sch_len: i16,
    pro: *const c_void,
    pro_len: i16,
    col: *const c_void,
    col_len: i16,
) -> i16 {
    call_stmt(h, |s| {
        let (c, sc, p, co) = (
            arg(enc, cat, cat_len)?,
            arg(enc, sch, sch_len)?,
            arg(enc, pro, pro_len)?,
            arg(enc, col, col_len)?,
        );
        let m = metadata_id(s);
        require_if_identifier(m, &[&sc, &p, &co])?;
        let q = catalog::procedure_columns(
            NameArg::from_odbc(c.as_deref(), false, m),
            NameArg::from_odbc(sc.as_deref(), true, m),
            NameArg::from_odbc(p.as_deref(), true, m),
            NameArg::from_odbc(co.as_deref(), true, m),
            &mapping(s),
        );
        run(s, &q)
    })
}

#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn SQLProcedureColumns(
    h: *mut c_void,
    cat: *const u8,
    cat_len: i16,
    sch: *const u8,
    sch_len: i16,
    pro: *const u8,
    pro_len: i16,
    col: *const u8,
    col_len: i16,
) -> i16 {
    guard::raw(|| {
        procedure_columns(
            Enc::Narrow,
            h,
            cat.cast(),
            cat_len,
            sch.cast(),
            sch_len,
            pro.cast(),
            pro_len,
            col.cast(),
            col_len,
        )
    })
}

#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn SQLProcedureColumnsW(
    h: *mut c_void,
    cat: *const u16,
    cat_len: i16,
    sch: *const u16,
    sch_len: i16,
    pro: *const u16,
    pro_len: i16,
    col: *const u16,
    col_len: i16,
) -> i16 {
    guard::raw(|| {
        procedure_columns(
            Enc::Wide,
            h,
            cat.cast(),
            cat_len,
            sch.cast(),
            sch_len,
            pro.cast(),
            pro_len,
            col.cast(),
            col_len,
        )
    })
}

// ---------------------------------------------------------------------------------------------
// SQLTablePrivileges / SQLColumnPrivileges

#[allow(clippy::too_many_arguments)]
unsafe fn table_privileges(
    enc: Enc,
    h: *mut c_void,
    cat: *const c_void,
    cat_len: i16,
    sch: *const c_void,
    sch_len: i16,
    tab: *const c_void,
    tab_len: i16,
) -> i16 {
    patterned_catalog(
        enc,
        h,
        cat,
        cat_len,
        sch,
        sch_len,
        tab,
        tab_len,
        catalog::table_privileges,
    )
}

#[no_mangle]
pub unsafe extern "C" fn SQLTablePrivileges(
    h: *mut c_void,
    cat: *const u8,
    cat_len: i16,
    sch: *const u8,
    sch_len: i16,
    tab: *const u8,
    tab_len: i16,
) -> i16 {
    guard::raw(|| {
        table_privileges(
            Enc::Narrow,
            h,
            cat.cast(),
            cat_len,
            sch.cast(),
            sch_len,
            tab.cast(),
            tab_len,
        )
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLTablePrivilegesW(
    h: *mut c_void,
    cat: *const u16,
    cat_len: i16,
    sch: *const u16,
    sch_len: i16,
    tab: *const u16,
    tab_len: i16,
) -> i16 {
    guard::raw(|| {
        table_privileges(
            Enc::Wide,
            h,
            cat.cast(),
            cat_len,
            sch.cast(),
            sch_len,
            tab.cast(),
            tab_len,
        )
    })
}

#[allow(clippy::too_many_arguments)]
unsafe fn column_privileges(
    enc: Enc,
    h: *mut c_void,
    cat: *const c_void,
    cat_len: i16,
    sch: *const c_void,
    sch_len: i16,
    tab: *const c_void,
    tab_len: i16,
    col: *const c_void,
    col_len: i16,
) -> i16 {
    call_stmt(h, |s| {
        let (c, sc, t, co) = (
            arg(enc, cat, cat_len)?,
            arg(enc, sch, sch_len)?,
            arg(enc, tab, tab_len)?,
            arg(enc, col, col_len)?,
        );
        if t.is_none() {
            return Err(OdbcError::new(
                state::NULL_POINTER,
                "the table name is a null pointer",
            ));
        }
        let m = metadata_id(s);
        require_if_identifier(m, &[&co])?;
        let q = catalog::column_privileges(
            NameArg::from_odbc(c.as_deref(), false, m),
            NameArg::from_odbc(sc.as_deref(), false, m),
            NameArg::from_odbc(t.as_deref(), false, m),
            NameArg::from_odbc(co.as_deref(), true, m),
        );
        run(s, &q)
    })
}

#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn SQLColumnPrivileges(
    h: *mut c_void,
    cat: *const u8,
    cat_len: i16,
    sch: *const u8,
    sch_len: i16,
    tab: *const u8,
    tab_len: i16,
    col: *const u8,
    col_len: i16,
) -> i16 {
    guard::raw(|| {
        column_privileges(
            Enc::Narrow,
            h,
            cat.cast(),
            cat_len,
            sch.cast(),
            sch_len,
            tab.cast(),
            tab_len,
            col.cast(),
            col_len,
        )
    })
}

#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub unsafe extern "C" fn SQLColumnPrivilegesW(
    h: *mut c_void,
    cat: *const u16,
    cat_len: i16,
    sch: *const u16,
    sch_len: i16,
    tab: *const u16,
    tab_len: i16,
    col: *const u16,
    col_len: i16,
) -> i16 {
    guard::raw(|| {
        column_privileges(
            Enc::Wide,
            h,
            cat.cast(),
            cat_len,
            sch.cast(),
            sch_len,
            tab.cast(),
            tab_len,
            col.cast(),
            col_len,
        )
    })
}

// ---------------------------------------------------------------------------------------------
// SQLGetTypeInfo

fn get_type_info(h: *mut c_void, data_type: i16) -> i16 {
    call_stmt(h, |s| {
        let q = catalog::type_info(data_type, &mapping(s));
        run(s, &q)
    })
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetTypeInfo(h: *mut c_void, data_type: i16) -> i16 {
    guard::raw(|| get_type_info(h, data_type))
}

#[no_mangle]
pub unsafe extern "C" fn SQLGetTypeInfoW(h: *mut c_void, data_type: i16) -> i16 {
    guard::raw(|| get_type_info(h, data_type))
}
