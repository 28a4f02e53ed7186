//! cursor_encode and cursor_decode: the SQL values in and out of `keyset_core::cursor`.

use keyset_core::{cursor, Direction, KeysetError};
use pgrx::AnyElement;

use crate::sql_value::wire_string;

fn required<T>(arg: Option<T>, name: &'static str) -> Result<T, KeysetError> {
    arg.ok_or(KeysetError::NullArgument(name))
}

/// `cursor_encode(sort, direction, value "any", id "any")`: the value's own SQL type picks its
/// encoding (timestamps as Unix µs, ...); `value` may be NULL (`"v":null`).
pub fn encode(
    sort: Option<&str>,
    direction: Option<&str>,
    value: Option<AnyElement>,
    id: Option<AnyElement>,
) -> Result<String, KeysetError> {
    let value = value.map(|v| wire_string(&v, "value")).transpose()?;
    let id = id.map(|i| wire_string(&i, "id")).transpose()?;
    let sort = required(sort, "sort")?;
    let dir = Direction::from_sql(required(direction, "direction")?)?;
    let id = required(id, "id")?;
    cursor::encode(sort, dir, value.as_deref(), &id).map_err(KeysetError::CannotEncode)
}

/// `cursor_decode(cursor)`: the wire fields of a valid cursor, or 22023 naming the fault. A
/// multi-column cursor's "x" (values of the columns between the first one and the last) and
/// "h" (the listing's digest) are NULL for a single-column cursor.
pub fn decode(
    text: &str,
) -> Result<
    (
        String,
        String,
        Option<String>,
        String,
        Option<Vec<Option<String>>>,
        Option<String>,
    ),
    KeysetError,
> {
    let c = cursor::decode(text).map_err(KeysetError::InvalidCursor)?;
    let more = (!c.more.is_empty()).then_some(c.more);
    Ok((
        c.sort,
        c.direction.as_str().to_string(),
        c.value,
        c.id,
        more,
        c.digest,
    ))
}
