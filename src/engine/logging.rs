//! Logging to a file chosen by DSN keys (`log_level`, `log_file`), through tracing. Off by
//! default. The driver's own events only: secrets are never formatted into them (settings are
//! logged through `Settings::redacted_pairs`, connect options through their redacting Debug).

use parking_lot::Mutex;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, LazyLock, Once};
use tracing::level_filters::LevelFilter;
use tracing::{Event, Metadata, Subscriber};
use tracing_subscriber::layer::{Context, Filter};
use tracing_subscriber::prelude::*;

/// The current level as a number: 0 = off, 1 = error ... 5 = trace.
static LEVEL: AtomicU8 = AtomicU8::new(0);
/// The open log file and its path.
type Sink = Option<(String, File)>;
static SINK: LazyLock<Arc<Mutex<Sink>>> = LazyLock::new(|| Arc::new(Mutex::new(None)));
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

/// Writes formatted events into the current file, if any.
#[derive(Clone)]
struct FileSink;

impl Write for FileSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some((_, file)) = SINK.lock().as_mut() {
            file.write_all(buf)?;
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        if let Some((_, file)) = SINK.lock().as_mut() {
            file.flush()?;
        }
        Ok(())
    }
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
    let path = file.map(str::to_string).unwrap_or_else(|| {
        std::env::temp_dir()
            .join("auroraodbc.log")
            .display()
            .to_string()
    });
    {
        let mut sink = SINK.lock();
        let same = sink.as_ref().is_some_and(|(p, _)| *p == path);
        if !same {
            match OpenOptions::new().create(true).append(true).open(&path) {
                Ok(mut f) => {
                    // Which build wrote what follows: the version comes from Cargo.toml, as
                    // the packages' version does. Best effort, like every log write.
                    let _ = writeln!(f, "{BANNER} (pid {})", std::process::id());
                    *sink = Some((path, f));
                }
                Err(_) => return,
            }
        }
    }
    LEVEL.store(wanted, Ordering::Relaxed);
    INSTALL.call_once(|| {
        let layer = tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_thread_ids(true)
            .with_target(true)
            .with_writer(|| FileSink)
            .with_filter(DynamicLevel);
        // Our copy of tracing lives inside the driver library, so this default applies to the
        // driver's own events and never to the application's.
        let _ = tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer));
    });
}
