//! Wall-clock helpers: timestamps are stored as unix seconds (UTC).

use time::OffsetDateTime;

/// Now, in unix seconds.
pub fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// `2026-11-28 14:02` (UTC) for display.
pub fn format_datetime(ts: i64) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    OffsetDateTime::from_unix_timestamp(ts)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_else(|| "—".to_string())
}

/// A short relative description of a future moment: "in 3 days", "in 5 h", "expired".
pub fn until(ts: i64) -> String {
    until_from(ts, now())
}

/// [`until`] seen from `now`: rounded to the nearest unit, so a 7-day link made seconds ago
/// says "in 7 days" (minutes round up: "in 1 min" until it expires).
pub fn until_from(ts: i64, now: i64) -> String {
    match ts - now {
        l if l <= 0 => "expired".to_string(),
        l if l < 3600 - 30 => format!("in {} min", (l + 59) / 60),
        l if l < 86_400 - 1800 => format!("in {} h", (l + 1800) / 3600),
        l => {
            let days = (l + 43_200) / 86_400;
            if days == 1 {
                "in 1 day".to_string()
            } else {
                format!("in {days} days")
            }
        }
    }
}

/// `14:02:31 UTC` for "saved at" labels.
pub fn format_time(ts: i64) -> String {
    let fmt = time::macros::format_description!("[hour]:[minute]:[second] UTC");
    OffsetDateTime::from_unix_timestamp(ts)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_default()
}

/// `2026-11-28` for tables.
pub fn format_date(ts: i64) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    OffsetDateTime::from_unix_timestamp(ts)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_default()
}

/// The server's clock for scheduling (drills): the wall clock plus an offset that only tests
/// move (`advance`), so a test can jump days ahead without waiting. One per app state.
#[derive(Debug, Default)]
pub struct Clock {
    offset: std::sync::atomic::AtomicI64,
}

impl Clock {
    /// Now, in unix seconds, as this clock sees it.
    pub fn now(&self) -> i64 {
        now() + self.offset.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Moves this clock forward by `secs` (tests).
    pub fn advance(&self, secs: i64) {
        self.offset
            .fetch_add(secs, std::sync::atomic::Ordering::Relaxed);
    }
}

/// `2026-11-28T14:02:31Z`: ISO 8601 in UTC, for exports.
pub fn iso8601(ts: i64) -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    OffsetDateTime::from_unix_timestamp(ts)
        .ok()
        .and_then(|t| t.format(&fmt).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn until_rounds_to_the_nearest_unit() {
        let now = 1_800_000_000;
        assert_eq!(until_from(now + 7 * 86_400 - 5, now), "in 7 days");
        assert_eq!(until_from(now + 86_400 - 5, now), "in 1 day");
        assert_eq!(until_from(now + 6 * 86_400 + 3600, now), "in 6 days");
        assert_eq!(until_from(now + 5 * 3600 - 5, now), "in 5 h");
        assert_eq!(until_from(now + 90, now), "in 2 min");
        assert_eq!(until_from(now + 3599, now), "in 1 h");
        assert_eq!(until_from(now, now), "expired");
    }

    #[test]
    fn iso8601_is_utc_with_a_z() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(1_800_000_000), "2027-01-15T08:00:00Z");
    }
}
