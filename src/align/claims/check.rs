//! Checking one claim of an answer against the prepared rules: opposing pairs, conflicting
//! numbers, restated beliefs and dismissals (certainty is read in `certainty`).

use std::collections::HashMap;

use super::Probe;
use super::certainty::NEGATIVE;
use super::rules::{Quantity, Source, Statement, numbers_at, quantities};
use super::words::{denied, denied_after, find, find_any, said};
use super::{
    BELIEF_SHARE, BELIEF_SHARE_CERTAIN, DISMISS_REACH, NUMBER_FACTOR, OPPOSITE_NEAR,
    OPPOSITE_SUBJECT_WEIGHT, OPPOSITE_SUBJECT_WEIGHT_CERTAIN, SUBJECT_KEYS, SUBJECT_WEIGHT_SMALL,
    WEAK_SHARE, close_together, overlap_context, rejected_in_claim, unit_key_at,
};
use crate::align::text::Unit;

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
                        !denied(ws, r, i) && !denied_after(ws, r, e)
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
        for st in self.rules.truths() {
            let ov = overlap_context(keys, subject, st);
            if shares(ov) {
                top = top.max(ov.0);
            }
        }
        let mut best: Option<((f64, f64, bool), &Statement)> = None;
        for st in self
            .rules
            .truths()
            .filter(|st| st.sides.iter().any(|&(q, _)| q == p))
        {
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
        let truths = || rules.truths();
        let known = |x: &Unit| truths().any(|s| s.numbers.iter().any(|n| n.key == x.key));
        for q in quantities(&a.units, self.claim.units.clone(), known) {
            // "a few hundred", "several": an estimate, not a value that can conflict.
            let w = ws.partition_point(|w| w.start < q.at);
            if !find_any(ws, w.saturating_sub(2).max(r.start)..w, &c.approximate).is_empty() {
                continue;
            }
            // "400 round trips, not 120,000 calls", "than two years on a reminder": a value
            // set against the claim's own, not one it gives
            if denied(ws, r, w) {
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
            let agrees = cmp.iter().any(|(_, n)| values_agree(q.value, n.value));
            // The same value anywhere in the guidance (same dimension) is not a conflict either.
            let anywhere = truths().any(|s| {
                s.values.iter().any(|&(v, dim)| {
                    (dim == q.dim || dim.is_none() || q.dim.is_none())
                        && (v - q.value).abs() <= 0.1 * v.abs().max(1e-9)
                })
            });
            if !agrees && !anywhere && !self.corrected_to_agree(q.at, &cmp) {
                let (s, _) = cmp[0];
                return Some(format!(
                    "Conflicting number: the guidance gives another value for the same quantity: \u{201c}{}\u{201d}",
                    s.quote
                ));
            }
        }
        None
    }

    /// "around 100 ms, no, that's too chatty, call it 500 ms": later in the sentence, after a
    /// `[corrections]` cue, the answer gives a value of the same dimension that agrees with
    /// the guidance's (`cmp`), so the number at byte `at` was taken back.
    fn corrected_to_agree(&self, at: usize, cmp: &[&(&Statement, &Quantity)]) -> bool {
        let (a, ws) = (self.a, self.ws);
        let Some((_, end)) = self.sentence_units() else {
            return false;
        };
        let from = a.units.partition_point(|u| u.start <= at);
        let first_word = ws.partition_point(|w| w.start <= at);
        numbers_at(&a.units, from..end).any(|(i, v, dim)| {
            let upto = ws.partition_point(|w| w.start < a.units[i].start);
            !find_any(ws, first_word..upto, &self.c.corrections).is_empty()
                && cmp
                    .iter()
                    .any(|(_, n)| n.dim.is_some() && n.dim == dim && values_agree(v, n.value))
        })
    }

    /// Rule 4, a belief restated: with a certainty word, or nearly whole and asserted (not
    /// hypothetical, not denied anywhere in the claim).
    fn restated(&self, certain: &[&Vec<String>]) -> Option<String> {
        let (rules, ctx) = (self.rules, self.ctx);
        // a hypothetical cue the belief itself says ("a canary would have caught it") is part
        // of what the belief claims, not a step away from it
        let hypotheses = said(self.ws, self.r.clone(), &self.c.hypothetical);
        let hypothetical = |s: &Statement| hypotheses.iter().any(|h| !s.hypotheses.contains(h));
        // "browsers often fetch the intermediate" is not "every client fetches it"
        // "Waiting for the window sounds safe, but I don't think it is": set up to be denied
        let taken_back = self.excepted();
        let softened = self.softened() || taken_back;
        let keys = if certain.is_empty() {
            &ctx.own
        } else {
            &ctx.near
        };
        let mut best_belief: Option<(f64, &Statement)> = None;
        for s in rules.statements.iter().filter(|s| s.source.belief()) {
            if s.keys.len() < 2 || self.names_what_the_warning_asks(s) {
                continue;
            }
            let Some((share, n)) = self.belief_share(s, keys) else {
                continue;
            };
            let enough = if certain.is_empty() {
                (s.source == Source::Warned || self.gives_weak_answer(s, share, n))
                    && !(softened && s.universal)
                    && !taken_back
                    && share >= BELIEF_SHARE
                    && n >= 2
                    && !hypothetical(s)
                    && close_together(self.a, self.claim, s)
                    && !rejected_in_claim(self.a, self.ws, self.claim, s)
            } else {
                share >= BELIEF_SHARE_CERTAIN
                    && n >= 2
                    && !self.denies_by_certainty(certain, s)
                    && !hypothetical(s)
            };
            if enough && best_belief.is_none_or(|(b, _)| share > b) {
                best_belief = Some((share, s));
            }
        }
        // A certainty the guidance itself states about the same subject is agreement.
        let (_, s) = best_belief?;
        if !certain.is_empty() && rules.agrees(certain, &ctx.near, self.subject) {
            return None;
        }
        Some(format!(
            "Restates a belief the guidance warns against: \u{201c}{}\u{201d}",
            s.quote
        ))
    }

    /// "Nothing goes straight into the published table": a negative certainty opening the
    /// claim as its subject (a [`NEGATIVE`] word, not "never" before a verb) says the opposite
    /// of a belief that denies nothing and does not say that certainty itself ("nothing is
    /// lost"); sufficiency ("no extra setting") says all is done, not the opposite.
    pub(super) fn denies_by_certainty(&self, certain: &[&Vec<String>], s: &Statement) -> bool {
        let opening = self.r.start..(self.r.start + 3).min(self.r.end);
        s.source.belief()
            && s.keys.iter().all(|k| !k.2)
            && certain.iter().any(|p| {
                p.first().is_some_and(|w| NEGATIVE.contains(&w.as_str()))
                    && !self.c.sufficiency.contains(p)
                    && !s.certainties.contains(p)
                    && !find(self.ws, opening.clone(), p).is_empty()
            })
    }

    /// Whether a warned phrase comes with what its warning asks for ("without naming the
    /// setting": the claim's sentence names it).
    fn names_what_the_warning_asks(&self, s: &Statement) -> bool {
        s.source == Source::Warned
            && s.reasons
                .iter()
                .any(|k| self.ctx.sentence.contains_key(k.as_str()))
    }

    /// Whether the claim gives a common weak answer nearly whole (`share` of its weight in
    /// `n` of its chunks), not in a sentence that gives the reasons it is weak.
    fn gives_weak_answer(&self, s: &Statement, share: f64, n: usize) -> bool {
        let reasons = s
            .reasons
            .iter()
            .filter(|k| self.ctx.sentence.contains_key(k.as_str()))
            .count();
        s.source == Source::Weak && share >= WEAK_SHARE && n >= 3 && reasons < 2 && self.in_order(s)
    }

    /// Whether the claim says the statement's first and last keys in the statement's order:
    /// "check pod restarts" names what "Restart the consumer pods" acts on, not the act.
    fn in_order(&self, s: &Statement) -> bool {
        let at = |k: &str| {
            self.a.units[self.claim.units.clone()]
                .iter()
                .position(|u| u.key == k)
        };
        let (Some(first), Some(last)) = (s.keys.first(), s.keys.last()) else {
            return true;
        };
        match (at(&first.0), at(&last.0)) {
            (Some(f), Some(l)) => f <= l,
            _ => true,
        }
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

    /// The clause of the unit holding word `wi` (commas, semicolons and dashes split them).
    fn clause_at(&self, wi: usize) -> Option<u32> {
        self.unit_of(wi).map(|u| u.clause)
    }

    /// The content key of the unit holding word `wi`.
    fn key_at(&self, wi: usize) -> Option<&'a str> {
        unit_key_at(self.a, self.ws[wi].start)
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
        // "… are noisier, so there's no need to involve them": the pronoun stands for what
        // the sentence named before the cue
        let pronoun = |wi: usize| matches!(ws[wi].stem.as_str(), "them" | "those");
        let reason =
            |q: &String| format!("Dismisses what the guidance insists on: \u{201c}{q}\u{201d}");
        for (i, e) in find_any(ws, r.clone(), &c.dismiss_before) {
            // "without", "skip": also said of what is rightly left out ("without crashing")
            let loose = matches!(ws[i].stem.as_str(), "without" | "skip");
            let clause = self.clause_at(i);
            // "I'll interrupt if you go past ten percent without alerts": a condition that
            // names what is missing, not advice to go without it
            let in_condition = (r.start..i)
                .rev()
                .take_while(|&wi| self.clause_at(wi) == clause)
                .any(|wi| matches!(ws[wi].stem.as_str(), "if" | "unless"));
            if denied(ws, r, i) || in_condition {
                continue;
            }
            for wi in e..(e + DISMISS_REACH).min(r.end) {
                if subject_word(wi) || self.clause_at(wi) != clause {
                    break;
                }
                if !loose && pronoun(wi) {
                    if let Some(q) = self.insisted_before(i, self.sentence_start()) {
                        return Some(reason(q));
                    }
                    break;
                }
                if let Some(q) = self.key_at(wi).and_then(|k| {
                    rules
                        .insisted
                        .get(k)
                        .or_else(|| if loose { None } else { rules.heavy.get(k) })
                }) {
                    return Some(reason(q));
                }
            }
        }
        for (i, _) in find_any(ws, r.clone(), &c.dismiss_after) {
            if let Some(q) = self.insisted_before(i, self.r.start) {
                return Some(reason(q));
            }
        }
        None
    }

    /// The first word of the claim's sentence.
    fn sentence_start(&self) -> usize {
        let start = self
            .sentence_units()
            .and_then(|(first, _)| self.a.units.get(first))
            .map(|u| u.start);
        start.map_or(self.r.start, |at| {
            self.ws.partition_point(|w| w.start < at).min(self.r.start)
        })
    }

    /// The guidance sentence insisting on what the few words before word `i` (from word
    /// `from` on) name, nearest first.
    fn insisted_before(&self, i: usize, from: usize) -> Option<&'a String> {
        let rules = self.rules;
        (i.saturating_sub(DISMISS_REACH).max(from)..i)
            .rev()
            .find_map(|wi| {
                self.key_at(wi)
                    .and_then(|k| rules.insisted.get(k).or_else(|| rules.heavy.get(k)))
            })
    }
}

/// Whether an answer's value agrees with the guidance's: equal when either is zero, else within
/// a factor of [`NUMBER_FACTOR`].
fn values_agree(answer: f64, guidance: f64) -> bool {
    if answer == 0.0 || guidance == 0.0 {
        answer == guidance
    } else {
        (1.0 / NUMBER_FACTOR..=NUMBER_FACTOR).contains(&(answer / guidance))
    }
}
