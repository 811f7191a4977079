//! The session's state machine: what the candidate has done ([`Progress`]), the stored state
//! ([`Session`]) and how a control or a submit moves it, with the shared timer.

use super::{Control, FollowUp, Phase};
use crate::practice::{Part, Step};

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
}
