//! Certainty in a claim: the certainty phrases it asserts (rule 3), and certainty about what
//! the guidance warns about or hedges (rule 4b).

use std::collections::HashMap;

use super::Probe;
use super::rules::{Source, Statement};
use super::words::{denied, find, find_any, find_spans};
use super::{Cues, overlap_context, shares_subject};

/// First words (besides the `[denials]`) of certainty phrases that deny rather than assert
/// ("nothing", "zero").
pub(super) const NEGATIVE: [&str; 4] = ["noth", "nil", "zero", "none"];

/// Certainty words (stems) whose verb forms say what happens, not how surely: "until the
/// build completes".
const VERBS_TOO: [&str; 1] = ["complet"];

/// Words (stems) that open a relative clause right before a certainty word.
const RELATIVES: [&str; 3] = ["that", "which", "who"];

/// Words (stems) after which "that" is a demonstrative or opens a complement, not a relative
/// clause: connectives and verbs of saying or thinking.
const NOT_AFTER_A_NOUN: [&str; 16] = [
    "and", "but", "so", "or", "then", "becaus", "sinc", "while", "if", "when", "think", "say",
    "mean", "know", "sure", "is",
];

impl Cues {
    /// Whether a certainty phrase denies rather than asserts: it opens with a `[denials]` word
    /// ("never", "no risk") or a [`NEGATIVE`] one ("nothing", "zero").
    fn negative(&self, p: &[String]) -> bool {
        self.denials.iter().any(|d| p.first() == d.first())
            || p.first().is_some_and(|w| NEGATIVE.contains(&w.as_str()))
    }
}

impl<'a> Probe<'a> {
    /// Rule 3: the certainty phrases the claim asserts (not names, not denied, not qualified).
    pub(super) fn certain(&self) -> Vec<&'a Vec<String>> {
        self.c
            .certainty
            .iter()
            .filter(|p| {
                find_spans(self.ws, self.r.clone(), p)
                    .into_iter()
                    .any(|(i, end)| self.asserts_at(p, i, end))
            })
            .collect()
    }

    /// Whether the certainty phrase `p`, found at words `i..end` of the claim, asserts: it is
    /// not a name, not denied, not softened, qualified, restricted or compared, not a refusal
    /// held surely, not a relative clause's negative, not an object, not a denied certainty.
    fn asserts_at(&self, p: &Vec<String>, i: usize, end: usize) -> bool {
        let (c, ws, r) = (self.c, self.ws, &self.r);
        // A capitalised certainty word mid-sentence is a name ("rotationPolicy Never").
        let capital = i > r.start && ws[i].capital;
        // "no lock whatsoever": an intensifier strengthens the denial before it.
        let intensifier = c.intensifiers.contains(p);
        if capital || (denied(ws, r, i) && !intensifier) {
            return false;
        }
        if self.framed_before(i) || (VERBS_TOO.contains(&p[0].as_str()) && ws[i].inflected) {
            return false;
        }
        // "instant only once granted", "zero unless …": a qualified certainty.
        if !find_any(ws, end..(end + 3).min(r.end), &c.qualifiers).is_empty() {
            return false;
        }
        // "anywhere but our egress IP", "nothing except reads": a restriction;
        // "nothing next to a month's work": a comparison.
        let right_after = |cues: &[Vec<String>]| {
            find_any(ws, end..(end + 3).min(r.end), cues)
                .iter()
                .any(|&(at, _)| at == end)
        };
        if right_after(&c.exceptions) || right_after(&c.comparisons) {
            return false;
        }
        // "I definitely wouldn't reset offsets": sure of a refusal, which asserts
        // nothing the guidance could warn against
        if !c.negative(p) && right_after(&c.denials) {
            return false;
        }
        // "traffic that never needed to leave": a negative certainty opening a
        // relative clause describes what it follows, which the claim asserts
        let relative = self.in_relative_clause(i);
        if relative && c.negative(p) {
            return false;
        }
        // "fires into nothing", "for nothing": what is said, not how surely.
        let object = i.saturating_sub(2).max(r.start)..i;
        if find_any(ws, object, &c.objects)
            .iter()
            .any(|&(_, e)| e == i)
        {
            return false;
        }
        // "never … zero", "not … at all": a denial of a certainty.
        !(p.len() == 1
            && matches!(p[0].as_str(), "never" | "no")
            && !find_any(ws, end..(end + 4).min(r.end), &c.certainty).is_empty())
    }

    /// Whether the words right before a certainty phrase at word `i` frame it as something
    /// other than a claim: an aim, an appearance, a softener or a condition.
    fn framed_before(&self, i: usize) -> bool {
        let (c, ws, r) = (self.c, self.ws, &self.r);
        let stem_at = |at: usize| ws.get(at).map(|w| w.stem.as_str());
        let just_before = i.saturating_sub(1).max(r.start)..i;
        // "to be precise", "let me be safe": what the speaker means to be
        (i >= r.start + 2
            && stem_at(i - 1) == Some("be")
            && matches!(stem_at(i - 2), Some("to" | "me")))
            // "sounds safe", "looks instant": how it appears, said to be weighed
            || (i > r.start && matches!(stem_at(i - 1), Some("sound" | "seem" | "look" | "appear")))
            // "almost always", "nearly zero": softened; "until we know", "once we know": a
            // condition
            || !find_any(ws, just_before.clone(), &c.softeners).is_empty()
            || !find_any(ws, just_before, &c.qualifiers).is_empty()
            // "only for the slice we're certain survives": a certainty inside a restriction
            // describes the scope it names
            || !find_any(ws, i.saturating_sub(6).max(r.start)..i, &c.restrictions).is_empty()
    }

    /// Whether word `i` sits in a relative clause about what it follows: its pronoun right
    /// before it ("traffic that never left") or one word before ("searches that return
    /// nothing"). One word back, the word before the pronoun must not make it a demonstrative
    /// or a complement ("and that traffic never", "means that nothing").
    fn in_relative_clause(&self, i: usize) -> bool {
        let (ws, start) = (self.ws, self.r.start);
        let pronoun = |k: usize| k >= start && RELATIVES.contains(&ws[k].stem.as_str());
        (i > start && pronoun(i - 1))
            || (i >= start + 3
                && pronoun(i - 2)
                && !NOT_AFTER_A_NOUN.contains(&ws[i - 3].stem.as_str()))
    }

    /// Rule 4b: certainty about what the guidance warns about or hedges.
    pub(super) fn certainty(&self, certain: &[&'a Vec<String>]) -> Option<String> {
        if certain.is_empty() {
            return None;
        }
        let keys = self.certainty_keys(certain);
        let keys = &keys;
        let certain = self.without_guidance_zero(certain, keys);
        // A positive certainty ("definitely", "fully") about what a trap section or a weak
        // answer discusses, when no warned or hedged statement shares its subject; a negative
        // one ("never", "nothing") there too often agrees with a denial the guidance makes.
        // Sufficiency ("no further", "nothing extra") is positive: it says all is done.
        let positive = certain.iter().any(|p| {
            self.c.sufficiency.contains(p)
                || (!self.c.negative(p)
                    // "don't lean on Redis at all": an intensifier strengthens a denial
                    && !self.c.intensifiers.contains(p))
        });
        let s = self
            .warned_subject(keys, |s| {
                (s.source != Source::Truth && !self.denies_by_certainty(&certain, s))
                    || (s.hedged && (positive || !s.conditional))
            })
            .or_else(|| {
                positive
                    .then(|| self.warned_subject(keys, |s| s.trap))
                    .flatten()
            })?;
        if certain.is_empty()
            || self.rules.agrees(&certain, keys, self.subject)
            || certain.iter().any(|p| s.certainties.contains(p))
        {
            return None;
        }
        // The answer keeps a hedge of its own ("roughly one refill", "if the total stays
        // level"): certain about something else, not about what the guidance hedges, or than
        // what the interviewer's question challenges ("if errors is false, every document was
        // indexed" is right).
        if !s.source.belief() && self.keeps_a_hedge() {
            return None;
        }
        let what = match s.source {
            Source::Warned | Source::Weak => "a belief the guidance warns against",
            Source::Challenged => "what the interviewer's question challenges",
            Source::Truth => "what the guidance hedges",
        };
        Some(format!(
            "Certainty about {what}: \u{201c}{}\u{201d}",
            s.quote
        ))
    }

    /// `certain` without "zero" where the guidance uses zero as a value about the same subject
    /// ("scale to zero", "idx_scan = 0").
    fn without_guidance_zero(
        &self,
        certain: &[&'a Vec<String>],
        keys: &HashMap<&'a str, bool>,
    ) -> Vec<&'a Vec<String>> {
        certain
            .iter()
            .copied()
            .filter(|p| {
                p.as_slice() != ["zero"]
                    || !self.rules.truths().any(|s| {
                        s.values.iter().any(|v| v.0 == 0.0)
                            && s.context.iter().any(|k| keys.contains_key(k.0.as_str()))
                    })
            })
            .collect()
    }

    /// Does the claim hedge what it says: an estimate or a likelihood anywhere in it
    /// ("roughly", "probably"), or a condition it opens with ("if the total stays level, …")?
    /// A condition or limit inside it ("only", "if", "unless") may instead be what it is
    /// certain of ("if it slips past that day we're fully back within policy").
    fn keeps_a_hedge(&self) -> bool {
        let (ws, r) = (self.ws, self.r.clone());
        // "If the total stays level, …", "Should the VP insist, …", "Unless …, …", after a
        // connective too ("so if we commit on m5 …, we're paying for …")
        let stem = |at: usize| ws.get(at).map_or("", |w| w.stem.as_str());
        let first = if matches!(stem(r.start), "so" | "and" | "but" | "then") {
            r.start + 1
        } else {
            r.start
        };
        let opens_with_condition = matches!(stem(first), "if" | "should" | "unless");
        opens_with_condition || self.softened()
    }

    /// Does the claim hold a hedge that softens it ("roughly", "often", "probably"), rather
    /// than one that sets its scope (`[conditions]`)?
    pub(super) fn softened(&self) -> bool {
        !find_any(self.ws, self.r.clone(), &self.c.softening).is_empty()
    }

    /// Does the claim's sentence go on to name those it does not hold for ("browsers fetch the
    /// intermediate, but Java's validation doesn't")? A claim with such an exception is not a
    /// universal belief.
    pub(super) fn excepted(&self) -> bool {
        let (ws, a) = (self.ws, self.a);
        let Some((_, sentence_end)) = self.sentence_units() else {
            return false;
        };
        let Some(end) = a.units.get(sentence_end.saturating_sub(1)).map(|u| u.end) else {
            return false;
        };
        let last = ws.partition_point(|w| w.start < end);
        find_any(ws, self.r.end..last, &self.c.contrasts)
            .into_iter()
            .any(|(_, e)| !find_any(ws, e..last, &self.c.denials).is_empty())
    }

    /// Certainty is about what sits next to it: its comma clause and the one before.
    fn certainty_keys(&self, certain: &[&Vec<String>]) -> HashMap<&'a str, bool> {
        let (ws, a) = (self.ws, self.a);
        let mut local: HashMap<&str, bool> = HashMap::new();
        for i in certain.iter().flat_map(|p| find(ws, self.r.clone(), p)) {
            let Some(at) = self.unit_of(i) else {
                continue;
            };
            let (sentence, clause) = (at.sentence, at.clause);
            for u in a.units.iter().filter(|u| {
                u.sentence == sentence
                    && (u.clause == clause || u.clause + 1 == clause)
                    && u.content
                    && !u.number
            }) {
                local.entry(u.key.as_str()).or_insert(u.negated);
            }
        }
        local
    }

    /// The `candidate` statement (warned or hedged; or from a trap section) sharing most of
    /// the certainty's subject, unless a plain guidance statement that is itself absolute
    /// ("can't", "never") shares more: then the claim restates that one.
    fn warned_subject(
        &self,
        keys: &HashMap<&str, bool>,
        candidate: impl Fn(&Statement) -> bool,
    ) -> Option<&'a Statement> {
        let mut best: Option<((f64, usize), &Statement)> = None;
        let mut plain = 0.0f64;
        for s in self.rules.statements.iter() {
            let ov = overlap_context(keys, self.subject, s);
            if s.source == Source::Truth && !s.hedged {
                let absolute = !s.certainties.is_empty() || s.keys.iter().any(|k| k.2);
                if absolute && shares_subject(ov) {
                    plain = plain.max(ov.0);
                }
            }
            if !candidate(s) {
                continue;
            }
            if shares_subject(ov) && best.is_none_or(|(b, _)| ov.0 > b.0) {
                best = Some((ov, s));
            }
        }
        best.filter(|(b, _)| plain <= b.0 + 1e-9).map(|(_, s)| s)
    }
}
