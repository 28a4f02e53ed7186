//! keyset_explain: the SQL keyset_page runs for these arguments, its plan, and the key.

use keyset_core::predicate::Output;
use keyset_core::KeysetError;
use pgrx::prelude::*;

use crate::request::{request, Args};
use crate::spi_plan;
use crate::types::qualified_type_name;

/// (sql, plan, resolved key, where the key came from). `with_analyze` is the ninth argument.
pub fn explain(
    args: &Args,
    fcinfo: pg_sys::FunctionCallInfo,
) -> Result<(String, String, String, String), KeysetError> {
    // SAFETY: fcinfo is this call's; the ninth argument, when declared, is a boolean.
    let analyze = unsafe { crate::request::arg_datum(fcinfo, 8) }
        .is_some_and(|d| unsafe { bool::from_datum(d, false) } == Some(true));
    let req = request(args)?;
    let query = req.query(Output::Json)?;
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
    drop_leftovers();
    let name = explain_statement_name();
    let type_names: Vec<String> = types.iter().map(|&t| qualified_type_name(t)).collect();
    let prepare = if types.is_empty() {
        format!("PREPARE {name} AS {}", query.sql)
    } else {
        format!("PREPARE {name}({}) AS {}", type_names.join(", "), query.sql)
    };
    let args: Vec<String> = types
        .iter()
        .zip(&datums)
        .zip(&type_names)
        // SAFETY: each datum is a valid value of its type (built by request::params).
        .map(|((&t, &d), name)| Ok(format!("{}::{name}", unsafe { quoted_literal(d, t)? })))
        .collect::<Result<_, _>>()?;
    let mut prepared = Prepared {
        name: name.clone(),
        deallocated: false,
    };
    spi_plan::run_once(&prepare, &[], &[], |_| Ok(()))?;
    if spi_plan::plan_option() == pg_sys::CURSOR_OPT_CUSTOM_PLAN as i32 {
        // Citus plans page queries per call (spi_plan::plan_option): explain that plan. LOCAL
        // ends with this function's own SET at its return.
        spi_plan::run_once(
            "SET LOCAL plan_cache_mode = force_custom_plan",
            &[],
            &[],
            |_| Ok(()),
        )?;
    }
    let options = if analyze {
        "ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF"
    } else {
        "COSTS OFF"
    };
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
    prepared.deallocated = true;
    let key: Vec<String> = req
        .resolved
        .facts
        .key
        .columns
        .iter()
        .map(|c| crate::catalog::quote(c))
        .collect();
    Ok((
        query.sql.clone(),
        lines.join("\n"),
        key.join(", "),
        req.resolved.facts.key.source.to_string(),
    ))
}

thread_local! {
    /// Statements of keyset_explain calls that ended in an error (or returned one) between
    /// PREPARE and DEALLOCATE. Prepared statements outlive the transaction, so each is dropped at
    /// the start of the next keyset_explain call in this backend (by then the failed call's
    /// execution has been unwound and released), keeping at most one batch of them.
    static LEFTOVERS: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// A prepared statement of this call; recorded as a leftover unless deallocated. (No SPI in
/// Drop: it also runs while an ERROR unwinds, when nothing may be executed.)
struct Prepared {
    name: String,
    deallocated: bool,
}

impl Drop for Prepared {
    fn drop(&mut self) {
        if !self.deallocated {
            LEFTOVERS.with(|l| l.borrow_mut().push(std::mem::take(&mut self.name)));
        }
    }
}

/// Drops the statements failed calls left behind (without an error if one is gone already,
/// e.g. after DEALLOCATE ALL).
fn drop_leftovers() {
    let names = LEFTOVERS.with(|l| std::mem::take(&mut *l.borrow_mut()));
    for name in names {
        if let Ok(c) = std::ffi::CString::new(name) {
            // SAFETY: a statement name this backend prepared; showError = false ignores a missing one.
            unsafe { pg_sys::DropPreparedStatement(c.as_ptr(), false) };
        }
    }
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
