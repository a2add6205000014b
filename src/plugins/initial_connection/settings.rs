//! The DSN keys of the initial connection plugin, declared next to the code that reads them.
//! They join the driver's one settings table through the plugin's `SPEC` (resolution,
//! validation, `monitoring-` overrides, redaction and `docs/dsn-keys.md` all read that table).
//! The names are the AWS Python wrapper's; the JDBC wrapper's are aliases.

use crate::engine::settings::{ms, plugin_keys, KeyDecl, DAY_MS};

plugin_keys! {
    title: "Initial connection (plugin `initial_connection`)",
    intro: "Checks where a connection through a cluster endpoint landed: through the writer endpoint it must be the writer (right after a failover the endpoint's DNS still names the old writer, now a reader), through the reader endpoint a reader (the writer only when no reader answers). Otherwise it connects to the right instance by its own host name, from the cluster topology. Plain PostgreSQL and other host names are left alone.",
    keys: {
        OpenConnectionRetryTimeoutMs => KeyDecl::new("open_connection_retry_timeout_ms", ms(0, DAY_MS),
            "How long a connection through the writer endpoint that reached a reader keeps looking for the writer (a promotion may still be under way); then it keeps the reader it reached, with a warning in the log. Also bounds the search for a reader through the reader endpoint.")
            .aliases(&["openConnectionRetryTimeoutMs"]).default("30000"),
        OpenConnectionRetryIntervalMs => KeyDecl::new("open_connection_retry_interval_ms", ms(10, 60_000),
            "Pause between two rounds of that search (each reads the topology again and tries the writer it names).")
            .aliases(&["openConnectionRetryIntervalMs"]).default("1000"),
    }
}
