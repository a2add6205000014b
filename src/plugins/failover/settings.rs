//! The DSN keys of failover, declared next to the code that reads them. They join the
//! driver's one settings table through the plugin's `SPEC` (resolution, validation,
//! `monitoring-` overrides, redaction and `docs/dsn-keys.md` all read that table).

use crate::engine::settings::{plugin_keys, DAY_MS, KeyDecl, ms, KeyKind as K};

plugin_keys! {
    title: "Failover",
    intro: "How a failed connection is replaced and how readers are chosen.",
    keys: {
        FailoverMode => KeyDecl::new("failover_mode", K::Enum { words: &["strict_writer", "strict_reader", "reader_or_writer"] },
            "Which instance failover may move a connection to. Absent: reader_or_writer for reader cluster endpoints, strict_writer otherwise. For a custom endpoint, match its type (READER: strict_reader; ANY: reader_or_writer)."),
        FailoverTimeoutMs => KeyDecl::new("failover_timeout_ms", ms(0, DAY_MS),
            "Time allowed to find and connect a replacement instance before the call fails with 08S01. 60 s covers a typical Aurora writer failover with margin.")
            .default("60000"),
        FailoverReaderConnectTimeoutMs => KeyDecl::new("failover_reader_connect_timeout_ms", ms(100, DAY_MS),
            "Limit for each connection attempt (and topology read) during failover, when connect_timeout gives none.")
            .default("30000"),
    }
}
