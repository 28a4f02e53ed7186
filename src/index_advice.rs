//! Index advice: when no btree index can serve a listing's ORDER BY, say so once per backend and
//! (relation, sort, pinned filter columns) with a NOTICE that names the index to create. The
//! matching rules are `keyset_core::index_match`'s; this module reads the indexes.
//!
//! The indexes looked at are those of the relation itself, or for a simple view those of the
//! table underneath (the advice names that table); a view that is not simple gets no advice.
//!
//! With `pg_keyset.require_index` on (set by an administrator per role or database), such a
//! listing is an ERROR carrying the same advice as its HINT instead of a full sort per page.
//! Without such an index every page reads and sorts all matching rows: the cost grows with the
//! relation instead of the page.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};

use keyset_core::filter::{Condition, FilterOp, FilterValue};
use keyset_core::index_match::{self, IndexColumn, OrderColumn};
use keyset_core::sort_spec::SortKey;
use pgrx::pg_sys;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::{PgLogLevel, PgSqlErrorCode};

use keyset_core::KeysetError;

use crate::catalog::{attname, quote, Column, Facts, IndexTarget};

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

/// Checks the listing (once per backend): a NOTICE if no index serves it, or with
/// `pg_keyset.require_index` on, an error (every time).
pub fn check(facts: &Facts, filter: &[Condition]) -> Result<(), KeysetError> {
    let Some(target) = &facts.index_target else {
        return Ok(());
    };
    // Key columns a view does not pass through from its base: no index of the base can serve.
    let order: Option<Vec<OrderColumn>> = facts
        .keys
        .iter()
        .map(|k| {
            k.column.index_attnum.map(|attnum| OrderColumn {
                key: &k.sort,
                attnum,
                not_null: k.column.not_null,
            })
        })
        .collect();
    let Some(order) = order else {
        return Ok(());
    };
    let pinned: Vec<i16> = filter
        .iter()
        .zip(&facts.filter)
        .filter(|(c, _)| c.op.pins_column())
        .filter_map(|(_, f)| f.index_attnum)
        .collect();
    // Pinned by `=` alone (IS NULL pins a leading index column but orders like any key).
    let equal: Vec<i16> = filter
        .iter()
        .zip(&facts.filter)
        .filter(|(c, _)| c.op == FilterOp::Eq && matches!(c.value, FilterValue::Scalar(_)))
        .filter_map(|(_, f)| f.index_attnum)
        .collect();
    // Runs on every call: hash the listing and the target's current index list (from the
    // relcache, no catalog query), and look at the indexes only for a listing not seen with
    // these indexes. A new or dropped index changes the key, so it is noticed at once.
    // SAFETY: the target is locked by this transaction (catalog::resolve opened it).
    let rel =
        unsafe { pg_sys::relation_open(target.relid, pg_sys::AccessShareLock as pg_sys::LOCKMODE) };
    let indexes = unsafe { index_oids(rel) };
    let mut h = DefaultHasher::new();
    let attnums: Vec<i16> = order.iter().map(|o| o.attnum).collect();
    // The sort keys by reference: this runs on every call.
    target.relid.to_u32().hash(&mut h);
    for k in &facts.keys {
        k.sort.hash(&mut h);
    }
    (&attnums, &pinned, &equal, &indexes).hash(&mut h);
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
            let served = unsafe { served(rel, facts, &order, &pinned, &equal) };
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
    let order_sql: Vec<String> = facts
        .keys
        .iter()
        .map(|k| index_match::key_sql(&k.sort, k.column.not_null, &quote))
        .collect();
    // The base table of a view the caller cannot read: no NOTICE naming it, its columns or its
    // indexes; with require_index on, the error says only that the view's table lacks one.
    if target.hidden {
        return if required {
            Err(KeysetError::IndexRequired {
                what: "the base table of view",
                relation: facts.relation.clone(),
                order: order_sql.join(", "),
                create:
                    "an index on the view's base table serving this order (ask the view's owner)."
                        .into(),
            })
        } else {
            Ok(())
        };
    }
    // A view's columns may be renamed: the suggested index names the base table's columns.
    let base_names: Vec<String> = facts
        .keys
        .iter()
        .map(|k| base_column_name(target, &k.column))
        .collect();
    let renamed: Vec<SortKey> = facts
        .keys
        .iter()
        .zip(&base_names)
        .map(|(k, name)| SortKey {
            column: name.clone(),
            ..k.sort.clone()
        })
        .collect();
    let pinned_base: Vec<String> = pinned.iter().map(|&a| attname(target.relid, a)).collect();
    let pinned_refs: Vec<&str> = pinned_base.iter().map(String::as_str).collect();
    let with_nulls: Vec<(&SortKey, bool)> = renamed
        .iter()
        .zip(&facts.keys)
        .map(|(k, o)| (k, o.column.not_null))
        .collect();
    let columns = index_match::suggested_columns(&pinned_refs, &with_nulls, &quote);
    let create = format!(
        "CREATE INDEX ON {}.{} ({});",
        quote(&target.schema),
        quote(&target.relation),
        columns.join(", ")
    );
    let what = if target.relation == facts.relation && target.schema == facts.schema {
        facts.kind.word()
    } else {
        "the base table of view"
    };
    if required {
        return Err(KeysetError::IndexRequired {
            what,
            relation: facts.relation.clone(),
            order: order_sql.join(", "),
            create,
        });
    }
    ErrorReport::new(
        PgSqlErrorCode::ERRCODE_SUCCESSFUL_COMPLETION,
        format!("no index of {what} \"{}\" serves this keyset order", facts.relation),
        "pg_keyset",
    )
    .set_detail(format!(
        "Each page reads and sorts every matching row (ORDER BY {}), so it slows down as the table grows.",
        order_sql.join(", ")
    ))
    .set_hint(format!("Create one: {create}"))
    .report(PgLogLevel::NOTICE);
    Ok(())
}

/// The name of a column in the index target (a view may rename it).
fn base_column_name(target: &IndexTarget, column: &Column) -> String {
    match column.index_attnum {
        Some(a) => attname(target.relid, a),
        None => column.name.clone(),
    }
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
unsafe fn served(
    rel: pg_sys::Relation,
    facts: &Facts,
    order: &[OrderColumn],
    pinned: &[i16],
    equal: &[i16],
) -> bool {
    let list = pg_sys::RelationGetIndexList(rel);
    if list.is_null() {
        return false;
    }
    let cells = std::slice::from_raw_parts((*list).elements, (*list).length as usize);
    cells.iter().any(|cell| {
        let irel = pg_sys::index_open(cell.oid_value, pg_sys::AccessShareLock as pg_sys::LOCKMODE);
        let ok = index_columns(irel, facts)
            .is_some_and(|columns| index_match::serves(&columns, order, pinned, equal));
        pg_sys::index_close(irel, pg_sys::AccessShareLock as pg_sys::LOCKMODE);
        ok
    })
}

/// The key columns of a valid, non-partial btree index, or None for any other index.
unsafe fn index_columns(irel: pg_sys::Relation, facts: &Facts) -> Option<Vec<IndexColumn>> {
    let index = &*(*irel).rd_index;
    let partial = !pg_sys::heap_attisnull(
        (*irel).rd_indextuple,
        pg_sys::Anum_pg_index_indpred as i32,
        std::ptr::null_mut(),
    );
    if (*(*irel).rd_rel).relam != pg_sys::BTREE_AM_OID || !index.indisvalid || partial {
        return None;
    }
    let nkeys = index.indnkeyatts as usize;
    let attnums = index.indkey.values.as_slice(nkeys);
    let options = std::slice::from_raw_parts((*irel).rd_indoption, nkeys);
    let collations = std::slice::from_raw_parts((*irel).rd_indcollation, nkeys);
    let families = std::slice::from_raw_parts((*irel).rd_opfamily, nkeys);
    Some(
        (0..nkeys)
            .map(|pos| {
                let attnum = attnums[pos];
                // What ORDER BY on the column uses: its collation and its type's default btree
                // operator family. Only the listing's key columns need the check.
                let column = facts
                    .keys
                    .iter()
                    .find(|k| k.column.index_attnum == Some(attnum))
                    .map(|k| &k.column);
                let orders_like_order_by = column.is_some_and(|col| {
                    let default_class =
                        pg_sys::GetDefaultOpClass(col.type_oid, pg_sys::BTREE_AM_OID);
                    default_class != pg_sys::InvalidOid
                        && families[pos] == pg_sys::get_opclass_family(default_class)
                        && collations[pos] == col.collation
                });
                let option = options[pos] as u32;
                IndexColumn {
                    attnum,
                    desc: option & pg_sys::INDOPTION_DESC != 0,
                    nulls_first: option & pg_sys::INDOPTION_NULLS_FIRST != 0,
                    orders_like_order_by,
                }
            })
            .collect(),
    )
}
