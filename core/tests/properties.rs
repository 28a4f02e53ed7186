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
        // Whatever is accepted is a complete, valid cursor that re-encodes to itself.
        keyset_core::fuzzing::cursor_json(json.as_bytes());
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
        "[a-z_][a-z0-9_$]{0,10}"
            .prop_filter("not a keyword", |n| {
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

/// Every parser user input reaches, on arbitrary strings and bytes: never a panic. (The same
/// property functions the fuzz targets run, see keyset_core::fuzzing.)
mod never_panic {
    use keyset_core::fuzzing;
    use keyset_core::typed_value::{self, Typed, WireType};
    use keyset_core::wire_value;
    use proptest::prelude::*;

    const TYPES: [WireType; 12] = WireType::ALL;

    /// Text near each type's own spelling: digits, signs, dashes, points, exponents, letters.
    fn near_miss() -> impl Strategy<Value = String> {
        let ch = prop_oneof![
            6 => proptest::char::range('0', '9'),
            2 => prop::sample::select(vec!['-', '+', '.', 'e', 'E', ' ', 'B', 'C', 'a', 'f', 'F', 'x', ':', '/']),
            1 => any::<char>(),
        ];
        prop::collection::vec(ch, 0..48).prop_map(|v| v.into_iter().collect())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(100_000))]

        /// Each type's parser on arbitrary text and on near misses of its spelling: no panic, and
        /// whatever it accepts is the exact text it formats.
        #[test]
        fn typed_values(s in prop_oneof![any::<String>(), near_miss()], pick in 0usize..12) {
            let ty = TYPES[pick];
            if let Ok(v) = typed_value::parse(ty, &s) {
                prop_assert_eq!(typed_value::format(&v), s);
            }
        }

        /// The request's whole cursor check, for a listing of every type, on arbitrary text.
        #[test]
        fn cursor_checks(s in any::<String>()) {
            fuzzing::page_start(s.as_bytes());
        }

        /// The filter parser on JSON-shaped input built from its own vocabulary.
        #[test]
        fn filters(parts in prop::collection::vec(prop::sample::select(vec![
            "{", "}", "[", "]", ":", ",", "\"a\"", "\"b\"", "\"in\"", "\"is\"", "\"is not\"", "\"@>\"", "\"<\"",
            "\">=\"", "\"!=\"", "\"<>\"", "\"=\"", "null", "1", "-1e999", "true", "\"x\\u0000\"", "\"\"", " ",
        ]), 0..60)) {
            fuzzing::filter(parts.concat().as_bytes());
        }

        /// Sort specs from identifier pieces, quotes, keywords and punctuation.
        #[test]
        fn sort_specs(parts in prop::collection::vec(prop::sample::select(vec![
            "a", "B", "größe", "\"", "\"\"", ",", " ", "asc", "DESC", "nulls", "first", "last", "$", "1", "😀", "\0",
        ]), 0..40)) {
            fuzzing::sort_spec(parts.concat().as_bytes());
        }
    }

    fn typed() -> impl Strategy<Value = Typed> {
        prop_oneof![
            any::<i16>().prop_map(Typed::Int2),
            any::<i32>().prop_map(Typed::Int4),
            any::<i64>().prop_map(Typed::Int8),
            any::<f32>().prop_map(Typed::Float4),
            any::<f64>().prop_map(Typed::Float8),
            any::<bool>().prop_map(Typed::Bool),
            any::<[u8; 16]>().prop_map(Typed::Uuid),
            (-2_451_545i32..=2_145_031_948).prop_map(Typed::Date),
            (wire_value::MIN_UNIX_MICROS..=wire_value::MAX_UNIX_MICROS)
                .prop_map(|u| Typed::Timestamp(u - wire_value::PG_EPOCH_UNIX_MICROS)),
        ]
    }

    fn wire_type(t: &Typed) -> WireType {
        match t {
            Typed::Int2(_) => WireType::Int2,
            Typed::Int4(_) => WireType::Int4,
            Typed::Int8(_) => WireType::Int8,
            Typed::Float4(_) => WireType::Float4,
            Typed::Float8(_) => WireType::Float8,
            Typed::Bool(_) => WireType::Bool,
            Typed::Uuid(_) => WireType::Uuid,
            Typed::Date(_) => WireType::Date,
            Typed::Timestamp(_) => WireType::Timestamp,
            Typed::Numeric(_) => WireType::Numeric,
            Typed::Text(_) => WireType::Text,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(50_000))]

        /// Every value the encoder can write parses back to itself (NaN to a NaN).
        #[test]
        fn typed_values_round_trip(t in typed()) {
            let text = typed_value::format(&t);
            let back = typed_value::parse(wire_type(&t), &text).expect("a formatted value parses");
            match (&t, &back) {
                (Typed::Float4(a), Typed::Float4(b)) => prop_assert!(a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())),
                (Typed::Float8(a), Typed::Float8(b)) => prop_assert!(a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan())),
                _ => prop_assert_eq!(back, t),
            }
        }
    }
}
