//! The SQL surface of the cursor codec: thin wrappers over `keyset_core::cursor`.
//! Argument names avoid PostgREST's reserved query-string words (`order`, `limit`, ...), so the
//! same names work from SQL, named-argument calls and PostgREST RPC.

use keyset_core::{cursor, Direction, KeysetError};
use pgrx::prelude::*;
use pgrx::AnyElement;

use crate::error::{report, PgResult};
use crate::sql_value::wire_string;
use pgrx::pg_sys::panic::ErrorReport;

fn required<T>(arg: Option<T>, name: &'static str) -> Result<T, KeysetError> {
    arg.ok_or(KeysetError::NullArgument(name))
}

fn direction(arg: Option<&str>) -> Result<Direction, KeysetError> {
    Direction::from_sql(required(arg, "direction")?)
}

fn encode(
    sort: Option<&str>,
    dir: Option<&str>,
    value: Option<String>,
    id: Option<String>,
) -> Result<String, KeysetError> {
    let sort = required(sort, "sort")?;
    let dir = direction(dir)?;
    let id = required(id, "id")?;
    cursor::encode(sort, dir, value.as_deref(), &id).map_err(KeysetError::CannotEncode)
}

/// `cursor_encode(sort, direction, value "any", id "any")`: the value's own SQL type picks its
/// encoding (timestamps as Unix µs, ...); `value` may be NULL (`"v":null`).
/// Declared with `"any"` (hand-written CREATE FUNCTION: pgrx only knows `anyelement`) because
/// `anyelement`/`anycompatible` reject untyped literals such as `cursor_encode('name', 'asc', 'x', 9)`
/// and would force value and id into related types.
#[pg_extern(sql = r#"
CREATE FUNCTION cursor_encode(sort text, direction text, value "any", id "any")
RETURNS text IMMUTABLE PARALLEL SAFE LANGUAGE c
AS 'MODULE_PATHNAME', '@FUNCTION_NAME@';
"#)]
fn cursor_encode(
    sort: Option<&str>,
    direction: Option<&str>,
    value: Option<AnyElement>,
    id: Option<AnyElement>,
) -> PgResult<String> {
    let run = || {
        let value = value.map(|v| wire_string(&v, "value")).transpose()?;
        let id = id.map(|i| wire_string(&i, "id")).transpose()?;
        encode(sort, direction, value, id)
    };
    run().map_err(report)
}

/// `cursor_decode(cursor)`: the four wire fields of a valid cursor, or 22023 naming the fault.
/// (Spelled `Result<TableIterator<..>, ErrorReport>`: pgrx's SQL generator cannot see through a
/// type alias around a TableIterator.)
#[pg_extern(immutable, parallel_safe)]
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
    let c = cursor::decode(cursor).map_err(|f| report(KeysetError::InvalidCursor(f)))?;
    // A multi-column cursor's "x" (values of the sort columns between the first one and the
    // key) and "h" (the listing's digest); NULL for a single-column cursor.
    let more = (!c.more.is_empty()).then_some(c.more);
    Ok(TableIterator::once((
        c.sort,
        c.direction.as_str().to_string(),
        c.value,
        c.id,
        more,
        c.digest,
    )))
}
