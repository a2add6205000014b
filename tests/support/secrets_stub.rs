//! A stub of the AWS Secrets Manager API on loopback: GetSecretValue over the JSON protocol
//! (`POST /`, `X-Amz-Target: secretsmanager.GetSecretValue`, `application/x-amz-json-1.1`),
//! with secrets found by name or ARN, the service's errors (not found, access denied,
//! decryption failure), rotation (the password changed on the PostgreSQL instances and in the
//! secret at once) and a request log. The log never holds secret values.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

use super::error::Result;
use super::http::{HttpRequest, HttpResponse, HttpServer, StubState};
use super::rds_stub::{take_fault, Repeat};

const JSON: &str = "application/x-amz-json-1.1";
const TARGET_PREFIX: &str = "secretsmanager.";

/// What the stub refuses a secret with, as Secrets Manager does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SecretFault {
    /// 400 AccessDeniedException: the caller's policy does not allow GetSecretValue.
    AccessDenied,
    /// 400 DecryptionFailure: the KMS key cannot decrypt the secret.
    DecryptionFailure,
    /// 500 InternalServiceError.
    ServerError,
    /// Reads the request and never answers (until the stub is dropped).
    Hang,
}

/// One secret as the stub stores it.
#[derive(Clone, Debug)]
struct StoredSecret {
    name: String,
    arn: String,
    value: String,
    version: u64,
    fault: Option<SecretFault>,
}

/// One request the stub received, failures included.
#[derive(Clone, Debug)]
pub struct SecretsRequest {
    /// The action of `X-Amz-Target` without its prefix (`GetSecretValue`).
    pub action: String,
    /// SecretId as sent (name or ARN).
    pub secret_id: Option<String>,
    /// The access key id of the SigV4 `Authorization` header: proof the SDK signed.
    pub access_key: Option<String>,
    /// `ok`, or the error code answered.
    pub outcome: String,
    pub at: SystemTime,
}

#[derive(Default)]
struct State {
    secrets: BTreeMap<String, StoredSecret>,
    faults: Vec<(SecretFault, Repeat)>,
}

struct Shared {
    region: String,
    account_id: String,
    core: StubState<State, SecretsRequest>,
}

/// A running Secrets Manager stub; dropping it stops the server and closes its connections.
pub struct SecretsStub {
    server: HttpServer,
    shared: Arc<Shared>,
}

impl SecretsStub {
    /// Starts the stub on a free loopback port, with no secrets; ARNs name `region`.
    pub fn start(region: &str) -> Result<SecretsStub> {
        let shared = Arc::new(Shared {
            region: region.to_string(),
            account_id: "123456789012".into(),
            core: StubState::new(State::default(), "00000000-0000-4000-9000"),
        });
        let handler_shared = shared.clone();
        let server = HttpServer::start(
            "standin-secrets",
            Arc::new(move |request| handle(&handler_shared, request)),
            malformed,
        )?;
        Ok(SecretsStub { server, shared })
    }

    /// `http://127.0.0.1:<port>`: what `secrets_manager_endpoint` or
    /// `AWS_ENDPOINT_URL_SECRETS_MANAGER` should be.
    pub fn url(&self) -> String {
        format!("http://{}", self.server.addr())
    }

    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// Creates or replaces secret `name` with SecretString `value`; returns its ARN.
    pub fn put_secret(&self, name: &str, value: &str) -> String {
        let arn = format!(
            "arn:aws:secretsmanager:{}:{}:secret:{name}-{}",
            self.shared.region,
            self.shared.account_id,
            suffix(name)
        );
        let mut state = self.shared.core.lock();
        let version = state.secrets.get(name).map_or(1, |s| s.version + 1);
        state.secrets.insert(
            name.to_string(),
            StoredSecret {
                name: name.to_string(),
                arn: arn.clone(),
                value: value.to_string(),
                version,
                fault: None,
            },
        );
        arn
    }

    /// A secret holding `{"username": user, "password": password}`, as RDS writes them.
    pub fn put_login(&self, name: &str, user: &str, password: &str) -> String {
        self.put_secret(name, &login_json(user, password))
    }

    pub fn remove_secret(&self, name: &str) -> bool {
        self.shared.core.lock().secrets.remove(name).is_some()
    }

    /// Makes every read of secret `name` fail with `fault` (`None`: answer again).
    pub fn set_fault(&self, name: &str, fault: Option<SecretFault>) -> bool {
        match self.shared.core.lock().secrets.get_mut(name) {
            Some(secret) => {
                secret.fault = fault;
                true
            }
            None => false,
        }
    }

    /// Makes coming requests fail, whatever the secret; faults injected earlier are used
    /// up first.
    pub fn inject(&self, fault: SecretFault, repeat: Repeat) {
        self.shared.core.lock().faults.push((fault, repeat));
    }

    /// Rotation as Secrets Manager's rotation functions end it: `change_database` sets the
    /// new password on the instances, and the secret's value becomes `{"username": user,
    /// "password": password}` in the same step: no read is answered in between.
    pub fn rotate(
        &self,
        name: &str,
        user: &str,
        password: &str,
        change_database: impl FnOnce() -> Result<()>,
    ) -> Result<()> {
        let mut state = self.shared.core.lock();
        change_database()?;
        if let Some(secret) = state.secrets.get_mut(name) {
            secret.value = login_json(user, password);
            secret.version += 1;
        }
        Ok(())
    }

    /// Every request received so far, oldest first.
    pub fn requests(&self) -> Vec<SecretsRequest> {
        self.shared.core.requests()
    }
}

fn login_json(user: &str, password: &str) -> String {
    let mut out = String::new();
    let mut object = aws_smithy_json::serialize::JsonObjectWriter::new(&mut out);
    object.key("username").string(user);
    object.key("password").string(password);
    object.key("engine").string("postgres");
    object.finish();
    out
}

/// The six characters Secrets Manager appends to a secret's name in its ARN; stable per name.
fn suffix(name: &str) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in name.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (0..6)
        .map(|i| {
            let index = usize::try_from((hash >> (i * 8)) % 52).unwrap_or(0);
            char::from(ALPHABET[index])
        })
        .collect()
}

/// SecretId of a request body (`{"SecretId": "..."}`), if there is one.
fn secret_id_of(body: &[u8]) -> Option<String> {
    use aws_smithy_json::deserialize::{json_token_iter, Token};
    let mut tokens = json_token_iter(body);
    let mut want = false;
    while let Some(Ok(token)) = tokens.next() {
        match token {
            Token::ObjectKey { key, .. } => want = key.as_escaped_str() == "SecretId",
            Token::ValueString { value, .. } if want => {
                return value.to_unescaped().ok().map(|v| v.into_owned());
            }
            _ => want = false,
        }
    }
    None
}

/// The access key id in `Credential=AKID/date/region/service/aws4_request`.
fn access_key_of(authorization: Option<&str>) -> Option<String> {
    let credential = authorization?.split("Credential=").nth(1)?;
    credential.split('/').next().map(str::to_string)
}

/// Does the action; `None` means hang.
fn handle(shared: &Shared, request: &HttpRequest) -> Option<HttpResponse> {
    let action = request
        .amz_target
        .as_deref()
        .and_then(|t| t.strip_prefix(TARGET_PREFIX))
        .unwrap_or_default()
        .to_string();
    let secret_id = secret_id_of(&request.body);
    let mut state = shared.core.lock();
    let injected = take_fault(&mut state.faults);
    let outcome = if request.method != "POST" || action != "GetSecretValue" {
        Err((
            400,
            "InvalidAction",
            format!("the stub answers POST secretsmanager.GetSecretValue, not {action}"),
        ))
    } else {
        get_secret_value(shared, &state, secret_id.as_deref(), injected)
    };
    shared.core.record(SecretsRequest {
        action,
        secret_id,
        access_key: access_key_of(request.authorization.as_deref()),
        outcome: match &outcome {
            Ok(Some(_)) => "ok".to_string(),
            Ok(None) => "hang".to_string(),
            Err((_, code, _)) => code.to_string(),
        },
        at: SystemTime::now(),
    });
    drop(state);
    match outcome {
        Ok(body) => body.map(|body| response(shared, 200, body)),
        Err((status, code, message)) => Some(error_response(shared, status, code, &message)),
    }
}

type Outcome = std::result::Result<Option<String>, (u16, &'static str, String)>;

fn get_secret_value(
    shared: &Shared,
    state: &State,
    secret_id: Option<&str>,
    injected: Option<SecretFault>,
) -> Outcome {
    let Some(id) = secret_id else {
        return Err((
            400,
            "InvalidParameterException",
            "You must provide a value for the SecretId parameter.".into(),
        ));
    };
    let found = state.secrets.values().find(|s| s.name == id || s.arn == id);
    let fault = injected.or(found.and_then(|s| s.fault));
    match fault {
        Some(SecretFault::Hang) => return Ok(None),
        Some(SecretFault::AccessDenied) => {
            return Err((
                400,
                "AccessDeniedException",
                format!(
                    "User: arn:aws:iam::{}:user/standin is not authorized to perform: secretsmanager:GetSecretValue on resource: {id} because no identity-based policy allows the secretsmanager:GetSecretValue action",
                    shared.account_id
                ),
            ))
        }
        Some(SecretFault::DecryptionFailure) => {
            return Err((
                400,
                "DecryptionFailure",
                "Secrets Manager can't decrypt the protected secret text using the provided KMS key.".into(),
            ))
        }
        Some(SecretFault::ServerError) => {
            return Err((
                500,
                "InternalServiceError",
                "An error occurred on the server side.".into(),
            ))
        }
        None => {}
    }
    let Some(secret) = found else {
        return Err((
            400,
            "ResourceNotFoundException",
            "Secrets Manager can't find the specified secret.".into(),
        ));
    };
    let mut out = String::new();
    let mut object = aws_smithy_json::serialize::JsonObjectWriter::new(&mut out);
    object.key("ARN").string(&secret.arn);
    object.key("Name").string(&secret.name);
    object
        .key("VersionId")
        .string(&format!("00000000-0000-4000-8000-{:012x}", secret.version));
    object.key("SecretString").string(&secret.value);
    let mut stages = object.key("VersionStages").start_array();
    stages.value().string("AWSCURRENT");
    stages.finish();
    object.key("CreatedDate").write_raw_value("1700000000.0");
    object.finish();
    Ok(Some(out))
}

fn response(shared: &Shared, status: u16, body: String) -> HttpResponse {
    HttpResponse {
        status,
        content_type: JSON,
        body,
        request_id: shared.core.request_id(),
    }
}

/// An error in the JSON protocol's shape: `{"__type": code, "message": ...}`.
fn error_response(shared: &Shared, status: u16, code: &str, message: &str) -> HttpResponse {
    response(shared, status, error_body(code, message))
}

fn error_body(code: &str, message: &str) -> String {
    let mut out = String::new();
    let mut object = aws_smithy_json::serialize::JsonObjectWriter::new(&mut out);
    object.key("__type").string(code);
    object.key("message").string(message);
    object.finish();
    out
}

fn malformed() -> HttpResponse {
    HttpResponse {
        status: 400,
        content_type: JSON,
        body: error_body("SerializationException", "bad HTTP request"),
        request_id: "00000000-0000-4000-9000-000000000000".into(),
    }
}
