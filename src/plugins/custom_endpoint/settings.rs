//! The DSN keys of the custom endpoint plugin, declared next to the code that reads them. They join the
//! driver's one settings table through the plugin's `SPEC` (resolution, validation,
//! `monitoring-` overrides, redaction and `docs/dsn-keys.md` all read that table).

use crate::engine::settings::{plugin_keys, DAY_MS, KeyDecl, int, ms, KeyKind as K};

plugin_keys! {
    title: "Custom endpoints (plugin `custom_endpoint`)",
    intro: "Keeps connections within the instances of an RDS custom endpoint, read through the RDS API.",
    keys: {
        CustomEndpointInfoRefreshRateMs => KeyDecl::new("custom_endpoint_info_refresh_rate_ms", ms(100, DAY_MS),
            "How often a custom endpoint's monitor reads the endpoint's members from the RDS API.")
            .aliases(&["CUSTOM_ENDPOINT_MONITOR_INTERVAL_MS"]).default("30000"),
        CustomEndpointIdleMonitorExpirationMs => KeyDecl::new("custom_endpoint_idle_monitor_expiration_ms", ms(0, DAY_MS),
            "A custom endpoint monitor unused for this long (every use restarts the clock) stops and releases its RDS client.")
            .default("900000"),
        WaitForCustomEndpointInfo => KeyDecl::new("wait_for_custom_endpoint_info", K::Bool,
            "Connect and network-bound calls wait until the endpoint's members are known. Off: a connection may briefly reach an instance outside the endpoint.")
            .default("true"),
        WaitForCustomEndpointInfoTimeoutMs => KeyDecl::new("wait_for_custom_endpoint_info_timeout_ms", ms(0, DAY_MS),
            "Longest wait for the endpoint's members; then connect fails with 08001 and a statement with HYT00.")
            .aliases(&["WAIT_FOR_CUSTOM_ENDPOINT_TIMEOUT_MS"]).default("5000"),
        CustomEndpointRegion => KeyDecl::new("custom_endpoint_region", K::Str,
            "Region of the RDS API to ask. Absent: read from the Server name; required when the name carries no region."),
        AwsProfile => KeyDecl::new("aws_profile", K::Str,
            "Named profile of the AWS shared config and credentials files, for the RDS API and IAM auth tokens. Absent: the SDK's default credential chain."),
        CustomEndpointMaxRefreshRateMs => KeyDecl::new("custom_endpoint_max_refresh_rate_ms", ms(100, DAY_MS),
            "Ceiling for the refresh period while the RDS API throttles.")
            .aliases(&["CUSTOM_ENDPOINT_MAX_MONITOR_INTERVAL_MS"]).default("300000"),
        CustomEndpointRefreshBackoffFactor => KeyDecl::new("custom_endpoint_refresh_backoff_factor", int(1, 100),
            "Factor the refresh period is multiplied by on each throttling error, and divided by on each success.")
            .aliases(&["CUSTOM_ENDPOINT_BACKOFF_RATE"]).default("2"),
        RdsEndpointUrl => KeyDecl::new("rds_endpoint_url", K::Str,
            "URL of the RDS API to call instead of the region's public one (VPC endpoints, test stand-ins). AWS_ENDPOINT_URL_RDS and AWS_ENDPOINT_URL also work."),
    }
}
