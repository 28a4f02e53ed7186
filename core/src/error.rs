//! Every user-facing error of pg_keyset, with its SQLSTATE, message, DETAIL and HINT.
//!
//! This is the one place that decides what a user sees. The extension converts a [`KeysetError`]
//! into a Postgres `ErrorReport` by reading these four parts; nothing else picks SQLSTATEs.
//! Messages follow the Postgres style guide: lowercase primary message without a final period,
//! DETAIL and HINT as full sentences.

use std::fmt;

/// The SQLSTATEs pg_keyset raises. Kept as an enum so the mapping to pgrx's error codes is a
/// single exhaustive `match` on the extension side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SqlState {
    /// 22023 `invalid_parameter_value`: bad cursors, bad directions, values a cursor cannot hold.
    InvalidParameterValue,
    /// 22004 `null_value_not_allowed`: a NULL where pg_keyset needs a value.
    NullValueNotAllowed,
    /// 42804 `datatype_mismatch`: a value of a type the cursor format has no encoding for.
    DatatypeMismatch,
}

impl SqlState {
    pub fn code(self) -> &'static str {
        match self {
            SqlState::InvalidParameterValue => "22023",
            SqlState::NullValueNotAllowed => "22004",
            SqlState::DatatypeMismatch => "42804",
        }
    }
}

/// Why a cursor is unacceptable. The decoder reports these for cursors it rejects, and the encoder
/// reports the same ones for cursors it refuses to mint, so both sides share one set of rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CursorFault {
    Empty,
    TooLong { bytes: usize },
    Padded,
    StandardAlphabet { byte: u8, offset: usize },
    InvalidBase64Byte { byte: u8, offset: usize },
    InvalidBase64Length,
    NonCanonicalBase64,
    NotUtf8 { offset: usize },
    NotJson { reason: String },
    NotObject { found: &'static str },
    MissingKey(&'static str),
    UnknownKey(String),
    DuplicateKey(String),
    NotString { key: &'static str, found: &'static str },
    BadDirection(String),
    EmptySort,
    ValueTooLong { chars: usize },
    EmptyId,
    IdTooLong { chars: usize },
}

/// Caps of the wire format, shared with the reference services (see README, "Cursor format").
pub const MAX_CURSOR_BYTES: usize = 1024;
pub const MAX_VALUE_CHARS: usize = 512;
pub const MAX_ID_CHARS: usize = 128;

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
            UnknownKey(key) => write!(f, "The cursor has an unknown key \"{}\".", key.escape_debug()),
            DuplicateKey(key) => write!(f, "The cursor has the key \"{key}\" more than once."),
            NotString { key, found } => {
                write!(f, "The cursor's \"{key}\" is a JSON {found}, not a string.")
            }
            BadDirection(o) => write!(
                f,
                "The cursor's direction \"{}\" is neither \"asc\" nor \"desc\".",
                o.escape_debug()
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
        }
    }
}

/// Every error pg_keyset reports to a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeysetError {
    /// A cursor given to pg_keyset that it will not accept.
    InvalidCursor(CursorFault),
    /// A cursor pg_keyset was asked to mint that its own decoder would reject.
    CannotEncode(CursorFault),
    /// A sort direction other than asc/desc.
    InvalidDirection(String),
    /// A NULL argument where a value is required.
    NullArgument(&'static str),
    /// A value whose SQL type has no cursor encoding.
    UnsupportedType { argument: &'static str, type_name: String },
}

impl KeysetError {
    pub fn sqlstate(&self) -> SqlState {
        match self {
            KeysetError::InvalidCursor(_)
            | KeysetError::CannotEncode(_)
            | KeysetError::InvalidDirection(_) => SqlState::InvalidParameterValue,
            KeysetError::NullArgument(_) => SqlState::NullValueNotAllowed,
            KeysetError::UnsupportedType { .. } => SqlState::DatatypeMismatch,
        }
    }

    pub fn message(&self) -> String {
        match self {
            KeysetError::InvalidCursor(_) => "invalid cursor".into(),
            KeysetError::CannotEncode(_) => "cannot encode cursor".into(),
            KeysetError::InvalidDirection(d) => {
                format!("invalid sort direction \"{}\"", d.escape_debug())
            }
            KeysetError::NullArgument(arg) => format!("argument \"{arg}\" must not be null"),
            KeysetError::UnsupportedType { argument, type_name } => {
                format!("cursor {argument} of type {type_name} is not supported")
            }
        }
    }

    pub fn detail(&self) -> Option<String> {
        match self {
            KeysetError::InvalidCursor(fault) | KeysetError::CannotEncode(fault) => {
                Some(fault.to_string())
            }
            KeysetError::UnsupportedType { argument, .. } => Some(format!(
                "A cursor {argument} must be of type smallint, integer, bigint, numeric, real, double precision, boolean, text, varchar, char, name, uuid, date, timestamp or timestamptz."
            )),
            _ => None,
        }
    }

    pub fn hint(&self) -> Option<String> {
        match self {
            KeysetError::InvalidCursor(_) => Some(
                "Pass the next_cursor value from a previous page unchanged, or NULL for the first page."
                    .into(),
            ),
            KeysetError::CannotEncode(CursorFault::TooLong { .. }) => Some(
                "Sort by a shorter column; escaping and multi-byte characters count towards the limit."
                    .into(),
            ),
            KeysetError::InvalidDirection(_) => Some("Use \"asc\" or \"desc\".".into()),
            KeysetError::UnsupportedType { .. } => Some("Cast the value to text.".into()),
            _ => None,
        }
    }
}

impl fmt::Display for KeysetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.message())?;
        if let Some(d) = self.detail() {
            write!(f, ": {d}")?;
        }
        Ok(())
    }
}

impl std::error::Error for KeysetError {}
