//! keyset_page, keyset_rows, keyset_page_info: thin SQL wrappers around one shared request path
//! (arguments → table facts → cursor check → shape → kept plan → one SPI execution).

use std::ffi::CString;

use keyset_core::page_request::{self, KeyColumn, Start};
use keyset_core::predicate::{Output, PageShape};
use keyset_core::typed_value::Typed;
use keyset_core::{cursor, sort_spec, Direction, KeysetError};
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::{AnyElement, GucSetting};

use crate::catalog::{self, TableFacts};
use crate::error::{report, PgResult};
use crate::spi_plan::{self, Row};
use crate::sql_value::datum_wire_string;

/// `pg_keyset.max_page_size`: the largest page_size a caller may ask for.
pub static MAX_PAGE_SIZE: GucSetting<i32> =
    GucSetting::<i32>::new(page_request::DEFAULT_MAX_PAGE_SIZE);

/// A checked request, ready to run.
struct Request {
    facts: TableFacts,
    direction: Direction,
    page_size: i32,
    start: Start,
}

fn request(
    relid: Option<pg_sys::Oid>,
    sort: Option<&str>,
    direction: Option<&str>,
    after: Option<&str>,
    page_size: Option<i32>,
) -> Result<Request, KeysetError> {
    let relid = relid.ok_or(KeysetError::NullArgument("relation"))?;
    // NULL means "the default" for every other argument, as the SQL defaults do.
    let direction = match direction {
        None => Direction::Asc,
        Some(d) => Direction::from_sql(d)?,
    };
    let page_size = page_request::page_size(page_size, MAX_PAGE_SIZE.get())?;
    let sort = sort.map(sort_spec::parse_column).transpose()?;
    let facts = catalog::resolve(relid, sort.as_deref())?;
    let start = page_request::start(
        after,
        KeyColumn { name: &facts.sort.name, wire: facts.sort.wire, not_null: facts.sort.not_null },
        KeyColumn { name: &facts.key.name, wire: facts.key.wire, not_null: true },
        direction,
    )?;
    Ok(Request { facts, direction, page_size, start })
}

impl Request {
    fn shape(&self, output: Output) -> PageShape<'_> {
        PageShape {
            schema: &self.facts.schema,
            relation: &self.facts.relation,
            row_alias: &self.facts.row_alias,
            sort: &self.facts.sort.name,
            key: &self.facts.key.name,
            sort_nullable: !self.facts.sort.not_null,
            direction: self.direction,
            boundary: self.start.boundary(),
            page_size: self.page_size,
            output,
        }
    }

    /// Parameter types and datums, in `$n` order.
    fn params(&self) -> (Vec<pg_sys::Oid>, Vec<pg_sys::Datum>) {
        let params = self.start.params();
        // Same order as Start::params: the sort value (absent when sorting by the key), the key.
        let types: Vec<pg_sys::Oid> = match &self.start {
            Start::First => vec![],
            Start::AfterValue { value: Some(_), .. } => {
                vec![self.facts.sort.base_oid, self.facts.key.base_oid]
            }
            _ => vec![self.facts.key.base_oid],
        };
        // SAFETY: each value was validated for exactly this type by typed_value::parse.
        let datums = params.iter().zip(&types).map(|(t, &oid)| unsafe { to_datum(t, oid) }).collect();
        (types, datums)
    }

    fn run<T>(&self, output: Output, each: impl FnMut(&Row) -> T) -> Vec<T> {
        let (types, datums) = self.params();
        spi_plan::run(true, self.shape(output).sql(), &types, &datums, each)
    }

    /// The cursor after the row whose sort value and key are `k` and `i` (read from `row`).
    unsafe fn next_cursor(&self, row: &Row, k: i32, i: i32) -> Result<String, KeysetError> {
        let value = match row.datum(k) {
            Some(d) => Some(datum_wire_string(d, row.type_oid(k), "value")?),
            None => None,
        };
        let id = match row.datum(i) {
            Some(d) => datum_wire_string(d, row.type_oid(i), "id")?,
            None => return Err(KeysetError::NullArgument("id")),
        };
        cursor::encode(&self.facts.sort.name, self.direction, value.as_deref(), &id)
            .map_err(KeysetError::CannotEncode)
    }

    /// (next_cursor, has_more) from an Envelope/Info row whose has_more, k, i start at `first`.
    unsafe fn envelope(&self, row: &Row, first: i32) -> Result<(Option<String>, bool), KeysetError> {
        let has_more = row.datum(first).is_some_and(|d| bool::from_datum(d, false) == Some(true));
        let next = if has_more { Some(self.next_cursor(row, first + 1, first + 2)?) } else { None };
        Ok((next, has_more))
    }
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

unsafe fn input(s: &str, oid: pg_sys::Oid) -> pg_sys::Datum {
    let mut func = pg_sys::InvalidOid;
    let mut ioparam = pg_sys::InvalidOid;
    pg_sys::getTypeInputInfo(oid, &mut func, &mut ioparam);
    let c = CString::new(s).unwrap_or_default(); // NUL was rejected by typed_value::parse
    pg_sys::OidInputFunctionCall(func, c.as_ptr().cast_mut(), ioparam, -1)
}

/// keyset_page: one page as a jsonb array, its next cursor and whether more rows follow.
/// ROWS 1 is the truth and matters: with the default estimate of 1000 rows, a recursive walk
/// over pages was costed high enough to trigger JIT, which took 100 ms of a 104 ms query.
#[pg_extern(sql = r#"
CREATE FUNCTION keyset_page(
    relation regclass,
    sort text DEFAULT NULL,
    direction text DEFAULT 'asc',
    after text DEFAULT NULL,
    page_size integer DEFAULT NULL
) RETURNS TABLE (rows jsonb, next_cursor text, has_more boolean)
STABLE PARALLEL RESTRICTED SECURITY INVOKER ROWS 1 LANGUAGE c
AS 'MODULE_PATHNAME', '@FUNCTION_NAME@';
"#)]
fn keyset_page(
    relation: Option<pg_sys::Oid>,
    sort: Option<&str>,
    direction: Option<&str>,
    after: Option<&str>,
    page_size: Option<i32>,
) -> Result<
    TableIterator<
        'static,
        (name!(rows, AnyElement), name!(next_cursor, Option<String>), name!(has_more, bool)),
    >,
    ErrorReport,
> {
    let run = || -> Result<_, KeysetError> {
        let req = request(relation, sort, direction, after, page_size)?;
        let rows = req.run(Output::Envelope, |row| unsafe {
            let rows = row.datum(1).map(|d| pg_sys::SPI_datumTransfer(d, false, -1));
            (rows, req.envelope(row, 2))
        });
        let (rows, envelope) = rows.into_iter().next().ok_or(KeysetError::NullArgument("rows"))?;
        let (next_cursor, has_more) = envelope?;
        // SAFETY: a jsonb datum copied out of SPI into this call's memory context.
        let rows = rows.and_then(|d| unsafe { AnyElement::from_polymorphic_datum(d, false, pg_sys::JSONBOID) });
        let rows = rows.ok_or(KeysetError::NullArgument("rows"))?;
        Ok(TableIterator::once((rows, next_cursor, has_more)))
    };
    run().map_err(report)
}

/// keyset_page_info: the next cursor and has_more of a page, from its keys alone.
#[pg_extern(sql = r#"
CREATE FUNCTION keyset_page_info(
    relation regclass,
    sort text DEFAULT NULL,
    direction text DEFAULT 'asc',
    after text DEFAULT NULL,
    page_size integer DEFAULT NULL
) RETURNS TABLE (next_cursor text, has_more boolean)
STABLE PARALLEL RESTRICTED SECURITY INVOKER ROWS 1 LANGUAGE c
AS 'MODULE_PATHNAME', '@FUNCTION_NAME@';
"#)]
fn keyset_page_info(
    relation: Option<pg_sys::Oid>,
    sort: Option<&str>,
    direction: Option<&str>,
    after: Option<&str>,
    page_size: Option<i32>,
) -> Result<TableIterator<'static, (name!(next_cursor, Option<String>), name!(has_more, bool))>, ErrorReport>
{
    let run = || -> Result<_, KeysetError> {
        let req = request(relation, sort, direction, after, page_size)?;
        let rows = req.run(Output::Info, |row| unsafe { req.envelope(row, 1) });
        let envelope = rows.into_iter().next().unwrap_or(Ok((None, false)))?;
        Ok(TableIterator::once(envelope))
    };
    run().map_err(report)
}

/// keyset_rows: the same page as typed rows of the table's own row type.
#[pg_extern(sql = r#"
CREATE FUNCTION keyset_rows(
    row_type anyelement,
    sort text DEFAULT NULL,
    direction text DEFAULT 'asc',
    after text DEFAULT NULL,
    page_size integer DEFAULT NULL
) RETURNS SETOF anyelement
STABLE PARALLEL RESTRICTED SECURITY INVOKER ROWS 20 LANGUAGE c
AS 'MODULE_PATHNAME', '@FUNCTION_NAME@';
"#)]
fn keyset_rows(
    row_type: Option<AnyElement>,
    sort: Option<&str>,
    direction: Option<&str>,
    after: Option<&str>,
    page_size: Option<i32>,
    fcinfo: pg_sys::FunctionCallInfo,
) -> PgResult<SetOfIterator<'static, AnyElement>> {
    let run = || -> Result<_, KeysetError> {
        // SAFETY: fcinfo is this call's; the first argument's type is the requested row type.
        let type_oid = unsafe { pg_sys::get_fn_expr_argtype((*fcinfo).flinfo, 0) };
        let relid = unsafe { pg_sys::get_typ_typrelid(type_oid) };
        let relkind = unsafe { pg_sys::get_rel_relkind(relid) } as u8;
        if relid == pg_sys::InvalidOid || !matches!(relkind, b'r' | b'p') {
            return Err(KeysetError::NotATableRowType { type_name: catalog::type_name(type_oid) });
        }
        let _ = row_type; // only its type matters
        let req = request(Some(relid), sort, direction, after, page_size)?;
        let mut rows = req.run(Output::Rows, |row| unsafe {
            row.datum(1).map(|d| pg_sys::SPI_datumTransfer(d, false, -1))
        });
        rows.truncate(req.page_size as usize);
        let rows: Vec<AnyElement> = rows
            .into_iter()
            .flatten()
            // SAFETY: composite datums of `type_oid`, copied out of SPI into the SRF's context.
            .filter_map(|d| unsafe { AnyElement::from_polymorphic_datum(d, false, type_oid) })
            .collect();
        Ok(SetOfIterator::new(rows))
    };
    run().map_err(report)
}

/// keyset_explain: the SQL keyset_page runs for these arguments, and its EXPLAIN (COSTS OFF)
/// with the cursor's values bound, for checking which index serves a sort. VOLATILE because
/// Postgres refuses EXPLAIN inside a non-volatile function.
#[pg_extern(sql = r#"
CREATE FUNCTION keyset_explain(
    relation regclass,
    sort text DEFAULT NULL,
    direction text DEFAULT 'asc',
    after text DEFAULT NULL,
    page_size integer DEFAULT NULL
) RETURNS TABLE (sql text, plan text)
VOLATILE PARALLEL RESTRICTED SECURITY INVOKER ROWS 1 LANGUAGE c
AS 'MODULE_PATHNAME', '@FUNCTION_NAME@';
"#)]
fn keyset_explain(
    relation: Option<pg_sys::Oid>,
    sort: Option<&str>,
    direction: Option<&str>,
    after: Option<&str>,
    page_size: Option<i32>,
) -> Result<TableIterator<'static, (name!(sql, String), name!(plan, String))>, ErrorReport> {
    let run = || -> Result<_, KeysetError> {
        let req = request(relation, sort, direction, after, page_size)?;
        let sql = req.shape(Output::Envelope).sql();
        let (types, datums) = req.params();
        // EXPLAIN runs through the same plan cache, under its own text.
        let explain = format!("EXPLAIN (COSTS OFF) {sql}");
        let lines = spi_plan::run(false, explain, &types, &datums, |row| unsafe {
            row.datum(1).and_then(|d| String::from_datum(d, false)).unwrap_or_default()
        });
        Ok(TableIterator::once((sql, lines.join("\n"))))
    };
    run().map_err(report)
}
