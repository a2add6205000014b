//! A stub of the RDS API for custom cluster endpoints, on loopback.
//!
//! The usual AWS mocks do not implement these actions, so this small HTTP/1.1 server speaks the
//! RDS query protocol (form-encoded POST, XML answers) for CreateDBClusterEndpoint,
//! DescribeDBClusterEndpoints, ModifyDBClusterEndpoint and DeleteDBClusterEndpoint. Tests change
//! endpoints, inject failures and read the request log through the Rust API while a driver polls.
//! The HTTP server is shared with the Secrets Manager stub (`super::http`).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

use super::error::Result;
use super::http::{parse_form, HttpRequest, HttpResponse, HttpServer, StubState};

/// The API version the RDS query protocol carries.
pub const API_VERSION: &str = "2014-10-31";
const XMLNS: &str = "http://rds.amazonaws.com/doc/2014-10-31/";

/// Names that shape the endpoint host names and ARNs the stub reports.
#[derive(Clone, Debug)]
pub struct StubOptions {
    /// The only DB cluster the stub knows.
    pub cluster_id: String,
    pub region: String,
    /// The cluster's DNS hash, as in `x.cluster-custom-<hash>.<region>.rds.amazonaws.com`.
    pub dns_hash: String,
    pub account_id: String,
}

impl Default for StubOptions {
    fn default() -> Self {
        StubOptions {
            cluster_id: "standin-cluster".into(),
            region: "us-east-1".into(),
            dns_hash: "abc123".into(),
            account_id: "123456789012".into(),
        }
    }
}

/// CustomEndpointType: which instances a custom endpoint may route to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CustomEndpointType {
    Any,
    Reader,
}

impl CustomEndpointType {
    pub fn as_str(self) -> &'static str {
        match self {
            CustomEndpointType::Any => "ANY",
            CustomEndpointType::Reader => "READER",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_uppercase().as_str() {
            "ANY" => Some(CustomEndpointType::Any),
            "READER" => Some(CustomEndpointType::Reader),
            _ => None,
        }
    }
}

/// One custom endpoint as the stub stores it.
#[derive(Clone, Debug, PartialEq)]
pub struct CustomEndpoint {
    pub id: String,
    pub cluster_id: String,
    pub kind: CustomEndpointType,
    pub static_members: Vec<String>,
    pub excluded_members: Vec<String>,
    /// Reported Status; `available` unless a test says otherwise.
    pub status: String,
}

impl CustomEndpoint {
    /// An available endpoint of type ANY with the given static members.
    pub fn with_static(id: &str, cluster_id: &str, members: &[&str]) -> CustomEndpoint {
        CustomEndpoint {
            id: id.into(),
            cluster_id: cluster_id.into(),
            kind: CustomEndpointType::Any,
            static_members: members.iter().map(|m| m.to_string()).collect(),
            excluded_members: Vec::new(),
            status: "available".into(),
        }
    }
}

/// A failure the stub answers with instead of doing the action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StubFault {
    /// 400 Throttling.
    Throttling,
    /// 403 AccessDenied.
    AccessDenied,
    /// 404 DBClusterEndpointNotFoundFault.
    NotFound,
    /// 500 InternalFailure.
    ServerError,
    /// Reads the request and never answers (until the stub is dropped).
    Hang,
}

/// How long an injected fault lasts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Repeat {
    /// The next N requests.
    Next(u32),
    /// Every request until `clear_faults`.
    Always,
}

/// One request the stub received, faults included.
#[derive(Clone, Debug)]
pub struct RequestRecord {
    pub action: String,
    /// DBClusterEndpointIdentifier, when the request had one.
    pub endpoint_id: Option<String>,
    pub cluster_id: Option<String>,
    pub at: SystemTime,
    /// Every form parameter, decoded, in the order sent.
    pub params: Vec<(String, String)>,
}

#[derive(Default)]
struct State {
    endpoints: BTreeMap<String, CustomEndpoint>,
    faults: Vec<(StubFault, Repeat)>,
}

struct Shared {
    options: StubOptions,
    core: StubState<State, RequestRecord>,
}

/// A running RDS API stub; dropping it stops the server and closes its connections.
pub struct RdsStub {
    server: HttpServer,
    shared: Arc<Shared>,
}

impl RdsStub {
    /// Starts the stub on a free loopback port, with no endpoints.
    pub fn start(options: StubOptions) -> Result<RdsStub> {
        let shared = Arc::new(Shared {
            options,
            core: StubState::new(State::default(), "00000000-0000-4000-8000"),
        });
        let handler_shared = shared.clone();
        let server = HttpServer::start(
            "standin-rds",
            Arc::new(move |request| handle(&handler_shared, request)),
            malformed,
        )?;
        Ok(RdsStub { server, shared })
    }

    /// `http://127.0.0.1:<port>`: what `endpoint_url` or `AWS_ENDPOINT_URL_RDS` should be.
    pub fn url(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    pub fn options(&self) -> &StubOptions {
        &self.shared.options
    }

    /// The DNS name the stub reports for a custom endpoint.
    pub fn endpoint_host(&self, id: &str) -> String {
        endpoint_host(&self.shared.options, id)
    }

    /// Creates or replaces an endpoint.
    pub fn put_endpoint(&self, endpoint: CustomEndpoint) {
        self.shared
            .core
            .lock()
            .endpoints
            .insert(endpoint.id.clone(), endpoint);
    }

    /// Changes an endpoint in place; false if there is no such endpoint.
    pub fn update_endpoint(&self, id: &str, change: impl FnOnce(&mut CustomEndpoint)) -> bool {
        match self.shared.core.lock().endpoints.get_mut(id) {
            Some(endpoint) => {
                change(endpoint);
                true
            }
            None => false,
        }
    }

    /// Sets the static member list (non-empty makes it a static endpoint).
    pub fn set_static_members(&self, id: &str, members: &[&str]) -> bool {
        self.update_endpoint(id, |e| {
            e.static_members = members.iter().map(|m| m.to_string()).collect()
        })
    }

    /// Sets the excluded member list (used when the static list is empty).
    pub fn set_excluded_members(&self, id: &str, members: &[&str]) -> bool {
        self.update_endpoint(id, |e| {
            e.excluded_members = members.iter().map(|m| m.to_string()).collect()
        })
    }

    pub fn set_endpoint_type(&self, id: &str, kind: CustomEndpointType) -> bool {
        self.update_endpoint(id, |e| e.kind = kind)
    }

    pub fn remove_endpoint(&self, id: &str) -> Option<CustomEndpoint> {
        self.shared.core.lock().endpoints.remove(id)
    }

    pub fn endpoint(&self, id: &str) -> Option<CustomEndpoint> {
        self.shared.core.lock().endpoints.get(id).cloned()
    }

    pub fn endpoints(&self) -> Vec<CustomEndpoint> {
        self.shared
            .core
            .lock()
            .endpoints
            .values()
            .cloned()
            .collect()
    }

    /// Makes coming requests fail; faults injected earlier are used up first.
    pub fn inject(&self, fault: StubFault, repeat: Repeat) {
        self.shared.core.lock().faults.push((fault, repeat));
    }

    pub fn clear_faults(&self) {
        self.shared.core.lock().faults.clear();
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.core.requests()
    }

    /// How many requests of one action were received.
    pub fn count(&self, action: &str) -> usize {
        self.requests()
            .iter()
            .filter(|r| r.action == action)
            .count()
    }

    pub fn clear_requests(&self) {
        self.shared.core.clear_requests();
    }
}

fn endpoint_host(options: &StubOptions, id: &str) -> String {
    format!(
        "{id}.cluster-custom-{}.{}.rds.amazonaws.com",
        options.dns_hash, options.region
    )
}

/// The answer to a request that is not HTTP.
fn malformed() -> HttpResponse {
    error_text(
        400,
        "MalformedRequest",
        "bad HTTP request",
        "00000000-0000-4000-8000-000000000000",
    )
}

/// Form parameters with the query protocol's list conventions.
struct Params(Vec<(String, String)>);

impl Params {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// `<prefix>.1`, `<prefix>.2`, ... in index order.
    fn list(&self, prefix: &str) -> Vec<String> {
        let mut items: Vec<(u32, String)> = self
            .0
            .iter()
            .filter_map(|(name, value)| {
                let index = name.strip_prefix(prefix)?.strip_prefix('.')?.parse().ok()?;
                Some((index, value.clone()))
            })
            .collect();
        items.sort_by_key(|(index, _)| *index);
        items.into_iter().map(|(_, value)| value).collect()
    }

    /// Whether the request mentions a list at all (an empty list is sent as `Name=`).
    fn mentions(&self, prefix: &str) -> bool {
        self.0
            .iter()
            .any(|(name, _)| name == prefix || name.starts_with(&format!("{prefix}.")))
    }

    /// `Filters.Filter.N.Name` with `Filters.Filter.N.Values.Value.M`.
    fn filters(&self) -> Vec<(String, Vec<String>)> {
        let mut indexes: Vec<u32> = self
            .0
            .iter()
            .filter_map(|(name, _)| {
                let rest = name.strip_prefix("Filters.Filter.")?;
                let (index, field) = rest.split_once('.')?;
                (field == "Name").then(|| index.parse().ok()).flatten()
            })
            .collect();
        indexes.sort_unstable();
        indexes
            .into_iter()
            .filter_map(|n| {
                let name = self.get(&format!("Filters.Filter.{n}.Name"))?.to_string();
                Some((name, self.list(&format!("Filters.Filter.{n}.Values.Value"))))
            })
            .collect()
    }
}

/// Does the action; `None` means hang.
fn handle(shared: &Shared, request: &HttpRequest) -> Option<HttpResponse> {
    let params = Params(parse_form(&request.body));
    let action = params.get("Action").unwrap_or_default().to_string();
    let fault = {
        let mut state = shared.core.lock();
        shared.core.record(RequestRecord {
            action: action.clone(),
            endpoint_id: params
                .get("DBClusterEndpointIdentifier")
                .map(str::to_string),
            cluster_id: params.get("DBClusterIdentifier").map(str::to_string),
            at: SystemTime::now(),
            params: params.0.clone(),
        });
        take_fault(&mut state.faults)
    };
    if let Some(fault) = fault {
        return match fault {
            StubFault::Hang => None,
            StubFault::Throttling => {
                Some(error_response(shared, 400, "Throttling", "Rate exceeded"))
            }
            StubFault::AccessDenied => Some(error_response(
                shared,
                403,
                "AccessDenied",
                "User is not authorized to perform: rds:DescribeDBClusterEndpoints",
            )),
            StubFault::NotFound => Some(error_response(
                shared,
                404,
                "DBClusterEndpointNotFoundFault",
                "The specified custom endpoint doesn't exist.",
            )),
            StubFault::ServerError => Some(error_response(
                shared,
                500,
                "InternalFailure",
                "The request processing has failed because of an unknown error.",
            )),
        };
    }
    if request.method != "POST" {
        return Some(error_response(
            shared,
            400,
            "InvalidAction",
            "the query protocol wants POST",
        ));
    }
    if action.is_empty() {
        return Some(error_response(
            shared,
            400,
            "MissingAction",
            "Action is missing",
        ));
    }
    if params.get("Version") != Some(API_VERSION) {
        return Some(error_response(
            shared,
            400,
            "InvalidParameterValue",
            &format!("Version must be {API_VERSION}"),
        ));
    }
    Some(match action.as_str() {
        "DescribeDBClusterEndpoints" => describe(shared, &params),
        "CreateDBClusterEndpoint" => create(shared, &params),
        "ModifyDBClusterEndpoint" => modify(shared, &params),
        "DeleteDBClusterEndpoint" => delete(shared, &params),
        other => error_response(
            shared,
            400,
            "InvalidAction",
            &format!("The action {other} is not valid for this web service."),
        ),
    })
}

/// The first injected fault, counting down its repeats (shared with the Secrets Manager stub).
pub(super) fn take_fault<F: Copy>(faults: &mut Vec<(F, Repeat)>) -> Option<F> {
    let (fault, repeat) = faults.first_mut()?;
    let fault = *fault;
    match repeat {
        Repeat::Always => {}
        Repeat::Next(left) => {
            *left = left.saturating_sub(1);
            if *left == 0 {
                faults.remove(0);
            }
        }
    }
    Some(fault)
}

fn describe(shared: &Shared, params: &Params) -> HttpResponse {
    if let Some(cluster) = params.get("DBClusterIdentifier") {
        if cluster != shared.options.cluster_id {
            return error_response(
                shared,
                404,
                "DBClusterNotFoundFault",
                &format!("DBCluster {cluster} not found."),
            );
        }
    }
    let endpoint_id = params.get("DBClusterEndpointIdentifier");
    let filters = params.filters();
    let matching: Vec<CustomEndpoint> = shared
        .core
        .lock()
        .endpoints
        .values()
        .filter(|e| endpoint_id.is_none_or(|id| e.id == id))
        .filter(|e| {
            filters
                .iter()
                .all(|(name, values)| filter_matches(e, name, values))
        })
        .cloned()
        .collect();
    let mut list = String::new();
    for endpoint in &matching {
        list.push_str("<DBClusterEndpointList>");
        list.push_str(&endpoint_fields(&shared.options, endpoint));
        list.push_str("</DBClusterEndpointList>");
    }
    ok_response(
        shared,
        "DescribeDBClusterEndpoints",
        &format!("<DBClusterEndpoints>{list}</DBClusterEndpoints>"),
    )
}

/// RDS filter names for cluster endpoints; values match case-insensitively.
fn filter_matches(endpoint: &CustomEndpoint, name: &str, values: &[String]) -> bool {
    let any = |actual: &str| values.iter().any(|v| v.eq_ignore_ascii_case(actual));
    match name {
        // The stub only holds custom endpoints.
        "db-cluster-endpoint-type" => any("custom"),
        "db-cluster-endpoint-custom-type" => any(endpoint.kind.as_str()),
        "db-cluster-endpoint-id" => any(&endpoint.id),
        "db-cluster-endpoint-status" => any(&endpoint.status),
        // Unknown filters match nothing, so a typo in the driver shows up as an empty answer.
        _ => false,
    }
}

fn create(shared: &Shared, params: &Params) -> HttpResponse {
    let (Some(id), Some(cluster)) = (
        params.get("DBClusterEndpointIdentifier"),
        params.get("DBClusterIdentifier"),
    ) else {
        return error_response(
            shared,
            400,
            "MissingParameter",
            "DBClusterEndpointIdentifier and DBClusterIdentifier are required",
        );
    };
    if cluster != shared.options.cluster_id {
        return error_response(
            shared,
            404,
            "DBClusterNotFoundFault",
            &format!("DBCluster {cluster} not found."),
        );
    }
    let Some(kind) = params
        .get("EndpointType")
        .and_then(CustomEndpointType::parse)
    else {
        return error_response(
            shared,
            400,
            "InvalidParameterValue",
            "EndpointType must be READER or ANY",
        );
    };
    let endpoint = CustomEndpoint {
        id: id.to_string(),
        cluster_id: cluster.to_string(),
        kind,
        static_members: params.list("StaticMembers.member"),
        excluded_members: params.list("ExcludedMembers.member"),
        status: "available".into(),
    };
    {
        let mut state = shared.core.lock();
        if state.endpoints.contains_key(id) {
            drop(state);
            return error_response(
                shared,
                400,
                "DBClusterEndpointAlreadyExistsFault",
                &format!("DBClusterEndpoint {id} already exists."),
            );
        }
        state.endpoints.insert(id.to_string(), endpoint.clone());
    }
    ok_response(
        shared,
        "CreateDBClusterEndpoint",
        &endpoint_fields(&shared.options, &endpoint),
    )
}

fn modify(shared: &Shared, params: &Params) -> HttpResponse {
    let Some(id) = params.get("DBClusterEndpointIdentifier") else {
        return error_response(
            shared,
            400,
            "MissingParameter",
            "DBClusterEndpointIdentifier is required",
        );
    };
    let kind = match params.get("EndpointType") {
        None => None,
        Some(text) => match CustomEndpointType::parse(text) {
            Some(kind) => Some(kind),
            None => {
                return error_response(
                    shared,
                    400,
                    "InvalidParameterValue",
                    "EndpointType must be READER or ANY",
                )
            }
        },
    };
    let updated = {
        let mut state = shared.core.lock();
        state.endpoints.get_mut(id).map(|endpoint| {
            if let Some(kind) = kind {
                endpoint.kind = kind;
            }
            if params.mentions("StaticMembers") {
                endpoint.static_members = params.list("StaticMembers.member");
            }
            if params.mentions("ExcludedMembers") {
                endpoint.excluded_members = params.list("ExcludedMembers.member");
            }
            endpoint.clone()
        })
    };
    match updated {
        Some(endpoint) => ok_response(
            shared,
            "ModifyDBClusterEndpoint",
            &endpoint_fields(&shared.options, &endpoint),
        ),
        None => not_found(shared, id),
    }
}

fn delete(shared: &Shared, params: &Params) -> HttpResponse {
    let Some(id) = params.get("DBClusterEndpointIdentifier") else {
        return error_response(
            shared,
            400,
            "MissingParameter",
            "DBClusterEndpointIdentifier is required",
        );
    };
    let removed = shared.core.lock().endpoints.remove(id);
    match removed {
        Some(mut endpoint) => {
            endpoint.status = "deleting".into();
            ok_response(
                shared,
                "DeleteDBClusterEndpoint",
                &endpoint_fields(&shared.options, &endpoint),
            )
        }
        None => not_found(shared, id),
    }
}

fn not_found(shared: &Shared, id: &str) -> HttpResponse {
    error_response(
        shared,
        404,
        "DBClusterEndpointNotFoundFault",
        &format!("DBClusterEndpoint {id} not found."),
    )
}

/// The members of the DBClusterEndpoint shape, in the order RDS documents them.
fn endpoint_fields(options: &StubOptions, endpoint: &CustomEndpoint) -> String {
    let members = |list: &[String]| -> String {
        list.iter()
            .map(|m| format!("<member>{}</member>", xml_escape(m)))
            .collect()
    };
    format!(
        "<DBClusterEndpointIdentifier>{id}</DBClusterEndpointIdentifier>\
         <DBClusterIdentifier>{cluster}</DBClusterIdentifier>\
         <DBClusterEndpointResourceIdentifier>{resource}</DBClusterEndpointResourceIdentifier>\
         <Endpoint>{host}</Endpoint>\
         <Status>{status}</Status>\
         <EndpointType>CUSTOM</EndpointType>\
         <CustomEndpointType>{kind}</CustomEndpointType>\
         <StaticMembers>{statics}</StaticMembers>\
         <ExcludedMembers>{excluded}</ExcludedMembers>\
         <DBClusterEndpointArn>{arn}</DBClusterEndpointArn>",
        id = xml_escape(&endpoint.id),
        cluster = xml_escape(&endpoint.cluster_id),
        resource = resource_id(&endpoint.id),
        host = xml_escape(&endpoint_host(options, &endpoint.id)),
        status = xml_escape(&endpoint.status),
        kind = endpoint.kind.as_str(),
        statics = members(&endpoint.static_members),
        excluded = members(&endpoint.excluded_members),
        arn = xml_escape(&format!(
            "arn:aws:rds:{}:{}:cluster-endpoint:{}",
            options.region, options.account_id, endpoint.id
        )),
    )
}

/// A stable, RDS-looking resource id derived from the endpoint id (FNV-1a, upper-case hex).
fn resource_id(id: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in id.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("cluster-endpoint-{hash:016X}")
}

fn ok_response(shared: &Shared, action: &str, result: &str) -> HttpResponse {
    let request_id = shared.core.request_id();
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <{action}Response xmlns=\"{XMLNS}\">\
         <{action}Result>{result}</{action}Result>\
         <ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>\
         </{action}Response>\n"
    );
    HttpResponse {
        status: 200,
        content_type: "text/xml",
        body,
        request_id,
    }
}

fn error_response(shared: &Shared, status: u16, code: &str, message: &str) -> HttpResponse {
    error_text(status, code, message, &shared.core.request_id())
}

fn error_text(status: u16, code: &str, message: &str, request_id: &str) -> HttpResponse {
    let request_id = request_id.to_string();
    let kind = if status >= 500 { "Receiver" } else { "Sender" };
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <ErrorResponse xmlns=\"{XMLNS}\">\
         <Error><Type>{kind}</Type><Code>{code}</Code><Message>{message}</Message></Error>\
         <RequestId>{request_id}</RequestId>\
         </ErrorResponse>\n",
        code = xml_escape(code),
        message = xml_escape(message),
    );
    HttpResponse {
        status,
        content_type: "text/xml",
        body,
        request_id,
    }
}

fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}
