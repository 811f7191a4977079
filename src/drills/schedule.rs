//! Scheduling with FSRS (the `fsrs` crate, default parameters, 90 % desired retention). A card's
//! memory (stability, difficulty) and the time of its last review go in with a rating and "now";
//! the new memory and the next due time come out. Intervals are whole days, except that "Again"
//! may bring a card back the same day.

use fsrs::{FSRS, MemoryState, NextStates};

/// The desired probability of recalling a card when it comes due.
pub const DESIRED_RETENTION: f32 = 0.9;

const DAY: i64 = 86_400;

/// How well the candidate recalled the missed part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rating {
    Again = 1,
    Hard = 2,
    Good = 3,
    Easy = 4,
}

impl Rating {
    pub const ALL: [Rating; 4] = [Rating::Again, Rating::Hard, Rating::Good, Rating::Easy];

    pub fn number(self) -> i64 {
        self as i64
    }

    pub fn from_number(n: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.number() == n)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Again => "Again",
            Self::Hard => "Hard",
            Self::Good => "Good",
            Self::Easy => "Easy",
        }
    }

    /// Good and Easy count as remembered (retention).
    pub fn remembered(self) -> bool {
        matches!(self, Self::Good | Self::Easy)
    }
}

/// FSRS memory of one card.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Memory {
    pub stability: f64,
    pub difficulty: f64,
}

/// The result of rating a card at a moment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Outcome {
    pub memory: Memory,
    /// Seconds from the review to the next due time.
    pub interval_secs: i64,
    pub due_at: i64,
}

/// The FSRS model with default parameters. Cheap to build; holds no state between cards.
pub struct Scheduler {
    fsrs: FSRS,
}

impl Default for Scheduler {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for Scheduler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Scheduler(fsrs defaults)")
    }
}

impl Scheduler {
    pub fn new() -> Self {
        Self {
            fsrs: FSRS::default(),
        }
    }

    /// The four possible outcomes of reviewing a card now, in Again/Hard/Good/Easy order.
    /// `last` is the memory and time of the previous review (`None` for a new card).
    pub fn preview(&self, last: Option<(Memory, i64)>, now: i64) -> [Outcome; 4] {
        let (state, elapsed) = match last {
            Some((m, at)) => (
                Some(MemoryState {
                    stability: m.stability as f32,
                    difficulty: m.difficulty as f32,
                }),
                u32::try_from((now - at).max(0) / DAY).unwrap_or(u32::MAX),
            ),
            None => (None, 0),
        };
        let next = self
            .fsrs
            .next_states(state, DESIRED_RETENTION, elapsed)
            .or_else(|_| self.fsrs.next_states(None, DESIRED_RETENTION, 0))
            .expect("FSRS default parameters schedule a new card");
        outcomes(&next, now)
    }

    /// Rate a card now.
    pub fn rate(&self, last: Option<(Memory, i64)>, rating: Rating, now: i64) -> Outcome {
        self.preview(last, now)[rating as usize - 1]
    }
}

fn outcomes(next: &NextStates, now: i64) -> [Outcome; 4] {
    let days = |interval: f32| f64::from(interval).round().clamp(0.0, 36_500.0) as i64;
    let again = days(next.again.interval);
    // Hard, Good and Easy are at least a day, each longer than the one before.
    let hard = days(next.hard.interval).max(1);
    let good = days(next.good.interval).max(hard + 1);
    let easy = days(next.easy.interval).max(good + 1);
    let make = |s: &fsrs::ItemState, d: i64| Outcome {
        memory: Memory {
            stability: f64::from(s.memory.stability),
            difficulty: f64::from(s.memory.difficulty),
        },
        interval_secs: d * DAY,
        due_at: now + d * DAY,
    };
    [
        make(&next.again, again),
        make(&next.hard, hard),
        make(&next.good, good),
        make(&next.easy, easy),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_800_000_000;

    /// Rate a card with the given ratings, each on the day it comes due.
    fn run(first: Rating, then: &[Rating]) -> Vec<Outcome> {
        let s = Scheduler::new();
        let mut o = s.rate(None, first, T0);
        let mut out = vec![o];
        for r in then {
            let now = o.due_at.max(T0 + 60);
            let next = s.rate(Some((o.memory, now - o.interval_secs)), *r, now);
            out.push(next);
            o = next;
        }
        out
    }

    #[test]
    fn the_same_ratings_at_the_same_times_give_the_same_schedule() {
        let a = run(Rating::Hard, &[Rating::Good, Rating::Good, Rating::Again]);
        let b = run(Rating::Hard, &[Rating::Good, Rating::Good, Rating::Again]);
        assert_eq!(a, b);
    }

    #[test]
    fn intervals_grow_with_good_and_reset_with_again() {
        let o = run(
            Rating::Hard,
            &[Rating::Good, Rating::Good, Rating::Good, Rating::Again],
        );
        let days: Vec<i64> = o.iter().map(|o| o.interval_secs / DAY).collect();
        assert!(days[1] > days[0], "{days:?}");
        assert!(days[2] > days[1], "{days:?}");
        assert!(days[3] > days[2], "{days:?}");
        assert!(days[4] < days[3] / 2, "Again cuts the interval: {days:?}");
        assert!(o[4].memory.stability < o[3].memory.stability);
    }

    #[test]
    fn a_new_trap_is_due_today_and_a_new_missed_point_tomorrow_or_later() {
        let s = Scheduler::new();
        let trap = s.rate(None, Rating::Again, T0);
        assert!(trap.due_at < crate::drills::end_of_day(T0) + DAY);
        assert_eq!(trap.interval_secs, 0);
        let point = s.rate(None, Rating::Hard, T0);
        assert!(point.interval_secs >= DAY);
    }

    #[test]
    fn the_four_buttons_are_ordered_and_the_later_three_are_at_least_a_day() {
        let s = Scheduler::new();
        let first = s.rate(None, Rating::Hard, T0);
        let p = s.preview(Some((first.memory, T0)), T0 + 3 * DAY);
        assert!(p[0].interval_secs <= p[1].interval_secs);
        assert!(p[1].interval_secs >= DAY);
        assert!(p[1].interval_secs < p[2].interval_secs);
        assert!(p[2].interval_secs < p[3].interval_secs);
        for o in p {
            assert_eq!(o.due_at, T0 + 3 * DAY + o.interval_secs);
        }
    }

    #[test]
    fn ratings_round_trip_through_their_numbers() {
        for r in Rating::ALL {
            assert_eq!(Rating::from_number(r.number()), Some(r));
        }
        assert_eq!(Rating::from_number(0), None);
        assert_eq!(Rating::from_number(5), None);
    }
}
