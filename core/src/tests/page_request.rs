//! Unit tests of `page_request.rs`: page sizes, cursor checks, digests, minting.

use super::*;
use crate::cursor::{encode, Direction};
use crate::sort_spec::{parse, resolve};

/// digest("public", "t", 'priority desc nulls last, created_at' + id), as minted since 0.1.0.
const DIGEST_PRIORITY_CREATED_AT: &str = "ek80UQQVjWQ";
const CREATED: KeyColumn = KeyColumn {
    name: "created_at",
    wire: WireType::Timestamp,
    not_null: true,
    in_key: false,
};
const PRIORITY: KeyColumn = KeyColumn {
    name: "priority",
    wire: WireType::Int4,
    not_null: false,
    in_key: false,
};
const ID: KeyColumn = KeyColumn {
    name: "id",
    wire: WireType::Int8,
    not_null: true,
    in_key: true,
};

/// The digests of a single-column listing (its own digest is only used for oversized rows).
const SINGLE: Digests = Digests {
    required: None,
    listing: "AAAAAAAAAAA",
};

fn dg(d: Option<&str>) -> Digests<'_> {
    Digests {
        required: d,
        listing: d.unwrap_or("AAAAAAAAAAA"),
    }
}

fn keys(spec: &str, dir: Direction) -> Vec<SortKey> {
    resolve(&parse(spec).unwrap(), dir, &["id".to_string()])
}

fn listing<'a>(
    schema: &'a str,
    relation: &'a str,
    keys: &'a [SortKey],
    key: &'a [String],
    filter: &'a [Condition],
    settings: &'a str,
) -> Listing<'a> {
    Listing {
        schema,
        relation,
        keys,
        key,
        filter,
        settings,
    }
}

/// The digests of a listing keyed by `id`.
fn listing_digest(
    schema: &str,
    relation: &str,
    keys: &[SortKey],
    filter: &[Condition],
    settings: &str,
) -> String {
    let id = ["id".to_string()];
    listing(schema, relation, keys, &id, filter, settings).digest()
}

fn digest(
    schema: &str,
    relation: &str,
    keys: &[SortKey],
    filter: &[Condition],
    settings: &str,
) -> Option<String> {
    let id = ["id".to_string()];
    listing(schema, relation, keys, &id, filter, settings).required_digest()
}

#[test]
fn composite_keys_are_bound_by_the_digest() {
    let key = ["tenant_id".to_string(), "id".to_string()];
    let k = resolve(&[], Direction::Asc, &key);
    let composite = listing("public", "t", &k, &key, &[], "");
    // Two key columns never make the reference form, even with no sort.
    assert!(!composite.is_single_column_form());
    // Same ORDER BY, another key: another digest.
    let sort_then_id = listing("public", "t", &k, &key[1..], &[], "");
    assert_ne!(composite.digest(), sort_then_id.digest());
    // A one-column key adds nothing to the digest (0.1.0 cursors keep their digest).
    assert_eq!(
        listing_digest(
            "public",
            "t",
            &keys("priority desc nulls last, created_at", Direction::Asc),
            &[],
            ""
        ),
        DIGEST_PRIORITY_CREATED_AT
    );
    // A cursor holding NULL for a key column is forged.
    let tenant = KeyColumn {
        name: "tenant_id",
        wire: WireType::Int8,
        not_null: false,
        in_key: true,
    };
    let d = composite.digest();
    let c = Cursor {
        sort: "tenant_id".into(),
        direction: Direction::Asc,
        value: None,
        id: "1".into(),
        more: vec![],
        digest: Some(d.clone()),
    }
    .encode()
    .unwrap();
    let ds = Digests {
        required: Some(&d),
        listing: &d,
    };
    assert_eq!(
        fault(start(Some(&c), &k, &[tenant, ID], ds)),
        CursorFault::NullInKey {
            column: "tenant_id".into()
        }
    );
}

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
    assert_eq!(
        page_size(Some(0), 1000),
        Err(KeysetError::PageSizeNotPositive { page_size: 0 })
    );
    assert_eq!(
        page_size(Some(-3), 1000),
        Err(KeysetError::PageSizeNotPositive { page_size: -3 })
    );
    assert_eq!(
        page_size(Some(1001), 1000),
        Err(KeysetError::PageSizeTooLarge {
            page_size: 1001,
            max: 1000
        })
    );
}

#[test]
fn first_page_without_cursor() {
    let k = keys("created_at", Direction::Asc);
    assert_eq!(start(None, &k, &[CREATED, ID], SINGLE), Ok(None));
    assert_eq!(start(Some(""), &k, &[CREATED, ID], SINGLE), Ok(None));
}

#[test]
fn cursor_must_match_sort_and_direction() {
    let k = keys("created_at", Direction::Desc);
    let c = encode("updated_at", Direction::Desc, Some("1"), "1").unwrap();
    assert!(matches!(
        fault(start(Some(&c), &k, &[CREATED, ID], SINGLE)),
        CursorFault::SortMismatch { .. }
    ));
    let c = encode("created_at", Direction::Asc, Some("1"), "1").unwrap();
    assert_eq!(
        fault(start(Some(&c), &k, &[CREATED, ID], SINGLE)),
        CursorFault::DirectionMismatch {
            cursor: "asc",
            request: "desc"
        }
    );
}

#[test]
fn values_are_parsed_for_the_column_types() {
    let k = keys("created_at", Direction::Desc);
    let c = encode(
        "created_at",
        Direction::Desc,
        Some("1706778000000000"),
        "42",
    )
    .unwrap();
    assert_eq!(
        start(Some(&c), &k, &[CREATED, ID], SINGLE),
        Ok(Some(vec![
            Some(Typed::Timestamp(
                1_706_778_000_000_000 - 946_684_800_000_000
            )),
            Some(Typed::Int8(42))
        ]))
    );
    let c = encode(
        "created_at",
        Direction::Desc,
        Some("1000000000000000000"),
        "42",
    )
    .unwrap();
    assert!(matches!(
        fault(start(Some(&c), &k, &[CREATED, ID], SINGLE)),
        CursorFault::BadValue { field: "value", .. }
    ));
    let c = encode("created_at", Direction::Desc, Some("1"), "x").unwrap();
    assert!(matches!(
        fault(start(Some(&c), &k, &[CREATED, ID], SINGLE)),
        CursorFault::BadValue { field: "id", .. }
    ));
}

#[test]
fn null_values() {
    let k = keys("priority", Direction::Asc);
    let c = encode("priority", Direction::Asc, None, "7").unwrap();
    assert_eq!(
        start(Some(&c), &k, &[PRIORITY, ID], SINGLE),
        Ok(Some(vec![None, Some(Typed::Int8(7))]))
    );
    let k = keys("created_at", Direction::Asc);
    let c = encode("created_at", Direction::Asc, None, "7").unwrap();
    assert_eq!(
        fault(start(Some(&c), &k, &[CREATED, ID], SINGLE)),
        CursorFault::NullForNotNull {
            column: "created_at".into()
        }
    );
}

#[test]
fn sorting_by_the_key() {
    let k = keys("id", Direction::Asc);
    let c = encode("id", Direction::Asc, Some("5"), "5").unwrap();
    assert_eq!(
        start(Some(&c), &k, &[ID], SINGLE),
        Ok(Some(vec![Some(Typed::Int8(5))]))
    );
    let c = encode("id", Direction::Asc, Some("5"), "6").unwrap();
    assert_eq!(
        fault(start(Some(&c), &k, &[ID], SINGLE)),
        CursorFault::ValueIsNotId
    );
    assert_eq!(
        mint(&k, vec![Some("5".into())], SINGLE).unwrap(),
        encode("id", Direction::Asc, Some("5"), "5").unwrap()
    );
}

#[test]
fn oversized_single_column_rows_get_an_extension_cursor() {
    let k = keys("name", Direction::Asc);
    let name = KeyColumn {
        name: "name",
        wire: WireType::Text,
        not_null: true,
        in_key: false,
    };
    let listing = listing_digest("public", "t", &k, &[], "");
    let d = Digests {
        required: None,
        listing: &listing,
    };
    // 300 '<' escape to 1800 bytes: over the reference 1024, under the extension cap.
    let big = "<".repeat(300);
    let c = mint(&k, vec![Some(big.clone()), Some("7".into())], d).unwrap();
    assert!(c.len() > 1024);
    assert_eq!(
        start(Some(&c), &k, &[name, ID], d).unwrap().unwrap()[0],
        Some(Typed::Text(big))
    );
    // Small rows keep the reference bytes; an extension cursor of another listing is refused.
    assert_eq!(
        mint(&k, vec![Some("a".into()), Some("7".into())], d).unwrap(),
        encode("name", Direction::Asc, Some("a"), "7").unwrap()
    );
    let other = listing_digest("public", "u", &k, &[], "");
    assert_eq!(
        fault(start(
            Some(&c),
            &k,
            &[name, ID],
            Digests {
                required: None,
                listing: &other
            }
        )),
        CursorFault::ListingMismatch
    );
    // Far beyond the extension cap: refused with the extension limit.
    let huge = "<".repeat(12_000);
    assert!(matches!(
        mint(&k, vec![Some(huge), Some("7".into())], d),
        Err(KeysetError::CannotEncode(
            CursorFault::ExtendedTooLong { .. }
        ))
    ));
}

#[test]
fn single_column_listings_have_no_digest() {
    let none: &[Condition] = &[];
    assert_eq!(
        digest(
            "public",
            "t",
            &keys("created_at", Direction::Desc),
            none,
            ""
        ),
        None
    );
    assert_eq!(
        digest("public", "t", &keys("id desc", Direction::Asc), none, ""),
        None
    );
    // A non-default NULL placement, a key in the other direction, two columns or a
    // filter go beyond the reference format.
    for spec in ["created_at nulls first", "created_at desc, id asc", "a, b"] {
        assert!(
            digest("public", "t", &keys(spec, Direction::Asc), none, "").is_some(),
            "{spec}"
        );
    }
    let f = crate::filter::parse(r#"{"a": 1}"#).unwrap();
    assert!(digest("public", "t", &keys("created_at", Direction::Asc), &f, "").is_some());
}

#[test]
fn multi_column_cursors_round_trip_and_bind_the_listing() {
    let k = keys("priority desc nulls last, created_at", Direction::Asc);
    let cols = [PRIORITY, CREATED, ID];
    let d = digest("public", "t", &k, &[], "");
    assert_eq!(d.as_ref().map(String::len), Some(11));
    // Digests are stored in clients' cursors: the function and its input text are fixed.
    assert_eq!(fnv1a64(&["a"]), 0x089b_e207_b544_f1e4);
    assert_eq!(d.as_deref(), Some(DIGEST_PRIORITY_CREATED_AT));
    let c = mint(
        &k,
        vec![None, Some("1706778000000000".into()), Some("9".into())],
        dg(d.as_deref()),
    )
    .unwrap();
    let s = start(Some(&c), &k, &cols, dg(d.as_deref()))
        .unwrap()
        .unwrap();
    assert_eq!(s[0], None);
    assert_eq!(s[2], Some(Typed::Int8(9)));
    // Another table, sort or filter: another digest.
    let other = digest("public", "u", &k, &[], "");
    assert_ne!(other, d);
    assert_eq!(
        fault(start(Some(&c), &k, &cols, dg(other.as_deref()))),
        CursorFault::ListingMismatch
    );
    let f = crate::filter::parse(r#"{"a": 1}"#).unwrap();
    assert_ne!(digest("public", "t", &k, &f, ""), d);
    assert_ne!(
        digest(
            "public",
            "t",
            &keys("priority desc nulls first, created_at", Direction::Asc),
            &[],
            ""
        ),
        d
    );
    // A single-column cursor offered to a digest listing, and the reverse.
    let single = encode("priority", Direction::Desc, None, "9").unwrap();
    assert_eq!(
        fault(start(Some(&single), &k, &cols, dg(d.as_deref()))),
        CursorFault::ListingMismatch
    );
    assert_eq!(
        fault(start(
            Some(&c),
            &keys("priority desc", Direction::Asc),
            &[PRIORITY, ID],
            SINGLE
        )),
        CursorFault::ListingMismatch
    );
}
