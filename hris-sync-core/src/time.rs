//! Time in the public API: `chrono` throughout (docs/rules.md §1 — the services that embed this crate
//! already speak chrono).
//!
//! - Instants are [`DateTime<Utc>`]: `now`, change watermarks, record timestamps.
//! - HR calendar dates are [`NaiveDate`], taken as written and never shifted through a zone: a
//!   termination on Sep 30 in Berlin is Sep 30, whatever the server's clock says.
//! - The company's zone is a [`chrono_tz::Tz`] (`[lifecycle] timezone`), used for *today* and
//!   for local times such as the end of the last day.
//! - Periods are [`std::time::Duration`].
//!
//! The helpers here keep the wire and file formats in one place: instants are written as
//! RFC 3339 in UTC with a `Z`, and a fractional second only when there is one, with no trailing
//! zeros (`…T08:00:00Z`, `…T08:00:00.25Z`). That is the form the plan JSON, the report and the
//! state file have always had, so a state file written by an earlier version loads and is
//! written back byte for byte the same (`tests/fixtures/state-0.1.json`).

use chrono::{DateTime, LocalResult, NaiveDate, NaiveTime, SecondsFormat, TimeZone, Utc};
use chrono_tz::Tz;

/// An instant as RFC 3339 in UTC (`2025-06-30T21:59:59Z`), the form of the plan JSON, the state
/// file and every date-time sent to a directory.
#[must_use]
pub fn rfc3339(at: &DateTime<Utc>) -> String {
    let mut text = at.to_rfc3339_opts(SecondsFormat::Nanos, true);
    // `2025-10-01T08:00:00.250000000Z` → `2025-10-01T08:00:00.25Z`.
    text.pop();
    let kept = text.trim_end_matches('0').trim_end_matches('.').len();
    text.truncate(kept);
    text.push('Z');
    text
}

/// Serde for `Option<DateTime<Utc>>` in the [`rfc3339`] form: `#[serde(with = "…")]`.
pub mod serde_opt {
    use chrono::{DateTime, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    /// Writes `None` as `null`, an instant as [`super::rfc3339`].
    ///
    /// # Errors
    /// The serializer's.
    #[allow(clippy::ref_option)] // serde's `with` hands a reference to the field
    pub fn serialize<S: Serializer>(at: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
        match at {
            Some(t) => s.serialize_str(&super::rfc3339(t)),
            None => s.serialize_none(),
        }
    }

    /// Reads `null` or an RFC 3339 instant with any offset.
    ///
    /// # Errors
    /// When the text is not an RFC 3339 instant.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<DateTime<Utc>>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|text| {
                super::parse_instant(&text).ok_or_else(|| {
                    serde::de::Error::custom(format!("{text:?} is not an RFC 3339 instant"))
                })
            })
            .transpose()
    }
}

/// Reads an RFC 3339 / ISO 8601 date-time with an offset (`Z`, `+02:00`) as an instant.
#[must_use]
pub fn parse_instant(text: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(text.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// The instant a local wall-clock time on `date` happens in `zone`.
///
/// A time that happens twice (the hour clocks go back) is the earlier one; a time that never
/// happens (the hour clocks go forward) is moved forward by the length of the gap, as the
/// clocks on the wall would show it.
#[must_use]
pub fn local_instant(date: NaiveDate, time: NaiveTime, zone: Tz) -> Option<DateTime<Utc>> {
    let local = date.and_time(time);
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => Some(t.with_timezone(&Utc)),
        LocalResult::None => {
            // Gaps in the tz database are at most a few hours; step forward until one resolves.
            (1..=4).find_map(|h| {
                let later = local.checked_add_signed(chrono::TimeDelta::hours(h))?;
                zone.from_local_datetime(&later)
                    .earliest()
                    .map(|t| t.with_timezone(&Utc))
            })
        }
    }
}

/// *Today*: the calendar date of `now` in `zone`.
#[must_use]
pub fn today(now: DateTime<Utc>, zone: Tz) -> NaiveDate {
    now.with_timezone(&zone).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        parse_instant(s).unwrap()
    }

    #[test]
    fn instants_are_written_in_utc_with_z() {
        assert_eq!(
            rfc3339(&at("2025-06-30T23:59:59+02:00")),
            "2025-06-30T21:59:59Z"
        );
        assert_eq!(
            rfc3339(&at("2025-06-30T00:00:00.5Z")),
            "2025-06-30T00:00:00.5Z"
        );
        assert_eq!(
            rfc3339(&at("2025-06-30T00:00:00.000123Z")),
            "2025-06-30T00:00:00.000123Z"
        );
        assert_eq!(rfc3339(&at("2025-06-30T00:00:10Z")), "2025-06-30T00:00:10Z");
        assert!(parse_instant("2025-06-30").is_none());
        assert!(parse_instant("yesterday").is_none());
    }

    #[test]
    fn local_times_in_berlin() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let d = |m, day| NaiveDate::from_ymd_opt(2025, m, day).unwrap();
        let t = |h, m| NaiveTime::from_hms_opt(h, m, 0).unwrap();
        // Summer: UTC+2.
        assert_eq!(
            rfc3339(&local_instant(d(6, 30), t(8, 0), berlin).unwrap()),
            "2025-06-30T06:00:00Z"
        );
        // 02:30 on 30 Mar 2025 does not exist: it is 03:30 CEST.
        assert_eq!(
            rfc3339(&local_instant(d(3, 30), t(2, 30), berlin).unwrap()),
            "2025-03-30T01:30:00Z"
        );
        // 02:30 on 26 Oct 2025 happens twice: the first one, still CEST.
        assert_eq!(
            rfc3339(&local_instant(d(10, 26), t(2, 30), berlin).unwrap()),
            "2025-10-26T00:30:00Z"
        );
        // Today in Berlin is already tomorrow in UTC terms at 23:30Z.
        assert_eq!(today(at("2025-06-30T22:30:00Z"), berlin), d(7, 1));
    }
}
