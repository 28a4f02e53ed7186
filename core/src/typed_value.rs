//! Cursor strings → typed values, the inverse of [`crate::wire_value`].
//!
//! Everything a cursor carries is validated here, in plain Rust, before it becomes a bound
//! parameter. So a tampered value is a 22023 "invalid cursor" with a precise DETAIL, never a
//! 22P02/22008 from a Postgres input function halfway through a query, and never a wrong page.

use crate::wire_value::{
    self, MAX_UNIX_MICROS, MIN_UNIX_MICROS, PG_EPOCH_UNIX_MICROS, TIMESTAMP_RANGE,
};

/// The value types a cursor can carry (a domain counts as its base type).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WireType {
    Int2,
    Int4,
    Int8,
    Float4,
    Float8,
    Numeric,
    Bool,
    /// text, varchar, char(n)
    Text,
    /// name: text of at most 63 bytes (Postgres would silently truncate a longer one)
    Name,
    Uuid,
    Date,
    /// timestamp and timestamptz (both int64 µs since 2000-01-01)
    Timestamp,
}

impl WireType {
    /// Every type a cursor can carry.
    pub const ALL: [WireType; 12] = [
        WireType::Int2,
        WireType::Int4,
        WireType::Int8,
        WireType::Float4,
        WireType::Float8,
        WireType::Numeric,
        WireType::Bool,
        WireType::Text,
        WireType::Name,
        WireType::Uuid,
        WireType::Date,
        WireType::Timestamp,
    ];

    /// The SQL name of the type family, for messages.
    pub fn sql_name(self) -> &'static str {
        match self {
            WireType::Int2 => "smallint",
            WireType::Int4 => "integer",
            WireType::Int8 => "bigint",
            WireType::Float4 => "real",
            WireType::Float8 => "double precision",
            WireType::Numeric => "numeric",
            WireType::Bool => "boolean",
            WireType::Text => "text",
            WireType::Name => "name",
            WireType::Uuid => "uuid",
            WireType::Date => "date",
            WireType::Timestamp => "timestamp",
        }
    }
}

/// A parsed cursor value, ready to become a datum of its type.
#[derive(Debug, Clone, PartialEq)]
pub enum Typed {
    Int2(i16),
    Int4(i32),
    Int8(i64),
    Float4(f32),
    Float8(f64),
    /// Checked against numeric_in's grammar and limits, so numeric_in cannot fail on it.
    Numeric(String),
    Bool(bool),
    /// Free of NUL characters, which Postgres text cannot hold.
    Text(String),
    Uuid([u8; 16]),
    /// Days since 2000-01-01.
    Date(i32),
    /// Microseconds since 2000-01-01.
    Timestamp(i64),
}

/// NAMEDATALEN - 1: the longest name Postgres stores without truncating it.
const MAX_NAME_BYTES: usize = 63;

/// Parses a wire string as `ty`. `Err` is the end of a DETAIL sentence: "... is not valid: <reason>".
///
/// Strict: only the exact text [`format`] writes is accepted (every value is parsed, formatted
/// again and compared), so one value has one spelling, a tampered cursor cannot smuggle a second
/// spelling past the digest-free single-column form, and nothing here indexes by position in a
/// way that could panic (`uuid` and `date` walk bytes with `get`).
pub fn parse(ty: WireType, s: &str) -> Result<Typed, String> {
    let typed = parse_loose(ty, s)?;
    if format(&typed) != s {
        return Err(format!(
            "it is not written in the canonical form of a {} (\"{}\" would be)",
            ty.sql_name(),
            shorten(&format(&typed))
        ));
    }
    Ok(typed)
}

/// At most 40 characters of a value, for messages.
fn shorten(s: &str) -> String {
    match s.char_indices().nth(40) {
        Some((i, _)) => format!("{}...", &s[..i]),
        None => s.to_string(),
    }
}

/// The wire text of a typed value: the inverse of [`parse`].
pub fn format(t: &Typed) -> String {
    match t {
        Typed::Int2(v) => v.to_string(),
        Typed::Int4(v) => v.to_string(),
        Typed::Int8(v) => v.to_string(),
        Typed::Float4(v) => wire_value::float4(*v),
        Typed::Float8(v) => wire_value::float8(*v),
        Typed::Numeric(s) | Typed::Text(s) => s.clone(),
        Typed::Bool(b) => b.to_string(),
        Typed::Uuid(b) => {
            let mut out = String::with_capacity(36);
            for (i, byte) in b.iter().enumerate() {
                if matches!(i, 4 | 6 | 8 | 10) {
                    out.push('-');
                }
                out.push(HEX[(byte >> 4) as usize] as char);
                out.push(HEX[(byte & 0xf) as usize] as char);
            }
            out
        }
        Typed::Date(d) => wire_value::date(*d),
        // Parsed values are in range; `unwrap_or_default` only keeps this total.
        Typed::Timestamp(m) => wire_value::timestamp(*m).unwrap_or_default(),
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn parse_loose(ty: WireType, s: &str) -> Result<Typed, String> {
    match ty {
        WireType::Int2 => int(s).map(Typed::Int2),
        WireType::Int4 => int(s).map(Typed::Int4),
        WireType::Int8 => int(s).map(Typed::Int8),
        WireType::Float4 => float(s).map(Typed::Float4),
        WireType::Float8 => float(s).map(Typed::Float8),
        WireType::Numeric => numeric(s).map(|()| Typed::Numeric(s.to_string())),
        WireType::Bool => match s {
            "true" => Ok(Typed::Bool(true)),
            "false" => Ok(Typed::Bool(false)),
            _ => Err("a boolean is written true or false".into()),
        },
        WireType::Text | WireType::Name => {
            if s.contains('\0') {
                Err("text cannot contain the NUL character".into())
            } else if ty == WireType::Name && s.len() > MAX_NAME_BYTES {
                Err(format!("a name has at most {MAX_NAME_BYTES} bytes"))
            } else {
                Ok(Typed::Text(s.to_string()))
            }
        }
        WireType::Uuid => uuid(s).map(Typed::Uuid),
        WireType::Date => date(s).map(Typed::Date),
        WireType::Timestamp => timestamp(s).map(Typed::Timestamp),
    }
}

fn int<T: std::str::FromStr>(s: &str) -> Result<T, String> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err("an integer is written as decimal digits with an optional minus sign".into());
    }
    s.parse()
        .map_err(|_| "it is out of range for the column's integer type".into())
}

fn float<T: std::str::FromStr>(s: &str) -> Result<T, String> {
    let normalized = match s {
        "NaN" => "NaN",
        "Infinity" => "inf",
        "-Infinity" => "-inf",
        _ => {
            // Rust would also accept "inf", "infinity" and "nan" in any case: refused here. A
            // '+' gets through (Rust reads "+1" and "1e+300"); `parse` then refuses it, because
            // the wire text, written by `format`, never has one.
            let ok = !s.is_empty()
                && s.bytes()
                    .all(|b| b.is_ascii_digit() || b"-.e+".contains(&b))
                && s.bytes().any(|b| b.is_ascii_digit());
            if !ok {
                return Err("not a decimal floating-point number".into());
            }
            s
        }
    };
    normalized
        .parse()
        .map_err(|_| "not a decimal floating-point number".into())
}

/// numeric_out's text: `-?(0|[1-9][0-9]*)(\.[0-9]+)?`, `NaN`, `Infinity` or `-Infinity` (never
/// an exponent, a plus sign, a leading zero or a negative zero). Within numeric_in's limits of
/// 131072 digits before the point and 16383 after, so numeric_in cannot raise on what passes.
fn numeric(s: &str) -> Result<(), String> {
    if matches!(s, "NaN" | "Infinity" | "-Infinity") {
        return Ok(());
    }
    let bad = || "a numeric is written as numeric_out writes it, e.g. -12.50".to_string();
    let negative = s.starts_with('-');
    let body = s.strip_prefix('-').unwrap_or(s);
    let (int_part, frac) = match body.split_once('.') {
        Some((a, b)) if !b.is_empty() => (a, b),
        Some(_) => return Err(bad()),
        None => (body, ""),
    };
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int_part.is_empty() || !digits(int_part) || !digits(frac) {
        return Err(bad());
    }
    if int_part.len() > 1 && int_part.starts_with('0') {
        return Err(bad());
    }
    if negative && int_part == "0" && frac.bytes().all(|b| b == b'0') {
        return Err(bad()); // numeric_out never writes a negative zero
    }
    if int_part.len() > 131_072 || frac.len() > 16_383 {
        return Err("it has more digits than numeric can hold".into());
    }
    Ok(())
}

/// 8-4-4-4-12 lowercase hexadecimal digits.
fn uuid(s: &str) -> Result<[u8; 16], String> {
    let bad = || "a uuid is written as 8-4-4-4-12 lowercase hexadecimal digits".to_string();
    let b = s.as_bytes();
    if b.len() != 36 {
        return Err(bad());
    }
    let mut out = [0u8; 16];
    let mut nibbles = 0usize;
    for (i, &c) in b.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if c != b'-' {
                return Err(bad());
            }
            continue;
        }
        let v = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            _ => return Err(bad()),
        };
        // 32 hexadecimal positions exactly (36 bytes minus the 4 dashes checked above).
        let slot = out.get_mut(nibbles / 2).ok_or_else(bad)?;
        *slot = (*slot << 4) | v;
        nibbles += 1;
    }
    Ok(out)
}

fn timestamp(s: &str) -> Result<i64, String> {
    match s {
        "infinity" => return Ok(i64::MAX),
        "-infinity" => return Ok(i64::MIN),
        _ => {}
    }
    let micros: i64 = int(s).map_err(|_| {
        "a timestamp is written as Unix microseconds (decimal digits with an optional minus sign)"
            .to_string()
    })?;
    if !(MIN_UNIX_MICROS..=MAX_UNIX_MICROS).contains(&micros) {
        return Err(TIMESTAMP_RANGE.into());
    }
    Ok(micros - PG_EPOCH_UNIX_MICROS)
}

/// Postgres' date range: 4714-11-24 BC (Julian day 0) to 5874897-12-31.
const MIN_PG_DAYS: i64 = -2_451_545;
const MAX_PG_DAYS: i64 = 2_145_031_948;

fn date(s: &str) -> Result<i32, String> {
    match s {
        "infinity" => return Ok(i32::MAX),
        "-infinity" => return Ok(i32::MIN),
        _ => {}
    }
    let bad = || "a date is written YYYY-MM-DD, or YYYY-MM-DD BC".to_string();
    let (ymd, bc) = match s.strip_suffix(" BC") {
        Some(rest) => (rest, true),
        None => (s, false),
    };
    let mut parts = ymd.splitn(3, '-');
    let (y, m, d) = (
        parts.next().ok_or_else(bad)?,
        parts.next().ok_or_else(bad)?,
        parts.next().ok_or_else(bad)?,
    );
    let num = |t: &str, width: usize| -> Result<i64, String> {
        if t.len() < width || t.len() > 7 || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        t.parse().map_err(|_| bad())
    };
    let (year, month, day) = (num(y, 4)?, num(m, 2)?, num(d, 2)?);
    if m.len() != 2 || d.len() != 2 || year == 0 || !(1..=12).contains(&month) {
        return Err(bad());
    }
    let astronomical = if bc { 1 - year } else { year };
    let leap = astronomical % 4 == 0 && (astronomical % 100 != 0 || astronomical % 400 == 0);
    let days_in_month = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    let last_day = days_in_month
        .get((month - 1) as usize)
        .copied()
        .unwrap_or(0);
    if day < 1 || day > last_day {
        return Err(format!("there is no day {day} in month {month}"));
    }
    let pg_days = days_from_civil(astronomical, month, day) - 10_957;
    if !(MIN_PG_DAYS..=MAX_PG_DAYS).contains(&pg_days) {
        return Err("it is outside PostgreSQL's date range".into());
    }
    Ok(pg_days as i32)
}

/// (year, month, day), proleptic Gregorian with astronomical years → days since 1970-01-01.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire_value;

    #[test]
    fn only_the_canonical_spelling_is_accepted() {
        for (ty, bad) in [
            (WireType::Int4, "007"),
            (WireType::Int4, "-0"),
            (WireType::Int8, "+5"),
            (WireType::Timestamp, "0001706778000000000"),
            (WireType::Timestamp, "-0"),
            (WireType::Float8, "0.10"),
            (WireType::Float8, "1E300"),
            (WireType::Float8, "1e+300"),
            (WireType::Float8, "1e2"),
            (WireType::Float4, "0.100000001"),
            (WireType::Date, "02024-01-01"),
        ] {
            assert!(parse(ty, bad).is_err(), "{ty:?} {bad}");
        }
        assert_eq!(parse(WireType::Float8, "100"), Ok(Typed::Float8(100.0)));
    }

    #[test]
    fn integers() {
        assert_eq!(parse(WireType::Int2, "-32768"), Ok(Typed::Int2(-32768)));
        assert!(parse(WireType::Int2, "32768").is_err());
        assert_eq!(
            parse(WireType::Int8, "9223372036854775807"),
            Ok(Typed::Int8(i64::MAX))
        );
        for bad in ["", "-", "+1", " 1", "1.0", "0x10", "1e3", "١"] {
            assert!(parse(WireType::Int4, bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn timestamps_inverse_of_format_and_range_checked() {
        for m in [
            0i64,
            -1,
            1_706_778_000_000_001 - PG_EPOCH_UNIX_MICROS,
            i64::MAX,
            i64::MIN,
        ] {
            let s = wire_value::timestamp(m).unwrap();
            assert_eq!(parse(WireType::Timestamp, &s), Ok(Typed::Timestamp(m)));
        }
        // 10^18 µs is the year 33658: past 9999, as the reference services reject it.
        assert!(parse(WireType::Timestamp, "1000000000000000000").is_err());
        assert!(parse(WireType::Timestamp, "99999999999999999999999").is_err());
        assert!(parse(WireType::Timestamp, "253402300800000000").is_err());
        assert!(parse(WireType::Timestamp, "253402300799999999").is_ok());
        assert!(parse(WireType::Timestamp, "-62135596800000001").is_err());
        assert!(parse(WireType::Timestamp, "2024-01-01").is_err());
    }

    #[test]
    fn dates_inverse_of_format() {
        for d in [
            0,
            -1,
            59,
            -730_119,
            -730_120,
            -2_451_545,
            2_145_031_948,
            i32::MAX,
            i32::MIN,
        ] {
            let s = wire_value::date(d);
            assert_eq!(parse(WireType::Date, &s), Ok(Typed::Date(d)), "{s}");
        }
        for bad in [
            "2023-02-29",
            "2024-13-01",
            "2024-1-01",
            "0000-01-01",
            "24-01-01",
            "2024-01-01T",
            "4714-11-23 BC",
        ] {
            assert!(parse(WireType::Date, bad).is_err(), "{bad}");
        }
        assert_eq!(parse(WireType::Date, "2024-02-29"), Ok(Typed::Date(8825)));
    }

    #[test]
    fn floats_and_numerics() {
        assert_eq!(parse(WireType::Float8, "1e300"), Ok(Typed::Float8(1e300)));
        assert_eq!(parse(WireType::Float4, "0.1"), Ok(Typed::Float4(0.1)));
        assert_eq!(
            parse(WireType::Float8, "-Infinity"),
            Ok(Typed::Float8(f64::NEG_INFINITY))
        );
        assert!(matches!(parse(WireType::Float8, "NaN"), Ok(Typed::Float8(f)) if f.is_nan()));
        for bad in ["inf", "nan", "", "1,5", "e", "--"] {
            assert!(parse(WireType::Float8, bad).is_err(), "{bad}");
        }
        for ok in [
            "12.50",
            "-0.5",
            "0",
            "0.000",
            "NaN",
            "-Infinity",
            "Infinity",
            "100000",
        ] {
            assert!(parse(WireType::Numeric, ok).is_ok(), "{ok}");
        }
        // Only numeric_out's own spelling: no exponent, plus sign, leading zero, bare point or -0.
        for bad in [
            ".5",
            "5.",
            "1e3",
            "+3",
            "007",
            "-0",
            "-0.00",
            "1e1001",
            ".",
            "1..2",
            "abc",
            "1 ",
            "0x1",
            "+Infinity",
            "nan",
        ] {
            assert!(parse(WireType::Numeric, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn uuids_bools_text() {
        assert_eq!(
            parse(WireType::Uuid, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
            Ok(Typed::Uuid([
                0xa0, 0xee, 0xbc, 0x99, 0x9c, 0x0b, 0x4e, 0xf8, 0xbb, 0x6d, 0x6b, 0xb9, 0xbd, 0x38,
                0x0a, 0x11
            ]))
        );
        assert!(parse(WireType::Uuid, "a0eebc999c0b4ef8bb6d6bb9bd380a11").is_err());
        // Upper case, and extra dashes in place of digits (these once panicked or misread).
        for bad in [
            "A0EEBC99-9c0b-4ef8-bb6d-6bb9bd380a11",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1-",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd38--11",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd3-0a11",
            "a0eebc99-9c0b-4ef8-bb6d--bb9bd380a11",
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1é",
            "------------------------------------",
        ] {
            assert!(parse(WireType::Uuid, bad).is_err(), "{bad}");
        }
        assert!(parse(WireType::Uuid, "g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11").is_err());
        assert_eq!(parse(WireType::Bool, "true"), Ok(Typed::Bool(true)));
        assert!(parse(WireType::Bool, "t").is_err());
        assert!(parse(WireType::Text, "a\0b").is_err());
        assert_eq!(parse(WireType::Text, "Zoë"), Ok(Typed::Text("Zoë".into())));
        assert!(parse(WireType::Name, &"n".repeat(63)).is_ok());
        assert!(parse(WireType::Name, &"n".repeat(64)).is_err());
    }
}
