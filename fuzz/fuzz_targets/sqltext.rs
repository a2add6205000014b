//! The application's SQL text, as SQLExecDirect/SQLPrepare/SQLNativeSql read it: ODBC escape
//! translation (nested `{fn ...}`, `{d ...}`, `{call ...}`, `{oj ...}`, ...), splitting into
//! statements with `?` markers numbered per statement, the statement classifiers (transaction
//! control, row counts, DDL, savepoints), and the multi-row INSERT rewrite.
//!
//! Input: the first byte picks how the session reads backslashes in plain strings
//! (`standard_conforming_strings`); the rest is the SQL text.
//!
//! Checked beyond "no panic" (libFuzzer's -timeout also catches super-linear inputs): markers
//! are numbered consecutively across statements; a rewritten INSERT's one-row form is
//! recognised again as the same template.
#![no_main]

use auroraodbc::engine::batched_insert::InsertTemplate;
use auroraodbc::odbc::sqltext::{
    changes_table_definition, moves_savepoints, reports_no_row_count, sets_transaction,
    split_statements_in, transaction_control, translate_escapes_in, Quoting,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let quoting = Quoting {
        backslash_escapes_in_plain_strings: mode & 1 == 1,
    };
    let _ = auroraodbc::odbc::native_sql::native_sql(text, 1024);
    // What execution does: escapes first, then statements and markers.
    let translated = match translate_escapes_in(text, quoting) {
        Ok(t) => t,
        Err(_) => text.to_string(),
    };
    let pieces = split_statements_in(&translated, quoting);
    assert!(!pieces.is_empty(), "no statement at all for {text:?}");
    let mut next_param = 0usize;
    for piece in &pieces {
        assert_eq!(
            piece.first_param, next_param,
            "markers not numbered consecutively in {pieces:?}"
        );
        next_param += piece.param_count;
        let sql = piece.sql.as_str();
        let _ = transaction_control(sql);
        let _ = reports_no_row_count(sql);
        let _ = changes_table_definition(sql);
        let _ = moves_savepoints(sql);
        let _ = sets_transaction(sql);
        if let Some(template) = InsertTemplate::parse(sql, piece.param_count) {
            let n = template.params_per_row();
            assert_eq!(n, piece.param_count);
            assert!(template.rows_per_statement() >= 1);
            let one_row = template.render(1);
            let again = InsertTemplate::parse(&one_row, n);
            assert_eq!(
                again.as_ref(),
                Some(&template),
                "{sql:?} rendered as {one_row:?} reads differently"
            );
            let _ = template.render(3);
            if let Some(copy) = template.copy_form() {
                // One column per value, each value once.
                let mut values = copy.values.clone();
                values.sort_unstable();
                assert_eq!(values, (0..n).collect::<Vec<_>>(), "{sql:?}");
                assert_eq!(copy.columns.len(), n);
                assert_eq!(copy.names.len(), n);
                let _ = copy.sql();
            }
        }
    }
});
