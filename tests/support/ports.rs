//! Free loopback ports.
//!
//! A listener we own binds port 0 and keeps its socket, which cannot collide. PostgreSQL must bind
//! its own port, so for it we ask the kernel for a free one, close it and hand the number over;
//! a process-wide set keeps two clusters in one test binary from getting the same number, and the
//! caller retries with a fresh port if another process took it in between.

use std::collections::BTreeSet;
use std::io;
use std::net::{Ipv4Addr, SocketAddr, TcpListener};
use std::sync::Mutex;

static HANDED_OUT: Mutex<BTreeSet<u16>> = Mutex::new(BTreeSet::new());

/// The loopback address every part of the stand-in listens on.
pub const LOOPBACK: Ipv4Addr = Ipv4Addr::LOCALHOST;

/// A listener on a fresh loopback port.
pub fn bind_loopback() -> io::Result<TcpListener> {
    TcpListener::bind(SocketAddr::from((LOOPBACK, 0)))
}

/// A port that was free a moment ago and that this process has not handed out before.
pub fn reserve_port() -> io::Result<u16> {
    for _ in 0..64 {
        let port = bind_loopback()?.local_addr()?.port();
        // A poisoned lock only means another test panicked while holding it; the set is intact.
        let mut taken = HANDED_OUT.lock().unwrap_or_else(|p| p.into_inner());
        if taken.insert(port) {
            return Ok(port);
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AddrInUse,
        "no unused loopback port after 64 tries",
    ))
}
