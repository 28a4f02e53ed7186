//! keyset_rows' page without SPI's tuple table: the page query's rows go to a receiver that forms
//! each one once, as a tuple of the relation's row type, and the page's rows go from there into
//! the executor's tuplestore.
//!
//! Through SPI's tuple table every row was formed three times: as a tuple of the query's result
//! (SPI copies every row it receives), taken apart again, and formed once more under the row type
//! for the tuplestore. perf put those copies at 13% of keyset_rows' backend time; see
//! BENCHMARKS.md for what this bought. Used for the column form of the page query (the usual one);
//! the whole-row form goes through SPI's tuple table (`page.rs`).
//!
//! Nothing reaches the tuplestore before the page is decided (which rows, and where it ends when
//! a boundary row cannot carry a cursor), so the rows are kept until the query has run, in the
//! SPI connection's memory.

use keyset_core::assembly;
use keyset_core::predicate::{Layout, Output, Payload};
use keyset_core::KeysetError;
use pgrx::pg_guard;
use pgrx::pg_sys;

use crate::request::Request;
use crate::spi_plan;
use crate::srf::Materialized;

/// What the receiver needs and what it collects.
struct Collect<'r> {
    req: &'r Request,
    layout: Layout,
    /// The row type's descriptor (the materialized result's, checked against the relation).
    row_desc: pg_sys::TupleDesc,
    /// Per attribute of the row: the result column (0-based) of a live attribute; None for a
    /// dropped one.
    map: Vec<Option<usize>>,
    /// Result columns (0-based) of keys that may hold a NULL, with their key number.
    nullable_keys: Vec<usize>,
    /// Where the kept rows live: the SPI connection's memory (the executor's own is gone by the
    /// time the page is assembled).
    context: pg_sys::MemoryContext,
    values: Vec<pg_sys::Datum>,
    nulls: Vec<bool>,
    rows: Vec<pg_sys::HeapTuple>,
    /// Set once the result's columns were checked against the layout.
    checked: bool,
    error: Option<KeysetError>,
}

/// A DestReceiver whose state is a `Collect`; `base` first, as Postgres calls it through it.
#[repr(C)]
struct Receiver<'r> {
    base: pg_sys::DestReceiver,
    collect: *mut Collect<'r>,
}

#[pg_guard]
unsafe extern "C-unwind" fn startup(
    receiver: *mut pg_sys::DestReceiver,
    _operation: std::os::raw::c_int,
    desc: pg_sys::TupleDesc,
) {
    let c = &mut *(*receiver.cast::<Receiver>()).collect;
    let columns = (*desc).natts;
    let column_type = |col: i32| {
        if col < 1 || col > columns {
            pg_sys::InvalidOid
        } else {
            (*(*desc).attrs.as_ptr().add(col as usize - 1)).atttypid
        }
    };
    // Before any datum is read as a column of the row: the columns must be the layout's.
    match c
        .req
        .check_columns(columns, &column_type, &c.layout, Output::Rows)
    {
        Ok(()) => c.checked = true,
        Err(e) => c.error = Some(e),
    }
}

#[pg_guard]
unsafe extern "C-unwind" fn receive(
    slot: *mut pg_sys::TupleTableSlot,
    receiver: *mut pg_sys::DestReceiver,
) -> bool {
    let c = &mut *(*receiver.cast::<Receiver>()).collect;
    if !c.checked || c.error.is_some() {
        return false;
    }
    pg_sys::slot_getallattrs(slot);
    let natts = (*slot).tts_nvalid as usize;
    let values = std::slice::from_raw_parts((*slot).tts_values, natts);
    let nulls = std::slice::from_raw_parts((*slot).tts_isnull, natts);
    for &col in &c.nullable_keys {
        if nulls[col] {
            let facts = &c.req.resolved.facts;
            let k = col - (c.layout.first_key as usize - 1);
            c.error = Some(KeysetError::NullInKey {
                relation: facts.relation.clone(),
                kind: facts.kind,
                column: facts.keys[k].column.name.clone(),
            });
            return false;
        }
    }
    for (i, m) in c.map.iter().enumerate() {
        match *m {
            Some(col) => {
                c.values[i] = values[col];
                c.nulls[i] = nulls[col];
            }
            None => {
                c.values[i] = pg_sys::Datum::from(0);
                c.nulls[i] = true;
            }
        }
    }
    let old = pg_sys::MemoryContextSwitchTo(c.context);
    let tuple = pg_sys::heap_form_tuple(c.row_desc, c.values.as_mut_ptr(), c.nulls.as_mut_ptr());
    pg_sys::MemoryContextSwitchTo(old);
    c.rows.push(tuple);
    true
}

#[pg_guard]
unsafe extern "C-unwind" fn shutdown(_receiver: *mut pg_sys::DestReceiver) {}

#[pg_guard]
unsafe extern "C-unwind" fn destroy(_receiver: *mut pg_sys::DestReceiver) {}

impl Request {
    /// keyset_rows' page into `out` (whose descriptor `has_row` checked against the relation),
    /// through the receiver. None when the page query is not in the column form (the caller
    /// takes SPI's path).
    pub fn rows_into(&self, out: &Materialized) -> Result<Option<()>, KeysetError> {
        let query = self.query(Output::Rows)?;
        let layout = query.layout;
        let Some(Payload::Columns(_)) = layout.payload else {
            return Ok(None);
        };
        let (types, datums) = self.params(&query)?;
        let facts = &self.resolved.facts;
        let mut live = 0;
        let map = facts
            .row
            .iter()
            .map(|a| {
                (!a.dropped).then(|| {
                    live += 1;
                    live - 1
                })
            })
            .collect();
        let first_key = layout.first_key as usize - 1;
        let nullable_keys = facts
            .keys
            .iter()
            .enumerate()
            .filter(|(_, k)| k.in_key && !k.column.not_null)
            .map(|(i, _)| first_key + i)
            .collect();
        let natts = facts.row.len();
        let mut collect = Collect {
            req: self,
            layout,
            row_desc: out.desc(),
            map,
            nullable_keys,
            // SAFETY: read before the connection opens; replaced inside it below.
            context: std::ptr::null_mut(),
            values: vec![pg_sys::Datum::from(0); natts],
            nulls: vec![true; natts],
            rows: Vec::with_capacity(self.page_size as usize + 1),
            checked: false,
            error: None,
        };
        let collect_ptr: *mut Collect = &mut collect;
        let mut receiver = Receiver {
            base: pg_sys::DestReceiver {
                receiveSlot: Some(receive),
                rStartup: Some(startup),
                rShutdown: Some(shutdown),
                rDestroy: Some(destroy),
                mydest: pg_sys::CommandDest::DestNone,
            },
            collect: collect_ptr,
        };
        let dest: *mut pg_sys::DestReceiver = (&mut receiver as *mut Receiver).cast();
        spi_plan::run_to(
            query.sql.clone(),
            &types,
            &datums,
            dest,
            // SAFETY: inside the connection: CurrentMemoryContext is SPI's procedure context.
            || unsafe { (*collect_ptr).context = pg_sys::CurrentMemoryContext },
            |_| {
                // SAFETY: the execution is over; nothing else holds the state.
                let c = unsafe { &mut *collect_ptr };
                if let Some(e) = c.error.take() {
                    return Err(e);
                }
                let a =
                    assembly::assemble(c.rows.len(), self.page_size as usize, self.backward, false);
                let row_desc = c.row_desc;
                let key_attrs = &facts.key_attrs;
                let key = |i: usize, k: i32| {
                    let mut is_null = false;
                    // SAFETY: a kept row of the row type; key_attrs are its attributes (0-based).
                    let d = unsafe {
                        pg_sys::SPI_getbinval(
                            c.rows[i],
                            row_desc,
                            key_attrs[k as usize] as i32 + 1,
                            &mut is_null,
                        )
                    };
                    (!is_null).then_some(d)
                };
                // Only the far cursor: it decides where the page ends, as keyset_page's does.
                let (a, _, _) = self.cursors(&key, a, false)?;
                for i in a.rows {
                    // SAFETY: a tuple of the result's row type (checked by has_row).
                    unsafe { out.put_tuple(c.rows[i]) };
                }
                Ok(Some(()))
            },
        )
    }
}
