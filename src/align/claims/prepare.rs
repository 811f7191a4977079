//! Preparing a round's claim rules from its prompt, Strong Answer, trap sections and weak
//! answers.

use std::collections::HashMap;
use std::ops::Range;

use super::cue_lists::cues;
use super::rules::{ClaimRules, Source, context_keys, quoted};
use super::words::{find_any, words};
use super::{HEAVY_WEIGHT, insisted_keys};
use crate::align::flags::{self, Role};
use crate::align::stats::LibraryStats;
use crate::align::text::Lexicon;
use crate::content::{Round, SectionKind};

/// Sentences of a text as byte ranges (split after '.', '!' or '?' followed by a space).
pub(super) fn sentences(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let b = text.as_bytes();
    for i in 0..b.len() {
        if matches!(b[i], b'.' | b'!' | b'?')
            && b.get(i + 1).is_none_or(|c| c.is_ascii_whitespace())
        {
            out.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < text.len() && !text[start..].trim().is_empty() {
        out.push((start, text.len()));
    }
    out
}

/// Prepare the claim rules of a round: truth statements from the Strong Answer, trap text and
/// weak-answer explanations; beliefs from quoted trap phrases and weak answers.
pub fn prepare(round: &Round, lexicon: &Lexicon, stats: &LibraryStats) -> ClaimRules {
    let mut rules = ClaimRules::default();
    let texts = |kind: SectionKind| -> Vec<&str> {
        round
            .sections
            .iter()
            .filter(|s| s.kind() == kind)
            .flat_map(|s| {
                std::iter::once(s.text.as_str()).chain(s.items.iter().map(String::as_str))
            })
            .filter(|t| !t.trim().is_empty())
            .collect()
    };
    for (s, e) in sentences(&round.prompt) {
        let sentence = &round.prompt[s..e];
        rules.push(Source::Truth, sentence, sentence, lexicon, stats);
    }
    let guidance = rules.statements.len();
    for t in texts(SectionKind::StrongAnswer) {
        for (s, e) in sentences(t) {
            let sentence = &t[s..e];
            rules.push(Source::Truth, sentence, sentence, lexicon, stats);
        }
    }
    let first_trap = rules.statements.len();
    push_traps(&mut rules, &texts, lexicon, stats);
    let first_weak = rules.statements.len();
    push_weak(&mut rules, round, lexicon, stats);
    for s in &mut rules.statements[first_trap..] {
        s.trap = true;
    }
    insist(&mut rules, guidance..first_weak, lexicon);
    rules
}

/// Trap Alerts and Trap Question Variants: warned quotes are beliefs; they and the
/// interviewer's questions are blanked from the truth the rest of the text holds.
fn push_traps<'r>(
    rules: &mut ClaimRules,
    texts: &dyn Fn(SectionKind) -> Vec<&'r str>,
    lexicon: &Lexicon,
    stats: &LibraryStats,
) {
    for kind in [SectionKind::TrapAlert, SectionKind::TrapQuestionVariant] {
        for t in texts(kind) {
            // Warned quotes are beliefs; they and the interviewer's questions are blanked from
            // the truth the rest of the text holds.
            let mut blank: Vec<(usize, usize)> = Vec::new();
            for (qs, qe) in flags::quotes(t) {
                let (ss, se) = flags::sentence_around(t, qs, qe);
                let role =
                    flags::classify(t.get(ss..qs).unwrap_or(""), t.get(qe..se).unwrap_or(""));
                match role {
                    Role::Warned => {
                        push_warned(rules, t, (qs, qe), (ss, se), lexicon, stats);
                        blank.push((qs, qe));
                    }
                    Role::Neutral if t.get(qs..qe).is_some_and(|q| q.contains('?')) => {
                        let question = t.get(qs..qe).unwrap_or("");
                        for premise in challenged(question) {
                            rules.push(Source::Challenged, question, premise, lexicon, stats);
                        }
                        blank.push((qs, qe))
                    }
                    Role::Neutral => {}
                    Role::Hedge | Role::Good => {}
                }
            }
            let mut held = t.to_string();
            for (a, b) in blank {
                if t.is_char_boundary(a) && t.is_char_boundary(b) {
                    held.replace_range(a..b, &" ".repeat(b - a));
                }
            }
            for (s, e) in sentences(t) {
                let (Some(sentence), Some(truth)) = (t.get(s..e), held.get(s..e)) else {
                    continue;
                };
                if truth.trim_end().ends_with('?') {
                    continue;
                }
                rules.push(Source::Truth, sentence, truth, lexicon, stats);
            }
        }
    }
}

/// A warned quote of trap text `t` (bytes `qs..qe`, in its sentence `ss..se`) as beliefs;
/// what the sentence says is missing after it ("\"…\" without naming the setting is the red
/// flag") becomes each belief's reasons, so an answer that says it too is not flagged.
fn push_warned(
    rules: &mut ClaimRules,
    t: &str,
    (qs, qe): (usize, usize),
    (ss, se): (usize, usize),
    lexicon: &Lexicon,
    stats: &LibraryStats,
) {
    let inner = t.get(qs..qe).unwrap_or("");
    let quote = t.get(ss..se).unwrap_or(inner);
    let from = rules.statements.len();
    rules.push(Source::Warned, quote, inner, lexicon, stats);
    let after = t.get(qe..se).unwrap_or("");
    let unless = lexicon.analyze(flags::missing_after(after));
    let unless: Vec<String> = context_keys(&unless.units, stats)
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    for s in &mut rules.statements[from..] {
        s.reasons.clone_from(&unless);
    }
}

/// What an interviewer's question puts forward to be challenged: the statements it makes
/// before asking ("Your table now has time travel, so you can roll back in seconds. Why isn't
/// that enough?"), and what a "why not …" or yes/no question proposes ("Why not reactivate the
/// key with a deny?", "Does that prove the fix is right?"). Open questions ("what stops …",
/// "when does …") propose nothing.
fn challenged(question: &str) -> Vec<&str> {
    sentences(question)
        .into_iter()
        .filter_map(|(s, e)| {
            let sentence = question.get(s..e)?.trim();
            if sentence.ends_with('?') {
                proposal(sentence).map(until_it_asks)
            } else {
                Some(sentence)
            }
        })
        .filter(|s| !s.is_empty())
        .collect()
}

/// What a question proposes: what follows "why not" or the auxiliary of a yes/no question,
/// at its start or at the start of a part of it ("…, and does read mean …?").
fn proposal(question: &str) -> Option<&str> {
    const PROPOSING: [&str; 14] = [
        "why not ", "does ", "doesn't ", "do ", "don't ", "is ", "isn't ", "are ", "aren't ",
        "can ", "can't ", "will ", "won't ", "would ",
    ];
    let lower = question.to_ascii_lowercase();
    let opens = |at: usize| at == 0 || [", ", "and "].iter().any(|j| lower[..at].ends_with(j));
    let from = lower
        .char_indices()
        .filter(|&(at, _)| opens(at))
        .find_map(|(at, _)| {
            PROPOSING
                .iter()
                .find(|p| lower[at..].starts_with(*p))
                .map(|p| at + p.len())
        })?;
    question.get(from..)
}

/// A proposal without the question it goes on to ask ("…, and how would you check?").
fn until_it_asks(proposal: &str) -> &str {
    const ASKS: [&str; 7] = ["how ", "what ", "which ", "why ", "when ", "where ", "who "];
    let lower = proposal.to_ascii_lowercase();
    let cut = [", and ", ", or ", " and "].iter().find_map(|j| {
        lower
            .match_indices(j)
            .map(|(at, _)| at)
            .find(|&at| ASKS.iter().any(|w| lower[at + j.len()..].starts_with(w)))
    });
    cut.map_or(proposal, |at| &proposal[..at])
}

/// Common weak answers: the belief as said (unless it names an absence) and the explanation
/// as truth. An absence's explanation is about what the absence names ("No plan for a failed
/// build — it leaves an invalid index behind"), so those keys join its context.
fn push_weak(rules: &mut ClaimRules, round: &Round, lexicon: &Lexicon, stats: &LibraryStats) {
    for item in round.weak_answers() {
        let (belief, explanation) = split_weak(item);
        let absence = is_absence(belief);
        if !belief.is_empty() && !absence {
            let from = rules.statements.len();
            rules.push(Source::Weak, item, belief, lexicon, stats);
            let reasons = context_keys(&lexicon.analyze(explanation).units, stats);
            for s in &mut rules.statements[from..] {
                s.reasons = reasons
                    .iter()
                    .filter(|(k, _)| !s.context.iter().any(|c| c.0 == *k))
                    .map(|(k, _)| k.clone())
                    .collect();
            }
        } else if let Some(held) = treated_as(belief) {
            // "Treating the budget as the full cost" names a mistaken belief, as a warning does.
            rules.push(Source::Warned, item, held, lexicon, stats);
        }
        if explanation.is_empty() {
            continue;
        }
        let from = rules.statements.len();
        rules.push(Source::Truth, explanation, explanation, lexicon, stats);
        if absence {
            let about = context_keys(&lexicon.analyze(belief).units, stats);
            for s in &mut rules.statements[from..] {
                for k in &about {
                    if !s.context.iter().any(|c| c.0 == k.0) {
                        s.context.push(k.clone());
                    }
                }
            }
        }
    }
}

/// What the guidance insists on: the [insisted] practices it names, and the heaviest keys of
/// the Strong Answer and the trap text (`strong_and_traps`) that no warned belief shares. The
/// statements before them are the interviewer's question: its scenario ("Jordan's manager
/// tells you a VP asked …") is what happened, not what the guidance insists on. The
/// weak answers' explanations after them name practices too, but their other words describe
/// the mistake ("a candidate can spend an hour tuning a 4 ms query"), not what to do.
fn insist(rules: &mut ClaimRules, strong_and_traps: Range<usize>, lexicon: &Lexicon) {
    let belief_keys: Vec<&str> = rules
        .statements
        .iter()
        .filter(|s| s.source.belief())
        .flat_map(|s| s.keys.iter().map(|k| k.0.as_str()))
        .collect();
    let mut insisted: HashMap<String, String> = HashMap::new();
    let insisted_cues = insisted_keys(lexicon);
    let mut heavy: HashMap<String, String> = HashMap::new();
    // "… so pod clock skew doesn't matter": a sentence that dismisses something insists on
    // none of it
    let dismisses = |quote: &str| {
        let ws = words(quote);
        !find_any(&ws, 0..ws.len(), &cues().dismiss_after).is_empty()
    };
    for (i, s) in rules
        .statements
        .iter()
        .enumerate()
        .skip(strong_and_traps.start)
        .filter(|(_, s)| s.source == Source::Truth && !dismisses(&s.quote))
    {
        for (k, w, neg) in &s.keys {
            if *neg || belief_keys.contains(&k.as_str()) {
                continue;
            }
            if insisted_cues.contains(k) {
                insisted.entry(k.clone()).or_insert_with(|| s.quote.clone());
            } else if *w >= HEAVY_WEIGHT && i < strong_and_traps.end {
                heavy.entry(k.clone()).or_insert_with(|| s.quote.clone());
            }
        }
    }
    rules.heavy = heavy;
    rules.insisted = insisted;
}

pub(super) fn is_absence(belief: &str) -> bool {
    let l = belief.trim_start().to_lowercase();
    [
        "no ",
        "not ",
        "never ",
        "ignoring",
        "skipping",
        "forgetting",
        "missing",
        "treating",
        "without",
    ]
    .iter()
    .any(|p| l.starts_with(p))
}

/// The belief inside "Treating X as Y" ("X as Y"), if the item has that form.
fn treated_as(belief: &str) -> Option<&str> {
    let t = belief.trim_start();
    let head = t.get(..9)?;
    (head.eq_ignore_ascii_case("treating ") && t.contains(" as ")).then(|| &t[9..])
}

/// Split a weak-answer item into the belief (quoted words, or the text before the dash) and
/// the explanation after it.
pub(super) fn split_weak(item: &str) -> (&str, &str) {
    let t = item.trim();
    if let Some(&(a, b)) = quoted(t).first()
        && a == 0
    {
        let inner = t[a..b].trim_matches(|c| c == '"' || c == '\u{201c}' || c == '\u{201d}');
        let rest = t[b..]
            .trim_start()
            .trim_start_matches(['\u{2014}', '\u{2013}', '-', ':'])
            .trim();
        return (inner, rest);
    }
    for sep in [" \u{2014} ", " \u{2013} ", " - "] {
        if let Some((h, r)) = t.split_once(sep) {
            return (h.trim(), r.trim());
        }
    }
    (t, "")
}

#[cfg(test)]
mod tests {
    use super::challenged;

    #[test]
    fn a_question_challenges_its_premises_and_what_it_proposes_not_what_it_asks() {
        assert_eq!(
            challenged(
                "Your table now has time travel, so you can roll back in seconds. Why isn't \
                 that enough on its own?"
            ),
            ["Your table now has time travel, so you can roll back in seconds."]
        );
        assert_eq!(
            challenged("Why not reactivate the old key with a deny, since that blocks them?"),
            ["reactivate the old key with a deny, since that blocks them?"]
        );
        assert_eq!(
            challenged("October passes. Does that prove the fix is right?"),
            ["October passes.", "that prove the fix is right?"]
        );
        assert_eq!(
            challenged("What is a hit, and does read mean the pages came from disk?"),
            ["read mean the pages came from disk?"]
        );
        assert_eq!(
            challenged("Does that mean every document was indexed, and how would you check?"),
            ["that mean every document was indexed"]
        );
        assert!(challenged("If the window is rolling, when does the budget come back?").is_empty());
        assert!(challenged("What stops any repository from assuming your role?").is_empty());
    }
}
