//! The DSN keys of host monitoring, declared next to the code that reads them. They join the
//! driver's one settings table through the plugin's `SPEC` (resolution, validation,
//! `monitoring-` overrides, redaction and `docs/dsn-keys.md` all read that table).

use crate::engine::settings::{plugin_keys, DAY_MS, KeyDecl, int, ms, KeyKind as K};

plugin_keys! {
    title: "Host monitoring (plugin `host_monitoring`)",
    intro: "Enhanced failure monitoring: watches network-bound calls and aborts the connection when its host stops answering.",
    keys: {
        FailureDetectionEnabled => KeyDecl::new("failure_detection_enabled", K::Bool,
            "Watch network-bound calls when the host_monitoring plugin is loaded.")
            .aliases(&["ENABLE_FAILURE_DETECTION"]).default("true"),
        FailureDetectionTimeMs => KeyDecl::new("failure_detection_time_ms", ms(0, DAY_MS),
            "How long a call runs before its host is first probed.")
            .aliases(&["FAILURE_DETECTION_TIME"]).default("30000"),
        FailureDetectionIntervalMs => KeyDecl::new("failure_detection_interval_ms", ms(100, DAY_MS),
            "Probe interval and the limit for each probe; the host is unavailable after failure_detection_count intervals without an answer.")
            .aliases(&["FAILURE_DETECTION_INTERVAL"]).default("5000"),
        FailureDetectionCount => KeyDecl::new("failure_detection_count", int(1, 1000),
            "How many probe intervals without an answer make the host unavailable; the call's connection is then aborted.")
            .default("3"),
        MonitorDisposalTimeMs => KeyDecl::new("monitor_disposal_time_ms", ms(0, DAY_MS),
            "A host's monitor with nothing to watch for this long stops and closes its monitoring connection.")
            .aliases(&["MONITOR_DISPOSAL_TIME"]).default("60000"),
    }
}
