//! What a simple view passes through from its base relation: for each of its columns, the base
//! column it is (if it is one, unchanged), so a view's key, NOT NULL flags and index advice can
//! come from the table underneath.
//!
//! "Simple" is Postgres' own rule for automatically updatable views
//! (`view_query_is_auto_updatable`: one base relation in FROM, no DISTINCT, GROUP BY, HAVING,
//! aggregates, window functions, set operations, LIMIT/OFFSET or WITH), whose reason for a view
//! that is not simple is shown to the user as is. Views over simple views are followed down to
//! the table (at most [`MAX_DEPTH`] levels). A `WHERE` in the view only removes rows, so a key
//! of the base stays a key of the view.

use std::ffi::CStr;

use keyset_core::relation::RelationKind;
use keyset_core::KeysetError;
use pgrx::pg_sys;

use keyset_core::relation::UniqueIndex;

use crate::catalog::{can_read, has_inheritance_children, relation_name};
use crate::key::unique_indexes;

/// Views stacked deeper than this are not followed (Postgres itself allows any depth; 32 is far
/// beyond any schema seen, and keeps the walk bounded).
const MAX_DEPTH: usize = 32;

/// The table under a chain of simple views, and how the top view's columns map onto it.
pub struct ViewBase {
    pub relid: pg_sys::Oid,
    pub kind: RelationKind,
    pub schema: String,
    pub relation: String,
    /// For each column of the view (index attnum - 1), the base column it passes through.
    pub columns: Vec<Option<i16>>,
    /// The base table's NOT NULL flags, by attnum - 1.
    pub not_null: Vec<bool>,
    /// The base table's unique indexes (its key comes from them).
    pub indexes: Vec<UniqueIndex>,
    /// Whether the caller may read the base table (else nothing of it is named).
    pub visible: bool,
    /// Every relation under the view that was followed: the views of the chain, then the base.
    /// What was read of them is kept per backend (`shape_cache`), so a call locks them all.
    pub chain: Vec<pg_sys::Oid>,
}

/// The base of a simple view, or why it has none (a sentence for DETAIL).
///
/// # Safety
/// `view` must be an open view relation.
pub unsafe fn base_of(view: pg_sys::Relation) -> Result<Result<ViewBase, String>, KeysetError> {
    let natts = (*(*view).rd_att).natts as usize;
    // Identity mapping of the top view's columns, composed one level at a time.
    let mut mapping: Vec<Option<i16>> = (1..=natts as i16).map(Some).collect();
    let mut current = view;
    let mut chain = Vec::new();
    for depth in 0..MAX_DEPTH {
        let step = one_level(current);
        if depth > 0 {
            pg_sys::relation_close(current, pg_sys::NoLock as pg_sys::LOCKMODE);
        }
        let (base_relid, inh, inner) = match step? {
            Ok(s) => s,
            Err(reason) => return Ok(Err(reason)),
        };
        mapping = mapping
            .iter()
            .map(|a| a.and_then(|a| inner.get(a as usize - 1).copied().flatten()))
            .collect();
        let base = pg_sys::relation_open(base_relid, pg_sys::AccessShareLock as pg_sys::LOCKMODE);
        chain.push(base_relid);
        let form = &*(*base).rd_rel;
        let relkind = form.relkind as u8;
        let (schema, relation) = relation_name(base);
        match RelationKind::from_relkind(relkind) {
            Some(RelationKind::View) => {
                current = base;
                continue;
            }
            Some(kind @ (RelationKind::Table | RelationKind::PartitionedTable)) => {
                // `FROM ONLY parent` reads the parent's own rows, which its key covers.
                let children = kind == RelationKind::Table
                    && inh
                    && form.relhassubclass
                    && has_inheritance_children(base_relid)?;
                // Everything the call needs of the base, read while it is open (once per call).
                let tupdesc = (*base).rd_att;
                let not_null = (*tupdesc)
                    .attrs
                    .as_slice((*tupdesc).natts as usize)
                    .iter()
                    .map(|a| a.attnotnull && !a.attisdropped)
                    .collect();
                let indexes = unique_indexes(base);
                pg_sys::relation_close(base, pg_sys::NoLock as pg_sys::LOCKMODE);
                if children {
                    return Ok(Err(format!(
                        "Its base table{} has inheritance children, whose rows its key does not cover.",
                        named(base_relid, &relation)
                    )));
                }
                return Ok(Ok(ViewBase {
                    relid: base_relid,
                    kind,
                    schema,
                    relation,
                    columns: mapping,
                    not_null,
                    indexes,
                    visible: can_read(base_relid),
                    chain,
                }));
            }
            _ => {
                pg_sys::relation_close(base, pg_sys::NoLock as pg_sys::LOCKMODE);
                return Ok(Err(format!(
                    "Its base relation{} is not a table.",
                    named(base_relid, &relation)
                )));
            }
        }
    }
    pg_sys::relation_close(current, pg_sys::NoLock as pg_sys::LOCKMODE);
    Ok(Err(format!(
        "It is built on more than {MAX_DEPTH} levels of views."
    )))
}

/// ` "name"` of a relation the caller may read, else nothing: a view's caller needs no rights on
/// its base, and learns nothing about one it cannot read.
fn named(relid: pg_sys::Oid, name: &str) -> String {
    if can_read(relid) {
        format!(" \"{name}\"")
    } else {
        String::new()
    }
}

/// One view's base relation, whether it reads inheritance children too, and, per view column, the base column it passes through; or
/// Postgres' reason why the view is not simple.
unsafe fn one_level(
    view: pg_sys::Relation,
) -> Result<Result<(pg_sys::Oid, bool, Vec<Option<i16>>), String>, KeysetError> {
    let query = pg_sys::get_view_query(view);
    let reason = pg_sys::view_query_is_auto_updatable(query, false);
    if !reason.is_null() {
        return Ok(Err(CStr::from_ptr(reason).to_string_lossy().into_owned()));
    }
    // Auto-updatable: exactly one RangeTblRef in FROM, naming a relation.
    let from = list_ptrs((*(*query).jointree).fromlist);
    let [rtr] = from.as_slice() else {
        return Err(KeysetError::Internal(
            "a simple view without one base relation",
        ));
    };
    let rtr = *rtr as *mut pg_sys::RangeTblRef;
    if (*rtr).type_ != pg_sys::NodeTag::T_RangeTblRef {
        return Err(KeysetError::Internal(
            "a simple view without a range table reference",
        ));
    }
    let rtindex = (*rtr).rtindex;
    let rtable = list_ptrs((*query).rtable);
    let rte = *rtable
        .get(rtindex as usize - 1)
        .ok_or(KeysetError::Internal("a range table index out of range"))?
        as *mut pg_sys::RangeTblEntry;
    if (*rte).rtekind != pg_sys::RTEKind::RTE_RELATION {
        return Ok(Err("Its base is not a relation.".into()));
    }
    let natts = (*(*view).rd_att).natts as usize;
    let mut columns = vec![None; natts];
    for te in list_ptrs((*query).targetList) {
        let te = te as *mut pg_sys::TargetEntry;
        if (*te).resjunk || (*te).resno < 1 || (*te).resno as usize > natts {
            continue;
        }
        let expr = (*te).expr as *mut pg_sys::Node;
        if expr.is_null() || (*expr).type_ != pg_sys::NodeTag::T_Var {
            continue;
        }
        let var = expr as *mut pg_sys::Var;
        if (*var).varno == rtindex && (*var).varlevelsup == 0 && (*var).varattno > 0 {
            columns[(*te).resno as usize - 1] = Some((*var).varattno);
        }
    }
    Ok(Ok(((*rte).relid, (*rte).inh, columns)))
}

/// The pointers of a pointer List (empty for NIL).
unsafe fn list_ptrs(list: *mut pg_sys::List) -> Vec<*mut std::ffi::c_void> {
    if list.is_null() {
        return Vec::new();
    }
    std::slice::from_raw_parts((*list).elements, (*list).length as usize)
        .iter()
        .map(|c| c.ptr_value)
        .collect()
}
