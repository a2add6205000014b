//! The HTTP/1.1 side of the AWS API stubs (RDS, Secrets Manager): a small threaded server
//! (one thread for accepting, one per connection, since the SDK keeps connections alive),
//! reading a request (with chunked bodies), writing an answer, and decoding form-encoded
//! bodies. The actions are in the stubs' modules.

use super::error::{Error, Result};
use super::ports;
use std::collections::HashMap;
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};

/// Largest request body accepted; API requests are a few hundred bytes.
const MAX_BODY: usize = 1024 * 1024;

/// One parsed HTTP request; only what the stubs need.
pub(super) struct HttpRequest {
    pub(super) method: String,
    /// `X-Amz-Target` (the JSON protocols' action), if sent.
    pub(super) amz_target: Option<String>,
    /// `Authorization` (the SigV4 signature), if sent.
    pub(super) authorization: Option<String>,
    pub(super) body: Vec<u8>,
    pub(super) keep_alive: bool,
}

pub(super) struct HttpResponse {
    pub(super) status: u16,
    pub(super) content_type: &'static str,
    pub(super) body: String,
    pub(super) request_id: String,
}

/// A stub's state behind one lock, its request log (records of type `R`) and the request
/// ids of its answers.
pub(super) struct StubState<S, R> {
    state: Mutex<S>,
    log: Mutex<Vec<R>>,
    next_request: AtomicU64,
    /// The request ids' first four groups; the counter makes the fifth.
    id_prefix: &'static str,
}

impl<S, R: Clone> StubState<S, R> {
    pub(super) fn new(state: S, id_prefix: &'static str) -> StubState<S, R> {
        StubState {
            state: Mutex::new(state),
            log: Mutex::new(Vec::new()),
            next_request: AtomicU64::new(1),
            id_prefix,
        }
    }

    pub(super) fn lock(&self) -> MutexGuard<'_, S> {
        // A panicking test thread cannot leave the state half-changed in a way that matters.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn log_lock(&self) -> MutexGuard<'_, Vec<R>> {
        self.log.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn record(&self, request: R) {
        self.log_lock().push(request);
    }

    /// Every request received so far, oldest first.
    pub(super) fn requests(&self) -> Vec<R> {
        self.log_lock().clone()
    }

    pub(super) fn clear_requests(&self) {
        self.log_lock().clear();
    }

    /// A fresh id for the `x-amzn-RequestId` header and the answer's body.
    pub(super) fn request_id(&self) -> String {
        let n = self.next_request.fetch_add(1, Ordering::AcqRel);
        format!("{}-{n:012x}", self.id_prefix)
    }
}

/// Answers one request; `None` holds the connection without answering until the server
/// stops (a hung API).
pub(super) type Handler = Arc<dyn Fn(&HttpRequest) -> Option<HttpResponse> + Send + Sync>;

/// What the accept and connection threads share.
struct ServerShared {
    closed: AtomicBool,
    /// Hung requests wait here until the server closes.
    hang: (Mutex<()>, Condvar),
    conns: Mutex<HashMap<u64, TcpStream>>,
    next_conn: AtomicU64,
    handler: Handler,
    /// Answers a request that is not HTTP.
    malformed: fn() -> HttpResponse,
}

/// A running server on a free loopback port; dropping it stops the server and closes its
/// connections.
pub(super) struct HttpServer {
    addr: SocketAddr,
    shared: Arc<ServerShared>,
    accept_thread: Option<JoinHandle<()>>,
}

impl HttpServer {
    /// Starts serving `handler`; threads are named `<name>-accept` and `<name>-conn`.
    pub(super) fn start(
        name: &str,
        handler: Handler,
        malformed: fn() -> HttpResponse,
    ) -> Result<HttpServer> {
        let listener = ports::bind_loopback().map_err(|e| Error::context("stub bind", e))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(ServerShared {
            closed: AtomicBool::new(false),
            hang: (Mutex::new(()), Condvar::new()),
            conns: Mutex::new(HashMap::new()),
            next_conn: AtomicU64::new(1),
            handler,
            malformed,
        });
        let accept_shared = shared.clone();
        let conn_name = format!("{name}-conn");
        let accept_thread = thread::Builder::new()
            .name(format!("{name}-accept"))
            .spawn(move || {
                for stream in listener.incoming() {
                    if accept_shared.closed.load(Ordering::Acquire) {
                        return;
                    }
                    let Ok(stream) = stream else { continue };
                    let conn_shared = accept_shared.clone();
                    let _ = thread::Builder::new()
                        .name(conn_name.clone())
                        .spawn(move || serve_connection(stream, conn_shared));
                }
            })
            .map_err(|e| Error::context("stub thread", e))?;
        Ok(HttpServer {
            addr,
            shared,
            accept_thread: Some(accept_thread),
        })
    }

    pub(super) fn addr(&self) -> SocketAddr {
        self.addr
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        self.shared.closed.store(true, Ordering::Release);
        // Wake the accept loop, hung requests and idle keep-alive readers.
        let _ = TcpStream::connect(self.addr);
        {
            let _guard = self.shared.hang.0.lock().unwrap_or_else(|p| p.into_inner());
            self.shared.hang.1.notify_all();
        }
        for (_, conn) in self
            .shared
            .conns
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain()
        {
            let _ = conn.shutdown(Shutdown::Both);
        }
        if let Some(thread) = self.accept_thread.take() {
            let _ = thread.join();
        }
    }
}

fn serve_connection(stream: TcpStream, shared: Arc<ServerShared>) {
    let conn_id = shared.next_conn.fetch_add(1, Ordering::AcqRel);
    if let Ok(clone) = stream.try_clone() {
        shared
            .conns
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(conn_id, clone);
    }
    let mut writer = match stream.try_clone() {
        Ok(w) => w,
        Err(_) => return,
    };
    let mut reader = BufReader::new(stream);
    while !shared.closed.load(Ordering::Acquire) {
        let request = match read_request(&mut reader, &mut writer) {
            Ok(Some(request)) => request,
            Ok(None) => break,
            Err(_) => {
                let _ = write_response(&mut writer, &(shared.malformed)(), false);
                break;
            }
        };
        let Some(response) = (shared.handler)(&request) else {
            // A hung answer: hold the connection, say nothing, until the server closes.
            let mut guard = shared.hang.0.lock().unwrap_or_else(|p| p.into_inner());
            while !shared.closed.load(Ordering::Acquire) {
                guard = shared.hang.1.wait(guard).unwrap_or_else(|p| p.into_inner());
            }
            break;
        };
        if write_response(&mut writer, &response, request.keep_alive).is_err()
            || !request.keep_alive
        {
            break;
        }
    }
    shared
        .conns
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .remove(&conn_id);
}

/// Reads one request; `None` at a clean end of the connection.
pub(super) fn read_request(
    reader: &mut BufReader<TcpStream>,
    writer: &mut TcpStream,
) -> io::Result<Option<HttpRequest>> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let _target = parts.next();
    let version = parts.next().unwrap_or_default().to_string();
    if method.is_empty() || !version.starts_with("HTTP/1.") {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "bad request line",
        ));
    }
    let mut keep_alive = version == "HTTP/1.1";
    let mut content_length = 0usize;
    let mut chunked = false;
    let mut expect_continue = false;
    let mut amz_target = None;
    let mut authorization = None;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "end inside headers",
            ));
        }
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let Some((name, value)) = header.split_once(':') else {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "bad header"));
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "content-length" => {
                content_length = value
                    .parse()
                    .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad content-length"))?
            }
            "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
            "connection" => {
                let value = value.to_ascii_lowercase();
                if value.contains("close") {
                    keep_alive = false;
                } else if value.contains("keep-alive") {
                    keep_alive = true;
                }
            }
            "expect" => expect_continue = value.eq_ignore_ascii_case("100-continue"),
            "x-amz-target" => amz_target = Some(value.to_string()),
            "authorization" => authorization = Some(value.to_string()),
            _ => {}
        }
    }
    if expect_continue {
        writer.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
    }
    let body = if chunked {
        read_chunked(reader)?
    } else {
        if content_length > MAX_BODY {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "body too large"));
        }
        let mut body = vec![0u8; content_length];
        reader.read_exact(&mut body)?;
        body
    };
    Ok(Some(HttpRequest {
        method,
        amz_target,
        authorization,
        body,
        keep_alive,
    }))
}

fn read_chunked(reader: &mut BufReader<TcpStream>) -> io::Result<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size_line = String::new();
        reader.read_line(&mut size_line)?;
        let size_text = size_line.trim().split(';').next().unwrap_or_default();
        let size = usize::from_str_radix(size_text, 16)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "bad chunk size"))?;
        if size == 0 {
            // Trailers end with an empty line.
            loop {
                let mut trailer = String::new();
                if reader.read_line(&mut trailer)? == 0 || trailer.trim().is_empty() {
                    return Ok(body);
                }
            }
        }
        if body.len() + size > MAX_BODY {
            return Err(io::Error::new(io::ErrorKind::InvalidData, "body too large"));
        }
        let start = body.len();
        body.resize(start + size, 0);
        reader.read_exact(&mut body[start..])?;
        let mut crlf = [0u8; 2];
        reader.read_exact(&mut crlf)?;
    }
}

pub(super) fn write_response(
    writer: &mut TcpStream,
    response: &HttpResponse,
    keep_alive: bool,
) -> io::Result<()> {
    let reason = match response.status {
        200 => "OK",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        _ => "Internal Server Error",
    };
    let head = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\n\
         x-amzn-RequestId: {}\r\nConnection: {}\r\n\r\n",
        response.status,
        response.content_type,
        response.body.len(),
        response.request_id,
        if keep_alive { "keep-alive" } else { "close" },
    );
    writer.write_all(head.as_bytes())?;
    writer.write_all(response.body.as_bytes())?;
    writer.flush()
}

/// Decodes `application/x-www-form-urlencoded` into pairs, in order.
pub(super) fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    body.split(|&b| b == b'&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let mut halves = pair.splitn(2, |&b| b == b'=');
            let name = halves.next().unwrap_or_default();
            let value = halves.next().unwrap_or_default();
            (percent_decode(name), percent_decode(value))
        })
        .collect()
}

fn percent_decode(raw: &[u8]) -> String {
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match raw[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < raw.len() => match (hex(raw[i + 1]), hex(raw[i + 2])) {
                (Some(hi), Some(lo)) => {
                    out.push(hi * 16 + lo);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_decoding() {
        let pairs = parse_form(b"Action=Describe&A=b%20c+d&E=%zz&F=%4");
        assert_eq!(pairs[1], ("A".into(), "b c d".into()));
        assert_eq!(pairs[2], ("E".into(), "%zz".into()));
        assert_eq!(pairs[3], ("F".into(), "%4".into()));
    }
}
