//! Key points of a Strong Answer: its claims (sentences, long ones split at clause level) and
//! its key terms, each with the needs (weighted keys) an answer must show to cover it.

use super::matching::{AnswerIndex, Need, needs_of};
use super::stats::LibraryStats;
use super::terms::{self, TermKind};
use super::text::{Analysis, Lexicon, Unit};

/// A claim is covered when this share of its weighted content is in one answer window.
pub const CLAIM_THRESHOLD: f64 = 0.5;
/// A term of three or more keys is covered when this share of its weight is present.
pub const TERM_THRESHOLD: f64 = 0.66;
/// Boost for claim keys that are part of a key term: key terms nearly always count.
const TERM_BOOST: f64 = 2.0;
/// Boost for claim keys that are multi-word concepts.
const CONCEPT_BOOST: f64 = 2.0;
/// A sentence with more content units than this is split at clause boundaries.
const LONG_SENTENCE: usize = 12;
/// Each side of a clause split keeps at least this many content units.
const MIN_CLAUSE: usize = 4;
/// Claims with fewer content keys are merged into their neighbour.
const MIN_CLAIM_KEYS: usize = 3;

/// Whether a point is a claim or a key term.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PointKind {
    /// A sentence or clause of the Strong Answer.
    Claim,
    /// A key term of the given kind.
    Term(TermKind),
}

/// A prepared key point.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyPoint {
    /// Claim or term.
    pub kind: PointKind,
    /// The guidance text of the point.
    pub text: String,
    /// Byte span in the Strong Answer text (or in list item `item`).
    pub span: [usize; 2],
    /// Index of the Strong Answer list item the span refers to, when it came from a list.
    pub item: Option<usize>,
    /// What the answer must show.
    pub needs: Vec<Need>,
    /// Importance in the coverage score.
    pub weight: f64,
}

/// How a key point fared against an answer.
#[derive(Debug, Clone, PartialEq)]
pub struct PointHit {
    /// Weighted share of the point present, 0..=1.
    pub score: f64,
    /// Covered or missed.
    pub covered: bool,
    /// Matched answer spans.
    pub spans: Vec<[usize; 2]>,
    /// Matched answer unit indices.
    pub units: Vec<usize>,
}

/// Split an analysed guidance text into claim unit ranges.
fn claim_ranges(text: &str, a: &Analysis) -> Vec<(usize, usize)> {
    let units = &a.units;
    let content = |r: &[Unit]| r.iter().filter(|u| u.content).count();
    let mut out: Vec<(usize, usize)> = Vec::new();
    for &(s, e) in &a.sentences {
        if content(&units[s..e]) <= LONG_SENTENCE {
            out.push((s, e));
            continue;
        }
        let mut start = s;
        for k in s + 1..e {
            let gap = text.get(units[k - 1].end..units[k].start).unwrap_or("");
            let strong_break = gap.contains(';')
                || gap.contains('\u{2014}')
                || gap.contains('\u{2013}')
                || gap.contains(" - ")
                || gap.contains(':')
                || (gap.contains(',') && matches!(units[k].key.as_str(), "but" | "whi" | "so"));
            if strong_break
                && content(&units[start..k]) >= MIN_CLAUSE
                && content(&units[k..e]) >= MIN_CLAUSE
            {
                out.push((start, k));
                start = k;
            }
        }
        out.push((start, e));
    }
    // Merge claims that say too little on their own into the previous one.
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for r in out {
        let small = content(&units[r.0..r.1]) < MIN_CLAIM_KEYS;
        match merged.last_mut() {
            Some(last) if small => last.1 = r.1,
            _ => merged.push(r),
        }
    }
    if merged.len() >= 2 && content(&units[merged[0].0..merged[0].1]) < MIN_CLAIM_KEYS {
        let first = merged.remove(0);
        merged[0].0 = first.0;
    }
    merged.retain(|r| content(&units[r.0..r.1]) > 0);
    merged
}

/// Derive the key points (claims first, then key terms, each in text order) of one text.
pub fn derive(
    text: &str,
    item: Option<usize>,
    lexicon: &Lexicon,
    stats: &LibraryStats,
) -> Vec<KeyPoint> {
    let a = lexicon.analyze(text);
    let found = terms::extract(text, &a, lexicon);
    let mut points = claim_points(text, item, &a, &found, stats);
    points.extend(term_points(text, item, &a, found, stats));
    points
}

/// The claims of an analysed text as key points.
fn claim_points(
    text: &str,
    item: Option<usize>,
    a: &Analysis,
    found: &[terms::FoundTerm],
    stats: &LibraryStats,
) -> Vec<KeyPoint> {
    let mut in_term = vec![false; a.units.len()];
    for t in found {
        for k in t.units.clone() {
            in_term[k] = true;
        }
    }
    let unit_index = |u: &Unit| a.units.iter().position(|x| std::ptr::eq(x, u));
    let mut claims = Vec::new();
    for (s, e) in claim_ranges(text, a) {
        let slice = &a.units[s..e];
        let needs = needs_of(slice.iter().filter(|u| u.content), |u| {
            let boost = unit_index(u).map_or(1.0, |k| if in_term[k] { TERM_BOOST } else { 1.0 });
            // A concept spelled in several words ("primary-secondary", "data residency")
            // carries the claim like a key term.
            let concept = if u.key.contains(' ') {
                CONCEPT_BOOST
            } else {
                1.0
            };
            stats.weight(&u.key) * boost.max(concept)
        });
        if needs.is_empty() {
            continue;
        }
        let span = [slice[0].start, slice[slice.len() - 1].end];
        claims.push(KeyPoint {
            kind: PointKind::Claim,
            text: text.get(span[0]..span[1]).unwrap_or("").to_string(),
            span,
            item,
            weight: needs.iter().map(|n| n.weight).sum(),
            needs,
        });
    }
    claims
}

/// The key terms of an analysed text as key points.
fn term_points(
    text: &str,
    item: Option<usize>,
    a: &Analysis,
    found: Vec<terms::FoundTerm>,
    stats: &LibraryStats,
) -> Vec<KeyPoint> {
    let mut points = Vec::new();
    for t in found {
        let slice = &a.units[t.units.clone()];
        let mut needs = needs_of(slice, |u| if u.unit { 0.5 } else { stats.weight(&u.key) });
        needs.iter_mut().for_each(|n| n.either = true);
        if needs.is_empty() {
            continue;
        }
        let span = [slice[0].start, slice[slice.len() - 1].end];
        let mean = needs.iter().map(|n| n.weight).sum::<f64>() / needs.len() as f64;
        points.push(KeyPoint {
            kind: PointKind::Term(t.kind),
            text: text.get(span[0]..span[1]).unwrap_or("").to_string(),
            span,
            item,
            weight: mean * t.kind.boost(),
            needs,
        });
    }
    points
}

/// Match one key point against an answer.
pub fn match_point(point: &KeyPoint, answer: &AnswerIndex<'_>) -> PointHit {
    // Claims may be spread over a sentence or two; a term's words must sit close together.
    let hit = match point.kind {
        PointKind::Claim => answer.best_window(&point.needs),
        PointKind::Term(_) => answer.best_phrase(&point.needs, point.needs.len() * 2 + 2),
    };
    let covered = match point.kind {
        PointKind::Claim => hit.score >= CLAIM_THRESHOLD,
        PointKind::Term(_) if point.needs.len() <= 2 => hit.count_ratio >= 1.0 - 1e-9,
        PointKind::Term(_) => hit.score >= TERM_THRESHOLD,
    };
    PointHit {
        score: hit.score,
        covered,
        spans: if hit.units.is_empty() {
            Vec::new()
        } else {
            answer.spans(&hit.units)
        },
        units: hit.units,
    }
}
