//! JSON text exactly as Postgres' `json` functions write it (`row_to_json`, `json_agg`), for
//! keyset_page's rows, which the extension writes itself from the row's columns.
//!
//! Not the cursor's escaping (`json.rs`, Go's rules): Postgres escapes only what JSON requires,
//! `escape_json` in `src/backend/utils/adt/json.c` (PostgreSQL 15):
//! - `"` and `\` get a backslash;
//! - `\b` `\f` `\n` `\r` `\t` use their short forms;
//! - every other byte below 0x20 becomes `\u00xx` with lowercase hex;
//! - every other byte, non-ASCII UTF-8 included, is copied as it is.
//!
//! The extension checks itself against Postgres byte for byte: `keyset_page_json.sql` compares
//! the rows of every kind of column with `row_to_json` under every setting that changes a type's
//! output, `keyset_rows.sql` every page of a walk, and `keyset_page_types.sql` each column type.

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends `s` to `out` as a quoted JSON string, as Postgres' `escape_json` does.
pub fn push_escaped(out: &mut Vec<u8>, s: &[u8]) {
    out.reserve(s.len() + 2);
    out.push(b'"');
    // Copy runs that need no escaping in one go: most values are plain text.
    let mut start = 0;
    for (i, &b) in s.iter().enumerate() {
        let short: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            0x08 => b"\\b",
            0x0C => b"\\f",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            b if b < 0x20 => b"",
            _ => continue,
        };
        out.extend_from_slice(&s[start..i]);
        if short.is_empty() {
            out.extend_from_slice(b"\\u00");
            out.push(HEX[(b >> 4) as usize]);
            out.push(HEX[(b & 0xF) as usize]);
        } else {
            out.extend_from_slice(short);
        }
        start = i + 1;
    }
    out.extend_from_slice(&s[start..]);
    out.push(b'"');
}

/// `"name":`, the start of a member of a row's object.
pub fn member_prefix(name: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len() + 3);
    push_escaped(&mut out, name.as_bytes());
    out.push(b':');
    out
}

/// Appends an integer as `int2out`/`int4out`/`int8out` write it.
pub fn push_integer(out: &mut Vec<u8>, v: i64) {
    // i64::MIN has no positive twin: format through u64.
    if v < 0 {
        out.push(b'-');
    }
    let mut n = v.unsigned_abs();
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[at..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn escaped(s: &[u8]) -> String {
        let mut out = Vec::new();
        push_escaped(&mut out, s);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escapes_what_postgres_escapes() {
        assert_eq!(escaped(b"plain"), r#""plain""#);
        assert_eq!(escaped(b"a\"b\\c"), r#""a\"b\\c""#);
        assert_eq!(escaped(b"\x08\x0c\n\r\t"), r#""\b\f\n\r\t""#);
        assert_eq!(escaped(b"\x01\x1f"), r#""\u0001\u001f""#);
        // Unlike cursors (Go's rules): <, >, &, U+2028 and non-ASCII stay as they are.
        assert_eq!(
            escaped("<&> \u{2028} é 😀".as_bytes()),
            "\"<&> \u{2028} é 😀\""
        );
        assert_eq!(escaped(b""), r#""""#);
        assert_eq!(
            String::from_utf8(member_prefix("we\"ird")).unwrap(),
            r#""we\"ird":"#
        );
    }

    #[test]
    fn integers_as_postgres_writes_them() {
        for v in [
            0,
            1,
            -1,
            42,
            i16::MIN as i64,
            i32::MAX as i64,
            i64::MIN,
            i64::MAX,
        ] {
            let mut out = Vec::new();
            push_integer(&mut out, v);
            assert_eq!(String::from_utf8(out).unwrap(), v.to_string());
        }
    }

    proptest! {
        /// The escaped text is a JSON string that parses back to the input.
        #[test]
        fn escaping_round_trips(s in any::<String>()) {
            let text = escaped(s.as_bytes());
            let back: String = serde_json::from_str(&text).unwrap();
            prop_assert_eq!(back, s);
        }

        #[test]
        fn integers_match_display(v in any::<i64>()) {
            let mut out = Vec::new();
            push_integer(&mut out, v);
            prop_assert_eq!(String::from_utf8(out).unwrap(), v.to_string());
        }
    }
}
