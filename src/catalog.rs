//! Table facts for one call, read from the relcache: names, the primary key, the sort columns'
//! types and NOT NULL flags, the filter's columns.
//!
//! Nothing is cached here on purpose: the relcache already is the per-backend cache, kept
//! current by Postgres' own invalidation, so DDL (renames, dropped columns, a new primary key)
//! is seen by the very next call without any catalog query.

use std::ffi::CStr;

use keyset_core::filter::Condition;
use keyset_core::sort_spec::{self, SortItem, SortKey};
use keyset_core::typed_value::WireType;
use keyset_core::{Direction, KeysetError};
use pgrx::pg_sys;

use crate::index_advice;

/// A column of the relation as the page query needs it.
#[derive(Debug, Clone)]
pub struct Column {
    pub name: String,
    pub attnum: i16,
    /// The column's type with domains resolved: the parameter type of the plan, so a domain's
    /// constraints never run on (and never fail for) a cursor value.
    pub base_oid: pg_sys::Oid,
    pub wire: WireType,
    pub not_null: bool,
}

/// What one keyset_page call needs to know about its relation.
#[derive(Debug, Clone)]
pub struct TableFacts {
    pub relid: pg_sys::Oid,
    pub schema: String,
    pub relation: String,
    /// An alias for the table in the page query that no column of it is named.
    pub row_alias: String,
    /// The resolved ORDER BY (listed columns, then the primary key) and its columns.
    pub keys: Vec<SortKey>,
    pub key_columns: Vec<Column>,
    /// For each filter condition: the column's attnum and base type.
    pub filter_columns: Vec<(i16, pg_sys::Oid)>,
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
    unsafe { CStr::from_ptr(pg_sys::format_type_be(oid)).to_string_lossy().into_owned() }
}

unsafe fn cstr(p: *const std::os::raw::c_char) -> String {
    CStr::from_ptr(p).to_string_lossy().into_owned()
}

/// Opens the relation (AccessShareLock, held to the end of the transaction like any query's)
/// and resolves the sort (`None` = the primary key alone) and the filter's columns.
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
            return Err(KeysetError::UndefinedTable { oid: relid.to_u32() });
        }
        let result = resolve_open(rel, sort, direction, filter);
        if let Ok(facts) = &result {
            index_advice::check(rel, facts, filter);
        }
        pg_sys::relation_close(rel, pg_sys::NoLock as pg_sys::LOCKMODE);
        result
    }
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
    let tupdesc = (*rel).rd_att;
    let natts = (*tupdesc).natts as usize;
    let attrs = (*tupdesc).attrs.as_slice(natts);
    let live = |a: &&pg_sys::FormData_pg_attribute| !a.attisdropped && a.attnum > 0;
    let named = |name: &str| {
        attrs.iter().filter(live).find(|a| CStr::from_ptr(a.attname.data.as_ptr()).to_bytes() == name.as_bytes())
    };
    let undefined = |name: &str| KeysetError::UndefinedColumn { column: name.to_string(), relation: relation.clone() };

    // The primary key's columns, from the relcache's own bitmap.
    let pk = pg_sys::RelationGetIndexAttrBitmap(
        rel,
        pg_sys::IndexAttrBitmapKind::INDEX_ATTR_BITMAP_PRIMARY_KEY,
    );
    let pk_columns = pg_sys::bms_num_members(pk);
    if pk_columns == 0 {
        return Err(KeysetError::NoPrimaryKey { relation });
    }
    if pk_columns > 1 {
        return Err(KeysetError::CompositePrimaryKey { relation, columns: pk_columns as usize });
    }
    let pk_attnum = pg_sys::bms_next_member(pk, -1) + pg_sys::FirstLowInvalidHeapAttributeNumber;
    let key_attr = &attrs[(pk_attnum - 1) as usize];
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
                    KeysetError::NoOrdering { column: name, type_name }
                } else {
                    KeysetError::UnsupportedColumnType { column: name, type_name }
                });
            }
        };
        Ok(Column { name, attnum: attr.attnum, base_oid: base, wire, not_null: attr.attnotnull })
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
            Ok((attr.attnum, pg_sys::getBaseType(attr.atttypid)))
        })
        .collect::<Result<Vec<_>, KeysetError>>()?;
    // A bare alias names the whole row only if no column has that name (else it is the column).
    let mut row_alias = String::from("keyset_row");
    while attrs.iter().any(|a| {
        !a.attisdropped && CStr::from_ptr(a.attname.data.as_ptr()).to_bytes() == row_alias.as_bytes()
    }) {
        row_alias.push('_');
    }
    Ok(TableFacts {
        relid: (*rel).rd_id,
        schema,
        relation,
        row_alias,
        keys,
        key_columns,
        filter_columns,
    })
}
