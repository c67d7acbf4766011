//! Dates and times as people read them on pages, in UK time and GOV.UK style: "4 December 2026",
//! "4 December 2026 at 5:45pm", "midday", "midnight". Times are stored as RFC 3339 UTC; the JSON
//! API keeps them so, and only pages go through here.
//!
//! UK time (GMT, or BST from 01:00 UTC on the last Sunday of March to 01:00 UTC on the last
//! Sunday of October) is `calloff_domain::calendar::uk_time`: the rule is a few lines, so it is
//! written there rather than taking a time-zone database.

use calloff_domain::calendar::uk_time;
use chrono::{DateTime, NaiveDate, NaiveDateTime, Timelike, Utc};

/// A date: "4 December 2026".
pub fn date(d: NaiveDate) -> String {
    calloff_domain::calendar::long_date(d)
}

/// A month: "December 2026".
pub fn month(d: NaiveDate) -> String {
    d.format("%B %Y").to_string()
}

/// A time of day in GOV.UK style: "9am", "5:45pm", "midday", "midnight", "12:30am".
pub fn time_of_day(t: NaiveDateTime) -> String {
    let (hour, minute) = (t.hour(), t.minute());
    match (hour, minute) {
        (0, 0) => "midnight".to_string(),
        (12, 0) => "midday".to_string(),
        _ => {
            let suffix = if hour < 12 { "am" } else { "pm" };
            let hour12 = match hour % 12 {
                0 => 12,
                h => h,
            };
            if minute == 0 {
                format!("{hour12}{suffix}")
            } else {
                format!("{hour12}:{minute:02}{suffix}")
            }
        }
    }
}

fn parse(stored: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(stored).ok().map(|t| t.with_timezone(&Utc))
}

/// A stored RFC 3339 time as a UK date and time: "4 December 2026 at 5:45pm". Text that is not
/// a time is shown as it is.
pub fn date_time(stored: &str) -> String {
    match parse(stored) {
        Some(at) => {
            let local = uk_time(at);
            format!("{} at {}", date(local.date()), time_of_day(local))
        }
        None => stored.to_string(),
    }
}

/// The UK date of a stored RFC 3339 time, or a stored date (`2026-12-04`): "4 December 2026".
pub fn date_of(stored: &str) -> String {
    match parse(stored) {
        Some(at) => date(uk_time(at).date()),
        None => NaiveDate::parse_from_str(stored, "%Y-%m-%d")
            .map(date)
            .unwrap_or_else(|_| stored.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_read_uk_wall_clock_times() {
        let table = [
            ("2026-12-04T17:45:00Z", "4 December 2026 at 5:45pm"),
            ("2026-06-04T16:45:00Z", "4 June 2026 at 5:45pm"),
            ("2026-06-04T23:30:00Z", "5 June 2026 at 12:30am"),
            ("2026-06-04T11:00:00Z", "4 June 2026 at midday"),
            ("2026-12-04T12:00:00Z", "4 December 2026 at midday"),
            ("2026-12-04T00:00:00Z", "4 December 2026 at midnight"),
            ("2026-06-03T23:00:00Z", "4 June 2026 at midnight"),
            ("2026-12-04T09:00:00Z", "4 December 2026 at 9am"),
            ("2026-12-04T09:05:00Z", "4 December 2026 at 9:05am"),
            ("2026-12-04T12:01:00Z", "4 December 2026 at 12:01pm"),
            // The spring change: 00:59:59 GMT, then 02:00 BST.
            ("2026-03-29T00:59:00Z", "29 March 2026 at 12:59am"),
            ("2026-03-29T01:00:00Z", "29 March 2026 at 2am"),
            // The autumn change: 01:59 BST, then 01:00 GMT again.
            ("2026-10-25T00:59:00Z", "25 October 2026 at 1:59am"),
            ("2026-10-25T01:00:00Z", "25 October 2026 at 1am"),
            ("2026-12-04T17:45:00+01:00", "4 December 2026 at 4:45pm"),
            ("not a time", "not a time"),
        ];
        for (stored, shown) in table {
            assert_eq!(date_time(stored), shown, "{stored}");
        }
        assert_eq!(date_of("2026-06-30T23:30:00Z"), "1 July 2026");
        assert_eq!(date_of("2026-12-31T23:30:00Z"), "31 December 2026");
        assert_eq!(date_of("2026-12-04"), "4 December 2026");
        assert_eq!(date_of("2026-13-04"), "2026-13-04");
        assert_eq!(month(NaiveDate::from_ymd_opt(2026, 12, 4).unwrap()), "December 2026");
    }
}
