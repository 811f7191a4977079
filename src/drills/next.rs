//! What to practise next: the round kind (Opening, Probe, …) where the candidate is weakest —
//! from self-assessed and reviewer levels and the open drill cards — and a gauntlet with that
//! round they have not done recently, preferring one whose skill for that round is closest to
//! the skills they struggled with.

use std::collections::{BTreeMap, BTreeSet};

/// Attempts within this many days count as "done recently".
pub const RECENT_DAYS: i64 = 14;

/// One level given to one of the candidate's rounds (by themselves or a reviewer), 1–4.
#[derive(Debug, Clone)]
pub struct Observation {
    /// The round's name, e.g. "The Curveball".
    pub round_kind: String,
    /// The skill the closing table names for that round, if any.
    pub skill: Option<String>,
    pub level: f64,
}

/// A gauntlet of the library as a suggestion candidate.
#[derive(Debug, Clone)]
pub struct Choice {
    pub slug: String,
    pub title: String,
    /// (round kind, skill) per round.
    pub rounds: Vec<(String, Option<String>)>,
    /// When the candidate last started it, if ever.
    pub last_attempt: Option<i64>,
}

/// The suggestion shown on home.
#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub slug: String,
    pub title: String,
    pub round_kind: String,
    /// Why, in a sentence.
    pub reason: String,
}

/// Level an open drill card stands for (a miss not yet drilled away).
const CARD_LEVEL: f64 = 1.5;

/// The weakest round kind and the suggested gauntlet; `None` with no evidence at all or no
/// gauntlet to suggest.
pub fn suggest(
    observations: &[Observation],
    open_cards: &[String],
    options: &[Choice],
    now: i64,
) -> Option<Suggestion> {
    let weakest = weakest_kind(observations, open_cards)?;
    let weak_words: BTreeSet<String> = observations
        .iter()
        .filter(|o| norm(&o.round_kind) == weakest.kind && o.level <= 2.0)
        .filter_map(|o| o.skill.as_deref())
        .flat_map(words)
        .collect();
    let recent = now - RECENT_DAYS * 86_400;
    let (choice, round_name) = best_choice(options, &weakest.kind, &weak_words, recent)?;
    Some(Suggestion {
        slug: choice.slug.clone(),
        title: choice.title.clone(),
        round_kind: round_name.clone(),
        reason: weakest.reason(round_name),
    })
}

/// The round kind with the lowest mean level.
#[derive(Debug, Clone, PartialEq)]
struct Weakest {
    /// Normalised (see [`norm`]).
    kind: String,
    mean: f64,
    /// Open drill cards among the evidence.
    cards: usize,
}

impl Weakest {
    /// Why, in a sentence, naming the round as `round_name`.
    fn reason(&self, round_name: &str) -> String {
        if self.cards > 0 {
            format!(
                "{} is your weakest round (average {:.1} of 4 with {} open drill{}).",
                round_name,
                self.mean,
                self.cards,
                if self.cards == 1 { "" } else { "s" }
            )
        } else {
            format!(
                "{} is your weakest round (average {:.1} of 4).",
                round_name, self.mean
            )
        }
    }
}

/// The round kind with the lowest mean level, each open drill card counting as a level of
/// [`CARD_LEVEL`]; a tie goes to the first name.
fn weakest_kind(observations: &[Observation], open_cards: &[String]) -> Option<Weakest> {
    let mut by_kind: BTreeMap<String, (f64, usize, usize)> = BTreeMap::new();
    for o in observations {
        let e = by_kind.entry(norm(&o.round_kind)).or_default();
        e.0 += o.level;
        e.1 += 1;
    }
    for k in open_cards {
        let e = by_kind.entry(norm(k)).or_default();
        e.0 += CARD_LEVEL;
        e.1 += 1;
        e.2 += 1;
    }
    let (kind, (sum, n, cards)) =
        by_kind
            .into_iter()
            .filter(|(_, (_, n, _))| *n > 0)
            .min_by(|a, b| {
                let ma = a.1.0 / a.1.1 as f64;
                let mb = b.1.0 / b.1.1 as f64;
                ma.total_cmp(&mb).then_with(|| a.0.cmp(&b.0))
            })?;
    Some(Weakest {
        kind,
        mean: sum / n as f64,
        cards,
    })
}

/// The gauntlet to practise round kind `kind` in, with that round's name as it writes it:
/// one not started since `recent`; never done first, then the most skill words shared with
/// `weak_words`, then longest ago, then by title.
fn best_choice<'a>(
    options: &'a [Choice],
    kind: &str,
    weak_words: &BTreeSet<String>,
    recent: i64,
) -> Option<(&'a Choice, &'a String)> {
    let (choice, name, _) = options
        .iter()
        .filter_map(|g| {
            let (name, skill) = g.rounds.iter().find(|(k, _)| norm(k) == kind)?;
            let overlap = skill
                .as_deref()
                .map_or(0, |s| words(s).filter(|w| weak_words.contains(w)).count());
            Some((g, name, overlap))
        })
        .filter(|(g, _, _)| g.last_attempt.is_none_or(|t| t < recent))
        .min_by(|a, b| {
            (
                a.0.last_attempt.is_some(),
                std::cmp::Reverse(a.2),
                a.0.last_attempt,
            )
                .cmp(&(
                    b.0.last_attempt.is_some(),
                    std::cmp::Reverse(b.2),
                    b.0.last_attempt,
                ))
                .then_with(|| a.0.title.cmp(&b.0.title))
        })?;
    Some((choice, name))
}

fn norm(kind: &str) -> String {
    let k = kind.trim().to_lowercase();
    k.strip_prefix("the ").map(str::to_string).unwrap_or(k)
}

fn words(s: &str) -> impl Iterator<Item = String> + '_ {
    s.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 3)
        .map(str::to_lowercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn obs(kind: &str, skill: &str, level: f64) -> Observation {
        Observation {
            round_kind: kind.into(),
            skill: Some(skill.into()),
            level,
        }
    }

    fn gauntlet(slug: &str, curveball_skill: &str, last: Option<i64>) -> Choice {
        Choice {
            slug: slug.into(),
            title: slug.to_uppercase(),
            rounds: vec![
                ("The Opening".into(), Some("scoping".into())),
                ("The Curveball".into(), Some(curveball_skill.into())),
            ],
            last_attempt: last,
        }
    }

    #[test]
    fn the_weakest_kind_counts_open_cards_and_breaks_ties_by_name() {
        assert_eq!(weakest_kind(&[], &[]), None);
        let o = [
            obs("The Probe", "x", 2.0),
            obs("Opening", "y", 3.0),
            obs("the opening", "y", 1.0),
        ];
        assert_eq!(
            weakest_kind(&o, &[]),
            Some(Weakest {
                kind: "opening".into(),
                mean: 2.0,
                cards: 0
            })
        );
        let w = weakest_kind(&o, &["The Probe".to_string()]).unwrap();
        assert_eq!((w.kind.as_str(), w.mean, w.cards), ("probe", 1.75, 1));
        assert_eq!(
            w.reason("The Probe"),
            "The Probe is your weakest round (average 1.8 of 4 with 1 open drill)."
        );
    }

    #[test]
    fn no_evidence_no_suggestion() {
        assert_eq!(suggest(&[], &[], &[gauntlet("a", "x", None)], NOW), None);
    }

    #[test]
    fn the_weakest_round_kind_picks_a_gauntlet_not_done_recently() {
        let o = [
            obs("The Opening", "scoping", 3.0),
            obs("The Curveball", "failure isolation under pressure", 1.0),
        ];
        let options = [
            gauntlet("recent", "failure isolation", Some(NOW - 86_400)),
            gauntlet("old", "capacity planning", Some(NOW - 40 * 86_400)),
            gauntlet("fresh", "failure isolation", None),
            gauntlet("fresh2", "billing", None),
        ];
        let s = suggest(&o, &[], &options, NOW).unwrap();
        assert_eq!(s.slug, "fresh");
        assert_eq!(s.round_kind, "The Curveball");
        assert!(s.reason.contains("average 1.0"), "{}", s.reason);
    }

    #[test]
    fn open_cards_weigh_on_a_round_kind() {
        let o = [
            obs("The Opening", "scoping", 2.0),
            obs("The Curveball", "x", 2.0),
        ];
        let cards = vec!["The Opening".to_string(); 3];
        let s = suggest(&o, &cards, &[gauntlet("a", "x", None)], NOW).unwrap();
        assert_eq!(s.round_kind, "The Opening");
        assert!(s.reason.contains("3 open drills"), "{}", s.reason);
    }
}
