//! keyset_page, keyset_rows, keyset_page_info and keyset_explain: thin SQL wrappers around the
//! shared request path in `request.rs`. All take the same arguments in the same order; `filter`
//! (the seventh) is read from fcinfo as a raw jsonb datum, see `request::Args`.

use keyset_core::predicate::Output;
use keyset_core::KeysetError;
use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::AnyElement;

use crate::catalog;
use crate::error::{report, PgResult};
use crate::request::{request, Args};
use crate::spi_plan;

/// The filter argument (the seventh, index 6) as a raw datum.
fn filter_arg(fcinfo: pg_sys::FunctionCallInfo) -> Option<pg_sys::Datum> {
    // SAFETY: fcinfo is this call's, and every keyset function declares at least 7 arguments.
    unsafe { pgrx::fcinfo::pg_getarg_datum(fcinfo, 6) }
}

/// keyset_page: one page as a jsonb array, its cursors and whether rows follow or precede it.
/// ROWS 1 is the truth and matters: with the default estimate of 1000 rows, a recursive walk
/// over pages was costed high enough to trigger JIT, which took 100 ms of a 104 ms query.
#[pg_extern(sql = r#"
CREATE FUNCTION keyset_page(
    relation regclass,
    sort text DEFAULT NULL,
    direction text DEFAULT 'asc',
    after text DEFAULT NULL,
    page_size integer DEFAULT NULL,
    before text DEFAULT NULL,
    filter jsonb DEFAULT NULL
) RETURNS TABLE (rows jsonb, next_cursor text, has_more boolean, prev_cursor text, has_previous boolean)
STABLE PARALLEL RESTRICTED SECURITY INVOKER ROWS 1 LANGUAGE c
AS 'MODULE_PATHNAME', '@FUNCTION_NAME@';
"#)]
fn keyset_page(
    relation: Option<pg_sys::Oid>,
    sort: Option<&str>,
    direction: Option<&str>,
    after: Option<&str>,
    page_size: Option<i32>,
    before: Option<&str>,
    fcinfo: pg_sys::FunctionCallInfo,
) -> Result<
    TableIterator<
        'static,
        (
            name!(rows, AnyElement),
            name!(next_cursor, Option<String>),
            name!(has_more, bool),
            name!(prev_cursor, Option<String>),
            name!(has_previous, bool),
        ),
    >,
    ErrorReport,
> {
    let filter = filter_arg(fcinfo);
    let run = || -> Result<_, KeysetError> {
        let req = request(Args { relation, sort, direction, after, page_size, before, filter })?;
        let rows = req.run(Output::Envelope, |row| unsafe {
            let rows = row.datum(1).map(|d| pg_sys::SPI_datumTransfer(d, false, -1));
            (rows, req.envelope(row, 2))
        })?;
        let (rows, envelope) = rows.into_iter().next().ok_or(KeysetError::NullArgument("rows"))?;
        let e = envelope?;
        // SAFETY: a jsonb datum copied out of SPI into this call's memory context.
        let rows = rows.and_then(|d| unsafe { AnyElement::from_polymorphic_datum(d, false, pg_sys::JSONBOID) });
        let rows = rows.ok_or(KeysetError::NullArgument("rows"))?;
        Ok(TableIterator::once((rows, e.next_cursor, e.has_more, e.prev_cursor, e.has_previous)))
    };
    run().map_err(report)
}

/// keyset_page_info: the cursors and flags of a page, from its keys alone.
#[pg_extern(sql = r#"
CREATE FUNCTION keyset_page_info(
    relation regclass,
    sort text DEFAULT NULL,
    direction text DEFAULT 'asc',
    after text DEFAULT NULL,
    page_size integer DEFAULT NULL,
    before text DEFAULT NULL,
    filter jsonb DEFAULT NULL
) RETURNS TABLE (next_cursor text, has_more boolean, prev_cursor text, has_previous boolean)
STABLE PARALLEL RESTRICTED SECURITY INVOKER ROWS 1 LANGUAGE c
AS 'MODULE_PATHNAME', '@FUNCTION_NAME@';
"#)]
fn keyset_page_info(
    relation: Option<pg_sys::Oid>,
    sort: Option<&str>,
    direction: Option<&str>,
    after: Option<&str>,
    page_size: Option<i32>,
    before: Option<&str>,
    fcinfo: pg_sys::FunctionCallInfo,
) -> Result<
    TableIterator<
        'static,
        (
            name!(next_cursor, Option<String>),
            name!(has_more, bool),
            name!(prev_cursor, Option<String>),
            name!(has_previous, bool),
        ),
    >,
    ErrorReport,
> {
    let filter = filter_arg(fcinfo);
    let run = || -> Result<_, KeysetError> {
        let req = request(Args { relation, sort, direction, after, page_size, before, filter })?;
        let rows = req.run(Output::Info, |row| unsafe { req.envelope(row, 1) })?;
        let e = rows.into_iter().next().ok_or(KeysetError::NullArgument("rows"))??;
        Ok(TableIterator::once((e.next_cursor, e.has_more, e.prev_cursor, e.has_previous)))
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
    page_size integer DEFAULT NULL,
    before text DEFAULT NULL,
    filter jsonb DEFAULT NULL
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
    before: Option<&str>,
    fcinfo: pg_sys::FunctionCallInfo,
) -> PgResult<SetOfIterator<'static, AnyElement>> {
    let filter = filter_arg(fcinfo);
    let run = || -> Result<_, KeysetError> {
        // SAFETY: fcinfo is this call's; the first argument's type is the requested row type.
        let type_oid = unsafe { pg_sys::get_fn_expr_argtype((*fcinfo).flinfo, 0) };
        let relid = unsafe { pg_sys::get_typ_typrelid(type_oid) };
        let relkind = unsafe { pg_sys::get_rel_relkind(relid) } as u8;
        if relid == pg_sys::InvalidOid || !matches!(relkind, b'r' | b'p') {
            return Err(KeysetError::NotATableRowType { type_name: catalog::type_name(type_oid) });
        }
        let _ = row_type; // only its type matters
        let req = request(Args { relation: Some(relid), sort, direction, after, page_size, before, filter })?;
        let rows = req.run(Output::Rows, |row| unsafe {
            row.datum(1).map(|d| pg_sys::SPI_datumTransfer(d, false, -1))
        })?;
        let rows: Vec<AnyElement> = req
            .page_of(rows)
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
/// with the cursor's and filter's values bound, for checking which index serves a listing.
/// VOLATILE because Postgres refuses EXPLAIN inside a non-volatile function.
#[pg_extern(sql = r#"
CREATE FUNCTION keyset_explain(
    relation regclass,
    sort text DEFAULT NULL,
    direction text DEFAULT 'asc',
    after text DEFAULT NULL,
    page_size integer DEFAULT NULL,
    before text DEFAULT NULL,
    filter jsonb DEFAULT NULL,
    with_analyze boolean DEFAULT false
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
    before: Option<&str>,
    fcinfo: pg_sys::FunctionCallInfo,
) -> Result<TableIterator<'static, (name!(sql, String), name!(plan, String))>, ErrorReport> {
    let filter = filter_arg(fcinfo);
    // SAFETY: the eighth argument is a boolean.
    let analyze = unsafe { pgrx::fcinfo::pg_getarg_datum(fcinfo, 7) }
        .is_some_and(|d| unsafe { bool::from_datum(d, false) } == Some(true));
    let run = || -> Result<_, KeysetError> {
        let req = request(Args { relation, sort, direction, after, page_size, before, filter })?;
        let sql = req.shape(Output::Envelope).sql();
        let (types, datums) = req.params()?;
        // EXPLAIN runs through the same plan cache, under its own text. ANALYZE shows the rows
        // each scan read and removed (TIMING OFF keeps the text stable).
        let options = if analyze { "ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF" } else { "COSTS OFF" };
        let explain = format!("EXPLAIN ({options}) {sql}");
        let lines = spi_plan::run(false, explain, &types, &datums, |row| unsafe {
            row.datum(1).and_then(|d| String::from_datum(d, false)).unwrap_or_default()
        });
        Ok(TableIterator::once((sql, lines.join("\n"))))
    };
    run().map_err(report)
}
