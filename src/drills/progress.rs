//! Drill progress for History: drills done, retention (share rated Good or Easy) and the streak
//! of consecutive days with at least one drill.

use super::{Rating, day_of};

/// What History shows about drills.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub done: usize,
    /// Share of drills rated Good or Easy, 0..=1; `None` before the first drill.
    pub retention: Option<f64>,
    /// Consecutive days with a drill, ending today (or yesterday, if today has none yet).
    pub streak: u32,
    pub done_today: usize,
}

/// Progress from the review log: (rating, reviewed at) pairs in any order.
pub fn progress(log: &[(Rating, i64)], now: i64) -> Progress {
    let done = log.len();
    let good = log.iter().filter(|(r, _)| r.remembered()).count();
    let retention = (done > 0).then(|| good as f64 / done as f64);
    let mut days: Vec<i64> = log.iter().map(|(_, at)| day_of(*at)).collect();
    days.sort_unstable();
    days.dedup();
    let today = day_of(now);
    let done_today = log.iter().filter(|(_, at)| day_of(*at) == today).count();
    let mut day = if days.binary_search(&today).is_ok() {
        today
    } else {
        today - 1
    };
    let mut streak = 0;
    while days.binary_search(&day).is_ok() {
        streak += 1;
        day -= 1;
    }
    Progress {
        done,
        retention,
        streak,
        done_today,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 86_400;
    const NOW: i64 = 20_000 * DAY + 3600;

    #[test]
    fn nothing_done_is_no_streak_and_no_retention() {
        let p = progress(&[], NOW);
        assert_eq!((p.done, p.retention, p.streak), (0, None, 0));
    }

    #[test]
    fn retention_is_the_share_of_good_and_easy() {
        let log = [
            (Rating::Good, NOW),
            (Rating::Again, NOW),
            (Rating::Easy, NOW),
            (Rating::Hard, NOW),
        ];
        assert_eq!(progress(&log, NOW).retention, Some(0.5));
    }

    #[test]
    fn the_streak_counts_back_from_today_or_yesterday_and_stops_at_a_gap() {
        let log = [
            (Rating::Good, NOW - DAY),
            (Rating::Good, NOW - 2 * DAY),
            (Rating::Good, NOW - 4 * DAY),
        ];
        assert_eq!(progress(&log, NOW).streak, 2, "today not done yet");
        let mut more = log.to_vec();
        more.push((Rating::Again, NOW));
        let p = progress(&more, NOW);
        assert_eq!((p.streak, p.done_today), (3, 1));
        assert_eq!(progress(&log, NOW + 2 * DAY).streak, 0);
    }
}
