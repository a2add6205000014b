//! The RDS API as the custom endpoint monitor needs it: one call, DescribeDBClusterEndpoints,
//! behind a small trait so the monitor's logic runs in unit tests against a fake, and the real
//! implementation on aws-sdk-rds.

use crate::engine::error::error_chain_text;
use std::collections::BTreeSet;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// CustomEndpointType: which instances the endpoint may route to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndpointKind {
    /// Readers and the writer.
    Any,
    /// Readers only: the writer is never a member, whatever the lists say.
    Reader,
}

/// How the endpoint names its members. RDS fills exactly one of the two lists: a static list
/// names the members; an exclusion list names the instances left out, so that instances added
/// to the cluster later join the endpoint on their own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberList {
    Static(BTreeSet<String>),
    Exclusion(BTreeSet<String>),
}

/// What the monitor keeps of one custom endpoint. Instance ids are lower case (RDS ids are
/// case-insensitive), so comparisons are by lower-cased id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointInfo {
    pub endpoint_id: String,
    pub cluster_id: String,
    pub address: String,
    pub kind: EndpointKind,
    pub members: MemberList,
}

impl EndpointInfo {
    /// Builds the info from the answer's fields: a non-empty StaticMembers makes a static list,
    /// otherwise ExcludedMembers (possibly empty: every instance) is an exclusion list. An
    /// unknown CustomEndpointType is taken as ANY; the membership lists still apply.
    pub fn from_parts(
        endpoint_id: &str,
        cluster_id: &str,
        address: &str,
        custom_type: Option<&str>,
        static_members: &[String],
        excluded_members: &[String],
    ) -> EndpointInfo {
        let lower = |ids: &[String]| {
            ids.iter()
                .map(|i| i.trim().to_ascii_lowercase())
                .filter(|i| !i.is_empty())
                .collect()
        };
        let members = if static_members.iter().any(|m| !m.trim().is_empty()) {
            MemberList::Static(lower(static_members))
        } else {
            MemberList::Exclusion(lower(excluded_members))
        };
        let kind = match custom_type {
            Some(t) if t.eq_ignore_ascii_case("READER") => EndpointKind::Reader,
            _ => EndpointKind::Any,
        };
        EndpointInfo {
            endpoint_id: endpoint_id.to_ascii_lowercase(),
            cluster_id: cluster_id.to_ascii_lowercase(),
            address: address.to_ascii_lowercase(),
            kind,
            members,
        }
    }

    /// Whether instance `id` may serve connections of this endpoint. `is_writer` must be the
    /// instance's current role (from the topology): a READER endpoint never uses the writer,
    /// even one on its static list (the list may predate a failover).
    pub fn allows(&self, id: &str, is_writer: bool) -> bool {
        if is_writer && self.kind == EndpointKind::Reader {
            return false;
        }
        let id = id.to_ascii_lowercase();
        match &self.members {
            MemberList::Static(members) => members.contains(&id),
            MemberList::Exclusion(excluded) => !excluded.contains(&id),
        }
    }

    /// Whether the writer's role matters for `id`'s membership (only for READER endpoints),
    /// so callers know when a topology read is needed.
    pub fn needs_role(&self) -> bool {
        self.kind == EndpointKind::Reader
    }
}

/// How the monitor reacts to a failed call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiErrorKind {
    /// The API asks us to slow down: the refresh period grows.
    Throttling,
    /// Credentials missing, invalid, expired or not permitted: nothing changes soon, so the
    /// monitor pauses for a long time instead of hammering the API with failing calls.
    Denied,
    /// The API could not be reached or did not answer in time: retry next period.
    Network,
    /// Anything else (endpoint not found, a server error): retry next period.
    Other,
}

/// A failed RDS API call, with a message fit for an application's diagnostics.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub kind: ApiErrorKind,
    pub message: String,
}

impl ApiError {
    pub fn new(kind: ApiErrorKind, message: impl Into<String>) -> ApiError {
        ApiError {
            kind,
            message: message.into(),
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Error codes AWS services use for throttling (the query protocol's and the JSON ones).
const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "RequestThrottled",
    "SlowDown",
    "PriorRequestNotComplete",
    "BandwidthLimitExceeded",
];

/// Error codes that mean the caller's credentials will not work until someone changes them.
const DENIED_CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnauthorizedOperation",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "ExpiredTokenException",
    "RequestExpired",
    "AuthFailure",
    "MissingAuthenticationToken",
    "IncompleteSignature",
    "NotAuthorized",
];

/// Classifies a service error from its HTTP status and error code. Status 429 and the
/// throttling codes slow down; 401/403 and the credential codes pause; the rest retries.
pub fn classify_service_error(status: Option<u16>, code: Option<&str>) -> ApiErrorKind {
    let code = code.unwrap_or("");
    if status == Some(429)
        || THROTTLING_CODES
            .iter()
            .any(|c| c.eq_ignore_ascii_case(code))
    {
        ApiErrorKind::Throttling
    } else if matches!(status, Some(401 | 403))
        || DENIED_CODES.iter().any(|c| c.eq_ignore_ascii_case(code))
    {
        ApiErrorKind::Denied
    } else {
        ApiErrorKind::Other
    }
}

/// A boxed future, so the trait stays object-safe without an extra dependency.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The one RDS API call the monitor makes.
pub trait RdsApi: Send + Sync {
    /// DescribeDBClusterEndpoints for `endpoint_id`, filtered to custom endpoints. Every
    /// endpoint of the answer is returned; the monitor decides what to do with other than one.
    fn describe_custom_endpoint<'a>(
        &'a self,
        endpoint_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<EndpointInfo>, ApiError>>;
}

/// Where and how to reach the RDS API.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ApiTarget {
    pub region: String,
    /// The `rds_endpoint_url` key; absent: the SDK's choice (AWS_ENDPOINT_URL_RDS,
    /// AWS_ENDPOINT_URL, then the region's public endpoint).
    pub endpoint_url: Option<String>,
    /// The `aws_profile` key; absent: the SDK's default profile selection (AWS_PROFILE).
    pub profile: Option<String>,
}

/// Bounds every API call, including a hung connection: a call never outlives this, so the
/// monitor never stalls for longer than one refresh period plus this.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(10);
/// Bounds connecting to the API endpoint.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The real RDS API through aws-sdk-rds.
pub struct SdkRds {
    client: aws_sdk_rds::Client,
}

impl SdkRds {
    /// Loads the SDK configuration (the default credential chain, with `profile` when set) and
    /// builds a client. The SDK's own retries are off: the monitor is the retry loop, with its
    /// period and back-off, so each failed call shows once in the API's request log and
    /// throttling is answered by our back-off rather than by quick SDK retries.
    pub async fn new(target: &ApiTarget) -> SdkRds {
        use aws_config::retry::RetryConfig;
        use aws_config::timeout::TimeoutConfig;
        use aws_config::{BehaviorVersion, Region};
        // The process's one HTTPS client (see `crate::plugins::aws_sdk`).
        let http = crate::plugins::aws_sdk::http_client();
        let timeouts = TimeoutConfig::builder()
            .operation_timeout(OPERATION_TIMEOUT)
            .operation_attempt_timeout(OPERATION_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .build();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(target.region.clone()))
            .http_client(http)
            .timeout_config(timeouts)
            .retry_config(RetryConfig::standard().with_max_attempts(1));
        if let Some(profile) = &target.profile {
            loader = loader.profile_name(profile);
        }
        let shared = loader.load().await;
        let mut config = aws_sdk_rds::config::Builder::from(&shared);
        if let Some(url) = &target.endpoint_url {
            config = config.endpoint_url(url);
        }
        SdkRds {
            client: aws_sdk_rds::Client::from_conf(config.build()),
        }
    }
}

impl RdsApi for SdkRds {
    fn describe_custom_endpoint<'a>(
        &'a self,
        endpoint_id: &'a str,
    ) -> BoxFuture<'a, Result<Vec<EndpointInfo>, ApiError>> {
        Box::pin(async move {
            let filter = aws_sdk_rds::types::Filter::builder()
                .name("db-cluster-endpoint-type")
                .values("custom")
                .build();
            let answer = self
                .client
                .describe_db_cluster_endpoints()
                .db_cluster_endpoint_identifier(endpoint_id)
                .filters(filter)
                .send()
                .await
                .map_err(|e| sdk_error(&e))?;
            Ok(answer
                .db_cluster_endpoints()
                .iter()
                .map(|ep| {
                    EndpointInfo::from_parts(
                        ep.db_cluster_endpoint_identifier().unwrap_or(endpoint_id),
                        ep.db_cluster_identifier().unwrap_or(""),
                        ep.endpoint().unwrap_or(""),
                        ep.custom_endpoint_type(),
                        ep.static_members(),
                        ep.excluded_members(),
                    )
                })
                .collect())
        })
    }
}

/// Turns an SDK error into our classification and a one-line message
/// ("AccessDenied: User ... is not authorized to perform: rds:DescribeDBClusterEndpoints").
fn sdk_error<E>(
    err: &aws_sdk_rds::error::SdkError<E, aws_sdk_rds::config::http::HttpResponse>,
) -> ApiError
where
    E: aws_sdk_rds::error::ProvideErrorMetadata + std::error::Error + 'static,
{
    use aws_sdk_rds::error::SdkError;
    match err {
        SdkError::ServiceError(service) => {
            let status = service.raw().status().as_u16();
            let meta = service.err();
            let code = meta.code();
            let kind = classify_service_error(Some(status), code);
            let message = crate::plugins::aws_sdk::service_error_text(code, meta.message(), status);
            ApiError::new(kind, message)
        }
        SdkError::TimeoutError(_) => ApiError::new(
            ApiErrorKind::Network,
            format!(
                "the RDS API did not answer within {} s",
                OPERATION_TIMEOUT.as_secs()
            ),
        ),
        SdkError::DispatchFailure(_) => ApiError::new(
            ApiErrorKind::Network,
            format!("cannot reach the RDS API: {}", error_chain_text(err)),
        ),
        SdkError::ResponseError(_) => ApiError::new(
            ApiErrorKind::Other,
            format!("unreadable RDS API answer: {}", error_chain_text(err)),
        ),
        _ => {
            // Construction failures: mostly no credentials found by the chain, which will not
            // fix itself within a period, so it is treated as denied (long pause).
            let text = error_chain_text(err);
            let kind = if text.to_ascii_lowercase().contains("credential") {
                ApiErrorKind::Denied
            } else {
                ApiErrorKind::Other
            };
            ApiError::new(kind, text)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn static_list_allows_only_its_members() {
        let info = EndpointInfo::from_parts(
            "ep",
            "c",
            "a",
            Some("ANY"),
            &ids(&["Inst-1", "inst-2"]),
            &ids(&["inst-3"]),
        );
        assert!(matches!(info.members, MemberList::Static(_)));
        assert!(info.allows("inst-1", false));
        assert!(
            info.allows("INST-2", true),
            "an ANY endpoint may use the writer"
        );
        assert!(!info.allows("inst-3", false));
        assert!(!info.allows("inst-4", false));
    }

    #[test]
    fn exclusion_list_allows_every_other_instance() {
        let info = EndpointInfo::from_parts("ep", "c", "a", Some("ANY"), &[], &ids(&["inst-3"]));
        assert!(matches!(info.members, MemberList::Exclusion(_)));
        assert!(info.allows("inst-1", false));
        assert!(info.allows("new-instance", false));
        assert!(!info.allows("Inst-3", false));
        let everyone = EndpointInfo::from_parts("ep", "c", "a", None, &ids(&[""]), &[]);
        assert!(everyone.allows("anything", true));
    }

    #[test]
    fn reader_endpoint_never_allows_the_writer() {
        let stat =
            EndpointInfo::from_parts("ep", "c", "a", Some("reader"), &ids(&["w", "r1"]), &[]);
        assert_eq!(stat.kind, EndpointKind::Reader);
        assert!(stat.needs_role());
        assert!(!stat.allows("w", true));
        assert!(stat.allows("r1", false));
        let excl = EndpointInfo::from_parts("ep", "c", "a", Some("READER"), &[], &[]);
        assert!(!excl.allows("w", true));
        assert!(excl.allows("r9", false));
    }

    #[test]
    fn service_errors_are_classified() {
        assert_eq!(
            classify_service_error(Some(400), Some("Throttling")),
            ApiErrorKind::Throttling
        );
        assert_eq!(
            classify_service_error(Some(400), Some("ThrottlingException")),
            ApiErrorKind::Throttling
        );
        assert_eq!(
            classify_service_error(Some(429), None),
            ApiErrorKind::Throttling
        );
        assert_eq!(
            classify_service_error(Some(403), Some("AccessDenied")),
            ApiErrorKind::Denied
        );
        assert_eq!(
            classify_service_error(Some(401), None),
            ApiErrorKind::Denied
        );
        assert_eq!(
            classify_service_error(Some(400), Some("ExpiredToken")),
            ApiErrorKind::Denied
        );
        assert_eq!(
            classify_service_error(Some(403), Some("InvalidClientTokenId")),
            ApiErrorKind::Denied
        );
        assert_eq!(
            classify_service_error(Some(404), Some("DBClusterEndpointNotFoundFault")),
            ApiErrorKind::Other
        );
        assert_eq!(
            classify_service_error(Some(500), Some("InternalFailure")),
            ApiErrorKind::Other
        );
        assert_eq!(classify_service_error(None, None), ApiErrorKind::Other);
    }
}
