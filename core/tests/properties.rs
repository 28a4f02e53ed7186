//! Property tests of the codec. The case counts are fixed here (not taken from the environment)
//! so the test command always runs at least 100,000 hostile inputs through the decoder.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use keyset_core::{decode, encode, CursorFault, Direction};
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
        "null", "1", "-0.5e9", "true", "\"\\u00e9\"", "\"\\ud800\"", "\"x\"", " ", "\"", "\\",
    ]), 0..40)) {
        let json: String = parts.concat();
        if let Ok(c) = decode(&URL_SAFE_NO_PAD.encode(json.as_bytes())) {
            // Whatever is accepted is a complete, valid cursor that re-encodes to itself.
            let again = encode(&c.sort, c.direction, c.value.as_deref(), &c.id).unwrap();
            prop_assert_eq!(decode(&again).unwrap(), c);
        }
    }
}
