//! Date and time on the wire.
//!
//! Requests: ISO-8601 with `Z` or an offset, any number of fractional digits; a date-time
//! without an offset and a bare date are read in the company time zone (choice: be
//! lenient, clients such as Airbyte send date-times where dates are expected).
//! Responses: always an explicit numeric offset in the company time zone (`+00:00`, never
//! `Z`), seconds when whole, otherwise microseconds. Airbyte parses both
//! `%Y-%m-%dT%H:%M:%S%z` and `%Y-%m-%dT%H:%M:%S.%f%z`.
//!
//! Choice: a request date must lie in the years [`MIN_YEAR`]..=[`MAX_YEAR`] (a 400
//! otherwise). chrono reads years up to ±262,143, and date arithmetic on such values
//! overflows (a panic) or builds periods by the million; no call or filter needs them.

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use parley_domain::Timestamp;

/// The first year a request date may name (the Unix epoch: no recording is older).
pub const MIN_YEAR: i32 = 1970;
/// The last year a request date may name (the last with four digits).
pub const MAX_YEAR: i32 = 9999;

/// Refuses a date outside [`MIN_YEAR`]..=[`MAX_YEAR`].
fn in_calendar(s: &str, year: i32) -> Result<(), String> {
    if (MIN_YEAR..=MAX_YEAR).contains(&year) {
        Ok(())
    } else {
        Err(format!(
            "{s:?} is outside the years {MIN_YEAR} to {MAX_YEAR} that Parley accepts"
        ))
    }
}

/// Renders a timestamp in the company time zone with an explicit offset.
pub fn format(t: Timestamp, tz: Tz) -> String {
    let local = t.with_timezone(&tz);
    if local.nanosecond() / 1000 == 0 {
        local.format("%Y-%m-%dT%H:%M:%S%:z").to_string()
    } else {
        local.format("%Y-%m-%dT%H:%M:%S%.6f%:z").to_string()
    }
}

/// Parses a request date-time. See the module docs for what is accepted.
pub fn parse_datetime(s: &str, tz: Tz) -> Result<Timestamp, String> {
    let s = s.trim();
    let t = parse_any_datetime(s, tz)?;
    // The local year is checked too, so that a date-only filter read back in the company
    // time zone stays in range.
    in_calendar(s, t.year())?;
    in_calendar(s, t.with_timezone(&tz).year())?;
    Ok(t)
}

fn parse_any_datetime(s: &str, tz: Tz) -> Result<Timestamp, String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    // `+0000` offsets without a colon, and a space instead of `T`.
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f%z",
        "%Y-%m-%d %H:%M:%S%.f%:z",
        "%Y-%m-%d %H:%M:%S%.f%z",
    ] {
        if let Ok(t) = DateTime::parse_from_str(s, fmt) {
            return Ok(t.with_timezone(&Utc));
        }
    }
    for fmt in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M:%S%.f",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(s, fmt) {
            return local_to_utc(naive, tz);
        }
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return local_to_utc(d.and_hms_opt(0, 0, 0).expect("midnight exists"), tz);
    }
    Err(format!(
        "{s:?} is not an ISO-8601 date-time such as 2024-03-01T00:00:00Z"
    ))
}

/// Parses a `YYYY-MM-DD` date; a full date-time is truncated to its date in the company
/// time zone (ABM sends `callFromDate` as a date-time).
pub fn parse_date(s: &str, tz: Tz) -> Result<NaiveDate, String> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        in_calendar(s, d.year())?;
        return Ok(d);
    }
    parse_datetime(s, tz)
        .map(|t| t.with_timezone(&tz).date_naive())
        .map_err(|e| {
            if e.contains("outside the years") {
                e
            } else {
                format!("{s:?} is not a date such as 2024-03-01")
            }
        })
}

/// The instant a local midnight (or other wall time) starts. In a DST gap the later
/// instant is taken; in a fold the earlier one.
pub fn local_to_utc(naive: NaiveDateTime, tz: Tz) -> Result<Timestamp, String> {
    match tz.from_local_datetime(&naive) {
        chrono::LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        chrono::LocalResult::Ambiguous(a, _) => Ok(a.with_timezone(&Utc)),
        chrono::LocalResult::None => {
            let later = naive + chrono::Duration::hours(1);
            tz.from_local_datetime(&later)
                .earliest()
                .map(|t| t.with_timezone(&Utc))
                .ok_or_else(|| format!("{naive} does not exist in {tz}"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_every_spelling_clients_send() {
        let tz: Tz = "America/Los_Angeles".parse().unwrap();
        let expected = Utc.with_ymd_and_hms(2024, 3, 1, 8, 0, 0).unwrap();
        for s in [
            "2024-03-01T08:00:00Z",
            "2024-03-01T08:00:00.000Z",
            "2024-03-01T08:00:00+00:00",
            "2024-03-01T00:00:00-08:00",
            "2024-03-01T00:00:00-0800",
            "2024-03-01T08:00:00.000000000Z",
            "2024-03-01 08:00:00Z",
            "2024-03-01T00:00:00",
            "2024-03-01",
        ] {
            assert_eq!(parse_datetime(s, tz), Ok(expected), "{s}");
        }
        let frac = parse_datetime("2025-06-12T17:38:36.197Z", tz).unwrap();
        assert_eq!(frac.timestamp_subsec_millis(), 197);
        assert!(parse_datetime("yesterday", tz).is_err());
        assert!(parse_datetime("2024-13-01T00:00:00Z", tz).is_err());
    }

    #[test]
    fn emits_explicit_offsets_with_variable_precision() {
        let t = Utc.with_ymd_and_hms(2024, 3, 5, 18, 1, 12).unwrap();
        assert_eq!(format(t, chrono_tz::UTC), "2024-03-05T18:01:12+00:00");
        let la: Tz = "America/Los_Angeles".parse().unwrap();
        assert_eq!(format(t, la), "2024-03-05T10:01:12-08:00");
        let t = t + chrono::Duration::microseconds(448_211);
        assert_eq!(format(t, la), "2024-03-05T10:01:12.448211-08:00");
    }

    #[test]
    fn dates_outside_the_calendar_are_refused() {
        let tz: Tz = "Pacific/Kiritimati".parse().unwrap();
        for s in [
            "-262000-01-01",
            "1969-12-31T23:59:59Z",
            "0001-01-01T00:00:00Z",
        ] {
            let e = parse_datetime(s, tz).unwrap_err();
            assert!(e.contains("outside the years 1970 to 9999"), "{s}: {e}");
            let e = parse_date(s, tz).unwrap_err();
            assert!(e.contains("outside the years 1970 to 9999"), "{s}: {e}");
        }
        // Spellings chrono's date-time formats do not read at all are refused too.
        for s in [
            "+262000-01-01T00:00:00Z",
            "-262143-01-01T00:00:00Z",
            "10000-01-01",
        ] {
            assert!(parse_datetime(s, tz).is_err(), "{s}");
            assert!(parse_date(s, tz).is_err(), "{s}");
        }
        // 9999-12-31 late in UTC is already 10000 in Kiritimati (UTC+14).
        assert!(parse_datetime("9999-12-31T23:00:00Z", tz).is_err());
        assert!(parse_datetime("9999-12-31T00:00:00Z", tz).is_ok());
        assert!(parse_date("1970-01-01", tz).is_ok());
        assert!(parse_date("9999-12-31", tz).is_ok());
    }

    #[test]
    fn dates_truncate_date_times() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        assert_eq!(
            parse_date("2024-03-01", tz).unwrap().to_string(),
            "2024-03-01"
        );
        assert_eq!(
            parse_date("2024-02-29T23:30:00Z", tz).unwrap().to_string(),
            "2024-03-01"
        );
        assert!(parse_date("03/01/2024", tz).is_err());
    }
}
