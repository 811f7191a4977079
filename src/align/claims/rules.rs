//! Prepared guidance statements: their keys, opposing-pair sides, certainty, hedges and
//! numbers for quantities.

use std::collections::HashMap;
use std::ops::Range;

use super::words::{Claim, Word, denied, denied_after, find_any, said, segment, words};
use super::{
    MAX_QUOTE, QUANTITY_REACH, QUANTITY_WEIGHT, cues, key_and_parts, overlap, shares_subject,
    unit_key_at,
};
use crate::align::stats::LibraryStats;
use crate::align::text::{Analysis, Lexicon, Unit};

/// The content keys of some units with weight and negation (first occurrence), and the
/// whitespace chunk of each.
fn keys_of(
    units: &[Unit],
    stats: &LibraryStats,
    with_numbers: bool,
) -> (Vec<(String, f64, bool)>, Vec<u32>) {
    let mut keys: Vec<(String, f64, bool)> = Vec::new();
    let mut chunks = Vec::new();
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
    (keys, chunks)
}

/// The opposing-pair sides a claim states, as (pair index, side), and the keys of the
/// words that state them.
fn sides_of<'a>(
    a: &'a Analysis,
    ws: &[Word],
    r: Range<usize>,
) -> (Vec<(usize, usize)>, Vec<&'a str>) {
    let mut sides = Vec::new();
    let mut cue_keys: Vec<&str> = Vec::new();
    for (p, pair) in cues().opposites.iter().enumerate() {
        for (side, list) in pair.iter().enumerate() {
            // "hard to undo", "cannot roll back", "the synchronous call off the critical
            // path": a side denied before or after is not stated
            let found: Vec<_> = find_any(ws, r.clone(), list)
                .into_iter()
                .filter(|&(i, e)| !denied(ws, &r, i) && !denied_after(ws, &r, e))
                .collect();
            if !found.is_empty() {
                sides.push((p, side));
            }
            for (i, e) in found {
                cue_keys.extend((i..e).filter_map(|wi| unit_key_at(a, ws[wi].start)));
            }
        }
    }
    (sides, cue_keys)
}

/// Where a guidance statement comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Source {
    /// What the guidance holds true (Strong Answer, Trap text outside quotes, weak-answer
    /// explanations).
    Truth,
    /// A belief a trap section warns against (a quoted phrase).
    Warned,
    /// A common weak answer as said.
    Weak,
    /// What an interviewer's question in a trap section puts forward to be challenged ("Your
    /// table now has time travel, so you can roll back in seconds. Why isn't that enough?"):
    /// often true, but not to be stated as settled. Neither a truth nor a belief.
    Challenged,
}

impl Source {
    pub(super) fn belief(self) -> bool {
        matches!(self, Source::Warned | Source::Weak)
    }
}

/// A number for a quantity: the quantity's key, the value in base units and its dimension.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Quantity {
    pub(super) key: String,
    pub(super) value: f64,
    pub(super) dim: Option<&'static str>,
    /// Byte offset of the number in its text.
    pub(super) at: usize,
}

/// One prepared guidance statement.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Statement {
    pub(super) source: Source,
    /// The sentence quoted in a reason.
    pub(super) quote: String,
    /// Content keys with weight and negation (first occurrence).
    pub(super) keys: Vec<(String, f64, bool)>,
    /// The whitespace chunk of each key (an identifier such as `session.timeout.ms` is one).
    pub(super) chunks: Vec<u32>,
    /// Opposite sides present: (pair index, side).
    pub(super) sides: Vec<(usize, usize)>,
    pub(super) hedged: bool,
    /// Hedged only by "if": a condition ("If it's Class, metaspace is growing"), which a
    /// denial about the same subject does not go against.
    pub(super) conditional: bool,
    /// Says something of every case ("every client fetches …", "always").
    pub(super) universal: bool,
    pub(super) certainties: Vec<Vec<String>>,
    /// The `[hypothetical]` cues it says itself ("would", "could").
    pub(super) hypotheses: Vec<Vec<String>>,
    pub(super) numbers: Vec<Quantity>,
    /// Every number of the statement with its dimension, whatever it measures.
    pub(super) values: Vec<(f64, Option<&'static str>)>,
    /// Content keys of the whole sentence the statement belongs to, with weights.
    pub(super) context: Vec<(String, f64)>,
    /// Weight of what the statement says besides opposing-pair words (its focus: less is
    /// more focused).
    pub(super) size: f64,
    /// From a trap section or a common weak answer: about what candidates get wrong.
    pub(super) trap: bool,
    /// For a common weak answer, the content keys of its explanation that it does not say
    /// itself ("drift", "fail" for "The app writes to Postgres and then to OpenSearch — two
    /// writes … drift when one fails"): a claim giving those reasons discusses the weak
    /// answer rather than giving it. For a warned phrase, the keys of what the warning says
    /// must come with it ("\"…\" without naming the setting is the red flag"): a claim whose
    /// sentence says one of them is not the warned mistake.
    pub(super) reasons: Vec<String>,
}

/// The claim rules of one round, prepared once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClaimRules {
    pub(super) statements: Vec<Statement>,
    /// Keys the guidance insists on (dismissing them is a red flag), with a sentence to quote.
    /// Neither these nor `heavy` come from a sentence that itself dismisses something.
    pub(super) insisted: HashMap<String, String>,
    /// Heavy keys of the Strong Answer no warned belief shares: dismissing one outright
    /// ("… isn't a concern", "no need for …") is a red flag too.
    pub(super) heavy: HashMap<String, String>,
}

impl ClaimRules {
    /// What the guidance holds true.
    pub(super) fn truths(&self) -> impl Iterator<Item = &Statement> {
        self.statements.iter().filter(|s| s.source == Source::Truth)
    }

    /// Does the guidance itself give one of the certainty phrases `certain` about what `keys`
    /// (with `subject`) name? Then a claim saying so agrees with it.
    pub(super) fn agrees(
        &self,
        certain: &[&Vec<String>],
        keys: &HashMap<&str, bool>,
        subject: &[String],
    ) -> bool {
        self.truths().any(|s| {
            certain.iter().any(|p| s.certainties.contains(p))
                && shares_subject(overlap(keys, subject, s))
        })
    }
}

/// Unit (base units) of a unit key: dimension and factor.
pub(super) fn unit_scale(key: &str) -> Option<(&'static str, f64)> {
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

pub(super) fn is_hedge_key(key: &str) -> bool {
    cues().hedges.iter().any(|h| h.len() == 1 && h[0] == key)
}

/// Numbers in a unit range with the quantity each one measures: the closest key before it
/// (or after it) that `quantity` accepts.
pub(super) fn quantities(
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
        // "zero risk", "zero downtime": a zero right before a word counts that word
        let counts_next = v == 0.0
            && i + 1 < range.end
            && units[i + 1].content
            && !units[i + 1].number
            && !units[i + 1].unit;
        let q = if counts_next {
            Some(i + 1).filter(|&k| good(&units[k]))
        } else {
            (0..i)
                .rev()
                .filter(|&k| units[k].content && !units[k].number)
                .take(QUANTITY_REACH)
                .find(|&k| good(&units[k]))
        };
        let Some(q) = q else { continue };
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
pub(super) fn values_only(
    units: &[Unit],
    range: Range<usize>,
) -> impl Iterator<Item = (f64, Option<&'static str>)> + '_ {
    numbers_at(units, range).map(|(_, v, dim)| (v, dim))
}

/// Every number in a unit range with its unit index (value in base units, dimension).
pub(super) fn numbers_at(
    units: &[Unit],
    range: Range<usize>,
) -> impl Iterator<Item = (usize, f64, Option<&'static str>)> + '_ {
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
        Some((i, v * scale.map_or(1.0, |s| s.1), scale.map(|s| s.0)))
    })
}

/// Content keys (and merged-phrase parts) of a whole analysed text, with weights.
pub(super) fn context_keys(units: &[Unit], stats: &LibraryStats) -> Vec<(String, f64)> {
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

pub(super) fn clip(s: &str) -> String {
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
pub(super) fn quoted(text: &str) -> Vec<(usize, usize)> {
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
    pub(super) fn push(
        &mut self,
        source: Source,
        quote: &str,
        text: &str,
        lexicon: &Lexicon,
        stats: &LibraryStats,
    ) {
        let a = lexicon.analyze(text);
        let ws = words(text);
        let claims = segment(text, &a, &ws);
        let said = if source.belief() {
            belief_claims(&claims, &ws)
        } else {
            claims.iter().collect()
        };
        for claim in said {
            self.push_claim(source, quote, text, &a, &ws, claim, stats);
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub(super) fn push_claim(
        &mut self,
        source: Source,
        quote: &str,
        text: &str,
        a: &Analysis,
        ws: &[Word],
        claim: &Claim,
        stats: &LibraryStats,
    ) {
        // A belief's numbers are part of what is said ("a 200 means the batch succeeded").
        let (keys, chunks) = keys_of(&a.units[claim.units.clone()], stats, source.belief());
        if keys.is_empty() {
            return;
        }
        let c = cues();
        let r = claim.words.clone();
        let (sides, cue_keys) = sides_of(a, ws, r.clone());
        let context = context_keys(&a.units, stats);
        let size = context
            .iter()
            .filter(|k| !cue_keys.contains(&k.0.as_str()))
            .map(|k| k.1)
            .sum();
        let said_owned = |cues: &[Vec<String>]| -> Vec<Vec<String>> {
            said(ws, r.clone(), cues).into_iter().cloned().collect()
        };
        let quote = if quote.is_empty() {
            text.get(claim.span[0]..claim.span[1]).unwrap_or("")
        } else {
            quote
        };
        let hedges = undenied(ws, &r, &c.hedges);
        self.statements.push(Statement {
            source,
            quote: clip(quote),
            keys,
            chunks,
            sides,
            hedged: !hedges.is_empty(),
            conditional: !hedges.is_empty() && hedges.iter().all(|&i| ws[i].stem == "if"),
            universal: !find_any(ws, r.clone(), &c.universals).is_empty(),
            certainties: said_owned(&c.certainty),
            hypotheses: said_owned(&c.hypothetical),
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
            trap: false,
            reasons: Vec::new(),
        });
    }
}

/// Where in words `r` of `ws` a phrase of `cues` starts and is not denied ("doesn't depend on
/// Redis" is no hedge).
fn undenied(ws: &[Word], r: &Range<usize>, cues: &[Vec<String>]) -> Vec<usize> {
    find_any(ws, r.clone(), cues)
        .into_iter()
        .map(|(i, _)| i)
        .filter(|&i| !denied(ws, r, i))
        .collect()
}

/// The claims of a belief that hold what is wrong in it. A belief drawn from a premise
/// ("AWS quarantined it, so the key is harmless") is wrong in its conclusion; the premise is
/// often true, and an answer stating only the premise does not hold the belief. So claims
/// before one opening with a consequence ("so", "therefore") and claims giving a reason
/// ("because …", "since …") are left out, unless nothing would be left.
fn belief_claims<'c>(claims: &'c [Claim], ws: &[Word]) -> Vec<&'c Claim> {
    let opens = |c: &Claim, with: &[&str]| {
        ws.get(c.words.start)
            .is_some_and(|w| with.contains(&w.stem.as_str()))
    };
    let from = claims
        .iter()
        .rposition(|c| opens(c, &["so", "therefor", "henc", "thus"]))
        .unwrap_or(0);
    let said: Vec<&Claim> = claims[from..]
        .iter()
        .filter(|c| !opens(c, &["becaus", "sinc"]))
        .collect();
    if said.is_empty() {
        claims.iter().collect()
    } else {
        said
    }
}
