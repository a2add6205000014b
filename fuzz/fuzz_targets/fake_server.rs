//! A fake PostgreSQL server answering the driver with the fuzzer's bytes: during startup
//! (TLS negotiation, authentication, parameter status, key data) and after it (the answers to
//! the driver's own session queries and to the application's statement), driven through the
//! exported functions as an application without a driver manager would: SQLDriverConnect,
//! SQLExecDirect, SQLFetch and SQLGetData of every column as text, SQLMoreResults,
//! SQLDisconnect.
//!
//! The server listens on a loopback port. It reads the client's messages and, after each one
//! a real server answers (startup, SSLRequest, password, Query, Sync, Flush), sends the next
//! chunk of the input; when the client goes quiet for a moment it sends the next chunk anyway,
//! and after the last chunk it closes the connection. Each execution is bounded: a few
//! hundred milliseconds at worst (`connect_timeout` and the query timeout are 2 s, the server
//! never waits long).
//!
//! Input: a flags byte (bit 0: sslmode prefer instead of disable; bits 1-2: which statement
//! the application runs), then the chunks, separated by `\xffCHUNK\xff` (see
//! fuzz/tools/record_seeds.py, which records seeds from a real server).
//!
//! Checked: no crash, no hang (libFuzzer's -timeout), every call returns.
#![no_main]

use std::ffi::c_void;
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::ptr::null_mut;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

use auroraodbc::ffi::{env_conn, stmt_api, stmt_attr};
use libfuzzer_sys::fuzz_target;

const SEPARATOR: &[u8] = b"\xffCHUNK\xff";
const MAX_CHUNKS: usize = 32;
/// How long the server waits for the client's next message before sending the next chunk.
const QUIET: Duration = Duration::from_millis(15);
const SQL_HANDLE_ENV: i16 = 1;
const SQL_HANDLE_DBC: i16 = 2;
const SQL_HANDLE_STMT: i16 = 3;
const SQL_ATTR_ODBC_VERSION: i32 = 200;
const SQL_ATTR_QUERY_TIMEOUT: i32 = 0;
const SQL_NTS: i32 = -3;
const SQL_C_CHAR: i16 = 1;
const SQL_C_WCHAR: i16 = -8;

/// The statements the application runs (what the server answers is the input's business).
const STATEMENTS: [&str; 4] = [
    "SELECT 1::int4 AS a, 'x'::text AS b, 1.5::numeric AS c, now() AS d, ARRAY[1,2] AS e, \
     NULL::bytea AS f, '\\x00ff'::bytea AS g, interval '1 day' AS h, '2024-01-01'::date AS i, \
     true AS j, 'a8098c1a-f86e-11da-bd1a-00112444be1e'::uuid AS k",
    "SELECT 1; SELECT 'two'",
    "SELECT 1/0",
    "SELECT generate_series(1, 3) AS n, repeat('y', 300) AS long_text",
];

struct Handles {
    env: usize,
}

fn env() -> *mut c_void {
    static ENV: OnceLock<Handles> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env: *mut c_void = null_mut();
        // SAFETY: the output pointer is valid; the version is an integer attribute.
        unsafe {
            assert_eq!(
                env_conn::SQLAllocHandle(SQL_HANDLE_ENV, null_mut(), &mut env),
                0
            );
            env_conn::SQLSetEnvAttr(env, SQL_ATTR_ODBC_VERSION, 3usize as *mut c_void, 0);
        }
        Handles { env: env as usize }
    })
    .env as *mut c_void
}

/// Reads exactly `buf.len()` bytes; false on EOF, error or a quiet client.
fn read_exact_quiet(stream: &mut TcpStream, buf: &mut [u8]) -> Option<bool> {
    let mut at = 0;
    while at < buf.len() {
        match stream.read(&mut buf[at..]) {
            Ok(0) => return None,
            Ok(n) => at += n,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                if at == 0 {
                    return Some(false);
                }
            }
            Err(_) => return None,
        }
    }
    Some(true)
}

/// Reads one client message; `Some(true)` when a real server would answer it, `Some(false)`
/// when the client went quiet (or sent something needing no answer), `None` when it is gone.
fn next_message(stream: &mut TcpStream, startup: &mut bool) -> Option<bool> {
    if *startup {
        let mut len = [0u8; 4];
        if !read_exact_quiet(stream, &mut len)? {
            return Some(false);
        }
        let n = usize::try_from(u32::from_be_bytes(len))
            .ok()?
            .checked_sub(4)?;
        let mut body = vec![0u8; n.min(1 << 16)];
        read_exact_quiet(stream, &mut body)?;
        // An SSLRequest (code 80877103) is followed by the real startup message.
        *startup = body.get(..4) == Some(&80877103u32.to_be_bytes()[..]);
        return Some(true);
    }
    let mut head = [0u8; 5];
    if !read_exact_quiet(stream, &mut head)? {
        return Some(false);
    }
    let n = usize::try_from(u32::from_be_bytes([head[1], head[2], head[3], head[4]]))
        .ok()?
        .checked_sub(4)?;
    let mut body = vec![0u8; n.min(1 << 20)];
    read_exact_quiet(stream, &mut body)?;
    match head[0] {
        b'X' => None,
        b'p' | b'Q' | b'S' | b'H' => Some(true),
        _ => Some(false),
    }
}

/// Serves one connection: a chunk after each answered message (or a quiet moment), then
/// closes.
fn serve(mut stream: TcpStream, chunks: &[Vec<u8>]) {
    let _ = stream.set_read_timeout(Some(QUIET));
    let _ = stream.set_nodelay(true);
    let mut startup = true;
    let mut next = chunks.iter();
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline {
        match next_message(&mut stream, &mut startup) {
            None => break,
            Some(false) => {}
            Some(true) => {}
        }
        let Some(chunk) = next.next() else {
            break;
        };
        if stream.write_all(chunk).is_err() {
            break;
        }
    }
    let _ = stream.shutdown(Shutdown::Both);
}

/// Reads every column of every row as text (narrow and wide, in small pieces), then the
/// next results.
///
/// # Safety
/// `stmt` is a statement handle of the driver.
unsafe fn read_results(stmt: *mut c_void) {
    for _ in 0..8 {
        let mut cols: i16 = 0;
        // SAFETY: `cols` is writable.
        unsafe { stmt_api::SQLNumResultCols(stmt, &mut cols) };
        let mut rows = 0;
        // SAFETY: a statement handle of the driver.
        while rows < 64 && matches!(unsafe { stmt_api::SQLFetch(stmt) }, 0 | 1) {
            rows += 1;
            for col in 1..=u16::try_from(cols.max(0)).unwrap_or(0).min(64) {
                let target = if col % 2 == 0 {
                    SQL_C_WCHAR
                } else {
                    SQL_C_CHAR
                };
                for _ in 0..64 {
                    let mut buf = [0u8; 7];
                    let mut ind: isize = 0;
                    // SAFETY: `buf` holds 7 bytes, `ind` is writable.
                    let rc = unsafe {
                        stmt_api::SQLGetData(
                            stmt,
                            col,
                            target,
                            buf.as_mut_ptr().cast(),
                            7,
                            &mut ind,
                        )
                    };
                    if rc != 1 {
                        break;
                    }
                }
            }
        }
        // SAFETY: a statement handle of the driver.
        if unsafe { stmt_api::SQLMoreResults(stmt) } != 0 {
            break;
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&flags, script)) = data.split_first() else {
        return;
    };
    let mut chunks: Vec<Vec<u8>> = Vec::new();
    let mut rest = script;
    while chunks.len() < MAX_CHUNKS {
        match rest.windows(SEPARATOR.len()).position(|w| w == SEPARATOR) {
            Some(at) => {
                chunks.push(rest[..at].to_vec());
                rest = &rest[at + SEPARATOR.len()..];
            }
            None => {
                chunks.push(rest.to_vec());
                break;
            }
        }
    }
    let chunks = Arc::new(chunks);

    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let port = listener.local_addr().expect("its address").port();
    listener
        .set_nonblocking(true)
        .expect("a non-blocking listener");
    let done = Arc::new(AtomicBool::new(false));
    let server = {
        let (done, chunks) = (done.clone(), chunks.clone());
        thread::spawn(move || {
            // Every connection the driver opens (a cancel request opens one) gets the script.
            let mut served = Vec::new();
            while !done.load(Ordering::Acquire) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        let _ = stream.set_nonblocking(false);
                        let chunks = chunks.clone();
                        served.push(thread::spawn(move || serve(stream, &chunks)));
                    }
                    Err(_) => thread::sleep(Duration::from_millis(1)),
                }
            }
            for s in served {
                let _ = s.join();
            }
        })
    };

    let sslmode = if flags & 1 == 1 { "prefer" } else { "disable" };
    let statement = STATEMENTS[usize::from((flags >> 1) & 3)];
    let conn_str = format!(
        "Server=127.0.0.1;Port={port};UID=fuzz;PWD=fuzz;Database=fuzz;sslmode={sslmode};\
         plugins=;connect_timeout=2"
    );
    let mut dbc: *mut c_void = null_mut();
    // SAFETY: handles come from the driver; strings are valid for their lengths; output
    // pointers are writable or null.
    unsafe {
        assert_eq!(env_conn::SQLAllocHandle(SQL_HANDLE_DBC, env(), &mut dbc), 0);
        let rc = env_conn::narrow::SQLDriverConnect(
            dbc,
            null_mut(),
            conn_str.as_ptr(),
            i16::try_from(conn_str.len()).unwrap_or(i16::MAX),
            null_mut(),
            0,
            null_mut(),
            0,
        );
        if rc == 0 || rc == 1 {
            let mut stmt: *mut c_void = null_mut();
            if env_conn::SQLAllocHandle(SQL_HANDLE_STMT, dbc, &mut stmt) == 0 {
                stmt_attr::narrow::SQLSetStmtAttr(
                    stmt,
                    SQL_ATTR_QUERY_TIMEOUT,
                    2usize as *mut c_void,
                    0,
                );
                let len = i32::try_from(statement.len()).unwrap_or(SQL_NTS);
                let rc = stmt_api::narrow::SQLExecDirect(stmt, statement.as_ptr(), len);
                if rc == 0 || rc == 1 {
                    read_results(stmt);
                }
                env_conn::SQLFreeHandle(SQL_HANDLE_STMT, stmt);
            }
            env_conn::SQLDisconnect(dbc);
        }
        env_conn::SQLFreeHandle(SQL_HANDLE_DBC, dbc);
    }
    done.store(true, Ordering::Release);
    let _ = server.join();
});
