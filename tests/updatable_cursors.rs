//! Updatable cursors through unixODBC (tests/c/setpos.c): SQLSetPos updates, deletes and
//! refreshes rows of a one-table SELECT opened with SQL_CONCUR_ROWVER / VALUES, reports a row
//! another connection changed with 01001 instead of overwriting it, refuses a SELECT that
//! cannot be updated, and runs `UPDATE/DELETE ... WHERE CURRENT OF` a cursor's name.

mod common;
mod support;

use common::{conn_string, single_instance, OdbcConfig};
use std::time::Duration;

#[test]
fn set_pos_updates_deletes_and_refreshes_rows() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[]);
    // psqlODBC's UpdatableCursors is a bit mask: 15 allows every kind.
    let text = config.expect_c_program_passes(
        "setpos.c",
        &[&format!(
            "{};UpdatableCursors=15",
            conn_string(&cluster, &writer)
        )],
        Duration::from_secs(120),
    );
    for part in [
        "ok updatable cursor opened",
        "ok update",
        "ok column ignore",
        "ok delete",
        "ok conflict",
        "ok refresh",
        "ok rowset update",
        "ok own updates visible",
        "ok transaction",
        "ok read-only select",
        "ok where current of",
        "ok bookmarks",
        "ok bulk operations",
        "ok updatable cursors off",
    ] {
        assert!(text.contains(part), "{part} did not run:\n{text}");
    }
}

/// Keyset-driven cursors (tests/c/keyset.c): other transactions' updates and deletes show at
/// the next fetch, their inserts do not; updates through the cursor.
#[test]
fn keyset_cursors_see_other_changes() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[]);
    let text = config.expect_c_program_passes(
        "keyset.c",
        &[&conn_string(&cluster, &writer)],
        Duration::from_secs(120),
    );
    for part in [
        "ok keyset opened",
        "ok sees updates and deletes",
        "ok keyset updates",
    ] {
        assert!(text.contains(part), "{part} did not run:\n{text}");
    }
}

/// A table editor's call sequence (tests/c/table_editor.c): keyset cursor with bookmarks, a
/// cell edited, a row added and one deleted, a jump by bookmark, a refresh while another user
/// changes the table.
#[test]
fn table_editor_replay() {
    let cluster = single_instance();
    let writer = cluster.writer_id();
    let config = OdbcConfig::new(&[]);
    let text = config.expect_c_program_passes(
        "table_editor.c",
        &[&conn_string(&cluster, &writer)],
        Duration::from_secs(120),
    );
    for part in [
        "ok table opened",
        "ok cell edited",
        "ok row added",
        "ok row deleted",
        "ok refreshed",
        "ok table content",
    ] {
        assert!(text.contains(part), "{part} did not run:\n{text}");
    }
}
