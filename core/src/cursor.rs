//! The cursor codec: `Cursor` ↔ base64url (no padding) of compact JSON.
//!
//! Single-column wire form, byte-identical to the reference services:
//! `{"s":<sort>,"o":"asc"|"desc","v":<value>,"id":<tiebreak id>}` with the keys in that order and
//! strings escaped as Go's `encoding/json` does (see [`crate::json`]).
//!
//! pg_keyset's extensions, none of which changes the single-column bytes:
//! - `"v":null` carries a SQL NULL boundary value, which the reference services cannot express;
//! - multi-column sorts and filters add two keys after `"id"`: `"x"`, the values of the sort
//!   columns between the first one (`"v"`) and the last key column (`"id"`), and `"h"`, a digest
//!   of (table, resolved sort, key, filter) so that a cursor only continues the listing it came
//!   from. They appear only when the listing goes beyond the single-column form.
//!
//! The decoder rejects unknown keys, so a tampered cursor cannot smuggle anything in.
//!
//! The decoder is strict about the base64url layer: one spelling of given bytes is accepted (no
//! padding, no standard alphabet, no stray trailing bits). The JSON inside is read as JSON: keys
//! in any order, escaped keys and strings, whitespace between tokens, so several cursor texts can
//! decode to the same fields (the encoder writes only the compact form above); duplicate or
//! unknown keys and non-string values are refused.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::{DecodeError, Engine as _};
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

use crate::error::{
    CursorFault, KeysetError, MAX_CURSOR_BYTES, MAX_EXTENDED_CURSOR_BYTES, MAX_ID_CHARS,
    MAX_VALUE_CHARS,
};
use crate::json;

/// Sort direction as carried in the cursor's `"o"` key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    Asc,
    Desc,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Asc => "asc",
            Direction::Desc => "desc",
        }
    }

    /// The wire spelling: exactly `asc` or `desc`.
    pub fn from_wire(s: &str) -> Option<Direction> {
        match s {
            "asc" => Some(Direction::Asc),
            "desc" => Some(Direction::Desc),
            _ => None,
        }
    }

    /// A direction given as a SQL argument: `asc`/`desc` in any letter case, like SQL keywords;
    /// anything else is 22023 `invalid sort direction`.
    pub fn from_sql(s: &str) -> Result<Direction, KeysetError> {
        if s.eq_ignore_ascii_case("asc") {
            Ok(Direction::Asc)
        } else if s.eq_ignore_ascii_case("desc") {
            Ok(Direction::Desc)
        } else {
            Err(KeysetError::InvalidDirection(s.to_string()))
        }
    }
}

/// A decoded cursor: the boundary row's sort value and tiebreak id, and the sort it was minted for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The sort field the cursor was minted for (`"s"`).
    pub sort: String,
    /// The direction it was minted for (`"o"`).
    pub direction: Direction,
    /// The boundary row's sort value as a wire string (`"v"`); `None` is a SQL NULL.
    pub value: Option<String>,
    /// The boundary row's tiebreak id as a wire string (`"id"`).
    pub id: String,
    /// Values of the further sort columns (`"x"`), `None` = SQL NULL; empty = no `"x"` key.
    pub more: Vec<Option<String>>,
    /// Digest of the listing (`"h"`) for multi-column sorts and filters.
    pub digest: Option<String>,
}

/// The checks both sides apply to the fields: the encoder refuses what the decoder would reject.
/// `extended`: a cursor with a digest (`"h"`), which only pg_keyset reads: the reference caps on
/// value and id lengths do not apply to it, only its total size does (see [`MAX_EXTENDED_CURSOR_BYTES`]).
fn check_fields(
    sort: &str,
    value: Option<&str>,
    id: &str,
    more: &[Option<String>],
    extended: bool,
) -> Result<(), CursorFault> {
    if sort.is_empty() {
        return Err(CursorFault::EmptySort);
    }
    let values = || {
        std::iter::once(value)
            .chain(more.iter().map(Option::as_deref))
            .flatten()
    };
    // Text cannot hold NUL: a `\u0000` would come back from cursor_decode as an invalid text
    // value, and could never match a row.
    let nul = |s: &str| s.contains('\0');
    let fields = [("s", Some(sort)), ("v", value), ("id", Some(id))];
    let more_fields = more.iter().map(|m| ("x", m.as_deref()));
    if let Some((key, _)) = fields
        .into_iter()
        .chain(more_fields)
        .find(|(_, f)| f.is_some_and(nul))
    {
        return Err(CursorFault::Nul { key });
    }
    if id.is_empty() {
        return Err(CursorFault::EmptyId);
    }
    if extended {
        return Ok(());
    }
    for v in values() {
        // Cheap byte test first: a value of at most 512 bytes has at most 512 characters.
        if v.len() > MAX_VALUE_CHARS {
            let chars = v.chars().count();
            if chars > MAX_VALUE_CHARS {
                return Err(CursorFault::ValueTooLong { chars });
            }
        }
    }
    if id.len() > MAX_ID_CHARS {
        let chars = id.chars().count();
        if chars > MAX_ID_CHARS {
            return Err(CursorFault::IdTooLong { chars });
        }
    }
    Ok(())
}

fn push_value(out: &mut String, value: Option<&str>) {
    match value {
        Some(v) => json::push_string(out, v),
        None => out.push_str("null"),
    }
}

/// The compact JSON text of a single-column cursor, before base64url.
pub fn to_json(sort: &str, direction: Direction, value: Option<&str>, id: &str) -> String {
    let mut out = String::with_capacity(32 + sort.len() + value.map_or(4, str::len) + id.len());
    out.push_str("{\"s\":");
    json::push_string(&mut out, sort);
    out.push_str(",\"o\":\"");
    out.push_str(direction.as_str());
    out.push_str("\",\"v\":");
    push_value(&mut out, value);
    out.push_str(",\"id\":");
    json::push_string(&mut out, id);
    out.push('}');
    out
}

/// The JSON text of any cursor: the single-column text with `"x"` and `"h"` after `"id"`.
fn to_json_full(c: &Cursor) -> String {
    let mut out = to_json(&c.sort, c.direction, c.value.as_deref(), &c.id);
    if c.more.is_empty() && c.digest.is_none() {
        return out;
    }
    out.pop(); // the closing brace
    if !c.more.is_empty() {
        out.push_str(",\"x\":[");
        for (i, v) in c.more.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_value(&mut out, v.as_deref());
        }
        out.push(']');
    }
    if let Some(h) = &c.digest {
        out.push_str(",\"h\":");
        json::push_string(&mut out, h);
    }
    out.push('}');
    out
}

/// Mints a cursor. Fails with the fault the decoder would report, so every cursor this returns is
/// accepted by [`decode`] and decodes to the same fields.
pub fn encode(
    sort: &str,
    direction: Direction,
    value: Option<&str>,
    id: &str,
) -> Result<String, CursorFault> {
    check_fields(sort, value, id, &[], false)?;
    finish(to_json(sort, direction, value, id), false)
}

fn finish(text: String, extended: bool) -> Result<String, CursorFault> {
    let encoded_len = base64::encoded_len(text.len(), false).unwrap_or(usize::MAX);
    if extended && encoded_len > MAX_EXTENDED_CURSOR_BYTES {
        return Err(CursorFault::ExtendedTooLong { bytes: encoded_len });
    }
    if !extended && encoded_len > MAX_CURSOR_BYTES {
        return Err(CursorFault::TooLong { bytes: encoded_len });
    }
    Ok(URL_SAFE_NO_PAD.encode(text))
}

impl Cursor {
    /// Mints this cursor (any form); same guarantees as [`encode`].
    pub fn encode(&self) -> Result<String, CursorFault> {
        let extended = self.digest.is_some();
        check_fields(
            &self.sort,
            self.value.as_deref(),
            &self.id,
            &self.more,
            extended,
        )?;
        check_digest(self.digest.as_deref())?;
        finish(to_json_full(self), extended)
    }
}

/// A digest is what [`crate::page_request`] mints: 11 base64url characters.
fn check_digest(h: Option<&str>) -> Result<(), CursorFault> {
    match h {
        Some("") => Err(CursorFault::EmptyDigest),
        Some(h) if h.len() > 64 || h.contains('\0') => Err(CursorFault::BadDigest),
        _ => Ok(()),
    }
}

/// Decodes and validates a cursor. Never panics, whatever the input.
///
/// Two size classes: a cursor in the reference format (no `"h"`) has the reference caps (1024
/// bytes, values of 512 characters, ids of 128); a cursor with a digest, which only pg_keyset
/// mints and reads, may be up to [`MAX_EXTENDED_CURSOR_BYTES`], so no stored value an index can
/// hold makes a page boundary unencodable.
pub fn decode(cursor: &str) -> Result<Cursor, CursorFault> {
    if cursor.trim().is_empty() {
        return Err(CursorFault::Empty);
    }
    // Length first: it bounds all later work on hostile input.
    if cursor.len() > MAX_EXTENDED_CURSOR_BYTES {
        return Err(CursorFault::ExtendedTooLong {
            bytes: cursor.len(),
        });
    }
    let long = cursor.len() > MAX_CURSOR_BYTES;
    let c = decode_fields(cursor).map_err(|fault| match fault {
        // Not even a cursor: over the reference size, that is the first thing wrong with it.
        _ if long => CursorFault::TooLong {
            bytes: cursor.len(),
        },
        f => f,
    })?;
    if long && c.digest.is_none() {
        return Err(CursorFault::TooLong {
            bytes: cursor.len(),
        });
    }
    Ok(c)
}

fn decode_fields(cursor: &str) -> Result<Cursor, CursorFault> {
    let bytes = decode_base64(cursor)?;
    let text = std::str::from_utf8(&bytes).map_err(|e| CursorFault::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    let fields = parse_json(text)?;
    let sort = fields.s.ok_or(CursorFault::MissingKey("s"))?;
    let o = fields.o.ok_or(CursorFault::MissingKey("o"))?;
    let value = fields.v.ok_or(CursorFault::MissingKey("v"))?;
    let id = fields.id.ok_or(CursorFault::MissingKey("id"))?;
    let direction = Direction::from_wire(&o).ok_or(CursorFault::BadDirection(o))?;
    let more = fields.x.unwrap_or_default();
    check_fields(&sort, value.as_deref(), &id, &more, fields.h.is_some())?;
    check_digest(fields.h.as_deref())?;
    Ok(Cursor {
        sort,
        direction,
        value,
        id,
        more,
        digest: fields.h,
    })
}

fn decode_base64(cursor: &str) -> Result<Vec<u8>, CursorFault> {
    // Name the two common mistakes (padding, the standard alphabet) before the generic error.
    for (offset, &byte) in cursor.as_bytes().iter().enumerate() {
        match byte {
            b'=' => return Err(CursorFault::Padded),
            b'+' | b'/' => return Err(CursorFault::StandardAlphabet { byte, offset }),
            _ => {}
        }
    }
    URL_SAFE_NO_PAD.decode(cursor).map_err(|e| match e {
        DecodeError::InvalidByte(offset, byte) => CursorFault::InvalidBase64Byte { byte, offset },
        DecodeError::InvalidLength(_) => CursorFault::InvalidBase64Length,
        DecodeError::InvalidLastSymbol(_, _) => CursorFault::NonCanonicalBase64,
        DecodeError::InvalidPadding => CursorFault::Padded,
    })
}

/// The six fields as found in the JSON (`x` and `h` only beyond the single-column form); `v` is
/// `Some(None)` for an explicit `null`.
#[derive(Default)]
struct Fields {
    s: Option<String>,
    o: Option<String>,
    v: Option<Option<String>>,
    id: Option<String>,
    x: Option<Vec<Option<String>>>,
    h: Option<String>,
}

fn parse_json(text: &str) -> Result<Fields, CursorFault> {
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = (&mut de)
        .deserialize_any(FieldsVisitor)
        .and_then(|r| de.end().map(|()| r));
    match parsed {
        Ok(result) => result,
        Err(e) => Err(CursorFault::NotJson {
            reason: e.to_string(),
        }),
    }
}

/// Visits the top-level JSON value. Faults in well-formed JSON are returned as the visitor's
/// value (not as serde errors), after consuming the rest of the input, so they keep their kind.
struct FieldsVisitor;

type Visited = Result<Fields, CursorFault>;

fn not_object(found: &'static str) -> Visited {
    Err(CursorFault::NotObject { found })
}

impl<'de> Visitor<'de> for FieldsVisitor {
    type Value = Visited;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a cursor object")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Visited, E> {
        Ok(not_object("boolean"))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Visited, E> {
        Ok(not_object("number"))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Visited, E> {
        Ok(not_object("number"))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Visited, E> {
        Ok(not_object("number"))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Visited, E> {
        Ok(not_object("string"))
    }
    fn visit_unit<E: de::Error>(self) -> Result<Visited, E> {
        Ok(not_object("null"))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Visited, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(not_object("array"))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Visited, A::Error> {
        let mut fields = Fields::default();
        let mut fault = None;
        while let Some(key) = map.next_key::<Key>()? {
            if fault.is_some() {
                map.next_value::<IgnoredAny>()?;
                continue;
            }
            let value = map.next_value::<WireValue>()?;
            fault = fields.set(key, value).err();
        }
        Ok(match fault {
            Some(f) => Err(f),
            None => Ok(fields),
        })
    }
}

impl Fields {
    fn set(&mut self, key: Key, value: WireValue) -> Result<(), CursorFault> {
        let (name, slot_is_set) = match &key {
            Key::S => ("s", self.s.is_some()),
            Key::O => ("o", self.o.is_some()),
            Key::V => ("v", self.v.is_some()),
            Key::Id => ("id", self.id.is_some()),
            Key::X => ("x", self.x.is_some()),
            Key::H => ("h", self.h.is_some()),
            Key::Other(k) => return Err(CursorFault::UnknownKey(k.clone())),
        };
        if slot_is_set {
            return Err(CursorFault::DuplicateKey(name.to_string()));
        }
        if let Key::X = key {
            let WireValue::Array(items) = value else {
                return Err(CursorFault::NotArray {
                    key: "x",
                    found: value.kind(),
                });
            };
            let mut more = Vec::with_capacity(items.len());
            for item in items {
                match item {
                    WireValue::Str(s) => more.push(Some(s)),
                    WireValue::Other("null") => more.push(None),
                    other => {
                        return Err(CursorFault::NotString {
                            key: "x",
                            found: other.kind(),
                        })
                    }
                }
            }
            self.x = Some(more);
            return Ok(());
        }
        let string = match (value, &key) {
            (WireValue::Str(s), _) => Some(s),
            // Only "v" may be null: it stands for a SQL NULL boundary value.
            (WireValue::Other("null"), Key::V) => None,
            (other, _) => {
                return Err(CursorFault::NotString {
                    key: name,
                    found: other.kind(),
                })
            }
        };
        match key {
            Key::S => self.s = string,
            Key::O => self.o = string,
            Key::V => self.v = Some(string),
            Key::Id => self.id = string,
            Key::H => self.h = string,
            Key::X | Key::Other(_) => {}
        }
        Ok(())
    }
}

enum Key {
    S,
    O,
    V,
    Id,
    X,
    H,
    Other(String),
}

impl Key {
    fn from_str(k: &str) -> Key {
        match k {
            "s" => Key::S,
            "o" => Key::O,
            "v" => Key::V,
            "id" => Key::Id,
            "x" => Key::X,
            "h" => Key::H,
            other => Key::Other(other.to_string()),
        }
    }
}

impl<'de> de::Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Key, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, k: &str) -> Result<Key, E> {
                Ok(Key::from_str(k))
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

/// A value in the cursor object: a string, an array, or the JSON kind of anything else.
enum WireValue {
    Str(String),
    Array(Vec<WireValue>),
    Other(&'static str),
}

impl WireValue {
    fn kind(&self) -> &'static str {
        match self {
            WireValue::Str(_) => "string",
            WireValue::Array(_) => "array",
            WireValue::Other(k) => k,
        }
    }
}

impl<'de> de::Deserialize<'de> for WireValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<WireValue, D::Error> {
        struct ValueVisitor;
        impl<'de> Visitor<'de> for ValueVisitor {
            type Value = WireValue;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_str<E: de::Error>(self, s: &str) -> Result<WireValue, E> {
                Ok(WireValue::Str(s.to_string()))
            }
            fn visit_string<E: de::Error>(self, s: String) -> Result<WireValue, E> {
                Ok(WireValue::Str(s))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<WireValue, E> {
                Ok(WireValue::Other("boolean"))
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<WireValue, E> {
                Ok(WireValue::Other("number"))
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<WireValue, E> {
                Ok(WireValue::Other("number"))
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<WireValue, E> {
                Ok(WireValue::Other("number"))
            }
            fn visit_unit<E: de::Error>(self) -> Result<WireValue, E> {
                Ok(WireValue::Other("null"))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<WireValue, A::Error> {
                // The cursor's length cap (1024 bytes) bounds how many items there can be.
                let mut items = Vec::new();
                while let Some(v) = seq.next_element::<WireValue>()? {
                    items.push(v);
                }
                Ok(WireValue::Array(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<WireValue, A::Error> {
                while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                Ok(WireValue::Other("object"))
            }
        }
        d.deserialize_any(ValueVisitor)
    }
}
