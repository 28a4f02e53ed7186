//! What a listing's shape alone decides, kept per backend: the relation's facts (kind, key,
//! resolved ORDER BY, filter columns), the parsed filter, the listing's digests and its page
//! queries. A call whose shape was seen before skips the catalog work, the parsers and the SQL
//! text building, and pays only for its cursor, its filter values and the execution.
//!
//! Measured on 1M rows (pgbench, release build, 20-row pages at 99% depth): resolving the
//! relation and building the page query were 15% of keyset_rows' backend time (`perf`:
//! `catalog::resolve` 5%, `PageShape::query` 8.5%, the rest parsing and hashing).
//!
//! ## Keyed by what the caller passed, current by Postgres' invalidations
//! The key is the call's own arguments as given (relation oid, sort, direction and key text,
//! the filter's jsonb bytes) and the current user (privileges and what a view's base table
//! reveals depend on who asks). Nothing is looked up to build it.
//!
//! Every relcache invalidation (any DDL, GRANT/REVOKE on a table or column, a new index, ANALYZE),
//! every change of a role or of role membership and every schema rename empties the cache: a generation
//! counter moves, and entries of an older generation are never used. Invalidations arrive when
//! a lock is taken, so a call locks its relation (and a view's base table) before it trusts an
//! entry, as `relation_open` would; DDL committed by another session is seen by the very next
//! call. An entry in use by a running call is reference-counted and outlives the flush.
//!
//! The flush is global, not per relation: a view's shape depends on every view it stacks on and
//! on its base table, and a global flush cannot miss one. Its price: any invalidation in the
//! database (autovacuum's ANALYZE of any table included) costs each listing one slow call
//! afterwards.
//!
//! The budget is [`MAX_BYTES`] of SQL text and [`MAX_SHAPES`] shapes; past either the cache is
//! emptied and refills with the listings in use.

use rustc_hash::FxHashMap as HashMap;
use std::cell::{Cell, RefCell};
use std::rc::Rc;

use keyset_core::filter::Condition;
use keyset_core::predicate::{Output, PageQuery};
use keyset_core::sort_spec::SortKey;
use keyset_core::KeysetError;
use pgrx::pg_sys;

use crate::catalog::Facts;

/// Most shapes kept per backend.
const MAX_SHAPES: usize = 1024;
/// Most bytes of page-query text kept per backend (plans are budgeted in `spi_plan`).
const MAX_BYTES: usize = 4 * 1024 * 1024;
/// Most page queries per shape (one per cursor NULL pattern, direction, output and page size).
const MAX_QUERIES_PER_SHAPE: usize = 64;

/// A listing's shape as the caller wrote it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ShapeKey {
    pub relid: u32,
    pub user: u32,
    pub sort: Option<String>,
    pub direction: Option<String>,
    pub key: Option<String>,
    /// The filter's jsonb, byte for byte (values included: the digest binds them).
    pub filter: Option<Vec<u8>>,
}

/// What one page query depends on besides the shape.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct QueryKey {
    /// None: the first page; else which cursor values are NULL.
    pub cursor_nulls: Option<Vec<bool>>,
    pub backward: bool,
    pub output: Output,
    pub page_size: i32,
    /// Whether the flag behind the cursor is probed (`pg_keyset.has_previous`).
    pub exact_probe: bool,
}

/// A resolved listing.
pub struct Resolved {
    pub facts: Facts,
    /// The resolved ORDER BY (`facts.keys`' sort keys).
    pub sort_keys: Vec<SortKey>,
    pub filter: Vec<Condition>,
    /// (the listing's digest, the digest its cursors must carry) when no filter value depends
    /// on session settings; otherwise computed per call.
    pub digests: Option<(String, Option<String>)>,
    generation: u64,
    queries: RefCell<HashMap<QueryKey, Rc<PageQuery>>>,
}

impl Resolved {
    /// A resolution that began at `generation` ([`generation`] read before the first catalog
    /// access): an invalidation that arrives while it is being made leaves it stale.
    pub fn new(
        facts: Facts,
        sort_keys: Vec<SortKey>,
        filter: Vec<Condition>,
        digests: Option<(String, Option<String>)>,
        generation: u64,
    ) -> Resolved {
        Resolved {
            facts,
            sort_keys,
            filter,
            digests,
            generation,
            queries: RefCell::new(HashMap::default()),
        }
    }

    /// The page query for `key`, built by `build` the first time.
    pub fn query(
        &self,
        key: QueryKey,
        build: impl FnOnce() -> Result<PageQuery, KeysetError>,
    ) -> Result<Rc<PageQuery>, KeysetError> {
        if let Some(q) = self.queries.borrow().get(&key) {
            return Ok(q.clone());
        }
        let q = Rc::new(build()?);
        let mut queries = self.queries.borrow_mut();
        if queries.len() >= MAX_QUERIES_PER_SHAPE {
            queries.clear();
        }
        queries.insert(key, q.clone());
        drop(queries);
        account(q.sql.len() + q.probe_sql.len());
        Ok(q)
    }

    /// Whether no invalidation has arrived since this listing was resolved.
    pub fn is_current(&self) -> bool {
        self.generation == GENERATION.with(Cell::get)
    }
}

#[derive(Default)]
struct Cache {
    shapes: HashMap<ShapeKey, Rc<Resolved>>,
    generation: u64,
}

thread_local! {
    /// Moves on every invalidation that can change a resolved listing.
    static GENERATION: Cell<u64> = const { Cell::new(0) };
    /// Bytes of query text cached since the last flush.
    static BYTES: Cell<usize> = const { Cell::new(0) };
    static CACHE: RefCell<Cache> = RefCell::new(Cache::default());
}

/// Empties the cache (lazily: entries of an older generation are never used). Safe to call
/// from an invalidation callback, which can run while a call holds an entry.
fn flush() {
    GENERATION.with(|g| g.set(g.get().wrapping_add(1)));
    BYTES.with(|b| b.set(0));
}

fn account(bytes: usize) {
    let total = BYTES.with(|b| {
        b.set(b.get() + bytes);
        b.get()
    });
    if total > MAX_BYTES {
        flush();
    }
}

/// The current resolution of a shape, if one is kept.
pub fn lookup(key: &ShapeKey) -> Option<Rc<Resolved>> {
    let generation = GENERATION.with(Cell::get);
    CACHE.with(|c| {
        let mut cache = c.borrow_mut();
        if cache.generation != generation {
            cache.shapes.clear();
            cache.generation = generation;
            return None;
        }
        // Every entry of a cache of the current generation was current when it was inserted.
        cache.shapes.get(key).cloned()
    })
}

/// Keeps a resolution for later calls (unless an invalidation arrived while it was made).
pub fn insert(key: ShapeKey, resolved: Rc<Resolved>) {
    let generation = GENERATION.with(Cell::get);
    if resolved.generation != generation {
        return;
    }
    let bytes = std::mem::size_of::<Resolved>()
        + [&key.sort, &key.direction, &key.key]
            .iter()
            .flat_map(|t| t.as_ref())
            .map(String::len)
            .sum::<usize>()
        + key.filter.as_ref().map_or(0, Vec::len);
    CACHE.with(|c| {
        let mut cache = c.borrow_mut();
        if cache.generation != generation || cache.shapes.len() >= MAX_SHAPES {
            cache.shapes.clear();
            cache.generation = generation;
        }
        cache.shapes.insert(key, resolved);
    });
    // After the insertion: a flush for the budget leaves no entry behind.
    account(bytes);
}

/// The current generation: read before resolving, so a resolution is never newer than it.
pub fn generation() -> u64 {
    GENERATION.with(Cell::get)
}

/// Shapes kept (for the #[pg_test]s).
#[cfg(any(test, feature = "pg_test"))]
pub fn len() -> usize {
    let generation = GENERATION.with(Cell::get);
    CACHE.with(|c| {
        let cache = c.borrow();
        if cache.generation == generation {
            cache.shapes.len()
        } else {
            0
        }
    })
}

unsafe extern "C-unwind" fn relcache_changed(_arg: pg_sys::Datum, _relid: pg_sys::Oid) {
    flush();
}

unsafe extern "C-unwind" fn syscache_changed(_arg: pg_sys::Datum, _cache: i32, _hash: u32) {
    flush();
}

/// Registered once in _PG_init.
pub fn register_invalidation_callbacks() {
    // SAFETY: registered once per backend; the callbacks only move a counter.
    unsafe {
        pg_sys::CacheRegisterRelcacheCallback(Some(relcache_changed), pg_sys::Datum::from(0));
        for cache in [
            pg_sys::SysCacheIdentifier::AUTHMEMROLEMEM,
            pg_sys::SysCacheIdentifier::AUTHOID,
            pg_sys::SysCacheIdentifier::NAMESPACEOID,
        ] {
            pg_sys::CacheRegisterSyscacheCallback(
                cache as i32,
                Some(syscache_changed),
                pg_sys::Datum::from(0),
            );
        }
    }
}

/// Takes the lock every page query takes anyway (AccessShareLock, to the end of the
/// transaction). Taking it first processes pending invalidations, so what is found in the cache
/// afterwards is current.
pub fn lock(relid: pg_sys::Oid) {
    // SAFETY: a lock on an oid; a dropped relation's oid locks nothing that exists.
    unsafe { pg_sys::LockRelationOid(relid, pg_sys::AccessShareLock as pg_sys::LOCKMODE) };
}
