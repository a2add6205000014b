//! The DSN keys of the Secrets Manager plugin. Primary names are the Python wrapper's; the AWS
//! ODBC wrapper's and the JDBC wrapper's names are aliases. `aws_profile` is shared with the
//! other AWS plugins and declared by the custom endpoint plugin.

use crate::engine::settings::{ms, plugin_keys, secs, KeyDecl, KeyKind as K, DAY_MS};

plugin_keys! {
    title: "AWS Secrets Manager (plugin `aws_secrets_manager`)",
    intro: "Logs in with the user and password held in a Secrets Manager secret (a JSON object), read with the AWS SDK's default credential chain (the `aws_profile` key picks a named profile). Also selected by `rds_auth_type=secrets_manager`. UID and PWD are not needed.",
    keys: {
        SecretId => KeyDecl::new("secrets_manager_secret_id", K::Str,
            "Name or ARN of the secret. Required.")
            .aliases(&["SECRET_ID", "secretsManagerSecretId"]),
        Region => KeyDecl::new("secrets_manager_region", K::Str,
            "AWS region of the secret. Absent: the region of the secret's ARN; required when the secret is named by name.")
            .aliases(&["SECRET_REGION", "secretsManagerRegion"]),
        Endpoint => KeyDecl::new("secrets_manager_endpoint", K::Str,
            "URL of the Secrets Manager API to call instead of the region's public one (VPC endpoints, test stand-ins); `https://` is assumed without a scheme. AWS_ENDPOINT_URL_SECRETS_MANAGER and AWS_ENDPOINT_URL also work.")
            .aliases(&["SECRET_ENDPOINT", "secretsManagerEndpoint"]),
        UsernameField => KeyDecl::new("secrets_manager_secret_username_key", K::Str,
            "Field of the secret's JSON object that holds the user name.")
            .aliases(&["secrets_manager_secret_username", "SECRET_USERNAME_PROPERTY", "secretsManagerSecretUsernameProperty"])
            .default("username"),
        PasswordField => KeyDecl::new("secrets_manager_secret_password_key", K::Str,
            "Field of the secret's JSON object that holds the password.")
            .aliases(&["secrets_manager_secret_password", "SECRET_PASSWORD_PROPERTY", "secretsManagerSecretPasswordProperty"])
            .default("password"),
        Expiration => KeyDecl::new("secrets_manager_expiration", secs(0, 31_536_000),
            "How long a secret read is reused for new connections (0: read at every login). A login refused with reused credentials reads the secret again at once, so a rotation costs no failed connection.")
            .aliases(&["secretsManagerExpirationTimeSec"]).default("870"),
        ConnectRetryTimeoutMs => KeyDecl::new("secrets_manager_connect_retry_timeout_ms", ms(0, DAY_MS),
            "Time budget for retrying a refused login, reading the secret again before each retry: bridges a rotation window in which the instances already have the new password and the secret does not yet. 0: one fresh read after a refused login with a cached read, no more. The connect timeout still bounds the whole login.")
            .aliases(&["secretsManagerConnectRetryTimeoutMs"]).default("0"),
        ConnectRetryIntervalMs => KeyDecl::new("secrets_manager_connect_retry_interval_ms", ms(0, DAY_MS),
            "Wait before the first retry of a refused login (with secrets_manager_connect_retry_timeout_ms); it doubles after each retry, up to 30 s and the budget left.")
            .aliases(&["secretsManagerConnectRetryIntervalMs"]).default("1000"),
    }
}
