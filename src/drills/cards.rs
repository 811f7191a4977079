//! Which misses become drill cards. A card is (person, gauntlet version, round, point or trap);
//! the storage layer merges duplicates on that key, and this module already merges the ones a
//! single attempt produces twice (the same trap phrase found by the engine and flagged by a
//! reviewer).

use crate::align::{Alignment, PointKind};

use super::Rating;

/// The key of a trap card that stands for the round's whole Trap Alert (a reviewer's "fell into
/// the trap" with no warned-against phrase found in the answer).
pub const WHOLE_TRAP: &str = "";

/// What a card drills.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CardKind {
    /// A Strong Answer claim the answer missed.
    Point,
    /// A trap the answer fell into.
    Trap,
}

impl CardKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Point => "point",
            Self::Trap => "trap",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "point" => Some(Self::Point),
            "trap" => Some(Self::Trap),
            _ => None,
        }
    }

    /// The first rating a new card gets: a trap fallen into is "Again", a missed point "Hard".
    pub fn initial_rating(self) -> Rating {
        match self {
            Self::Point => Rating::Hard,
            Self::Trap => Rating::Again,
        }
    }
}

/// Who noticed the miss.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Source {
    /// The alignment engine, when the self-assessment was saved.
    Alignment,
    /// An interviewer's "fell into the trap" in a final review.
    Reviewer,
}

impl Source {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Alignment => "alignment",
            Self::Reviewer => "reviewer",
        }
    }
}

/// A card to create (or merge into an existing one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCard {
    pub round: u32,
    pub kind: CardKind,
    /// The Strong Answer claim, the warned-against phrase, or [`WHOLE_TRAP`].
    pub key: String,
    pub sources: Vec<Source>,
}

/// Longest key kept (a claim is a sentence or a clause; this only guards storage).
const MAX_KEY_CHARS: usize = 600;

fn clip(s: &str) -> String {
    s.trim().chars().take(MAX_KEY_CHARS).collect()
}

/// Missed claims drilled per round and attempt. A thin answer misses a dozen claims a round;
/// sixty cards from one attempt would bury its traps, so the weightiest few come first and the
/// next attempt brings the rest (cards merge on their key).
pub const POINT_CARDS_PER_ROUND: usize = 3;

/// Cards from one round's alignment: the weightiest missed claims of the Strong Answer (at
/// most [`POINT_CARDS_PER_ROUND`], in the guidance's order) and every warned-against phrase
/// found in the answer. Key terms are not drilled on their own (a term out of its sentence
/// makes a poor question); a missing expected hedge is not a trap fallen into.
pub fn from_alignment(round: u32, a: &Alignment) -> Vec<NewCard> {
    let mut missed: Vec<(usize, &crate::align::PointMatch)> = a
        .points
        .iter()
        .filter(|p| p.kind == PointKind::Claim && !p.covered && !p.text.trim().is_empty())
        .enumerate()
        .collect();
    // heaviest first, the guidance's order among equals; then back to the guidance's order
    missed.sort_by(|(i, p), (j, q)| q.weight.total_cmp(&p.weight).then(i.cmp(j)));
    missed.truncate(POINT_CARDS_PER_ROUND);
    missed.sort_by_key(|(i, _)| *i);
    let points = missed.into_iter().map(|(_, p)| NewCard {
        round,
        kind: CardKind::Point,
        key: clip(&p.text),
        sources: vec![Source::Alignment],
    });
    let traps = a
        .red_flags
        .iter()
        .filter(|f| !f.missing_hedge && !f.answer_spans.is_empty() && !f.phrase.trim().is_empty())
        .map(|f| NewCard {
            round,
            kind: CardKind::Trap,
            key: clip(&f.phrase),
            sources: vec![Source::Alignment],
        });
    merge(points.chain(traps).collect())
}

/// Cards from a reviewer's "fell into the trap" on a round: the phrases the engine found, now
/// confirmed by a person, or the whole Trap Alert when the engine found none.
pub fn from_reviewer_trap(round: u32, a: &Alignment) -> Vec<NewCard> {
    let mut found: Vec<NewCard> = from_alignment(round, a)
        .into_iter()
        .filter(|c| c.kind == CardKind::Trap)
        .map(|mut c| {
            c.sources.push(Source::Reviewer);
            c
        })
        .collect();
    if found.is_empty() {
        found.push(NewCard {
            round,
            kind: CardKind::Trap,
            key: WHOLE_TRAP.to_string(),
            sources: vec![Source::Reviewer],
        });
    }
    found
}

/// One card per (round, kind, key, ignoring case and spacing), sources combined, first seen
/// order kept.
pub fn merge(cards: Vec<NewCard>) -> Vec<NewCard> {
    let mut out: Vec<NewCard> = Vec::new();
    for c in cards {
        let norm = normal_key(&c.key);
        if let Some(o) = out
            .iter_mut()
            .find(|o| o.round == c.round && o.kind == c.kind && normal_key(&o.key) == norm)
        {
            for s in c.sources {
                if !o.sources.contains(&s) {
                    o.sources.push(s);
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The form of a key used to merge duplicates: lower case, single spaces.
pub fn normal_key(key: &str) -> String {
    key.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Sources as stored: comma-separated, in a fixed order.
pub fn sources_to_string(sources: &[Source]) -> String {
    [Source::Alignment, Source::Reviewer]
        .iter()
        .filter(|s| sources.contains(s))
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::align::{PointMatch, RedFlag};

    fn point(text: &str, covered: bool, kind: PointKind) -> PointMatch {
        PointMatch {
            text: text.into(),
            covered,
            guidance_span: [0, 1],
            answer_spans: vec![],
            item: None,
            kind,
            score: 0.0,
            weight: 1.0,
        }
    }

    fn flag(phrase: &str, found: bool) -> RedFlag {
        RedFlag {
            phrase: phrase.into(),
            reason: "why".into(),
            answer_spans: if found { vec![[0, 3]] } else { vec![] },
            missing_hedge: !found,
        }
    }

    fn alignment() -> Alignment {
        Alignment {
            coverage: 0.2,
            points: vec![
                point("Promote the secondary region", false, PointKind::Claim),
                point("Lower the DNS TTL", true, PointKind::Claim),
                point(
                    "Aurora",
                    false,
                    PointKind::Term(crate::align::TermKind::Name),
                ),
            ],
            weak_matches: vec![],
            red_flags: vec![flag("zero data loss", true), flag("it depends", false)],
        }
    }

    #[test]
    fn missed_claims_and_found_trap_phrases_become_cards() {
        let cards = from_alignment(2, &alignment());
        let keys: Vec<_> = cards.iter().map(|c| (c.kind, c.key.as_str())).collect();
        assert_eq!(
            keys,
            [
                (CardKind::Point, "Promote the secondary region"),
                (CardKind::Trap, "zero data loss")
            ]
        );
        assert!(cards.iter().all(|c| c.round == 2));
    }

    #[test]
    fn a_reviewer_flag_confirms_found_phrases_or_stands_for_the_whole_trap() {
        let cards = from_reviewer_trap(2, &alignment());
        assert_eq!(cards.len(), 1);
        assert_eq!(cards[0].sources, [Source::Alignment, Source::Reviewer]);
        let mut clean = alignment();
        clean.red_flags.clear();
        let cards = from_reviewer_trap(3, &clean);
        assert_eq!(cards[0].key, WHOLE_TRAP);
        assert_eq!(cards[0].sources, [Source::Reviewer]);
    }

    #[test]
    fn duplicates_merge_whatever_their_case_and_spacing() {
        let mut cards = from_alignment(2, &alignment());
        cards.extend(from_reviewer_trap(2, &alignment()));
        cards.push(NewCard {
            round: 2,
            kind: CardKind::Point,
            key: "promote  the secondary REGION".into(),
            sources: vec![Source::Alignment],
        });
        let merged = merge(cards);
        assert_eq!(merged.len(), 2);
        assert_eq!(sources_to_string(&merged[1].sources), "alignment,reviewer");
    }

    #[test]
    fn a_thin_answer_gets_its_weightiest_missed_claims_as_cards_and_every_trap() {
        let mut a = alignment();
        a.points = (0..12)
            .map(|i| {
                let mut p = point(&format!("claim {i}"), false, PointKind::Claim);
                p.weight = if i % 4 == 1 { 2.0 } else { 1.0 };
                p
            })
            .collect();
        let cards = from_alignment(1, &a);
        let points: Vec<_> = cards
            .iter()
            .filter(|c| c.kind == CardKind::Point)
            .map(|c| c.key.as_str())
            .collect();
        assert_eq!(
            points,
            ["claim 1", "claim 5", "claim 9"],
            "heaviest, in order"
        );
        let traps = cards.iter().filter(|c| c.kind == CardKind::Trap).count();
        assert_eq!(traps, 1, "the found trap phrase is never left out");
        // equal weights: the first ones the guidance states
        for p in &mut a.points {
            p.weight = 1.0;
        }
        let first: Vec<_> = from_alignment(1, &a)
            .into_iter()
            .filter(|c| c.kind == CardKind::Point)
            .map(|c| c.key)
            .collect();
        assert_eq!(first, ["claim 0", "claim 1", "claim 2"]);
    }

    #[test]
    fn traps_start_as_again_and_points_as_hard() {
        assert_eq!(CardKind::Trap.initial_rating(), Rating::Again);
        assert_eq!(CardKind::Point.initial_rating(), Rating::Hard);
    }
}
