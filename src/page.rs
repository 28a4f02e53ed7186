//! The pages of keyset_page (a json array of rows), keyset_page_info (cursors and flags alone) and
//! keyset_rows (typed rows), from one checked request (`request.rs`).

use std::ops::Range;

use keyset_core::predicate::{Layout, Output, Payload};
use keyset_core::KeysetError;
use pgrx::prelude::*;

use crate::catalog::Facts;
use crate::request::{request, Args};
use crate::row_json::page_json;
use crate::spi_plan::{Deformed, Results};
use crate::srf::Materialized;
use crate::types::type_name;

/// Text as a datum (None: NULL).
fn text(s: Option<String>) -> Option<pg_sys::Datum> {
    s.and_then(IntoDatum::into_datum)
}

/// keyset_page's one row: (rows, next_cursor, has_more, prev_cursor, has_previous).
pub fn json_page(args: &Args, fcinfo: pg_sys::FunctionCallInfo) -> Result<(), KeysetError> {
    let req = request(args)?;
    // SAFETY: a result checked against its layout, read while SPI holds it; the array is
    // allocated in the upper executor context.
    let (rows, page) = req.page(Output::Json, |r, rows, layout| unsafe {
        page_json(r, rows, layout, &req.resolved.facts)
    })?;
    // SAFETY: fcinfo is this call's.
    let out = unsafe { Materialized::start(fcinfo) };
    use pg_sys::{BOOLOID, JSONOID, TEXTOID};
    out.check_types(&[JSONOID, TEXTOID, BOOLOID, TEXTOID, BOOLOID])?;
    // SAFETY: each datum of the type check_types() checked.
    unsafe {
        out.put_values(&[
            Some(rows),
            text(page.next_cursor),
            page.has_more.into_datum(),
            text(page.prev_cursor),
            page.has_previous.into_datum(),
        ])
    };
    Ok(())
}

/// keyset_page_info's one row: the cursors and flags of the page, from its keys alone.
pub fn info(args: &Args, fcinfo: pg_sys::FunctionCallInfo) -> Result<(), KeysetError> {
    let req = request(args)?;
    let ((), page) = req.page(Output::Info, |_, _, _| Ok(()))?;
    // SAFETY: fcinfo is this call's.
    let out = unsafe { Materialized::start(fcinfo) };
    use pg_sys::{BOOLOID, TEXTOID};
    out.check_types(&[TEXTOID, BOOLOID, TEXTOID, BOOLOID])?;
    // SAFETY: each datum of the type check_types() checked.
    unsafe {
        out.put_values(&[
            text(page.next_cursor),
            page.has_more.into_datum(),
            text(page.prev_cursor),
            page.has_previous.into_datum(),
        ])
    };
    Ok(())
}

/// keyset_rows: the page as rows of the relation's own row type, named by the type of the first
/// argument (`NULL::assets`), stored straight from SPI's result into the executor's tuplestore.
pub fn rows(args: &Args, fcinfo: pg_sys::FunctionCallInfo) -> Result<(), KeysetError> {
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
    // SAFETY: fcinfo is this call's.
    let out = unsafe { Materialized::start(fcinfo) };
    let changed = || KeysetError::RowTypeChanged {
        type_name: type_name(type_oid),
    };
    let facts = &req.resolved.facts;
    // The result's row type (fixed when the statement started) must be the relation's as
    // resolved now: a column dropped since would otherwise still be returned from a whole row,
    // to a caller who may not read it (found by an attacker run), and a column added would
    // shift the values.
    if !out.has_row(type_oid, &facts.row) {
        return Err(changed());
    }
    // The usual column form goes through the receiver (rows_page.rs), the whole-row form
    // through SPI's tuple table.
    if req.rows_into(&out)?.is_some() {
        return Ok(());
    }
    req.page(Output::Rows, |r, rows, layout| {
        spi_rows_into(&out, r, rows, layout, facts, changed)
    })?;
    Ok(())
}

/// Stores the page's rows from SPI's tuple table, of the relation's row type as `out.has_row`
/// checked.
fn spi_rows_into(
    out: &Materialized,
    r: &Results,
    rows: Range<usize>,
    layout: &Layout,
    facts: &Facts,
    changed: impl Fn() -> KeysetError,
) -> Result<(), KeysetError> {
    let type_oid = facts.row_type;
    match layout.payload {
        Some(Payload::Columns(n)) => {
            let mut live = vec![None; n as usize];
            let mut row = vec![None; facts.row.len()];
            let mut scratch = Deformed::default();
            for i in rows {
                // SAFETY: columns checked against the relation's by check_layout, stored under
                // the descriptor has_row compared with the relation's attributes.
                unsafe {
                    r.row(i).leading(&mut live, &mut scratch);
                    let mut values = live.iter();
                    for (slot, a) in row.iter_mut().zip(&facts.row) {
                        *slot = if a.dropped {
                            None
                        } else {
                            values.next().copied().flatten()
                        };
                    }
                    out.put_values(&row);
                }
            }
            Ok(())
        }
        // SAFETY: composite datums of the relation's row type (checked against the result's
        // column type), copied into the tuplestore while SPI holds them.
        _ => {
            for i in rows {
                let d = unsafe { r.row(i).datum(1) }.ok_or(KeysetError::Internal("a NULL row"))?;
                if !unsafe { out.put_row(d, type_oid) } {
                    return Err(changed());
                }
            }
            Ok(())
        }
    }
}
