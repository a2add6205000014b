//! Logging chosen by DSN keys (`log_level`, `log_file`), through tracing: to the named file, or
//! to standard error when none is named. Off by default. The driver's own events only: secrets
//! are never formatted into them (settings are logged through `Settings::redacted_pairs`,
//! connect options through their redacting Debug).
//!
//! A log file is opened with care, because the driver runs inside other people's processes
//! and a path may point where another user can reach: created with mode 0600, never through
//! a symbolic link (O_NOFOLLOW), and only if it is a regular file. A file that cannot be
//! opened so sends the log to standard error, with a line saying why.

use parking_lot::Mutex;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, LazyLock, Once};
use tracing::level_filters::LevelFilter;
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Filter};
use tracing_subscriber::prelude::*;

/// The current level as a number: 0 = off, 1 = error ... 5 = trace.
static LEVEL: AtomicU8 = AtomicU8::new(0);
/// Where log lines go.
enum Sink {
    /// The application's standard error: no file was named, or it could not be opened.
    Stderr,
    /// The named file (its path as given, to tell whether a later connection names another).
    File { path: String, file: File },
}

static SINK: LazyLock<Arc<Mutex<Option<Sink>>>> = LazyLock::new(|| Arc::new(Mutex::new(None)));
static INSTALL: Once = Once::new();
/// The first line the driver writes into each log file it opens.
const BANNER: &str = concat!("auroraodbc ", env!("CARGO_PKG_VERSION"), " log opened");

fn level_number(level: &tracing::Level) -> u8 {
    match *level {
        tracing::Level::ERROR => 1,
        tracing::Level::WARN => 2,
        tracing::Level::INFO => 3,
        tracing::Level::DEBUG => 4,
        tracing::Level::TRACE => 5,
    }
}

/// Passes events at or above the current level, read at each event so changes apply at once.
struct DynamicLevel;

impl<S: Subscriber> Filter<S> for DynamicLevel {
    fn enabled(&self, meta: &Metadata<'_>, _cx: &Context<'_, S>) -> bool {
        level_number(meta.level()) <= LEVEL.load(Ordering::Relaxed)
    }

    fn callsite_enabled(&self, _meta: &'static Metadata<'static>) -> tracing::subscriber::Interest {
        tracing::subscriber::Interest::sometimes()
    }

    fn max_level_hint(&self) -> Option<LevelFilter> {
        Some(LevelFilter::TRACE)
    }

    fn event_enabled(&self, event: &Event<'_>, _cx: &Context<'_, S>) -> bool {
        level_number(event.metadata().level()) <= LEVEL.load(Ordering::Relaxed)
    }
}

/// Writes formatted events into the current sink, if any.
#[derive(Clone)]
struct SinkWriter;

impl Write for SinkWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match SINK.lock().as_mut() {
            Some(Sink::File { file, .. }) => file.write_all(buf)?,
            Some(Sink::Stderr) => std::io::stderr().write_all(buf)?,
            None => {}
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        match SINK.lock().as_mut() {
            Some(Sink::File { file, .. }) => file.flush(),
            Some(Sink::Stderr) => std::io::stderr().flush(),
            None => Ok(()),
        }
    }
}

/// Opens (or creates, mode 0600) a log file for appending, refusing a symbolic link as the
/// last path component and anything but a regular file. O_NONBLOCK keeps the open of a FIFO
/// from waiting for a reader; it changes nothing for a regular file.
fn open_log_file(path: &str) -> std::io::Result<File> {
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_CLOEXEC)
        .open(path)?;
    if !file.metadata()?.file_type().is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    Ok(file)
}

/// The sink for `file` (standard error for none), with the first line it gets: the banner, or
/// on standard error why the named file is not used.
fn open_sink(file: Option<&str>) -> Sink {
    let pid = std::process::id();
    if let Some(path) = file {
        match open_log_file(path) {
            Ok(mut f) => {
                // Which build wrote what follows: the version comes from Cargo.toml, as
                // the packages' version does. Best effort, like every log write.
                let _ = writeln!(f, "{BANNER} (pid {pid})");
                return Sink::File {
                    path: path.to_string(),
                    file: f,
                };
            }
            Err(e) => {
                let _ = writeln!(
                    std::io::stderr(),
                    "auroraodbc: cannot use log file {path}: {e}; logging to standard error"
                );
            }
        }
    }
    let _ = writeln!(std::io::stderr(), "{BANNER} on standard error (pid {pid})");
    Sink::Stderr
}

fn parse_level(word: &str) -> Option<u8> {
    Some(match word.to_ascii_lowercase().as_str() {
        "off" => 0,
        "error" => 1,
        "warn" | "warning" => 2,
        "info" => 3,
        "debug" => 4,
        "trace" => 5,
        _ => return None,
    })
}

/// Applies a connection's logging keys. The most recent connection that asks for logging
/// decides the level and file for the whole process (one driver, one log).
pub fn configure(level: Option<&str>, file: Option<&str>) {
    let Some(wanted) = level.and_then(parse_level) else {
        return;
    };
    if wanted == 0 {
        return;
    }
    let file = file.filter(|f| !f.is_empty());
    {
        let mut sink = SINK.lock();
        let same = match (sink.as_ref(), file) {
            (Some(Sink::File { path, .. }), Some(wanted)) => path == wanted,
            (Some(Sink::Stderr), None) => true,
            _ => false,
        };
        if !same {
            *sink = Some(open_sink(file));
        }
    }
    LEVEL.store(wanted, Ordering::Relaxed);
    INSTALL.call_once(|| {
        let layer = tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_thread_ids(true)
            .with_target(true)
            .with_writer(|| SinkWriter)
            .with_filter(DynamicLevel);
        // Our copy of tracing lives inside the driver library, so this default applies to the
        // driver's own events and never to the application's.
        let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer));
    });
}
