//! The sequence of steps in an attempt and which one is current.

use std::{fmt, str::FromStr};

use crate::content::Gauntlet;

/// Which part of a round an answer belongs to (stored as "main" or "follow_up").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, sqlx::Type, serde::Serialize)]
#[sqlx(rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Part {
    /// The answer to the interviewer's prompt.
    Main,
    /// The answer to the trap follow-up question asked right after the round.
    FollowUp,
}

impl Part {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Main => "main",
            Self::FollowUp => "follow_up",
        }
    }
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Part {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "main" => Ok(Self::Main),
            "follow_up" => Ok(Self::FollowUp),
            _ => Err(()),
        }
    }
}

/// How guidance is revealed (stored as "interview" or "study").
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type, serde::Serialize)]
#[sqlx(rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Guidance only in the debrief, after the last round (as in a real interview).
    Interview,
    /// Each round's guidance right after the candidate submits that round.
    Study,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Interview => "interview",
            Self::Study => "study",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Interview => "Interview mode",
            Self::Study => "Study mode",
        }
    }
}

impl FromStr for Mode {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "interview" => Ok(Self::Interview),
            "study" => Ok(Self::Study),
            _ => Err(()),
        }
    }
}

/// One step: a round's main answer or its follow-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Step {
    pub round: u32,
    pub part: Part,
}

/// What the store knows of one step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StepState {
    pub step: Step,
    pub submitted: bool,
}

/// Every step of the gauntlet, in order.
pub fn steps(g: &Gauntlet) -> Vec<Step> {
    g.rounds
        .iter()
        .flat_map(|r| {
            let main = Step {
                round: r.number,
                part: Part::Main,
            };
            let follow = r.follow_up.as_ref().map(|_| Step {
                round: r.number,
                part: Part::FollowUp,
            });
            std::iter::once(main).chain(follow)
        })
        .collect()
}

/// The first step not yet submitted; `None` when every step is (the attempt is finished).
pub fn current_step(g: &Gauntlet, states: &[StepState]) -> Option<Step> {
    steps(g)
        .into_iter()
        .find(|s| !states.iter().any(|st| st.step == *s && st.submitted))
}

/// Like [`current_step`] for an attempt that covers one round only (a retry) when `only` is set.
pub fn current_step_in(g: &Gauntlet, states: &[StepState], only: Option<u32>) -> Option<Step> {
    steps(g)
        .into_iter()
        .filter(|s| only.is_none_or(|r| s.round == r))
        .find(|s| !states.iter().any(|st| st.step == *s && st.submitted))
}

/// Whether every step of round `round` is submitted.
pub fn round_done(g: &Gauntlet, states: &[StepState], round: u32) -> bool {
    steps(g)
        .into_iter()
        .filter(|s| s.round == round)
        .all(|s| states.iter().any(|st| st.step == s && st.submitted))
}

/// Whether the candidate may see round `round`'s guidance now.
pub fn guidance_visible(g: &Gauntlet, mode: Mode, states: &[StepState], round: u32) -> bool {
    match current_step(g, states) {
        None => true,
        Some(_) => mode == Mode::Study && round_done(g, states, round),
    }
}

/// A submit of a step that is already submitted: the same text again (a double click or a
/// retried request) lands where the first submit did; a different text is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resubmit {
    /// Nothing to do: go to the attempt, as the first submit did.
    SameText,
    /// The answer can no longer change.
    Refused,
}

/// What a submit of `body` does to a step submitted earlier with `submitted`.
pub fn resubmit(submitted: &str, body: &str) -> Resubmit {
    if submitted == body {
        Resubmit::SameText
    } else {
        Resubmit::Refused
    }
}

/// Where a candidate goes after submitting a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AfterSubmit {
    /// Every step is submitted: the attempt is finished (debrief, or a retry's comparison).
    Finished,
    /// Study mode, the round is complete: its guidance.
    Guidance(u32),
    /// The next step of the attempt.
    NextStep(Step),
}

/// The step after submitting `step`, judged on the states with `step` submitted.
pub fn after_submit(
    g: &Gauntlet,
    mode: Mode,
    states: &[StepState],
    step: Step,
    only: Option<u32>,
) -> AfterSubmit {
    let mut states = states.to_vec();
    states.retain(|s| s.step != step);
    states.push(StepState {
        step,
        submitted: true,
    });
    match current_step_in(g, &states, only) {
        None => AfterSubmit::Finished,
        Some(next) if mode == Mode::Study && next.round != step.round => {
            AfterSubmit::Guidance(step.round)
        }
        Some(next) => AfterSubmit::NextStep(next),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::{Round, Section};

    fn round(n: u32, follow: bool) -> Round {
        Round {
            number: n,
            name: format!("Round {n}"),
            prompt: "Why?".into(),
            testing: None,
            follow_up: follow.then(|| "And then?".to_string()),
            sections: vec![Section {
                label: "Strong Answer".into(),
                text: "Because.".into(),
                items: vec![],
                markdown: "Because.".into(),
            }],
        }
    }

    fn gauntlet() -> Gauntlet {
        Gauntlet {
            slug: "g".into(),
            title: "G".into(),
            category: None,
            difficulty: None,
            duration: None,
            domains: vec![],
            version: "v".into(),
            rounds: vec![round(1, false), round(2, true), round(3, false)],
            skills: vec![],
            extras: vec![],
        }
    }

    fn done(round: u32, part: Part) -> StepState {
        StepState {
            step: Step { round, part },
            submitted: true,
        }
    }

    #[test]
    fn a_follow_up_comes_right_after_its_round() {
        let g = gauntlet();
        let s = steps(&g);
        assert_eq!(s.len(), 4);
        assert_eq!(
            s[2],
            Step {
                round: 2,
                part: Part::FollowUp
            }
        );
        let states = [done(1, Part::Main), done(2, Part::Main)];
        assert_eq!(
            current_step(&g, &states),
            Some(Step {
                round: 2,
                part: Part::FollowUp
            })
        );
    }

    #[test]
    fn finished_when_every_step_is_submitted() {
        let g = gauntlet();
        let states = [
            done(1, Part::Main),
            done(2, Part::Main),
            done(2, Part::FollowUp),
            done(3, Part::Main),
        ];
        assert_eq!(current_step(&g, &states), None);
        assert!(guidance_visible(&g, Mode::Interview, &states, 3));
    }

    #[test]
    fn study_mode_reveals_only_finished_rounds_before_the_end() {
        let g = gauntlet();
        let states = [done(1, Part::Main), done(2, Part::Main)];
        assert!(guidance_visible(&g, Mode::Study, &states, 1));
        assert!(
            !guidance_visible(&g, Mode::Study, &states, 2),
            "follow-up still open"
        );
        assert!(!guidance_visible(&g, Mode::Interview, &states, 1));
    }

    #[test]
    fn after_a_submit_study_mode_shows_a_finished_round_and_the_last_step_finishes() {
        let g = gauntlet();
        let main = |round| Step {
            round,
            part: Part::Main,
        };
        let follow = Step {
            round: 2,
            part: Part::FollowUp,
        };
        assert_eq!(
            after_submit(&g, Mode::Interview, &[], main(1), None),
            AfterSubmit::NextStep(main(2))
        );
        assert_eq!(
            after_submit(&g, Mode::Study, &[], main(1), None),
            AfterSubmit::Guidance(1)
        );
        // the follow-up belongs to round 2: no guidance in between
        let states = [done(1, Part::Main)];
        assert_eq!(
            after_submit(&g, Mode::Study, &states, main(2), None),
            AfterSubmit::NextStep(follow)
        );
        let states = [
            done(1, Part::Main),
            done(2, Part::Main),
            done(2, Part::FollowUp),
        ];
        assert_eq!(
            after_submit(&g, Mode::Study, &states, main(3), None),
            AfterSubmit::Finished
        );
        // a retry of round 1 ends with that round
        assert_eq!(
            after_submit(&g, Mode::Study, &[], main(1), Some(1)),
            AfterSubmit::Finished
        );
    }

    #[test]
    fn a_second_submit_with_the_same_text_is_harmless_and_a_different_one_is_refused() {
        assert_eq!(resubmit("text", "text"), Resubmit::SameText);
        assert_eq!(resubmit("text", "text!"), Resubmit::Refused);
    }
}
