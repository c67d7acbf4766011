//! Dates as the UK sees them. Framework terms are UK dates, so "today" is the date in London.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc, Weekday};

/// The last Sunday of a month, at 01:00 UTC: when British Summer Time starts (March) or ends
/// (October).
fn last_sunday_1am_utc(year: i32, month: u32) -> DateTime<Utc> {
    let first_of_next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    }
    .expect("valid date");
    let mut day = first_of_next - Duration::days(1);
    while day.weekday() != Weekday::Sun {
        day -= Duration::days(1);
    }
    Utc.from_utc_datetime(&day.and_hms_opt(1, 0, 0).expect("valid time"))
}

/// The earliest and latest dates calloff accepts from anyone: frameworks, terms and price
/// changes all fall well inside, and date arithmetic (a term of 48 months, a year between
/// indexations) can never overflow.
pub const EARLIEST_DATE: NaiveDate = NaiveDate::from_ymd_opt(2000, 1, 1).expect("valid date");
pub const LATEST_DATE: NaiveDate = NaiveDate::from_ymd_opt(2100, 12, 31).expect("valid date");

/// A date as a client writes it: exactly `YYYY-MM-DD`, a real day, from [`EARLIEST_DATE`] to
/// [`LATEST_DATE`]. chrono alone would take `+262142-01-01` or `2027-4-1`.
pub fn parse_date(text: &str) -> Result<NaiveDate, String> {
    let text = text.trim();
    let shaped = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    let date = shaped
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
        .ok_or_else(|| "Enter a real date as year-month-day, like 2027-04-01".to_string())?;
    in_range(date)
}

/// Refuses a date outside [`EARLIEST_DATE`]..=[`LATEST_DATE`].
pub fn in_range(date: NaiveDate) -> Result<NaiveDate, String> {
    if (EARLIEST_DATE..=LATEST_DATE).contains(&date) {
        Ok(date)
    } else {
        Err(format!("Enter a date from {EARLIEST_DATE} to {LATEST_DATE}"))
    }
}

/// Whether British Summer Time is in force at this instant: from 01:00 UTC on the last Sunday
/// of March to 01:00 UTC on the last Sunday of October.
pub fn is_summer_time(now: DateTime<Utc>) -> bool {
    let year = now.year();
    now >= last_sunday_1am_utc(year, 3) && now < last_sunday_1am_utc(year, 10)
}

/// The wall-clock time in the UK at this instant: GMT, or BST (UTC+1) in summer.
pub fn uk_time(now: DateTime<Utc>) -> NaiveDateTime {
    let offset = if is_summer_time(now) {
        Duration::hours(1)
    } else {
        Duration::zero()
    };
    now.naive_utc() + offset
}

/// Today's date in the UK: GMT, or BST (UTC+1) between the last Sundays of March and October.
pub fn uk_date(now: DateTime<Utc>) -> NaiveDate {
    uk_time(now).date()
}

/// The UK date of a stored RFC 3339 timestamp, if it is one.
pub fn uk_date_of(stored: &str) -> Option<NaiveDate> {
    DateTime::parse_from_rfc3339(stored)
        .ok()
        .map(|t| uk_date(t.with_timezone(&Utc)))
}

/// A date as GOV.UK writes it: "4 December 2026". Pages format every date through this.
pub fn long_date(date: NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

/// The instant a UK date begins: midnight in London, which is 23:00 UTC the day before in
/// summer. Stored times are UTC, so a range of UK dates is searched from these instants.
pub fn uk_day_start(date: NaiveDate) -> DateTime<Utc> {
    let midnight_utc = Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 0).expect("valid time"));
    let hour_before = midnight_utc - Duration::hours(1);
    if uk_date(hour_before) == date {
        hour_before
    } else {
        midnight_utc
    }
}

/// The `n`th working day after `last_day` (usually a month's last day): Saturdays, Sundays and
/// the given bank holidays are skipped. The holidays are dated data (the `bank_holidays` table,
/// from GOV.UK), never computed here, so a one-off holiday (a coronation, a state funeral) is a
/// row, not a code change.
pub fn nth_working_day_after(last_day: NaiveDate, n: u32, bank_holidays: &[NaiveDate]) -> NaiveDate {
    let mut day = last_day;
    let mut counted = 0;
    while counted < n {
        day += Duration::days(1);
        let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
        if !weekend && !bank_holidays.contains(&day) {
            counted += 1;
        }
    }
    day
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn at(text: &str) -> DateTime<Utc> {
        text.parse().unwrap()
    }

    #[test]
    fn only_plain_dates_in_range_are_accepted() {
        for refused in [
            "+262142-01-01",
            "2027-4-1",
            "27-04-01",
            "2027-02-30",
            "1999-12-31",
            "2101-01-01",
            "2027/04/01",
            "",
            "2027-04-01T00:00",
        ] {
            assert!(parse_date(refused).is_err(), "{refused} was accepted");
        }
        assert_eq!(
            parse_date(" 2027-04-01 ").unwrap(),
            NaiveDate::from_ymd_opt(2027, 4, 1).unwrap()
        );
        assert!(parse_date("2000-01-01").is_ok() && parse_date("2100-12-31").is_ok());
    }

    #[test]
    fn a_uk_day_starts_at_london_midnight() {
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(uk_day_start(day(2026, 7, 1)), at("2026-06-30T23:00:00Z"));
        assert_eq!(uk_day_start(day(2026, 12, 1)), at("2026-12-01T00:00:00Z"));
        // The clocks change at 01:00 UTC, after midnight, on both Sundays.
        assert_eq!(uk_day_start(day(2026, 3, 29)), at("2026-03-29T00:00:00Z"));
        assert_eq!(uk_day_start(day(2026, 10, 25)), at("2026-10-24T23:00:00Z"));
        for d in [day(2026, 3, 29), day(2026, 3, 30), day(2026, 10, 25), day(2026, 10, 26)] {
            assert_eq!(uk_date(uk_day_start(d)), d);
            assert_eq!(uk_date(uk_day_start(d) - Duration::seconds(1)), d.pred_opt().unwrap());
        }
    }

    #[test]
    fn summer_evenings_in_utc_are_already_tomorrow_in_london() {
        assert_eq!(
            uk_date(at("2026-06-30T23:30:00Z")),
            NaiveDate::from_ymd_opt(2026, 7, 1).unwrap()
        );
        assert_eq!(
            uk_date(at("2026-12-31T23:30:00Z")),
            NaiveDate::from_ymd_opt(2026, 12, 31).unwrap()
        );
    }

    #[test]
    fn the_clocks_change_at_one_in_the_morning_utc_on_the_last_sundays() {
        // 2026: BST from 29 March 01:00 UTC to 25 October 01:00 UTC.
        assert_eq!(
            uk_date(at("2026-03-29T00:59:00Z")),
            NaiveDate::from_ymd_opt(2026, 3, 29).unwrap()
        );
        assert_eq!(
            uk_date(at("2026-03-29T23:30:00Z")),
            NaiveDate::from_ymd_opt(2026, 3, 30).unwrap()
        );
        assert_eq!(
            uk_date(at("2026-10-24T23:30:00Z")),
            NaiveDate::from_ymd_opt(2026, 10, 25).unwrap()
        );
        assert_eq!(
            uk_date(at("2026-10-25T23:30:00Z")),
            NaiveDate::from_ymd_opt(2026, 10, 25).unwrap()
        );
    }

    fn day(text: &str) -> NaiveDate {
        parse_date(text).unwrap()
    }

    /// England and Wales bank holidays around the turn of 2026, as GOV.UK lists them (Boxing
    /// Day 2026 is a Saturday, so the substitute day is Monday 28 December).
    fn holidays() -> Vec<NaiveDate> {
        [
            "2026-08-31",
            "2026-12-25",
            "2026-12-28",
            "2027-01-01",
            "2027-03-26",
            "2027-03-29",
        ]
        .into_iter()
        .map(day)
        .collect()
    }

    #[test]
    fn the_fifth_working_day_after_november_2026_is_monday_7_december() {
        assert_eq!(
            nth_working_day_after(day("2026-11-30"), 5, &holidays()),
            day("2026-12-07")
        );
    }

    #[test]
    fn christmas_and_new_year_push_december_2026_to_friday_8_january() {
        assert_eq!(
            nth_working_day_after(day("2026-12-31"), 5, &holidays()),
            day("2027-01-08")
        );
        // Without the holidays it would be Thursday 7 January.
        assert_eq!(nth_working_day_after(day("2026-12-31"), 5, &[]), day("2027-01-07"));
    }

    #[test]
    fn easter_and_weekends_are_skipped() {
        // February 2027 ends on a Sunday; no holidays in the first week of March.
        assert_eq!(
            nth_working_day_after(day("2027-02-28"), 5, &holidays()),
            day("2027-03-05")
        );
        // A month ending just before Good Friday: 26 and 29 March are skipped.
        assert_eq!(
            nth_working_day_after(day("2027-03-25"), 1, &holidays()),
            day("2027-03-30")
        );
        // August 2026 ends on the summer bank holiday itself.
        assert_eq!(
            nth_working_day_after(day("2026-08-31"), 5, &holidays()),
            day("2026-09-07")
        );
    }

    #[test]
    fn summer_time_starts_and_ends_on_the_second() {
        // (instant, summer time?) either side of each change, 2024 to 2028.
        let table = [
            ("2026-03-29T00:59:59Z", false),
            ("2026-03-29T01:00:00Z", true),
            ("2026-10-25T00:59:59Z", true),
            ("2026-10-25T01:00:00Z", false),
            ("2027-03-28T00:59:59Z", false),
            ("2027-03-28T01:00:00Z", true),
            ("2027-10-31T00:59:59Z", true),
            ("2027-10-31T01:00:00Z", false),
            ("2024-03-31T01:00:00Z", true),
            ("2024-10-27T01:00:00Z", false),
            ("2028-03-26T00:59:59Z", false),
            ("2028-10-29T00:59:59Z", true),
            ("2026-01-01T00:00:00Z", false),
            ("2026-12-31T23:59:59Z", false),
            ("2026-07-01T12:00:00Z", true),
        ];
        for (instant, summer) in table {
            assert_eq!(is_summer_time(at(instant)), summer, "{instant}");
        }
    }

    proptest! {
        /// Summer time is on through April to September and off through November to February,
        /// and the UK is never more than an hour ahead nor behind UTC.
        #[test]
        fn summer_time_follows_the_seasons(seconds in 946_684_800i64..4_102_444_800i64) {
            let at = DateTime::<Utc>::from_timestamp(seconds, 0).unwrap();
            let month = at.month();
            if (4..=9).contains(&month) { prop_assert!(is_summer_time(at)); }
            if month >= 11 || month <= 2 { prop_assert!(!is_summer_time(at)); }
            let ahead = uk_time(at) - at.naive_utc();
            prop_assert!(ahead == Duration::zero() || ahead == Duration::hours(1));
            // The change is always on a Sunday, so a weekday in March or October is either all
            // summer or all winter.
            if at.weekday() != Weekday::Sun && (month == 3 || month == 10) {
                let day_start = at.date_naive().and_hms_opt(0, 0, 0).unwrap().and_utc();
                let day_end = at.date_naive().and_hms_opt(23, 59, 59).unwrap().and_utc();
                prop_assert_eq!(is_summer_time(day_start), is_summer_time(day_end));
            }
        }
    }
}
