//! The registry of live handles. A handle given to the application is the address of the
//! object it names; every call checks it here first, so a stale, freed or wrong-type handle
//! gets SQL_INVALID_HANDLE instead of undefined behaviour.

use crate::odbc::conn::Connection;
use crate::odbc::desc::Descriptor;
use crate::odbc::env::Environment;
use crate::odbc::stmt::Statement;
use parking_lot::RwLock;
use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::c_void;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock};

/// Addresses are already unique; a multiply-shift spreads them over the table cheaply.
#[derive(Default)]
pub struct AddressHasher(u64);

impl Hasher for AddressHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8 | u64::from(*b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_usize(&mut self, n: usize) {
        self.0 = (n as u64)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
            .rotate_right(29);
    }
}

#[derive(Clone)]
pub enum Object {
    Env(Arc<Environment>),
    Conn(Arc<Connection>),
    Stmt(Arc<Statement>),
    Desc(Arc<Descriptor>),
}

type Table = HashMap<usize, Object, BuildHasherDefault<AddressHasher>>;

static REGISTRY: LazyLock<RwLock<Table>> = LazyLock::new(|| RwLock::new(Table::default()));

fn address_of(obj: &Object) -> usize {
    match obj {
        Object::Env(a) => Arc::as_ptr(a) as usize,
        Object::Conn(a) => Arc::as_ptr(a) as usize,
        Object::Stmt(a) => Arc::as_ptr(a) as usize,
        Object::Desc(a) => Arc::as_ptr(a) as usize,
    }
}

/// Registers `obj` and returns the handle the application will use.
pub fn register(obj: Object) -> *mut c_void {
    let addr = address_of(&obj);
    REGISTRY.write().insert(addr, obj);
    addr as *mut c_void
}

/// Counts removals: a thread's cached lookup is valid only while no handle was freed since.
static REMOVALS: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// The last handle this thread looked up (applications call many functions in a row on
    /// one statement), so per-row calls skip the shared registry lock.
    static LAST_LOOKUP: RefCell<Option<(usize, u64, Object)>> = const { RefCell::new(None) };
}

/// Removes a handle; later calls with it get SQL_INVALID_HANDLE.
pub fn unregister(handle: *mut c_void) -> Option<Object> {
    let removed = REGISTRY.write().remove(&(handle as usize));
    REMOVALS.fetch_add(1, Ordering::AcqRel);
    let _ = LAST_LOOKUP.try_with(|c| c.try_borrow_mut().map(|mut slot| slot.take()));
    removed
}

fn get(handle: *mut c_void) -> Option<Object> {
    if handle.is_null() {
        return None;
    }
    let addr = handle as usize;
    let removals = REMOVALS.load(Ordering::Acquire);
    let cached = LAST_LOOKUP
        .try_with(|c| match c.try_borrow().as_deref() {
            Ok(Some((a, r, obj))) if *a == addr && *r == removals => Some(obj.clone()),
            _ => None,
        })
        .ok()
        .flatten();
    if cached.is_some() {
        return cached;
    }
    let found = REGISTRY.read().get(&addr).cloned();
    if let Some(obj) = &found {
        // Busy while a call lends the cached object (`with_object`): then it stays as is.
        let _ = LAST_LOOKUP.try_with(|c| {
            if let Ok(mut slot) = c.try_borrow_mut() {
                *slot = Some((addr, removals, obj.clone()));
            }
        });
    }
    found
}

/// Runs `f` with the object behind `handle` (`None` for a bad handle), lent from the thread's
/// cached lookup when that names it: per-row calls (SQLFetch, SQLGetData) then cost neither a
/// registry lock nor reference-count traffic. The cache stays borrowed during `f`, so a nested
/// lookup on this thread takes the registry path, and a free inside `f` (none does so today)
/// would leave the entry to be dropped by the next lookup, whose generation check fails.
fn with_object<R>(handle: *mut c_void, f: impl FnOnce(Option<&Object>) -> R) -> R {
    if handle.is_null() {
        return f(None);
    }
    let addr = handle as usize;
    let removals = REMOVALS.load(Ordering::Acquire);
    let mut f = Some(f);
    let lent = LAST_LOOKUP.try_with(|c| {
        let slot = c.try_borrow().ok()?;
        match &*slot {
            Some((a, r, obj)) if *a == addr && *r == removals => f.take().map(|f| f(Some(obj))),
            _ => None,
        }
    });
    if let Ok(Some(out)) = lent {
        return out;
    }
    let Some(f) = f else {
        // Unreachable: `f` is taken only together with a result.
        unreachable_lookup()
    };
    let Some(obj) = REGISTRY.read().get(&addr).cloned() else {
        return f(None);
    };
    let out = f(Some(&obj));
    if REMOVALS.load(Ordering::Acquire) == removals {
        let _ = LAST_LOOKUP.try_with(move |c| {
            if let Ok(mut slot) = c.try_borrow_mut() {
                *slot = Some((addr, removals, obj));
            }
        });
    }
    out
}

#[cold]
fn unreachable_lookup() -> ! {
    panic!("handle lookup: the call ran without a result")
}

/// [`with_object`] for a statement handle.
pub fn with_stmt<R>(handle: *mut c_void, f: impl FnOnce(Option<&Arc<Statement>>) -> R) -> R {
    with_object(handle, |obj| {
        f(match obj {
            Some(Object::Stmt(s)) => Some(s),
            _ => None,
        })
    })
}

pub fn env(handle: *mut c_void) -> Option<Arc<Environment>> {
    match get(handle)? {
        Object::Env(e) => Some(e),
        _ => None,
    }
}

pub fn conn(handle: *mut c_void) -> Option<Arc<Connection>> {
    match get(handle)? {
        Object::Conn(c) => Some(c),
        _ => None,
    }
}

pub fn stmt(handle: *mut c_void) -> Option<Arc<Statement>> {
    match get(handle)? {
        Object::Stmt(s) => Some(s),
        _ => None,
    }
}

pub fn desc(handle: *mut c_void) -> Option<Arc<Descriptor>> {
    match get(handle)? {
        Object::Desc(d) => Some(d),
        _ => None,
    }
}

pub fn any(handle: *mut c_void) -> Option<Object> {
    get(handle)
}

/// Whether any connection of `env` is still allocated.
pub fn env_has_connections(env: &Arc<Environment>) -> bool {
    REGISTRY
        .read()
        .values()
        .any(|o| matches!(o, Object::Conn(c) if Arc::ptr_eq(&c.env, env)))
}

/// Whether any statement or explicit descriptor of `conn` is still allocated.
pub fn conn_statements(conn: &Arc<Connection>) -> Vec<Arc<Statement>> {
    REGISTRY
        .read()
        .values()
        .filter_map(|o| match o {
            Object::Stmt(s) if Arc::ptr_eq(&s.conn, conn) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

/// Number of live environment handles.
pub fn env_count() -> usize {
    REGISTRY
        .read()
        .values()
        .filter(|o| matches!(o, Object::Env(_)))
        .count()
}

/// Explicit descriptors allocated on `conn`.
pub fn register_explicit_desc(conn: &Arc<Connection>, desc: Arc<Descriptor>) -> *mut c_void {
    EXPLICIT_OWNERS
        .write()
        .insert(Arc::as_ptr(&desc) as usize, Arc::as_ptr(conn) as usize);
    register(Object::Desc(desc))
}

static EXPLICIT_OWNERS: LazyLock<RwLock<HashMap<usize, usize>>> =
    LazyLock::new(|| RwLock::new(HashMap::new()));

/// Frees the explicit descriptors of a connection being freed.
pub fn free_explicit_descs_of(conn: &Arc<Connection>) {
    let owner = Arc::as_ptr(conn) as usize;
    let mut owners = EXPLICIT_OWNERS.write();
    let mine: Vec<usize> = owners
        .iter()
        .filter(|(_, o)| **o == owner)
        .map(|(d, _)| *d)
        .collect();
    for d in mine {
        owners.remove(&d);
        REGISTRY.write().remove(&d);
        REMOVALS.fetch_add(1, Ordering::AcqRel);
    }
}

pub fn forget_explicit_desc(desc: *mut c_void) {
    EXPLICIT_OWNERS.write().remove(&(desc as usize));
}

/// Every live statement.
pub fn all_statements() -> Vec<Arc<Statement>> {
    REGISTRY
        .read()
        .values()
        .filter_map(|o| match o {
            Object::Stmt(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

/// The statement whose implementation row descriptor is `desc` (IRD fields come from its
/// result columns).
pub fn ird_owner(desc: &Arc<Descriptor>) -> Option<Arc<Statement>> {
    REGISTRY.read().values().find_map(|o| match o {
        Object::Stmt(s) if Arc::ptr_eq(&s.ird, desc) => Some(s.clone()),
        _ => None,
    })
}
