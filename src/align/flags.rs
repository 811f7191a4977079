//! Trap red flags. From the Trap Alert and Trap Question Variant sections, quoted phrases are
//! classified by the words around them:
//! - *warned against* ("Claiming \"zero data loss\" … is a red flag", "Candidates who say
//!   \"never reorganize\" …"): flagged when the answer says it;
//! - *expected hedges* ("without saying \"I'd involve legal counsel…\" are overstepping",
//!   or in a Trap Question Variant "The right answer is \"…\"", "\"…\" is the strongest answer"):
//!   flagged when the answer has none of a section's hedges;
//! - the interviewer's follow-up question and, in a Trap Alert, the reasonable answer to that
//!   follow-up are neither (they concern the follow-up, not this answer).

use super::matching::{AnswerIndex, Need, needs_of};
use super::stats::LibraryStats;
use super::text::Lexicon;
use crate::content::{Round, SectionKind};

/// Share of a warned phrase (by weight and by count) that must appear close together.
const WARNING_THRESHOLD: f64 = 0.75;
/// An expected hedge counts as present with this share of its weight in one answer window
/// ("First I'd enable NMT on a single pod" says "I'd measure on one canary pod first"; at 0.4
/// the dev set's strong answers were flagged for a missing hedge 9 times, at 0.3 5 times, and
/// weak and off-topic answers as often as before).
const HEDGE_THRESHOLD: f64 = 0.3;
/// A clause of an expected hedge counts with this share of its weight in one answer window.
const HEDGE_PART_THRESHOLD: f64 = 0.6;
/// Smallest library weight of a practice that alone makes an expected hedge's point.
const PRACTICE_WEIGHT: f64 = 0.25;
/// Longest reason text kept from the guidance.
const MAX_REASON: usize = 240;

const NEUTRAL_BEFORE: [&str; 3] = ["will ask", "would ask", "asks"];
const NEUTRAL_AFTER: [&str; 2] = ["honest", "valid alternative"];
const HEDGE_BEFORE: [&str; 4] = [
    "without saying",
    "without mentioning",
    "without asking",
    "without acknowledging",
];
pub(crate) const WARN_BEFORE: [&str; 12] = [
    "claiming",
    "candidates say",
    "over-confident",
    "overconfident",
    "claim ",
    "candidates who",
    "candidate who",
    "who say",
    "who suggest",
    "saying",
    "suggesting",
    "answers like",
];
pub(crate) const WARN_AFTER: [&str; 10] = [
    "red flag",
    "wrong",
    "exaggerated",
    "overstepping",
    "playing with fire",
    "not a badge",
    "dangerous",
    "bluff",
    "mistake",
    "overconfident",
];
const GOOD_BEFORE: [&str; 11] = [
    "strong candidate",
    "hedges",
    "strong stance",
    "right answer",
    "reasonable answer",
    "fine to say",
    "good answer",
    "better answer",
    "senior answer",
    "strong answer",
    "honest answer",
];
const GOOD_AFTER: [&str; 5] = [
    "strongest answer",
    "is better",
    "is the right",
    "is fine",
    "useful heuristic",
];

/// A warned-against phrase.
#[derive(Debug, Clone, PartialEq)]
pub struct Warning {
    /// The quoted phrase as written in the guidance.
    pub phrase: String,
    /// The guidance sentence that warns about it.
    pub reason: String,
    /// Keys to find close together in the answer.
    pub needs: Vec<Need>,
    /// What the warning says must come with the phrase ("\"…\" without naming the setting is
    /// the red flag"): an answer that says this too is not flagged. Empty when none.
    pub unless: Vec<Need>,
}

/// A group of alternative expected hedges from one section; one of them is enough.
#[derive(Debug, Clone, PartialEq)]
pub struct HedgeGroup {
    /// Section label the hedges come from.
    pub section: String,
    /// Alternatives: (phrase, needs).
    pub hedges: Vec<(String, Vec<Need>)>,
    /// Clauses of the alternatives with at least three keys: the point made in part, in
    /// other words, is enough.
    pub parts: Vec<Vec<Need>>,
    /// Distinctive practices the hedges name (`[insisted]` cues such as legal counsel or a
    /// DPO): naming one, affirmed, makes the point.
    pub practices: Vec<Need>,
}

/// The trap red flags of a round, prepared.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrapRules {
    /// Phrases warned against.
    pub warnings: Vec<Warning>,
    /// Expected hedges, grouped by section.
    pub hedges: Vec<HedgeGroup>,
}

/// What a quoted guidance phrase is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// The interviewer's question, or a neutral mention.
    Neutral,
    /// Warned against.
    Warned,
    /// An expected hedge.
    Hedge,
    /// A good answer.
    Good,
}

/// Quoted phrases in a text: (start of quote body, end of quote body) byte ranges.
pub(crate) fn quotes(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut open: Option<(usize, char)> = None;
    for (i, c) in text.char_indices() {
        match (open, c) {
            (None, '"') => open = Some((i + 1, '"')),
            (None, '\u{201c}') => open = Some((i + c.len_utf8(), '\u{201d}')),
            (Some((s, close)), c) if c == close => {
                if i > s {
                    out.push((s, i));
                }
                open = None;
            }
            _ => {}
        }
    }
    out
}

/// If a sentence ends at byte `k` ('.', '!' or '?', optionally followed by a closing quote,
/// then whitespace or the end), the byte offset just after it.
fn sentence_end_at(text: &str, k: usize) -> Option<usize> {
    let rest = text.get(k..)?;
    let mut it = rest.char_indices();
    let (_, c) = it.next()?;
    if !matches!(c, '.' | '!' | '?') {
        return None;
    }
    let mut after = k + 1;
    let tail = &text[after..];
    if let Some(q) = tail.chars().next().filter(|&q| q == '"' || q == '\u{201d}') {
        after += q.len_utf8();
    }
    match text[after..].chars().next() {
        None => Some(after),
        Some(w) if w.is_whitespace() => Some(after),
        _ => None,
    }
}

/// The sentence around a quote body `[s, e)`: from the previous sentence end to the next one
/// after the closing quote (a quote ending in '.' ends its sentence).
pub(crate) fn sentence_around(text: &str, s: usize, e: usize) -> (usize, usize) {
    let open = s.saturating_sub(1);
    let start = (0..open)
        .rev()
        .filter(|&k| text.is_char_boundary(k))
        .find_map(|k| sentence_end_at(text, k))
        .filter(|&end| end <= open)
        .unwrap_or(0);
    let last_inside = (s..e).rev().find(|&k| text.is_char_boundary(k));
    if let Some(k) = last_inside
        && let Some(end) = sentence_end_at(text, k)
        && end > e
    {
        return (start, end);
    }
    let end = (e..text.len())
        .filter(|&k| text.is_char_boundary(k))
        .find_map(|k| sentence_end_at(text, k).filter(|&x| x > e + 1))
        .unwrap_or(text.len());
    (start, end)
}

pub(crate) fn classify(before: &str, after: &str) -> Role {
    let before = before.to_lowercase();
    let after = after.to_lowercase();
    let has = |s: &str, list: &[&str]| list.iter().any(|w| s.contains(w));
    if has(&before, &NEUTRAL_BEFORE) || has(&after, &NEUTRAL_AFTER) {
        Role::Neutral
    } else if has(&before, &HEDGE_BEFORE) {
        Role::Hedge
    } else if has(&before, &WARN_BEFORE) || has(&after, &WARN_AFTER) {
        Role::Warned
    } else if has(&before, &GOOD_BEFORE) || has(&after, &GOOD_AFTER) {
        Role::Good
    } else {
        Role::Neutral
    }
}

/// What a warning right after its quote says is missing ("without checking the join keys" in
/// "\"…\" without checking the join keys is the red flag"), or "".
pub(crate) fn missing_after(after: &str) -> &str {
    let after = after.trim_start_matches(['"', '\u{201d}', ' ']);
    let Some(rest) = after.strip_prefix("without ") else {
        return "";
    };
    let end = [" is ", " are ", ",", ";", "."]
        .iter()
        .filter_map(|stop| rest.find(stop))
        .min()
        .unwrap_or(rest.len());
    &rest[..end]
}

fn clip(s: &str) -> String {
    let s = s.trim();
    if s.len() <= MAX_REASON {
        return s.to_string();
    }
    let mut cut = MAX_REASON;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", &s[..cut])
}

/// Prepare the trap rules of a round; `insisted` holds the keys of the practices the guidance
/// insists on (`claims::insisted_keys`), which a hedge may name.
pub fn prepare(
    round: &Round,
    lexicon: &Lexicon,
    stats: &LibraryStats,
    insisted: &[String],
) -> TrapRules {
    let mut rules = TrapRules::default();
    let weight = |u: &super::text::Unit| if u.unit { 0.5 } else { stats.weight(&u.key) };
    for section in &round.sections {
        let kind = section.kind();
        if kind != SectionKind::TrapAlert && kind != SectionKind::TrapQuestionVariant {
            continue;
        }
        let mut group = HedgeGroup {
            section: section.label.clone(),
            hedges: Vec::new(),
            parts: Vec::new(),
            practices: Vec::new(),
        };
        let texts =
            std::iter::once(section.text.as_str()).chain(section.items.iter().map(String::as_str));
        for text in texts {
            for (qs, qe) in quotes(text) {
                let (ss, se) = sentence_around(text, qs, qe);
                let before = text.get(ss..qs).unwrap_or("");
                let after = text.get(qe..se).unwrap_or("");
                let phrase = text.get(qs..qe).unwrap_or("").trim();
                let needs = needs_of(&lexicon.analyze(phrase).units, weight);
                if needs.is_empty() {
                    continue;
                }
                match classify(before, after) {
                    Role::Warned => rules.warnings.push(Warning {
                        phrase: phrase.to_string(),
                        reason: format!(
                            "{} warns: {}",
                            section.label,
                            clip(text.get(ss..se).unwrap_or(phrase))
                        ),
                        needs,
                        unless: needs_of(&lexicon.analyze(missing_after(after)).units, weight),
                    }),
                    Role::Hedge => group.hedges.push((phrase.to_string(), needs)),
                    Role::Good if kind == SectionKind::TrapQuestionVariant => {
                        group.hedges.push((phrase.to_string(), needs))
                    }
                    _ => {}
                }
            }
        }
        if !group.hedges.is_empty() {
            complete_group(&mut group, lexicon, weight, insisted);
            rules.hedges.push(group);
        }
    }
    rules
}

/// Fill a hedge group's practices (insisted practices its hedges name) and parts (clauses
/// of its hedges with three or more keys).
fn complete_group(
    group: &mut HedgeGroup,
    lexicon: &Lexicon,
    weight: impl Fn(&super::text::Unit) -> f64 + Copy,
    insisted: &[String],
) {
    for (_, needs) in &group.hedges {
        for n in needs {
            if insisted.contains(&n.key)
                && n.weight >= PRACTICE_WEIGHT
                && !n.negated
                && !group.practices.iter().any(|p| p.key == n.key)
            {
                group.practices.push(n.clone());
            }
        }
    }
    for (phrase, _) in &group.hedges {
        for part in phrase.split(['\u{2014}', '\u{2013}', ';', ',']) {
            let needs = needs_of(&lexicon.analyze(part).units, weight);
            if needs.len() >= 3 {
                group.parts.push(needs);
            }
        }
    }
}

/// A red flag found for an answer (before conversion to the public type).
#[derive(Debug, Clone, PartialEq)]
pub struct FlagHit {
    /// The guidance phrase.
    pub phrase: String,
    /// Why it is a flag.
    pub reason: String,
    /// Answer spans (empty for a missing hedge).
    pub spans: Vec<[usize; 2]>,
    /// True for a missing hedge, false for a warned phrase found.
    pub missing_hedge: bool,
}

/// Check an answer against the trap rules.
pub fn check(rules: &TrapRules, answer: &AnswerIndex<'_>) -> Vec<FlagHit> {
    let mut out = Vec::new();
    for w in &rules.warnings {
        let reach = w.needs.len() * 3 + 2;
        let hit = answer.best_phrase(&w.needs, reach);
        let enough = if w.needs.len() <= 2 {
            hit.count_ratio >= 1.0 - 1e-9
        } else {
            hit.score >= WARNING_THRESHOLD && hit.count_ratio >= WARNING_THRESHOLD - 1e-9
        };
        let excused =
            !w.unless.is_empty() && answer.best_window(&w.unless).score >= HEDGE_THRESHOLD;
        if enough && !excused {
            out.push(FlagHit {
                phrase: w.phrase.clone(),
                reason: w.reason.clone(),
                spans: answer.spans(&hit.units),
                missing_hedge: false,
            });
        }
    }
    for g in &rules.hedges {
        let present = g
            .hedges
            .iter()
            .any(|(_, needs)| answer.best_window(needs).score >= HEDGE_THRESHOLD)
            || g.parts
                .iter()
                .any(|needs| answer.best_window(needs).score >= HEDGE_PART_THRESHOLD)
            || g.practices
                .iter()
                .any(|n| answer.best_window(std::slice::from_ref(n)).score > 0.0);
        if !present && let Some((phrase, _)) = g.hedges.first() {
            let alternatives = g
                .hedges
                .iter()
                .map(|(p, _)| format!("\u{201c}{p}\u{201d}"))
                .collect::<Vec<_>>()
                .join(" or ");
            out.push(FlagHit {
                phrase: phrase.clone(),
                reason: clip(&format!(
                    "Expected hedge missing: the {} expects the candidate to say something like {alternatives}",
                    g.section
                )),
                spans: Vec::new(),
                missing_hedge: true,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warnings_hedges_and_follow_ups_are_told_apart() {
        assert_eq!(
            classify("Claiming ", " for async replication is a red flag."),
            Role::Warned
        );
        assert_eq!(classify("The interviewer will ask ", ""), Role::Neutral);
        assert_eq!(
            classify(
                "Candidates who design without saying ",
                " are overstepping."
            ),
            Role::Hedge
        );
        assert_eq!(classify(" ", " is the strongest answer."), Role::Good);
    }

    #[test]
    fn what_a_warning_says_must_come_with_its_phrase_is_read_after_the_quote() {
        assert_eq!(
            missing_after("\" without naming the setting is the red flag"),
            "naming the setting"
        );
        assert_eq!(
            missing_after("\u{201d} without a mechanism, and"),
            "a mechanism"
        );
        assert_eq!(missing_after("\" is a red flag."), "");
    }

    #[test]
    fn quotes_are_found_straight_and_curly() {
        let t = "Say \"a b\" and \u{201c}c d\u{201d}.";
        let q: Vec<&str> = quotes(t).into_iter().map(|(s, e)| &t[s..e]).collect();
        assert_eq!(q, vec!["a b", "c d"]);
    }
}
