//! IAM database authentication, stood in: a TLS-terminating proxy in front of one instance that
//! lets the users it guards in only with a valid RDS IAM auth token.
//!
//! Aurora asks an IAM user for a cleartext password (PAM) over TLS and accepts it only if it
//! is a SigV4 presigned `rds-db:connect` request for that host, port, user and region, signed
//! by known AWS credentials and not expired. This proxy does the same: it terminates TLS with a
//! test certificate, reads the startup message, asks for the cleartext password, verifies the
//! token by recomputing its signature (the SigV4 query-string algorithm, with ring's
//! HMAC-SHA256: independent of the SDK that made it), and then logs in to PostgreSQL with the
//! user's real password and relays. A refused token gets the server's PAM refusal
//! (`PAM authentication failed for user "x"`, SQLSTATE 28000).
//!
//! Users it does not guard are relayed untouched (their own password exchange with the server),
//! as Aurora lets users without the `rds_iam` role log in with passwords. Every IAM login is
//! recorded (never the token: a short digest of it, so tests can count distinct tokens).

use std::collections::HashSet;
use std::io;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::{Buf, BufMut, BytesMut};
use parking_lot::Mutex;
use postgres_protocol::authentication::sasl::{ChannelBinding, ScramSha256};
use ring::{digest, hmac};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;
use tokio_rustls::TlsAcceptor;

use super::error::{Error, Result};
use super::ports;

/// The protocol codes a client may open with.
const SSL_REQUEST: i32 = 80_877_103;
const GSSENC_REQUEST: i32 = 80_877_104;
const CANCEL_REQUEST: i32 = 80_877_102;
const PROTOCOL_3: i32 = 196_608;
/// Longest startup or password message accepted (a token is about 1 KiB, 2 with a session
/// token).
const MESSAGE_LIMIT: usize = 16 * 1024;
/// SHA-256 of an empty payload: what a presigned GET signs as its body.
const EMPTY_PAYLOAD_SHA256: &str =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
/// How far in the future a token's date may be (clock skew), as SigV4 services allow.
const CLOCK_SKEW: Duration = Duration::from_secs(300);
/// The longest X-Amz-Expires RDS accepts.
const MAX_EXPIRES: u64 = 900;

/// What the stand-in checks tokens against: its AWS credentials, region and the users whose
/// logins need a token.
#[derive(Clone, Debug)]
pub struct IamSettings {
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Session token of temporary credentials, when the signer's credentials carry one.
    pub session_token: Option<String>,
    /// The port tokens are signed for (the port applications name, not the proxy's).
    pub port: u16,
    /// (user, real password): users that must log in with a token, and the password the
    /// stand-in logs in to PostgreSQL with after accepting one.
    pub users: Vec<(String, String)>,
    /// Tokens signed longer ago than this are refused, even within their X-Amz-Expires (a
    /// knob for tests of the driver's refresh on refusal; the service's rule is 900 s).
    pub token_lifetime: Duration,
}

impl IamSettings {
    /// Guards `user` (real password `password`) with the given credentials, on port 5432.
    pub fn new(access_key_id: &str, secret_access_key: &str, user: &str, password: &str) -> Self {
        IamSettings {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token: None,
            port: 5432,
            users: vec![(user.into(), password.into())],
            token_lifetime: Duration::from_secs(MAX_EXPIRES),
        }
    }

    fn password_of(&self, user: &str) -> Option<&str> {
        self.users
            .iter()
            .find(|(u, _)| u == user)
            .map(|(_, p)| p.as_str())
    }
}

/// Which host names a token may be signed for at one instance: its own name and the cluster's
/// endpoint names (cluster, reader, custom), all of which can lead to it.
#[derive(Clone, Debug)]
pub struct SignedHosts {
    pub instance: String,
    pub cluster_endpoint: String,
    pub reader_endpoint: String,
    /// `.cluster-custom-<domain>`: any custom endpoint of the cluster.
    pub custom_suffix: String,
}

impl SignedHosts {
    fn allows(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        host == self.instance
            || host == self.cluster_endpoint
            || host == self.reader_endpoint
            || (host.ends_with(&self.custom_suffix) && host.len() > self.custom_suffix.len())
    }
}

/// One IAM login attempt as the stand-in saw it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IamLogin {
    pub instance: String,
    pub user: String,
    pub application_name: Option<String>,
    /// `accepted`, or why the token was refused (`expired`, `wrong region`, `bad signature`,
    /// ...), or `no TLS`.
    pub outcome: String,
    /// First 8 bytes of the token's SHA-256, hex: tells tokens apart without keeping them.
    pub token_digest: Option<String>,
}

/// What every IAM proxy of a cluster shares: settings, the login record and the tokens seen.
pub struct IamGate {
    settings: Mutex<IamSettings>,
    region: String,
    logins: Mutex<Vec<IamLogin>>,
    tokens: Mutex<HashSet<String>>,
    acceptor: TlsAcceptor,
}

impl IamGate {
    /// Loads the certificate and key (PEM) the proxies present.
    pub fn new(settings: IamSettings, region: &str, cert: &Path, key: &Path) -> Result<IamGate> {
        let read = |path: &Path| {
            std::fs::read(path)
                .map_err(|e| Error::context(format!("reading {}", path.display()), e))
        };
        let certs = rustls_pemfile::certs(&mut read(cert)?.as_slice())
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(|e| Error::context("parsing the IAM proxy certificate", e))?;
        let key = rustls_pemfile::private_key(&mut read(key)?.as_slice())
            .map_err(|e| Error::context("parsing the IAM proxy key", e))?
            .ok_or_else(|| Error::new("no private key in the IAM proxy key file"))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| Error::new(format!("IAM proxy TLS versions: {e}")))?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| Error::new(format!("IAM proxy certificate: {e}")))?;
        Ok(IamGate {
            settings: Mutex::new(settings),
            region: region.to_string(),
            logins: Mutex::new(Vec::new()),
            tokens: Mutex::new(HashSet::new()),
            acceptor: TlsAcceptor::from(Arc::new(config)),
        })
    }

    pub fn settings(&self) -> IamSettings {
        self.settings.lock().clone()
    }

    /// Changes what is checked from now on (say, a shorter token lifetime).
    pub fn update_settings(&self, change: impl FnOnce(&mut IamSettings)) {
        change(&mut self.settings.lock());
    }

    /// Every IAM login attempt so far, in order.
    pub fn logins(&self) -> Vec<IamLogin> {
        self.logins.lock().clone()
    }

    /// How many different tokens were presented (accepted or not).
    pub fn distinct_tokens(&self) -> usize {
        self.tokens.lock().len()
    }

    /// Forgets the record and the tokens seen.
    pub fn clear(&self) {
        self.logins.lock().clear();
        self.tokens.lock().clear();
    }

    fn record(&self, login: IamLogin) {
        if let Some(digest) = &login.token_digest {
            self.tokens.lock().insert(digest.clone());
        }
        self.logins.lock().push(login);
    }

    /// Checks `token` for a login of `user` at an instance reachable as `hosts`, now.
    pub fn verify(
        &self,
        token: &str,
        user: &str,
        hosts: &SignedHosts,
    ) -> std::result::Result<(), String> {
        let settings = self.settings.lock().clone();
        verify_token(
            token,
            user,
            hosts,
            &self.region,
            &settings,
            SystemTime::now(),
        )
    }
}

/// A running IAM proxy in front of one instance; dropping it closes the listener and every
/// connection.
pub struct IamProxy {
    listen: SocketAddr,
    upstream: Arc<Mutex<SocketAddr>>,
    accepted: Arc<AtomicU64>,
    runtime: Option<Runtime>,
}

struct ProxyContext {
    gate: Arc<IamGate>,
    instance_id: String,
    hosts: SignedHosts,
    upstream: Arc<Mutex<SocketAddr>>,
}

impl IamProxy {
    pub fn start(
        gate: Arc<IamGate>,
        instance_id: &str,
        hosts: SignedHosts,
        upstream: SocketAddr,
    ) -> Result<IamProxy> {
        let listener = ports::bind_loopback().map_err(|e| Error::context("IAM proxy bind", e))?;
        let listen = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("standin-iam")
            .enable_io()
            .enable_time()
            .build()
            .map_err(|e| Error::context("IAM proxy runtime", e))?;
        let upstream = Arc::new(Mutex::new(upstream));
        let accepted = Arc::new(AtomicU64::new(0));
        let context = Arc::new(ProxyContext {
            gate,
            instance_id: instance_id.to_string(),
            hosts,
            upstream: upstream.clone(),
        });
        let counter = accepted.clone();
        runtime.spawn(async move {
            let Ok(listener) = TcpListener::from_std(listener) else {
                return;
            };
            while let Ok((client, _)) = listener.accept().await {
                counter.fetch_add(1, Ordering::AcqRel);
                let context = context.clone();
                tokio::spawn(async move {
                    // A failed session only ends that client's connection.
                    let _ = serve(client, &context).await;
                });
            }
        });
        Ok(IamProxy {
            listen,
            upstream,
            accepted,
            runtime: Some(runtime),
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.listen
    }

    /// Points new connections at the instance's new port (after a restart).
    pub fn set_upstream(&self, upstream: SocketAddr) {
        *self.upstream.lock() = upstream;
    }

    pub fn accepted_connections(&self) -> u64 {
        self.accepted.load(Ordering::Acquire)
    }
}

impl Drop for IamProxy {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

/// The first message of a connection (after any TLS negotiation).
enum Opening {
    Startup {
        raw: Vec<u8>,
        params: Vec<(String, String)>,
    },
    Cancel(Vec<u8>),
    Ssl,
}

async fn serve(mut client: TcpStream, context: &ProxyContext) -> io::Result<()> {
    let _ = client.set_nodelay(true);
    match read_opening(&mut client).await? {
        Opening::Ssl => {
            client.write_all(b"S").await?;
            let tls = context.gate.acceptor.accept(client).await?;
            serve_session(tls, true, context).await
        }
        Opening::Cancel(raw) => forward_cancel(&raw, context).await,
        Opening::Startup { raw, params } => {
            session_after_startup(client, false, raw, params, context).await
        }
    }
}

async fn serve_session<S>(mut client: S, tls: bool, context: &ProxyContext) -> io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    match read_opening(&mut client).await? {
        Opening::Ssl => {
            send_error(
                &mut client,
                "08P01",
                "unsupported frontend protocol: SSL requested twice",
            )
            .await
        }
        Opening::Cancel(raw) => forward_cancel(&raw, context).await,
        Opening::Startup { raw, params } => {
            session_after_startup(client, tls, raw, params, context).await
        }
    }
}

async fn forward_cancel(raw: &[u8], context: &ProxyContext) -> io::Result<()> {
    let upstream = *context.upstream.lock();
    let mut server = TcpStream::connect(upstream).await?;
    server.write_all(raw).await?;
    server.shutdown().await
}

/// Reads a startup packet: SSLRequest and GSSENCRequest are answered here (GSS with `N`).
async fn read_opening<S>(client: &mut S) -> io::Result<Opening>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    loop {
        let len = usize::try_from(client.read_i32().await?)
            .ok()
            .filter(|n| (8..=MESSAGE_LIMIT).contains(n))
            .ok_or_else(|| io::Error::other("bad startup length"))?;
        let code = client.read_i32().await?;
        let mut body = vec![0u8; len - 8];
        client.read_exact(&mut body).await?;
        let mut raw = Vec::with_capacity(len);
        raw.extend_from_slice(&i32::try_from(len).unwrap_or(0).to_be_bytes());
        raw.extend_from_slice(&code.to_be_bytes());
        raw.extend_from_slice(&body);
        match code {
            SSL_REQUEST => return Ok(Opening::Ssl),
            GSSENC_REQUEST => client.write_all(b"N").await?,
            CANCEL_REQUEST => return Ok(Opening::Cancel(raw)),
            PROTOCOL_3 => {
                let params = parse_params(&body);
                return Ok(Opening::Startup { raw, params });
            }
            other => {
                send_error(
                    client,
                    "08P01",
                    &format!("unsupported frontend protocol {other}"),
                )
                .await?;
                return Err(io::Error::other("unsupported protocol"));
            }
        }
    }
}

fn parse_params(body: &[u8]) -> Vec<(String, String)> {
    let mut words = body
        .split(|b| *b == 0)
        .map(|w| String::from_utf8_lossy(w).into_owned());
    let mut params = Vec::new();
    while let (Some(k), Some(v)) = (words.next(), words.next()) {
        if k.is_empty() {
            break;
        }
        params.push((k, v));
    }
    params
}

async fn session_after_startup<S>(
    mut client: S,
    tls: bool,
    startup: Vec<u8>,
    params: Vec<(String, String)>,
    context: &ProxyContext,
) -> io::Result<()>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let param = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let user = param("user").unwrap_or_default();
    let real_password = context
        .gate
        .settings
        .lock()
        .password_of(&user)
        .map(str::to_string);
    let upstream = *context.upstream.lock();
    let Some(real_password) = real_password else {
        // Not an IAM user: the server does its own authentication.
        let mut server = TcpStream::connect(upstream).await?;
        let _ = server.set_nodelay(true);
        server.write_all(&startup).await?;
        tokio::io::copy_bidirectional(&mut client, &mut server).await?;
        return Ok(());
    };
    let mut login = IamLogin {
        instance: context.instance_id.clone(),
        user: user.clone(),
        application_name: param("application_name"),
        outcome: String::new(),
        token_digest: None,
    };
    if !tls {
        // Aurora's pg_hba has only `hostssl` lines for rds_iam users.
        login.outcome = "no TLS".into();
        context.gate.record(login);
        let database = param("database").unwrap_or_else(|| user.clone());
        return send_error(
            &mut client,
            "28000",
            &format!("pg_hba.conf rejects connection for host \"127.0.0.1\", user \"{user}\", database \"{database}\", no encryption"),
        )
        .await;
    }
    // AuthenticationCleartextPassword, as PAM asks.
    client.write_all(&[b'R', 0, 0, 0, 8, 0, 0, 0, 3]).await?;
    let token = read_password(&mut client).await?;
    login.token_digest = Some(token_digest(&token));
    if let Err(reason) = context.gate.verify(&token, &user, &context.hosts) {
        login.outcome = reason;
        context.gate.record(login);
        return send_error(
            &mut client,
            "28000",
            &format!("PAM authentication failed for user \"{user}\""),
        )
        .await;
    }
    login.outcome = "accepted".into();
    context.gate.record(login);

    let mut server = TcpStream::connect(upstream).await?;
    let _ = server.set_nodelay(true);
    server.write_all(&startup).await?;
    let rest = match log_in_upstream(&mut server, &user, &real_password).await {
        Ok(rest) => rest,
        Err(Refused(frame)) => {
            client.write_all(&frame).await?;
            return client.shutdown().await;
        }
    };
    // AuthenticationOk, then whatever the server sent after its own.
    client.write_all(&[b'R', 0, 0, 0, 8, 0, 0, 0, 0]).await?;
    client.write_all(&rest).await?;
    tokio::io::copy_bidirectional(&mut client, &mut server).await?;
    Ok(())
}

/// The server's refusal (an ErrorResponse frame, or one made up for a protocol failure).
struct Refused(Vec<u8>);

impl From<io::Error> for Refused {
    fn from(e: io::Error) -> Self {
        Refused(error_frame(
            "08006",
            &format!("IAM stand-in lost the server: {e}"),
        ))
    }
}

/// Answers the server's authentication request with the real password (SCRAM-SHA-256, MD5 or
/// cleartext, or none under trust); returns the bytes read after AuthenticationOk.
async fn log_in_upstream(
    server: &mut TcpStream,
    user: &str,
    password: &str,
) -> std::result::Result<Vec<u8>, Refused> {
    let mut buf = BytesMut::new();
    let mut scram: Option<ScramSha256> = None;
    loop {
        let (kind, body) = read_frame(server, &mut buf).await?;
        if kind == b'E' {
            return Err(Refused(frame(kind, &body)));
        }
        if kind != b'R' || body.len() < 4 {
            return Err(Refused(error_frame(
                "08P01",
                "unexpected message during login",
            )));
        }
        let code = i32::from_be_bytes([body[0], body[1], body[2], body[3]]);
        let data = &body[4..];
        let mut out = BytesMut::new();
        match code {
            0 => return Ok(buf.to_vec()),
            3 => postgres_protocol::message::frontend::password_message(
                password.as_bytes(),
                &mut out,
            )?,
            5 if data.len() == 4 => {
                let salt = [data[0], data[1], data[2], data[3]];
                let hashed = postgres_protocol::authentication::md5_hash(
                    user.as_bytes(),
                    password.as_bytes(),
                    salt,
                );
                postgres_protocol::message::frontend::password_message(
                    hashed.as_bytes(),
                    &mut out,
                )?;
            }
            10 => {
                let state = ScramSha256::new(password.as_bytes(), ChannelBinding::unsupported());
                postgres_protocol::message::frontend::sasl_initial_response(
                    "SCRAM-SHA-256",
                    state.message(),
                    &mut out,
                )?;
                scram = Some(state);
            }
            11 => {
                let state = scram
                    .as_mut()
                    .ok_or_else(|| io::Error::other("SASL continue before SASL"))?;
                state.update(data)?;
                postgres_protocol::message::frontend::sasl_response(state.message(), &mut out)?;
            }
            12 => {
                let state = scram
                    .as_mut()
                    .ok_or_else(|| io::Error::other("SASL final before SASL"))?;
                state.finish(data)?;
                continue;
            }
            other => {
                return Err(Refused(error_frame(
                    "08P01",
                    &format!("IAM stand-in cannot answer authentication request {other}"),
                )))
            }
        }
        server.write_all(&out).await?;
    }
}

/// One backend message: its type and body.
async fn read_frame(server: &mut TcpStream, buf: &mut BytesMut) -> io::Result<(u8, Vec<u8>)> {
    loop {
        if buf.len() >= 5 {
            let len = usize::try_from(i32::from_be_bytes([buf[1], buf[2], buf[3], buf[4]]))
                .ok()
                .filter(|n| (4..=MESSAGE_LIMIT).contains(n))
                .ok_or_else(|| io::Error::other("bad message length from the server"))?;
            if buf.len() > len {
                let kind = buf[0];
                buf.advance(5);
                let body = buf.split_to(len - 4).to_vec();
                return Ok((kind, body));
            }
        }
        if server.read_buf(buf).await? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "server closed",
            ));
        }
    }
}

fn frame(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 5);
    out.push(kind);
    out.extend_from_slice(
        &i32::try_from(body.len() + 4)
            .unwrap_or(i32::MAX)
            .to_be_bytes(),
    );
    out.extend_from_slice(body);
    out
}

/// A FATAL ErrorResponse, fields as PostgreSQL sends them.
fn error_frame(sqlstate: &str, message: &str) -> Vec<u8> {
    let mut body = BytesMut::new();
    for (field, value) in [
        (b'S', "FATAL"),
        (b'V', "FATAL"),
        (b'C', sqlstate),
        (b'M', message),
    ] {
        body.put_u8(field);
        body.put_slice(value.as_bytes());
        body.put_u8(0);
    }
    body.put_u8(0);
    frame(b'E', &body)
}

async fn send_error<S>(client: &mut S, sqlstate: &str, message: &str) -> io::Result<()>
where
    S: AsyncWrite + Unpin,
{
    client.write_all(&error_frame(sqlstate, message)).await?;
    client.shutdown().await
}

/// Reads a PasswordMessage and returns its text.
async fn read_password<S>(client: &mut S) -> io::Result<String>
where
    S: AsyncRead + Unpin,
{
    let kind = client.read_u8().await?;
    let len = usize::try_from(client.read_i32().await?)
        .ok()
        .filter(|n| (5..=MESSAGE_LIMIT).contains(n))
        .ok_or_else(|| io::Error::other("bad password message length"))?;
    if kind != b'p' {
        return Err(io::Error::other("expected a password message"));
    }
    let mut body = vec![0u8; len - 4];
    client.read_exact(&mut body).await?;
    if body.last() == Some(&0) {
        body.pop();
    }
    Ok(String::from_utf8_lossy(&body).into_owned())
}

fn token_digest(token: &str) -> String {
    hex(&digest::digest(&digest::SHA256, token.as_bytes()).as_ref()[..8])
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters stay, others are %XX.
fn uri_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn uri_decode(text: &str) -> std::result::Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let pair = text
                    .get(i + 1..i + 3)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or("malformed percent-encoding")?;
                out.push(pair);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| "token is not UTF-8".to_string())
}

/// Seconds since the epoch of a SigV4 date (`yyyymmddThhmmssZ`).
fn amz_date_seconds(text: &str) -> Option<u64> {
    let b = text.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let num = |range: std::ops::Range<usize>| -> Option<i64> { text.get(range)?.parse().ok() };
    let (y, m, d) = (num(0..4)?, num(4..6)?, num(6..8)?);
    let (hh, mm, ss) = (num(9..11)?, num(11..13)?, num(13..15)?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || hh > 23 || mm > 59 || ss > 60 {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400 + hh * 3600 + mm * 60 + ss).ok()
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data)
        .as_ref()
        .to_vec()
}

/// Verifies an RDS IAM auth token the way the service does; the error says why it is refused
/// (for the stand-in's record, never for the client, who only learns that PAM refused).
pub fn verify_token(
    token: &str,
    user: &str,
    hosts: &SignedHosts,
    region: &str,
    settings: &IamSettings,
    now: SystemTime,
) -> std::result::Result<(), String> {
    let (authority, query) = token.split_once("/?").ok_or("malformed token")?;
    let (host, port) = authority.rsplit_once(':').ok_or("malformed token")?;
    let mut params: Vec<(String, String)> = Vec::new();
    for pair in query.split('&') {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        params.push((uri_decode(k)?, uri_decode(v)?));
    }
    let get = |name: &str| {
        params
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let required = |name: &str| get(name).ok_or_else(|| format!("no {name}"));
    if required("Action")? != "connect" {
        return Err("wrong action".into());
    }
    if required("X-Amz-Algorithm")? != "AWS4-HMAC-SHA256" {
        return Err("wrong algorithm".into());
    }
    if required("X-Amz-SignedHeaders")? != "host" {
        return Err("wrong signed headers".into());
    }
    let credential = required("X-Amz-Credential")?;
    let scope: Vec<&str> = credential.split('/').collect();
    let [access_key, date, token_region, service, terminator] = scope[..] else {
        return Err("malformed credential".into());
    };
    let amz_date = required("X-Amz-Date")?;
    let signature = required("X-Amz-Signature")?;
    let expires: u64 = required("X-Amz-Expires")?
        .parse()
        .map_err(|_| "malformed X-Amz-Expires")?;

    if !hosts.allows(host) {
        return Err(format!("wrong host {host}"));
    }
    if port != settings.port.to_string() {
        return Err(format!("wrong port {port}"));
    }
    if required("DBUser")? != user {
        return Err("wrong user".into());
    }
    if access_key != settings.access_key_id {
        return Err("unknown access key".into());
    }
    if token_region != region {
        return Err(format!("wrong region {token_region}"));
    }
    if service != "rds-db" || terminator != "aws4_request" {
        return Err("wrong service".into());
    }
    if get("X-Amz-Security-Token") != settings.session_token.as_deref() {
        return Err("wrong session token".into());
    }
    if !amz_date.starts_with(date) {
        return Err("credential date differs from X-Amz-Date".into());
    }

    let mut canonical_params: Vec<(String, String)> = params
        .iter()
        .filter(|(k, _)| k != "X-Amz-Signature")
        .map(|(k, v)| (uri_encode(k), uri_encode(v)))
        .collect();
    canonical_params.sort();
    let canonical_query = canonical_params
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&");
    let canonical_request =
        format!("GET\n/\n{canonical_query}\nhost:{authority}\n\nhost\n{EMPTY_PAYLOAD_SHA256}");
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{date}/{token_region}/{service}/aws4_request\n{}",
        hex(digest::digest(&digest::SHA256, canonical_request.as_bytes()).as_ref())
    );
    let mut key = hmac_sha256(
        format!("AWS4{}", settings.secret_access_key).as_bytes(),
        date.as_bytes(),
    );
    for part in [token_region, service, "aws4_request"] {
        key = hmac_sha256(&key, part.as_bytes());
    }
    let expected = hex(&hmac_sha256(&key, string_to_sign.as_bytes()));
    if expected != signature {
        return Err("bad signature".into());
    }

    let signed_at = amz_date_seconds(amz_date).ok_or("malformed X-Amz-Date")?;
    let now = now
        .duration_since(UNIX_EPOCH)
        .map_err(|_| "clock before 1970")?
        .as_secs();
    if expires > MAX_EXPIRES {
        return Err("X-Amz-Expires above 900".into());
    }
    if signed_at > now + CLOCK_SKEW.as_secs() {
        return Err("signed in the future".into());
    }
    let lifetime = expires.min(settings.token_lifetime.as_secs());
    if now > signed_at + lifetime {
        return Err("expired".into());
    }
    Ok(())
}

/// Writes a self-signed certificate (and its key) for the cluster's names into `dir` with the
/// openssl tool, as tests/tls.rs makes its certificates. Returns (certificate, key) paths.
pub fn make_certificate(
    dir: &Path,
    names: &[String],
) -> Result<(std::path::PathBuf, std::path::PathBuf)> {
    let cert = dir.join("iam-proxy.pem");
    let key = dir.join("iam-proxy.key");
    let mut san: Vec<String> = names.iter().map(|n| format!("DNS:{n}")).collect();
    san.push("IP:127.0.0.1".into());
    let out = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
        ])
        .args([
            "-nodes",
            "-days",
            "7",
            "-subj",
            "/CN=auroraodbc stand-in IAM proxy",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .args(["-addext", &format!("subjectAltName={}", san.join(","))])
        .output()
        .map_err(|e| Error::context("running openssl for the IAM proxy certificate", e))?;
    if !out.status.success() {
        return Err(Error::new(format!(
            "openssl could not make the IAM proxy certificate: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok((cert, key))
}
