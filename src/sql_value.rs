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

/// A json array of the json `elements`, in order, in the upper executor context (out of SPI):
/// their text joined by commas between brackets, which is all a json array is. What
/// `json_agg` builds, without an aggregate whose input order SQL does not promise, and without
/// jsonb, whose binary form sorts each object's keys by length and costs a conversion per row
/// and another for output (to_jsonb and jsonb_out were 37% of keyset_page's backend time).
///
/// # Safety
/// Every element must be a valid, non-NULL json datum; must run inside an SPI connection.
pub unsafe fn json_array(elements: &[pg_sys::Datum]) -> Result<pg_sys::Datum, KeysetError> {
    let texts: Vec<*mut pg_sys::varlena> = elements
        .iter()
        .map(|d| pg_sys::pg_detoast_datum_packed(d.cast_mut_ptr()))
        .collect();
    let body: usize = texts.iter().map(|&t| pgrx::varsize_any_exhdr(t)).sum();
    let len = pg_sys::VARHDRSZ + 2 + body + elements.len().saturating_sub(1);
    // MaxAllocSize: a larger palloc would fail with an internal error.
    let max = 0x3fff_ffff;
    if len > max {
        return Err(KeysetError::PageTooLarge { bytes: len, max });
    }
    let out = pg_sys::SPI_palloc(len).cast::<u8>();
    pgrx::set_varsize_4b(out.cast(), len as i32);
    let mut at = out.add(pg_sys::VARHDRSZ);
    *at = b'[';
    at = at.add(1);
    for (i, &t) in texts.iter().enumerate() {
        if i > 0 {
            *at = b',';
            at = at.add(1);
        }
        let n = pgrx::varsize_any_exhdr(t);
        std::ptr::copy_nonoverlapping(pgrx::vardata_any(t).cast::<u8>(), at, n);
        at = at.add(n);
    }
    *at = b']';
    Ok(pg_sys::Datum::from(out))
}
