//! Every way a cursor can be bad, and the fault the decoder names for it.

use base64::engine::general_purpose::{STANDARD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use keyset_core::{decode, CursorFault};

fn b64(json: &str) -> String {
    URL_SAFE_NO_PAD.encode(json)
}

fn fault(cursor: &str) -> CursorFault {
    decode(cursor).expect_err("cursor must be rejected")
}

const GOOD: &str = r#"{"s":"name","o":"asc","v":"a","id":"1"}"#;

#[test]
fn good_cursor_decodes() {
    let c = decode(&b64(GOOD)).unwrap();
    assert_eq!(
        (c.sort.as_str(), c.value.as_deref(), c.id.as_str()),
        ("name", Some("a"), "1")
    );
}

#[test]
fn empty_and_whitespace() {
    assert_eq!(fault(""), CursorFault::Empty);
    assert_eq!(fault("   \t\n"), CursorFault::Empty);
}

#[test]
fn too_long_is_checked_before_decoding() {
    assert_eq!(
        fault(&"A".repeat(1025)),
        CursorFault::TooLong { bytes: 1025 }
    );
    assert_eq!(
        fault(&"!".repeat(5000)),
        CursorFault::TooLong { bytes: 5000 }
    );
}

#[test]
fn base64_variants_are_rejected() {
    // {"s":"name","o":"asc","v":"a","id":"1"} is 39 bytes: padded forms end in "=".
    let json = r#"{"s":"name","o":"asc","v":"a","id":"10"}"#;
    assert!(URL_SAFE.encode(json).ends_with('='));
    assert_eq!(fault(&URL_SAFE.encode(json)), CursorFault::Padded);
    // ">>>" and "???" encode to "+" and "/" in the standard alphabet.
    let std_json = r#"{"s":"name","o":"asc","v":">>>???","id":"1"}"#;
    let std = STANDARD.encode(std_json);
    assert!(std.contains('+') || std.contains('/'));
    assert!(matches!(
        fault(std.trim_end_matches('=')),
        CursorFault::StandardAlphabet { .. }
    ));
    assert_eq!(
        fault("abc$def"),
        CursorFault::InvalidBase64Byte {
            byte: b'$',
            offset: 3
        }
    );
    assert_eq!(
        fault(&format!(" {}", b64(GOOD))),
        CursorFault::InvalidBase64Byte {
            byte: b' ',
            offset: 0
        }
    );
    assert_eq!(fault("A"), CursorFault::InvalidBase64Length);
    // "QR" decodes to one byte with 4 stray trailing bits ("QQ" is the canonical form of "A").
    assert_eq!(fault("QR"), CursorFault::NonCanonicalBase64);
}

#[test]
fn not_utf8() {
    assert_eq!(
        fault(&URL_SAFE_NO_PAD.encode([b'{', 0xff, 0xfe])),
        CursorFault::NotUtf8 { offset: 1 }
    );
}

#[test]
fn not_json_or_not_an_object() {
    assert!(matches!(fault(&b64("hello")), CursorFault::NotJson { .. }));
    assert!(matches!(
        fault(&b64(r#"{"s":"name""#)),
        CursorFault::NotJson { .. }
    ));
    assert!(matches!(
        fault(&b64(&format!("{GOOD} x"))),
        CursorFault::NotJson { .. }
    ));
    assert!(matches!(
        fault(&b64(r#"{"s":"\ud800","o":"asc","v":"a","id":"1"}"#)),
        CursorFault::NotJson { .. }
    ));
    assert_eq!(
        fault(&b64("[1,2]")),
        CursorFault::NotObject { found: "array" }
    );
    assert_eq!(
        fault(&b64("\"abc\"")),
        CursorFault::NotObject { found: "string" }
    );
    assert_eq!(
        fault(&b64("42")),
        CursorFault::NotObject { found: "number" }
    );
    assert_eq!(
        fault(&b64("null")),
        CursorFault::NotObject { found: "null" }
    );
    assert_eq!(
        fault(&b64("true")),
        CursorFault::NotObject { found: "boolean" }
    );
}

#[test]
fn missing_unknown_and_duplicate_keys() {
    assert_eq!(
        fault(&b64(r#"{"s":"name","v":"a","id":"1"}"#)),
        CursorFault::MissingKey("o")
    );
    assert_eq!(
        fault(&b64(r#"{"o":"asc","v":"a","id":"1"}"#)),
        CursorFault::MissingKey("s")
    );
    assert_eq!(
        fault(&b64(r#"{"s":"name","o":"asc","id":"1"}"#)),
        CursorFault::MissingKey("v")
    );
    assert_eq!(
        fault(&b64(r#"{"s":"name","o":"asc","v":"a"}"#)),
        CursorFault::MissingKey("id")
    );
    assert_eq!(fault(&b64("{}")), CursorFault::MissingKey("s"));
    assert_eq!(
        fault(&b64(r#"{"s":"name","o":"asc","v":"a","id":"1","z":1}"#)),
        CursorFault::UnknownKey("z".into())
    );
    // The multi-column keys: "x" an array of strings or nulls, "h" a non-empty string.
    assert_eq!(
        fault(&b64(r#"{"s":"name","o":"asc","v":"a","id":"1","x":1}"#)),
        CursorFault::NotArray {
            key: "x",
            found: "number"
        }
    );
    assert_eq!(
        fault(&b64(
            r#"{"s":"name","o":"asc","v":"a","id":"1","x":["a",2]}"#
        )),
        CursorFault::NotString {
            key: "x",
            found: "number"
        }
    );
    assert_eq!(
        fault(&b64(
            r#"{"s":"name","o":"asc","v":"a","id":"1","x":[["a"]]}"#
        )),
        CursorFault::NotString {
            key: "x",
            found: "array"
        }
    );
    assert_eq!(
        fault(&b64(r#"{"s":"name","o":"asc","v":"a","id":"1","h":null}"#)),
        CursorFault::NotString {
            key: "h",
            found: "null"
        }
    );
    assert_eq!(
        fault(&b64(r#"{"s":"name","o":"asc","v":"a","id":"1","h":""}"#)),
        CursorFault::EmptyDigest
    );
    assert_eq!(
        fault(&b64(
            r#"{"s":"name","o":"asc","v":"a","id":"1","x":[],"x":[]}"#
        )),
        CursorFault::DuplicateKey("x".into())
    );
    let long = format!(
        r#"{{"s":"n","o":"asc","v":"a","id":"1","x":["{}"]}}"#,
        "a".repeat(513)
    );
    assert_eq!(fault(&b64(&long)), CursorFault::ValueTooLong { chars: 513 });
    let c = decode(&b64(
        r#"{"s":"name","o":"asc","v":null,"id":"1","x":[null,"b"],"h":"abc"}"#,
    ))
    .unwrap();
    assert_eq!(
        (c.more, c.digest.as_deref()),
        (vec![None, Some("b".to_string())], Some("abc"))
    );
    assert_eq!(
        fault(&b64(
            r#"{"s":"name","o":"asc","o":"desc","v":"a","id":"1"}"#
        )),
        CursorFault::DuplicateKey("o".into())
    );
}

#[test]
fn key_order_and_escaped_keys_are_accepted_like_go() {
    let c = decode(&b64(r#"{"id":"1","v":"a","o":"desc","s":"name"}"#)).unwrap();
    assert_eq!(c.id, "1");
    let c = decode(&b64(r#"{"\u0073":"name","o":"asc","v":"\u003c","id":"1"}"#)).unwrap();
    assert_eq!((c.sort.as_str(), c.value.as_deref()), ("name", Some("<")));
}

#[test]
fn non_string_values() {
    assert_eq!(
        fault(&b64(r#"{"s":"name","o":"asc","v":"a","id":1}"#)),
        CursorFault::NotString {
            key: "id",
            found: "number"
        }
    );
    assert_eq!(
        fault(&b64(r#"{"s":"name","o":"asc","v":5,"id":"1"}"#)),
        CursorFault::NotString {
            key: "v",
            found: "number"
        }
    );
    assert_eq!(
        fault(&b64(r#"{"s":["name"],"o":"asc","v":"a","id":"1"}"#)),
        CursorFault::NotString {
            key: "s",
            found: "array"
        }
    );
    assert_eq!(
        fault(&b64(r#"{"s":"name","o":null,"v":"a","id":"1"}"#)),
        CursorFault::NotString {
            key: "o",
            found: "null"
        }
    );
    assert_eq!(
        fault(&b64(r#"{"s":"name","o":"asc","v":{"a":1},"id":"1"}"#)),
        CursorFault::NotString {
            key: "v",
            found: "object"
        }
    );
    // "v": null is the one allowed non-string: a SQL NULL boundary value.
    assert_eq!(
        decode(&b64(r#"{"s":"name","o":"asc","v":null,"id":"1"}"#))
            .unwrap()
            .value,
        None
    );
}

#[test]
fn direction_must_be_exactly_asc_or_desc() {
    for o in ["ASC", "up", "", " asc"] {
        let json = format!(r#"{{"s":"name","o":"{o}","v":"a","id":"1"}}"#);
        assert_eq!(fault(&b64(&json)), CursorFault::BadDirection(o.into()));
    }
}

#[test]
fn field_caps() {
    let at = |v: &str, id: &str| format!(r#"{{"s":"name","o":"asc","v":"{v}","id":"{id}"}}"#);
    assert!(decode(&b64(&at(&"x".repeat(512), "1"))).is_ok());
    assert_eq!(
        fault(&b64(&at(&"x".repeat(513), "1"))),
        CursorFault::ValueTooLong { chars: 513 }
    );
    assert!(decode(&b64(&at("a", &"9".repeat(128)))).is_ok());
    assert_eq!(
        fault(&b64(&at("a", &"9".repeat(129)))),
        CursorFault::IdTooLong { chars: 129 }
    );
    assert_eq!(fault(&b64(&at("a", ""))), CursorFault::EmptyId);
    assert_eq!(
        fault(&b64(r#"{"s":"","o":"asc","v":"a","id":"1"}"#)),
        CursorFault::EmptySort
    );
    // Characters, not bytes: 512 two-byte characters are fine as far as the value cap goes.
    let v = "é".repeat(300);
    assert!(decode(&b64(&at(&v, "1"))).is_ok());
}
