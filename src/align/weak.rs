//! Common weak answers as patterns. An item like `"Just use a CDN." — CDNs cache static
//! content…` is a *presence* pattern (what the candidate says, in quotes, before the
//! explanation); an item like `No mention of the data layer — …` is an *absence* pattern
//! (the answer resembles it when the named topic is missing).

use super::matching::{AnswerIndex, Need, needs_of};
use super::stats::LibraryStats;
use super::text::Lexicon;

/// Prefixes that turn a weak answer into an absence pattern ("No mention of X").
const ABSENCE_PREFIXES: [&str; 10] = [
    "no mention of",
    "not mentioning",
    "never mentioning",
    "doesn't mention",
    "does not mention",
    "ignoring",
    "skipping",
    "forgetting",
    "missing",
    "no ",
];

/// How much of a presence pattern's resemblance is discounted by Strong Answer coverage:
/// a weak idea mentioned inside an otherwise strong answer is less of a concern.
const COVERAGE_DISCOUNT: f64 = 0.5;

/// Whether the weak answer is something said or something left out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeakKind {
    /// The candidate says this.
    Presence,
    /// The candidate leaves this out.
    Absence,
}

/// A prepared weak-answer pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct WeakPattern {
    /// 0-based index into `Round::weak_answers()`.
    pub index: usize,
    /// Presence or absence.
    pub kind: WeakKind,
    /// The pattern text (the quoted words, or the missing topic).
    pub pattern: String,
    /// The explanation after the dash, when given.
    pub explanation: String,
    /// Keys of the pattern.
    pub needs: Vec<Need>,
}

fn is_quote(c: char) -> bool {
    matches!(c, '"' | '\u{201c}' | '\u{201d}')
}

/// Split a weak-answer item into (pattern, explanation, kind).
fn split_item(item: &str) -> (String, String, WeakKind) {
    let t = item.trim();
    let strip_dash = |s: &str| {
        s.trim()
            .trim_start_matches(['\u{2014}', '\u{2013}', '-', ':'])
            .trim()
            .to_string()
    };
    if t.starts_with(is_quote) {
        let body = t.trim_start_matches(is_quote);
        if let Some(close) = body.find(is_quote) {
            let pattern = body[..close].to_string();
            let rest = body[close..].trim_start_matches(is_quote);
            return (pattern, strip_dash(rest), WeakKind::Presence);
        }
    }
    let (head, rest) = [" \u{2014} ", " \u{2013} ", " - ", ": "]
        .iter()
        .find_map(|sep| t.split_once(sep))
        .unwrap_or((t, ""));
    let lower = head.to_lowercase();
    for p in ABSENCE_PREFIXES {
        if let Some(topic) = lower.strip_prefix(p) {
            // Same byte length: lowercase of ASCII prefixes; fall back to the lowercase text.
            let topic_text = head.get(head.len() - topic.len()..).unwrap_or(topic);
            return (
                topic_text.trim().to_string(),
                strip_dash(rest),
                WeakKind::Absence,
            );
        }
    }
    (
        head.trim().to_string(),
        strip_dash(rest),
        WeakKind::Presence,
    )
}

/// Prepare the patterns of a round's weak answers.
pub fn prepare(items: &[&str], lexicon: &Lexicon, stats: &LibraryStats) -> Vec<WeakPattern> {
    items
        .iter()
        .enumerate()
        .map(|(index, item)| {
            let (pattern, explanation, kind) = split_item(item);
            let a = lexicon.analyze(&pattern);
            let needs = needs_of(
                &a.units,
                |u| {
                    if u.unit { 0.5 } else { stats.weight(&u.key) }
                },
            );
            WeakPattern {
                index,
                kind,
                pattern,
                explanation,
                needs,
            }
        })
        .collect()
}

/// Resemblance of an answer to a pattern (0..=1) with the resembling answer spans.
pub fn resemblance(
    p: &WeakPattern,
    answer: &AnswerIndex<'_>,
    coverage: f64,
) -> (f64, Vec<[usize; 2]>) {
    if p.needs.is_empty() {
        return (0.0, Vec::new());
    }
    let hit = answer.best_window(&p.needs);
    match p.kind {
        WeakKind::Presence => {
            let score = hit.score * (1.0 - COVERAGE_DISCOUNT * coverage.clamp(0.0, 1.0));
            (score, answer.spans(&hit.units))
        }
        WeakKind::Absence => (1.0 - hit.score, Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_items_are_presence_patterns() {
        let (p, e, k) = split_item("\"Just use a CDN.\" \u{2014} CDNs cache static content.");
        assert_eq!(
            (p.as_str(), e.as_str(), k),
            (
                "Just use a CDN.",
                "CDNs cache static content.",
                WeakKind::Presence
            )
        );
    }

    #[test]
    fn no_mention_items_are_absence_patterns() {
        let (p, _, k) =
            split_item("No mention of the data layer \u{2014} Multi-region data is hard.");
        assert_eq!((p.as_str(), k), ("the data layer", WeakKind::Absence));
    }
}
