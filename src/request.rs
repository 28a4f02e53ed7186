//! One keyset request, shared by keyset_page, keyset_rows, keyset_page_info and keyset_explain:
//! arguments → table facts → cursor check → shape → kept plan → one SPI execution → cursors.

use std::ffi::CString;

use keyset_core::filter::{self, Condition, FilterOp, FilterValue};
use keyset_core::page_request::{self, KeyColumn, Start};
use keyset_core::predicate::{Key, Output, PageShape};
use keyset_core::typed_value::Typed;
use keyset_core::{sort_spec, Direction, KeysetError};
use pgrx::prelude::*;
use pgrx::GucSetting;

use crate::catalog::{self, TableFacts};
use crate::spi_plan::{self, Row};
use crate::sql_value::{datum_wire_string, output_text};

/// `pg_keyset.max_page_size`: the largest page_size a caller may ask for.
pub static MAX_PAGE_SIZE: GucSetting<i32> =
    GucSetting::<i32>::new(page_request::DEFAULT_MAX_PAGE_SIZE);

/// The SQL arguments common to every keyset function (NULL = the argument's default).
pub struct Args<'a> {
    pub relation: Option<pg_sys::Oid>,
    pub sort: Option<&'a str>,
    pub direction: Option<&'a str>,
    pub after: Option<&'a str>,
    pub page_size: Option<i32>,
    pub before: Option<&'a str>,
    /// The filter jsonb datum (read through jsonb's output function, so numbers keep all digits).
    pub filter: Option<pg_sys::Datum>,
}

/// A checked request, ready to run.
pub struct Request {
    pub facts: TableFacts,
    pub filter: Vec<Condition>,
    pub digest: Option<String>,
    pub backward: bool,
    pub page_size: i32,
    pub start: Start,
}

/// The cursors and flags of a page.
pub struct Envelope {
    pub next_cursor: Option<String>,
    pub has_more: bool,
    pub prev_cursor: Option<String>,
    pub has_previous: bool,
}

fn given(cursor: Option<&str>) -> Option<&str> {
    cursor.filter(|c| !c.is_empty())
}

pub fn request(args: Args) -> Result<Request, KeysetError> {
    let relid = args.relation.ok_or(KeysetError::NullArgument("relation"))?;
    let direction = match args.direction {
        None => Direction::Asc,
        Some(d) => Direction::from_sql(d)?,
    };
    let page_size = page_request::page_size(args.page_size, MAX_PAGE_SIZE.get())?;
    let (cursor, backward) = match (given(args.after), given(args.before)) {
        (Some(_), Some(_)) => return Err(KeysetError::BothCursors),
        (None, Some(before)) => (Some(before), true),
        (after, None) => (after, false),
    };
    let items = args.sort.map(sort_spec::parse).transpose()?;
    // SAFETY: a non-NULL jsonb argument datum.
    let filter_text = args.filter.map(|d| unsafe { output_text(d, pg_sys::JSONBOID) });
    let filter = filter_text.as_deref().map(filter::parse).transpose()?.unwrap_or_default();
    let facts = catalog::resolve(relid, items.as_deref(), direction, &filter)?;
    let digest = page_request::digest(&facts.schema, &facts.relation, &facts.keys, &filter);
    let columns: Vec<KeyColumn> = facts
        .key_columns
        .iter()
        .map(|c| KeyColumn { name: &c.name, wire: c.wire, not_null: c.not_null })
        .collect();
    let start = page_request::start(cursor, &facts.keys, &columns, digest.as_deref())?;
    Ok(Request { facts, filter, digest, backward, page_size, start })
}

impl Request {
    pub fn shape(&self, output: Output) -> PageShape<'_> {
        PageShape {
            schema: &self.facts.schema,
            relation: &self.facts.relation,
            row_alias: &self.facts.row_alias,
            keys: self
                .facts
                .keys
                .iter()
                .zip(&self.facts.key_columns)
                .map(|(sort, c)| Key { sort, nullable: !c.not_null })
                .collect(),
            cursor_nulls: self.start.as_ref().map(|v| v.iter().map(Option::is_none).collect()),
            backward: self.backward,
            filter: &self.filter,
            page_size: self.page_size,
            output,
        }
    }

    /// Parameter types and datums in `$n` order: the cursor's non-NULL values, then the filter's.
    pub fn params(&self) -> Result<(Vec<pg_sys::Oid>, Vec<pg_sys::Datum>), KeysetError> {
        let mut types = Vec::new();
        let mut datums = Vec::new();
        for (value, col) in self.start.iter().flatten().zip(&self.facts.key_columns) {
            if let Some(v) = value {
                types.push(col.base_oid);
                // SAFETY: validated for exactly this type by typed_value::parse.
                datums.push(unsafe { to_datum(v, col.base_oid) });
            }
        }
        for (c, &(_, base)) in self.filter.iter().zip(&self.facts.filter_columns) {
            let (oid, text) = match (&c.value, c.op) {
                (FilterValue::None, _) => continue,
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
            types.push(oid);
            // SAFETY: the type's input function; a bad value raises its own error (e.g. 22P02).
            datums.push(unsafe { input(&text, oid) });
        }
        Ok((types, datums))
    }

    pub fn run<T>(&self, output: Output, each: impl FnMut(&Row) -> T) -> Result<Vec<T>, KeysetError> {
        let (types, datums) = self.params()?;
        Ok(spi_plan::run(true, self.shape(output).sql(), &types, &datums, each))
    }

    /// The cursor of the row whose keys are columns `first..first + m` of `row`; None when the
    /// key is NULL (an empty page has no first or last row).
    unsafe fn cursor_at(&self, row: &Row, first: i32) -> Result<Option<String>, KeysetError> {
        let m = self.facts.keys.len() as i32;
        let mut values = Vec::with_capacity(m as usize);
        for col in first..first + m {
            values.push(match row.datum(col) {
                Some(d) => Some(datum_wire_string(d, row.type_oid(col), "value")?),
                None => None,
            });
        }
        if values.last().is_none_or(Option::is_none) {
            return Ok(None);
        }
        page_request::mint(&self.facts.keys, values, self.digest.as_deref()).map(Some)
    }

    /// The envelope of an Envelope/Info row whose `more` column is `first` (see predicate::Output).
    pub unsafe fn envelope(&self, row: &Row, first: i32) -> Result<Envelope, KeysetError> {
        let flag = |col: i32| row.datum(col).is_some_and(|d| bool::from_datum(d, false) == Some(true));
        let (more, probe) = (flag(first), flag(first + 1));
        let (has_more, has_previous) = if self.backward { (probe, more) } else { (more, probe) };
        let m = self.facts.keys.len() as i32;
        let next_cursor = if has_more { self.cursor_at(row, first + 2 + m)? } else { None };
        let prev_cursor = if has_previous { self.cursor_at(row, first + 2)? } else { None };
        Ok(Envelope { next_cursor, has_more, prev_cursor, has_previous })
    }

    /// Rows in display order → the page (the extra row is the last one forwards, the first
    /// one backwards).
    pub fn page_of<T>(&self, mut rows: Vec<T>) -> Vec<T> {
        let n = self.page_size as usize;
        if rows.len() > n {
            if self.backward {
                rows.remove(0);
            } else {
                rows.truncate(n);
            }
        }
        rows
    }
}

fn filter_error(c: &Condition, reason: &str) -> KeysetError {
    KeysetError::InvalidFilter { path: format!("{}.{}", c.column, c.op.symbol()), reason: reason.into() }
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
unsafe fn to_datum(t: &Typed, oid: pg_sys::Oid) -> pg_sys::Datum {
    match t {
        Typed::Int2(v) => pg_sys::Datum::from(*v),
        Typed::Int4(v) => pg_sys::Datum::from(*v),
        Typed::Int8(v) | Typed::Timestamp(v) => pg_sys::Datum::from(*v),
        Typed::Date(v) => pg_sys::Datum::from(*v),
        Typed::Bool(v) => pg_sys::Datum::from(*v),
        Typed::Float4(v) => pg_sys::Datum::from(v.to_bits()),
        Typed::Float8(v) => pg_sys::Datum::from(v.to_bits()),
        // The type's own input function; typed_value::parse has ruled out every input it rejects.
        Typed::Numeric(s) | Typed::Text(s) => input(s, oid),
        Typed::Uuid(b) => {
            let p = pg_sys::palloc(16).cast::<u8>();
            std::ptr::copy_nonoverlapping(b.as_ptr(), p, 16);
            pg_sys::Datum::from(p)
        }
    }
}

/// The type's input function on `s` (cursor values and filter values never hold NUL: the
/// cursor check and the filter parser reject it).
unsafe fn input(s: &str, oid: pg_sys::Oid) -> pg_sys::Datum {
    let mut func = pg_sys::InvalidOid;
    let mut ioparam = pg_sys::InvalidOid;
    pg_sys::getTypeInputInfo(oid, &mut func, &mut ioparam);
    let c = CString::new(s).unwrap_or_default();
    pg_sys::OidInputFunctionCall(func, c.as_ptr().cast_mut(), ioparam, -1)
}
