//! Claims: an answer segmented into clauses, each checked against the round's guidance before
//! it may count as coverage. A claim is a red flag when it
//! - states one side of an opposing pair (`[opposites]` in `concepts.txt`) where the guidance
//!   about the same subject states the other side, or lists both as a choice;
//! - gives a number for a quantity that conflicts with every number the guidance gives for it;
//! - makes an absolute-certainty claim (`[certainty]`) about something the guidance warns
//!   about, hedges, or describes as a wrong belief (Trap Alert, Trap Question Variant, Common
//!   Weak Answers); a positive certainty ("definitely", "fully", not "never") is checked
//!   against every statement of those sections when no warned or hedged one shares its
//!   subject;
//! - dismisses what the guidance insists on (`[dismiss-before]`, `[dismiss-after]`,
//!   `[insisted]`) or a heavy word of the Strong Answer that no warned belief shares ("no
//!   need for Lua scripting"; after "without" or "skip" only the insisted ones count);
//! - restates a warned-against belief in other words (claim-level match of a weak answer or a
//!   quoted trap phrase).
//!
//! Every flag quotes the guidance sentence it contradicts. All rules are general and driven by
//! data; nothing here names a gauntlet.

mod certainty;
mod check;
mod cue_lists;
mod prepare;
mod rules;
mod words;

use std::collections::HashMap;
use std::ops::Range;

use super::text::{Analysis, Lexicon, Unit};
use cue_lists::{Cues, cues};
use rules::{Statement, clip};
use words::find_any;

pub use prepare::prepare;
pub use rules::ClaimRules;
pub use words::{Claim, Word, segment, words};

/// Shared subject: at least this many content keys of a guidance statement in the claim...
const SUBJECT_KEYS: usize = 2;
/// ...weighing at least this much (library IDF weights, 0.08..=1 each).
const SUBJECT_WEIGHT: f64 = 0.6;
/// A claim whose whole subject is one or two keys shares it with a statement holding them
/// all, weighing at least this much.
const SUBJECT_WEIGHT_SMALL: f64 = 0.2;
/// An opposing pair is a strong cue: a smaller shared subject is enough.
const OPPOSITE_SUBJECT_WEIGHT: f64 = 0.35;
/// With a certainty word in the claim as well, this much shared subject is enough.
const OPPOSITE_SUBJECT_WEIGHT_CERTAIN: f64 = 0.25;
/// A claim restates a warned belief when it holds this share of the belief's weight.
const BELIEF_SHARE: f64 = 0.75;
/// With a certainty word, a smaller share of a warned belief is enough.
const BELIEF_SHARE_CERTAIN: f64 = 0.5;
/// Share of a common weak answer's weight a claim must say, without a certainty word, to
/// give that answer (more than a warned belief needs: sound answers share many of its words).
const WEAK_SHARE: f64 = 0.8;
/// A statement naming an opposing pair decides when it shares this share of the best
/// statement's subject weight.
const OPPOSITE_NEAR: f64 = 0.5;
/// A number agrees with the guidance within this factor.
const NUMBER_FACTOR: f64 = 3.0;
/// Words after a dismissal (or before a trailing one) that may name what is dismissed.
const DISMISS_REACH: usize = 5;
/// Smallest key weight for the quantity a guidance number measures.
const QUANTITY_WEIGHT: f64 = 0.5;
/// How many content words before a number may name its quantity.
const QUANTITY_REACH: usize = 3;
/// Key weight from which a guidance key counts as heavy.
const HEAVY_WEIGHT: f64 = 0.45;
/// Shortest key that matches a longer key it begins (a word in another form).
const SAME_WORD_PREFIX: usize = 5;
/// How many units after a named belief a negator rejects it.
const REJECT_REACH: usize = 5;
/// Longest quoted guidance in a reason.
const MAX_QUOTE: usize = 220;
/// Connectives that start a new claim after a comma.
const CONNECTIVES: [&str; 10] = [
    "but", "and", "so", "which", "while", "whereas", "because", "although", "though", "since",
];

/// The canonical keys of the `[insisted]` practices under a lexicon.
pub(crate) fn insisted_keys(lexicon: &Lexicon) -> Vec<String> {
    cues()
        .insisted
        .iter()
        .flat_map(|p| {
            lexicon
                .analyze(&p.join(" "))
                .units
                .into_iter()
                .filter(|u| u.content)
                .map(|u| u.key)
        })
        .collect()
}

/// Whether the words around `span` reject what it says: a denial within the few words after
/// it in the same sentence ("raising it to ten minutes wouldn't fix the loop", "skipping the
/// bad offset isn't free") or right before it ("not", "rather than"), a denial opening its
/// clause ("I wouldn't go to the VP and volunteer to take the blame"; a comma, a colon or a
/// contrast word ends a clause), or a belief reported earlier in the sentence ("people
/// assume …", as [`reported`] reads a claim).
pub(crate) fn rejected(text: &str, span: [usize; 2]) -> bool {
    const AFTER: usize = 5;
    let c = cues();
    let ws = words(text);
    let first = ws.partition_point(|w| w.start < span[0]);
    let past = ws.partition_point(|w| w.start < span[1]);
    let ends = |a: usize, b: usize| text.get(a..b).is_some_and(|t| t.contains(SENTENCE_ENDS));
    let mut stop = past;
    while stop < ws.len() && stop < past + AFTER && !ends(span[1], ws[stop].start) {
        stop += 1;
    }
    let after = !find_any(&ws, past..stop, &c.denials).is_empty()
        || !find_any(&ws, past..stop, &c.criticisms).is_empty();
    let from = first.saturating_sub(3);
    let before = (from..first).all(|i| !ends(ws[i].end, span[0]))
        && (!find_any(&ws, from..first, &c.denials).is_empty()
            || !find_any(&ws, from..first, &c.hypothetical).is_empty());
    // "I wouldn't go to the VP and volunteer to take the blame": a denial opening the clause
    let clause = run_start(text, &ws, (first, span[0]), &CLAUSE_ENDS);
    let clause = find_any(&ws, clause..first, &c.contrasts)
        .last()
        .map_or(clause, |&(_, e)| e);
    let before = before || !find_any(&ws, clause..first, &c.denials).is_empty();
    // "It's tempting to promise …": reported earlier in the sentence
    let sentence = run_start(text, &ws, (first, span[0]), &SENTENCE_ENDS);
    after || before || report_reaches(text, &ws, sentence, first)
}

/// What ends a sentence for [`rejected`]: a full stop, a question or exclamation mark, a
/// semicolon.
const SENTENCE_ENDS: [char; 4] = ['.', '!', '?', ';'];
/// What ends a clause for [`rejected`]: a sentence end, a colon, a comma or a dash.
const CLAUSE_ENDS: [char; 8] = ['.', '!', '?', ';', ':', ',', '\u{2014}', '\u{2013}'];

/// The first word of the run that reaches word `to` (at byte `at`, which may be past the last
/// word) with none of `stops` between its words.
fn run_start(text: &str, ws: &[Word], (to, at): (usize, usize), stops: &[char]) -> usize {
    let mut i = to.min(ws.len());
    while i > 0
        && !text
            .get(ws[i - 1].end..ws.get(i).map_or(at, |w| w.start))
            .is_some_and(|gap| gap.contains(stops))
    {
        i -= 1;
    }
    i
}

/// Whether a `[reported]` cue in `ws[from..to]` still holds at word `to`: no `[contrasts]`
/// word ("but", "however") and no colon, semicolon or dash between the cue and it.
fn report_reaches(text: &str, ws: &[Word], from: usize, to: usize) -> bool {
    let c = cues();
    let Some(at) = ws.get(to).map(|w| w.start) else {
        return false;
    };
    find_any(ws, from..to, &c.reported)
        .into_iter()
        .any(|(_, e)| {
            find_any(ws, e..to, &c.contrasts).is_empty()
                && !text
                    .get(ws[e - 1].end..at)
                    .is_some_and(|between| between.contains([':', ';', '\u{2014}', '\u{2013}']))
        })
}

/// A red flag raised by a claim.
#[derive(Debug, Clone, PartialEq)]
pub struct ClaimFlag {
    /// The claim as written in the answer.
    pub phrase: String,
    /// Why: which rule, quoting the guidance.
    pub reason: String,
    /// The claim's byte span in the answer.
    pub span: [usize; 2],
    /// The claim's unit range (excluded from coverage).
    pub units: Range<usize>,
}

/// The keys of a claim: content key → negated (first occurrence).
fn claim_keys(units: &[Unit], range: Range<usize>) -> HashMap<&str, bool> {
    let mut m = HashMap::new();
    for u in &units[range] {
        if u.content {
            for k in key_and_parts(&u.key) {
                m.entry(k).or_insert(u.negated);
            }
        }
    }
    m
}

/// Keys stated with the other polarity somewhere in a unit range: content key → the set of
/// polarities seen (`[affirmed, negated]`).
fn polarities(units: &[Unit], range: Range<usize>) -> HashMap<&str, [bool; 2]> {
    let mut m: HashMap<&str, [bool; 2]> = HashMap::new();
    for u in &units[range] {
        if u.content && !u.number {
            for k in key_and_parts(&u.key) {
                m.entry(k).or_default()[usize::from(u.negated)] = true;
            }
        }
    }
    m
}

/// One claim under check, with everything the rules look at.
struct Probe<'a> {
    rules: &'a ClaimRules,
    c: &'a Cues,
    ws: &'a [Word],
    r: Range<usize>,
    a: &'a Analysis,
    claim: &'a Claim,
    ctx: &'a Context<'a>,
    subject: &'a [String],
}

impl<'a> Probe<'a> {
    /// The unit holding word `wi`.
    fn unit_of(&self, wi: usize) -> Option<&'a Unit> {
        unit_at(self.a, self.ws.get(wi)?.start)
    }

    /// The unit range of the sentence the claim starts in.
    fn sentence_units(&self) -> Option<(usize, usize)> {
        self.unit_of(self.r.start)
            .and_then(|u| self.a.sentences.get(u.sentence as usize))
            .copied()
    }
}

/// What a claim is checked with: its own keys, the keys of its neighbours in the sentence,
/// the whole sentence's keys, and every polarity each key takes nearby.
struct Context<'a> {
    own: HashMap<&'a str, bool>,
    near: HashMap<&'a str, bool>,
    sentence: HashMap<&'a str, bool>,
    polarity: HashMap<&'a str, [bool; 2]>,
}

/// A key and, for a merged phrase ("write endpoint"), its words: a concept still shares its
/// words with texts that spell only part of it.
fn key_and_parts(key: &str) -> impl Iterator<Item = &str> {
    let parts = key
        .contains(' ')
        .then(|| key.split(' '))
        .into_iter()
        .flatten();
    std::iter::once(key).chain(parts)
}

/// The unit covering byte `at`.
fn unit_at(a: &Analysis, at: usize) -> Option<&Unit> {
    a.units.iter().find(|u| u.start <= at && at < u.end)
}

/// The key of the content unit covering byte `at`.
fn unit_key_at(a: &Analysis, at: usize) -> Option<&str> {
    unit_at(a, at).filter(|u| u.content).map(|u| u.key.as_str())
}

/// Where the belief's keys sit in the claim (first occurrence of each found).
fn belief_units(a: &Analysis, claim: &Claim, belief: &Statement) -> Vec<usize> {
    belief
        .keys
        .iter()
        .filter_map(|(k, _, _)| {
            claim
                .units
                .clone()
                .find(|&i| key_and_parts(&a.units[i].key).any(|x| x == k))
        })
        .collect()
}

/// Whether the belief's keys found in the claim sit close together (a phrase, not words
/// scattered over a long clause).
fn close_together(a: &Analysis, claim: &Claim, belief: &Statement) -> bool {
    let at = belief_units(a, claim, belief);
    let (Some(lo), Some(hi)) = (at.iter().min(), at.iter().max()) else {
        return false;
    };
    hi - lo <= belief.keys.len() * 2 + 3
}

/// Whether the claim rejects the belief it names: a negator within [`REJECT_REACH`] units
/// after the belief's last key ("skipping the bad offset isn't free"), or a criticism anywhere
/// after its first ("raising the timeout leaves the storm untouched").
fn rejected_in_claim(a: &Analysis, ws: &[Word], claim: &Claim, belief: &Statement) -> bool {
    let at = belief_units(a, claim, belief);
    let (Some(&lo), Some(&hi)) = (at.iter().min(), at.iter().max()) else {
        return false;
    };
    let end = (hi + 1 + REJECT_REACH).min(claim.units.end);
    if a.units[hi + 1..end].iter().any(|u| u.negator) {
        return true;
    }
    // a criticism anywhere after the belief begins: "raising the timeout leaves the storm
    // untouched and only makes a crash take minutes to notice"
    let (from, to) = (a.units[lo].end, a.units[claim.units.end - 1].end);
    let words = ws.partition_point(|w| w.start < from)..ws.partition_point(|w| w.start < to);
    !find_any(ws, words, &cues().criticisms).is_empty()
}

/// Two keys for one word in different forms ("replica" and "replic" from "replication"): one
/// is a prefix of the other, at least [`SAME_WORD_PREFIX`] characters long. A paraphrase of a
/// warned belief or of what the guidance hedges is matched this loosely; plain guidance
/// statements keep exact keys.
fn same_word(a: &str, b: &str) -> bool {
    let (short, long) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    short.len() >= SAME_WORD_PREFIX && !short.contains(' ') && long.starts_with(short)
}

/// Shared subject weight and count between claim keys and a statement's whole sentence.
fn overlap_context(keys: &HashMap<&str, bool>, extra: &[String], s: &Statement) -> (f64, usize) {
    let mut w = 0.0;
    let mut n = 0;
    for (k, kw) in &s.context {
        if keys.contains_key(k.as_str())
            || ((s.source.belief() || s.hedged) && keys.keys().any(|c| same_word(c, k)))
            || extra.iter().any(|e| e == k)
        {
            w += kw;
            n += 1;
        }
    }
    (w, n)
}

/// Shared subject weight and count between a claim and a statement (negation ignored).
fn overlap(keys: &HashMap<&str, bool>, extra: &[String], s: &Statement) -> (f64, usize) {
    let mut w = 0.0;
    let mut n = 0;
    for (k, kw, _) in &s.keys {
        if keys.contains_key(k.as_str()) || extra.iter().any(|e| e == k) {
            w += kw;
            n += 1;
        }
    }
    (w, n)
}

fn shares_subject((w, n): (f64, usize)) -> bool {
    n >= SUBJECT_KEYS && w >= SUBJECT_WEIGHT
}

/// Whether a claim reports a belief instead of asserting it: a `[questions]` cue ("whether")
/// in the claim, or a `[reported]` cue ("people assume", "it's tempting to") in the claim or
/// earlier in its sentence with neither a `[contrasts]` word ("but", "however") nor a colon,
/// semicolon or dash between the cue and the claim ([`report_reaches`], which [`rejected`]
/// uses too). "People assume jumping to latest is harmless because the data is retained, but
/// it isn't" asserts only its last clause; in "the dashboard tells me whether we
/// got it right: …" what follows the colon is asserted.
fn reported(text: &str, a: &Analysis, ws: &[Word], claim: &Claim) -> bool {
    let c = cues();
    let sentence = a.units[claim.units.start].sentence as usize;
    let from = a
        .sentences
        .get(sentence)
        .and_then(|&(s, _)| a.units.get(s))
        .map_or(claim.words.start, |u| {
            ws.partition_point(|w| w.start < u.start)
        })
        .min(claim.words.start);
    !find_any(ws, claim.words.clone(), &c.questions).is_empty()
        || !find_any(ws, claim.words.clone(), &c.reported).is_empty()
        || report_reaches(text, ws, from, claim.words.start)
}

/// Check every claim of an analysed answer. `subject` adds keys every claim is about (the
/// follow-up question's, for a follow-up answer).
pub fn check(rules: &ClaimRules, text: &str, a: &Analysis, subject: &[String]) -> Vec<ClaimFlag> {
    let ws = words(text);
    let c = cues();
    let mut out = Vec::new();
    let claims = segment(text, a, &ws);
    for (ci, claim) in claims.iter().enumerate() {
        if reported(text, a, &ws, claim) {
            continue;
        }
        // The claim's subject may sit in the claims beside it in the same sentence ("No need
        // to touch the application: it will find the writer on its own").
        let same =
            |o: &Claim| a.units[o.units.start].sentence == a.units[claim.units.start].sentence;
        let from = ci
            .checked_sub(1)
            .map(|p| &claims[p])
            .filter(|p| same(p))
            .map_or(claim.units.start, |p| p.units.start);
        let to = claims
            .get(ci + 1)
            .filter(|n| same(n))
            .map_or(claim.units.end, |n| n.units.end);
        let sentence = a.units[claim.units.start].sentence as usize;
        let (ss, se) = a.sentences.get(sentence).copied().unwrap_or((from, to));
        let ctx = Context {
            own: claim_keys(&a.units, claim.units.clone()),
            near: claim_keys(&a.units, from..to),
            sentence: claim_keys(&a.units, ss..se),
            polarity: polarities(&a.units, from..to),
        };
        let reason = Probe {
            rules,
            c,
            ws: &ws,
            r: claim.words.clone(),
            a,
            claim,
            ctx: &ctx,
            subject,
        }
        .check();
        if let Some(reason) = reason {
            out.push(ClaimFlag {
                phrase: clip(text.get(claim.span[0]..claim.span[1]).unwrap_or("")),
                reason,
                span: claim.span,
                units: claim.units.clone(),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_keep_contractions_and_spans() {
        let t = "It can\u{2019}t fail, Kafka's offsets";
        let w = words(t);
        assert_eq!(w[1].stem, "can't");
        assert_eq!(&t[w[3].start..w[3].end], "Kafka's");
    }

    #[test]
    fn a_denial_opening_the_clause_rejects_what_it_governs() {
        let at = |t: &str, phrase: &str| {
            let s = t.find(phrase).unwrap();
            rejected(t, [s, s + phrase.len()])
        };
        let far = "I wouldn't go to the VP and volunteer to take the blame myself.";
        assert!(at(far, "take the blame"));
        let whichever = "I wouldn't just blame whichever class has the most bytes.";
        assert!(at(whichever, "most bytes"));
        // a clause boundary or a contrast ends what the denial governs
        let comma = "We don't wait for the vendor, we take the blame ourselves.";
        assert!(!at(comma, "take the blame"));
        let contrast = "It isn't slow but the class with the most bytes is the leak.";
        assert!(!at(contrast, "most bytes"));
        assert!(!at("I'd take the blame myself.", "take the blame"));
        // a span past the last word looks back without reading past the end
        let t = "I wouldn't take it";
        assert!(rejected(t, [t.len(), t.len()]));
    }

    #[test]
    fn cues_are_read_from_the_data() {
        let c = cues();
        assert!(c.opposites.len() >= 5);
        assert!(c.certainty.iter().any(|p| p == &vec!["zero".to_string()]));
        // "scoped to exactly what the export does" is precision, not certainty
        assert!(
            !c.certainty
                .iter()
                .any(|p| p.first().is_some_and(|w| w == "exact"))
        );
        assert!(!c.insisted.is_empty());
    }
}
