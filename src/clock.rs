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
