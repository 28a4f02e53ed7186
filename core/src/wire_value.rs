//! How SQL values become the strings a cursor carries, independent of session settings.
//!
//! A cursor must not depend on `DateStyle`, `TimeZone` or `extra_float_digits`, or a cursor minted
//! in one session would mean something else in another. So the types whose text output depends on
//! settings are formatted here from their raw representation:
//! - timestamp / timestamptz: Unix microseconds (UTC) in decimal, as the reference services do;
//!   microseconds are Postgres' own precision, so the round trip is exact.
//!   `-infinity` / `infinity` for the two infinities.
//! - date: ISO `YYYY-MM-DD` (proleptic Gregorian; `YYYY-MM-DD BC` before year 1, as Postgres
//!   writes it), `-infinity` / `infinity`.
//! - real / double precision: the shortest decimal that reads back to the same bits (Rust's
//!   formatting, which is exact), in plain or exponent form, whichever is shorter;
//!   `NaN`, `Infinity`, `-Infinity` as Postgres spells them.
//!
//! Integers are decimal; numeric, uuid and the string types use their own text, which depends on
//! no setting.

/// Microseconds between the Unix epoch (1970-01-01) and the Postgres epoch (2000-01-01).
pub const PG_EPOCH_UNIX_MICROS: i64 = 946_684_800_000_000;
/// Days between the Unix epoch and the Postgres epoch.
const PG_EPOCH_UNIX_DAYS: i64 = 10_957;

/// Cursor timestamps are limited to the years 1 to 9999 (UTC), as in the reference services,
/// whose time libraries stop there: a cursor one runtime mints, every runtime accepts.
pub const MIN_UNIX_MICROS: i64 = -62_135_596_800_000_000; // 0001-01-01T00:00:00Z
pub const MAX_UNIX_MICROS: i64 = 253_402_300_799_999_999; // 9999-12-31T23:59:59.999999Z

/// Why a timestamp cannot travel in a cursor.
pub const TIMESTAMP_RANGE: &str = "it is outside the years 1 to 9999 (UTC) that cursors can carry";

/// A Postgres timestamp (µs since 2000-01-01) as Unix microseconds; `Err` outside years 1–9999.
pub fn timestamp(pg_micros: i64) -> Result<String, &'static str> {
    match pg_micros {
        i64::MIN => Ok("-infinity".to_string()),
        i64::MAX => Ok("infinity".to_string()),
        // Checked: near Postgres' upper limit (294276 AD) the sum passes i64::MAX.
        m => match m.checked_add(PG_EPOCH_UNIX_MICROS) {
            Some(unix) if (MIN_UNIX_MICROS..=MAX_UNIX_MICROS).contains(&unix) => {
                Ok(unix.to_string())
            }
            _ => Err(TIMESTAMP_RANGE),
        },
    }
}

/// A Postgres date (days since 2000-01-01) as ISO `YYYY-MM-DD`.
pub fn date(pg_days: i32) -> String {
    match pg_days {
        i32::MIN => "-infinity".to_string(),
        i32::MAX => "infinity".to_string(),
        d => {
            let (y, m, day) = civil_from_days(d as i64 + PG_EPOCH_UNIX_DAYS);
            if y > 0 {
                format!("{y:04}-{m:02}-{day:02}")
            } else {
                // Astronomical year 0 is 1 BC.
                format!("{:04}-{m:02}-{day:02} BC", 1 - y)
            }
        }
    }
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian, astronomical years.
/// Howard Hinnant's `civil_from_days`, exact for the whole i32 day range Postgres uses.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// A double precision value, exact.
pub fn float8(f: f64) -> String {
    float(f, f.is_nan(), f.is_infinite(), f > 0.0)
}

/// A real value, exact for real (formatted as f32, so 0.1 stays "0.1").
pub fn float4(f: f32) -> String {
    float(f, f.is_nan(), f.is_infinite(), f > 0.0)
}

fn float<F: std::fmt::Display + std::fmt::LowerExp>(
    f: F,
    nan: bool,
    infinite: bool,
    positive: bool,
) -> String {
    if nan {
        "NaN".to_string()
    } else if infinite {
        if positive { "Infinity" } else { "-Infinity" }.to_string()
    } else {
        shorter(format!("{f}"), format!("{f:e}"))
    }
}

fn shorter(plain: String, exp: String) -> String {
    if exp.len() < plain.len() {
        exp
    } else {
        plain
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_unix_micros() {
        let ts = |m| timestamp(m).unwrap();
        assert_eq!(ts(0), "946684800000000");
        assert_eq!(ts(-PG_EPOCH_UNIX_MICROS), "0");
        assert_eq!(ts(-PG_EPOCH_UNIX_MICROS - 1), "-1");
        // 2024-02-01 09:00:00.000001 UTC = 1706778000000001 µs since 1970.
        assert_eq!(
            ts(1_706_778_000_000_001 - PG_EPOCH_UNIX_MICROS),
            "1706778000000001"
        );
        assert_eq!(ts(i64::MAX), "infinity");
        assert_eq!(ts(i64::MIN), "-infinity");
        assert_eq!(
            ts(MAX_UNIX_MICROS - PG_EPOCH_UNIX_MICROS),
            "253402300799999999"
        );
        assert_eq!(
            ts(MIN_UNIX_MICROS - PG_EPOCH_UNIX_MICROS),
            "-62135596800000000"
        );
        assert!(timestamp(MAX_UNIX_MICROS + 1 - PG_EPOCH_UNIX_MICROS).is_err());
        assert!(timestamp(MIN_UNIX_MICROS - 1 - PG_EPOCH_UNIX_MICROS).is_err());
        // Postgres' last timestamp (294276-12-31 23:59:59.999999) and anything up to i64::MAX - 1
        // used to overflow the addition.
        assert!(timestamp(9_223_371_331_199_999_999).is_err());
        assert!(timestamp(i64::MAX - 1).is_err());
        assert!(timestamp(i64::MIN + 1).is_err());
    }

    #[test]
    fn dates_are_iso() {
        assert_eq!(date(0), "2000-01-01");
        assert_eq!(date(-10_957), "1970-01-01");
        assert_eq!(date(59), "2000-02-29");
        assert_eq!(date(366), "2001-01-01");
        assert_eq!(date(-1), "1999-12-31");
        // 0001-01-01 is day -730119 relative to 2000-01-01; the day before is 1 BC.
        assert_eq!(date(-730_119), "0001-01-01");
        assert_eq!(date(-730_120), "0001-12-31 BC");
        // Postgres' maximum date 5874897-12-31 is day 2145031948 relative to 2000-01-01.
        assert_eq!(date(2_145_031_948), "5874897-12-31");
        assert_eq!(date(i32::MAX), "infinity");
        assert_eq!(date(i32::MIN), "-infinity");
    }

    #[test]
    fn floats_round_trip_exactly() {
        for f in [
            0.1,
            1.0 / 3.0,
            -2.5,
            1e300,
            5e-324,
            123456789.125,
            -0.0,
            1e15,
            1e16,
        ] {
            let s = float8(f);
            assert_eq!(s.parse::<f64>().unwrap().to_bits(), f.to_bits(), "{s}");
        }
        assert_eq!(float8(0.1), "0.1");
        assert_eq!(float8(1e300), "1e300");
        assert_eq!(float8(f64::NAN), "NaN");
        assert_eq!(float8(f64::NEG_INFINITY), "-Infinity");
        assert_eq!(float4(0.1), "0.1");
        assert_eq!(float4(f32::INFINITY), "Infinity");
        for f in [0.1f32, 3.4028235e38, 1e-45, -7.25] {
            assert_eq!(float4(f).parse::<f32>().unwrap().to_bits(), f.to_bits());
        }
    }
}
