//! The checks of one keyset_page request that need no server: page size, and whether a cursor
//! belongs to this request (same sort, same direction, values valid for the columns' types).

use crate::cursor::{self, Direction};
use crate::error::{CursorFault, KeysetError};
use crate::predicate::Boundary;
use crate::typed_value::{self, Typed, WireType};

/// Page size when the caller passes NULL.
pub const DEFAULT_PAGE_SIZE: i32 = 20;
/// Default of the `pg_keyset.max_page_size` setting.
pub const DEFAULT_MAX_PAGE_SIZE: i32 = 1000;

/// The page size to use: NULL → the default; never a silent clamp.
pub fn page_size(arg: Option<i32>, max: i32) -> Result<i32, KeysetError> {
    match arg {
        None => Ok(DEFAULT_PAGE_SIZE.min(max)),
        Some(n) if n <= 0 => Err(KeysetError::PageSizeNotPositive { page_size: n }),
        Some(n) if n > max => Err(KeysetError::PageSizeTooLarge { page_size: n, max }),
        Some(n) => Ok(n),
    }
}

/// A key column as the cursor check sees it.
#[derive(Debug, Clone, Copy)]
pub struct KeyColumn<'a> {
    pub name: &'a str,
    pub wire: WireType,
    pub not_null: bool,
}

/// Where the page starts, with the cursor's values parsed for the columns' types.
#[derive(Debug, Clone, PartialEq)]
pub enum Start {
    First,
    /// After (value, id); when sorting by the key, `value` is `None` (the key is the only param).
    AfterValue { value: Option<Typed>, id: Typed },
    /// After a row whose sort value is NULL.
    AfterNull { id: Typed },
}

impl Start {
    pub fn boundary(&self) -> Boundary {
        match self {
            Start::First => Boundary::First,
            Start::AfterValue { .. } => Boundary::AfterValue,
            Start::AfterNull { .. } => Boundary::AfterNull,
        }
    }

    /// The bound parameters in `$n` order.
    pub fn params(&self) -> Vec<&Typed> {
        match self {
            Start::First => vec![],
            Start::AfterValue { value: Some(v), id } => vec![v, id],
            Start::AfterValue { value: None, id } | Start::AfterNull { id } => vec![id],
        }
    }
}

/// Decodes `after` and checks that it continues this request. NULL or empty → the first page.
pub fn start(
    after: Option<&str>,
    sort: KeyColumn,
    key: KeyColumn,
    direction: Direction,
) -> Result<Start, KeysetError> {
    let invalid = KeysetError::InvalidCursor;
    let after = match after {
        None | Some("") => return Ok(Start::First),
        Some(a) => a,
    };
    let c = cursor::decode(after).map_err(invalid)?;
    if c.sort != sort.name {
        return Err(invalid(CursorFault::SortMismatch { cursor: c.sort, request: sort.name.into() }));
    }
    if c.direction != direction {
        return Err(invalid(CursorFault::DirectionMismatch {
            cursor: c.direction.as_str(),
            request: direction.as_str(),
        }));
    }
    let parse = |field: &'static str, col: KeyColumn, s: &str| {
        typed_value::parse(col.wire, s).map_err(|reason| {
            invalid(CursorFault::BadValue {
                field,
                column: col.name.to_string(),
                type_name: col.wire.sql_name().to_string(),
                reason,
            })
        })
    };
    let id = parse("id", key, &c.id)?;
    let sort_is_key = sort.name == key.name;
    match c.value {
        None if sort.not_null => {
            Err(invalid(CursorFault::NullForNotNull { column: sort.name.to_string() }))
        }
        None => Ok(Start::AfterNull { id }),
        Some(v) if sort_is_key => {
            if v != c.id {
                return Err(invalid(CursorFault::ValueIsNotId));
            }
            Ok(Start::AfterValue { value: None, id })
        }
        Some(v) => Ok(Start::AfterValue { value: Some(parse("value", sort, &v)?), id }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cursor::encode;

    const CREATED: KeyColumn = KeyColumn { name: "created_at", wire: WireType::Timestamp, not_null: true };
    const PRIORITY: KeyColumn = KeyColumn { name: "priority", wire: WireType::Int4, not_null: false };
    const ID: KeyColumn = KeyColumn { name: "id", wire: WireType::Int8, not_null: true };

    fn fault(r: Result<Start, KeysetError>) -> CursorFault {
        match r {
            Err(KeysetError::InvalidCursor(f)) => f,
            other => panic!("expected an invalid cursor, got {other:?}"),
        }
    }

    #[test]
    fn page_size_rules() {
        assert_eq!(page_size(None, 1000), Ok(20));
        assert_eq!(page_size(None, 5), Ok(5));
        assert_eq!(page_size(Some(1000), 1000), Ok(1000));
        assert_eq!(page_size(Some(0), 1000), Err(KeysetError::PageSizeNotPositive { page_size: 0 }));
        assert_eq!(page_size(Some(-3), 1000), Err(KeysetError::PageSizeNotPositive { page_size: -3 }));
        assert_eq!(
            page_size(Some(1001), 1000),
            Err(KeysetError::PageSizeTooLarge { page_size: 1001, max: 1000 })
        );
    }

    #[test]
    fn first_page_without_cursor() {
        assert_eq!(start(None, CREATED, ID, Direction::Asc), Ok(Start::First));
        assert_eq!(start(Some(""), CREATED, ID, Direction::Asc), Ok(Start::First));
    }

    #[test]
    fn cursor_must_match_sort_and_direction() {
        let c = encode("updated_at", Direction::Desc, Some("1"), "1").unwrap();
        assert!(matches!(fault(start(Some(&c), CREATED, ID, Direction::Desc)), CursorFault::SortMismatch { .. }));
        let c = encode("created_at", Direction::Asc, Some("1"), "1").unwrap();
        assert_eq!(
            fault(start(Some(&c), CREATED, ID, Direction::Desc)),
            CursorFault::DirectionMismatch { cursor: "asc", request: "desc" }
        );
    }

    #[test]
    fn values_are_parsed_for_the_column_types() {
        let c = encode("created_at", Direction::Desc, Some("1706778000000000"), "42").unwrap();
        let s = start(Some(&c), CREATED, ID, Direction::Desc).unwrap();
        assert_eq!(
            s,
            Start::AfterValue {
                value: Some(Typed::Timestamp(1_706_778_000_000_000 - 946_684_800_000_000)),
                id: Typed::Int8(42)
            }
        );
        assert_eq!(s.params().len(), 2);
        let c = encode("created_at", Direction::Desc, Some("1000000000000000000"), "42").unwrap();
        assert!(matches!(fault(start(Some(&c), CREATED, ID, Direction::Desc)), CursorFault::BadValue { field: "value", .. }));
        let c = encode("created_at", Direction::Desc, Some("1"), "x").unwrap();
        assert!(matches!(fault(start(Some(&c), CREATED, ID, Direction::Desc)), CursorFault::BadValue { field: "id", .. }));
    }

    #[test]
    fn null_values() {
        let c = encode("priority", Direction::Asc, None, "7").unwrap();
        assert_eq!(start(Some(&c), PRIORITY, ID, Direction::Asc), Ok(Start::AfterNull { id: Typed::Int8(7) }));
        let c = encode("created_at", Direction::Asc, None, "7").unwrap();
        assert_eq!(
            fault(start(Some(&c), CREATED, ID, Direction::Asc)),
            CursorFault::NullForNotNull { column: "created_at".into() }
        );
    }

    #[test]
    fn sorting_by_the_key() {
        let c = encode("id", Direction::Asc, Some("5"), "5").unwrap();
        let s = start(Some(&c), ID, ID, Direction::Asc).unwrap();
        assert_eq!(s, Start::AfterValue { value: None, id: Typed::Int8(5) });
        assert_eq!(s.params().len(), 1);
        let c = encode("id", Direction::Asc, Some("5"), "6").unwrap();
        assert_eq!(fault(start(Some(&c), ID, ID, Direction::Asc)), CursorFault::ValueIsNotId);
    }
}
