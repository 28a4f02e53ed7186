//! The unique key of a listing: read a relation's unique indexes from the relcache and let
//! `keyset_core::relation` decide (primary key, else the narrowest usable unique index; a `key`
//! argument must be covered by one). Views take their base table's key through
//! [`crate::view_key`], or the caller's `key` argument.

use std::ffi::CStr;

use keyset_core::relation::{self, KeySource, NoKey, RelationKind, UniqueIndex};
use keyset_core::KeysetError;
use pgrx::pg_sys;

/// A relation's unique indexes (btree or not: uniqueness is what counts), from the relcache's
/// index list and the syscache's pg_index rows. No index is opened or locked: this runs on every
/// call, and the list is consistent under the lock this call holds on the relation.
///
/// # Safety
/// `rel` must be an open relation.
pub unsafe fn unique_indexes(rel: pg_sys::Relation) -> Vec<UniqueIndex> {
    let list = pg_sys::RelationGetIndexList(rel);
    if list.is_null() {
        return Vec::new();
    }
    let tupdesc = (*rel).rd_att;
    let attrs = (*tupdesc).attrs.as_slice((*tupdesc).natts as usize);
    let cells = std::slice::from_raw_parts((*list).elements, (*list).length as usize);
    let mut out = Vec::new();
    for cell in cells {
        let oid = cell.oid_value;
        let tuple = pg_sys::SearchSysCache1(
            pg_sys::SysCacheIdentifier::INDEXRELID as i32,
            pg_sys::Datum::from(oid),
        );
        if tuple.is_null() {
            continue;
        }
        // GETSTRUCT: the fixed part of the pg_index row (indkey is the first variable-length
        // column, never NULL, and read in place as Postgres itself does).
        let data = (*tuple).t_data;
        let index =
            &*(data.cast::<u8>().add((*data).t_hoff as usize) as *const pg_sys::FormData_pg_index);
        if index.indisunique {
            let nkeys = index.indnkeyatts as usize;
            let columns: Vec<i16> = index.indkey.values.as_slice(nkeys).to_vec();
            let not_null = columns
                .iter()
                .all(|&a| a > 0 && attrs.get(a as usize - 1).is_some_and(|att| att.attnotnull));
            let partial = !pg_sys::heap_attisnull(
                tuple,
                pg_sys::Anum_pg_index_indpred as i32,
                std::ptr::null_mut(),
            );
            let name = pg_sys::get_rel_name(oid);
            out.push(UniqueIndex {
                name: if name.is_null() {
                    String::new()
                } else {
                    CStr::from_ptr(name).to_string_lossy().into_owned()
                },
                columns,
                primary: index.indisprimary,
                immediate: index.indimmediate,
                valid: index.indisvalid,
                partial,
                not_null,
            });
        }
        pg_sys::ReleaseSysCache(tuple);
    }
    out
}

/// The key of a table, partitioned table or materialized view: attribute numbers and source.
/// `argument`: the attribute numbers of a `key` argument.
pub fn own_key(
    kind: RelationKind,
    indexes: &[UniqueIndex],
    argument: Option<&[i16]>,
) -> Result<(Vec<i16>, KeySource), OwnKeyError> {
    match argument {
        Some(attnums) => match relation::covering_index(kind, indexes, attnums) {
            Some(index) => Ok((
                attnums.to_vec(),
                KeySource::Argument {
                    index: Some(index.name.clone()),
                },
            )),
            None => Err(OwnKeyError::NotUnique),
        },
        None => match relation::choose_key(kind, indexes) {
            Ok(index) => Ok((
                index.columns.clone(),
                if index.primary {
                    KeySource::PrimaryKey {
                        index: index.name.clone(),
                    }
                } else {
                    KeySource::UniqueIndex {
                        index: index.name.clone(),
                    }
                },
            )),
            Err(NoKey::DeferrablePrimaryKey) => Err(OwnKeyError::Deferrable),
            Err(NoKey::None) => Err(OwnKeyError::None),
        },
    }
}

/// Why [`own_key`] found no key (the caller words the error for the relation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OwnKeyError {
    None,
    Deferrable,
    NotUnique,
}

/// The DDL suggested when a relation has no key (`schema.relation` already quoted).
pub fn no_key_hint(kind: RelationKind, qualified: &str) -> String {
    match kind {
        RelationKind::MaterializedView => {
            format!("Create one, e.g. CREATE UNIQUE INDEX ON {qualified} (id).")
        }
        RelationKind::PartitionedTable => format!(
            "Add one, e.g. ALTER TABLE {qualified} ADD PRIMARY KEY (id, <partition key columns>)."
        ),
        _ => format!("Add one, e.g. ALTER TABLE {qualified} ADD PRIMARY KEY (id)."),
    }
}

/// A KeysetError for an [`OwnKeyError`].
pub fn own_key_error(
    e: OwnKeyError,
    kind: RelationKind,
    relation: &str,
    qualified: &str,
    key_sql: &str,
) -> KeysetError {
    match e {
        OwnKeyError::None => KeysetError::NoKey {
            relation: relation.to_string(),
            kind,
            hint: no_key_hint(kind, qualified),
        },
        OwnKeyError::Deferrable => KeysetError::DeferrablePrimaryKey {
            relation: relation.to_string(),
        },
        OwnKeyError::NotUnique => KeysetError::KeyNotUnique {
            relation: relation.to_string(),
            kind,
            key: key_sql.to_string(),
            create: format!("CREATE UNIQUE INDEX ON {qualified} ({key_sql});"),
        },
    }
}
