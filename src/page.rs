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
use crate::sql_value::jsonb_array;

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
        let req = request(Args {
            relation,
            sort,
            direction,
            after,
            page_size,
            before,
            filter,
        })?;
        // SAFETY: jsonb datums (checked by the executor), assembled while SPI holds them; the
        // array is copied out of SPI into this call's memory context.
        let (rows, page) = req.page(Output::Json, |rows| unsafe { Ok(jsonb_array(rows)) })?;
        // SAFETY: a jsonb datum in this call's memory context.
        let rows = unsafe { AnyElement::from_polymorphic_datum(rows, false, pg_sys::JSONBOID) }
            .ok_or(KeysetError::Internal("no rows array"))?;
        Ok(TableIterator::once((
            rows,
            page.next_cursor,
            page.has_more,
            page.prev_cursor,
            page.has_previous,
        )))
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
        let req = request(Args {
            relation,
            sort,
            direction,
            after,
            page_size,
            before,
            filter,
        })?;
        let ((), page) = req.page(Output::Info, |_| Ok(()))?;
        Ok(TableIterator::once((
            page.next_cursor,
            page.has_more,
            page.prev_cursor,
            page.has_previous,
        )))
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
            return Err(KeysetError::NotATableRowType {
                type_name: catalog::type_name(type_oid),
            });
        }
        let _ = row_type; // only its type matters
        let req = request(Args {
            relation: Some(relid),
            sort,
            direction,
            after,
            page_size,
            before,
            filter,
        })?;
        if req.facts.row_type != type_oid {
            return Err(KeysetError::NotATableRowType {
                type_name: catalog::type_name(type_oid),
            });
        }
        // SAFETY: composite datums of the relation's row type (checked by the executor), copied
        // out of SPI into the SRF's memory context.
        let (rows, _) = req.page(Output::Rows, |rows| {
            Ok(rows
                .iter()
                .map(|&d| unsafe { pg_sys::SPI_datumTransfer(d, false, -1) })
                .collect::<Vec<_>>())
        })?;
        let rows: Vec<AnyElement> = rows
            .into_iter()
            // SAFETY: as above.
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
SET max_parallel_workers_per_gather = 0 SET plan_cache_mode = force_generic_plan
SET extra_float_digits = 3
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
        let req = request(Args {
            relation,
            sort,
            direction,
            after,
            page_size,
            before,
            filter,
        })?;
        let query = req.shape(Output::Json).query()?;
        let (types, datums) = req.params(&query)?;
        // The plan keyset_page runs is the generic plan of its kept statement (spi_plan.rs):
        // EXPLAIN shows that one by preparing the query under a name of its own and explaining
        // its EXECUTE, the function's SET plan_cache_mode = force_generic_plan choosing the
        // generic plan. (EXPLAIN of the bare query with the values bound would plan a custom
        // plan with constants, which keyset_page never runs.) EXECUTE's arguments cannot be
        // parameters (Postgres evaluates them without the caller's), so each value is written as
        // a quoted literal of its schema-qualified type, by the type's own output function and
        // quote_literal, in this one-off EXPLAIN only; the page query itself stays bound
        // parameters. ANALYZE shows the rows each scan read and removed (TIMING OFF keeps the
        // text stable). SET max_parallel_workers_per_gather = 0: SPI never plans the page query
        // parallel either; SET extra_float_digits = 3: a float literal reads back exactly.
        let name = explain_statement_name();
        let type_names: Vec<String> = types
            .iter()
            .map(|&t| catalog::qualified_type_name(t))
            .collect();
        let prepare = if types.is_empty() {
            format!("PREPARE {name} AS {}", query.sql)
        } else {
            format!("PREPARE {name}({}) AS {}", type_names.join(", "), query.sql)
        };
        spi_plan::run_once(&prepare, &[], &[], |_| Ok(()))?;
        let options = if analyze {
            "ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF"
        } else {
            "COSTS OFF"
        };
        let args: Vec<String> = types
            .iter()
            .zip(&datums)
            .zip(&type_names)
            // SAFETY: each datum is a valid value of its type (built by request::params).
            .map(|((&t, &d), name)| Ok(format!("{}::{name}", unsafe { quoted_literal(d, t)? })))
            .collect::<Result<_, _>>()?;
        let execute = if args.is_empty() {
            name.clone()
        } else {
            format!("{name}({})", args.join(", "))
        };
        let lines = spi_plan::run_once(
            &format!("EXPLAIN ({options}) EXECUTE {execute}"),
            &[],
            &[],
            |r| {
                if r.columns() != 1 || r.column_type(1) != pg_sys::TEXTOID {
                    return Err(KeysetError::Internal("unexpected EXPLAIN output"));
                }
                // SAFETY: one text column, checked above.
                Ok((0..r.len())
                    .map(|i| unsafe {
                        r.row(i)
                            .datum(1)
                            .and_then(|d| String::from_datum(d, false))
                            .unwrap_or_default()
                    })
                    .collect::<Vec<_>>())
            },
        )?;
        spi_plan::run_once(&format!("DEALLOCATE {name}"), &[], &[], |_| Ok(()))?;
        Ok(TableIterator::once((query.sql, lines.join("\n"))))
    };
    run().map_err(report)
}

/// A prepared-statement name no other keyset_explain call in this backend uses (one left behind
/// by an ERROR between PREPARE and DEALLOCATE cannot collide with the next).
fn explain_statement_name() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(1);
    format!("pg_keyset_explain_{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

/// A value as an SQL string literal: its type's output text, quoted by Postgres' quote_literal.
///
/// # Safety
/// `datum` must be a valid, non-NULL datum of type `oid`.
unsafe fn quoted_literal(datum: pg_sys::Datum, oid: pg_sys::Oid) -> Result<String, KeysetError> {
    let text = crate::sql_value::output_text(datum, oid);
    let c = std::ffi::CString::new(text)
        .map_err(|_| KeysetError::Internal("a value with a NUL byte"))?;
    let quoted = pg_sys::quote_literal_cstr(c.as_ptr());
    Ok(std::ffi::CStr::from_ptr(quoted)
        .to_string_lossy()
        .into_owned())
}
