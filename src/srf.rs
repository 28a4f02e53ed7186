//! Set-returning results in Postgres' materialize mode: the rows go straight into the tuplestore
//! the executor reads, under the descriptor it expects.
//!
//! keyset_page, keyset_page_info and keyset_rows are called once per page, on the hot path.
//! pgrx's value-per-call protocol creates a memory context per call, rebuilds the result
//! descriptor from pg_proc on every call (`get_call_result_type`: 2.1% of keyset_page's backend
//! time) and, for keyset_rows, re-enters the function once per row; here the function runs
//! once and hands the executor a filled tuplestore, as Postgres' own SRFs do
//! (`InitMaterializedSRF`).

use keyset_core::KeysetError;
use pgrx::pg_sys;

use crate::row_json::RowAttr;

/// A materialize-mode result being filled.
pub struct Materialized {
    store: *mut pg_sys::Tuplestorestate,
    desc: pg_sys::TupleDesc,
}

impl Materialized {
    /// Sets up the call's result (the executor's expected descriptor when it gives one, else the
    /// function's declared result type). Postgres raises 0A000 itself if the caller cannot
    /// accept a set.
    ///
    /// # Safety
    /// `fcinfo` must be the current call's.
    pub unsafe fn start(fcinfo: pg_sys::FunctionCallInfo) -> Materialized {
        let rsinfo = (*fcinfo).resultinfo.cast::<pg_sys::ReturnSetInfo>();
        let expected = !rsinfo.is_null()
            && (*rsinfo).type_ == pg_sys::NodeTag::T_ReturnSetInfo
            && !(*rsinfo).expectedDesc.is_null();
        let flags = if expected {
            pg_sys::MAT_SRF_USE_EXPECTED_DESC
        } else {
            0
        };
        pg_sys::InitMaterializedSRF(fcinfo, flags);
        Materialized {
            store: (*rsinfo).setResult,
            desc: (*rsinfo).setDesc,
        }
    }

    /// Refuses a result descriptor that is not `types`, column for column, before any datum is
    /// stored under it.
    pub fn check_types(&self, types: &[pg_sys::Oid]) -> Result<(), KeysetError> {
        // SAFETY: the descriptor InitMaterializedSRF installed.
        let ok = unsafe {
            (*self.desc).natts as usize == types.len()
                && types
                    .iter()
                    .enumerate()
                    .all(|(i, &t)| (*(*self.desc).attrs.as_ptr().add(i)).atttypid == t)
        };
        ok.then_some(())
            .ok_or(KeysetError::Internal("unexpected result descriptor"))
    }

    /// Stores one row of `values` (None: NULL), of the types `check_types` checked.
    ///
    /// # Safety
    /// Each datum must be of its column's type.
    pub unsafe fn put_values(&self, values: &[Option<pg_sys::Datum>]) {
        let mut datums: Vec<pg_sys::Datum> = values
            .iter()
            .map(|v| v.unwrap_or(pg_sys::Datum::from(0)))
            .collect();
        let mut nulls: Vec<bool> = values.iter().map(Option::is_none).collect();
        pg_sys::tuplestore_putvalues(
            self.store,
            self.desc,
            datums.as_mut_ptr(),
            nulls.as_mut_ptr(),
        );
    }

    /// Whether the result's rows are of row type `type_oid` with exactly the attributes `row`
    /// (dropped ones included), so that values in `row`'s order can be stored under it.
    pub fn has_row(&self, type_oid: pg_sys::Oid, row: &[RowAttr]) -> bool {
        // SAFETY: the descriptor InitMaterializedSRF installed.
        unsafe {
            (*self.desc).tdtypeid == type_oid
                && (*self.desc).natts as usize == row.len()
                && row.iter().enumerate().all(|(i, a)| {
                    let att = &*(*self.desc).attrs.as_ptr().add(i);
                    att.attisdropped == a.dropped && (a.dropped || att.atttypid == a.type_oid)
                })
        }
    }

    /// The descriptor rows are stored under.
    pub fn desc(&self) -> pg_sys::TupleDesc {
        self.desc
    }

    /// Stores one tuple (copied).
    ///
    /// # Safety
    /// `tuple` must be a valid tuple of the result's descriptor.
    pub unsafe fn put_tuple(&self, tuple: pg_sys::HeapTuple) {
        pg_sys::tuplestore_puttuple(self.store, tuple);
    }

    /// Stores a composite datum of row type `type_oid` as one row (copied: it may live in SPI's
    /// memory). False, storing nothing, when the result is not that row type as it is now (a
    /// column added or dropped since the statement started).
    ///
    /// # Safety
    /// `row` must be a non-NULL composite datum of `type_oid`.
    pub unsafe fn put_row(&self, row: pg_sys::Datum, type_oid: pg_sys::Oid) -> bool {
        let header =
            pg_sys::pg_detoast_datum(row.cast_mut_ptr()).cast::<pg_sys::HeapTupleHeaderData>();
        let natts = ((*header).t_infomask2 & pg_sys::HEAP_NATTS_MASK as u16) as i32;
        if (*self.desc).tdtypeid != type_oid || natts > (*self.desc).natts {
            return false;
        }
        let mut tuple = pg_sys::HeapTupleData {
            t_len: pgrx::varsize(header.cast()) as u32,
            t_self: pg_sys::ItemPointerData::default(),
            t_tableOid: pg_sys::InvalidOid,
            t_data: header,
        };
        pg_sys::tuplestore_puttuple(self.store, &mut tuple);
        true
    }
}
