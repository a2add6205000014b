//! The functions SQLGetFunctions reports (odbc::functions::SUPPORTED) are exactly the SQLxxx
//! entry points the built library exports: unixODBC hides every export the bitmap leaves out
//! and calls whatever the bitmap promises, so the two must never drift apart.

mod common;
mod support;

use auroraodbc::odbc::functions::{api_name, SUPPORTED};
use std::collections::BTreeSet;
use std::process::Command;

/// The symbols the built .so defines and exports.
fn exported_symbols() -> BTreeSet<String> {
    let so = common::driver_so();
    let out = Command::new("nm")
        .args(["-D", "--defined-only"])
        .arg(&so)
        .output()
        .expect("run nm");
    assert!(
        out.status.success(),
        "nm failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().last().map(str::to_string))
        .collect()
}

/// Upper-case API names exported by the .so, with the A/W suffixes folded away.
fn exported_api_names() -> BTreeSet<String> {
    exported_symbols()
        .iter()
        .filter(|sym| sym.starts_with("SQL"))
        .map(|sym| {
            let base = sym
                .strip_suffix('W')
                .or_else(|| sym.strip_suffix('A'))
                .unwrap_or(sym);
            base.to_ascii_uppercase()
        })
        .collect()
}

#[test]
fn supported_list_equals_exported_functions() {
    let exported = exported_api_names();
    let listed: BTreeSet<String> = SUPPORTED
        .iter()
        .map(|id| {
            api_name(*id)
                .unwrap_or_else(|| panic!("SUPPORTED has id {id} without a name"))
                .to_string()
        })
        .collect();
    let missing_from_list: Vec<_> = exported.difference(&listed).collect();
    let not_exported: Vec<_> = listed.difference(&exported).collect();
    assert!(
        missing_from_list.is_empty() && not_exported.is_empty(),
        "exported but not in functions::SUPPORTED: {missing_from_list:?}; in SUPPORTED but not exported: {not_exported:?}"
    );
    assert!(exported.contains("SQLALLOCHANDLE") && exported.contains("SQLTABLES"));
}

#[test]
fn every_text_function_has_its_wide_twin() {
    let syms = exported_symbols();
    for f in [
        "SQLTables",
        "SQLColumns",
        "SQLGetDescField",
        "SQLNativeSql",
        "SQLGetCursorName",
        "SQLSetCursorName",
        "SQLGetTypeInfo",
        "SQLForeignKeys",
    ] {
        assert!(
            syms.contains(f) && syms.contains(&format!("{f}W")),
            "{f} and {f}W must both be exported"
        );
    }
}
