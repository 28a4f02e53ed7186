//! The pages of keyset_page (a json array of rows), keyset_page_info (cursors and flags alone) and
//! keyset_rows (typed rows), from one checked request (`request.rs`).

use keyset_core::predicate::Output;
use keyset_core::KeysetError;
use pgrx::prelude::*;
use pgrx::AnyElement;

use crate::request::{request, Args};
use crate::sql_value::json_array;
use crate::types::type_name;

/// keyset_page's row: (rows, next_cursor, has_more, prev_cursor, has_previous).
pub fn json_page(
    args: &Args,
) -> Result<(AnyElement, Option<String>, bool, Option<String>, bool), KeysetError> {
    let req = request(args)?;
    // SAFETY: json datums (checked against the result's column type), assembled while SPI holds
    // them into the upper executor context.
    let (rows, page) = req.page(Output::Json, |rows| unsafe { json_array(rows) })?;
    // SAFETY: a json datum outside SPI's memory.
    let rows = unsafe { AnyElement::from_polymorphic_datum(rows, false, pg_sys::JSONOID) }
        .ok_or(KeysetError::Internal("no rows array"))?;
    Ok((
        rows,
        page.next_cursor,
        page.has_more,
        page.prev_cursor,
        page.has_previous,
    ))
}

/// keyset_page_info's row: the cursors and flags of the page, from its keys alone.
pub fn info(args: &Args) -> Result<(Option<String>, bool, Option<String>, bool), KeysetError> {
    let req = request(args)?;
    let ((), page) = req.page(Output::Info, |_| Ok(()))?;
    Ok((
        page.next_cursor,
        page.has_more,
        page.prev_cursor,
        page.has_previous,
    ))
}

/// keyset_rows: the page as rows of the relation's own row type, named by the type of the first
/// argument (`NULL::assets`).
pub fn rows(args: &Args, fcinfo: pg_sys::FunctionCallInfo) -> Result<Vec<AnyElement>, KeysetError> {
    // SAFETY: fcinfo is this call's; the first argument's type is the requested row type.
    let type_oid = unsafe { pg_sys::get_fn_expr_argtype((*fcinfo).flinfo, 0) };
    let not_a_row_type = || KeysetError::NotATableRowType {
        type_name: type_name(type_oid),
    };
    // SAFETY: catalog lookups by oid.
    let relid = unsafe { pg_sys::get_typ_typrelid(type_oid) };
    let relkind = unsafe { pg_sys::get_rel_relkind(relid) } as u8;
    if relid == pg_sys::InvalidOid || !matches!(relkind, b'r' | b'p' | b'v' | b'm') {
        return Err(not_a_row_type());
    }
    let req = request(&Args {
        relation: Some(relid),
        ..args.clone()
    })?;
    if req.resolved.facts.row_type != type_oid {
        return Err(not_a_row_type());
    }
    // SAFETY: composite datums of the relation's row type (checked by the executor), copied out
    // of SPI into the SRF's memory context.
    let (rows, _) = req.page(Output::Rows, |rows| {
        Ok(rows
            .iter()
            .map(|&d| unsafe { pg_sys::SPI_datumTransfer(d, false, -1) })
            .collect::<Vec<_>>())
    })?;
    Ok(rows
        .into_iter()
        // SAFETY: as above.
        .filter_map(|d| unsafe { AnyElement::from_polymorphic_datum(d, false, type_oid) })
        .collect())
}
