//! The engine's tokio runtimes.
//!
//! The shared runtime is created on first use, serves every handle and is released on demand.
//! Background work (monitors, pollers, cancel requests, timers) runs as tasks on its few worker
//! threads, so thousands of monitored connections cost no extra OS threads.
//!
//! An application's own connections do not use those workers for their sockets: each has a
//! [`CallerRuntime`], run by the application thread that waits on the connection.

use parking_lot::Mutex;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::Once;
use tokio::runtime::{Builder, Handle, Runtime};

/// Worker threads of the shared runtime: enough for background monitors and their sockets;
/// the application threads drive their own connections (see [`CallerRuntime`]).
const WORKER_THREADS: usize = 2;

static RUNTIME: Mutex<Option<Runtime>> = Mutex::new(None);
/// Set in a child process right after fork(): the parent's runtime threads do not exist there.
static FORKED: AtomicBool = AtomicBool::new(false);
static ATFORK: Once = Once::new();
/// Counts runtimes created in this process: background work started under an earlier runtime
/// (before a fork or a release) is gone, whatever its records say.
static EPOCH: AtomicU64 = AtomicU64::new(0);

/// The generation of the current runtime (creating the runtime when there is none, so that
/// work about to be spawned records the generation it will run on); see [`EPOCH`].
pub fn epoch() -> u64 {
    let _ = handle();
    EPOCH.load(Ordering::Acquire)
}

/// This process's id once asked ([`process_id`]); 0 until then and again in a child right
/// after fork().
static PROCESS_ID: AtomicU32 = AtomicU32::new(0);

extern "C" fn mark_forked() {
    FORKED.store(true, Ordering::SeqCst);
    PROCESS_ID.store(0, Ordering::SeqCst);
}

/// Registers [`mark_forked`] to run in the child of every fork().
fn watch_forks() {
    ATFORK.call_once(|| {
        // SAFETY: registering a plain function without captured state; it only stores to two
        // atomics, which is all a fork handler in a multi-threaded process may do.
        unsafe {
            libc::pthread_atfork(None, None, Some(mark_forked));
        }
    });
}

/// This process's id, as `std::process::id()` gives it, without a system call each time:
/// every statement checks that its connection belongs to this process (a forked child's copy
/// must not use the parent's socket), several times per call. A fork resets the cache in the
/// child (see [`mark_forked`]).
pub fn process_id() -> u32 {
    watch_forks();
    match PROCESS_ID.load(Ordering::Acquire) {
        0 => {
            let pid = std::process::id();
            PROCESS_ID.store(pid, Ordering::Release);
            pid
        }
        pid => pid,
    }
}

/// The runtime's handle, creating the runtime when there is none (first use, after
/// [`shutdown`], or in a child process after fork()).
pub fn handle() -> std::io::Result<Handle> {
    watch_forks();
    let mut slot = RUNTIME.lock();
    if FORKED.swap(false, Ordering::SeqCst) {
        // The parent's worker threads are gone in the child; dropping the runtime would wait on
        // them, so it is leaked on purpose and a fresh one is made.
        if let Some(stale) = slot.take() {
            std::mem::forget(stale);
        }
    }
    if let Some(rt) = slot.as_ref() {
        return Ok(rt.handle().clone());
    }
    let rt = Builder::new_multi_thread()
        .worker_threads(WORKER_THREADS)
        .thread_name("auroraodbc-rt")
        .enable_all()
        .build()?;
    let handle = rt.handle().clone();
    EPOCH.fetch_add(1, Ordering::AcqRel);
    *slot = Some(rt);
    Ok(handle)
}

/// Whether the shared runtime exists now (without creating it).
pub fn is_running() -> bool {
    !FORKED.load(Ordering::SeqCst) && RUNTIME.lock().is_some()
}

/// Runs `fut` to completion on the shared runtime from an application thread.
pub fn block_on<F: Future>(fut: F) -> std::io::Result<F::Output> {
    let handle = handle()?;
    // An application thread that is itself inside a tokio runtime cannot block directly.
    if Handle::try_current().is_ok() {
        return Ok(tokio::task::block_in_place(|| handle.block_on(fut)));
    }
    Ok(handle.block_on(fut))
}

/// Spawns a background task on the shared runtime.
pub fn spawn<F>(fut: F) -> std::io::Result<tokio::task::JoinHandle<F::Output>>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    Ok(handle()?.spawn(fut))
}

/// Stops the runtime and every task on it without waiting for them: used when the last
/// environment handle is freed and by the exported release function, so that an application
/// never waits on background work at exit.
pub fn shutdown() {
    let taken = RUNTIME.lock().take();
    if let Some(rt) = taken {
        rt.shutdown_background();
    }
}

/// A single-thread runtime that belongs to one connection and runs only while an application
/// thread waits on it.
///
/// A connection whose socket task lives on the shared runtime hands every chunk of rows from a
/// worker thread to the application thread: a wake-up and two context switches per chunk, and
/// a third busy thread on a machine whose other core runs the server. Here the waiting thread
/// itself polls the socket (its `block_on` turns this runtime's I/O driver), so a result
/// streams with no hand-off at all. The socket task is idle between calls, which is what a
/// client that is not reading wants anyway: the server stops at a full socket buffer.
///
/// Other threads still reach the connection: aborting its task (a monitor, failover) wakes the
/// waiting thread through the runtime's own waker.
///
/// Each costs four file descriptors (tokio's I/O stack: epoll instances, a waker, and the
/// signal driver's socket that the AWS SDK's process credentials bring in), so a process holds
/// at most [`caller_runtime_limit`] of them; connections beyond that run their socket on the
/// shared runtime, slower but without using up the process's descriptors.
pub struct CallerRuntime {
    rt: Option<Runtime>,
    /// The process that made it: a child after fork() holds a copy of the connection's socket
    /// that it must not write to (see [`CallerRuntime::inherited`]).
    owner_pid: u32,
}

/// Live caller runtimes in this process, and how many may live at once.
static CALLER_RUNTIMES: AtomicUsize = AtomicUsize::new(0);
static CALLER_RUNTIME_LIMIT: AtomicUsize = AtomicUsize::new(DEFAULT_CALLER_RUNTIME_LIMIT);
const DEFAULT_CALLER_RUNTIME_LIMIT: usize = 64;

/// How many connections at once may have a [`CallerRuntime`] (64 unless changed).
pub fn caller_runtime_limit() -> usize {
    CALLER_RUNTIME_LIMIT.load(Ordering::Acquire)
}

/// Changes [`caller_runtime_limit`] for connections opened from now on.
pub fn set_caller_runtime_limit(limit: usize) {
    CALLER_RUNTIME_LIMIT.store(limit, Ordering::Release);
}

impl CallerRuntime {
    /// A new runtime for a connection; `None` when [`caller_runtime_limit`] runtimes live
    /// already or the system refuses one (then the connection uses the shared runtime).
    pub fn try_new() -> Option<CallerRuntime> {
        let limit = caller_runtime_limit();
        let taken = CALLER_RUNTIMES.fetch_add(1, Ordering::AcqRel);
        if taken >= limit {
            CALLER_RUNTIMES.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        match Builder::new_current_thread().enable_all().build() {
            Ok(rt) => Some(CallerRuntime {
                rt: Some(rt),
                owner_pid: process_id(),
            }),
            Err(e) => {
                CALLER_RUNTIMES.fetch_sub(1, Ordering::AcqRel);
                tracing::warn!(error = %e, "no runtime of its own for a connection; it uses the shared one");
                None
            }
        }
    }

    /// Whether this is a forked child's copy: its socket is the parent's too, so closing the
    /// connection politely (Terminate) from here would end the parent's session.
    pub fn inherited(&self) -> bool {
        process_id() != self.owner_pid
    }

    /// Runs `fut` to completion on the calling thread, driving this runtime's tasks meanwhile.
    pub fn block_on<F: Future>(&self, fut: F) -> std::io::Result<F::Output> {
        let Some(rt) = self.rt.as_ref() else {
            return Err(std::io::Error::other(
                "the connection's runtime is shut down",
            ));
        };
        // An application thread that is itself inside a tokio runtime cannot block directly.
        if Handle::try_current().is_ok() {
            return Ok(tokio::task::block_in_place(|| rt.block_on(fut)));
        }
        Ok(rt.block_on(fut))
    }

    /// Whether a thread may block here now (not from inside async code).
    pub fn can_block() -> bool {
        Handle::try_current().is_err()
    }
}

impl Drop for CallerRuntime {
    fn drop(&mut self) {
        CALLER_RUNTIMES.fetch_sub(1, Ordering::AcqRel);
        if self.inherited() {
            // A forked child shares the parent's epoll instance: dropping the runtime would
            // deregister the connection's socket from it, and the parent would never hear
            // from that socket again. The child's copy is left as it is.
            if let Some(rt) = self.rt.take() {
                std::mem::forget(rt);
            }
            return;
        }
        if let Some(rt) = self.rt.take() {
            // Dropping a runtime waits for its tasks to be dropped, which async code must not
            // do; its tasks hold nothing but a socket, so letting them go in the background is
            // enough.
            if Self::can_block() {
                drop(rt);
            } else {
                rt.shutdown_background();
            }
        }
    }
}
