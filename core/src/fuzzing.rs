//! The properties every parser that user input reaches must keep, for any input at all: one
//! function per parser, taking raw bytes. The cargo-fuzz targets (`core/fuzz`, `make fuzz`) call
//! them, and `tests/fuzz_regressions.rs` replays every saved input through them, so an input
//! that once broke a property stays a test. Each panics (the fuzzer's signal) when a property
//! fails; a parser error is a fine outcome, a panic inside a parser is not. The extension never
//! calls these.

use crate::cursor::{self, Direction};
use crate::filter;
use crate::page_request::{self, Digests, KeyColumn};
use crate::predicate::{Key, Output, PageShape, RowColumn};
use crate::sort_spec;
use crate::typed_value::{self, WireType};

/// The cursor decoder: never panics; whatever it accepts re-encodes to a cursor it accepts
/// again with the same fields. (One exception, found by this fuzzer: a cursor whose JSON holds
/// `<` `>` `&` raw, as only a non-Go encoder writes them, may fit the reference 1024 bytes while
/// its Go-escaped re-encoding does not; then the fields must still travel as an extension
/// cursor, which is what keyset_page mints for such a row.)
pub fn cursor_decode(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(mut c) = cursor::decode(text) {
        let again = match c.encode() {
            Ok(again) => again,
            Err(crate::CursorFault::TooLong { .. }) if c.digest.is_none() => {
                c.digest = Some("AAAAAAAAAAA".to_string());
                let extended = c.encode();
                extended.expect("re-encodes as an extension cursor") // ok: a fuzz property check
            }
            Err(e) => panic!("an accepted cursor does not re-encode: {e:?}"), // ok: a fuzz property check
        };
        let back = cursor::decode(&again);
        assert_eq!(
            back.as_ref().ok(),
            Some(&c),
            "a re-encoded cursor decodes to the same fields"
        );
    }
}

/// The same decoder behind valid base64url, so the JSON layer sees arbitrary bytes.
pub fn cursor_json(data: &[u8]) {
    use base64::Engine as _;
    cursor_decode(
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(data)
            .as_bytes(),
    );
}

const TYPES: [WireType; 12] = WireType::ALL;

/// Each type's wire parser (the first byte picks the type): never panics, and accepts only the
/// exact text it formats.
pub fn typed_value(data: &[u8]) {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let ty = TYPES[pick as usize % TYPES.len()];
    if let Ok(v) = typed_value::parse(ty, text) {
        assert_eq!(
            typed_value::format(&v),
            text,
            "{ty:?} accepted a non-canonical spelling"
        );
    }
}

/// The sort-spec parser: never panics; what it accepts resolves, and every name it returns is a
/// possible column name (1 to 63 bytes, no NUL).
pub fn sort_spec(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(items) = sort_spec::parse(text) {
        assert!(!items.is_empty() && items.len() <= sort_spec::MAX_SORT_COLUMNS);
        for i in &items {
            assert!(!i.column.is_empty() && i.column.len() <= 63 && !i.column.contains('\0'));
        }
        let keys = sort_spec::resolve(&items, Direction::Asc, &["id".to_string()]);
        assert!(!keys.is_empty());
    }
}

/// The filter parser: never panics; what it accepts stays within the caps, is in canonical
/// order, and builds a page query (with a cursor and backwards) without panicking.
pub fn filter(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(conditions) = filter::parse(text) else {
        return;
    };
    assert!(conditions.len() <= filter::MAX_FILTER_CONDITIONS);
    assert!(conditions.windows(2).all(|w| w[0].column <= w[1].column));
    let _ = filter::canonical(&conditions);
    let keys = sort_spec::resolve(&[], Direction::Desc, &["id".to_string()]);
    for backward in [false, true] {
        let shape = PageShape {
            schema: "s",
            relation: "t",
            only: true,
            prune: false,
            row_alias: "keyset_row",
            keys: keys
                .iter()
                .map(|k| Key {
                    sort: k,
                    nullable: false,
                })
                .collect(),
            cursor_nulls: Some(vec![false]),
            backward,
            filter: &conditions,
            page_size: 20,
            output: Output::Json,
            exact_probe: true,
            columns: vec![
                RowColumn {
                    name: "id",
                    to_json: false,
                },
                RowColumn {
                    name: "tags",
                    to_json: true,
                },
            ],
        };
        let _ = shape.query();
    }
}

/// The whole cursor check of a request (decode, listing match, typed values) for a listing of
/// every column type: never panics.
pub fn page_start(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let names: Vec<String> = (0..TYPES.len()).map(|i| format!("c{i}")).collect();
    let items: Vec<sort_spec::SortItem> = names
        .iter()
        .take(TYPES.len() - 1)
        .map(|n| sort_spec::SortItem {
            column: n.clone(),
            direction: None,
            nulls_first: None,
        })
        .collect();
    for width in [0, 1, 2, TYPES.len() - 1] {
        let keys = sort_spec::resolve(
            &items[..width],
            Direction::Asc,
            std::slice::from_ref(&names[TYPES.len() - 1]),
        );
        let columns: Vec<KeyColumn> = keys
            .iter()
            .map(|k| {
                let i: usize = k.column[1..].parse().unwrap_or(0);
                KeyColumn {
                    name: &k.column,
                    wire: TYPES[i],
                    not_null: i.is_multiple_of(2),
                    in_key: i == TYPES.len() - 1,
                }
            })
            .collect();
        let key = std::slice::from_ref(&names[TYPES.len() - 1]);
        let l = page_request::Listing {
            schema: "s",
            relation: "t",
            keys: &keys,
            key,
            filter: &[],
            settings: "",
        };
        let listing = l.digest();
        let required = l.required_digest();
        let digests = Digests {
            required: required.as_deref(),
            listing: &listing,
        };
        if let Err(e) = page_request::start(Some(text), &keys, &columns, digests) {
            no_nul(&e);
        }
    }
}

/// An error's message, DETAIL and HINT never hold a NUL (Postgres could not carry it).
fn no_nul(e: &crate::KeysetError) {
    let parts = [Some(e.message()), e.detail(), e.hint()];
    assert!(
        parts.iter().flatten().all(|p| !p.contains('\0')),
        "a NUL in {e:?}"
    );
}
