//! Live mock interviews as pure rules: the session's state machine (lobby → round 1 … round N →
//! debrief), who may move it and how, which answer step the candidate may write, and the shared
//! timer. No HTTP, no SQL; times are unix seconds handed in by the caller. The broadcast hub is
//! in [`hub`].

pub mod hub;
mod session;

use std::{fmt, str::FromStr};

pub use self::session::{Progress, Refused, Session};

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

    /// From the stored `phase` and `round` columns (a round phase stores its number in
    /// `round`; one without a usable number has not started).
    pub fn from_stored(phase: StoredPhase, round: i64) -> Self {
        match phase {
            StoredPhase::Lobby => Self::Lobby,
            StoredPhase::Round => u32::try_from(round)
                .ok()
                .filter(|&n| n > 0)
                .map_or(Self::Lobby, Self::Round),
            StoredPhase::Debrief => Self::Debrief,
        }
    }

    /// Its `phase` column.
    pub fn stored(self) -> StoredPhase {
        match self {
            Self::Lobby => StoredPhase::Lobby,
            Self::Round(_) => StoredPhase::Round,
            Self::Debrief => StoredPhase::Debrief,
        }
    }

    pub fn round(self) -> u32 {
        match self {
            Self::Round(n) => n,
            _ => 0,
        }
    }
}

/// The `phase` column of a stored session: a [`Phase`] without its round's number, which has
/// a column of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(rename_all = "lowercase")]
pub enum StoredPhase {
    Lobby,
    Round,
    Debrief,
}

/// The revealed round's trap follow-up (stored as "held", "asked" or "skipped").
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(rename_all = "lowercase")]
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
        assert_eq!(Phase::from_stored(StoredPhase::Round, 3), Phase::Round(3));
        assert_eq!(Phase::from_stored(StoredPhase::Round, 0), Phase::Lobby);
        assert_eq!(Phase::from_stored(StoredPhase::Debrief, 2), Phase::Debrief);
        assert_eq!(Phase::from_stored(StoredPhase::Lobby, 0), Phase::Lobby);
    }
}
