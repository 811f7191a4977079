//! Trap-topic agreement. The Trap Alert and Trap Question Variant explain what is true about
//! the round's trap (the reasonable answer to the interviewer's follow-up, why a belief is
//! wrong); an answer that states those explanations discusses the trap correctly, which the
//! Strong Answer alone does not measure. The explanations, without the quoted phrases warned
//! against and without the interviewer's question, become claims; the weighted share an
//! answer makes of them raises its coverage.

use super::flags::{Role, classify, quotes, sentence_around};
use super::matching::AnswerIndex;
use super::points::{self, KeyPoint, PointKind};
use super::stats::LibraryStats;
use super::text::Lexicon;
use crate::content::{Round, SectionKind};

/// Credit for a trap claim not made, per unit of partial score.
const PARTIAL_CREDIT: f64 = 0.5;

/// The claims of a round's trap explanations.
pub fn prepare(round: &Round, lexicon: &Lexicon, stats: &LibraryStats) -> Vec<KeyPoint> {
    let mut out = Vec::new();
    for section in &round.sections {
        let kind = section.kind();
        if kind != SectionKind::TrapAlert && kind != SectionKind::TrapQuestionVariant {
            continue;
        }
        let texts =
            std::iter::once(section.text.as_str()).chain(section.items.iter().map(String::as_str));
        for text in texts {
            let explained = without_beliefs(text);
            out.extend(
                points::derive(&explained, None, lexicon, stats)
                    .into_iter()
                    .filter(|p| p.kind == PointKind::Claim),
            );
        }
    }
    out
}

/// The text with the quoted phrases it warns against and the interviewer's questions blanked
/// (same length, so clause boundaries stay where they were).
fn without_beliefs(text: &str) -> String {
    let mut out = text.to_string();
    for (qs, qe) in quotes(text) {
        let (ss, se) = sentence_around(text, qs, qe);
        let before = text.get(ss..qs).unwrap_or("");
        let after = text.get(qe..se).unwrap_or("");
        if matches!(classify(before, after), Role::Warned | Role::Neutral) {
            let blank = " ".repeat(qe - qs);
            out.replace_range(qs..qe, &blank);
        }
    }
    out
}

/// Weighted share of the trap claims the answer makes (a claim not made earns part of its
/// partial score), 0..=1; 0 for a round without trap explanations.
pub fn agreement(claims: &[KeyPoint], answer: &AnswerIndex<'_>) -> f64 {
    let (mut got, mut all) = (0.0, 0.0);
    for p in claims {
        let hit = points::match_point(p, answer);
        let credit = if hit.covered {
            1.0
        } else {
            hit.score * PARTIAL_CREDIT
        };
        got += credit * p.weight;
        all += p.weight;
    }
    if all > 0.0 { got / all } else { 0.0 }
}
