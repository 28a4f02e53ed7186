//! Every SQL function of pg_keyset, a few lines each: read the arguments, call the Rust that
//! does the work (`codec.rs`, `page.rs`, `explain.rs`), turn a `KeysetError` into a Postgres
//! error. Their SQL declarations (signatures, defaults, volatility, comments) are in
//! `sql/functions.sql`, the one place they are written.
//!
//! The keyset functions read their arguments from fcinfo through [`Args::read`] (`request.rs`),
//! so the eight shared arguments are spelled once in Rust.

use pgrx::pg_sys::panic::ErrorReport;
use pgrx::prelude::*;
use pgrx::AnyElement;

use crate::error::{report, PgResult};
use crate::request::Args;
use crate::{codec, explain, page};

#[pg_extern(sql = false)]
fn cursor_encode(
    sort: Option<&str>,
    direction: Option<&str>,
    value: Option<AnyElement>,
    id: Option<AnyElement>,
) -> PgResult<String> {
    codec::encode(sort, direction, value, id).map_err(report)
}

/// (Spelled `Result<TableIterator<..>, ErrorReport>`: pgrx cannot see through a type alias
/// around a TableIterator.)
#[pg_extern(sql = false)]
fn cursor_decode(
    cursor: &str,
) -> Result<
    TableIterator<
        'static,
        (
            name!(sort, String),
            name!(direction, String),
            name!(value, Option<String>),
            name!(id, String),
            name!(more_values, Option<Vec<Option<String>>>),
            name!(digest, Option<String>),
        ),
    >,
    ErrorReport,
> {
    let row = codec::decode(cursor).map_err(report)?;
    Ok(TableIterator::once(row))
}

#[pg_extern(sql = false)]
fn keyset_page(
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
    let row = Args::read(fcinfo, true)
        .and_then(|a| page::json_page(&a))
        .map_err(report)?;
    Ok(TableIterator::once(row))
}

#[pg_extern(sql = false)]
fn keyset_page_info(
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
    let row = Args::read(fcinfo, true)
        .and_then(|a| page::info(&a))
        .map_err(report)?;
    Ok(TableIterator::once(row))
}

#[pg_extern(sql = false)]
fn keyset_rows(fcinfo: pg_sys::FunctionCallInfo) -> PgResult<SetOfIterator<'static, AnyElement>> {
    let rows = Args::read(fcinfo, false)
        .and_then(|a| page::rows(&a, fcinfo))
        .map_err(report)?;
    Ok(SetOfIterator::new(rows))
}

#[pg_extern(sql = false)]
fn keyset_explain(
    fcinfo: pg_sys::FunctionCallInfo,
) -> Result<
    TableIterator<
        'static,
        (
            name!(sql, String),
            name!(plan, String),
            name!(resolved_key, String),
            name!(key_source, String),
        ),
    >,
    ErrorReport,
> {
    let row = Args::read(fcinfo, true)
        .and_then(|a| explain::explain(&a, fcinfo))
        .map_err(report)?;
    Ok(TableIterator::once(row))
}
