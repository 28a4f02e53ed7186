//! Table facts for one call, read from the relcache: names, the primary key, the sort columns'
//! types and NOT NULL flags, the filter's columns.
//!
//! Nothing is cached here on purpose: the relcache already is the per-backend cache, kept
//! current by Postgres' own invalidation, so DDL (renames, dropped columns, a new primary key)
//! is seen by the very next call without any catalog query.
//!
//! The caller's SELECT privilege is checked first, before anything about the relation (its
//! columns, its key, its indexes) can show up in an error or a NOTICE.

use std::ffi::CStr;

use keyset_core::filter::Condition;
use keyset_core::sort_spec::{self, SortItem, SortKey};
use keyset_core::typed_value::WireType;
use keyset_core::{Direction, KeysetError};
use pgrx::pg_sys;

use crate::spi_plan;

/// A column of the relation as the page query needs it.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub attnum: i16,
    /// The column's declared type (a domain stays a domain).
    pub type_oid: pg_sys::Oid,
    /// The column's type with domains resolved: the parameter type of the plan, so a domain's
    /// constraints never run on (and never fail for) a cursor value.
    pub base_oid: pg_sys::Oid,
    pub collation: pg_sys::Oid,
    pub wire: WireType,
    pub not_null: bool,
}

/// A filter condition's column.
#[derive(Debug, Clone, Copy)]
pub struct FilterColumn {
    pub attnum: i16,
    pub base_oid: pg_sys::Oid,
    /// Whether its input function reads values differently under other session settings
    /// (TimeZone, DateStyle, IntervalStyle, search_path, lc_monetary): dates and times,
    /// intervals, money, the reg* types, and arrays of them.
    pub settings_dependent: bool,
}

/// What one keyset_page call needs to know about its relation.
#[derive(Debug, Clone)]
pub struct TableFacts {
    pub relid: pg_sys::Oid,
    /// The relation's composite type (the type of a whole row).
    pub row_type: pg_sys::Oid,
    /// An ordinary table (paged with `FROM ONLY`), not a partitioned one.
    pub ordinary: bool,
    pub schema: String,
    pub relation: String,
    /// An alias for the table in the page query that no column of it is named.
    pub row_alias: String,
    /// The resolved ORDER BY (listed columns, then the primary key) and its columns.
    pub keys: Vec<SortKey>,
    pub key_columns: Vec<Column>,
    /// For each filter condition, its column.
    pub filter_columns: Vec<FilterColumn>,
}

/// The cursor type of a (base) type oid, if cursors can carry it.
pub fn wire_type(base: pg_sys::Oid) -> Option<WireType> {
    Some(match base {
        pg_sys::INT2OID => WireType::Int2,
        pg_sys::INT4OID => WireType::Int4,
        pg_sys::INT8OID => WireType::Int8,
        pg_sys::FLOAT4OID => WireType::Float4,
        pg_sys::FLOAT8OID => WireType::Float8,
        pg_sys::NUMERICOID => WireType::Numeric,
        pg_sys::BOOLOID => WireType::Bool,
        pg_sys::TEXTOID | pg_sys::VARCHAROID | pg_sys::BPCHAROID => WireType::Text,
        pg_sys::NAMEOID => WireType::Name,
        pg_sys::UUIDOID => WireType::Uuid,
        pg_sys::DATEOID => WireType::Date,
        pg_sys::TIMESTAMPOID | pg_sys::TIMESTAMPTZOID => WireType::Timestamp,
        _ => return None,
    })
}

pub fn type_name(oid: pg_sys::Oid) -> String {
    // SAFETY: format_type_be accepts any oid and returns a palloc'd C string.
    unsafe {
        CStr::from_ptr(pg_sys::format_type_be(oid))
            .to_string_lossy()
            .into_owned()
    }
}

/// A type's name schema-qualified (`pg_catalog.int4`), for SQL pg_keyset writes: never resolved
/// through the caller's search_path.
pub fn qualified_type_name(oid: pg_sys::Oid) -> String {
    // SAFETY: format_type_be_qualified accepts any oid and returns a palloc'd C string.
    unsafe {
        CStr::from_ptr(pg_sys::format_type_be_qualified(oid))
            .to_string_lossy()
            .into_owned()
    }
}

unsafe fn cstr(p: *const std::os::raw::c_char) -> String {
    CStr::from_ptr(p).to_string_lossy().into_owned()
}

/// Whether a type's text input depends on session settings (see [`FilterColumn`]).
fn settings_dependent(oid: pg_sys::Oid) -> bool {
    // SAFETY: catalog lookups by oid.
    unsafe {
        let element = pg_sys::get_element_type(oid);
        let t = if element != pg_sys::InvalidOid {
            pg_sys::getBaseType(element)
        } else {
            oid
        };
        let mut category: std::os::raw::c_char = 0;
        let mut preferred = false;
        pg_sys::get_type_category_preferred(t, &mut category, &mut preferred);
        let reg = [
            pg_sys::REGCLASSOID,
            pg_sys::REGTYPEOID,
            pg_sys::REGPROCOID,
            pg_sys::REGPROCEDUREOID,
            pg_sys::REGOPEROID,
            pg_sys::REGOPERATOROID,
            pg_sys::REGCONFIGOID,
            pg_sys::REGDICTIONARYOID,
            pg_sys::REGNAMESPACEOID,
            pg_sys::REGROLEOID,
            pg_sys::REGCOLLATIONOID,
            pg_sys::MONEYOID,
        ];
        matches!(category as u8, b'D' | b'T') || reg.contains(&t)
    }
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

/// Opens the relation (AccessShareLock, held to the end of the transaction like any query's),
/// checks the caller may read it, and resolves the sort (`None` = the primary key alone) and
/// the filter's columns.
pub fn resolve(
    relid: pg_sys::Oid,
    sort: Option<&[SortItem]>,
    direction: Direction,
    filter: &[Condition],
) -> Result<TableFacts, KeysetError> {
    // SAFETY: plain relcache access under a lock; the relation stays open until we close it.
    unsafe {
        let rel = pg_sys::try_relation_open(relid, pg_sys::AccessShareLock as pg_sys::LOCKMODE);
        if rel.is_null() {
            return Err(KeysetError::UndefinedTable {
                oid: relid.to_u32(),
            });
        }
        let result = check_privilege(rel).and_then(|()| resolve_open(rel, sort, direction, filter));
        pg_sys::relation_close(rel, pg_sys::NoLock as pg_sys::LOCKMODE);
        result
    }
}

/// SELECT on the relation, or on every column of it (pages are whole rows): the same check a
/// `SELECT *` makes, made before anything else about the relation is read.
unsafe fn check_privilege(rel: pg_sys::Relation) -> Result<(), KeysetError> {
    let relid = (*rel).rd_id;
    let user = pg_sys::GetUserId();
    let select = pg_sys::ACL_SELECT as pg_sys::AclMode;
    if pg_sys::pg_class_aclcheck(relid, user, select) == pg_sys::AclResult::ACLCHECK_OK
        || pg_sys::pg_attribute_aclcheck_all(relid, user, select, pg_sys::AclMaskHow::ACLMASK_ALL)
            == pg_sys::AclResult::ACLCHECK_OK
    {
        return Ok(());
    }
    let form = &*(*rel).rd_rel;
    Err(KeysetError::PermissionDenied {
        relation: cstr(form.relname.data.as_ptr()),
        kind: kind_word(form.relkind as u8),
    })
}

/// Whether an ordinary table has inheritance children (relhassubclass can be stale after the
/// last child is dropped, so pg_inherits decides; it is read only when the flag is set).
fn has_inheritance_children(relid: pg_sys::Oid) -> Result<bool, KeysetError> {
    let sql = "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_inherits i WHERE i.inhparent OPERATOR(pg_catalog.=) $1)";
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

/// Whether the relation's primary key exists but is DEFERRABLE (the relcache's primary-key
/// bitmap only knows immediate ones).
unsafe fn has_deferrable_primary_key(rel: pg_sys::Relation) -> bool {
    let list = pg_sys::RelationGetIndexList(rel);
    if list.is_null() {
        return false;
    }
    let cells = std::slice::from_raw_parts((*list).elements, (*list).length as usize);
    cells.iter().any(|cell| {
        let irel = pg_sys::index_open(cell.oid_value, pg_sys::AccessShareLock as pg_sys::LOCKMODE);
        let index = &*(*irel).rd_index;
        let deferrable = index.indisprimary && !index.indimmediate;
        pg_sys::index_close(irel, pg_sys::AccessShareLock as pg_sys::LOCKMODE);
        deferrable
    })
}

/// The alias of the table in the page query: `keyset_row`, else `keyset_row_1`, `_2`, ... —
/// the first no column is named. A table has at most 1600 columns, so the alias has at most 15
/// bytes: it can never reach NAMEDATALEN and be truncated into a column's name.
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

unsafe fn resolve_open(
    rel: pg_sys::Relation,
    sort: Option<&[SortItem]>,
    direction: Direction,
    filter: &[Condition],
) -> Result<TableFacts, KeysetError> {
    let form = &*(*rel).rd_rel;
    let relation = cstr(form.relname.data.as_ptr());
    let schema = cstr(pg_sys::get_namespace_name(form.relnamespace));
    let relkind = form.relkind as u8;
    let ordinary = relkind == pg_sys::RELKIND_RELATION;
    if ordinary && form.relhassubclass && has_inheritance_children((*rel).rd_id)? {
        return Err(KeysetError::InheritanceChildren { relation });
    }
    let tupdesc = (*rel).rd_att;
    let natts = (*tupdesc).natts as usize;
    let attrs = (*tupdesc).attrs.as_slice(natts);
    let live = |a: &&pg_sys::FormData_pg_attribute| !a.attisdropped && a.attnum > 0;
    let named = |name: &str| {
        attrs
            .iter()
            .filter(live)
            .find(|a| CStr::from_ptr(a.attname.data.as_ptr()).to_bytes() == name.as_bytes())
    };
    let undefined = |name: &str| KeysetError::UndefinedColumn {
        column: name.to_string(),
        relation: relation.clone(),
    };

    // Every listed column must exist, also those after the key (which the ORDER BY drops).
    for item in sort.unwrap_or(&[]) {
        named(&item.column).ok_or_else(|| undefined(&item.column))?;
    }

    // The primary key's columns, from the relcache's own bitmap (immediate keys only).
    let pk = pg_sys::RelationGetIndexAttrBitmap(
        rel,
        pg_sys::IndexAttrBitmapKind::INDEX_ATTR_BITMAP_PRIMARY_KEY,
    );
    let pk_columns = pg_sys::bms_num_members(pk);
    if pk_columns == 0 {
        if has_deferrable_primary_key(rel) {
            return Err(KeysetError::DeferrablePrimaryKey { relation });
        }
        return Err(KeysetError::NoPrimaryKey { relation });
    }
    if pk_columns > 1 {
        return Err(KeysetError::CompositePrimaryKey {
            relation,
            columns: pk_columns as usize,
        });
    }
    let pk_attnum = pg_sys::bms_next_member(pk, -1) + pg_sys::FirstLowInvalidHeapAttributeNumber;
    let key_attr = attrs
        .get((pk_attnum - 1) as usize)
        .ok_or(KeysetError::Internal("primary key column out of range"))?;
    let key_name = cstr(key_attr.attname.data.as_ptr());

    let column = |attr: &pg_sys::FormData_pg_attribute| -> Result<Column, KeysetError> {
        let name = cstr(attr.attname.data.as_ptr());
        let base = pg_sys::getBaseType(attr.atttypid);
        let wire = match wire_type(base) {
            Some(w) => w,
            None => {
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
            }
        };
        Ok(Column {
            name,
            attnum: attr.attnum,
            type_oid: attr.atttypid,
            base_oid: base,
            collation: attr.attcollation,
            wire,
            not_null: attr.attnotnull,
        })
    };
    let keys = sort_spec::resolve(sort.unwrap_or(&[]), direction, &key_name);
    let key_columns = keys
        .iter()
        .map(|k| column(named(&k.column).ok_or_else(|| undefined(&k.column))?))
        .collect::<Result<Vec<_>, _>>()?;
    let filter_columns = filter
        .iter()
        .map(|c| {
            let attr = named(&c.column).ok_or_else(|| undefined(&c.column))?;
            let base_oid = pg_sys::getBaseType(attr.atttypid);
            Ok(FilterColumn {
                attnum: attr.attnum,
                base_oid,
                settings_dependent: settings_dependent(base_oid),
            })
        })
        .collect::<Result<Vec<_>, KeysetError>>()?;
    // A bare alias names the whole row only if no column has that name (else it is the column).
    let row_alias = row_alias(|a| {
        attrs.iter().any(|c| {
            !c.attisdropped && CStr::from_ptr(c.attname.data.as_ptr()).to_bytes() == a.as_bytes()
        })
    })?;
    Ok(TableFacts {
        relid: (*rel).rd_id,
        row_type: form.reltype,
        ordinary,
        schema,
        relation,
        row_alias,
        keys,
        key_columns,
        filter_columns,
    })
}
