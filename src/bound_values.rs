//! The values a page query binds, as datums of their parameters' types: each filter condition's
//! value (read by its type's input function) and each cursor value (validated in Rust by
//! `keyset_core::typed_value`), plus the settings-dependent form of filter values that the
//! listing's digest binds.

use std::ffi::CString;

use keyset_core::filter::{Condition, FilterOp, FilterValue};
use keyset_core::typed_value::Typed;
use keyset_core::KeysetError;
use pgrx::pg_sys;

use crate::catalog::Facts;

/// Each condition's value as a datum of its column's type (or the array type for `in`), read
/// by the type's own input function (a bad value raises its own error, e.g. 22P02).
pub fn filter_values(
    filter: &[Condition],
    facts: &Facts,
) -> Result<Vec<Option<(pg_sys::Oid, pg_sys::Datum)>>, KeysetError> {
    filter
        .iter()
        .zip(&facts.filter)
        .map(|(c, col)| {
            let base = col.base_oid;
            let (oid, text) = match (&c.value, c.op) {
                (FilterValue::None, _) => return Ok(None),
                (FilterValue::Scalar(s), _) => (base, s.clone()),
                (FilterValue::List(items), FilterOp::In) => {
                    // SAFETY: a catalog lookup by oid.
                    let array = unsafe { pg_sys::get_array_type(base) };
                    if array == pg_sys::InvalidOid {
                        return Err(filter_error(c, "the column's type has no array type"));
                    }
                    (array, array_literal(items))
                }
                (FilterValue::List(items), _) => {
                    // SAFETY: a catalog lookup by oid.
                    if unsafe { pg_sys::get_element_type(base) } == pg_sys::InvalidOid {
                        return Err(filter_error(c, "\"@>\" needs an array column"));
                    }
                    (base, array_literal(items))
                }
            };
            // SAFETY: the type's input function on NUL-free text (the filter parser refuses NUL).
            Ok(Some((oid, unsafe { input(&text, oid)? })))
        })
        .collect()
}

/// The values of conditions whose meaning depends on session settings, in a form that does
/// not: their binary send output, hex. A filter `{"created_at": {">": "2024-01-01"}}` means
/// another instant under another TimeZone, so its cursors must not continue it there.
pub fn settings_dependent_values(
    facts: &Facts,
    values: &[Option<(pg_sys::Oid, pg_sys::Datum)>],
) -> String {
    let mut out = String::new();
    for (i, (col, value)) in facts.filter.iter().zip(values).enumerate() {
        let Some((oid, datum)) = value else { continue };
        if !col.settings_dependent {
            continue;
        }
        // SAFETY: a datum of `oid`, made by its input function; send functions of the date,
        // time, interval, money and reg* types write fixed-size binary, no text conversion.
        let bytes = unsafe {
            let mut send = pg_sys::InvalidOid;
            let mut varlena = false;
            pg_sys::getTypeBinaryOutputInfo(*oid, &mut send, &mut varlena);
            let b = pg_sys::OidSendFunctionCall(send, *datum);
            pgrx::varlena::varlena_to_byte_slice(b).to_vec()
        };
        out.push_str(&format!("[{i}:"));
        for byte in bytes {
            out.push_str(&format!("{byte:02x}"));
        }
        out.push(']');
    }
    out
}

fn filter_error(c: &Condition, reason: &str) -> KeysetError {
    KeysetError::InvalidFilter {
        path: format!("{}.{}", c.column, c.op.symbol()),
        reason: reason.into(),
    }
}

/// `{"a","b\"c",NULL}`: every element quoted and escaped, so array_in reads it back exactly.
fn array_literal(items: &[Option<String>]) -> String {
    let mut out = String::from("{");
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        match item {
            None => out.push_str("NULL"),
            Some(s) => {
                out.push('"');
                for c in s.chars() {
                    if c == '"' || c == '\\' {
                        out.push('\\');
                    }
                    out.push(c);
                }
                out.push('"');
            }
        }
    }
    out.push('}');
    out
}

/// A validated cursor value as a datum of `oid` (the column's base type).
pub unsafe fn to_datum(t: &Typed, oid: pg_sys::Oid) -> Result<pg_sys::Datum, KeysetError> {
    Ok(match t {
        Typed::Int2(v) => pg_sys::Datum::from(*v),
        Typed::Int4(v) => pg_sys::Datum::from(*v),
        Typed::Int8(v) | Typed::Timestamp(v) => pg_sys::Datum::from(*v),
        Typed::Date(v) => pg_sys::Datum::from(*v),
        Typed::Bool(v) => pg_sys::Datum::from(*v),
        Typed::Float4(v) => pg_sys::Datum::from(v.to_bits()),
        Typed::Float8(v) => pg_sys::Datum::from(v.to_bits()),
        // The type's own input function; typed_value::parse has ruled out every input it rejects.
        Typed::Numeric(s) | Typed::Text(s) => input(s, oid)?,
        Typed::Uuid(b) => {
            let p = pg_sys::palloc(16).cast::<u8>();
            std::ptr::copy_nonoverlapping(b.as_ptr(), p, 16);
            pg_sys::Datum::from(p)
        }
    })
}

/// The type's input function on `s` (cursor values and filter values never hold NUL: the
/// cursor check and the filter parser reject it; a NUL here is refused, never truncated).
unsafe fn input(s: &str, oid: pg_sys::Oid) -> Result<pg_sys::Datum, KeysetError> {
    let mut func = pg_sys::InvalidOid;
    let mut ioparam = pg_sys::InvalidOid;
    pg_sys::getTypeInputInfo(oid, &mut func, &mut ioparam);
    let c = CString::new(s).map_err(|_| KeysetError::Internal("a value with a NUL byte"))?;
    Ok(pg_sys::OidInputFunctionCall(
        func,
        c.as_ptr().cast_mut(),
        ioparam,
        -1,
    ))
}
