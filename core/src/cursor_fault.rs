//! Why a cursor is unacceptable: the faults the decoder reports for cursors it rejects and the
//! encoder for cursors it refuses to mint, the wire format's caps, and their DETAIL texts.

use std::fmt;

/// Why a cursor is unacceptable. The decoder reports these for cursors it rejects, and the encoder
/// reports the same ones for cursors it refuses to mint, so both sides share one set of rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CursorFault {
    Empty,
    TooLong {
        bytes: usize,
    },
    /// Over [`MAX_EXTENDED_CURSOR_BYTES`], the cap of cursors with a digest.
    ExtendedTooLong {
        bytes: usize,
    },
    /// A NUL character (`\u0000`) in a string field.
    Nul {
        key: &'static str,
    },
    /// A digest that pg_keyset cannot have minted.
    BadDigest,
    Padded,
    StandardAlphabet {
        byte: u8,
        offset: usize,
    },
    InvalidBase64Byte {
        byte: u8,
        offset: usize,
    },
    InvalidBase64Length,
    NonCanonicalBase64,
    NotUtf8 {
        offset: usize,
    },
    NotJson {
        reason: String,
    },
    NotObject {
        found: &'static str,
    },
    MissingKey(&'static str),
    UnknownKey(String),
    DuplicateKey(String),
    NotString {
        key: &'static str,
        found: &'static str,
    },
    NotArray {
        key: &'static str,
        found: &'static str,
    },
    EmptyDigest,
    BadDirection(String),
    EmptySort,
    ValueTooLong {
        chars: usize,
    },
    EmptyId,
    IdTooLong {
        chars: usize,
    },
    /// Minted for another sort column.
    SortMismatch {
        cursor: String,
        request: String,
    },
    /// Minted for the other direction.
    DirectionMismatch {
        cursor: &'static str,
        request: &'static str,
    },
    /// A value or id that is not valid for its column's type (or cannot travel in a cursor).
    /// `column` is empty when there is no column (cursor_encode).
    BadValue {
        field: &'static str,
        column: String,
        type_name: String,
        reason: String,
    },
    /// A NULL boundary value for a column that cannot hold NULL.
    NullForNotNull {
        column: String,
    },
    /// A NULL value for a column of the unique key (pg_keyset never mints one).
    NullInKey {
        column: String,
    },
    /// Sorting by the key alone: the value and the id must be the same key.
    ValueIsNotId,
    /// The cursor's digest says it was minted for another table, sort or filter (or it has a
    /// digest the request has no use for, or lacks one it needs).
    ListingMismatch,
    /// The cursor carries a different number of sort values than the request's sort has columns.
    ValueCount {
        cursor: usize,
        request: usize,
    },
}

/// Caps of the wire format, shared with the reference services (docs/internals.md, "Cursor
/// format").
pub const MAX_CURSOR_BYTES: usize = 1024;
/// Cursors with a digest (`"h"`) are read only by pg_keyset, so they are not held to the reference
/// caps: a boundary row whose values need more than 1024 bytes (a 200-character value of `<`s,
/// which escaping inflates sixfold, or 180 emoji) still gets a cursor. 64 KiB holds the largest
/// value a btree index can (2704 bytes), escaped at the worst rate, many times over.
pub const MAX_EXTENDED_CURSOR_BYTES: usize = 65_536;
pub const MAX_VALUE_CHARS: usize = 512;
pub const MAX_ID_CHARS: usize = 128;

/// A name or value as a message shows it: as it is, the way Postgres quotes names in messages
/// (`column "we"ird"`), except that a NUL, which no message can carry, is written `\u0000`.
pub(crate) fn shown(s: &str) -> std::borrow::Cow<'_, str> {
    if s.contains('\0') {
        std::borrow::Cow::Owned(s.replace('\0', "\\u0000"))
    } else {
        std::borrow::Cow::Borrowed(s)
    }
}

/// The SQL types a cursor can carry, for messages.
pub const SUPPORTED_TYPES: &str = "smallint, integer, bigint, numeric, real, double precision, boolean, text, varchar, char, name, uuid, date, timestamp or timestamptz";

fn printable(byte: u8) -> String {
    if byte.is_ascii_graphic() {
        format!("\"{}\" (0x{byte:02X})", byte as char)
    } else {
        format!("0x{byte:02X}")
    }
}

impl fmt::Display for CursorFault {
    /// The DETAIL line: one sentence naming the specific reason.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use CursorFault::*;
        match self {
            Empty => write!(f, "The cursor is empty."),
            TooLong { bytes } => write!(
                f,
                "The cursor is {bytes} bytes long; the maximum is {MAX_CURSOR_BYTES} bytes."
            ),
            ExtendedTooLong { bytes } => write!(
                f,
                "The cursor is {bytes} bytes long; the maximum is {MAX_EXTENDED_CURSOR_BYTES} bytes."
            ),
            Nul { key } => write!(f, "The cursor's \"{key}\" contains a NUL character (\\u0000), which text cannot hold."),
            BadDigest => write!(f, "The cursor's digest is not one pg_keyset mints."),
            Padded => write!(f, "The cursor has \"=\" padding; cursors are base64url without padding."),
            StandardAlphabet { byte, offset } => write!(
                f,
                "The cursor has {} at offset {offset}, from the standard base64 alphabet; cursors use base64url (\"-\" and \"_\").",
                printable(*byte)
            ),
            InvalidBase64Byte { byte, offset } => write!(
                f,
                "The cursor has {} at offset {offset}, which is not a base64url character.",
                printable(*byte)
            ),
            InvalidBase64Length => write!(f, "The cursor's length is not a valid base64url length."),
            NonCanonicalBase64 => write!(
                f,
                "The cursor's last base64url character has bits set that encode nothing."
            ),
            NotUtf8 { offset } => write!(
                f,
                "The decoded cursor is not valid UTF-8 (invalid byte at offset {offset})."
            ),
            NotJson { reason } => write!(f, "The decoded cursor is not valid JSON: {reason}."),
            NotObject { found } => write!(f, "The decoded cursor is a JSON {found}, not an object."),
            MissingKey(key) => write!(f, "The cursor has no \"{key}\" key."),
            UnknownKey(key) => write!(f, "The cursor has an unknown key \"{}\".", shown(key)),
            DuplicateKey(key) => write!(f, "The cursor has the key \"{key}\" more than once."),
            NotString { key, found } => {
                write!(f, "The cursor's \"{key}\" is a JSON {found}, not a string.")
            }
            NotArray { key, found } => {
                write!(f, "The cursor's \"{key}\" is a JSON {found}, not an array.")
            }
            EmptyDigest => write!(f, "The cursor's digest is empty."),
            BadDirection(o) => write!(
                f,
                "The cursor's direction \"{}\" is neither \"asc\" nor \"desc\".",
                shown(o)
            ),
            EmptySort => write!(f, "The cursor's sort field is empty."),
            ValueTooLong { chars } => write!(
                f,
                "The cursor's value is {chars} characters long; the maximum is {MAX_VALUE_CHARS}."
            ),
            EmptyId => write!(f, "The cursor's id is empty."),
            IdTooLong { chars } => write!(
                f,
                "The cursor's id is {chars} characters long; the maximum is {MAX_ID_CHARS}."
            ),
            SortMismatch { cursor, request } => write!(
                f,
                "The cursor was minted for sort \"{}\", but this request sorts by \"{}\".",
                shown(cursor),
                shown(request)
            ),
            DirectionMismatch { cursor, request } => write!(
                f,
                "The cursor was minted for direction \"{cursor}\", but this request is \"{request}\"."
            ),
            BadValue { field, column, type_name, reason } if column.is_empty() => {
                write!(f, "The cursor's {field} is not a valid {type_name}: {reason}.")
            }
            BadValue { field, column, type_name, reason } => write!(
                f,
                "The cursor's {field} is not a valid {type_name} for column \"{}\": {reason}.",
                shown(column)
            ),
            NullForNotNull { column } => write!(
                f,
                "The cursor's value is null, but column \"{}\" is NOT NULL.",
                shown(column)
            ),
            NullInKey { column } => write!(
                f,
                "The cursor's value for key column \"{}\" is null; key values never are.",
                shown(column)
            ),
            ValueIsNotId => write!(
                f,
                "The cursor sorts by the key alone, but its value and id differ."
            ),
            ListingMismatch => write!(
                f,
                "The cursor was minted for another table, sort specification or filter."
            ),
            ValueCount { cursor, request } => write!(
                f,
                "The cursor carries {cursor} sort values, but this request sorts by {request} columns."
            ),
        }
    }
}
