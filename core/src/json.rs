//! JSON string escaping exactly as Go's `encoding/json` does by default (Go ≥ 1.22).
//!
//! Byte-for-byte equality with cursors minted by the reference services depends on this, so it is
//! written out by hand instead of delegating to serde_json (which does not escape `<`, `>`, `&`,
//! U+2028 or U+2029). The rules:
//! - `"` and `\` get a backslash;
//! - `\b` `\f` `\n` `\r` `\t` use their short forms (Go 1.22 added `\b` and `\f`);
//! - every other control character below U+0020 becomes `\u00xx` with lowercase hex;
//! - `<` `>` `&` become `\u003c` `\u003e` `\u0026` (Go's HTML-safe default);
//! - U+2028 and U+2029 become `\u2028` and `\u2029`;
//! - everything else, including other non-ASCII, is copied as raw UTF-8.

const HEX: &[u8; 16] = b"0123456789abcdef";

/// Appends `s` to `out` as a quoted JSON string.
pub fn push_string(out: &mut String, s: &str) {
    out.push('"');
    // Copy runs of characters that need no escaping in one go: most values are plain ASCII.
    let mut start = 0;
    for (i, c) in s.char_indices() {
        let escape: Option<&str> = match c {
            '"' => Some("\\\""),
            '\\' => Some("\\\\"),
            '\u{08}' => Some("\\b"),
            '\u{0C}' => Some("\\f"),
            '\n' => Some("\\n"),
            '\r' => Some("\\r"),
            '\t' => Some("\\t"),
            '<' => Some("\\u003c"),
            '>' => Some("\\u003e"),
            '&' => Some("\\u0026"),
            '\u{2028}' => Some("\\u2028"),
            '\u{2029}' => Some("\\u2029"),
            c if (c as u32) < 0x20 => None,
            _ => continue,
        };
        out.push_str(&s[start..i]);
        match escape {
            Some(e) => out.push_str(e),
            None => {
                let b = c as u8;
                out.push_str("\\u00");
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 0x0f) as usize] as char);
            }
        }
        start = i + c.len_utf8();
    }
    out.push_str(&s[start..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::push_string;

    fn esc(s: &str) -> String {
        let mut out = String::new();
        push_string(&mut out, s);
        out
    }

    #[test]
    fn escapes_like_go() {
        assert_eq!(esc("plain"), r#""plain""#);
        assert_eq!(esc(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(esc("<a>&"), r#""\u003ca\u003e\u0026""#);
        assert_eq!(esc("\u{8}\u{c}\n\r\t"), r#""\b\f\n\r\t""#);
        assert_eq!(
            esc("\u{0}\u{1}\u{1f}\u{b}"),
            r#""\u0000\u0001\u001f\u000b""#
        );
        assert_eq!(esc("\u{2028}\u{2029}"), r#""\u2028\u2029""#);
        // DEL and other non-ASCII stay raw.
        assert_eq!(esc("\u{7f}é😀"), "\"\u{7f}é😀\"");
        assert_eq!(esc(""), r#""""#);
    }
}
