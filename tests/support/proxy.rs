//! A TCP fault proxy in front of one instance.
//!
//! No Toxiproxy or netem can be had here, so the failures the driver must survive are made by a
//! small proxy whose mode changes while connections are open. It runs on its own one-thread tokio
//! runtime, so it works the same under a plain `#[test]`, a `#[tokio::test]` and the CLI.

use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::runtime::Runtime;
use tokio::sync::watch;

use super::error::{Error, Result};
use super::ports;

/// What the proxy does with traffic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FaultMode {
    /// Forward both ways.
    PassThrough,
    /// Forward nothing either way but keep both sockets open: the client's kernel still gets
    /// ACKs, the server never answers. New connections are accepted and get no data.
    BlackHole,
    /// Close every client socket with SO_LINGER 0, so the client sees a real RST; connections
    /// accepted in this mode are reset at once.
    Reset,
    /// Close the listener so new connects are refused; open connections keep forwarding. Leaving
    /// this mode binds the same port again.
    Refuse,
}

/// The mode and a generation number, so `set_mode` can wait until the listener applied it.
type ModeMsg = (FaultMode, u64);

struct Shared {
    upstream: Mutex<SocketAddr>,
    open: AtomicUsize,
    accepted: AtomicU64,
    /// Generation of the last mode the listener task acted on.
    applied: AtomicU64,
    /// Added latency, in microseconds: each chunk from the server waits this long before it is
    /// passed to the client (a slower instance, for response-time based host selection).
    latency_us: AtomicU64,
}

/// A running fault proxy; dropping it closes the listener and every connection.
pub struct FaultProxy {
    listen: SocketAddr,
    shared: Arc<Shared>,
    mode_tx: watch::Sender<ModeMsg>,
    runtime: Option<Runtime>,
}

impl FaultProxy {
    /// Starts a pass-through proxy on a free loopback port, forwarding to `upstream`.
    pub fn start(upstream: SocketAddr) -> Result<FaultProxy> {
        let listener = ports::bind_loopback().map_err(|e| Error::context("proxy bind", e))?;
        let listen = listener.local_addr()?;
        listener.set_nonblocking(true)?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("standin-proxy")
            .enable_io()
            .enable_time()
            .build()
            .map_err(|e| Error::context("proxy runtime", e))?;
        let shared = Arc::new(Shared {
            upstream: Mutex::new(upstream),
            open: AtomicUsize::new(0),
            accepted: AtomicU64::new(0),
            applied: AtomicU64::new(0),
            latency_us: AtomicU64::new(0),
        });
        let (mode_tx, mode_rx) = watch::channel((FaultMode::PassThrough, 0));
        runtime.spawn(listen_loop(listener, listen, shared.clone(), mode_rx));
        Ok(FaultProxy {
            listen,
            shared,
            mode_tx,
            runtime: Some(runtime),
        })
    }

    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.listen
    }

    pub fn port(&self) -> u16 {
        self.listen.port()
    }

    /// The instance this proxy forwards to.
    pub fn upstream(&self) -> SocketAddr {
        *self.shared.upstream.lock()
    }

    /// Points new connections elsewhere (an instance restarted on another port).
    pub fn set_upstream(&self, upstream: SocketAddr) {
        *self.shared.upstream.lock() = upstream;
    }

    pub fn mode(&self) -> FaultMode {
        self.mode_tx.borrow().0
    }

    /// Switches the mode and returns once it is in force: the listener is closed (Refuse) or
    /// bound again, and for Reset the open connections are gone. Data read after the switch is
    /// never forwarded while the mode forbids it.
    pub fn set_mode(&self, mode: FaultMode) -> Result<()> {
        let mut generation = 0;
        self.mode_tx.send_modify(|msg| {
            generation = msg.1 + 1;
            *msg = (mode, generation);
        });
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.shared.applied.load(Ordering::Acquire) < generation {
            if Instant::now() > deadline {
                return Err(Error::new(format!(
                    "proxy {} did not apply mode {mode:?} within 10 s (port taken?)",
                    self.listen
                )));
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        if mode == FaultMode::Reset {
            while self.open_connections() > 0 && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        Ok(())
    }

    /// Holds every chunk the server sends for `latency` before passing it on (zero: none), on
    /// open connections and new ones alike. Independent of the fault mode.
    pub fn set_latency(&self, latency: Duration) {
        let us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.shared.latency_us.store(us, Ordering::Release);
    }

    /// Client connections currently open through this proxy.
    pub fn open_connections(&self) -> usize {
        self.shared.open.load(Ordering::Acquire)
    }

    /// Client connections accepted since the proxy started.
    pub fn accepted_connections(&self) -> u64 {
        self.shared.accepted.load(Ordering::Acquire)
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            // Never blocks, so dropping a proxy inside an async test is fine; the tasks and their
            // sockets go with the runtime.
            runtime.shutdown_background();
        }
    }
}

async fn listen_loop(
    std_listener: std::net::TcpListener,
    addr: SocketAddr,
    shared: Arc<Shared>,
    mut mode_rx: watch::Receiver<ModeMsg>,
) {
    let mut listener = TcpListener::from_std(std_listener).ok();
    loop {
        let (mode, generation) = *mode_rx.borrow_and_update();
        if mode == FaultMode::Refuse {
            listener = None;
        } else if listener.is_none() {
            match TcpListener::bind(addr).await {
                Ok(bound) => listener = Some(bound),
                Err(_) => {
                    // Someone else holds the port for now; try again shortly.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            }
        }
        shared.applied.store(generation, Ordering::Release);
        match &listener {
            None => {
                if mode_rx.changed().await.is_err() {
                    return;
                }
            }
            Some(bound) => {
                tokio::select! {
                    accepted = bound.accept() => {
                        if let Ok((client, _)) = accepted {
                            shared.accepted.fetch_add(1, Ordering::AcqRel);
                            tokio::spawn(serve(client, shared.clone(), mode_rx.clone()));
                        }
                    }
                    changed = mode_rx.changed() => {
                        if changed.is_err() {
                            return;
                        }
                    }
                }
            }
        }
    }
}

/// Counts a connection as open for as long as its task lives.
struct OpenGuard(Arc<Shared>);

impl OpenGuard {
    fn new(shared: Arc<Shared>) -> OpenGuard {
        shared.open.fetch_add(1, Ordering::AcqRel);
        OpenGuard(shared)
    }
}

impl Drop for OpenGuard {
    fn drop(&mut self) {
        self.0.open.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Closes with SO_LINGER 0, which makes the kernel send RST instead of FIN.
fn reset(stream: TcpStream) {
    let _ = stream.set_zero_linger();
    drop(stream);
}

async fn serve(client: TcpStream, shared: Arc<Shared>, mut mode_rx: watch::Receiver<ModeMsg>) {
    let _open = OpenGuard::new(shared.clone());
    // Connect upstream only once forwarding is allowed: a black-holed client gets nothing.
    loop {
        let mode = mode_rx.borrow_and_update().0;
        match mode {
            FaultMode::PassThrough | FaultMode::Refuse => break,
            FaultMode::Reset => return reset(client),
            FaultMode::BlackHole => {
                if mode_rx.changed().await.is_err() {
                    return;
                }
            }
        }
    }
    let upstream = *shared.upstream.lock();
    let Ok(mut server) = TcpStream::connect(upstream).await else {
        // The instance is down: the client sees its connection closed, as with a dead host
        // behind a load balancer.
        return;
    };
    let mut client = client;
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let outcome = {
        let (client_read, client_write) = client.split();
        let (server_read, server_write) = server.split();
        let forward = async {
            tokio::try_join!(
                pump(client_read, server_write, mode_rx.clone(), None),
                pump(server_read, client_write, mode_rx.clone(), Some(&shared)),
            )
        };
        let mut watch_rx = mode_rx.clone();
        let reset_requested = async move {
            loop {
                if watch_rx.borrow_and_update().0 == FaultMode::Reset {
                    return;
                }
                if watch_rx.changed().await.is_err() {
                    return;
                }
            }
        };
        tokio::select! {
            result = forward => match result {
                Ok(_) => Outcome::Closed,
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => Outcome::Reset,
                Err(_) => Outcome::Closed,
            },
            _ = reset_requested => Outcome::Reset,
        }
    };
    // The pumps also stop when the mode turns to Reset, and select! may see them first: the
    // mode, not the branch that won, decides whether the client gets a RST.
    if outcome == Outcome::Reset || mode_rx.borrow().0 == FaultMode::Reset {
        reset(client);
    }
}

#[derive(PartialEq, Eq)]
enum Outcome {
    Closed,
    Reset,
}

/// Waits while the mode forbids forwarding; an error ends the connection.
async fn forwarding_allowed(mode_rx: &mut watch::Receiver<ModeMsg>) -> io::Result<()> {
    loop {
        match mode_rx.borrow_and_update().0 {
            FaultMode::PassThrough | FaultMode::Refuse => return Ok(()),
            FaultMode::Reset => return Err(io::Error::other("reset by the fault proxy")),
            FaultMode::BlackHole => {}
        }
        if mode_rx.changed().await.is_err() {
            return Err(io::Error::other("fault proxy closed"));
        }
    }
}

/// Copies one direction. The mode is checked after each read as well as before, so a chunk
/// that arrives just after a switch to BlackHole is held back, not forwarded. With `latency`
/// (the server-to-client direction), each chunk waits the proxy's added latency first.
async fn pump<R, W>(
    mut from: R,
    mut to: W,
    mut mode_rx: watch::Receiver<ModeMsg>,
    latency: Option<&Shared>,
) -> io::Result<()>
where
    R: AsyncRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let mut buf = vec![0u8; 32 * 1024];
    loop {
        forwarding_allowed(&mut mode_rx).await?;
        let n = from.read(&mut buf).await?;
        if n == 0 {
            // Pass the half-close on; the other direction may still carry data.
            let _ = to.shutdown().await;
            return Ok(());
        }
        if let Some(shared) = latency {
            let us = shared.latency_us.load(Ordering::Acquire);
            if us > 0 {
                tokio::time::sleep(Duration::from_micros(us)).await;
            }
        }
        forwarding_allowed(&mut mode_rx).await?;
        to.write_all(&buf[..n]).await?;
    }
}
