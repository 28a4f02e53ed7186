//! Running a page query through SPI with a plan prepared once per backend per shape.
//!
//! Raw SPI rather than pgrx's wrapper for one reason: pgrx decides `read_only` from whether the
//! transaction has written, so after an INSERT in the same transaction it would take a fresh
//! snapshot. keyset_page is STABLE and must see the calling statement's snapshot, as Postgres'
//! own STABLE SQL functions do, so every execution here is `read_only = true`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::CString;

use pgrx::pg_sys;

/// Distinct shapes kept per backend before the cache is emptied and refilled. A shape is
/// (SQL text, parameter types); real applications use a handful.
const MAX_PLANS: usize = 256;

thread_local! {
    static PLANS: RefCell<HashMap<(String, Vec<pg_sys::Oid>), pg_sys::SPIPlanPtr>> =
        RefCell::new(HashMap::new());
}

/// The kept plan for `sql` with `argtypes`, prepared on first use. Must be called inside an SPI
/// connection. Kept plans are CachedPlanSources: Postgres re-plans them itself after DDL on the
/// tables they read, so a cached plan never runs against a stale table definition.
unsafe fn plan_for(sql: String, argtypes: &[pg_sys::Oid]) -> pg_sys::SPIPlanPtr {
    let key = (sql, argtypes.to_vec());
    if let Some(plan) = PLANS.with(|p| p.borrow().get(&key).copied()) {
        return plan;
    }
    // The SQL comes from predicate.rs: quoted identifiers, no NUL possible in catalog names.
    let text = CString::new(key.0.as_str()).unwrap_or_default();
    let plan = pg_sys::SPI_prepare(text.as_ptr(), argtypes.len() as i32, argtypes.as_ptr().cast_mut());
    if plan.is_null() {
        // SPI_prepare raises its own ERROR for SQL problems; NULL here means SPI misuse.
        pgrx::ereport!(
            ERROR,
            pgrx::PgSqlErrorCode::ERRCODE_INTERNAL_ERROR,
            format!("SPI_prepare failed: {}", std::ptr::addr_of!(pg_sys::SPI_result).read())
        );
    }
    pg_sys::SPI_keepplan(plan);
    PLANS.with(|p| {
        let mut plans = p.borrow_mut();
        if plans.len() >= MAX_PLANS {
            for (_, old) in plans.drain() {
                pg_sys::SPI_freeplan(old);
            }
        }
        plans.insert(key, plan);
    });
    plan
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

    /// The column's type oid.
    pub unsafe fn type_oid(&self, column: i32) -> pg_sys::Oid {
        pg_sys::SPI_gettypeid(self.desc, column)
    }
}

/// Runs `sql` with `args` (never NULL) and hands every result row to `each`, all inside one
/// SPI connection. Datums that must outlive it go through `SPI_datumTransfer`. `read_only` is
/// true for the STABLE page functions (see the module comment); EXPLAIN needs false.
pub fn run<T>(
    read_only: bool,
    sql: String,
    argtypes: &[pg_sys::Oid],
    args: &[pg_sys::Datum],
    mut each: impl FnMut(&Row) -> T,
) -> Vec<T> {
    // SAFETY: a balanced SPI_connect/SPI_finish around a kept plan; on ERROR, Postgres' abort
    // processing unwinds the SPI connection.
    unsafe {
        pg_sys::SPI_connect();
        let plan = plan_for(sql, argtypes);
        let mut args = args.to_vec();
        let nulls = vec![b' ' as std::os::raw::c_char; args.len()];
        pg_sys::SPI_execute_plan(plan, args.as_mut_ptr(), nulls.as_ptr(), read_only, 0);
        let table = pg_sys::SPI_tuptable;
        let mut out = Vec::new();
        if !table.is_null() {
            let n = pg_sys::SPI_processed as usize;
            let tuples = std::slice::from_raw_parts((*table).vals, n);
            for &tuple in tuples {
                out.push(each(&Row { tuple, desc: (*table).tupdesc }));
            }
        }
        pg_sys::SPI_finish();
        out
    }
}
