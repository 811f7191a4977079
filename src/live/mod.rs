//! Live mock interviews as pure rules: the session's state machine (lobby → round 1 … round N →
//! debrief), who may move it and how, which answer step the candidate may write, and the shared
//! timer. No HTTP, no SQL; times are unix seconds handed in by the caller. The broadcast hub is
//! in [`hub`].

pub mod hub;

use std::{fmt, str::FromStr};

use crate::practice::{Part, Step};

/// Longest nudge, in characters.
pub const MAX_NUDGE: usize = 280;
/// Longest private note, in characters.
pub const MAX_NOTE: usize = 2000;
/// Longest quote a note is anchored to, in characters.
pub const MAX_QUOTE: usize = 500;

/// Where the session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Nobody has started; the candidate sees a waiting page.
    Lobby,
    /// Round `n` (1-based) is revealed.
    Round(u32),
    /// Over: the candidate sees the debrief.
    Debrief,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lobby => "lobby",
            Self::Round(_) => "round",
            Self::Debrief => "debrief",
        }
    }

    /// From the stored `phase` and `round` columns.
    pub fn from_stored(phase: &str, round: i64) -> Self {
        match (phase, u32::try_from(round)) {
            ("round", Ok(n)) if n > 0 => Self::Round(n),
            ("debrief", _) => Self::Debrief,
            _ => Self::Lobby,
        }
    }

    pub fn round(self) -> u32 {
        match self {
            Self::Round(n) => n,
            _ => 0,
        }
    }
}

/// The revealed round's trap follow-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowUp {
    /// Not asked yet: the candidate waits after the round's main answer.
    Held,
    Asked,
    /// The interviewer moved on without it.
    Skipped,
}

impl FollowUp {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Held => "held",
            Self::Asked => "asked",
            Self::Skipped => "skipped",
        }
    }
}

impl FromStr for FollowUp {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "held" => Ok(Self::Held),
            "asked" => Ok(Self::Asked),
            "skipped" => Ok(Self::Skipped),
            _ => Err(()),
        }
    }
}

/// What the interviewer can do from the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// Lobby → round 1, or round n → n + 1 once the candidate has finished round n.
    Reveal,
    Pause,
    Resume,
    /// Ask the revealed round's trap follow-up now.
    AskFollowUp,
    SkipFollowUp,
    /// Let the candidate move on to the next round by submitting.
    Allow,
    /// Keep the candidate on the revealed round until the interviewer reveals the next.
    Hold,
    /// End the session: the candidate goes to the debrief.
    End,
}

impl Control {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reveal => "reveal",
            Self::Pause => "pause",
            Self::Resume => "resume",
            Self::AskFollowUp => "follow_up",
            Self::SkipFollowUp => "skip_follow_up",
            Self::Allow => "allow",
            Self::Hold => "hold",
            Self::End => "end",
        }
    }
}

impl FromStr for Control {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        Ok(match s {
            "reveal" => Self::Reveal,
            "pause" => Self::Pause,
            "resume" => Self::Resume,
            "follow_up" => Self::AskFollowUp,
            "skip_follow_up" => Self::SkipFollowUp,
            "allow" => Self::Allow,
            "hold" => Self::Hold,
            "end" => Self::End,
            _ => return Err(()),
        })
    }
}

impl fmt::Display for Control {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the candidate has done in the revealed round (from the stored answers).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Progress {
    /// The round's main answer is submitted.
    pub main_done: bool,
    /// The round has a trap follow-up question.
    pub has_follow_up: bool,
    /// Its follow-up answer is submitted.
    pub follow_up_done: bool,
}

impl Progress {
    /// Whether the candidate has nothing left to write in this round.
    pub fn round_done(self, follow_up: FollowUp) -> bool {
        self.main_done
            && (!self.has_follow_up || self.follow_up_done || follow_up == FollowUp::Skipped)
    }
}

/// A control the rules refuse, with the reason shown to the interviewer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub &'static str);

/// The stored state of one session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub phase: Phase,
    pub follow_up: FollowUp,
    pub allow_advance: bool,
    pub timer_started_at: Option<i64>,
    pub paused_at: Option<i64>,
    pub paused_secs: i64,
    /// Rounds in the gauntlet.
    pub rounds: u32,
}

impl Session {
    /// A new session in the lobby.
    pub fn new(rounds: u32) -> Self {
        Self {
            phase: Phase::Lobby,
            follow_up: FollowUp::Held,
            allow_advance: false,
            timer_started_at: None,
            paused_at: None,
            paused_secs: 0,
            rounds,
        }
    }

    /// Seconds on the shared timer at `now` (0 before the first reveal; frozen while paused).
    pub fn elapsed(&self, now: i64) -> i64 {
        let Some(start) = self.timer_started_at else {
            return 0;
        };
        let until = self.paused_at.unwrap_or(now);
        (until - start - self.paused_secs).max(0)
    }

    pub fn is_over(&self) -> bool {
        self.phase == Phase::Debrief
    }

    /// Whether the candidate may see and write `step` now.
    pub fn step_open(&self, step: Step) -> bool {
        match self.phase {
            Phase::Round(n) if step.round < n => true,
            Phase::Round(n) if step.round == n => match step.part {
                Part::Main => true,
                Part::FollowUp => self.follow_up == FollowUp::Asked,
            },
            _ => false,
        }
    }

    fn reveal(&mut self, now: i64) {
        let next = self.phase.round() + 1;
        self.phase = Phase::Round(next);
        self.follow_up = FollowUp::Held;
        if self.timer_started_at.is_none() {
            self.timer_started_at = Some(now);
        }
    }

    /// The interviewer's control `c`, given what the candidate has done in the revealed round.
    pub fn apply(&mut self, c: Control, progress: Progress, now: i64) -> Result<(), Refused> {
        if self.is_over() {
            return Err(Refused("The session has ended."));
        }
        match c {
            Control::Reveal => match self.phase {
                Phase::Lobby => self.reveal(now),
                Phase::Round(n) if n >= self.rounds => {
                    return Err(Refused("This is the last round; end the session instead."));
                }
                Phase::Round(_) if !progress.round_done(self.follow_up) => {
                    return Err(Refused(
                        "The candidate has not finished this round yet (submit, or its follow-up).",
                    ));
                }
                Phase::Round(_) => self.reveal(now),
                Phase::Debrief => unreachable!("checked above"),
            },
            Control::Pause => {
                if self.timer_started_at.is_none() || self.paused_at.is_some() {
                    return Err(Refused("The timer is not running."));
                }
                self.paused_at = Some(now);
            }
            Control::Resume => {
                let Some(at) = self.paused_at.take() else {
                    return Err(Refused("The timer is not paused."));
                };
                self.paused_secs += (now - at).max(0);
            }
            Control::AskFollowUp | Control::SkipFollowUp => {
                if !matches!(self.phase, Phase::Round(_)) || !progress.has_follow_up {
                    return Err(Refused("This round has no follow-up question."));
                }
                if self.follow_up != FollowUp::Held || progress.follow_up_done {
                    return Err(Refused("The follow-up was already asked or skipped."));
                }
                self.follow_up = if c == Control::AskFollowUp {
                    FollowUp::Asked
                } else {
                    FollowUp::Skipped
                };
            }
            Control::Allow => self.allow_advance = true,
            Control::Hold => self.allow_advance = false,
            Control::End => {
                // the shared timer stops where it stands (a paused one stays as it was)
                if self.timer_started_at.is_some() && self.paused_at.is_none() {
                    self.paused_at = Some(now);
                }
                self.phase = Phase::Debrief;
            }
        }
        Ok(())
    }

    /// After the candidate submitted a step: with advancing allowed, the follow-up is asked and
    /// the next round revealed by themselves. Returns whether the state changed.
    pub fn after_submit(&mut self, progress: Progress, now: i64) -> bool {
        let Phase::Round(n) = self.phase else {
            return false;
        };
        if !self.allow_advance {
            return false;
        }
        if progress.main_done
            && progress.has_follow_up
            && !progress.follow_up_done
            && self.follow_up == FollowUp::Held
        {
            self.follow_up = FollowUp::Asked;
            return true;
        }
        if progress.round_done(self.follow_up) && n < self.rounds {
            self.reveal(now);
            return true;
        }
        false
    }

    /// What the candidate's page says while they wait (`None` while a step is open to them).
    pub fn waiting_message(&self, progress: Progress) -> Option<&'static str> {
        match self.phase {
            Phase::Lobby => Some("The interviewer will start the first round shortly."),
            Phase::Debrief => Some("The interview has ended."),
            Phase::Round(_) if !progress.main_done => None,
            Phase::Round(_) if progress.has_follow_up && !progress.follow_up_done => {
                match self.follow_up {
                    FollowUp::Asked => None,
                    _ => Some("The interviewer may ask a follow-up question; please wait."),
                }
            }
            Phase::Round(n) if n >= self.rounds => {
                Some("That was the last round. The interviewer will end the session.")
            }
            Phase::Round(_) => Some("Round submitted. The interviewer will reveal the next round."),
        }
    }
}

/// Checks a nudge: trimmed, 1..=[`MAX_NUDGE`] characters, no control characters.
pub fn check_nudge(text: &str) -> Result<&str, Refused> {
    let t = text.trim();
    if t.is_empty() {
        return Err(Refused("Write the nudge first."));
    }
    if t.chars().count() > MAX_NUDGE {
        return Err(Refused("A nudge is at most 280 characters."));
    }
    if t.chars().any(char::is_control) {
        return Err(Refused("A nudge is one line of plain text."));
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NO_FU: Progress = Progress {
        main_done: false,
        has_follow_up: false,
        follow_up_done: false,
    };

    fn step(round: u32, part: Part) -> Step {
        Step { round, part }
    }

    #[test]
    fn the_lobby_opens_nothing_and_reveal_starts_round_one_and_the_timer() {
        let mut s = Session::new(5);
        assert!(!s.step_open(step(1, Part::Main)));
        s.apply(Control::Reveal, NO_FU, 100).unwrap();
        assert_eq!(s.phase, Phase::Round(1));
        assert!(s.step_open(step(1, Part::Main)));
        assert!(!s.step_open(step(2, Part::Main)));
        assert_eq!(s.elapsed(130), 30);
    }

    #[test]
    fn the_next_round_waits_until_the_candidate_finished_this_one() {
        let mut s = Session::new(5);
        s.apply(Control::Reveal, NO_FU, 0).unwrap();
        assert!(s.apply(Control::Reveal, NO_FU, 1).is_err());
        let done = Progress {
            main_done: true,
            ..NO_FU
        };
        s.apply(Control::Reveal, done, 2).unwrap();
        assert_eq!(s.phase, Phase::Round(2));
    }

    #[test]
    fn the_follow_up_is_held_until_asked_and_skipping_finishes_the_round() {
        let mut s = Session::new(5);
        s.apply(Control::Reveal, NO_FU, 0).unwrap();
        let p = Progress {
            main_done: true,
            has_follow_up: true,
            follow_up_done: false,
        };
        assert!(!s.step_open(step(1, Part::FollowUp)));
        assert!(s.waiting_message(p).is_some());
        assert!(s.apply(Control::Reveal, p, 1).is_err());
        s.apply(Control::AskFollowUp, p, 2).unwrap();
        assert!(s.step_open(step(1, Part::FollowUp)));
        assert!(s.waiting_message(p).is_none());
        assert!(s.apply(Control::SkipFollowUp, p, 3).is_err());

        let mut t = Session::new(5);
        t.apply(Control::Reveal, NO_FU, 0).unwrap();
        t.apply(Control::SkipFollowUp, p, 1).unwrap();
        assert!(p.round_done(t.follow_up));
        t.apply(Control::Reveal, p, 2).unwrap();
        assert_eq!(t.phase, Phase::Round(2));
        assert_eq!(t.follow_up, FollowUp::Held);
    }

    #[test]
    fn pause_freezes_the_timer_and_resume_leaves_the_pause_out() {
        let mut s = Session::new(5);
        assert!(s.apply(Control::Pause, NO_FU, 0).is_err());
        s.apply(Control::Reveal, NO_FU, 0).unwrap();
        s.apply(Control::Pause, NO_FU, 10).unwrap();
        assert_eq!(s.elapsed(50), 10);
        assert!(s.apply(Control::Pause, NO_FU, 11).is_err());
        s.apply(Control::Resume, NO_FU, 40).unwrap();
        assert_eq!(s.elapsed(50), 20);
        assert!(s.apply(Control::Resume, NO_FU, 41).is_err());
    }

    #[test]
    fn with_advancing_allowed_the_candidate_moves_on_by_submitting() {
        let mut s = Session::new(2);
        s.apply(Control::Reveal, NO_FU, 0).unwrap();
        let done = Progress {
            main_done: true,
            ..NO_FU
        };
        assert!(!s.after_submit(done, 1), "held by default");
        s.apply(Control::Allow, done, 2).unwrap();
        assert!(s.after_submit(done, 3));
        assert_eq!(s.phase, Phase::Round(2));
        assert!(!s.after_submit(done, 4), "no round after the last");
        let fu = Progress {
            main_done: true,
            has_follow_up: true,
            follow_up_done: false,
        };
        let mut t = Session::new(2);
        t.apply(Control::Reveal, NO_FU, 0).unwrap();
        t.apply(Control::Allow, NO_FU, 0).unwrap();
        assert!(t.after_submit(fu, 1));
        assert_eq!(t.follow_up, FollowUp::Asked);
    }

    #[test]
    fn the_last_round_cannot_be_passed_and_an_ended_session_takes_no_control() {
        let mut s = Session::new(1);
        s.apply(Control::Reveal, NO_FU, 0).unwrap();
        let done = Progress {
            main_done: true,
            ..NO_FU
        };
        assert!(s.apply(Control::Reveal, done, 1).is_err());
        s.apply(Control::Pause, done, 2).unwrap();
        s.apply(Control::End, done, 5).unwrap();
        assert_eq!(s.phase, Phase::Debrief);
        assert_eq!(s.elapsed(100), 2, "the timer stopped at the pause");
        assert!(s.apply(Control::Resume, done, 6).is_err());
        let mut t = Session::new(1);
        t.apply(Control::Reveal, NO_FU, 10).unwrap();
        t.apply(Control::End, done, 40).unwrap();
        assert_eq!(t.elapsed(500), 30, "the timer stopped at the end");
        assert!(!s.step_open(step(1, Part::Main)));
    }

    #[test]
    fn nudges_are_bounded_single_lines() {
        assert_eq!(check_nudge("  think about cost "), Ok("think about cost"));
        assert!(check_nudge("   ").is_err());
        assert!(check_nudge(&"x".repeat(281)).is_err());
        assert!(check_nudge("a\nb").is_err());
        assert!(check_nudge(&"é".repeat(280)).is_ok());
    }

    #[test]
    fn a_note_stays_on_its_words_as_the_text_moves() {
        use crate::practice::locate_quote;
        let text = "we add a cache. later the cache warms";
        assert_eq!(locate_quote(text, "cache", Some(0)), Some((9, 14)));
        assert_eq!(locate_quote(text, "cache", Some(30)), Some((26, 31)));
        let grown = format!("First, {text}");
        assert_eq!(locate_quote(&grown, "cache", Some(16)), Some((16, 21)));
        assert_eq!(locate_quote("rewritten", "cache", Some(0)), None);
    }

    #[test]
    fn controls_and_stored_phases_round_trip() {
        for c in [
            Control::Reveal,
            Control::Pause,
            Control::Resume,
            Control::AskFollowUp,
            Control::SkipFollowUp,
            Control::Allow,
            Control::Hold,
            Control::End,
        ] {
            assert_eq!(c.as_str().parse::<Control>(), Ok(c));
        }
        assert!("delete".parse::<Control>().is_err());
        assert_eq!(Phase::from_stored("round", 3), Phase::Round(3));
        assert_eq!(Phase::from_stored("round", 0), Phase::Lobby);
        assert_eq!(Phase::from_stored("debrief", 2), Phase::Debrief);
    }
}
