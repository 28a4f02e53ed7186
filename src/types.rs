//! Type facts pg_keyset needs: which types cursors carry, type names for messages and for SQL,
//! and which types read their text differently under other session settings.

use std::ffi::CStr;

use keyset_core::typed_value::WireType;
use pgrx::pg_sys;

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

/// Whether a type's text input depends on session settings (see `catalog::FilterColumn`).
pub fn settings_dependent(oid: pg_sys::Oid) -> bool {
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
