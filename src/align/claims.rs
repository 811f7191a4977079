//! Claims: an answer segmented into clauses, each checked against the round's guidance before
//! it may count as coverage. A claim is a red flag when it
//! - states one side of an opposing pair (`[opposites]` in `concepts.txt`) where the guidance
//!   about the same subject states the other side, or lists both as a choice;
//! - gives a number for a quantity that conflicts with every number the guidance gives for it;
//! - makes an absolute-certainty claim (`[certainty]`) about something the guidance warns
//!   about, hedges, or describes as a wrong belief (Trap Alert, Trap Question Variant, Common
//!   Weak Answers);
//! - dismisses what the guidance insists on (`[dismiss-before]`, `[dismiss-after]`,
//!   `[insisted]`);
//! - restates a warned-against belief in other words (claim-level match of a weak answer or a
//!   quoted trap phrase).
//!
//! Every flag quotes the guidance sentence it contradicts. All rules are general and driven by
//! data; nothing here names a gauntlet.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::OnceLock;

use super::flags::{self, Role};
use super::stats::LibraryStats;
use super::text::{Analysis, CONCEPT_DATA, Lexicon, Unit, stem};
use crate::content::{Round, SectionKind};

/// Shared subject: at least this many content keys of a guidance statement in the claim...
const SUBJECT_KEYS: usize = 2;
/// ...weighing at least this much (library IDF weights, 0.08..=1 each).
const SUBJECT_WEIGHT: f64 = 0.6;
/// A claim whose whole subject is one or two keys shares it with a statement holding them
/// all, weighing at least this much.
const SUBJECT_WEIGHT_SMALL: f64 = 0.2;
/// An opposing pair is a strong cue: a smaller shared subject is enough.
const OPPOSITE_SUBJECT_WEIGHT: f64 = 0.35;
/// A claim restates a warned belief when it holds this share of the belief's weight.
const BELIEF_SHARE: f64 = 0.75;
/// With a certainty word, a smaller share of a warned belief is enough.
const BELIEF_SHARE_CERTAIN: f64 = 0.5;
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
/// Longest quoted guidance in a reason.
const MAX_QUOTE: usize = 220;
/// Connectives that start a new claim after a comma.
const CONNECTIVES: [&str; 10] = [
    "but", "and", "so", "which", "while", "whereas", "because", "although", "though", "since",
];

/// The cue lists of `concepts.txt`, as stemmed word sequences.
#[derive(Debug, Default)]
struct Cues {
    opposites: Vec<[Vec<Vec<String>>; 2]>,
    certainty: Vec<Vec<String>>,
    hedges: Vec<Vec<String>>,
    dismiss_before: Vec<Vec<String>>,
    dismiss_after: Vec<Vec<String>>,
    insisted: Vec<Vec<String>>,
    denials: Vec<Vec<String>>,
    hypothetical: Vec<Vec<String>>,
    post_denials: Vec<Vec<String>>,
    qualifiers: Vec<Vec<String>>,
    choices: Vec<Vec<String>>,
    approximate: Vec<Vec<String>>,
}

fn cues() -> &'static Cues {
    static CUES: OnceLock<Cues> = OnceLock::new();
    CUES.get_or_init(|| parse_cues(CONCEPT_DATA))
}

fn phrase(s: &str) -> Vec<String> {
    words(s).into_iter().map(|w| w.stem).collect()
}

fn parse_cues(data: &str) -> Cues {
    let mut c = Cues::default();
    let mut section = String::new();
    for line in data.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if line.starts_with('[') && line.ends_with(']') {
            section = line[1..line.len() - 1].to_string();
            continue;
        }
        let list = |s: &str| -> Vec<Vec<String>> {
            s.split(',').map(phrase).filter(|p| !p.is_empty()).collect()
        };
        match section.as_str() {
            "opposites" => {
                if let Some((a, b)) = line.split_once('|') {
                    c.opposites.push([list(a), list(b)]);
                }
            }
            "certainty" => c.certainty.extend(list(line)),
            "hedges" => c.hedges.extend(list(line)),
            "dismiss-before" => c.dismiss_before.extend(list(line)),
            "dismiss-after" => c.dismiss_after.extend(list(line)),
            "insisted" => c.insisted.extend(list(line)),
            "denials" => c.denials.extend(list(line)),
            "hypothetical" => c.hypothetical.extend(list(line)),
            "post-denials" => c.post_denials.extend(list(line)),
            "qualifiers" => c.qualifiers.extend(list(line)),
            "choices" => c.choices.extend(list(line)),
            "approximate" => c.approximate.extend(list(line)),
            _ => {}
        }
    }
    c
}

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
/// bad offset isn't free") or right before it ("not", "rather than").
pub(crate) fn rejected(text: &str, span: [usize; 2]) -> bool {
    const AFTER: usize = 5;
    let c = cues();
    let ws = words(text);
    let first = ws.partition_point(|w| w.start < span[0]);
    let past = ws.partition_point(|w| w.start < span[1]);
    let ends = |a: usize, b: usize| {
        text.get(a..b)
            .is_some_and(|t| t.contains(['.', '!', '?', ';']))
    };
    let mut stop = past;
    while stop < ws.len() && stop < past + AFTER && !ends(span[1], ws[stop].start) {
        stop += 1;
    }
    let after = !find_any(&ws, past..stop, &c.denials).is_empty();
    let from = first.saturating_sub(3);
    let before = (from..first).all(|i| !ends(ws[i].end, span[0]))
        && (!find_any(&ws, from..first, &c.denials).is_empty()
            || !find_any(&ws, from..first, &c.hypothetical).is_empty());
    after || before
}

/// A word of a text: lowercase stem and byte span.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    /// Snowball stem of the lowercase word (contractions and numbers kept whole).
    pub stem: String,
    /// Byte offset of the first character.
    pub start: usize,
    /// Byte offset one past the last character.
    pub end: usize,
    /// Written with a leading capital.
    pub capital: bool,
}

/// Split a text into words (letters, digits and inner apostrophes).
pub fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut buf = String::new();
    let mut capital = false;
    let mut flush = |start: &mut Option<usize>, buf: &mut String, capital: bool, end: usize| {
        if let Some(s) = start.take() {
            let w = buf.trim_end_matches('\'').to_string();
            if !w.is_empty() {
                let stem = if w.contains('\'') || w.chars().all(|c| c.is_ascii_digit()) {
                    w
                } else {
                    stem(&w)
                };
                out.push(Word {
                    stem,
                    start: s,
                    end,
                    capital,
                });
            }
            buf.clear();
        }
    };
    for (i, ch) in text.char_indices() {
        let apostrophe = ch == '\'' || ch == '\u{2019}';
        if ch.is_alphanumeric() || (apostrophe && start.is_some()) {
            if start.is_none() {
                start = Some(i);
                capital = ch.is_uppercase();
            }
            if apostrophe {
                buf.push('\'');
            } else {
                buf.extend(ch.to_lowercase());
            }
        } else {
            flush(&mut start, &mut buf, capital, i);
        }
    }
    flush(&mut start, &mut buf, capital, text.len());
    out
}

/// Start indices of `phrase` in `words[range]`.
fn find(words: &[Word], range: Range<usize>, phrase: &[String]) -> Vec<usize> {
    let n = phrase.len();
    if n == 0 || range.len() < n {
        return Vec::new();
    }
    (range.start..=range.end - n)
        .filter(|&i| {
            words[i..i + n]
                .iter()
                .zip(phrase)
                .all(|(w, p)| w.stem == *p)
        })
        .collect()
}

/// Occurrences (start, end word index) of any phrase of a list.
fn find_any(words: &[Word], range: Range<usize>, list: &[Vec<String>]) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = list
        .iter()
        .flat_map(|p| {
            find(words, range.clone(), p)
                .into_iter()
                .map(move |i| (i, i + p.len()))
        })
        .collect();
    out.sort_unstable();
    out
}

/// Whether a denial word sits within three words before word `i` (in the range).
fn denied(words: &[Word], range: &Range<usize>, i: usize) -> bool {
    let from = i.saturating_sub(3).max(range.start);
    cues()
        .denials
        .iter()
        .any(|d| !find(words, from..i, d).is_empty())
}

/// One claim of an answer: a clause-level run of units.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    /// Byte span in the text.
    pub span: [usize; 2],
    /// Unit index range in the analysis.
    pub units: Range<usize>,
    /// Word index range in [`words`] of the text.
    pub words: Range<usize>,
}

/// Segment an analysed text into claims: sentences split at semicolons, colons, dashes,
/// brackets and comma + connective ("…, but …", "…, so …").
pub fn segment(text: &str, a: &Analysis, ws: &[Word]) -> Vec<Claim> {
    let units = &a.units;
    let content = |r: Range<usize>| units[r].iter().filter(|u| u.content).count();
    let mut ranges: Vec<Range<usize>> = Vec::new();
    for &(s, e) in &a.sentences {
        let mut start = s;
        for k in s + 1..e {
            let gap = text.get(units[k - 1].end..units[k].start).unwrap_or("");
            let next = text
                .get(units[k].start..units[k].end)
                .unwrap_or("")
                .to_lowercase();
            let brk = gap.contains([';', ':', '(', ')', '\u{2014}', '\u{2013}'])
                || gap.contains(" - ")
                || (gap.contains(',') && CONNECTIVES.contains(&next.as_str()))
                || matches!(next.as_str(), "because" | "whereas" | "although");
            if brk && content(start..k) >= 2 && content(k..e) >= 2 {
                ranges.push(start..k);
                start = k;
            }
        }
        if start < e {
            ranges.push(start..e);
        }
    }
    let mut out = Vec::with_capacity(ranges.len());
    let mut w = 0;
    for r in ranges {
        let span = [units[r.start].start, units[r.end - 1].end];
        while w < ws.len() && ws[w].start < span[0] {
            w += 1;
        }
        let ws_start = w;
        while w < ws.len() && ws[w].start < span[1] {
            w += 1;
        }
        out.push(Claim {
            span,
            units: r,
            words: ws_start..w,
        });
    }
    out
}

/// Where a guidance statement comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    /// What the guidance holds true (Strong Answer, Trap text outside quotes, weak-answer
    /// explanations).
    Truth,
    /// A belief a trap section warns against (a quoted phrase).
    Warned,
    /// A common weak answer as said.
    Weak,
}

impl Source {
    fn belief(self) -> bool {
        self != Source::Truth
    }
}

/// A number for a quantity: the quantity's key, the value in base units and its dimension.
#[derive(Debug, Clone, PartialEq)]
struct Quantity {
    key: String,
    value: f64,
    dim: Option<&'static str>,
    /// Byte offset of the number in its text.
    at: usize,
}

/// One prepared guidance statement.
#[derive(Debug, Clone, PartialEq)]
struct Statement {
    source: Source,
    /// The sentence quoted in a reason.
    quote: String,
    /// Content keys with weight and negation (first occurrence).
    keys: Vec<(String, f64, bool)>,
    /// The whitespace chunk of each key (an identifier such as `session.timeout.ms` is one).
    chunks: Vec<u32>,
    /// Opposite sides present: (pair index, side).
    sides: Vec<(usize, usize)>,
    hedged: bool,
    certainties: Vec<Vec<String>>,
    numbers: Vec<Quantity>,
    /// Every number of the statement with its dimension, whatever it measures.
    values: Vec<(f64, Option<&'static str>)>,
    /// Content keys of the whole sentence the statement belongs to, with weights.
    context: Vec<(String, f64)>,
    /// Weight of what the statement says besides opposing-pair words (its focus: less is
    /// more focused).
    size: f64,
}

/// The claim rules of one round, prepared once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClaimRules {
    statements: Vec<Statement>,
    /// Keys the guidance insists on (dismissing them is a red flag), with a sentence to quote.
    insisted: HashMap<String, String>,
    /// Heavy keys of the Strong Answer no warned belief shares: dismissing one outright
    /// ("… isn't a concern") is a red flag too.
    heavy: HashMap<String, String>,
}

/// Unit (base units) of a unit key: dimension and factor.
fn unit_scale(key: &str) -> Option<(&'static str, f64)> {
    Some(match key {
        "u:ms" => ("time", 0.001),
        "u:s" => ("time", 1.0),
        "u:min" => ("time", 60.0),
        "u:h" => ("time", 3600.0),
        "u:day" => ("time", 86_400.0),
        "u:week" => ("time", 604_800.0),
        "u:month" => ("time", 2_592_000.0),
        "u:year" => ("time", 31_536_000.0),
        "u:kb" => ("size", 1e3),
        "u:mb" => ("size", 1e6),
        "u:gb" => ("size", 1e9),
        "u:tb" => ("size", 1e12),
        "u:%" => ("share", 1.0),
        _ => return None,
    })
}

fn is_hedge_key(key: &str) -> bool {
    cues().hedges.iter().any(|h| h.len() == 1 && h[0] == key)
}

/// Numbers in a unit range with the quantity each one measures: the closest key before it
/// (or after it) that `quantity` accepts.
fn quantities(
    units: &[Unit],
    range: Range<usize>,
    quantity: impl Fn(&Unit) -> bool,
) -> Vec<Quantity> {
    let mut out = Vec::new();
    for i in range.clone() {
        let u = &units[i];
        if !u.number {
            continue;
        }
        // Skip the second number of a range ("1-5 minutes" keeps both values via the first).
        let Ok(v) = u.key.parse::<f64>() else {
            continue;
        };
        let mut j = i + 1;
        while j < range.end && units[j].number {
            j += 1;
        }
        let scale = units
            .get(j)
            .filter(|x| j < range.end && x.unit)
            .and_then(|x| unit_scale(&x.key));
        let good = |x: &Unit| {
            x.content
                && !x.number
                && !x.unit
                && !is_hedge_key(&x.key)
                && x.sentence == u.sentence
                && quantity(x)
        };
        let before = (0..i)
            .rev()
            .filter(|&k| units[k].content && !units[k].number)
            .take(QUANTITY_REACH)
            .find(|&k| good(&units[k]));
        let Some(q) = before else { continue };
        out.push(Quantity {
            key: units[q].key.clone(),
            value: v * scale.map_or(1.0, |s| s.1),
            dim: scale.map(|s| s.0),
            at: u.start,
        });
    }
    out
}

/// Every number in a unit range (value in base units, dimension).
fn values_only(
    units: &[Unit],
    range: Range<usize>,
) -> impl Iterator<Item = (f64, Option<&'static str>)> + '_ {
    range.clone().filter_map(move |i| {
        let u = &units[i];
        let v = u.key.parse::<f64>().ok().filter(|_| u.number)?;
        let mut j = i + 1;
        while j < range.end && units[j].number {
            j += 1;
        }
        let scale = units
            .get(j)
            .filter(|x| j < range.end && x.unit)
            .and_then(|x| unit_scale(&x.key));
        Some((v * scale.map_or(1.0, |s| s.1), scale.map(|s| s.0)))
    })
}

/// Content keys (and merged-phrase parts) of a whole analysed text, with weights.
fn context_keys(units: &[Unit], stats: &LibraryStats) -> Vec<(String, f64)> {
    let mut out: Vec<(String, f64)> = Vec::new();
    for u in units.iter().filter(|u| u.content && !u.number) {
        for k in key_and_parts(&u.key) {
            if !out.iter().any(|x| x.0 == k) {
                out.push((k.to_string(), stats.weight(k)));
            }
        }
    }
    out
}

fn clip(s: &str) -> String {
    let s = s
        .trim()
        .trim_matches(|c| c == '"' || c == '\u{201c}' || c == '\u{201d}');
    if s.len() <= MAX_QUOTE {
        return s.to_string();
    }
    let mut cut = MAX_QUOTE;
    while !s.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}…", &s[..cut])
}

/// Byte ranges of quoted passages in a text.
fn quoted(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut open: Option<(usize, char)> = None;
    for (i, c) in text.char_indices() {
        match (open, c) {
            (None, '"') => open = Some((i, '"')),
            (None, '\u{201c}') => open = Some((i, '\u{201d}')),
            (Some((s, close)), c) if c == close => {
                out.push((s, i + c.len_utf8()));
                open = None;
            }
            _ => {}
        }
    }
    out
}

impl ClaimRules {
    fn push(
        &mut self,
        source: Source,
        quote: &str,
        text: &str,
        lexicon: &Lexicon,
        stats: &LibraryStats,
    ) {
        let a = lexicon.analyze(text);
        let ws = words(text);
        for claim in segment(text, &a, &ws) {
            self.push_claim(source, quote, text, &a, &ws, &claim, stats);
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn push_claim(
        &mut self,
        source: Source,
        quote: &str,
        text: &str,
        a: &Analysis,
        ws: &[Word],
        claim: &Claim,
        stats: &LibraryStats,
    ) {
        let units = &a.units[claim.units.clone()];
        let mut keys: Vec<(String, f64, bool)> = Vec::new();
        let mut chunks = Vec::new();
        // A belief's numbers are part of what is said ("a 200 means the batch succeeded").
        let with_numbers = source.belief();
        for u in units
            .iter()
            .filter(|u| u.content && (with_numbers || !u.number))
        {
            for k in key_and_parts(&u.key) {
                if !keys.iter().any(|x| x.0 == k) {
                    keys.push((k.to_string(), stats.weight(k), u.negated));
                    chunks.push(u.chunk);
                }
            }
        }
        if keys.is_empty() {
            return;
        }
        let c = cues();
        let r = claim.words.clone();
        let mut sides = Vec::new();
        let mut cue_keys: Vec<&str> = Vec::new();
        for (p, pair) in c.opposites.iter().enumerate() {
            for (side, list) in pair.iter().enumerate() {
                let found = find_any(ws, r.clone(), list);
                if !found.is_empty() {
                    sides.push((p, side));
                }
                for (i, e) in found {
                    cue_keys.extend((i..e).filter_map(|wi| unit_key_at(a, ws[wi].start)));
                }
            }
        }
        let context = context_keys(&a.units, stats);
        let size = context
            .iter()
            .filter(|k| !cue_keys.contains(&k.0.as_str()))
            .map(|k| k.1)
            .sum();
        let quote = if quote.is_empty() {
            text.get(claim.span[0]..claim.span[1]).unwrap_or("")
        } else {
            quote
        };
        self.statements.push(Statement {
            source,
            quote: clip(quote),
            keys,
            chunks,
            sides,
            hedged: !find_any(ws, r.clone(), &c.hedges).is_empty(),
            certainties: c
                .certainty
                .iter()
                .filter(|p| !find(ws, r.clone(), p).is_empty())
                .cloned()
                .collect(),
            numbers: quantities(&a.units, claim.units.clone(), |x| {
                stats.weight(&x.key) >= QUANTITY_WEIGHT
            }),
            values: quantities(&a.units, claim.units.clone(), |_| true)
                .into_iter()
                .map(|q| (q.value, q.dim))
                .chain(values_only(&a.units, claim.units.clone()))
                .collect(),
            context,
            size,
        });
    }
}

/// Sentences of a text as byte ranges (split after '.', '!' or '?' followed by a space).
fn sentences(text: &str) -> Vec<(usize, usize)> {
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
    for t in texts(SectionKind::StrongAnswer) {
        for (s, e) in sentences(t) {
            let sentence = &t[s..e];
            rules.push(Source::Truth, sentence, sentence, lexicon, stats);
        }
    }
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
                        let inner = t.get(qs..qe).unwrap_or("");
                        let quote = t.get(ss..se).unwrap_or(inner);
                        rules.push(Source::Warned, quote, inner, lexicon, stats);
                        blank.push((qs, qe));
                    }
                    Role::Neutral if t.get(qs..qe).is_some_and(|q| q.contains('?')) => {
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
    for item in round.weak_answers() {
        let (belief, explanation) = split_weak(item);
        if !belief.is_empty() && !is_absence(belief) {
            rules.push(Source::Weak, item, belief, lexicon, stats);
        }
        if !explanation.is_empty() {
            rules.push(Source::Truth, explanation, explanation, lexicon, stats);
        }
    }
    // What the guidance insists on: the [insisted] practices it names, and the heaviest keys of
    // the Strong Answer and the trap hedges that no warned belief shares.
    let belief_keys: Vec<&str> = rules
        .statements
        .iter()
        .filter(|s| s.source.belief())
        .flat_map(|s| s.keys.iter().map(|k| k.0.as_str()))
        .collect();
    let mut insisted: HashMap<String, String> = HashMap::new();
    let insisted_cues = insisted_keys(lexicon);
    let mut heavy: HashMap<String, String> = HashMap::new();
    for s in rules
        .statements
        .iter()
        .filter(|s| s.source == Source::Truth)
    {
        for (k, w, neg) in &s.keys {
            if *neg || belief_keys.contains(&k.as_str()) {
                continue;
            }
            if insisted_cues.contains(k) {
                insisted.entry(k.clone()).or_insert_with(|| s.quote.clone());
            } else if *w >= HEAVY_WEIGHT {
                heavy.entry(k.clone()).or_insert_with(|| s.quote.clone());
            }
        }
    }
    rules.heavy = heavy;
    rules.insisted = insisted;
    rules
}

fn is_absence(belief: &str) -> bool {
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

/// Split a weak-answer item into the belief (quoted words, or the text before the dash) and
/// the explanation after it.
fn split_weak(item: &str) -> (&str, &str) {
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

/// The key of the content unit covering byte `at`.
fn unit_key_at(a: &Analysis, at: usize) -> Option<&str> {
    a.units
        .iter()
        .find(|u| u.start <= at && at < u.end)
        .filter(|u| u.content)
        .map(|u| u.key.as_str())
}

/// Whether the belief's keys found in the claim sit close together (a phrase, not words
/// scattered over a long clause).
fn close_together(a: &Analysis, claim: &Claim, belief: &Statement) -> bool {
    let mut at: Vec<usize> = Vec::new();
    for (k, _, _) in &belief.keys {
        if let Some(i) = claim
            .units
            .clone()
            .find(|&i| key_and_parts(&a.units[i].key).any(|x| x == k))
        {
            at.push(i);
        }
    }
    let (Some(lo), Some(hi)) = (at.iter().min(), at.iter().max()) else {
        return false;
    };
    hi - lo <= belief.keys.len() * 2 + 3
}

/// Shared subject weight and count between claim keys and a statement's whole sentence.
fn overlap_context(keys: &HashMap<&str, bool>, extra: &[String], s: &Statement) -> (f64, usize) {
    let mut w = 0.0;
    let mut n = 0;
    for (k, kw) in &s.context {
        if keys.contains_key(k.as_str()) || extra.iter().any(|e| e == k) {
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

/// Check every claim of an analysed answer. `subject` adds keys every claim is about (the
/// follow-up question's, for a follow-up answer).
pub fn check(rules: &ClaimRules, text: &str, a: &Analysis, subject: &[String]) -> Vec<ClaimFlag> {
    let ws = words(text);
    let c = cues();
    let mut out = Vec::new();
    let claims = segment(text, a, &ws);
    for (ci, claim) in claims.iter().enumerate() {
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
        let r = claim.words.clone();
        let reason = check_claim(rules, c, &ws, &r, a, claim, &ctx, subject);
        if std::env::var_os("ALIGN_DEBUG").is_some() {
            eprintln!(
                "CLAIM {:?} keys={:?} -> {:?}",
                text.get(claim.span[0]..claim.span[1]),
                ctx.near,
                reason
            );
        }
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

#[allow(clippy::too_many_arguments)]
fn check_claim(
    rules: &ClaimRules,
    c: &Cues,
    ws: &[Word],
    r: &Range<usize>,
    a: &Analysis,
    claim: &Claim,
    ctx: &Context<'_>,
    subject: &[String],
) -> Option<String> {
    let truths = || {
        rules
            .statements
            .iter()
            .filter(|s| s.source == Source::Truth)
    };
    let hedged_claim = !find_any(ws, r.clone(), &c.hedges).is_empty();
    // A claim that names a choice ("depends on whether …") asserts neither side of a pair.
    let choice = !find_any(ws, r.clone(), &c.choices).is_empty();
    // 1. Opposing pairs.
    for (p, pair) in c.opposites.iter().enumerate() {
        if choice {
            break;
        }
        let has = |side: usize| {
            find_any(ws, r.clone(), &pair[side])
                .into_iter()
                .any(|(i, e)| {
                    // "Rolling back … is impossible": denied after the fact.
                    let after = e..(e + 4).min(r.end);
                    !denied(ws, r, i) && find_any(ws, after, &c.post_denials).is_empty()
                })
        };
        let (a0, a1) = (has(0), has(1));
        if a0 == a1 {
            continue;
        }
        let side = usize::from(a1);
        // The subject is what the claim says besides the pair's own words.
        let cue_keys: Vec<&str> = [0, 1]
            .iter()
            .flat_map(|&sd| find_any(ws, r.clone(), &pair[sd]))
            .flat_map(|(i, e)| (i..e).filter_map(|wi| unit_key_at(a, ws[wi].start)))
            .collect();
        let subject_keys: HashMap<&str, bool> = ctx
            .sentence
            .iter()
            .filter(|(k, _)| !cue_keys.contains(k))
            .map(|(k, v)| (*k, *v))
            .collect();
        let keys = &subject_keys;
        // The statement about this subject: among those naming the pair and sharing the
        // subject (at least half as much as the best-sharing statement of all), the one sharing
        // most; on a tie the more focused one (less else said), then the agreeing one.
        let n_subject = keys.len() + subject.len();
        let shares = |ov: (f64, usize)| {
            (ov.1 >= SUBJECT_KEYS && ov.0 >= OPPOSITE_SUBJECT_WEIGHT)
                || (ov.1 >= 1 && ov.1 >= n_subject && ov.0 >= SUBJECT_WEIGHT_SMALL)
        };
        let mut top = 0.0f64;
        for st in truths() {
            let ov = overlap_context(keys, subject, st);
            if shares(ov) {
                top = top.max(ov.0);
            }
        }
        let mut best: Option<((f64, f64, bool), &Statement)> = None;
        for st in truths().filter(|st| st.sides.iter().any(|&(q, _)| q == p)) {
            let ov = overlap_context(keys, subject, st);
            if !shares(ov) || ov.0 < OPPOSITE_NEAR * top {
                continue;
            }
            let rank = (ov.0, -st.size, st.sides.contains(&(p, side)));
            let better = best.is_none_or(|(b, _)| {
                rank.0 > b.0 + 1e-9
                    || ((rank.0 - b.0).abs() <= 1e-9
                        && (rank.1 > b.1 + 1e-9
                            || ((rank.1 - b.1).abs() <= 1e-9 && rank.2 && !b.2)))
            });
            if better {
                best = Some((rank, st));
            }
        }
        if let Some((_, s)) = best {
            let other = s.sides.contains(&(p, 1 - side));
            let same = s.sides.contains(&(p, side));
            if other && !(same && hedged_claim) {
                let how = if same {
                    "states one side of what the guidance treats as a choice"
                } else {
                    "asserts the opposite of the guidance"
                };
                return Some(format!(
                    "Contradiction: the answer {how}: \u{201c}{}\u{201d}",
                    s.quote
                ));
            }
        }
    }
    // 2. Conflicting numbers for the same quantity.
    let known = |x: &Unit| truths().any(|s| s.numbers.iter().any(|n| n.key == x.key));
    for q in quantities(&a.units, claim.units.clone(), known) {
        // "a few hundred", "several": an estimate, not a value that can conflict.
        let w = ws.partition_point(|w| w.start < q.at);
        if !find_any(ws, w.saturating_sub(2).max(r.start)..w, &c.approximate).is_empty() {
            continue;
        }
        let same: Vec<(&Statement, &Quantity)> = truths()
            .flat_map(|s| s.numbers.iter().map(move |n| (s, n)))
            .filter(|(_, n)| n.key == q.key)
            .collect();
        if same.is_empty() {
            continue;
        }
        let comparable = |n: &Quantity| (n.value == 0.0 || q.value == 0.0) || n.dim == q.dim;
        let cmp: Vec<&(&Statement, &Quantity)> =
            same.iter().filter(|(_, n)| comparable(n)).collect();
        if cmp.is_empty() {
            continue;
        }
        let agrees = cmp.iter().any(|(_, n)| {
            if n.value == 0.0 || q.value == 0.0 {
                n.value == q.value
            } else {
                let ratio = q.value / n.value;
                (1.0 / NUMBER_FACTOR..=NUMBER_FACTOR).contains(&ratio)
            }
        });
        // The same value anywhere in the guidance (same dimension) is not a conflict either.
        let anywhere = truths().any(|s| {
            s.values.iter().any(|&(v, dim)| {
                (dim == q.dim || dim.is_none() || q.dim.is_none())
                    && (v - q.value).abs() <= 0.1 * v.abs().max(1e-9)
            })
        });
        if !agrees && !anywhere {
            let (s, _) = cmp[0];
            return Some(format!(
                "Conflicting number: the guidance gives another value for the same quantity: \u{201c}{}\u{201d}",
                s.quote
            ));
        }
    }
    // 3. Certainty where the guidance warns or hedges.
    let certain: Vec<&Vec<String>> = c
        .certainty
        .iter()
        .filter(|p| {
            find(ws, r.clone(), p).into_iter().any(|i| {
                // A capitalised certainty word mid-sentence is a name ("rotationPolicy Never").
                let capital = i > r.start && ws[i].capital;
                if capital || denied(ws, r, i) {
                    return false;
                }
                // "instant only once granted", "zero unless …": a qualified certainty.
                let next = i + p.len()..(i + p.len() + 3).min(r.end);
                if !find_any(ws, next, &c.qualifiers).is_empty() {
                    return false;
                }
                // "never … zero", "not … at all": a denial of a certainty.
                let after = i + p.len()..(i + p.len() + 4).min(r.end);
                !(p.len() == 1
                    && matches!(p[0].as_str(), "never" | "no")
                    && !find_any(ws, after, &c.certainty).is_empty())
            })
        })
        .collect();
    // 4. Beliefs restated: with a certainty word, or nearly whole and asserted (not
    // hypothetical, not denied anywhere in the claim).
    let hypothetical = !find_any(ws, r.clone(), &c.hypothetical).is_empty();
    let mut best_belief: Option<(f64, &Statement)> = None;
    for s in rules.statements.iter().filter(|s| s.source.belief()) {
        if s.keys.len() < 2 {
            continue;
        }
        // Weigh by chunk: an identifier ("session.timeout.ms") is one thing said, however
        // many words it splits into.
        let keys = if certain.is_empty() {
            &ctx.own
        } else {
            &ctx.near
        };
        let mut chunk_w: Vec<(u32, f64, bool)> = Vec::new();
        let mut rejected = false;
        for ((k, w, neg), chunk) in s.keys.iter().zip(&s.chunks) {
            // The belief's own certainty word ("definitely") is what the claim's certainty
            // word stands for; it is not part of the subject.
            if c.certainty.iter().any(|p| p.len() == 1 && p[0] == *k) {
                continue;
            }
            let hit = keys.get(k.as_str()).is_some_and(|&cn| cn == *neg);
            if ctx
                .polarity
                .get(k.as_str())
                .is_some_and(|p| p[usize::from(!*neg)])
            {
                rejected = true;
            }
            match chunk_w.iter_mut().find(|c| c.0 == *chunk) {
                Some(c) => {
                    c.1 = c.1.max(*w);
                    c.2 |= hit;
                }
                None => chunk_w.push((*chunk, *w, hit)),
            }
        }
        if rejected {
            continue;
        }
        let total: f64 = chunk_w.iter().map(|c| c.1).sum();
        let got: f64 = chunk_w.iter().filter(|c| c.2).map(|c| c.1).sum();
        let n = chunk_w.iter().filter(|c| c.2).count();
        if total <= 0.0 {
            continue;
        }
        let share = got / total;
        let enough = if certain.is_empty() {
            s.source == Source::Warned
                && share >= BELIEF_SHARE
                && n >= 2
                && !hypothetical
                && close_together(a, claim, s)
        } else {
            share >= BELIEF_SHARE_CERTAIN && n >= 2
        };
        if enough && best_belief.is_none_or(|(b, _)| share > b) {
            best_belief = Some((share, s));
        }
    }
    // A certainty the guidance itself states about the same subject is agreement.
    let agreed = |keys: &HashMap<&str, bool>| {
        rules.statements.iter().any(|s| {
            s.source == Source::Truth
                && certain.iter().any(|p| s.certainties.contains(p))
                && shares_subject(overlap(keys, subject, s))
        })
    };
    if let Some((_, s)) = best_belief
        && (certain.is_empty() || !agreed(&ctx.near))
    {
        return Some(format!(
            "Restates a belief the guidance warns against: \u{201c}{}\u{201d}",
            s.quote
        ));
    }
    if !certain.is_empty() {
        // Certainty is about what sits next to it: its comma clause and the one before.
        let mut local: HashMap<&str, bool> = HashMap::new();
        for (i, _) in find_any(
            ws,
            r.clone(),
            &certain.iter().map(|p| (*p).clone()).collect::<Vec<_>>(),
        ) {
            let Some(at) = a
                .units
                .iter()
                .position(|u| u.start <= ws[i].start && ws[i].start < u.end)
            else {
                continue;
            };
            let (sentence, clause) = (a.units[at].sentence, a.units[at].clause);
            for u in a.units.iter().filter(|u| {
                u.sentence == sentence
                    && (u.clause == clause || u.clause + 1 == clause)
                    && u.content
                    && !u.number
            }) {
                local.entry(u.key.as_str()).or_insert(u.negated);
            }
        }
        let keys = &local;
        // "zero" as a value the guidance uses too ("scale to zero", "idx_scan = 0").
        let zero = vec!["zero".to_string()];
        let certain: Vec<&Vec<String>> = certain
            .iter()
            .copied()
            .filter(|p| {
                **p != zero
                    || !truths().any(|s| {
                        s.values.iter().any(|v| v.0 == 0.0)
                            && s.context.iter().any(|k| keys.contains_key(k.0.as_str()))
                    })
            })
            .collect();
        let mut best: Option<((f64, usize), &Statement)> = None;
        // A plain guidance statement that is itself absolute ("can't", "never") about what
        // the certainty is about: when it shares more of the subject than any warned or
        // hedged one, the claim restates it.
        let mut plain = 0.0f64;
        for s in rules.statements.iter() {
            let ov = overlap_context(keys, subject, s);
            if s.source == Source::Truth && !s.hedged {
                let absolute = !s.certainties.is_empty() || s.keys.iter().any(|k| k.2);
                if absolute && shares_subject(ov) {
                    plain = plain.max(ov.0);
                }
                continue;
            }
            if shares_subject(ov) && best.is_none_or(|(b, _)| ov.0 > b.0) {
                best = Some((ov, s));
            }
        }
        if best.is_some_and(|(b, _)| plain > b.0 + 1e-9) {
            best = None;
        }
        let agreed = rules.statements.iter().any(|s| {
            s.source == Source::Truth
                && certain.iter().any(|p| s.certainties.contains(p))
                && shares_subject(overlap(keys, subject, s))
        });
        if let Some((_, s)) = best
            && !certain.is_empty()
            && !agreed
            && !certain.iter().any(|p| s.certainties.contains(p))
        {
            let what = if s.source.belief() {
                "a belief the guidance warns against"
            } else {
                "what the guidance hedges"
            };
            return Some(format!(
                "Certainty about {what}: \u{201c}{}\u{201d}",
                s.quote
            ));
        }
    }
    // 5. Dismissals of what the guidance insists on.
    let key_at = |wi: usize| -> Option<&str> {
        let w = &ws[wi];
        a.units
            .iter()
            .find(|u| u.start <= w.start && w.start < u.end)
            .filter(|u| u.content)
            .map(|u| u.key.as_str())
    };
    // A new subject ("… I'd capture …") ends what a dismissal reaches.
    let subject_word = |wi: usize| {
        matches!(
            ws[wi].stem.as_str(),
            "i" | "i'd" | "i'll" | "we" | "we'd" | "we'll" | "you" | "they" | "it" | "then"
        )
    };
    for (i, e) in find_any(ws, r.clone(), &c.dismiss_before) {
        if denied(ws, r, i) {
            continue;
        }
        for wi in e..(e + DISMISS_REACH).min(r.end) {
            if subject_word(wi) {
                break;
            }
            if let Some(k) = key_at(wi)
                && let Some(q) = rules.insisted.get(k)
            {
                return Some(format!(
                    "Dismisses what the guidance insists on: \u{201c}{q}\u{201d}"
                ));
            }
        }
    }
    for (i, _) in find_any(ws, r.clone(), &c.dismiss_after) {
        for wi in (i.saturating_sub(DISMISS_REACH).max(r.start)..i).rev() {
            if let Some(k) = key_at(wi)
                && let Some(q) = rules.insisted.get(k).or_else(|| rules.heavy.get(k))
            {
                return Some(format!(
                    "Dismisses what the guidance insists on: \u{201c}{q}\u{201d}"
                ));
            }
        }
    }
    None
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
    fn cues_are_read_from_the_data() {
        let c = cues();
        assert!(c.opposites.len() >= 5);
        assert!(c.certainty.iter().any(|p| p == &vec!["zero".to_string()]));
        assert!(!c.insisted.is_empty());
    }
}
