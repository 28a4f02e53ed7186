//! One keyset request, shared by keyset_page, keyset_rows, keyset_page_info and keyset_explain:
//! arguments → table facts → filter values → cursor check → index advice → page query → one
//! SPI execution → the page (rows, cursors, flags).

use std::ops::Range;
use std::rc::Rc;

use keyset_core::assembly;
use keyset_core::filter::{self, Condition};
use keyset_core::page_request::{self, Digests, KeyColumn, Listing, Start};
use keyset_core::predicate::{self, Key, Output, PageQuery, PageShape, Param, Payload};
use keyset_core::sort_spec::{self, SortKey};
use keyset_core::{Direction, KeysetError};
use pgrx::prelude::*;
use pgrx::GucSetting;

use crate::bound_values::{filter_values, settings_dependent_values, to_datum};
use crate::catalog::{self, Facts};
use crate::index_advice;
use crate::row_json::JsonKind;
use crate::scale_out;
use crate::shape_cache::{self, QueryKey, Resolved, ShapeKey};
use crate::spi_plan::{self, Results};
use crate::sql_value::{datum_wire_string_of_base, output_text};

/// `pg_keyset.max_page_size`: the largest page_size a caller may ask for. SUSET: only an
/// administrator raises it (per role or database), never the caller.
pub static MAX_PAGE_SIZE: GucSetting<i32> =
    GucSetting::<i32>::new(page_request::DEFAULT_MAX_PAGE_SIZE);

/// The hard ceiling of `pg_keyset.max_page_size`: a page is aggregated in one backend's memory.
pub const PAGE_SIZE_CEILING: i32 = 10_000;

/// The SQL arguments common to every keyset function, in their declared order (NULL = the
/// argument's default): relation (keyset_rows: NULL, its row type names the relation), sort,
/// direction, after, page_size, before, filter, key.
#[derive(Clone)]
pub struct Args {
    pub relation: Option<pg_sys::Oid>,
    pub sort: Option<String>,
    pub direction: Option<String>,
    pub after: Option<String>,
    pub page_size: Option<i32>,
    pub before: Option<String>,
    /// The filter jsonb datum (read through jsonb's output function, so numbers keep all digits).
    pub filter: Option<pg_sys::Datum>,
    /// The key's columns (`'tenant_id, id'`); NULL = the relation's own key.
    pub key: Option<String>,
}

/// Argument `n` of this call as a datum, None when NULL or not declared (a function declared
/// by an older version of the SQL script has fewer arguments; reading past them is refused).
///
/// # Safety
/// `fcinfo` must be the current call's.
pub unsafe fn arg_datum(fcinfo: pg_sys::FunctionCallInfo, n: usize) -> Option<pg_sys::Datum> {
    if n >= (*fcinfo).nargs as usize {
        return None;
    }
    pgrx::fcinfo::pg_getarg_datum(fcinfo, n)
}

/// A text argument, detoasted and copied.
unsafe fn arg_text(fcinfo: pg_sys::FunctionCallInfo, n: usize) -> Option<String> {
    arg_datum(fcinfo, n).and_then(|d| String::from_datum(d, false))
}

impl Args {
    /// The eight shared arguments of a keyset function (`sql/functions.sql`). The first is the
    /// relation (regclass), except for keyset_rows (`relation_first` false), whose first argument
    /// is a row value whose type names the relation.
    pub fn read(
        fcinfo: pg_sys::FunctionCallInfo,
        relation_first: bool,
    ) -> Result<Args, KeysetError> {
        // SAFETY: fcinfo is this call's; each argument is read as the type it is declared with
        // (declaration::check: not an older version's declaration).
        unsafe {
            crate::declaration::check(fcinfo)?;
            Ok(Args {
                relation: if relation_first {
                    arg_datum(fcinfo, 0).and_then(|d| pg_sys::Oid::from_datum(d, false))
                } else {
                    None
                },
                sort: arg_text(fcinfo, 1),
                direction: arg_text(fcinfo, 2),
                after: arg_text(fcinfo, 3),
                page_size: arg_datum(fcinfo, 4).and_then(|d| i32::from_datum(d, false)),
                before: arg_text(fcinfo, 5),
                filter: arg_datum(fcinfo, 6),
                key: arg_text(fcinfo, 7),
            })
        }
    }
}

/// A checked request, ready to run.
pub struct Request {
    /// The listing's shape, resolved (kept per backend, see `shape_cache`).
    pub resolved: Rc<Resolved>,
    /// Each filter condition's bound value (type, datum), None for IS [NOT] NULL.
    filter_values: Vec<Option<(pg_sys::Oid, pg_sys::Datum)>>,
    /// The digest cursors of this listing must carry (None: the single-column form).
    digest: Option<String>,
    /// The listing's own digest (carried by oversized single-column cursors too).
    listing_digest: String,
    pub backward: bool,
    pub page_size: i32,
    pub start: Start,
}

/// A page's cursors and flags.
pub struct Page {
    pub next_cursor: Option<String>,
    pub has_more: bool,
    pub prev_cursor: Option<String>,
    pub has_previous: bool,
}

fn given(cursor: Option<&String>) -> Option<&str> {
    cursor.map(String::as_str).filter(|c| !c.is_empty())
}

/// pg_keyset handles text as UTF-8 (cursors are JSON, names and values are Rust strings);
/// CREATE EXTENSION refuses other databases, and this guards databases copied from a template.
fn require_utf8() -> Result<(), KeysetError> {
    // SAFETY: plain reads of the database encoding.
    unsafe {
        if pg_sys::GetDatabaseEncoding() == pg_sys::pg_enc::PG_UTF8 as i32 {
            return Ok(());
        }
        let name = std::ffi::CStr::from_ptr(pg_sys::GetDatabaseEncodingName())
            .to_string_lossy()
            .into_owned();
        Err(KeysetError::NotUtf8Database { encoding: name })
    }
}

pub fn request(args: &Args) -> Result<Request, KeysetError> {
    require_utf8()?;
    let relid = args.relation.ok_or(KeysetError::NullArgument("relation"))?;
    let page_size =
        page_request::page_size(args.page_size, MAX_PAGE_SIZE.get().min(PAGE_SIZE_CEILING))?;
    let (cursor, backward) = match (given(args.after.as_ref()), given(args.before.as_ref())) {
        (Some(_), Some(_)) => return Err(KeysetError::BothCursors),
        (None, Some(before)) => (Some(before), true),
        (after, None) => (after, false),
    };
    let key = ShapeKey {
        relid: relid.to_u32(),
        // SAFETY: reads the current user id.
        user: unsafe { pg_sys::GetUserId() }.to_u32(),
        sort: args.sort.clone(),
        direction: args.direction.clone(),
        key: args.key.clone(),
        // SAFETY: a non-NULL jsonb argument datum.
        filter: args.filter.map(|d| unsafe { varlena_bytes(d) }),
    };
    // The lock first (see shape_cache): an entry found after it is current.
    shape_cache::lock(relid);
    let cached = shape_cache::lookup(&key).filter(|r| {
        // A simple view's page also depends on the views it stacks on and its base table (NOT
        // NULL flags, indexes): locked too, so a change to any of them committed meanwhile is
        // seen here, as resolving would have seen it.
        for &dep in &r.facts.depends_on {
            shape_cache::lock(dep);
        }
        r.is_current()
    });
    let resolved = match cached {
        Some(r) => {
            // The advice NOTICE is once per backend (given when the shape was resolved); with
            // pg_keyset.require_index on, an unserved listing is an error on every call.
            if index_advice::REQUIRE_INDEX.get() {
                index_advice::check(&r.facts, &r.filter)?;
            }
            r
        }
        None => {
            let generation = shape_cache::generation();
            let r = Rc::new(resolve(relid, args, generation)?);
            shape_cache::insert(key, r.clone());
            r
        }
    };
    let filter_values = filter_values(&resolved.filter, &resolved.facts)?;
    let (listing_digest, digest) = match &resolved.digests {
        Some(d) => d.clone(),
        None => {
            let settings = settings_dependent_values(&resolved.facts, &filter_values);
            digests(
                &resolved.facts,
                &resolved.sort_keys,
                &resolved.filter,
                &settings,
            )
        }
    };
    let columns: Vec<KeyColumn> = resolved
        .facts
        .keys
        .iter()
        .map(|k| KeyColumn {
            name: &k.column.name,
            wire: k.column.wire,
            not_null: k.column.not_null,
            in_key: k.in_key,
        })
        .collect();
    let digests = Digests {
        required: digest.as_deref(),
        listing: &listing_digest,
    };
    let start = page_request::start(cursor, &resolved.sort_keys, &columns, digests)?;
    Ok(Request {
        resolved,
        filter_values,
        digest,
        listing_digest,
        backward,
        page_size,
        start,
    })
}

/// (the listing's digest, the digest its cursors must carry: None for the single-column form).
fn digests(
    facts: &Facts,
    sort_keys: &[SortKey],
    filter: &[Condition],
    settings: &str,
) -> (String, Option<String>) {
    let listing = Listing {
        schema: &facts.schema,
        relation: &facts.relation,
        keys: sort_keys,
        key: &facts.key.columns,
        filter,
        settings,
    };
    let listing_digest = listing.digest();
    let digest = (!listing.is_single_column_form()).then(|| listing_digest.clone());
    (listing_digest, digest)
}

/// The bytes of a varlena datum (detoasted), copied.
unsafe fn varlena_bytes(d: pg_sys::Datum) -> Vec<u8> {
    let v = pg_sys::pg_detoast_datum_packed(d.cast_mut_ptr());
    let n = pgrx::varsize_any_exhdr(v);
    std::slice::from_raw_parts(pgrx::vardata_any(v).cast::<u8>(), n).to_vec()
}

/// The slow path, once per shape: parse the sort, filter and key, resolve them against the
/// relation (privilege first), compute the digests and give the index advice.
fn resolve(relid: pg_sys::Oid, args: &Args, generation: u64) -> Result<Resolved, KeysetError> {
    let direction = match args.direction.as_deref() {
        None => Direction::Asc,
        Some(d) => Direction::from_sql(d)?,
    };
    let items = args.sort.as_deref().map(sort_spec::parse).transpose()?;
    // SAFETY: a non-NULL jsonb argument datum.
    let filter_text = args
        .filter
        .map(|d| unsafe { output_text(d, pg_sys::JSONBOID) });
    let filter = filter_text
        .as_deref()
        .map(filter::parse)
        .transpose()?
        .unwrap_or_default();
    let key = args.key.as_deref().map(sort_spec::parse_key).transpose()?;
    let facts = catalog::resolve(
        relid,
        &catalog::Listing {
            sort: items.as_deref(),
            direction,
            key: key.as_deref(),
            filter: &filter,
        },
    )?;
    let sort_keys = facts.sort_keys();
    // Digests are kept with the shape unless a filter value reads differently under other
    // session settings (a timestamptz under another TimeZone).
    let settings_free = facts.filter.iter().all(|f| !f.settings_dependent);
    let digests = settings_free.then(|| digests(&facts, &sort_keys, &filter, ""));
    // Advice only for a listing that resolved: a forged cursor learns nothing of indexes.
    index_advice::check(&facts, &filter)?;
    Ok(Resolved::new(facts, sort_keys, filter, digests, generation))
}

impl Request {
    pub fn shape(&self, output: Output, exact_probe: bool) -> PageShape<'_> {
        PageShape {
            schema: &self.resolved.facts.schema,
            relation: &self.resolved.facts.relation,
            only: self.resolved.facts.only(),
            prune: self.resolved.facts.partitioned,
            row_alias: &self.resolved.facts.row_alias,
            keys: self
                .resolved
                .facts
                .keys
                .iter()
                .map(|k| Key {
                    sort: &k.sort,
                    nullable: !k.column.not_null,
                })
                .collect(),
            cursor_nulls: self.cursor_nulls(),
            backward: self.backward,
            filter: &self.resolved.filter,
            page_size: self.page_size,
            output,
            exact_probe,
            columns: self.resolved.facts.row_columns(),
        }
    }

    /// None for a first page; else which of the cursor's values are NULL (part of the shape).
    fn cursor_nulls(&self) -> Option<Vec<bool>> {
        self.start
            .as_ref()
            .map(|v| v.iter().map(Option::is_none).collect())
    }

    /// The page query for this request's shape, built once per backend (see `shape_cache`).
    pub fn query(&self, output: Output) -> Result<Rc<PageQuery>, KeysetError> {
        let exact_probe = scale_out::exact_probe(&self.resolved.facts, &self.resolved.filter);
        let key = QueryKey {
            cursor_nulls: self.cursor_nulls(),
            backward: self.backward,
            output,
            page_size: self.page_size,
            exact_probe,
        };
        self.resolved
            .query(key, || self.shape(output, exact_probe).query())
    }

    /// Parameter types and datums in the query's `$n` order.
    pub fn params(
        &self,
        query: &PageQuery,
    ) -> Result<(Vec<pg_sys::Oid>, Vec<pg_sys::Datum>), KeysetError> {
        let mut types = Vec::with_capacity(query.params.len());
        let mut datums = Vec::with_capacity(query.params.len());
        for p in &query.params {
            let (oid, datum) = match *p {
                Param::Cursor(i) => {
                    let value = self
                        .start
                        .as_ref()
                        .and_then(|s| s.get(i))
                        .and_then(Option::as_ref);
                    let col = self.resolved.facts.keys.get(i).map(|k| &k.column);
                    match (value, col) {
                        // SAFETY: validated for exactly this type by typed_value::parse.
                        (Some(v), Some(col)) => {
                            (col.base_oid, unsafe { to_datum(v, col.base_oid)? })
                        }
                        _ => {
                            return Err(KeysetError::Internal("a cursor parameter without a value"))
                        }
                    }
                }
                Param::Filter(i) => match self.filter_values.get(i) {
                    Some(Some(v)) => *v,
                    _ => return Err(KeysetError::Internal("a filter parameter without a value")),
                },
            };
            types.push(oid);
            datums.push(datum);
        }
        Ok((types, datums))
    }

    /// Runs the page query and assembles the page. `payload` turns the page's rows (fetched
    /// rows `rows` of the result, laid out as `layout` says) into what the caller returns, while
    /// SPI still holds them.
    pub fn page<T>(
        &self,
        output: Output,
        payload: impl FnOnce(&Results, Range<usize>, &predicate::Layout) -> Result<T, KeysetError>,
    ) -> Result<(T, Page), KeysetError> {
        let query = self.query(output)?;
        let (types, datums) = self.params(&query)?;
        let layout = query.layout;
        let (result, mut page, empty) =
            spi_plan::run(true, query.sql.clone(), &types, &datums, |r| {
                self.check_layout(r, &layout, output)?;
                self.check_keys(r, &layout)?;
                let probe = r.len() > 0 && {
                    // SAFETY: a boolean column, checked by check_layout.
                    unsafe { r.row(0).datum(layout.probe) }.is_some_and(|d| d.value() != 0)
                };
                let a = assembly::assemble(r.len(), self.page_size as usize, self.backward, probe);
                // keyset_rows returns no cursor: only the far one is tried, for where the page
                // ends (the same rows as keyset_page's).
                let near = output != Output::Rows;
                // SAFETY: key columns whose types check_layout compared with the columns'.
                let key = |i: usize, k: i32| unsafe { r.row(i).datum(layout.first_key + k) };
                let (a, next_cursor, prev_cursor) = self.cursors(&key, a, near)?;
                let result = payload(r, a.rows.clone(), &layout)?;
                let page = Page {
                    next_cursor,
                    has_more: a.has_more,
                    prev_cursor,
                    has_previous: a.has_previous,
                };
                Ok((result, page, r.len() == 0))
            })?;
        if empty && output != Output::Rows {
            // No row carried the probe: ask it alone (an empty page is rare: the end of a
            // listing after deletes, or an empty table or filter).
            let probe = spi_plan::run(true, query.probe_sql.clone(), &types, &datums, |r| {
                if r.len() != 1 || r.column_type(1) != pg_sys::BOOLOID {
                    return Err(KeysetError::Internal("unexpected probe result"));
                }
                // SAFETY: one boolean column, checked above.
                Ok(unsafe { r.row(0).datum(1) }.is_some_and(|d| d.value() != 0))
            })?;
            if self.backward {
                page.has_more = probe;
            } else {
                page.has_previous = probe;
            }
        }
        Ok((result, page))
    }

    /// The page's cursors, minted from its boundary rows. The far cursor (towards the fetch
    /// direction): a row whose values cannot travel in any cursor (a timestamp past 9999, a sort
    /// value over 64 KiB escaped) ends the page earlier, at the last row that can carry one, so
    /// the listing goes on past it; only a page of such rows alone cannot end (22023). The near
    /// cursor (back where the page came from): if it cannot be encoded it is NULL, while its
    /// flag still says rows lie there.
    /// `key(i, k)`: fetched row i's value of key k (None: NULL), of the key column's type.
    pub fn cursors(
        &self,
        key: &dyn Fn(usize, i32) -> Option<pg_sys::Datum>,
        mut a: assembly::Assembly,
        near: bool,
    ) -> Result<(assembly::Assembly, Option<String>, Option<String>), KeysetError> {
        let mint = |row: Option<usize>| row.map(|i| self.cursor_of(key, i)).transpose();
        let mut far = mint(a.far_cursor_row(self.backward));
        while matches!(far, Err(KeysetError::CannotEncode(_))) {
            let Some(shorter) = a.shrink_far(self.backward) else {
                break;
            };
            a = shorter;
            far = mint(a.far_cursor_row(self.backward));
        }
        let far = far?.flatten();
        let near_row = a.near_cursor_row(self.backward).filter(|_| near);
        let near = match mint(near_row) {
            Err(KeysetError::CannotEncode(_)) => None,
            other => other?.flatten(),
        };
        let (next, prev) = if self.backward {
            (near, far)
        } else {
            (far, near)
        };
        Ok((a, next, prev))
    }

    /// Refuses a result whose columns are not the layout the query was built with, before
    /// any datum is read as a row or as json.
    fn check_layout(
        &self,
        r: &Results,
        layout: &predicate::Layout,
        output: Output,
    ) -> Result<(), KeysetError> {
        self.check_columns(r.columns(), &|c| r.column_type(c), layout, output)
    }

    /// As check_layout, for a result of `columns` columns whose column c (1-based) has type
    /// `column_type(c)`.
    pub fn check_columns(
        &self,
        columns: i32,
        column_type: &dyn Fn(i32) -> pg_sys::Oid,
        layout: &predicate::Layout,
        output: Output,
    ) -> Result<(), KeysetError> {
        let mismatch = KeysetError::Internal("the page query returned columns of unexpected types");
        if columns != layout.probe {
            return Err(mismatch);
        }
        let facts = &self.resolved.facts;
        match layout.payload {
            None => {}
            Some(Payload::Whole) => {
                let expected = match output {
                    Output::Json => pg_sys::JSONOID,
                    _ => facts.row_type,
                };
                if column_type(1) != expected {
                    return Err(mismatch);
                }
            }
            Some(Payload::Columns(n)) => {
                let live = facts.row.iter().filter(|a| !a.dropped);
                if live.clone().count() != n as usize {
                    return Err(mismatch);
                }
                for (i, a) in live.enumerate() {
                    let expected = match (output, a.json) {
                        (Output::Json, JsonKind::ToJson) => pg_sys::JSONOID,
                        _ => a.type_oid,
                    };
                    if column_type(i as i32 + 1) != expected {
                        return Err(mismatch);
                    }
                }
            }
        }
        for (i, k) in self.resolved.facts.keys.iter().enumerate() {
            let found = column_type(layout.first_key + i as i32);
            // The column's own type (the usual case) needs no catalog lookup; a domain's base.
            // SAFETY: a catalog lookup by oid.
            if found != k.column.type_oid
                && unsafe { pg_sys::getBaseType(found) } != k.column.base_oid
            {
                return Err(mismatch);
            }
        }
        if column_type(layout.probe) != pg_sys::BOOLOID {
            return Err(mismatch);
        }
        Ok(())
    }

    /// A NULL in a key column that may hold one (a materialized view's or a view's): an error
    /// naming the column, for every fetched row, never a row silently skipped or repeated.
    fn check_keys(&self, r: &Results, layout: &predicate::Layout) -> Result<(), KeysetError> {
        for (k, key) in self.resolved.facts.keys.iter().enumerate() {
            if !key.in_key || key.column.not_null {
                continue;
            }
            for i in 0..r.len() {
                // SAFETY: reading a column's null flag only.
                if unsafe { r.row(i).datum(layout.first_key + k as i32) }.is_none() {
                    return Err(KeysetError::NullInKey {
                        relation: self.resolved.facts.relation.clone(),
                        kind: self.resolved.facts.kind,
                        column: key.column.name.clone(),
                    });
                }
            }
        }
        Ok(())
    }

    /// The cursor of fetched row `i`; None when its last key is NULL (checked not to happen).
    fn cursor_of(
        &self,
        key: &dyn Fn(usize, i32) -> Option<pg_sys::Datum>,
        i: usize,
    ) -> Result<Option<String>, KeysetError> {
        let keys = &self.resolved.facts.keys;
        let mut values = Vec::with_capacity(keys.len());
        for (k, key_column) in keys.iter().enumerate() {
            let column = &key_column.column;
            // SAFETY: a datum of the key column's type (the caller's promise).
            values.push(match key(i, k as i32) {
                Some(d) => Some(unsafe {
                    datum_wire_string_of_base(d, column.type_oid, column.base_oid, "value")?
                }),
                None => None,
            });
        }
        if values.last().is_none_or(Option::is_none) {
            return Ok(None);
        }
        let digests = Digests {
            required: self.digest.as_deref(),
            listing: &self.listing_digest,
        };
        page_request::mint(&self.resolved.sort_keys, values, digests).map(Some)
    }
}
