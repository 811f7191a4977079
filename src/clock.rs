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

/// A short relative description of a future moment: "in 3 days", "in 5 hours", "expired".
pub fn until(ts: i64) -> String {
    let left = ts - now();
    match left {
        l if l <= 0 => "expired".to_string(),
        l if l < 3600 => format!("in {} min", (l + 59) / 60),
        l if l < 86_400 => format!("in {} h", l / 3600),
        l => format!("in {} days", l / 86_400),
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
