//! Running a page query through SPI with a plan prepared once per backend per shape.
//!
//! Raw SPI rather than pgrx's wrapper for one reason: pgrx decides `read_only` from whether the
//! transaction has written, so after an INSERT in the same transaction it would take a fresh
//! snapshot. keyset_page is STABLE and must see the calling statement's snapshot, as Postgres'
//! own STABLE SQL functions do, so every execution here is `read_only = true`.
//!
//! ## Kept plans: never freed while running, bounded in bytes
//! A plan may be executing further up the stack when another call needs a new one: a row-level
//! security policy or a function in the page query can itself call keyset_page. So every
//! execution pins its plan, and eviction (least recently used first) only ever frees unpinned
//! plans, after the call that made room has finished with its own. Pins are released by a guard
//! whose `Drop` also runs when an ERROR unwinds through it, and reset at the end of every
//! top-level transaction, when no page query can be running.
//!
//! The budget is in bytes of plan memory (the plan sources' contexts and their generic plans, as
//! Postgres accounts them), not in a count of plans: one listing with a large filter can hold
//! megabytes where a simple one holds about 56 kB (`hardening_tests.rs`). `pg_keyset.plan_cache_kb`
//! sets it (default 8 MB).

use rustc_hash::FxHashMap as HashMap;
use std::cell::RefCell;
use std::ffi::CString;

use keyset_core::KeysetError;
use pgrx::pg_sys;
use pgrx::GucSetting;

/// `pg_keyset.plan_cache_kb`: the plan memory a backend keeps for later calls.
pub static PLAN_CACHE_KB: GucSetting<i32> = GucSetting::<i32>::new(8 * 1024);

/// SQL text, parameter types, and the plan option it was prepared with ([`plan_option`]).
type Key = (String, Vec<pg_sys::Oid>, i32);

/// How page queries are planned: always the generic plan (see [`pinned_plan`]), except on a
/// server running Citus, which cannot run a generic plan of a page query with a cursor ("could
/// not create distributed plan": parameters inside a pushed-down query) and plans it per call
/// instead, as it does for its own prepared statements. Citus is preloaded where it runs, so its
/// settings exist from the start (a GUC lookup, no catalog access).
pub fn plan_option() -> i32 {
    // SAFETY: a GUC lookup by a NUL-terminated name; missing_ok returns NULL when undefined.
    let citus =
        unsafe { !pg_sys::GetConfigOption(c"citus.version".as_ptr(), true, false).is_null() };
    if citus {
        pg_sys::CURSOR_OPT_CUSTOM_PLAN as i32
    } else {
        pg_sys::CURSOR_OPT_GENERIC_PLAN as i32
    }
}

struct Kept {
    plan: pg_sys::SPIPlanPtr,
    /// Bytes of plan memory when last measured.
    bytes: usize,
    /// Whether the measurement included a generic plan (built by the first execution under
    /// CURSOR_OPT_GENERIC_PLAN; never under Citus, which plans per call: see [`plan_option`]).
    measured_generic: bool,
    /// Executions of this plan now running (nested calls).
    pins: u32,
    last_used: u64,
}

#[derive(Default)]
struct Cache {
    plans: HashMap<Key, Kept>,
    bytes: usize,
    tick: u64,
}

thread_local! {
    static CACHE: RefCell<Cache> = RefCell::new(Cache::default());
}

/// Plan memory of a kept plan: each plan source's context (with its query trees) and its
/// generic plan, which lives in a context of its own.
unsafe fn plan_bytes(plan: pg_sys::SPIPlanPtr) -> (usize, bool) {
    let sources = pg_sys::SPI_plan_get_plan_sources(plan);
    let mut bytes = 0;
    let mut generic = false;
    if sources.is_null() {
        return (0, false);
    }
    let n = (*sources).length as usize;
    for cell in std::slice::from_raw_parts((*sources).elements, n) {
        let ps = cell.ptr_value.cast::<pg_sys::CachedPlanSource>();
        if ps.is_null() {
            continue;
        }
        bytes += pg_sys::MemoryContextMemAllocated((*ps).context, true);
        if !(*ps).gplan.is_null() {
            generic = true;
            bytes += pg_sys::MemoryContextMemAllocated((*(*ps).gplan).context, true);
        }
    }
    (bytes, generic)
}

fn budget() -> usize {
    PLAN_CACHE_KB.get().max(0) as usize * 1024
}

/// Frees least recently used unpinned plans until the cache is within its budget.
unsafe fn evict(cache: &mut Cache) {
    let budget = budget();
    while cache.bytes > budget {
        let victim = cache
            .plans
            .iter()
            .filter(|(_, k)| k.pins == 0)
            .min_by_key(|(_, k)| k.last_used)
            .map(|(key, _)| key.clone());
        let Some(key) = victim else { return };
        if let Some(kept) = cache.plans.remove(&key) {
            cache.bytes -= kept.bytes;
            pg_sys::SPI_freeplan(kept.plan);
        }
    }
}

/// A pin on a kept plan for the length of one execution.
struct Pin {
    key: Key,
}

impl Drop for Pin {
    fn drop(&mut self) {
        CACHE.with(|c| {
            let mut cache = c.borrow_mut();
            if let Some(kept) = cache.plans.get_mut(&self.key) {
                kept.pins = kept.pins.saturating_sub(1);
            }
            // Not while an ERROR unwinds through here: no Postgres call during unwinding (the
            // next call evicts instead).
            if !std::thread::panicking() {
                // SAFETY: only unpinned plans are freed; none of them is executing.
                unsafe { evict(&mut cache) };
            }
        });
    }
}

/// Registered once in _PG_init: at the end of a top-level transaction no page query runs, so
/// pins left by an execution that never returned (there should be none) are cleared.
pub unsafe extern "C-unwind" fn at_transaction_end(
    event: pg_sys::XactEvent::Type,
    _arg: *mut std::ffi::c_void,
) {
    if matches!(
        event,
        pg_sys::XactEvent::XACT_EVENT_COMMIT
            | pg_sys::XactEvent::XACT_EVENT_ABORT
            | pg_sys::XactEvent::XACT_EVENT_PARALLEL_COMMIT
            | pg_sys::XactEvent::XACT_EVENT_PARALLEL_ABORT
            | pg_sys::XactEvent::XACT_EVENT_PREPARE
    ) {
        let _ = CACHE.try_with(|c| {
            if let Ok(mut cache) = c.try_borrow_mut() {
                for kept in cache.plans.values_mut() {
                    kept.pins = 0;
                }
            }
        });
    }
}

/// The kept plan for `key`, prepared on first use, and pinned. Inside an SPI connection.
unsafe fn pinned_plan(key: Key) -> Result<(pg_sys::SPIPlanPtr, Pin), KeysetError> {
    let found = CACHE.with(|c| {
        let mut cache = c.borrow_mut();
        cache.tick += 1;
        let tick = cache.tick;
        cache.plans.get_mut(&key).map(|kept| {
            kept.pins += 1;
            kept.last_used = tick;
            kept.plan
        })
    });
    if let Some(plan) = found {
        return Ok((plan, Pin { key }));
    }
    // The SQL comes from keyset_core::predicate: quoted identifiers, which cannot hold NUL.
    let text = CString::new(key.0.as_str())
        .map_err(|_| KeysetError::Internal("page query with a NUL byte"))?;
    // Always the generic plan: one plan per shape, never re-planned per call. Left to choose,
    // Postgres kept planning a fresh custom plan on every call for listings whose several index
    // ranges are merged (the Merge Append's startup cost made the generic plan look dearer): 0.62
    // against 0.22 ms per page on 300,000 rows. The generic plan is the same index ranges
    // (keyset_explain shows it; keyset_plan_forms.out runs every form through it).
    let plan = pg_sys::SPI_prepare_cursor(
        text.as_ptr(),
        key.1.len() as i32,
        key.1.as_ptr().cast_mut(),
        key.2,
    );
    if plan.is_null() {
        // SPI_prepare raises its own ERROR for SQL problems; NULL here means SPI misuse.
        return Err(KeysetError::Internal("SPI_prepare failed"));
    }
    if pg_sys::SPI_keepplan(plan) != 0 {
        pg_sys::SPI_freeplan(plan);
        return Err(KeysetError::Internal("SPI_keepplan failed"));
    }
    let (bytes, measured_generic) = plan_bytes(plan);
    CACHE.with(|c| {
        let mut cache = c.borrow_mut();
        cache.tick += 1;
        let last_used = cache.tick;
        cache.bytes += bytes;
        cache.plans.insert(
            key.clone(),
            Kept {
                plan,
                bytes,
                measured_generic,
                pins: 1,
                last_used,
            },
        );
    });
    Ok((plan, Pin { key }))
}

/// After an execution: a generic plan may have been built; account for it once.
unsafe fn remeasure(key: &Key) {
    CACHE.with(|c| {
        let mut cache = c.borrow_mut();
        let Some(kept) = cache.plans.get_mut(key) else {
            return;
        };
        if kept.measured_generic {
            return;
        }
        let (bytes, generic) = plan_bytes(kept.plan);
        let old = std::mem::replace(&mut kept.bytes, bytes);
        kept.measured_generic = generic;
        cache.bytes = cache.bytes - old + bytes;
    });
}

/// Bytes of plan memory kept and the number of kept plans (for the #[pg_test]s).
#[cfg(any(test, feature = "pg_test"))]
pub fn cache_usage() -> (usize, usize) {
    CACHE.with(|c| {
        let cache = c.borrow();
        (cache.bytes, cache.plans.len())
    })
}

/// The result of one execution, readable while the SPI connection is open.
pub struct Results {
    table: *mut pg_sys::SPITupleTable,
    count: usize,
}

impl Results {
    /// The tuple table of the execution that returned `rc` (negative: an SPI failure).
    unsafe fn of(rc: i32) -> Result<Results, KeysetError> {
        if rc < 0 {
            return Err(KeysetError::Internal("an SPI execution failed"));
        }
        let table = pg_sys::SPI_tuptable;
        let count = if table.is_null() {
            0
        } else {
            pg_sys::SPI_processed as usize
        };
        Ok(Results { table, count })
    }

    pub fn len(&self) -> usize {
        self.count
    }

    /// Row `i` (0-based).
    pub fn row(&self, i: usize) -> Row {
        // SAFETY: i < count, checked by the slice; vals holds count tuples.
        unsafe {
            let tuples = std::slice::from_raw_parts((*self.table).vals, self.count);
            Row {
                tuple: tuples[i],
                desc: (*self.table).tupdesc,
            }
        }
    }

    /// The type of column `column` (1-based); InvalidOid when there is no such column.
    pub fn column_type(&self, column: i32) -> pg_sys::Oid {
        // SAFETY: the tuple table's descriptor; SPI_gettypeid checks the column number.
        unsafe {
            if self.table.is_null() || column < 1 || column > (*(*self.table).tupdesc).natts {
                return pg_sys::InvalidOid;
            }
            pg_sys::SPI_gettypeid((*self.table).tupdesc, column)
        }
    }

    pub fn columns(&self) -> i32 {
        // SAFETY: as above.
        unsafe {
            if self.table.is_null() {
                0
            } else {
                (*(*self.table).tupdesc).natts
            }
        }
    }
}

/// One result row of an SPI query, read by 1-based column number.
pub struct Row {
    tuple: pg_sys::HeapTuple,
    desc: pg_sys::TupleDesc,
}

impl Row {
    /// The column's datum, or None for NULL. Valid until the SPI connection closes.
    pub unsafe fn datum(&self, column: i32) -> Option<pg_sys::Datum> {
        let mut is_null = false;
        let d = pg_sys::SPI_getbinval(self.tuple, self.desc, column, &mut is_null);
        (!is_null).then_some(d)
    }

    /// Columns 1..=out.len() into `out` (None: NULL), the tuple deformed once rather than
    /// walked per column. `scratch` is reused from row to row.
    pub unsafe fn leading(&self, out: &mut [Option<pg_sys::Datum>], scratch: &mut Deformed) {
        let natts = (*self.desc).natts as usize;
        scratch.values.resize(natts, pg_sys::Datum::from(0));
        scratch.nulls.resize(natts, true);
        pg_sys::heap_deform_tuple(
            self.tuple,
            self.desc,
            scratch.values.as_mut_ptr(),
            scratch.nulls.as_mut_ptr(),
        );
        for (i, slot) in out.iter_mut().enumerate() {
            *slot = match scratch.nulls.get(i) {
                Some(false) => Some(scratch.values[i]),
                _ => None,
            };
        }
    }
}

/// Buffers for [`Row::leading`].
#[derive(Default)]
pub struct Deformed {
    values: Vec<pg_sys::Datum>,
    nulls: Vec<bool>,
}

/// Closes the SPI connection however the scope is left (an ERROR unwinding through it leaves
/// the connection to Postgres' own abort processing, which is what SPI expects).
struct Connection;

impl Connection {
    /// SPI_connect; the guard's Drop is the matching SPI_finish.
    unsafe fn open() -> Result<Connection, KeysetError> {
        if pg_sys::SPI_connect() != pg_sys::SPI_OK_CONNECT as i32 {
            return Err(KeysetError::Internal("SPI_connect failed"));
        }
        Ok(Connection)
    }
}

impl Drop for Connection {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            // SAFETY: paired with the SPI_connect that created this guard.
            unsafe { pg_sys::SPI_finish() };
        }
    }
}

/// Runs a one-off statement (not kept: keyset_explain's PREPARE / EXPLAIN EXECUTE / DEALLOCATE)
/// with `args`, and hands the result to `read`.
pub fn run_once<T>(
    sql: &str,
    argtypes: &[pg_sys::Oid],
    args: &[pg_sys::Datum],
    read: impl FnOnce(&Results) -> Result<T, KeysetError>,
) -> Result<T, KeysetError> {
    // SAFETY: one execution inside a connection the guard closes.
    unsafe {
        let _connection = Connection::open()?;
        let text =
            CString::new(sql).map_err(|_| KeysetError::Internal("a statement with a NUL byte"))?;
        let mut args = args.to_vec();
        let nulls = vec![b' ' as std::os::raw::c_char; args.len()];
        let rc = pg_sys::SPI_execute_with_args(
            text.as_ptr(),
            argtypes.len() as i32,
            argtypes.as_ptr().cast_mut(),
            args.as_mut_ptr(),
            nulls.as_ptr(),
            false,
            0,
        );
        read(&Results::of(rc)?)
    }
}

/// Runs `sql` with `args` (never NULL) and hands the result to `read`, inside one SPI
/// connection. Datums that must outlive it go through `SPI_datumTransfer`. `read_only` is true
/// for the STABLE page functions (see the module comment); EXPLAIN needs false.
pub fn run<T>(
    read_only: bool,
    sql: String,
    argtypes: &[pg_sys::Oid],
    args: &[pg_sys::Datum],
    read: impl FnOnce(&Results) -> Result<T, KeysetError>,
) -> Result<T, KeysetError> {
    // SAFETY: one execution of a pinned plan inside a connection the guard closes.
    unsafe {
        let _connection = Connection::open()?;
        let key: Key = (sql, argtypes.to_vec(), plan_option());
        let (plan, pin) = pinned_plan(key)?;
        let mut args = args.to_vec();
        let nulls = vec![b' ' as std::os::raw::c_char; args.len()];
        let rc = pg_sys::SPI_execute_plan(plan, args.as_mut_ptr(), nulls.as_ptr(), read_only, 0);
        let results = Results::of(rc)?;
        remeasure(&pin.key);
        let out = read(&results);
        drop(pin);
        out
    }
}

/// As [`run`], but the rows go to `dest` (a receiver that keeps what it needs), not into SPI's
/// tuple table: no copy of every row there first. `inside` runs once the connection is open
/// (SPI's procedure context is then current); `read` after the execution, still inside the
/// connection (memory `dest` allocated in that context is valid), with the rows processed.
pub fn run_to<T>(
    sql: String,
    argtypes: &[pg_sys::Oid],
    args: &[pg_sys::Datum],
    dest: *mut pg_sys::DestReceiver,
    inside: impl FnOnce(),
    read: impl FnOnce(u64) -> Result<T, KeysetError>,
) -> Result<T, KeysetError> {
    // SAFETY: one execution of a pinned plan inside a connection the guard closes; the
    // parameter list holds exactly argtypes.len() entries.
    unsafe {
        let _connection = Connection::open()?;
        inside();
        let key: Key = (sql, argtypes.to_vec(), plan_option());
        let (plan, pin) = pinned_plan(key)?;
        let params = pg_sys::makeParamList(argtypes.len() as i32);
        let slots = (*params).params.as_mut_slice(argtypes.len());
        for ((slot, &t), &v) in slots.iter_mut().zip(argtypes).zip(args) {
            *slot = pg_sys::ParamExternData {
                value: v,
                isnull: false,
                pflags: pg_sys::PARAM_FLAG_CONST as u16,
                ptype: t,
            };
        }
        let options = pg_sys::SPIExecuteOptions {
            params,
            read_only: true,
            dest,
            ..Default::default()
        };
        let rc = pg_sys::SPI_execute_plan_extended(plan, &options);
        if rc < 0 {
            return Err(KeysetError::Internal("an SPI execution failed"));
        }
        remeasure(&pin.key);
        let out = read(pg_sys::SPI_processed);
        drop(pin);
        out
    }
}
