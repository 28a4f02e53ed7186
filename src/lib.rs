//! pg_keyset: keyset (cursor) pagination inside PostgreSQL.
//!
//! This crate is the thin SQL layer. The logic worth testing without a server (the cursor codec,
//! error kinds, value formats) lives in the Postgres-free `keyset_core` crate (`core/`).

// pgrx raises errors from `Result<_, ErrorReport>` (a large type), and its SQL generator needs
// table return types spelled out in full (it cannot see through aliases).
#![allow(clippy::result_large_err, clippy::type_complexity)]

use pgrx::prelude::*;

::pgrx::pg_module_magic!(name, version);

mod api;
mod bound_values;
mod catalog;
mod codec;
mod declaration;
mod error;
mod explain;
mod index_advice;
mod key;
mod page;
mod request;
mod row_json;
mod rows_page;
mod scale_out;
mod shape_cache;
mod spi_plan;
mod sql_value;
mod srf;
mod types;
mod view_key;

#[pg_guard]
pub extern "C-unwind" fn _PG_init() {
    // With RUST_BACKTRACE set in the server's environment, pgrx appends a Rust backtrace to the
    // DETAIL of every Postgres error raised inside SPI: build paths shown to any client, and with
    // nested calls (a policy calling keyset_page) one backtrace per level, 27 MB of DETAIL at the
    // stack depth limit. Capturing is off in this backend unless RUST_LIB_BACKTRACE says
    // otherwise explicitly. (Backends are single-threaded; nothing has captured yet.)
    if std::env::var_os("RUST_LIB_BACKTRACE").is_none() {
        std::env::set_var("RUST_LIB_BACKTRACE", "0");
    }
    // The three limits are SUSET: an administrator sets them per role or database (ALTER
    // ROLE/DATABASE ... SET); a caller cannot raise a limit meant for them. (has_previous, below,
    // is USERSET.)
    pgrx::GucRegistry::define_int_guc(
        c"pg_keyset.max_page_size",
        c"Largest page_size keyset_page, keyset_rows and keyset_page_info accept.",
        c"A larger page_size is an error (22023), never silently clamped. At most 10000.",
        &request::MAX_PAGE_SIZE,
        1,
        request::PAGE_SIZE_CEILING,
        pgrx::GucContext::Suset,
        pgrx::GucFlags::default(),
    );
    pgrx::GucRegistry::define_int_guc(
        c"pg_keyset.plan_cache_kb",
        c"Plan memory each backend keeps for later keyset calls, in kB.",
        c"Least recently used plans beyond it are freed once no call is running them.",
        &spi_plan::PLAN_CACHE_KB,
        0,
        1024 * 1024,
        pgrx::GucContext::Suset,
        pgrx::GucFlags::UNIT_KB,
    );
    pgrx::GucRegistry::define_bool_guc(
        c"pg_keyset.require_index",
        c"Refuse keyset listings that no index serves.",
        c"Off: such a listing gets a NOTICE with the index to create; on: it is an ERROR (0A000) with that advice as HINT.",
        &index_advice::REQUIRE_INDEX,
        pgrx::GucContext::Suset,
        pgrx::GucFlags::default(),
    );
    // USERSET: an inexact flag affects only the caller's own pages.
    pgrx::GucRegistry::define_enum_guc(
        c"pg_keyset.has_previous",
        c"How the flag for the side a page came from (has_previous forwards, has_more backwards) is answered.",
        c"exact: a probe query; cursor: true iff a cursor was given (no query); auto: exact unless the page reads remote shards (Citus across shards, postgres_fdw shards).",
        &scale_out::HAS_PREVIOUS,
        pgrx::GucContext::Userset,
        pgrx::GucFlags::default(),
    );
    // SAFETY: registered once per backend; the callback only touches this module's state.
    unsafe {
        pg_sys::RegisterXactCallback(Some(spi_plan::at_transaction_end), std::ptr::null_mut())
    };
    shape_cache::register_invalidation_callbacks();
}

// CREATE EXTENSION refuses a database that is not UTF8: cursors are JSON text, and names and
// values cross into Rust strings (every call checks again, for databases copied from a template).
extension_sql!(
    r#"
DO $$
BEGIN
    IF pg_catalog.getdatabaseencoding() OPERATOR(pg_catalog.<>) 'UTF8' THEN
        RAISE EXCEPTION 'pg_keyset requires a UTF8 database, not %', pg_catalog.getdatabaseencoding()
            USING ERRCODE = 'character_not_in_repertoire',
                  HINT = 'Install pg_keyset in a database created with ENCODING ''UTF8''.';
    END IF;
END
$$;
"#,
    name = "require_utf8",
    bootstrap
);

#[cfg(any(test, feature = "pg_test"))]
#[path = "tests/pg_tests.rs"]
mod pg_tests;

#[cfg(any(test, feature = "pg_test"))]
#[path = "tests/hardening_tests.rs"]
mod hardening_tests;

// Every function's declaration and `\df+` comment (see the file's header).
extension_sql_file!("../sql/functions.sql", name = "functions");

/// Required by `cargo pgrx test`; must be visible at the crate root.
#[cfg(test)]
pub mod pg_test {
    pub fn setup(_options: Vec<&str>) {}

    /// Crash canary for the #[pg_test] tier: the postmaster exits instead of restarting after
    /// a backend crash (so every later test fails), and every server log line carries "TMSG: ",
    /// which pgrx-tests echoes to its output, where scripts/test.sh looks for crashes.
    #[must_use]
    pub fn postgresql_conf_options() -> Vec<&'static str> {
        vec![
            "restart_after_crash = off",
            "log_line_prefix = '[%m] [%p] [%c]: TMSG: '",
        ]
    }
}
