//! Property tests of the codec, the sort-spec parser and the filter parser. The case counts are
//! fixed here (not taken from the environment) so the test command always runs at least 100,000
//! hostile inputs through the decoder.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use keyset_core::sort_spec::{self, SortItem};
use keyset_core::{decode, encode, filter, Cursor, CursorFault, Direction};
use proptest::prelude::*;

fn direction() -> impl Strategy<Value = Direction> {
    prop_oneof![Just(Direction::Asc), Just(Direction::Desc)]
}

/// Strings that stress the escaper: ASCII, the escaped set, controls, multi-byte and astral.
fn wire_string(max: usize) -> impl Strategy<Value = String> {
    let ch = prop_oneof![
        4 => proptest::char::range('a', 'z'),
        2 => prop::sample::select(vec!['<', '>', '&', '"', '\\', '\u{2028}', '\u{2029}', '\u{7f}', '/', '+', '=']),
        1 => proptest::char::range('\u{0}', '\u{1f}'),
        2 => any::<char>(),
    ];
    prop::collection::vec(ch, 0..=max).prop_map(|v| v.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    /// decode(encode(x)) == x, and whatever encode mints, decode accepts.
    #[test]
    fn round_trip(
        sort in wire_string(40).prop_filter("non-empty", |s| !s.is_empty()),
        dir in direction(),
        value in proptest::option::weighted(0.9, wire_string(600)),
        id in wire_string(140).prop_filter("non-empty", |s| !s.is_empty()),
    ) {
        match encode(&sort, dir, value.as_deref(), &id) {
            Ok(c) => {
                prop_assert!(c.len() <= 1024);
                let d = decode(&c).expect("a minted cursor must decode");
                prop_assert_eq!(d.sort, sort);
                prop_assert_eq!(d.direction, dir);
                prop_assert_eq!(d.value, value);
                prop_assert_eq!(d.id, id);
            }
            Err(CursorFault::ValueTooLong { chars }) => {
                prop_assert!(chars > 512 && value.map(|v| v.chars().count()) == Some(chars));
            }
            Err(CursorFault::IdTooLong { chars }) => {
                prop_assert!(chars > 128 && id.chars().count() == chars);
            }
            Err(CursorFault::TooLong { bytes }) => prop_assert!(bytes > 1024),
            Err(CursorFault::Nul { .. }) => {
                prop_assert!(sort.contains('\0') || id.contains('\0') || value.is_some_and(|v| v.contains('\0')))
            }
            Err(other) => prop_assert!(false, "unexpected refusal {other:?}"),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100_000))]

    /// Any text at all: decode returns Ok or a fault, never panics.
    #[test]
    fn decode_never_panics_on_text(s in any::<String>()) {
        let _ = decode(&s);
    }

    /// Arbitrary bytes behind valid base64url, so the UTF-8 and JSON layers see hostile input.
    #[test]
    fn decode_never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..800)) {
        let _ = decode(&URL_SAFE_NO_PAD.encode(&bytes));
    }

    /// JSON-shaped garbage: near-miss cursors built from the format's own pieces.
    #[test]
    fn decode_never_panics_on_json_like(parts in prop::collection::vec(prop::sample::select(vec![
        "{", "}", "[", "]", ":", ",", "\"s\"", "\"o\"", "\"v\"", "\"id\"", "\"asc\"", "\"desc\"",
        "null", "1", "-0.5e9", "true", "\"\\u00e9\"", "\"\\ud800\"", "\"x\"", "\"h\"", " ", "\"", "\\",
    ]), 0..40)) {
        let json: String = parts.concat();
        if let Ok(c) = decode(&URL_SAFE_NO_PAD.encode(json.as_bytes())) {
            // Whatever is accepted is a complete, valid cursor that re-encodes to itself.
            let again = c.encode().unwrap();
            prop_assert_eq!(decode(&again).unwrap(), c);
        }
    }

    /// The sort-spec and filter parsers return Ok or an error for any text, never panic.
    #[test]
    fn parsers_never_panic(s in any::<String>()) {
        let _ = sort_spec::parse(&s);
        let _ = filter::parse(&s);
    }
}

fn ident() -> impl Strategy<Value = (String, String)> {
    // (the name, how it is written): plain lower-case names, and quoted names with anything in them.
    prop_oneof![
        "[a-z_][a-z0-9_$]{0,10}".prop_filter("not a keyword", |n| {
            !["asc", "desc", "nulls", "first", "last"].contains(&n.as_str())
        })
        .prop_map(|n| (n.clone(), n)),
        wire_string(12)
            .prop_filter("non-empty, no NUL", |n| !n.is_empty() && !n.contains('\0'))
            .prop_map(|n| (n.clone(), format!("\"{}\"", n.replace('"', "\"\"")))),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(20_000))]

    /// Every cursor form (several columns, NULLs among them, a digest) round-trips.
    #[test]
    fn multi_column_round_trip(
        sort in wire_string(20).prop_filter("non-empty", |s| !s.is_empty()),
        dir in direction(),
        value in proptest::option::weighted(0.8, wire_string(60)),
        id in wire_string(30).prop_filter("non-empty", |s| !s.is_empty()),
        more in prop::collection::vec(proptest::option::weighted(0.8, wire_string(60)), 0..5),
        digest in proptest::option::of("[A-Za-z0-9_-]{11}"),
    ) {
        let c = Cursor { sort, direction: dir, value, id, more, digest };
        let has_nul = |s: &str| s.contains('\0');
        let nul = has_nul(&c.sort) || has_nul(&c.id) || c.value.as_deref().is_some_and(has_nul)
            || c.more.iter().flatten().any(|m| has_nul(m));
        match c.encode() {
            Ok(text) => {
                prop_assert!(!nul);
                prop_assert_eq!(decode(&text).expect("a minted cursor must decode"), c)
            }
            Err(CursorFault::Nul { .. }) => prop_assert!(nul),
            Err(CursorFault::TooLong { bytes }) => prop_assert!(bytes > 1024 && c.digest.is_none()),
            Err(other) => prop_assert!(false, "unexpected refusal {other:?}"),
        }
    }

    /// Any list of columns with any directions and NULL placements, written out, parses back.
    #[test]
    fn sort_specs_parse_back(items in prop::collection::vec(
        (ident(), prop::option::of(direction()), prop::option::of(any::<bool>()), " {0,2}"), 1..6)) {
        let mut seen = std::collections::HashSet::new();
        let items: Vec<_> = items.into_iter().filter(|((name, _), ..)| seen.insert(name.clone())).collect();
        let text: Vec<String> = items
            .iter()
            .map(|((_, written), dir, nulls, pad)| {
                let mut t = format!("{pad}{written}");
                if let Some(d) = dir {
                    t.push_str(if *d == Direction::Asc { " ASC" } else { " desc" });
                }
                if let Some(first) = nulls {
                    t.push_str(if *first { " nulls FIRST" } else { " NULLS last" });
                }
                t
            })
            .collect();
        let parsed = sort_spec::parse(&text.join(",")).expect("a well-formed spec parses");
        let expected: Vec<SortItem> = items
            .iter()
            .map(|((name, _), dir, nulls, _)| SortItem { column: name.clone(), direction: *dir, nulls_first: *nulls })
            .collect();
        prop_assert_eq!(parsed, expected);
    }
}
