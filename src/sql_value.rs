//! SQL values → the strings a cursor carries. The value's own SQL type decides the encoding;
//! the formats themselves live in `keyset_core::wire_value` (pure, unit-tested).

use std::ffi::CStr;

use keyset_core::{wire_value, KeysetError};
use pgrx::pg_sys;
use pgrx::prelude::*;
use pgrx::AnyElement;

/// The wire string of a non-NULL polymorphic argument, or 42804 for a type with no encoding.
pub fn wire_string(elem: &AnyElement, argument: &'static str) -> Result<String, KeysetError> {
    // A domain is encoded as its base type; "any" passes the domain's own oid.
    // SAFETY: getBaseType accepts any type oid.
    let oid = unsafe { pg_sys::getBaseType(elem.oid()) };
    let datum = elem.datum();
    // SAFETY: every arm reads the datum as the representation its type oid guarantees.
    let s = unsafe {
        match oid {
            pg_sys::INT2OID => i16::from_datum(datum, false).map(|v| v.to_string()),
            pg_sys::INT4OID => i32::from_datum(datum, false).map(|v| v.to_string()),
            pg_sys::INT8OID => i64::from_datum(datum, false).map(|v| v.to_string()),
            pg_sys::BOOLOID => bool::from_datum(datum, false).map(|v| v.to_string()),
            pg_sys::FLOAT4OID => f32::from_datum(datum, false).map(wire_value::float4),
            pg_sys::FLOAT8OID => f64::from_datum(datum, false).map(wire_value::float8),
            // Timestamps are int64 µs since 2000-01-01 and dates int32 days since 2000-01-01,
            // whatever TimeZone or DateStyle say.
            pg_sys::TIMESTAMPOID | pg_sys::TIMESTAMPTZOID => {
                i64::from_datum(datum, false).map(wire_value::timestamp)
            }
            pg_sys::DATEOID => i32::from_datum(datum, false).map(wire_value::date),
            pg_sys::TEXTOID | pg_sys::VARCHAROID | pg_sys::BPCHAROID => {
                String::from_polymorphic_datum(datum, false, oid)
            }
            // An untyped literal ('abc') reaches a "any" parameter as a C string.
            pg_sys::UNKNOWNOID => {
                Some(CStr::from_ptr(datum.cast_mut_ptr()).to_string_lossy().into_owned())
            }
            pg_sys::NAMEOID => {
                let name = datum.cast_mut_ptr::<pg_sys::NameData>();
                Some(CStr::from_ptr((*name).data.as_ptr()).to_string_lossy().into_owned())
            }
            // numeric_out and uuid_out depend on no setting, so their text is stable.
            pg_sys::NUMERICOID | pg_sys::UUIDOID => Some(output_text(datum, oid)),
            _ => None,
        }
    };
    s.ok_or_else(|| KeysetError::UnsupportedType { argument, type_name: type_name(oid) })
}

/// The type's own text output.
unsafe fn output_text(datum: pg_sys::Datum, oid: pg_sys::Oid) -> String {
    let mut func = pg_sys::InvalidOid;
    let mut is_varlena = false;
    pg_sys::getTypeOutputInfo(oid, &mut func, &mut is_varlena);
    let cstr = pg_sys::OidOutputFunctionCall(func, datum);
    let s = CStr::from_ptr(cstr).to_string_lossy().into_owned();
    pg_sys::pfree(cstr.cast());
    s
}

/// `format_type_be`: the type's name as a user would write it.
fn type_name(oid: pg_sys::Oid) -> String {
    // SAFETY: format_type_be accepts any oid and returns a palloc'd C string.
    unsafe {
        let cstr = pg_sys::format_type_be(oid);
        CStr::from_ptr(cstr).to_string_lossy().into_owned()
    }
}
