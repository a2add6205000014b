//! The DSN keys of the IAM authentication plugin. Primary names are the Python wrapper's; the
//! AWS ODBC wrapper's and the JDBC wrapper's names are aliases. `aws_profile` is shared with
//! the custom endpoint plugin and declared there.

use crate::engine::settings::{int, plugin_keys, secs, KeyDecl, KeyKind as K};

plugin_keys! {
    title: "IAM database authentication (plugin `iam`)",
    intro: "Logs in with an RDS IAM auth token made from the AWS SDK's default credential chain (the `aws_profile` key picks a named profile) instead of a password. Also selected by `rds_auth_type=iam`. Needs TLS: sslmode defaults to require and may not be set lower.",
    keys: {
        IamHost => KeyDecl::new("iam_host", K::Str,
            "Host name the token is signed for, when connecting through another name (an IP address, a proxy, a tunnel). Absent: the host connected to.")
            .aliases(&["iamHost"]),
        IamDefaultPort => KeyDecl::new("iam_default_port", int(1, 65535),
            "Port the token is signed for. Absent: the port connected to.")
            .aliases(&["iamDefaultPort", "IAM_PORT"]),
        IamRegion => KeyDecl::new("iam_region", K::Str,
            "AWS region the token is signed for. Absent: read from the RDS host name; required when the name carries no region.")
            .aliases(&["iamRegion", "REGION"]),
        IamExpiration => KeyDecl::new("iam_expiration", secs(1, 900),
            "How long a token is reused for new connections to the same user, host, port and region. Tokens are valid 900 s; the default leaves 30 s of margin.")
            .aliases(&["iamExpiration", "TOKEN_EXPIRATION"]).default("870"),
    }
}
