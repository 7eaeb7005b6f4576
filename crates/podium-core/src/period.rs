//! Leaderboard periods: which daily, weekly or monthly period an instant falls in, in a board's
//! time zone, and when it starts, resets and expires.
//!
//! Periods follow the local calendar, not fixed lengths: a New York day in March lasts 23 hours,
//! and a period's key expires `retention` local periods after it ends. Weeks are ISO weeks
//! (Monday first, ids like `2026-W53` whose year can differ from the calendar year). A local
//! midnight that does not exist (a DST gap at 00:00) starts the day at the end of the gap.
//!
//! Nothing here reads the clock: the current instant is always an argument.

use std::fmt;
use std::str::FromStr;

use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};
use serde::{Deserialize, Serialize};

/// The id of the only all-time period.
pub const ALL_TIME_ID: &str = "all";

/// How often a board's period resets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PeriodKind {
    AllTime,
    Daily,
    Weekly,
    Monthly,
}

impl PeriodKind {
    pub const ALL: [PeriodKind; 4] = [Self::AllTime, Self::Daily, Self::Weekly, Self::Monthly];

    /// The name used in the API and in configuration.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AllTime => "alltime",
            Self::Daily => "daily",
            Self::Weekly => "weekly",
            Self::Monthly => "monthly",
        }
    }
}

impl fmt::Display for PeriodKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PeriodKind {
    type Err = PeriodError;
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
            .ok_or_else(|| PeriodError::Unknown(name.to_owned()))
    }
}

/// Why a period could not be determined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("unknown period {0:?}: expected alltime, daily, weekly or monthly")]
    Unknown(String),
    #[error("this board does not keep {0} periods")]
    NotOnBoard(PeriodKind),
    #[error("`at` must be a date written YYYY-MM-DD, got {0:?}")]
    InvalidDate(String),
    #[error("{0} is in the future")]
    Future(Date),
    #[error("{date} is more than {retention} periods ago, and older periods are not kept")]
    Expired { date: Date, retention: u32 },
    #[error("the instant is outside the supported range of dates")]
    OutOfRange,
}

impl From<jiff::Error> for PeriodError {
    fn from(_: jiff::Error) -> Self {
        Self::OutOfRange
    }
}

/// One period of a board: its id in keys and responses, and its bounds in Unix milliseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Period {
    kind: PeriodKind,
    id: String,
    /// The period's first local day; `None` for all time.
    first_day: Option<Date>,
    start_ms: Option<i64>,
    end_ms: Option<i64>,
}

impl Period {
    /// The period that never resets.
    pub fn all_time() -> Period {
        Period {
            kind: PeriodKind::AllTime,
            id: ALL_TIME_ID.to_owned(),
            first_day: None,
            start_ms: None,
            end_ms: None,
        }
    }

    /// The period of `kind` containing the instant `now_ms` in `tz`.
    pub fn current(kind: PeriodKind, tz: &TimeZone, now_ms: i64) -> Result<Period, PeriodError> {
        Self::containing_date(kind, tz, local_date(tz, now_ms)?)
    }

    /// The period of `kind` containing the local date `date` in `tz`.
    pub fn containing_date(
        kind: PeriodKind,
        tz: &TimeZone,
        date: Date,
    ) -> Result<Period, PeriodError> {
        let Some(first) = first_day(kind, date) else {
            return Ok(Self::all_time());
        };
        Ok(Period {
            kind,
            id: period_id(kind, first),
            first_day: Some(first),
            start_ms: Some(start_of_day_ms(tz, first)?),
            end_ms: Some(start_of_day_ms(tz, step(kind, first, 1)?)?),
        })
    }

    /// The period a reader asks for with `?at=YYYY-MM-DD`: the one containing that local date,
    /// provided the date is not in the future and the period is at most `retention` periods
    /// before the current one (older keys have expired).
    pub fn parse_at(
        kind: PeriodKind,
        tz: &TimeZone,
        at: &str,
        now_ms: i64,
        retention: u32,
    ) -> Result<Period, PeriodError> {
        let date = parse_date(at)?;
        let today = local_date(tz, now_ms)?;
        if date > today {
            return Err(PeriodError::Future(date));
        }
        let requested = Self::containing_date(kind, tz, date)?;
        if let (Some(first), Some(current_first)) = (requested.first_day, first_day(kind, today))
            && periods_between(kind, first, current_first) > i64::from(retention)
        {
            return Err(PeriodError::Expired { date, retention });
        }
        Ok(requested)
    }

    pub fn kind(&self) -> PeriodKind {
        self.kind
    }

    /// `all`, `2026-11-26`, `2026-W48` or `2026-11`.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The first instant of the period; `None` for all time.
    pub fn start_ms(&self) -> Option<i64> {
        self.start_ms
    }

    /// The first instant after the period, when it resets (`resets_at`); `None` for all time.
    pub fn end_ms(&self) -> Option<i64> {
        self.end_ms
    }

    /// Whether `instant_ms` falls in this period.
    pub fn contains(&self, instant_ms: i64) -> bool {
        self.start_ms.is_none_or(|start| start <= instant_ms)
            && self.end_ms.is_none_or(|end| instant_ms < end)
    }

    /// When this period's keys may expire: `retention` whole local periods after its end, so that
    /// it stays readable as long as [`parse_at`](Self::parse_at) accepts it. `None` for all time.
    pub fn expires_at_ms(&self, tz: &TimeZone, retention: u32) -> Result<Option<i64>, PeriodError> {
        let Some(first) = self.first_day else {
            return Ok(None);
        };
        let after_retention = step(self.kind, first, 1 + i64::from(retention))?;
        Ok(Some(start_of_day_ms(tz, after_retention)?))
    }
}

fn local_date(tz: &TimeZone, instant_ms: i64) -> Result<Date, PeriodError> {
    Ok(tz
        .to_datetime(Timestamp::from_millisecond(instant_ms)?)
        .date())
}

/// The first instant of a local date: midnight, or the end of a DST gap that swallows midnight.
fn start_of_day_ms(tz: &TimeZone, date: Date) -> Result<i64, PeriodError> {
    let start = tz.to_ambiguous_timestamp(date.to_datetime(Time::midnight()));
    Ok(start.compatible()?.as_millisecond())
}

fn first_day(kind: PeriodKind, date: Date) -> Option<Date> {
    match kind {
        PeriodKind::AllTime => None,
        PeriodKind::Daily => Some(date),
        PeriodKind::Weekly => Some(date.iso_week_date().first_of_week().ok()?.date()),
        PeriodKind::Monthly => Some(date.first_of_month()),
    }
}

/// The first day of the period `count` periods after the one starting on `first`.
fn step(kind: PeriodKind, first: Date, count: i64) -> Result<Date, PeriodError> {
    let span = match kind {
        PeriodKind::AllTime => return Ok(first),
        PeriodKind::Daily => Span::new().try_days(count)?,
        PeriodKind::Weekly => Span::new().try_weeks(count)?,
        PeriodKind::Monthly => Span::new().try_months(count)?,
    };
    Ok(first.checked_add(span)?)
}

/// How many periods the one starting on `earlier` is before the one starting on `later`.
fn periods_between(kind: PeriodKind, earlier: Date, later: Date) -> i64 {
    let days = later.duration_since(earlier).as_secs() / 86_400;
    match kind {
        PeriodKind::AllTime => 0,
        PeriodKind::Daily => days,
        PeriodKind::Weekly => days / 7,
        PeriodKind::Monthly => {
            let month_number = |date: Date| i64::from(date.year()) * 12 + i64::from(date.month());
            month_number(later) - month_number(earlier)
        }
    }
}

fn period_id(kind: PeriodKind, first: Date) -> String {
    match kind {
        PeriodKind::AllTime => ALL_TIME_ID.to_owned(),
        PeriodKind::Daily => format!(
            "{:04}-{:02}-{:02}",
            first.year(),
            first.month(),
            first.day()
        ),
        PeriodKind::Weekly => {
            let week = first.iso_week_date();
            format!("{:04}-W{:02}", week.year(), week.week())
        }
        PeriodKind::Monthly => format!("{:04}-{:02}", first.year(), first.month()),
    }
}

/// Exactly `YYYY-MM-DD`: jiff's own parser also accepts forms (times, signed years) that a
/// query parameter should not.
fn parse_date(text: &str) -> Result<Date, PeriodError> {
    let invalid = || PeriodError::InvalidDate(text.to_owned());
    let bytes = text.as_bytes();
    let well_formed = bytes.len() == 10
        && bytes.iter().enumerate().all(|(at, byte)| match at {
            4 | 7 => *byte == b'-',
            _ => byte.is_ascii_digit(),
        });
    if !well_formed {
        return Err(invalid());
    }
    let number = |range: std::ops::Range<usize>| text[range].parse::<i16>().map_err(|_| invalid());
    let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
    Date::new(year, month as i8, day as i8).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    const HOUR_MS: i64 = 3_600_000;
    const DAY_MS: i64 = 24 * HOUR_MS;

    fn tz(name: &str) -> TimeZone {
        TimeZone::get(name).unwrap()
    }

    /// Unix milliseconds of an RFC 3339 instant.
    fn ms(instant: &str) -> i64 {
        instant.parse::<Timestamp>().unwrap().as_millisecond()
    }

    fn span(period: &Period) -> (i64, i64) {
        (period.start_ms().unwrap(), period.end_ms().unwrap())
    }

    #[test]
    fn kinds_parse_from_their_api_names() {
        for kind in PeriodKind::ALL {
            assert_eq!(kind.as_str().parse::<PeriodKind>(), Ok(kind));
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
        assert_eq!(
            "hourly".parse::<PeriodKind>(),
            Err(PeriodError::Unknown("hourly".into()))
        );
    }

    #[test]
    fn ids_and_bounds_in_utc() {
        let now = ms("2026-11-26T13:45:00Z");
        let daily = Period::current(PeriodKind::Daily, &TimeZone::UTC, now).unwrap();
        assert_eq!(daily.id(), "2026-11-26");
        assert_eq!(
            span(&daily),
            (ms("2026-11-26T00:00:00Z"), ms("2026-11-27T00:00:00Z"))
        );
        let weekly = Period::current(PeriodKind::Weekly, &TimeZone::UTC, now).unwrap();
        assert_eq!(weekly.id(), "2026-W48");
        assert_eq!(
            span(&weekly),
            (ms("2026-11-23T00:00:00Z"), ms("2026-11-30T00:00:00Z"))
        );
        let monthly = Period::current(PeriodKind::Monthly, &TimeZone::UTC, now).unwrap();
        assert_eq!(monthly.id(), "2026-11");
        assert_eq!(
            span(&monthly),
            (ms("2026-11-01T00:00:00Z"), ms("2026-12-01T00:00:00Z"))
        );
        let all = Period::current(PeriodKind::AllTime, &TimeZone::UTC, now).unwrap();
        assert_eq!(
            (all.id(), all.start_ms(), all.end_ms()),
            ("all", None, None)
        );
        assert!(all.contains(now));
    }

    #[test]
    fn periods_switch_exactly_at_their_boundary() {
        let midnight = ms("2026-11-27T00:00:00Z");
        let before = Period::current(PeriodKind::Daily, &TimeZone::UTC, midnight - 1).unwrap();
        let after = Period::current(PeriodKind::Daily, &TimeZone::UTC, midnight).unwrap();
        assert_eq!((before.id(), after.id()), ("2026-11-26", "2026-11-27"));
        assert_eq!(before.end_ms(), after.start_ms());
        assert!(before.contains(midnight - 1) && !before.contains(midnight));
    }

    #[test]
    fn days_follow_the_local_calendar_of_the_board() {
        let new_york = tz("America/New_York");
        // 03:00 UTC on the 26th is still the evening of the 25th in New York.
        let period =
            Period::current(PeriodKind::Daily, &new_york, ms("2026-11-26T03:00:00Z")).unwrap();
        assert_eq!(period.id(), "2026-11-25");
        assert_eq!(
            span(&period),
            (ms("2026-11-25T05:00:00Z"), ms("2026-11-26T05:00:00Z"))
        );
    }

    #[test]
    fn new_york_days_last_23_and_25_hours_at_dst_changes() {
        let new_york = tz("America/New_York");
        let spring =
            Period::containing_date(PeriodKind::Daily, &new_york, date(2026, 3, 8)).unwrap();
        assert_eq!(
            span(&spring),
            (ms("2026-03-08T05:00:00Z"), ms("2026-03-09T04:00:00Z"))
        );
        let autumn =
            Period::containing_date(PeriodKind::Daily, &new_york, date(2026, 11, 1)).unwrap();
        assert_eq!(
            autumn.end_ms().unwrap() - autumn.start_ms().unwrap(),
            25 * HOUR_MS
        );
    }

    #[test]
    fn berlin_weeks_and_months_span_dst_changes() {
        let berlin = tz("Europe/Berlin");
        let week =
            Period::current(PeriodKind::Weekly, &berlin, ms("2026-03-29T12:00:00Z")).unwrap();
        assert_eq!(week.id(), "2026-W13");
        assert_eq!(
            span(&week),
            (ms("2026-03-22T23:00:00Z"), ms("2026-03-29T22:00:00Z"))
        );
        assert_eq!(
            week.end_ms().unwrap() - week.start_ms().unwrap(),
            7 * DAY_MS - HOUR_MS
        );
        let month =
            Period::current(PeriodKind::Monthly, &berlin, ms("2026-10-31T23:30:00Z")).unwrap();
        // Already November in Berlin, which is back on UTC+1.
        assert_eq!(month.id(), "2026-11");
        assert_eq!(
            span(&month),
            (ms("2026-10-31T23:00:00Z"), ms("2026-11-30T23:00:00Z"))
        );
    }

    #[test]
    fn a_day_whose_midnight_is_skipped_starts_after_the_gap() {
        // Chile moves its clocks from 24:00 to 01:00 on the first Sunday of September.
        let santiago = tz("America/Santiago");
        let day = Period::containing_date(PeriodKind::Daily, &santiago, date(2026, 9, 6)).unwrap();
        assert_eq!(
            span(&day),
            (ms("2026-09-06T04:00:00Z"), ms("2026-09-07T03:00:00Z"))
        );
        let before =
            Period::current(PeriodKind::Daily, &santiago, ms("2026-09-06T03:59:59.999Z")).unwrap();
        assert_eq!(before.id(), "2026-09-05");
        assert_eq!(before.end_ms(), day.start_ms());
    }

    #[test]
    fn a_day_whose_midnight_repeats_starts_at_the_first_one() {
        // Cuba turned its clocks back from 01:00 to 00:00 on 3 November 2024.
        let havana = tz("America/Havana");
        let day = Period::containing_date(PeriodKind::Daily, &havana, date(2024, 11, 3)).unwrap();
        assert_eq!(
            span(&day),
            (ms("2024-11-03T04:00:00Z"), ms("2024-11-04T05:00:00Z"))
        );
        let second_midnight =
            Period::current(PeriodKind::Daily, &havana, ms("2024-11-03T05:00:00Z")).unwrap();
        assert_eq!(second_midnight.id(), "2024-11-03");
    }

    #[test]
    fn iso_weeks_span_year_boundaries() {
        for (day, id, monday) in [
            (date(2026, 12, 31), "2026-W53", date(2026, 12, 28)),
            (date(2027, 1, 3), "2026-W53", date(2026, 12, 28)),
            (date(2027, 1, 4), "2027-W01", date(2027, 1, 4)),
            (date(2024, 12, 30), "2025-W01", date(2024, 12, 30)),
            (date(2025, 1, 1), "2025-W01", date(2024, 12, 30)),
        ] {
            let week = Period::containing_date(PeriodKind::Weekly, &TimeZone::UTC, day).unwrap();
            assert_eq!(week.id(), id, "{day}");
            assert_eq!(
                week.start_ms(),
                Some(start_of_day_ms(&TimeZone::UTC, monday).unwrap())
            );
        }
    }

    #[test]
    fn expiry_keeps_retention_local_periods_after_the_end() {
        let new_york = tz("America/New_York");
        let day = Period::containing_date(PeriodKind::Daily, &new_york, date(2026, 3, 7)).unwrap();
        // Ends at local midnight of the 8th; one more local day, 23 hours long, then expiry.
        assert_eq!(day.end_ms(), Some(ms("2026-03-08T05:00:00Z")));
        assert_eq!(
            day.expires_at_ms(&new_york, 1).unwrap(),
            Some(ms("2026-03-09T04:00:00Z"))
        );
        assert_eq!(day.expires_at_ms(&new_york, 0).unwrap(), day.end_ms());
        let month = Period::containing_date(PeriodKind::Monthly, &TimeZone::UTC, date(2026, 1, 15))
            .unwrap();
        assert_eq!(
            month.expires_at_ms(&TimeZone::UTC, 7).unwrap(),
            Some(ms("2026-09-01T00:00:00Z"))
        );
        let week = Period::containing_date(PeriodKind::Weekly, &TimeZone::UTC, date(2026, 11, 26))
            .unwrap();
        assert_eq!(
            week.expires_at_ms(&TimeZone::UTC, 2).unwrap(),
            Some(ms("2026-12-14T00:00:00Z"))
        );
        assert_eq!(
            Period::all_time().expires_at_ms(&TimeZone::UTC, 7).unwrap(),
            None
        );
    }

    #[test]
    fn at_selects_the_period_containing_a_local_date() {
        let now = ms("2026-11-26T12:00:00Z");
        let utc = TimeZone::UTC;
        let daily = Period::parse_at(PeriodKind::Daily, &utc, "2026-11-25", now, 7).unwrap();
        assert_eq!(daily.id(), "2026-11-25");
        let weekly = Period::parse_at(PeriodKind::Weekly, &utc, "2026-11-25", now, 0).unwrap();
        assert_eq!(
            weekly.id(),
            "2026-W48",
            "the current week is always readable"
        );
        let monthly = Period::parse_at(PeriodKind::Monthly, &utc, "2026-04-30", now, 7).unwrap();
        assert_eq!(monthly.id(), "2026-04");
        let all = Period::parse_at(PeriodKind::AllTime, &utc, "2001-01-01", now, 0).unwrap();
        assert_eq!(all, Period::all_time());
    }

    #[test]
    fn at_refuses_the_future_and_periods_past_retention() {
        let now = ms("2026-11-26T12:00:00Z");
        let utc = TimeZone::UTC;
        assert_eq!(
            Period::parse_at(PeriodKind::Daily, &utc, "2026-11-27", now, 7),
            Err(PeriodError::Future(date(2026, 11, 27)))
        );
        assert!(Period::parse_at(PeriodKind::Daily, &utc, "2026-11-19", now, 7).is_ok());
        assert_eq!(
            Period::parse_at(PeriodKind::Daily, &utc, "2026-11-18", now, 7),
            Err(PeriodError::Expired {
                date: date(2026, 11, 18),
                retention: 7
            })
        );
        assert!(Period::parse_at(PeriodKind::Weekly, &utc, "2026-11-16", now, 1).is_ok());
        assert!(Period::parse_at(PeriodKind::Weekly, &utc, "2026-11-15", now, 1).is_err());
        assert!(Period::parse_at(PeriodKind::Monthly, &utc, "2026-04-01", now, 7).is_ok());
        assert!(Period::parse_at(PeriodKind::Monthly, &utc, "2026-03-31", now, 7).is_err());
    }

    #[test]
    fn at_uses_the_boards_local_today() {
        // 02:00 UTC on the 26th is the 25th in New York: the 26th is still the future there.
        let now = ms("2026-11-26T02:00:00Z");
        let new_york = tz("America/New_York");
        assert!(matches!(
            Period::parse_at(PeriodKind::Daily, &new_york, "2026-11-26", now, 7),
            Err(PeriodError::Future(_))
        ));
        assert!(Period::parse_at(PeriodKind::Daily, &TimeZone::UTC, "2026-11-26", now, 7).is_ok());
    }

    #[test]
    fn at_must_be_a_plain_date() {
        for text in [
            "2026-11-5",
            "2026/11/25",
            "2026-11-25T00:00",
            "+02026-11-25",
            "2026-02-30",
            "2026-13-01",
            "",
            "20261125",
        ] {
            assert_eq!(
                Period::parse_at(PeriodKind::Daily, &TimeZone::UTC, text, 0, 7),
                Err(PeriodError::InvalidDate(text.to_owned())),
                "{text:?}"
            );
        }
    }

    #[test]
    fn instants_outside_the_calendar_are_errors() {
        assert_eq!(
            Period::current(PeriodKind::Daily, &TimeZone::UTC, i64::MAX),
            Err(PeriodError::OutOfRange)
        );
    }
}
