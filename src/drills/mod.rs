//! Drills: spaced practice of what a candidate missed. Pure rules, no SQL, no HTTP, no clock of
//! its own (every function takes "now" in unix seconds):
//! - [`cards`] turns an alignment result and a reviewer's trap flag into drill cards;
//! - [`schedule`] wraps the FSRS scheduler (`fsrs` crate) — memory state in, next due date out;
//! - [`next`] picks what to practise next from levels and open cards;
//! - [`progress`] counts drills done, retention and the streak;
//! - [`reveal`] says what a drill's reveal shows and how a card is described.

pub mod cards;
pub mod next;
pub mod progress;
pub mod reveal;
pub mod schedule;

pub use cards::{CardKind, NewCard, Source, WHOLE_TRAP};
pub use schedule::{Memory, Outcome, Rating, Scheduler};

/// Longest drill answer kept, in characters (a few sentences, not an essay).
pub const MAX_ANSWER_CHARS: usize = 4000;

/// The end of the UTC day that `now` falls in (exclusive), for "due today".
pub fn end_of_day(now: i64) -> i64 {
    (now.div_euclid(86_400) + 1) * 86_400
}

/// The UTC day number of a moment (days since 1970-01-01).
pub fn day_of(ts: i64) -> i64 {
    ts.div_euclid(86_400)
}

/// A short description of an interval in seconds: "now", "10 min", "5 h", "3 days", "2 months".
pub fn describe_interval(secs: i64) -> String {
    match secs {
        s if s < 60 => "now".to_string(),
        s if s < 3600 => format!("{} min", s / 60),
        s if s < 86_400 => format!("{} h", s / 3600),
        s if s < 2 * 86_400 => "1 day".to_string(),
        s if s < 60 * 86_400 => format!("{} days", (s + 43_200) / 86_400),
        s if s < 730 * 86_400 => format!("{} months", (s + 15 * 86_400) / (30 * 86_400)),
        s => format!("{} years", s / (365 * 86_400)),
    }
}

/// When a card is due, as a list says it: "due now", "due later today" or the date and how far.
pub fn due_label(due_at: i64, now: i64) -> String {
    if due_at <= now {
        "due now".to_string()
    } else if due_at < end_of_day(now) {
        "due later today".to_string()
    } else {
        format!(
            "due {} (in {})",
            crate::clock::format_date(due_at),
            describe_interval(due_at - now)
        )
    }
}

/// What a rating did, as said after it: the next due date, how far off that is, and how many
/// other cards are due today (`due_left`).
pub fn rated_note(rating: Rating, outcome: &Outcome, due_left: usize) -> String {
    let when = if outcome.interval_secs == 0 {
        "later today".to_string()
    } else {
        format!("in {}", describe_interval(outcome.interval_secs))
    };
    let left = match due_left {
        0 => " No more drills due today.".to_string(),
        1 => " 1 more due today.".to_string(),
        n => format!(" {n} more due today."),
    };
    format!(
        "{}: next due {} ({when}).{left}",
        rating.label(),
        crate::clock::format_date(outcome.due_at),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_ends_at_the_next_utc_midnight() {
        assert_eq!(end_of_day(0), 86_400);
        assert_eq!(end_of_day(86_399), 86_400);
        assert_eq!(end_of_day(86_400), 2 * 86_400);
        assert_eq!(day_of(86_400 * 3 + 5), 3);
    }

    #[test]
    fn intervals_read_like_people_talk() {
        assert_eq!(describe_interval(0), "now");
        assert_eq!(describe_interval(600), "10 min");
        assert_eq!(describe_interval(86_400), "1 day");
        assert_eq!(describe_interval(3 * 86_400), "3 days");
        assert_eq!(describe_interval(90 * 86_400), "3 months");
    }
}
