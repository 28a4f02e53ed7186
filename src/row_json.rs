//! keyset_page's rows as json, written here from the row's columns, byte for byte what
//! `row_to_json` writes (Postgres 15's `composite_to_json` / `datum_to_json`).
//!
//! Why not `row_to_json` in the query: per row and per column it looks up the row descriptor,
//! the column's type category and its output function, and the whole row is formed as a tuple
//! first (perf: 30% of keyset_page's backend time, a third of it that per-row bookkeeping). Here
//! each column's category is decided once per listing shape ([`JsonKind`], kept in the shape
//! cache) and output functions are looked up once per page.
//!
//! What Postgres decides per value stays Postgres': arrays, composites, and every type that is
//! not built in (enums, extension types, a type with a cast to json that may be created at any
//! time) come from the query as `pg_catalog.to_json(column)`, whose text is copied as it is.
//! Built-in scalars are written with Postgres' own output functions and `JsonEncodeDateTime`;
//! only integers, booleans and the string escaping are done in Rust (`keyset_core::pg_json`,
//! Postgres' `escape_json` rules).

use std::ffi::CStr;
use std::os::raw::{c_char, c_int};

use std::ops::Range;

use keyset_core::pg_json::{member_prefix, push_escaped, push_integer};
use keyset_core::predicate::{Layout, Payload};
use keyset_core::KeysetError;
use pgrx::pg_sys;

use crate::catalog::Facts;
use crate::spi_plan::{Deformed, Results};

extern "C-unwind" {
    /// `src/common/jsonapi.c`: whether `str` is a JSON number (never raises an error).
    fn IsValidJsonNumber(str: *const c_char, len: c_int) -> bool;
}

/// How one column's value is written into the row's object (its base type's category, as
/// `json_categorize_type` decides it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonKind {
    Bool,
    Int2,
    Int4,
    Int8,
    /// float4, float8, numeric: the output text, bare when it is a JSON number, else quoted
    /// (`NaN`, `Infinity`).
    Number {
        output: pg_sys::Oid,
    },
    /// date, timestamp, timestamptz: `JsonEncodeDateTime` (ISO 8601, TimeZone applied).
    DateTime {
        type_oid: pg_sys::Oid,
    },
    /// json, or a column selected through `to_json`: its text as it is.
    Json,
    /// jsonb: its output text as it is.
    Jsonb {
        output: pg_sys::Oid,
    },
    /// text, varchar, char(n): the value's bytes, escaped (their output functions copy them).
    Text,
    /// Any other built-in scalar: its output text, escaped.
    Other {
        output: pg_sys::Oid,
    },
    /// Selected as `pg_catalog.to_json(column)`: arrays, composites, types not built in.
    ToJson,
    /// A pseudo-type column, which `to_json` cannot take: the whole row goes through
    /// `row_to_json` instead. Defensive: only pg_statistic has one (`anyarray`), and its key
    /// holds an oid, which no cursor carries; no table or view can declare one.
    WholeRowOnly,
}

/// The category of a column of type `type_oid`.
///
/// # Safety
/// Catalog lookups: inside a transaction.
pub unsafe fn categorize(type_oid: pg_sys::Oid) -> JsonKind {
    let base = pg_sys::getBaseType(type_oid);
    let output = || {
        let mut func = pg_sys::InvalidOid;
        let mut varlena = false;
        pg_sys::getTypeOutputInfo(base, &mut func, &mut varlena);
        func
    };
    match base {
        pg_sys::BOOLOID => JsonKind::Bool,
        pg_sys::INT2OID => JsonKind::Int2,
        pg_sys::INT4OID => JsonKind::Int4,
        pg_sys::INT8OID => JsonKind::Int8,
        pg_sys::FLOAT4OID | pg_sys::FLOAT8OID | pg_sys::NUMERICOID => {
            JsonKind::Number { output: output() }
        }
        pg_sys::DATEOID | pg_sys::TIMESTAMPOID | pg_sys::TIMESTAMPTZOID => {
            JsonKind::DateTime { type_oid: base }
        }
        pg_sys::JSONOID => JsonKind::Json,
        pg_sys::JSONBOID => JsonKind::Jsonb { output: output() },
        pg_sys::TEXTOID | pg_sys::VARCHAROID | pg_sys::BPCHAROID => JsonKind::Text,
        _ if pg_sys::get_typtype(base) as u8 == pg_sys::TYPTYPE_PSEUDO => JsonKind::WholeRowOnly,
        _ if u32::from(base) >= pg_sys::FirstNormalObjectId
            || pg_sys::get_element_type(base) != pg_sys::InvalidOid
            || pg_sys::type_is_rowtype(base) =>
        {
            JsonKind::ToJson
        }
        _ => JsonKind::Other { output: output() },
    }
}

/// An attribute of the relation's row (dropped ones too: a row of its type has a slot for them).
#[derive(Debug, Clone)]
pub struct RowAttr {
    pub name: String,
    pub type_oid: pg_sys::Oid,
    pub dropped: bool,
    /// How keyset_page writes its value into the row's json (decided once per shape).
    pub json: JsonKind,
    /// `"name":`, escaped as `row_to_json` escapes it.
    pub member: Vec<u8>,
}

/// The row's attributes, from the relation's descriptor.
///
/// # Safety
/// Catalog lookups: inside a transaction.
pub unsafe fn row_attrs(attrs: &[pg_sys::FormData_pg_attribute]) -> Vec<RowAttr> {
    attrs
        .iter()
        .map(|a| {
            let name = CStr::from_ptr(a.attname.data.as_ptr())
                .to_string_lossy()
                .into_owned();
            RowAttr {
                member: member_prefix(&name),
                name,
                type_oid: a.atttypid,
                dropped: a.attisdropped,
                json: if a.attisdropped {
                    JsonKind::Json
                } else {
                    categorize(a.atttypid)
                },
            }
        })
        .collect()
}

/// One column of the row's object: its `"name":` and how its value is written.
pub struct Member<'a> {
    pub prefix: &'a [u8],
    pub kind: JsonKind,
}

/// Writes rows' objects; output functions looked up once (per page).
pub struct RowWriter<'a> {
    members: Vec<(&'a [u8], JsonKind, Option<pg_sys::FmgrInfo>)>,
}

impl<'a> RowWriter<'a> {
    /// # Safety
    /// Inside a transaction (fmgr lookups of built-in output functions).
    pub unsafe fn new(members: impl Iterator<Item = Member<'a>>) -> RowWriter<'a> {
        let members = members
            .map(|m| {
                let finfo = match m.kind {
                    JsonKind::Number { output }
                    | JsonKind::Jsonb { output }
                    | JsonKind::Other { output } => {
                        let mut f: pg_sys::FmgrInfo = std::mem::zeroed();
                        pg_sys::fmgr_info(output, &mut f);
                        Some(f)
                    }
                    _ => None,
                };
                (m.prefix, m.kind, finfo)
            })
            .collect();
        RowWriter { members }
    }

    /// Appends the object of one row whose member values are `values` (None: NULL), in order.
    ///
    /// # Safety
    /// Each datum must be of its member's type (the json type for `ToJson` and `Json`).
    pub unsafe fn write(&mut self, out: &mut Vec<u8>, values: &[Option<pg_sys::Datum>]) {
        out.push(b'{');
        for (i, ((prefix, kind, finfo), value)) in self.members.iter_mut().zip(values).enumerate() {
            if i > 0 {
                out.push(b',');
            }
            out.extend_from_slice(prefix);
            let Some(d) = *value else {
                out.extend_from_slice(b"null");
                continue;
            };
            match *kind {
                JsonKind::Bool => {
                    out.extend_from_slice(if d.value() != 0 { b"true" } else { b"false" })
                }
                JsonKind::Int2 => push_integer(out, d.value() as i16 as i64),
                JsonKind::Int4 => push_integer(out, d.value() as i32 as i64),
                JsonKind::Int8 => push_integer(out, d.value() as i64),
                JsonKind::Number { .. } => {
                    let s = output_call(finfo, d);
                    let bytes = CStr::from_ptr(s).to_bytes();
                    if IsValidJsonNumber(s, bytes.len() as c_int) {
                        out.extend_from_slice(bytes);
                    } else {
                        push_escaped(out, bytes);
                    }
                    pg_sys::pfree(s.cast());
                }
                JsonKind::DateTime { type_oid } => {
                    // MAXDATELEN + 1, as datum_to_json's buffer.
                    let mut buf = [0 as c_char; 129];
                    pg_sys::JsonEncodeDateTime(buf.as_mut_ptr(), d, type_oid, std::ptr::null());
                    out.push(b'"');
                    out.extend_from_slice(CStr::from_ptr(buf.as_ptr()).to_bytes());
                    out.push(b'"');
                }
                JsonKind::Json | JsonKind::ToJson => with_varlena(d, |b| out.extend_from_slice(b)),
                JsonKind::Text => with_varlena(d, |b| push_escaped(out, b)),
                JsonKind::Jsonb { .. } => {
                    let s = output_call(finfo, d);
                    out.extend_from_slice(CStr::from_ptr(s).to_bytes());
                    pg_sys::pfree(s.cast());
                }
                JsonKind::Other { .. } => {
                    let s = output_call(finfo, d);
                    push_escaped(out, CStr::from_ptr(s).to_bytes());
                    pg_sys::pfree(s.cast());
                }
                // Never planned as columns (PageShape falls back to the whole row).
                JsonKind::WholeRowOnly => out.extend_from_slice(b"null"),
            }
        }
        out.push(b'}');
    }
}

unsafe fn output_call(finfo: &mut Option<pg_sys::FmgrInfo>, d: pg_sys::Datum) -> *mut c_char {
    match finfo {
        Some(f) => pg_sys::OutputFunctionCall(f, d),
        // RowWriter::new gives every kind that calls here its function.
        None => pg_sys::pstrdup(c"null".as_ptr()),
    }
}

/// Hands the bytes of a text-like datum (detoasted) to `f`.
///
/// # Safety
/// `d` must be a non-NULL varlena datum.
pub unsafe fn with_varlena(d: pg_sys::Datum, f: impl FnOnce(&[u8])) {
    let original = d.cast_mut_ptr::<pg_sys::varlena>();
    let v = pg_sys::pg_detoast_datum_packed(original);
    f(std::slice::from_raw_parts(
        pgrx::vardata_any(v).cast::<u8>(),
        pgrx::varsize_any_exhdr(v),
    ));
    if v != original {
        pg_sys::pfree(v.cast());
    }
}

/// MaxAllocSize: the largest value Postgres can allocate.
const MAX_VALUE_BYTES: usize = 0x3fff_ffff;

/// keyset_page's `rows`: the json array of fetched rows `rows`, as `json_agg` of `row_to_json`
/// would write it (rows joined by commas between brackets), allocated in the upper executor
/// context (out of SPI). 54000 past 1 GB, checked as it grows.
///
/// # Safety
/// Inside the SPI connection that produced `r`, checked against `layout` (`check_layout`).
pub unsafe fn page_json(
    r: &Results,
    rows: Range<usize>,
    layout: &Layout,
    facts: &Facts,
) -> Result<pg_sys::Datum, KeysetError> {
    let too_large = |bytes| KeysetError::PageTooLarge {
        bytes,
        max: MAX_VALUE_BYTES,
    };
    let limit = MAX_VALUE_BYTES - pg_sys::VARHDRSZ;
    let mut out = Vec::with_capacity(pg_sys::VARHDRSZ + 2 + rows.len() * 160);
    out.extend_from_slice(&[0; pg_sys::VARHDRSZ]);
    out.push(b'[');
    match layout.payload {
        Some(Payload::Columns(n)) => {
            let mut writer =
                RowWriter::new(facts.row.iter().filter(|a| !a.dropped).map(|a| Member {
                    prefix: &a.member,
                    kind: a.json,
                }));
            let mut values = vec![None; n as usize];
            let mut scratch = Deformed::default();
            for (j, i) in rows.enumerate() {
                if j > 0 {
                    out.push(b',');
                }
                r.row(i).leading(&mut values, &mut scratch);
                writer.write(&mut out, &values);
                if out.len() > limit {
                    return Err(too_large(out.len()));
                }
            }
        }
        Some(Payload::Whole) => {
            for (j, i) in rows.enumerate() {
                if j > 0 {
                    out.push(b',');
                }
                // A row's json is never NULL.
                let d = r
                    .row(i)
                    .datum(1)
                    .ok_or(KeysetError::Internal("a NULL row"))?;
                with_varlena(d, |b| out.extend_from_slice(b));
                if out.len() > limit {
                    return Err(too_large(out.len()));
                }
            }
        }
        None => return Err(KeysetError::Internal("a page query without rows")),
    }
    out.push(b']');
    let len = out.len();
    if len > MAX_VALUE_BYTES {
        return Err(too_large(len));
    }
    pgrx::set_varsize_4b(out.as_mut_ptr().cast(), len as i32);
    let value = pg_sys::SPI_palloc(len).cast::<u8>();
    std::ptr::copy_nonoverlapping(out.as_ptr(), value, len);
    Ok(pg_sys::Datum::from(value))
}
