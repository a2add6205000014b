//! The DSN keys of read/write splitting, declared next to the code that reads them. They join
//! the driver's one settings table through the plugin's `SPEC`. The reader choice itself
//! (`reader_host_selector_strategy`, `response_measurement_interval_ms`) is an engine key, shared
//! with failover.

use crate::engine::settings::{plugin_keys, DAY_MS, KeyDecl, ms, KeyKind as K};

plugin_keys! {
    title: "Read/write splitting (plugin `read_write_splitting`)",
    intro: "SQL_ATTR_ACCESS_MODE (or the statement SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY / READ WRITE) moves the connection's statements to a reader and back to the writer; both physical connections are kept.",
    keys: {
        CachedReaderKeepAliveTimeoutMs => KeyDecl::new("cached_reader_keep_alive_timeout_ms", ms(0, DAY_MS),
            "A reader connection kept while the handle works on the writer is closed once unused for this long (the next read-only switch opens another). 0: kept for as long as the handle is connected.")
            .default("300000"),
        ReadOnlyFallbackToWriter => KeyDecl::new("read_only_fallback_to_writer", K::Bool,
            "When no reader can be reached, read-only mode runs on the writer (in a read-only session). false: switching to read-only fails with 08001 instead.")
            .default("true"),
    }
}
