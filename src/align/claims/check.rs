//! Checking one claim of an answer against the prepared rules: opposing pairs, conflicting
//! numbers, certainty, restated beliefs and dismissals.

use std::collections::HashMap;
use std::ops::Range;

use super::rules::{ClaimRules, Quantity, Source, Statement, quantities};
use super::words::{Claim, Word, denied, find, find_any};
use super::{
    BELIEF_SHARE, BELIEF_SHARE_CERTAIN, Context, Cues, DISMISS_REACH, NUMBER_FACTOR, OPPOSITE_NEAR,
    OPPOSITE_SUBJECT_WEIGHT, OPPOSITE_SUBJECT_WEIGHT_CERTAIN, SUBJECT_KEYS, SUBJECT_WEIGHT_SMALL,
    close_together, overlap, overlap_context, rejected_in_claim, shares_subject, unit_key_at,
};
use crate::align::text::{Analysis, Unit};

/// One claim under check, with everything the rules look at.
pub(super) struct Probe<'a> {
    pub(super) rules: &'a ClaimRules,
    pub(super) c: &'a Cues,
    pub(super) ws: &'a [Word],
    pub(super) r: Range<usize>,
    pub(super) a: &'a Analysis,
    pub(super) claim: &'a Claim,
    pub(super) ctx: &'a Context<'a>,
    pub(super) subject: &'a [String],
}

/// What the guidance holds true.
fn truths(rules: &ClaimRules) -> impl Iterator<Item = &Statement> {
    rules
        .statements
        .iter()
        .filter(|s| s.source == Source::Truth)
}

/// First words (besides the `[denials]`) of certainty phrases that deny rather than assert
/// ("nothing", "zero").
const NEGATIVE: [&str; 4] = ["noth", "nil", "zero", "none"];

/// Does `s` give one of the certainty phrases `certain` about what `keys` name?
fn agreed(
    rules: &ClaimRules,
    certain: &[&Vec<String>],
    keys: &HashMap<&str, bool>,
    subject: &[String],
) -> bool {
    truths(rules).any(|s| {
        certain.iter().any(|p| s.certainties.contains(p))
            && shares_subject(overlap(keys, subject, s))
    })
}

impl<'a> Probe<'a> {
    /// The first red flag the claim raises, as a reason quoting the guidance.
    pub(super) fn check(&self) -> Option<String> {
        if let Some(reason) = self.opposite().or_else(|| self.conflicting_number()) {
            return Some(reason);
        }
        let certain = self.certain();
        self.restated(&certain)
            .or_else(|| self.certainty(&certain))
            .or_else(|| self.dismissal())
    }

    /// Rule 1, opposing pairs: one side asserted where the guidance about the same subject states
    /// the other (or both, as a choice).
    fn opposite(&self) -> Option<String> {
        let (c, ws, r) = (self.c, self.ws, &self.r);
        let hedged_claim = !find_any(ws, r.clone(), &c.hedges).is_empty();
        // A pair side said with certainty ("nothing is left, it cleans up automatically") is
        // two cues at once: a smaller shared subject is enough.
        let min_subject = if self.certain().is_empty() {
            OPPOSITE_SUBJECT_WEIGHT
        } else {
            OPPOSITE_SUBJECT_WEIGHT_CERTAIN
        };
        // A claim that names a choice ("depends on whether …") asserts neither side of a pair.
        if !find_any(ws, r.clone(), &c.choices).is_empty() {
            return None;
        }
        for (p, pair) in c.opposites.iter().enumerate() {
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
            let keys = self.pair_subject(pair);
            if let Some(s) = self.pair_statement(p, side, &keys, min_subject) {
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
        None
    }

    /// The subject of a claim naming an opposing pair: what it says besides the pair's words.
    fn pair_subject(&self, pair: &[Vec<Vec<String>>; 2]) -> HashMap<&'a str, bool> {
        let (ws, a) = (self.ws, self.a);
        let cue_keys: Vec<&str> = [0, 1]
            .iter()
            .flat_map(|&sd| find_any(ws, self.r.clone(), &pair[sd]))
            .flat_map(|(i, e)| (i..e).filter_map(|wi| unit_key_at(a, ws[wi].start)))
            .collect();
        self.ctx
            .sentence
            .iter()
            .filter(|(k, _)| !cue_keys.contains(k))
            .map(|(k, v)| (*k, *v))
            .collect()
    }

    /// The statement about this subject: among those naming pair `p` and sharing the subject
    /// (at least half as much as the best-sharing statement of all), the one sharing most; on
    /// a tie the more focused one (less else said), then the agreeing one.
    fn pair_statement(
        &self,
        p: usize,
        side: usize,
        keys: &HashMap<&str, bool>,
        min_subject: f64,
    ) -> Option<&'a Statement> {
        let subject = self.subject;
        let n_subject = keys.len() + subject.len();
        let shares = |ov: (f64, usize)| {
            (ov.1 >= SUBJECT_KEYS && ov.0 >= min_subject)
                || (ov.1 >= 1 && ov.1 >= n_subject && ov.0 >= SUBJECT_WEIGHT_SMALL)
        };
        let mut top = 0.0f64;
        for st in truths(self.rules) {
            let ov = overlap_context(keys, subject, st);
            if shares(ov) {
                top = top.max(ov.0);
            }
        }
        let mut best: Option<((f64, f64, bool), &Statement)> = None;
        for st in truths(self.rules).filter(|st| st.sides.iter().any(|&(q, _)| q == p)) {
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
        best.map(|(_, s)| s)
    }

    /// Rule 2: a number for a quantity that conflicts with every number the guidance gives for it.
    fn conflicting_number(&self) -> Option<String> {
        let (rules, c, ws, r, a) = (self.rules, self.c, self.ws, &self.r, self.a);
        let truths = || truths(rules);
        let known = |x: &Unit| truths().any(|s| s.numbers.iter().any(|n| n.key == x.key));
        for q in quantities(&a.units, self.claim.units.clone(), known) {
            // "a few hundred", "several": an estimate, not a value that can conflict.
            let w = ws.partition_point(|w| w.start < q.at);
            if !find_any(ws, w.saturating_sub(2).max(r.start)..w, &c.approximate).is_empty() {
                continue;
            }
            let same: Vec<(&Statement, &Quantity)> = truths()
                .flat_map(|s| s.numbers.iter().map(move |n| (s, n)))
                .filter(|(_, n)| n.key == q.key)
                .collect();
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
        None
    }

    /// Rule 3: the certainty phrases the claim asserts (not names, not denied, not qualified).
    fn certain(&self) -> Vec<&'a Vec<String>> {
        let (c, ws, r) = (self.c, self.ws, &self.r);
        c.certainty
            .iter()
            .filter(|p| {
                find(ws, r.clone(), p).into_iter().any(|i| {
                    // A capitalised certainty word mid-sentence is a name ("rotationPolicy Never").
                    let capital = i > r.start && ws[i].capital;
                    // "no lock whatsoever": an intensifier strengthens the denial before it.
                    let intensifier = c.intensifiers.contains(p);
                    if capital || (denied(ws, r, i) && !intensifier) {
                        return false;
                    }
                    // "almost always", "nearly zero": softened, not absolute.
                    let before = i.saturating_sub(1).max(r.start)..i;
                    if !find_any(ws, before, &c.softeners).is_empty() {
                        return false;
                    }
                    // "instant only once granted", "zero unless …": a qualified certainty.
                    let next = i + p.len()..(i + p.len() + 3).min(r.end);
                    if !find_any(ws, next, &c.qualifiers).is_empty() {
                        return false;
                    }
                    // "anywhere but our egress IP", "nothing except reads": a restriction.
                    let end = i + p.len();
                    if find_any(ws, end..(end + 2).min(r.end), &c.exceptions)
                        .iter()
                        .any(|&(at, _)| at == end)
                    {
                        return false;
                    }
                    // "never … zero", "not … at all": a denial of a certainty.
                    let after = i + p.len()..(i + p.len() + 4).min(r.end);
                    !(p.len() == 1
                        && matches!(p[0].as_str(), "never" | "no")
                        && !find_any(ws, after, &c.certainty).is_empty())
                })
            })
            .collect()
    }

    /// Rule 4, a belief restated: with a certainty word, or nearly whole and asserted (not
    /// hypothetical, not denied anywhere in the claim).
    fn restated(&self, certain: &[&Vec<String>]) -> Option<String> {
        let (rules, ctx) = (self.rules, self.ctx);
        let hypothetical = !find_any(self.ws, self.r.clone(), &self.c.hypothetical).is_empty();
        // "browsers often fetch the intermediate" is not "every client fetches it"
        let softened = self.softened();
        let keys = if certain.is_empty() {
            &ctx.own
        } else {
            &ctx.near
        };
        let mut best_belief: Option<(f64, &Statement)> = None;
        for s in rules.statements.iter().filter(|s| s.source.belief()) {
            if s.keys.len() < 2 {
                continue;
            }
            let Some((share, n)) = self.belief_share(s, keys) else {
                continue;
            };
            let enough = if certain.is_empty() {
                s.source == Source::Warned
                    && !(softened && s.universal)
                    && share >= BELIEF_SHARE
                    && n >= 2
                    && !hypothetical
                    && close_together(self.a, self.claim, s)
                    && !rejected_in_claim(self.a, self.ws, self.claim, s)
            } else {
                share >= BELIEF_SHARE_CERTAIN && n >= 2
            };
            if enough && best_belief.is_none_or(|(b, _)| share > b) {
                best_belief = Some((share, s));
            }
        }
        // A certainty the guidance itself states about the same subject is agreement.
        let (_, s) = best_belief?;
        if !certain.is_empty() && agreed(rules, certain, &ctx.near, self.subject) {
            return None;
        }
        Some(format!(
            "Restates a belief the guidance warns against: \u{201c}{}\u{201d}",
            s.quote
        ))
    }

    /// The share of a belief's weight the claim's `keys` hold, and how many of its chunks
    /// they hit; `None` when the claim states one of its keys with the other polarity.
    fn belief_share(&self, s: &Statement, keys: &HashMap<&str, bool>) -> Option<(f64, usize)> {
        // Weigh by chunk: an identifier ("session.timeout.ms") is one thing said, however
        // many words it splits into.
        let mut chunk_w: Vec<(u32, f64, bool)> = Vec::new();
        for ((k, w, neg), chunk) in s.keys.iter().zip(&s.chunks) {
            // The belief's own certainty word ("definitely") is what the claim's certainty
            // word stands for; it is not part of the subject.
            if self.c.certainty.iter().any(|p| p.len() == 1 && p[0] == *k) {
                continue;
            }
            let hit = keys.get(k.as_str()).is_some_and(|&cn| cn == *neg);
            if self
                .ctx
                .polarity
                .get(k.as_str())
                .is_some_and(|p| p[usize::from(!*neg)])
            {
                return None;
            }
            match chunk_w.iter_mut().find(|c| c.0 == *chunk) {
                Some(c) => {
                    c.1 = c.1.max(*w);
                    c.2 |= hit;
                }
                None => chunk_w.push((*chunk, *w, hit)),
            }
        }
        let total: f64 = chunk_w.iter().map(|c| c.1).sum();
        let got: f64 = chunk_w.iter().filter(|c| c.2).map(|c| c.1).sum();
        let n = chunk_w.iter().filter(|c| c.2).count();
        (total > 0.0).then_some((got / total, n))
    }

    /// Rule 4b: certainty about what the guidance warns about or hedges.
    fn certainty(&self, certain: &[&'a Vec<String>]) -> Option<String> {
        if certain.is_empty() {
            return None;
        }
        let keys = self.certainty_keys(certain);
        let keys = &keys;
        // "zero" as a value the guidance uses too ("scale to zero", "idx_scan = 0").
        let zero = vec!["zero".to_string()];
        let certain: Vec<&Vec<String>> = certain
            .iter()
            .copied()
            .filter(|p| {
                **p != zero
                    || !truths(self.rules).any(|s| {
                        s.values.iter().any(|v| v.0 == 0.0)
                            && s.context.iter().any(|k| keys.contains_key(k.0.as_str()))
                    })
            })
            .collect();
        // A positive certainty ("definitely", "fully") about what a trap section or a weak
        // answer discusses, when no warned or hedged statement shares its subject; a negative
        // one ("never", "nothing") there too often agrees with a denial the guidance makes.
        let positive = certain.iter().any(|p| {
            !self.c.denials.iter().any(|d| p.first() == d.first())
                && !NEGATIVE.contains(&p[0].as_str())
        });
        let s = self
            .warned_subject(keys, |s| s.source != Source::Truth || s.hedged)
            .or_else(|| {
                positive
                    .then(|| self.warned_subject(keys, |s| s.trap))
                    .flatten()
            })?;
        if certain.is_empty()
            || agreed(self.rules, &certain, keys, self.subject)
            || certain.iter().any(|p| s.certainties.contains(p))
        {
            return None;
        }
        // The answer keeps a hedge of its own ("roughly one refill", "if the total stays
        // level"): certain about something else, not about what the guidance hedges.
        if !s.source.belief() && self.keeps_a_hedge() {
            return None;
        }
        let what = if s.source.belief() {
            "a belief the guidance warns against"
        } else {
            "what the guidance hedges"
        };
        Some(format!(
            "Certainty about {what}: \u{201c}{}\u{201d}",
            s.quote
        ))
    }

    /// Does the claim hedge what it says: an estimate or a likelihood anywhere in it
    /// ("roughly", "probably"), or a condition it opens with ("if the total stays level, …")?
    /// A condition or limit inside it ("only", "if", "unless") may instead be what it is
    /// certain of ("if it slips past that day we're fully back within policy").
    fn keeps_a_hedge(&self) -> bool {
        let (ws, r) = (self.ws, self.r.clone());
        // "If the total stays level, …", "Should the VP insist, …", "Unless …, …"
        let opens_with_condition = ws
            .get(r.start)
            .is_some_and(|w| matches!(w.stem.as_str(), "if" | "should" | "unless"));
        opens_with_condition || self.softened()
    }

    /// Does the claim hold a hedge that softens it ("roughly", "often", "probably"), rather
    /// than one that sets its scope (`[conditions]`)?
    fn softened(&self) -> bool {
        let (c, ws) = (self.c, self.ws);
        find_any(ws, self.r.clone(), &c.hedges)
            .iter()
            .any(|&(i, e)| {
                !c.conditions
                    .iter()
                    .any(|p| ws[i..e].iter().map(|w| &w.stem).eq(p))
            })
    }

    /// Certainty is about what sits next to it: its comma clause and the one before.
    fn certainty_keys(&self, certain: &[&Vec<String>]) -> HashMap<&'a str, bool> {
        let (ws, a) = (self.ws, self.a);
        let mut local: HashMap<&str, bool> = HashMap::new();
        for (i, _) in find_any(
            ws,
            self.r.clone(),
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

    /// The clause of the unit holding word `wi` (commas, semicolons and dashes split them).
    fn clause_at(&self, wi: usize) -> Option<u32> {
        let w = &self.ws[wi];
        self.a
            .units
            .iter()
            .find(|u| u.start <= w.start && w.start < u.end)
            .map(|u| u.clause)
    }

    /// The content key of the unit holding word `wi`.
    fn key_at(&self, wi: usize) -> Option<&'a str> {
        let w = &self.ws[wi];
        self.a
            .units
            .iter()
            .find(|u| u.start <= w.start && w.start < u.end)
            .filter(|u| u.content)
            .map(|u| u.key.as_str())
    }

    /// Rule 5: dismissals of what the guidance insists on.
    fn dismissal(&self) -> Option<String> {
        let (rules, c, ws, r) = (self.rules, self.c, self.ws, &self.r);
        // A new subject ("… I'd capture …") ends what a dismissal reaches.
        let subject_word = |wi: usize| {
            matches!(
                ws[wi].stem.as_str(),
                "i" | "i'd" | "i'll" | "we" | "we'd" | "we'll" | "you" | "they" | "it" | "then"
            )
        };
        let reason =
            |q: &String| format!("Dismisses what the guidance insists on: \u{201c}{q}\u{201d}");
        for (i, e) in find_any(ws, r.clone(), &c.dismiss_before) {
            if denied(ws, r, i) {
                continue;
            }
            let clause = self.clause_at(i);
            for wi in e..(e + DISMISS_REACH).min(r.end) {
                if subject_word(wi) || self.clause_at(wi) != clause {
                    break;
                }
                if let Some(q) = self.key_at(wi).and_then(|k| rules.insisted.get(k)) {
                    return Some(reason(q));
                }
            }
        }
        for (i, _) in find_any(ws, r.clone(), &c.dismiss_after) {
            for wi in (i.saturating_sub(DISMISS_REACH).max(r.start)..i).rev() {
                if let Some(q) = self
                    .key_at(wi)
                    .and_then(|k| rules.insisted.get(k).or_else(|| rules.heavy.get(k)))
                {
                    return Some(reason(q));
                }
            }
        }
        None
    }
}
