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

use keyset_core::KeysetError;
use pgrx::PgLogLevel;

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

// keyset_page, keyset_page_info and keyset_rows return their rows in materialize mode
// (`srf.rs`), which pgrx's #[pg_extern] does not offer: plain V1 C functions, guarded like
// pgrx's own wrappers (an ERROR or a panic inside becomes a Postgres ERROR).

/// Raises a core error as its Postgres ERROR.
fn raise(result: Result<(), KeysetError>) -> pg_sys::Datum {
    if let Err(e) = result {
        report(e).report(PgLogLevel::ERROR);
    }
    pg_sys::Datum::from(0)
}

const V1: pg_sys::Pg_finfo_record = pg_sys::Pg_finfo_record { api_version: 1 };

#[unsafe(no_mangle)]
#[doc(hidden)]
pub extern "C" fn pg_finfo_keyset_page_wrapper() -> &'static pg_sys::Pg_finfo_record {
    &V1
}

#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn keyset_page_wrapper(
    fcinfo: pg_sys::FunctionCallInfo,
) -> pg_sys::Datum {
    raise(Args::read(fcinfo, true).and_then(|a| page::json_page(&a, fcinfo)))
}

#[unsafe(no_mangle)]
#[doc(hidden)]
pub extern "C" fn pg_finfo_keyset_page_info_wrapper() -> &'static pg_sys::Pg_finfo_record {
    &V1
}

#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn keyset_page_info_wrapper(
    fcinfo: pg_sys::FunctionCallInfo,
) -> pg_sys::Datum {
    raise(Args::read(fcinfo, true).and_then(|a| page::info(&a, fcinfo)))
}

#[unsafe(no_mangle)]
#[doc(hidden)]
pub extern "C" fn pg_finfo_keyset_rows_wrapper() -> &'static pg_sys::Pg_finfo_record {
    &V1
}

#[pg_guard]
#[unsafe(no_mangle)]
pub unsafe extern "C-unwind" fn keyset_rows_wrapper(
    fcinfo: pg_sys::FunctionCallInfo,
) -> pg_sys::Datum {
    raise(Args::read(fcinfo, false).and_then(|a| page::rows(&a, fcinfo)))
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
