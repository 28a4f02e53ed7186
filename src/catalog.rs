//! Relation facts for one call, read from the relcache: its kind and names, its key (`key.rs`,
//! `view_key.rs`), the resolved ORDER BY with each key's column, the filter's columns, and the
//! relation whose indexes serve the listing (itself, or the table under a simple view).
//!
//! This module caches nothing itself: the relcache already is the per-backend cache, kept
//! current by Postgres' own invalidation, so DDL (renames, dropped columns, a new key) is seen by
//! the very next call. No catalog query runs but the two pg_inherits ones below, and only when
//! `relhassubclass` is set. (`shape_cache.rs` keeps what a call resolves here, per listing
//! shape, and is emptied by the same invalidations.)
//!
//! The caller's SELECT privilege is checked first, before anything about the relation (its
//! columns, its key, its indexes) can show up in an error or a NOTICE.

use std::ffi::{CStr, CString};

use keyset_core::filter::Condition;
use keyset_core::predicate::RowColumn;
use keyset_core::relation::{KeySource, RelationKind};
use keyset_core::sort_spec::{self, SortItem, SortKey};
use keyset_core::typed_value::WireType;
use keyset_core::{Direction, KeysetError};
use pgrx::pg_sys;

use crate::key;
use crate::row_json::{self, JsonKind, RowAttr};
use crate::spi_plan;
use crate::types::{settings_dependent, type_name, wire_type};
use crate::view_key::{self, ViewBase};

/// A column of the relation as the page query needs it.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    /// The column's declared type (a domain stays a domain).
    pub type_oid: pg_sys::Oid,
    /// The column's type with domains resolved: the parameter type of the plan, so a domain's
    /// constraints never run on (and never fail for) a cursor value.
    pub base_oid: pg_sys::Oid,
    pub collation: pg_sys::Oid,
    pub wire: WireType,
    /// Known NOT NULL (a view's column: when its base table's is; a materialized view's: never).
    pub not_null: bool,
    /// Its attribute number in the relation whose indexes serve the listing (a simple view's
    /// base table), if it is a column there.
    pub index_attnum: Option<i16>,
}

/// One key of the resolved ORDER BY with its column.
#[derive(Debug, Clone)]
pub struct OrderKey {
    pub sort: SortKey,
    pub column: Column,
    /// A column of the unique key: a NULL in it is an error, never a row of the listing.
    pub in_key: bool,
}

/// A filter condition's column.
#[derive(Debug, Clone)]
pub struct FilterColumn {
    pub base_oid: pg_sys::Oid,
    /// Whether its input function reads values differently under other session settings.
    pub settings_dependent: bool,
    /// As [`Column::index_attnum`].
    pub index_attnum: Option<i16>,
}

/// The unique key of a listing and where it came from.
#[derive(Debug, Clone)]
pub struct Key {
    pub columns: Vec<String>,
    pub source: KeySource,
}

/// The relation whose indexes can serve a listing: the relation itself, or the table under a
/// simple view.
#[derive(Debug, Clone)]
pub struct IndexTarget {
    pub relid: pg_sys::Oid,
    pub schema: String,
    pub relation: String,
    /// A view's base table the caller may not read: advice and messages do not name it or its
    /// columns and indexes (a plain view runs with its owner's rights; its caller needs none on
    /// the table).
    pub hidden: bool,
}

/// What one call needs to know about its relation.
#[derive(Debug, Clone)]
pub struct Facts {
    /// The relation's composite type (the type of a whole row).
    pub row_type: pg_sys::Oid,
    pub kind: RelationKind,
    /// A partitioned table, a parent over foreign tables, or a simple view over a partitioned
    /// table: its row values get a plain bound on their leading column too.
    pub partitioned: bool,
    /// A parent whose partitions or inheritance children include foreign tables.
    pub sharded: bool,
    /// The distribution column of a Citus table distributed by it (see `scale_out`).
    pub citus_column: Option<String>,
    pub schema: String,
    pub relation: String,
    /// An alias for the relation in the page query that no column of it is named.
    pub row_alias: String,
    /// The resolved ORDER BY (listed columns, then the key's) with each key's column.
    pub keys: Vec<OrderKey>,
    pub key: Key,
    /// One per filter condition, in the filter's order.
    pub filter: Vec<FilterColumn>,
    /// None: a view that is not simple (no index can be checked for it).
    pub index_target: Option<IndexTarget>,
    /// The relations under a simple view whose catalog entries these facts were read from (the
    /// views it stacks on, then its base table): locked before a kept copy is trusted.
    pub depends_on: Vec<pg_sys::Oid>,
    /// The relation's row, attribute by attribute.
    pub row: Vec<RowAttr>,
    /// Where each key of `keys` sits in `row` (0-based).
    pub key_attrs: Vec<usize>,
}

impl Facts {
    /// The resolved ORDER BY alone.
    pub fn sort_keys(&self) -> Vec<SortKey> {
        self.keys.iter().map(|k| k.sort.clone()).collect()
    }

    /// The live columns as the page query selects them; empty (the whole row instead) if one
    /// of them can only be written by `row_to_json` (a pseudo-type).
    pub fn row_columns(&self) -> Vec<RowColumn<'_>> {
        let live = self.row.iter().filter(|a| !a.dropped);
        if live.clone().any(|a| a.json == JsonKind::WholeRowOnly) {
            return Vec::new();
        }
        live.map(|a| RowColumn {
            name: &a.name,
            to_json: a.json == JsonKind::ToJson,
        })
        .collect()
    }

    /// An ordinary table is read `FROM ONLY` (its key covers its own rows only); a parent over
    /// foreign tables with its children (they hold its rows).
    pub fn only(&self) -> bool {
        self.kind == RelationKind::Table && !self.sharded
    }
}

unsafe fn cstr(p: *const std::os::raw::c_char) -> String {
    CStr::from_ptr(p).to_string_lossy().into_owned()
}

/// Postgres' own identifier quoting (quotes only where needed), for DDL in hints.
pub fn quote(name: &str) -> String {
    let c = CString::new(name).unwrap_or_default();
    // SAFETY: quote_identifier returns its argument or a palloc'd copy, both valid C strings.
    unsafe { cstr(pg_sys::quote_identifier(c.as_ptr())) }
}

/// A column's name by attribute number ("" if there is none).
pub fn attname(relid: pg_sys::Oid, attnum: i16) -> String {
    // SAFETY: get_attname with missing_ok returns NULL or a palloc'd name.
    unsafe {
        let p = pg_sys::get_attname(relid, attnum, true);
        if p.is_null() {
            String::new()
        } else {
            cstr(p)
        }
    }
}

/// (schema, name) of an open relation.
///
/// # Safety
/// `rel` must be an open relation.
pub unsafe fn relation_name(rel: pg_sys::Relation) -> (String, String) {
    let form = &*(*rel).rd_rel;
    (
        cstr(pg_sys::get_namespace_name(form.relnamespace)),
        cstr(form.relname.data.as_ptr()),
    )
}

/// How Postgres names a relation kind in "permission denied for ..." messages.
fn kind_word(relkind: u8) -> &'static str {
    match relkind {
        b'v' => "view",
        b'm' => "materialized view",
        b'S' => "sequence",
        b'f' => "foreign table",
        _ => "table",
    }
}

/// The arguments that shape a listing.
pub struct Listing<'a> {
    /// The sort as written (`None`: the key alone).
    pub sort: Option<&'a [SortItem]>,
    pub direction: Direction,
    /// The `key` argument's column names.
    pub key: Option<&'a [String]>,
    pub filter: &'a [Condition],
}

/// Opens the relation (AccessShareLock, held to the end of the transaction like any query's),
/// checks the caller may read it, and resolves its key, the sort and the filter's columns.
pub fn resolve(relid: pg_sys::Oid, listing: &Listing) -> Result<Facts, KeysetError> {
    // SAFETY: plain relcache access under a lock; the relation stays open until we close it.
    unsafe {
        let rel = pg_sys::try_relation_open(relid, pg_sys::AccessShareLock as pg_sys::LOCKMODE);
        if rel.is_null() {
            return Err(KeysetError::UndefinedTable {
                oid: relid.to_u32(),
            });
        }
        let result = check_privilege(rel).and_then(|()| resolve_open(rel, listing));
        pg_sys::relation_close(rel, pg_sys::NoLock as pg_sys::LOCKMODE);
        result
    }
}

/// Whether the current user may read every column of the relation (SELECT on it, or on each
/// column): what `SELECT *` needs.
pub fn can_read(relid: pg_sys::Oid) -> bool {
    // SAFETY: ACL checks by oid.
    unsafe {
        let user = pg_sys::GetUserId();
        let select = pg_sys::ACL_SELECT as pg_sys::AclMode;
        pg_sys::pg_class_aclcheck(relid, user, select) == pg_sys::AclResult::ACLCHECK_OK
            || pg_sys::pg_attribute_aclcheck_all(
                relid,
                user,
                select,
                pg_sys::AclMaskHow::ACLMASK_ALL,
            ) == pg_sys::AclResult::ACLCHECK_OK
    }
}

/// SELECT on the relation, or on every column of it (pages are whole rows): the same check a
/// `SELECT *` makes, made before anything else about the relation is read.
unsafe fn check_privilege(rel: pg_sys::Relation) -> Result<(), KeysetError> {
    if can_read((*rel).rd_id) {
        return Ok(());
    }
    let form = &*(*rel).rd_rel;
    Err(KeysetError::PermissionDenied {
        relation: cstr(form.relname.data.as_ptr()),
        kind: kind_word(form.relkind as u8),
    })
}

/// Whether any partition or inheritance child of a relation, at any depth, is a foreign table
/// (a parent over postgres_fdw shards). Read only when `relhassubclass` is set.
pub fn has_foreign_descendants(relid: pg_sys::Oid) -> Result<bool, KeysetError> {
    exists_for(
        relid,
        "WITH RECURSIVE d(relid) AS (SELECT i.inhrelid FROM pg_catalog.pg_inherits i \
         WHERE i.inhparent OPERATOR(pg_catalog.=) $1 UNION SELECT i.inhrelid \
         FROM pg_catalog.pg_inherits i JOIN d ON i.inhparent OPERATOR(pg_catalog.=) d.relid) \
         SELECT EXISTS (SELECT 1 FROM d JOIN pg_catalog.pg_class c \
         ON c.oid OPERATOR(pg_catalog.=) d.relid \
         WHERE c.relkind OPERATOR(pg_catalog.=) 'f'::pg_catalog.\"char\")",
    )
}

/// Whether an ordinary table has inheritance children (relhassubclass can be stale after the
/// last child is dropped, so pg_inherits decides; it is read only when the flag is set).
pub fn has_inheritance_children(relid: pg_sys::Oid) -> Result<bool, KeysetError> {
    exists_for(
        relid,
        "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i \
         WHERE i.inhparent OPERATOR(pg_catalog.=) $1)",
    )
}

/// The one boolean of a catalog query `sql` about relation `relid` (its `$1`).
fn exists_for(relid: pg_sys::Oid, sql: &str) -> Result<bool, KeysetError> {
    spi_plan::run(
        true,
        sql.to_string(),
        &[pg_sys::OIDOID],
        &[pg_sys::Datum::from(relid)],
        |r| {
            if r.len() != 1 || r.column_type(1) != pg_sys::BOOLOID {
                return Err(KeysetError::Internal("unexpected result from pg_inherits"));
            }
            // SAFETY: one boolean column, checked above.
            Ok(unsafe { r.row(0).datum(1) }.is_some_and(|d| d.value() != 0))
        },
    )
}

/// The alias of the relation in the page query: `keyset_row`, else `keyset_row_1`, `_2`, ... —
/// the first no column is named. A relation has at most 1600 columns, so the alias has at most
/// 15 bytes: it can never reach NAMEDATALEN and be truncated into a column's name.
fn row_alias(has_column: impl Fn(&str) -> bool) -> Result<String, KeysetError> {
    (0..=pg_sys::MaxHeapAttributeNumber as usize)
        .map(|i| {
            if i == 0 {
                "keyset_row".to_string()
            } else {
                format!("keyset_row_{i}")
            }
        })
        .find(|a| !has_column(a))
        .ok_or(KeysetError::Internal("no free alias"))
}

/// The live columns of an open relation, by name.
struct Attributes<'r> {
    attrs: &'r [pg_sys::FormData_pg_attribute],
    relation: &'r str,
}

impl Attributes<'_> {
    fn named(&self, name: &str) -> Result<&pg_sys::FormData_pg_attribute, KeysetError> {
        self.attrs
            .iter()
            .filter(|a| !a.attisdropped && a.attnum > 0)
            // SAFETY: attname is a NUL-terminated NameData.
            .find(|a| {
                unsafe { CStr::from_ptr(a.attname.data.as_ptr()) }.to_bytes() == name.as_bytes()
            })
            .ok_or_else(|| KeysetError::UndefinedColumn {
                column: name.to_string(),
                relation: self.relation.to_string(),
            })
    }

    fn name_of(&self, attnum: i16) -> Result<String, KeysetError> {
        let index = usize::try_from(attnum - 1)
            .map_err(|_| KeysetError::Internal("a key column that is not a user column"))?;
        self.attrs
            .get(index)
            // SAFETY: attname is a NUL-terminated NameData.
            .map(|a| unsafe { cstr(a.attname.data.as_ptr()) })
            .ok_or(KeysetError::Internal("a key column out of range"))
    }
}

unsafe fn resolve_open(rel: pg_sys::Relation, listing: &Listing) -> Result<Facts, KeysetError> {
    let form = &*(*rel).rd_rel;
    let (schema, relation) = relation_name(rel);
    let relkind = form.relkind as u8;
    let kind = match RelationKind::from_relkind(relkind) {
        Some(k) => k,
        None if relkind == pg_sys::RELKIND_FOREIGN_TABLE => {
            return Err(KeysetError::ForeignTable { relation })
        }
        None => return Err(KeysetError::NotPageable { relation }),
    };
    // A parent over foreign tables (postgres_fdw shards), as partitions or inheritance
    // children: no unique index can span its shards, so its key is the caller's declaration.
    let sharded = matches!(kind, RelationKind::Table | RelationKind::PartitionedTable)
        && form.relhassubclass
        && has_foreign_descendants((*rel).rd_id)?;
    if kind == RelationKind::Table
        && !sharded
        && form.relhassubclass
        && has_inheritance_children((*rel).rd_id)?
    {
        return Err(KeysetError::InheritanceChildren { relation });
    }
    let tupdesc = (*rel).rd_att;
    let attrs = Attributes {
        attrs: (*tupdesc).attrs.as_slice((*tupdesc).natts as usize),
        relation: &relation,
    };
    // Every listed column must exist, also those after the key (which the ORDER BY drops).
    for item in listing.sort.unwrap_or(&[]) {
        attrs.named(&item.column)?;
    }
    let key_attnums = listing
        .key
        .map(|names| {
            names
                .iter()
                .map(|n| attrs.named(n).map(|a| a.attnum))
                .collect::<Result<Vec<_>, _>>()
        })
        .transpose()?;
    let qualified = format!("{}.{}", quote(&schema), quote(&relation));
    let key_sql = || {
        listing
            .key
            .unwrap_or(&[])
            .iter()
            .map(|n| quote(n))
            .collect::<Vec<_>>()
            .join(", ")
    };

    // The key, and per column of this relation: NOT NULL and the attnum in the index target.
    let view_base: Option<Result<ViewBase, String>> = match kind {
        RelationKind::View => Some(view_key::base_of(rel)?),
        _ => None,
    };
    // The columns `key` names must be NOT NULL where the catalog knows (a table's).
    let named_key_not_null = || -> Result<(), KeysetError> {
        let names = listing.key.unwrap_or(&[]);
        for (name, attnum) in names.iter().zip(key_attnums.iter().flatten()) {
            if !attrs.attrs[*attnum as usize - 1].attnotnull {
                return Err(KeysetError::KeyColumnNullable {
                    relation: relation.clone(),
                    column: name.clone(),
                });
            }
        }
        Ok(())
    };
    let (key, index_target, column_map): (Key, Option<IndexTarget>, ColumnMap) = match &view_base {
        None if sharded => {
            let Some(names) = listing.key else {
                return Err(KeysetError::NoKey {
                    relation,
                    kind,
                    hint: format!(
                        "A parent over foreign tables has no unique index across its shards: name \
                         its key, e.g. keyset_page('{}', ..., key => 'id') (its uniqueness across \
                         the shards is the caller's promise).",
                        qualified.replace('\'', "''")
                    ),
                });
            };
            named_key_not_null()?;
            let key = Key {
                columns: names.to_vec(),
                source: KeySource::Argument { index: None },
            };
            // No index to check: the shards' indexes are on other servers.
            (key, None, ColumnMap::Own { kind })
        }
        None => {
            let indexes = key::unique_indexes(rel);
            if kind.knows_not_null() {
                named_key_not_null()?;
            }
            let (attnums, source) = key::own_key(kind, &indexes, key_attnums.as_deref())
                .map_err(|e| key::own_key_error(e, kind, &relation, &qualified, &key_sql()))?;
            let columns = attnums
                .iter()
                .map(|&a| attrs.name_of(a))
                .collect::<Result<Vec<_>, _>>()?;
            let target = IndexTarget {
                relid: (*rel).rd_id,
                schema: schema.clone(),
                relation: relation.clone(),
                hidden: false,
            };
            (
                Key { columns, source },
                Some(target),
                ColumnMap::Own { kind },
            )
        }
        Some(base) => {
            let key = match (listing.key, base) {
                (Some(names), _) => Key {
                    columns: names.to_vec(),
                    source: KeySource::Argument { index: None },
                },
                (None, Err(reason)) => {
                    return Err(KeysetError::ViewKeyNotInferred {
                        view: relation,
                        reason: reason.clone(),
                    })
                }
                (None, Ok(base)) => view_key_of(base, &attrs, &relation)?,
            };
            match base {
                Ok(base) => {
                    let target = IndexTarget {
                        relid: base.relid,
                        schema: base.schema.clone(),
                        relation: base.relation.clone(),
                        hidden: !base.visible,
                    };
                    (key, Some(target), ColumnMap::View { base })
                }
                Err(_) => (key, None, ColumnMap::Opaque),
            }
        }
    };

    let column = |attr: &pg_sys::FormData_pg_attribute| -> Result<Column, KeysetError> {
        let name = cstr(attr.attname.data.as_ptr());
        let base = pg_sys::getBaseType(attr.atttypid);
        let Some(wire) = wire_type(base) else {
            let tc = pg_sys::lookup_type_cache(base, pg_sys::TYPECACHE_LT_OPR as i32);
            let type_name = type_name(attr.atttypid);
            return Err(if (*tc).lt_opr == pg_sys::InvalidOid {
                KeysetError::NoOrdering {
                    column: name,
                    type_name,
                }
            } else {
                KeysetError::UnsupportedColumnType {
                    column: name,
                    type_name,
                }
            });
        };
        let (not_null, index_attnum) = column_map.of(attr);
        Ok(Column {
            name,
            type_oid: attr.atttypid,
            base_oid: base,
            collation: attr.attcollation,
            wire,
            not_null,
            index_attnum,
        })
    };
    let sort_keys =
        sort_spec::resolve(listing.sort.unwrap_or(&[]), listing.direction, &key.columns);
    let keys = sort_keys
        .into_iter()
        .map(|sort| {
            let column = column(attrs.named(&sort.column)?)?;
            let in_key = key.columns.contains(&sort.column);
            Ok(OrderKey {
                sort,
                column,
                in_key,
            })
        })
        .collect::<Result<Vec<_>, KeysetError>>()?;
    let filter = listing
        .filter
        .iter()
        .map(|c| {
            let attr = attrs.named(&c.column)?;
            let base_oid = pg_sys::getBaseType(attr.atttypid);
            Ok(FilterColumn {
                base_oid,
                settings_dependent: settings_dependent(base_oid),
                index_attnum: column_map.of(attr).1,
            })
        })
        .collect::<Result<Vec<_>, KeysetError>>()?;
    // A bare alias names the whole row only if no column has that name (else it is the column).
    let row_alias = row_alias(|a| {
        attrs.attrs.iter().any(|c| {
            !c.attisdropped && CStr::from_ptr(c.attname.data.as_ptr()).to_bytes() == a.as_bytes()
        })
    })?;
    let row = row_json::row_attrs(attrs.attrs);
    // A sharded parent gets the bounds too: a plain bound on the leading column ships to each
    // shard in its Remote SQL, where a row value never does (postgres_fdw streamed every row).
    let partitioned = kind == RelationKind::PartitionedTable
        || sharded
        || matches!(&view_base, Some(Ok(b)) if b.kind == RelationKind::PartitionedTable);
    Ok(Facts {
        row_type: form.reltype,
        kind,
        partitioned,
        sharded,
        citus_column: crate::scale_out::citus_distribution_column((*rel).rd_id)?,
        schema,
        relation,
        row_alias,
        key,
        filter,
        index_target,
        depends_on: match view_base {
            Some(Ok(base)) => base.chain,
            _ => Vec::new(),
        },
        key_attrs: keys
            .iter()
            .map(|k| {
                row.iter()
                    .position(|a| !a.dropped && a.name == k.column.name)
                    .ok_or(KeysetError::Internal("a sort column not in the row"))
            })
            .collect::<Result<_, _>>()?,
        row,
        keys,
    })
}

/// How a column of the paged relation relates to the relation whose indexes serve it.
enum ColumnMap<'b> {
    /// A table or materialized view: itself.
    Own { kind: RelationKind },
    /// A simple view: its base table's columns.
    View { base: &'b ViewBase },
    /// A view that is not simple: nothing known.
    Opaque,
}

impl ColumnMap<'_> {
    /// (known NOT NULL, attnum in the index target).
    fn of(&self, attr: &pg_sys::FormData_pg_attribute) -> (bool, Option<i16>) {
        match self {
            ColumnMap::Own { kind } => {
                (kind.knows_not_null() && attr.attnotnull, Some(attr.attnum))
            }
            ColumnMap::View { base } => {
                match base
                    .columns
                    .get(attr.attnum as usize - 1)
                    .copied()
                    .flatten()
                {
                    Some(b) => (
                        base.not_null.get(b as usize - 1).copied().unwrap_or(false),
                        Some(b),
                    ),
                    None => (false, None),
                }
            }
            ColumnMap::Opaque => (false, None),
        }
    }
}

/// A simple view's key: its base table's key, each column passed through by the view (under
/// whatever name the view gives it).
unsafe fn view_key_of(base: &ViewBase, attrs: &Attributes, view: &str) -> Result<Key, KeysetError> {
    let owned = key::own_key(base.kind, &base.indexes, None);
    // Nothing about a base table the caller cannot read is named (see IndexTarget::hidden).
    let visible = base.visible;
    let result = match owned {
        Err(_) if !visible => Err("Its base table has no key to break ties.".to_string()),
        Err(_) => Err(format!(
            "Its base {} \"{}\" has no key to break ties.",
            base.kind.word(),
            base.relation
        )),
        Ok((attnums, source)) => {
            let mut columns = Vec::with_capacity(attnums.len());
            let mut missing = None;
            for b in &attnums {
                match base.columns.iter().position(|c| *c == Some(*b)) {
                    Some(v) => columns.push(attrs.name_of(v as i16 + 1)?),
                    None => {
                        missing = Some(*b);
                        break;
                    }
                }
            }
            match missing {
                Some(_) if !visible => Err(
                    "A column of its base table's key is not passed through unchanged by the view."
                        .to_string(),
                ),
                Some(attnum) => Err(format!(
                    "Column \"{}\" of its base {} \"{}\", part of its {source}, is not passed through unchanged by the view.",
                    attname(base.relid, attnum),
                    base.kind.word(),
                    base.relation
                )),
                None if !visible => Ok(Key {
                    columns,
                    source: KeySource::HiddenViewBase,
                }),
                None => Ok(Key {
                    columns,
                    source: KeySource::View {
                        base: format!("{}.{}", quote(&base.schema), quote(&base.relation)),
                        source: Box::new(source),
                    },
                }),
            }
        }
    };
    result.map_err(|reason| KeysetError::ViewKeyNotInferred {
        view: view.to_string(),
        reason,
    })
}
