//! SQL values → the strings a cursor carries. The value's own SQL type decides the encoding;
//! the formats themselves live in `keyset_core::wire_value` (pure, unit-tested).

use std::ffi::CStr;

use keyset_core::{wire_value, CursorFault, KeysetError};

use crate::types::type_name;
use pgrx::pg_sys;
use pgrx::prelude::*;
use pgrx::AnyElement;

/// The wire string of a non-NULL polymorphic argument, or 42804 for a type with no encoding.
pub fn wire_string(elem: &AnyElement, argument: &'static str) -> Result<String, KeysetError> {
    // SAFETY: pgrx gives us the datum together with its actual type.
    unsafe { datum_wire_string(elem.datum(), elem.oid(), argument) }
}

/// The wire string of a non-NULL datum of type `oid`.
///
/// # Safety
/// `datum` must be a valid, non-NULL datum of type `oid`.
pub unsafe fn datum_wire_string(
    datum: pg_sys::Datum,
    oid: pg_sys::Oid,
    argument: &'static str,
) -> Result<String, KeysetError> {
    // A domain is encoded as its base type; "any" passes the domain's own oid.
    datum_wire_string_of_base(datum, oid, pg_sys::getBaseType(oid), argument)
}

/// As [`datum_wire_string`], for a datum whose base type is already known (a page query's key
/// column, checked against the relation's column): no catalog lookup per value.
///
/// # Safety
/// `datum` must be a valid, non-NULL datum of type `type_oid`, whose base type is `oid`.
pub unsafe fn datum_wire_string_of_base(
    datum: pg_sys::Datum,
    type_oid: pg_sys::Oid,
    oid: pg_sys::Oid,
    argument: &'static str,
) -> Result<String, KeysetError> {
    // Every arm reads the datum as the representation its type oid guarantees.
    let s = {
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
                let micros = i64::from_datum(datum, false).unwrap_or_default();
                return wire_value::timestamp(micros).map_err(|reason| {
                    KeysetError::CannotEncode(CursorFault::BadValue {
                        field: argument,
                        column: String::new(),
                        type_name: type_name(type_oid),
                        reason: reason.to_string(),
                    })
                });
            }
            pg_sys::DATEOID => i32::from_datum(datum, false).map(wire_value::date),
            pg_sys::TEXTOID | pg_sys::VARCHAROID | pg_sys::BPCHAROID => {
                String::from_polymorphic_datum(datum, false, oid)
            }
            // An untyped literal ('abc') reaches a "any" parameter as a C string.
            pg_sys::UNKNOWNOID => Some(
                CStr::from_ptr(datum.cast_mut_ptr())
                    .to_string_lossy()
                    .into_owned(),
            ),
            pg_sys::NAMEOID => {
                let name = datum.cast_mut_ptr::<pg_sys::NameData>();
                Some(
                    CStr::from_ptr((*name).data.as_ptr())
                        .to_string_lossy()
                        .into_owned(),
                )
            }
            // numeric_out and uuid_out depend on no setting, so their text is stable.
            pg_sys::NUMERICOID | pg_sys::UUIDOID => Some(output_text(datum, oid)),
            _ => None,
        }
    };
    s.ok_or_else(|| KeysetError::UnsupportedType {
        argument,
        type_name: type_name(type_oid),
    })
}

/// The type's own text output.
///
/// # Safety
/// `datum` must be a valid, non-NULL datum of type `oid`.
pub unsafe fn output_text(datum: pg_sys::Datum, oid: pg_sys::Oid) -> String {
    let mut func = pg_sys::InvalidOid;
    let mut is_varlena = false;
    pg_sys::getTypeOutputInfo(oid, &mut func, &mut is_varlena);
    let cstr = pg_sys::OidOutputFunctionCall(func, datum);
    let s = CStr::from_ptr(cstr).to_string_lossy().into_owned();
    pg_sys::pfree(cstr.cast());
    s
}
