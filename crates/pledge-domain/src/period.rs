//! Calendar periods such as `30 days`, `1 year` or `72 hours`.
//!
//! Policies state durations in calendar words, and the law counts them that way: "one calendar
//! month" from 31 January ends on 28 or 29 February, not 30 days later. A [`Period`] keeps the
//! unit, adds itself to a moment with calendar arithmetic, and can be compared with another
//! period conservatively (a month is anywhere from 28 to 31 days).

use std::fmt;
use std::num::NonZeroU32;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use time::{Date, Duration, Month, OffsetDateTime};

use crate::DomainError;

/// The unit of a [`Period`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PeriodUnit {
    /// Minutes (session timeouts).
    Minutes,
    /// Hours (breach notification windows).
    Hours,
    /// Calendar days.
    Days,
    /// Weeks of seven days.
    Weeks,
    /// Calendar months.
    Months,
    /// Calendar years.
    Years,
}

impl PeriodUnit {
    fn singular(self) -> &'static str {
        match self {
            PeriodUnit::Minutes => "minute",
            PeriodUnit::Hours => "hour",
            PeriodUnit::Days => "day",
            PeriodUnit::Weeks => "week",
            PeriodUnit::Months => "month",
            PeriodUnit::Years => "year",
        }
    }

    fn from_word(word: &str) -> Option<Self> {
        let unit = match word.strip_suffix('s').unwrap_or(word) {
            "minute" => PeriodUnit::Minutes,
            "hour" => PeriodUnit::Hours,
            "day" => PeriodUnit::Days,
            "week" => PeriodUnit::Weeks,
            "month" => PeriodUnit::Months,
            "year" => PeriodUnit::Years,
            _ => return None,
        };
        Some(unit)
    }

    /// The shortest and longest this unit can be, in minutes.
    const fn minute_bounds(self) -> (u64, u64) {
        const DAY: u64 = 24 * 60;
        match self {
            PeriodUnit::Minutes => (1, 1),
            PeriodUnit::Hours => (60, 60),
            PeriodUnit::Days => (DAY, DAY),
            PeriodUnit::Weeks => (7 * DAY, 7 * DAY),
            PeriodUnit::Months => (28 * DAY, 31 * DAY),
            PeriodUnit::Years => (365 * DAY, 366 * DAY),
        }
    }
}

/// A positive amount of a calendar unit. Zero and negative periods cannot be represented.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Period {
    amount: NonZeroU32,
    unit: PeriodUnit,
}

impl Period {
    /// A period of `amount` units.
    pub const fn new(amount: NonZeroU32, unit: PeriodUnit) -> Self {
        Self { amount, unit }
    }

    /// How many units.
    pub const fn amount(self) -> NonZeroU32 {
        self.amount
    }

    /// Which unit.
    pub const fn unit(self) -> PeriodUnit {
        self.unit
    }

    /// The shortest this period can be, in minutes (a month counts as 28 days).
    pub const fn min_minutes(self) -> u64 {
        self.amount.get() as u64 * self.unit.minute_bounds().0
    }

    /// The longest this period can be, in minutes (a month counts as 31 days).
    pub const fn max_minutes(self) -> u64 {
        self.amount.get() as u64 * self.unit.minute_bounds().1
    }

    /// True when this period is longer than `other` whatever the calendar does.
    pub const fn surely_longer_than(self, other: Period) -> bool {
        self.min_minutes() > other.max_minutes()
    }

    /// The moment this period after `start`, counted on the calendar.
    ///
    /// Adding months or years keeps the day of the month where it exists and otherwise uses the
    /// month's last day (31 January + 1 month = 28 or 29 February). Returns `None` only when the
    /// result is beyond the dates the `time` crate can represent.
    pub fn after(self, start: OffsetDateTime) -> Option<OffsetDateTime> {
        let amount = i64::from(self.amount.get());
        match self.unit {
            PeriodUnit::Minutes => start.checked_add(Duration::minutes(amount)),
            PeriodUnit::Hours => start.checked_add(Duration::hours(amount)),
            PeriodUnit::Days => start.checked_add(Duration::days(amount)),
            PeriodUnit::Weeks => start.checked_add(Duration::weeks(amount)),
            PeriodUnit::Months => add_months(start, amount),
            PeriodUnit::Years => add_months(start, amount.checked_mul(12)?),
        }
    }
}

fn add_months(start: OffsetDateTime, months: i64) -> Option<OffsetDateTime> {
    let date = start.date();
    let month_index = i64::from(date.year()) * 12 + i64::from(u8::from(date.month())) - 1;
    let target = month_index.checked_add(months)?;
    let year = i32::try_from(target.div_euclid(12)).ok()?;
    let month = Month::try_from(u8::try_from(target.rem_euclid(12) + 1).ok()?).ok()?;
    let day = date.day().min(month.length(year));
    let new_date = Date::from_calendar_date(year, month, day).ok()?;
    Some(start.replace_date(new_date))
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = if self.amount.get() == 1 { "" } else { "s" };
        write!(f, "{} {}{}", self.amount, self.unit.singular(), plural)
    }
}

impl FromStr for Period {
    type Err = DomainError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let refuse = |reason: &str| DomainError::InvalidPeriod {
            value: text.to_owned(),
            reason: reason.to_owned(),
        };
        let mut words = text.split_whitespace();
        let (Some(number), Some(word), None) = (words.next(), words.next(), words.next()) else {
            return Err(refuse(
                "write a whole number and a unit, like `30 days` or `1 year`",
            ));
        };
        let unit = PeriodUnit::from_word(word).ok_or_else(|| {
            refuse("the unit must be minutes, hours, days, weeks, months or years")
        })?;
        if number.starts_with('-') {
            return Err(refuse("a period must be positive"));
        }
        let amount: u32 = number
            .parse()
            .map_err(|_| refuse("the amount must be a whole number below 4294967296"))?;
        let amount = NonZeroU32::new(amount).ok_or_else(|| refuse("a period cannot be zero"))?;
        Ok(Period::new(amount, unit))
    }
}

impl TryFrom<String> for Period {
    type Error = DomainError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        value.parse()
    }
}

impl From<Period> for String {
    fn from(period: Period) -> Self {
        period.to_string()
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use time::macros::datetime;

    use super::*;

    fn period(text: &str) -> Period {
        text.parse().expect("valid period")
    }

    #[test]
    fn periods_read_singular_and_plural_units() {
        assert_eq!(period("1 year"), period("1 years"));
        assert_eq!(period("30 days").to_string(), "30 days");
        assert_eq!(period("1 day").to_string(), "1 day");
        assert_eq!(period("72 hours").unit(), PeriodUnit::Hours);
    }

    #[test]
    fn zero_negative_and_malformed_periods_are_refused() {
        for bad in [
            "0 days",
            "-1 year",
            "30",
            "thirty days",
            "3 fortnights",
            "1 year ago",
            "",
        ] {
            let err = bad.parse::<Period>().expect_err(bad);
            assert!(
                matches!(err, DomainError::InvalidPeriod { .. }),
                "{bad}: {err}"
            );
        }
    }

    #[test]
    fn months_clamp_to_the_end_of_shorter_months() {
        let start = datetime!(2025-01-31 12:00 UTC);
        assert_eq!(
            period("1 month").after(start),
            Some(datetime!(2025-02-28 12:00 UTC))
        );
        assert_eq!(
            period("1 year").after(datetime!(2024-02-29 0:00 UTC)),
            Some(datetime!(2025-02-28 0:00 UTC))
        );
        assert_eq!(
            period("72 hours").after(start),
            Some(datetime!(2025-02-03 12:00 UTC))
        );
    }

    #[test]
    fn comparisons_are_conservative_about_months() {
        assert!(period("1 year").surely_longer_than(period("30 days")));
        assert!(!period("1 month").surely_longer_than(period("30 days")));
        assert!(!period("30 days").surely_longer_than(period("1 month")));
    }

    proptest! {
        #[test]
        fn display_parses_back(amount in 1u32..100_000, unit in 0usize..6) {
            let unit = [PeriodUnit::Minutes, PeriodUnit::Hours, PeriodUnit::Days, PeriodUnit::Weeks,
                PeriodUnit::Months, PeriodUnit::Years][unit];
            let p = Period::new(NonZeroU32::new(amount).expect("nonzero"), unit);
            prop_assert_eq!(p.to_string().parse::<Period>().expect("parses"), p);
        }

        #[test]
        fn adding_a_period_always_moves_forward(days in 0i64..40_000, amount in 1u32..600,
                unit in 0usize..6) {
            let unit = [PeriodUnit::Minutes, PeriodUnit::Hours, PeriodUnit::Days, PeriodUnit::Weeks,
                PeriodUnit::Months, PeriodUnit::Years][unit];
            let start = datetime!(1990-01-01 0:00 UTC) + Duration::days(days);
            let p = Period::new(NonZeroU32::new(amount).expect("nonzero"), unit);
            let end = p.after(start).expect("in range");
            prop_assert!(end > start);
        }
    }
}
