//! Index advice: when no btree index can serve a listing's ORDER BY, say so once per backend and
//! (table, sort, pinned filter columns) with a NOTICE that names the index to create.
//!
//! An index serves the listing when, after leading columns the filter pins to one value
//! (`col = v`, `col IS NULL`), its key columns are the sort keys in order, each with the key's
//! direction and NULL placement, or all of them reversed (a backward index scan). NULL placement
//! is ignored for NOT NULL columns. Each key column must use the column's own collation and the
//! default btree operator class of its type (what ORDER BY uses): an index built `COLLATE "C"`
//! or with `text_pattern_ops` orders differently and cannot serve it. Partial, expression and
//! invalid indexes never count.
//!
//! With `pg_keyset.require_index` on (set by an administrator per role or database), such a
//! listing is an ERROR carrying the same advice as its HINT instead of a full sort per page.
//! Without such an index every page reads and sorts all matching rows: the cost grows with the
//! table instead of the page.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::{CStr, CString};
use std::hash::{DefaultHasher, Hash, Hasher};

use keyset_core::filter::Condition;
use keyset_core::sort_spec::SortKey;
use keyset_core::Direction;
use pgrx::pg_sys;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::{PgLogLevel, PgSqlErrorCode};

use keyset_core::KeysetError;

use crate::catalog::TableFacts;

/// `pg_keyset.require_index`: refuse listings no index serves (see the module comment).
pub static REQUIRE_INDEX: pgrx::GucSetting<bool> = pgrx::GucSetting::<bool>::new(false);

/// Most listings remembered per backend; then the memory is emptied and refilled (each
/// listing is checked again, and advised again, at most once per refill).
const MAX_CHECKED: usize = 4096;

thread_local! {
    /// Listings already checked in this backend, and whether an index serves them: checked
    /// once, advised once. Keys are hashes of (table, resolved keys, attnums the filter pins,
    /// the table's index oids); a collision could only skip a NOTICE or reuse a verdict of
    /// another listing, never change a page.
    static CHECKED: RefCell<HashMap<u64, bool>> = RefCell::new(HashMap::new());
}

/// Postgres' own identifier quoting (quotes only where needed), for the suggested DDL.
fn quote(name: &str) -> String {
    let c = CString::new(name).unwrap_or_default();
    // SAFETY: quote_identifier returns its argument or a palloc'd copy, both valid C strings.
    unsafe {
        CStr::from_ptr(pg_sys::quote_identifier(c.as_ptr()))
            .to_string_lossy()
            .into_owned()
    }
}

/// A key as one would write it: `name`, `name DESC`, plus NULLS FIRST/LAST only where it is
/// not the default and the column can hold NULLs.
fn key_sql(k: &SortKey, not_null: bool) -> String {
    let mut words = quote(&k.column);
    if k.direction == Direction::Desc {
        words.push_str(" DESC");
    }
    if !not_null && !k.default_nulls() {
        words.push_str(if k.nulls_first {
            " NULLS FIRST"
        } else {
            " NULLS LAST"
        });
    }
    words
}

/// Checks the listing (once per backend): a NOTICE if no index serves it, or with
/// `pg_keyset.require_index` on, an error (every time).
pub fn check(facts: &TableFacts, filter: &[Condition]) -> Result<(), KeysetError> {
    let pinned: Vec<i16> = filter
        .iter()
        .zip(&facts.filter_columns)
        .filter(|(c, _)| c.op.pins_column())
        .map(|(_, f)| f.attnum)
        .filter(|a| !facts.key_columns.iter().any(|k| k.attnum == *a))
        .collect();
    // Runs on every call: hash the listing and the table's current index list (from the
    // relcache, no catalog query), and look at the indexes only for a listing not seen with
    // these indexes. A new or dropped index changes the key, so it is noticed at once.
    // SAFETY: the relation is locked by this transaction (catalog::resolve opened it).
    let rel =
        unsafe { pg_sys::relation_open(facts.relid, pg_sys::AccessShareLock as pg_sys::LOCKMODE) };
    let indexes = unsafe { index_oids(rel) };
    let mut h = DefaultHasher::new();
    (facts.relid.to_u32(), &facts.keys, &pinned, &indexes).hash(&mut h);
    let key = h.finish();
    let known = CHECKED.with(|c| c.borrow().get(&key).copied());
    let required = REQUIRE_INDEX.get();
    // A listing no index served is looked at again when an error depends on it (an index can
    // become valid without the list changing: CREATE INDEX CONCURRENTLY).
    let served = match known {
        Some(true) => true,
        Some(false) if !required => false,
        _ => {
            // SAFETY: as above.
            let served = unsafe { served(rel, facts, &pinned) };
            CHECKED.with(|c| {
                let mut checked = c.borrow_mut();
                if checked.len() >= MAX_CHECKED {
                    checked.clear();
                }
                checked.insert(key, served);
            });
            served
        }
    };
    // SAFETY: opened above.
    unsafe { pg_sys::relation_close(rel, pg_sys::AccessShareLock as pg_sys::LOCKMODE) };
    if served || (known.is_some() && !required) {
        return Ok(());
    }
    // The suggested index: pinned columns, then the keys; all-DESC keys are written ASC (an
    // index serves its exact reverse too, and `(created_at, id)` is the index people expect).
    let flip = facts.keys.iter().all(|k| k.direction == Direction::Desc);
    let mut columns: Vec<String> = Vec::new();
    for (c, f) in filter.iter().zip(&facts.filter_columns) {
        let name = quote(&c.column);
        if pinned.contains(&f.attnum) && !columns.contains(&name) {
            columns.push(name);
        }
    }
    for (key, col) in facts.keys.iter().zip(&facts.key_columns) {
        columns.push(key_sql(
            &if flip { key.reversed() } else { key.clone() },
            col.not_null,
        ));
    }
    let order: Vec<String> = facts
        .keys
        .iter()
        .zip(&facts.key_columns)
        .map(|(k, c)| key_sql(k, c.not_null))
        .collect();
    let create = format!(
        "CREATE INDEX ON {}.{} ({});",
        quote(&facts.schema),
        quote(&facts.relation),
        columns.join(", ")
    );
    if required {
        return Err(KeysetError::IndexRequired {
            relation: facts.relation.clone(),
            order: order.join(", "),
            create,
        });
    }
    ErrorReport::new(
        PgSqlErrorCode::ERRCODE_SUCCESSFUL_COMPLETION,
        format!("no index of relation \"{}\" serves this keyset order", facts.relation),
        "pg_keyset",
    )
    .set_detail(format!(
        "Each page reads and sorts every matching row (ORDER BY {}), so it slows down as the table grows.",
        order.join(", ")
    ))
    .set_hint(format!("Create one: {create}"))
    .report(PgLogLevel::NOTICE);
    Ok(())
}

/// The oids of the relation's indexes (the relcache's list).
unsafe fn index_oids(rel: pg_sys::Relation) -> Vec<u32> {
    let list = pg_sys::RelationGetIndexList(rel);
    if list.is_null() {
        return Vec::new();
    }
    let cells = std::slice::from_raw_parts((*list).elements, (*list).length as usize);
    cells.iter().map(|c| c.oid_value.to_u32()).collect()
}

/// Whether some valid, non-partial btree index of `rel` serves the listing.
unsafe fn served(rel: pg_sys::Relation, facts: &TableFacts, pinned: &[i16]) -> bool {
    let list = pg_sys::RelationGetIndexList(rel);
    if list.is_null() {
        return false;
    }
    let n = (*list).length as usize;
    let cells = std::slice::from_raw_parts((*list).elements, n);
    cells.iter().any(|cell| {
        let index_oid = cell.oid_value;
        let irel = pg_sys::index_open(index_oid, pg_sys::AccessShareLock as pg_sys::LOCKMODE);
        let ok = index_serves(irel, facts, pinned);
        pg_sys::index_close(irel, pg_sys::AccessShareLock as pg_sys::LOCKMODE);
        ok
    })
}

unsafe fn index_serves(irel: pg_sys::Relation, facts: &TableFacts, pinned: &[i16]) -> bool {
    let index = &*(*irel).rd_index;
    let partial = !pg_sys::heap_attisnull(
        (*irel).rd_indextuple,
        pg_sys::Anum_pg_index_indpred as i32,
        std::ptr::null_mut(),
    );
    if (*(*irel).rd_rel).relam != pg_sys::BTREE_AM_OID || !index.indisvalid || partial {
        return false;
    }
    let nkeys = index.indnkeyatts as usize;
    let attnums = index.indkey.values.as_slice(nkeys);
    let options = std::slice::from_raw_parts((*irel).rd_indoption, nkeys);
    let collations = std::slice::from_raw_parts((*irel).rd_indcollation, nkeys);
    let families = std::slice::from_raw_parts((*irel).rd_opfamily, nkeys);
    // What ORDER BY on the column uses: the column's collation and its type's default btree
    // operator family.
    let orders_like_order_by = |pos: usize, col: &crate::catalog::Column| {
        let default_class = pg_sys::GetDefaultOpClass(col.type_oid, pg_sys::BTREE_AM_OID);
        default_class != pg_sys::InvalidOid
            && families[pos] == pg_sys::get_opclass_family(default_class)
            && collations[pos] == col.collation
    };
    let keys = &facts.keys;
    let matches = |start: usize, reversed: bool| {
        start + keys.len() <= nkeys
            && keys
                .iter()
                .zip(&facts.key_columns)
                .enumerate()
                .all(|(i, (key, col))| {
                    let k: SortKey = if reversed {
                        key.reversed()
                    } else {
                        key.clone()
                    };
                    let option = options[start + i] as u32;
                    let desc = option & pg_sys::INDOPTION_DESC != 0;
                    let nulls_first = option & pg_sys::INDOPTION_NULLS_FIRST != 0;
                    attnums[start + i] == col.attnum
                        && orders_like_order_by(start + i, col)
                        && desc == (k.direction == Direction::Desc)
                        && (col.not_null || nulls_first == k.nulls_first)
                })
    };
    // Try each number of leading pinned columns.
    (0..=nkeys)
        .take_while(|&s| s == 0 || pinned.contains(&attnums[s - 1]))
        .any(|s| matches(s, false) || matches(s, true))
}
