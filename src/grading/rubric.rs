//! The review rubric: per round a level 1–4 with anchored meanings, "fell into the trap", which
//! weak answers the answer resembles and a comment; overall a recommendation and a summary.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::practice::has_refused_control;

/// Longest comment or summary accepted, in characters.
pub const MAX_TEXT: usize = 5000;

/// Why a comment or summary with a control character was refused.
const CONTROL_MESSAGE: &str =
    "the text contains invisible control characters; remove them and save again.";

/// The overall verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recommendation {
    NotYet,
    Almost,
    Ready,
    Strong,
}

impl Recommendation {
    pub const ALL: [Recommendation; 4] = [Self::NotYet, Self::Almost, Self::Ready, Self::Strong];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::NotYet => "not_yet",
            Self::Almost => "almost",
            Self::Ready => "ready",
            Self::Strong => "strong",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::NotYet => "Not yet",
            Self::Almost => "Almost",
            Self::Ready => "Ready",
            Self::Strong => "Strong",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// One round's grade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoundGrade {
    pub round: u32,
    pub level: Option<u8>,
    pub fell_into_trap: bool,
    /// 1-based numbers of the weak answers the answer resembles.
    pub weak_answers: Vec<u32>,
    /// The note the candidate reads with the round once the review is submitted.
    pub comment: String,
    /// A note for other interviewers only; never shown to the candidate.
    #[serde(default)]
    pub private_note: String,
}

impl RoundGrade {
    /// Round `round` with nothing graded yet.
    pub fn empty(round: u32) -> Self {
        Self {
            round,
            level: None,
            fell_into_trap: false,
            weak_answers: Vec::new(),
            comment: String::new(),
            private_note: String::new(),
        }
    }
}

/// A whole review's rubric.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rubric {
    pub rounds: Vec<RoundGrade>,
    pub recommendation: Option<Recommendation>,
    pub summary: String,
}

/// Round `n`'s grade from the form, which lists `weak_count` weak answers for it.
fn round_grade(
    form: &HashMap<String, String>,
    n: u32,
    weak_count: u32,
) -> Result<RoundGrade, String> {
    let level = match form.get(&format!("level_{n}")).map(|s| s.trim()) {
        None | Some("") => None,
        Some(v) => Some(
            v.parse::<u8>()
                .ok()
                .filter(|l| (1..=4).contains(l))
                .ok_or_else(|| format!("Round {n}: the level must be 1, 2, 3 or 4."))?,
        ),
    };
    let comment = checked_text(
        form,
        &format!("comment_{n}"),
        format!("Round {n}: keep the comment under {MAX_TEXT} characters."),
        format!("Round {n}: {CONTROL_MESSAGE}"),
    )?;
    let private_note = checked_text(
        form,
        &format!("private_{n}"),
        format!("Round {n}: keep the private note under {MAX_TEXT} characters."),
        format!("Round {n}: private note: {CONTROL_MESSAGE}"),
    )?;
    let ticked = |key: String| form.get(&key).is_some_and(|v| v == "on");
    Ok(RoundGrade {
        round: n,
        level,
        fell_into_trap: ticked(format!("trap_{n}")),
        weak_answers: (1..=weak_count)
            .filter(|k| ticked(format!("weak_{n}_{k}")))
            .collect(),
        comment,
        private_note,
    })
}

/// The trimmed text of field `key` (empty when absent); refused with `too_long` past
/// [`MAX_TEXT`] characters and with `control` when it holds control characters.
fn checked_text(
    form: &HashMap<String, String>,
    key: &str,
    too_long: String,
    control: String,
) -> Result<String, String> {
    let text = form
        .get(key)
        .map(|s| s.trim().to_string())
        .unwrap_or_default();
    if text.chars().count() > MAX_TEXT {
        return Err(too_long);
    }
    if has_refused_control(&text) {
        return Err(control);
    }
    Ok(text)
}

/// A field the form should not have: not one of `shape`'s rounds or weak answers, nor the
/// recommendation, summary or CSRF token.
fn unknown_field<'f>(form: &'f HashMap<String, String>, shape: &RubricShape) -> Option<&'f String> {
    let known = |k: &str| {
        shape.rounds.iter().any(|&(n, weak)| {
            k == format!("level_{n}")
                || k == format!("trap_{n}")
                || k == format!("comment_{n}")
                || k == format!("private_{n}")
                || (1..=weak).any(|w| k == format!("weak_{n}_{w}"))
        })
    };
    form.keys()
        .find(|k| !known(k) && !matches!(k.as_str(), "recommendation" | "summary" | "_csrf"))
}

/// What the form may contain: each round's number and how many weak answers it lists.
#[derive(Debug, Clone)]
pub struct RubricShape {
    pub rounds: Vec<(u32, u32)>,
}

impl Rubric {
    /// Reads `level_N`, `trap_N`, `weak_N_K`, `comment_N`, `private_N`, `recommendation` and
    /// `summary`.
    /// Unknown rounds or weak answers and out-of-range levels are errors that say what to fix.
    pub fn from_form(form: &HashMap<String, String>, shape: &RubricShape) -> Result<Self, String> {
        let rounds = shape
            .rounds
            .iter()
            .map(|&(n, weak_count)| round_grade(form, n, weak_count))
            .collect::<Result<Vec<_>, _>>()?;
        if let Some(bad) = unknown_field(form, shape) {
            return Err(format!(
                "The form names something this gauntlet does not have ({bad}); reload the page."
            ));
        }
        let recommendation = match form.get("recommendation").map(|s| s.trim()) {
            None | Some("") => None,
            Some(v) => {
                Some(Recommendation::parse(v).ok_or("Choose Not yet, Almost, Ready or Strong.")?)
            }
        };
        let summary = checked_text(
            form,
            "summary",
            format!("Keep the summary under {MAX_TEXT} characters."),
            format!("The summary: {CONTROL_MESSAGE}"),
        )?;
        Ok(Self {
            rounds,
            recommendation,
            summary,
        })
    }

    /// What is still missing before the review can be submitted.
    pub fn missing_for_submit(&self) -> Option<String> {
        let open: Vec<String> = self
            .rounds
            .iter()
            .filter(|r| r.level.is_none())
            .map(|r| r.round.to_string())
            .collect();
        if !open.is_empty() {
            return Some(format!(
                "Give a level for round {} before submitting.",
                open.join(", ")
            ));
        }
        if self.recommendation.is_none() {
            return Some("Choose a recommendation before submitting.".into());
        }
        None
    }

    /// The grade of round `n`.
    pub fn round(&self, n: u32) -> Option<&RoundGrade> {
        self.rounds.iter().find(|r| r.round == n)
    }

    /// JSON for the audit log.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// `"1,3"` → `[1, 3]`, ignoring junk.
pub fn parse_weak_list(s: &str) -> Vec<u32> {
    s.split(',').filter_map(|p| p.trim().parse().ok()).collect()
}

/// `[1, 3]` → `"1,3"`.
pub fn format_weak_list(v: &[u32]) -> String {
    v.iter().map(u32::to_string).collect::<Vec<_>>().join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn shape() -> RubricShape {
        RubricShape {
            rounds: vec![(1, 3), (2, 0)],
        }
    }

    #[test]
    fn reads_levels_flags_and_comments() {
        let r = Rubric::from_form(
            &form(&[
                ("level_1", "3"),
                ("trap_1", "on"),
                ("weak_1_2", "on"),
                ("comment_1", " good "),
                ("private_1", " ask about TTLs next time "),
                ("recommendation", "ready"),
                ("summary", "Solid."),
            ]),
            &shape(),
        )
        .unwrap();
        let r1 = r.round(1).unwrap();
        assert_eq!(
            (
                r1.level,
                r1.fell_into_trap,
                r1.weak_answers.clone(),
                r1.comment.as_str()
            ),
            (Some(3), true, vec![2], "good")
        );
        assert_eq!(r1.private_note, "ask about TTLs next time");
        assert_eq!(r.round(2).unwrap().level, None);
        assert_eq!(r.recommendation, Some(Recommendation::Ready));
        assert_eq!(
            r.missing_for_submit().unwrap(),
            "Give a level for round 2 before submitting."
        );
    }

    #[test]
    fn refuses_what_the_gauntlet_does_not_have() {
        assert!(Rubric::from_form(&form(&[("level_1", "5")]), &shape()).is_err());
        assert!(Rubric::from_form(&form(&[("level_9", "2")]), &shape()).is_err());
        assert!(Rubric::from_form(&form(&[("weak_2_1", "on")]), &shape()).is_err());
        assert!(Rubric::from_form(&form(&[("recommendation", "maybe")]), &shape()).is_err());
    }

    #[test]
    fn t63_comments_and_summaries_refuse_c0_and_c1_controls() {
        for bad in [
            "a\u{0}b",
            "a\u{1b}[31m",
            "a\u{7f}",
            "a\u{85}b",
            "a\u{9b}31m",
            "a\u{9f}",
        ] {
            let err = Rubric::from_form(&form(&[("comment_1", bad)]), &shape()).unwrap_err();
            assert!(err.contains("control characters"), "{err}");
            let err = Rubric::from_form(&form(&[("summary", bad)]), &shape()).unwrap_err();
            assert!(err.contains("control characters"), "{err}");
        }
        let r = Rubric::from_form(
            &form(&[
                ("comment_1", "line\n\tindented 👩‍💻"),
                ("summary", "ok\nfine"),
            ]),
            &shape(),
        )
        .unwrap();
        assert_eq!(r.round(1).unwrap().comment, "line\n\tindented 👩‍💻");
    }

    #[test]
    fn weak_lists_round_trip() {
        assert_eq!(parse_weak_list(&format_weak_list(&[1, 3])), vec![1, 3]);
        assert!(parse_weak_list("").is_empty());
    }
}
