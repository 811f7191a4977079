//! The alignment engine: compares a candidate's answer with one round's guidance and returns
//! hints for the reviewer (never a grade).
//!
//! Pure and deterministic: no I/O, no network, no model. For one round it derives
//! - **key points** from the Strong Answer: its claims (sentences, long ones split into clauses)
//!   and key terms (acronyms, named technologies, identifiers, numbers with units, decisive
//!   verbs), each covered or missed, with spans in both texts;
//! - **weak-answer resemblance** for each of `Round::weak_answers()` (0-based `index`);
//! - **red flags**: phrases the Trap Alert / Trap Question Variant warn against found in the
//!   answer, and expected hedges that are missing (empty `answer_spans`);
//! - a **coverage** score in 0..=1 weighted by importance (library-wide IDF), raised for an
//!   answer that states the trap guidance's explanations (`topic`), lowered for one that
//!   resembles a common weak answer or raises a red flag.
//!
//! Matching survives real wording: case, punctuation, Snowball stemming, number formats
//! ("50-200ms" = "50 to 200 ms"), acronym ↔ expansion (data plus pairs learned from "Long Form
//! (LF)" in guidance), a synonym table kept as data (`synonyms.txt`) and negation ("no replica"
//! does not cover "replica").
//!
//! Use [`LibraryStats::from_gauntlets`] once per library, [`RoundGuide::new`] once per round
//! (cache it; it is `Send + Sync` and cheap to share), then [`RoundGuide::align`] per answer.
//! [`align_round`] does both steps for one-off use. Spans are byte offsets on char boundaries:
//! `guidance_span` into the Strong Answer section's `text` (or into list item `item` when the
//! Strong Answer is a list), `answer_spans` into the answer as given.

pub mod claims;
pub mod flags;
pub mod matching;
pub mod points;
pub mod quality;
pub mod stats;
pub mod terms;
pub mod text;
pub mod topic;
pub mod weak;

use std::sync::Arc;

use serde::Serialize;

use crate::content::{Round, SectionKind};

pub use points::PointKind;
pub use stats::LibraryStats;
pub use terms::TermKind;
pub use text::Lexicon;

use matching::AnswerIndex;
use points::KeyPoint;

/// Share of the coverage score given to claims (the rest goes to key terms).
const CLAIM_SHARE: f64 = 0.8;
/// Share of the coverage taken away from an answer that is wholly a common weak answer.
const WEAK_PENALTY: f64 = 0.3;
/// Share of the coverage taken away from an answer with a red flag (other than a missing
/// hedge): it says something the guidance warns against.
const FLAG_PENALTY: f64 = 0.2;
/// Credit for a missed claim or term per unit of partial score.
const PARTIAL_CREDIT: f64 = 0.8;
/// Share of the coverage an answer not yet covered can gain by stating the trap guidance's
/// explanations (`topic`): a correct discussion of the trap counts towards a strong answer.
const TOPIC_SHARE: f64 = 0.3;

/// The alignment of one answer with one round's guidance. Serialises to the documented JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Alignment {
    /// Weighted share of the Strong Answer's key points the answer covers, 0..=1, raised by
    /// part of what is left for stating the trap guidance's explanations, lowered by a fifth
    /// when the answer raises a red flag other than a missing hedge.
    pub coverage: f64,
    /// Claims first, then key terms, each in Strong Answer order.
    pub points: Vec<PointMatch>,
    /// One entry per weak answer of the round, in order.
    pub weak_matches: Vec<WeakMatch>,
    /// Warned-against phrases found, then missing expected hedges.
    pub red_flags: Vec<RedFlag>,
}

/// One key point and whether the answer covers it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PointMatch {
    /// The point as written in the Strong Answer.
    pub text: String,
    /// Whether the answer covers it.
    pub covered: bool,
    /// `[start, end)` byte offsets in the Strong Answer text (or list item `item`).
    pub guidance_span: [usize; 2],
    /// `[start, end)` byte offsets of the matching words in the answer.
    pub answer_spans: Vec<[usize; 2]>,
    /// Strong Answer list item the `guidance_span` refers to; absent for the section text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<usize>,
    /// Claim or key term (not serialised).
    #[serde(skip)]
    pub kind: PointKind,
    /// Weighted share of the point found, 0..=1 (not serialised).
    #[serde(skip)]
    pub score: f64,
    /// Importance in the coverage score (not serialised).
    #[serde(skip)]
    pub weight: f64,
}

/// Resemblance of the answer to one common weak answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WeakMatch {
    /// 0-based index into `Round::weak_answers()`.
    pub index: usize,
    /// Resemblance, 0..=1.
    pub score: f64,
    /// Answer spans that resemble it (empty for "No mention of …" patterns).
    pub answer_spans: Vec<[usize; 2]>,
}

/// A trap red flag: a warned-against phrase found, or an expected hedge missing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RedFlag {
    /// The guidance phrase (warned against, or the expected hedge).
    pub phrase: String,
    /// Why: the guidance sentence, or what was expected.
    pub reason: String,
    /// Answer spans; empty for a missing hedge.
    pub answer_spans: Vec<[usize; 2]>,
    /// True when this flag is a missing expected hedge (not serialised).
    #[serde(skip)]
    pub missing_hedge: bool,
}

/// A round's guidance prepared for alignment. Build once per round (and library version) and
/// reuse for every answer; holds no borrow of the round.
#[derive(Debug, Clone)]
pub struct RoundGuide {
    lexicon: Arc<Lexicon>,
    points: Vec<KeyPoint>,
    weak: Vec<weak::WeakPattern>,
    traps: flags::TrapRules,
    claims: claims::ClaimRules,
    /// Claims of the trap guidance's explanations.
    topic: Vec<KeyPoint>,
    /// Content keys of the round's follow-up question: what a follow-up answer is about.
    follow_up_subject: Vec<String>,
}

impl RoundGuide {
    /// Prepare a round: derive key points, weak-answer patterns and trap rules.
    pub fn new(round: &Round, stats: &LibraryStats) -> RoundGuide {
        let mut lexicon = Arc::clone(stats.lexicon());
        // Acronyms defined in this round but unknown to the library (stats built elsewhere):
        // copy the lexicon only then, so guides normally share the library's.
        if stats::round_texts(round).any(|t| lexicon.would_learn(t)) {
            let mut local = (*lexicon).clone();
            for t in stats::round_texts(round) {
                local.note_acronyms(t);
                local.learn_acronyms(t);
            }
            lexicon = Arc::new(local);
        }
        let mut points = Vec::new();
        if let Some(strong) = round.section(SectionKind::StrongAnswer) {
            points.extend(points::derive(&strong.text, None, &lexicon, stats));
            for (i, item) in strong.items.iter().enumerate() {
                points.extend(points::derive(item, Some(i), &lexicon, stats));
            }
            // Claims first, then terms (stable within each kind).
            points.sort_by_key(|p| !matches!(p.kind, PointKind::Claim));
        }
        let weak = weak::prepare(&round.weak_answers(), &lexicon, stats);
        // the practices the guidance insists on (claims' cue data), which hedges may name
        let traps = flags::prepare(round, &lexicon, stats, &claims::insisted_keys(&lexicon));
        let claims = claims::prepare(round, &lexicon, stats);
        let topic = topic::prepare(round, &lexicon, stats);
        let mut follow_up_subject: Vec<String> = Vec::new();
        if let Some(q) = &round.follow_up {
            for u in lexicon.analyze(q).units {
                if u.content && !u.number && !follow_up_subject.contains(&u.key) {
                    follow_up_subject.push(u.key);
                }
            }
        }
        RoundGuide {
            lexicon,
            points,
            weak,
            traps,
            claims,
            topic,
            follow_up_subject,
        }
    }

    /// Claim flags of an answer and the mask of their units (excluded from coverage).
    fn claim_flags(
        &self,
        answer: &str,
        analysis: &text::Analysis,
        subject: &[String],
    ) -> (Vec<claims::ClaimFlag>, Vec<bool>) {
        let found = claims::check(&self.claims, answer, analysis, subject);
        let mut mask = vec![false; analysis.units.len()];
        for f in &found {
            for m in &mut mask[f.units.clone()] {
                *m = true;
            }
        }
        (found, mask)
    }

    /// Red flags of a follow-up answer: the same claim checks against the round's guidance
    /// (its trap guidance above all), with the follow-up question as the subject of every
    /// claim, and the warned-against phrases. No key points: the Strong Answer is about the
    /// main question.
    pub fn align_follow_up(&self, answer: &str) -> Alignment {
        let analysis = self.lexicon.analyze(answer);
        let index = AnswerIndex::new(&analysis);
        let (found, _) = self.claim_flags(answer, &analysis, &self.follow_up_subject);
        let mut red_flags: Vec<RedFlag> = flags::check(&self.traps, &index)
            .into_iter()
            .filter(|f| !f.missing_hedge)
            .filter(|f| !rejected_hit(answer, f))
            .map(|f| RedFlag {
                phrase: f.phrase,
                reason: f.reason,
                answer_spans: f.spans,
                missing_hedge: false,
            })
            .collect();
        merge_claim_flags(&mut red_flags, found);
        Alignment {
            coverage: 0.0,
            points: Vec::new(),
            weak_matches: Vec::new(),
            red_flags,
        }
    }

    /// Number of key points (claims and terms).
    pub fn point_count(&self) -> usize {
        self.points.len()
    }

    /// Align one answer with this round's guidance.
    pub fn align(&self, answer: &str) -> Alignment {
        let analysis = self.lexicon.analyze(answer);
        let (found, mask) = self.claim_flags(answer, &analysis, &[]);
        let full = AnswerIndex::new(&analysis);
        let index = AnswerIndex::masked(&analysis, &mask);
        let words = claims::words(answer);
        let answer_claims = claims::segment(answer, &analysis, &words);
        let mut out_points = Vec::with_capacity(self.points.len());
        let (mut claim_got, mut claim_all, mut term_got, mut term_all) = (0.0, 0.0, 0.0, 0.0);
        for p in &self.points {
            let hit = points::match_point(p, &index);
            let credit = if hit.covered {
                1.0
            } else {
                hit.score * PARTIAL_CREDIT
            };
            if p.kind == PointKind::Claim {
                claim_got += credit * p.weight;
                claim_all += p.weight;
            } else {
                term_got += credit * p.weight;
                term_all += p.weight;
            }
            let answer_spans = match p.kind {
                PointKind::Claim if hit.covered => {
                    claim_spans(&analysis, &answer_claims, &hit.units)
                }
                PointKind::Term(_) if hit.covered => chunk_spans(&analysis, &hit.units),
                _ => hit.spans,
            };
            out_points.push(PointMatch {
                text: p.text.clone(),
                covered: hit.covered,
                guidance_span: p.span,
                answer_spans,
                item: p.item,
                kind: p.kind,
                score: round3(hit.score),
                weight: p.weight,
            });
        }
        let coverage = self.coverage((claim_got, claim_all), (term_got, term_all), &index);
        let mut red_flags = self.trap_flags(answer, &full);
        merge_claim_flags(&mut red_flags, found);
        // an answer that says what the guidance warns against aligns less with it, whatever
        // it shares with the Strong Answer besides
        let says_a_warned_thing = red_flags.iter().any(|f| !f.missing_hedge);
        let penalty = if says_a_warned_thing {
            FLAG_PENALTY
        } else {
            0.0
        };
        Alignment {
            coverage: round3(coverage * (1.0 - penalty)),
            points: out_points,
            weak_matches: self.weak_matches(&index, coverage),
            red_flags,
        }
    }

    /// Coverage from the credit got of all claim and key-term weight, raised by the trap
    /// explanations the answer states, less the penalty for an answer that is mostly a
    /// common weak answer.
    fn coverage(
        &self,
        (claim_got, claim_all): (f64, f64),
        (term_got, term_all): (f64, f64),
        index: &AnswerIndex<'_>,
    ) -> f64 {
        let coverage = match (claim_all > 0.0, term_all > 0.0) {
            (true, true) => {
                CLAIM_SHARE * claim_got / claim_all + (1.0 - CLAIM_SHARE) * term_got / term_all
            }
            (true, false) => claim_got / claim_all,
            (false, true) => term_got / term_all,
            (false, false) => 0.0,
        };
        let topic = topic::agreement(&self.topic, index);
        let coverage = coverage + TOPIC_SHARE * topic * (1.0 - coverage);
        // An answer that is mostly a common weak answer gets less credit for the words it
        // shares with the Strong Answer.
        let weak_raw = self
            .weak
            .iter()
            .filter(|w| w.kind == weak::WeakKind::Presence && w.needs.len() >= 2)
            .map(|w| index.best_window(&w.needs).score)
            .fold(0.0, f64::max);
        let coverage = coverage * (1.0 - WEAK_PENALTY * weak_raw * weak_raw);
        round3(coverage.clamp(0.0, 1.0))
    }

    /// How much the answer resembles each common weak answer.
    fn weak_matches(&self, index: &AnswerIndex<'_>, coverage: f64) -> Vec<WeakMatch> {
        self.weak
            .iter()
            .map(|w| {
                let (score, spans) = weak::resemblance(w, index, coverage);
                WeakMatch {
                    index: w.index,
                    score: round3(score),
                    answer_spans: spans,
                }
            })
            .collect()
    }

    /// Warned phrases the answer uses (not where it rejects them) and hedges it misses.
    fn trap_flags(&self, answer: &str, full: &AnswerIndex<'_>) -> Vec<RedFlag> {
        flags::check(&self.traps, full)
            .into_iter()
            .filter(|f| f.missing_hedge || !rejected_hit(answer, f))
            .map(|f| RedFlag {
                phrase: f.phrase,
                reason: f.reason,
                answer_spans: f.spans,
                missing_hedge: f.missing_hedge,
            })
            .collect()
    }
}

/// A warned phrase the answer rejects where it says it ("raising it to ten minutes wouldn't
/// fix it"): not a red flag. One rejected piece is enough, since the phrase's words may be
/// gathered from both sides of the denial.
fn rejected_hit(answer: &str, f: &flags::FlagHit) -> bool {
    f.spans.iter().any(|&s| claims::rejected(answer, s))
}

/// Add claim flags after the warned-phrase flags (a claim already flagged for a warned phrase
/// is not flagged twice), before the missing hedges.
fn merge_claim_flags(red_flags: &mut Vec<RedFlag>, found: Vec<claims::ClaimFlag>) {
    let at = red_flags
        .iter()
        .position(|f| f.missing_hedge)
        .unwrap_or(red_flags.len());
    let mut add = Vec::new();
    for f in found {
        let overlaps = red_flags.iter().any(|r| {
            r.answer_spans
                .iter()
                .any(|s| s[0] < f.span[1] && f.span[0] < s[1])
        });
        if !overlaps {
            add.push(RedFlag {
                phrase: f.phrase,
                reason: f.reason,
                answer_spans: vec![f.span],
                missing_hedge: false,
            });
        }
    }
    red_flags.splice(at..at, add);
}

/// The answer claims that carry a covered point: each claim holding two or more matched
/// units, or one specific one (an acronym, a name or a number); generic words never
/// highlight alone. Falls back to the matched words when no claim qualifies.
fn claim_spans(
    analysis: &text::Analysis,
    answer_claims: &[claims::Claim],
    units: &[usize],
) -> Vec<[usize; 2]> {
    let mut out = Vec::new();
    for c in answer_claims {
        let inside: Vec<&text::Unit> = units
            .iter()
            .filter(|&&u| c.units.contains(&u))
            .map(|&u| &analysis.units[u])
            .collect();
        let specific = inside
            .iter()
            .any(|u| u.acronym || u.inner_capital || u.number || (u.capital && !u.sentence_start));
        if inside.len() >= 2 || specific {
            out.push(c.span);
        }
    }
    out
}

/// Spans of matched term units widened to their whole written word ("us-east-1", not
/// "east-1" when "us" is a stopword).
fn chunk_spans(analysis: &text::Analysis, units: &[usize]) -> Vec<[usize; 2]> {
    let all = &analysis.units;
    let mut wide: Vec<usize> = Vec::new();
    for &u in units {
        let Some(chunk) = all.get(u).map(|x| x.chunk) else {
            continue;
        };
        wide.extend((0..all.len()).filter(|&k| all[k].chunk == chunk));
    }
    matching::spans_of(all, &wide)
}

fn round3(x: f64) -> f64 {
    if x.is_finite() {
        (x * 1000.0).round() / 1000.0
    } else {
        0.0
    }
}

/// Align one answer with one round (prepares the round each time; use [`RoundGuide`] to reuse).
pub fn align_round(round: &Round, answer: &str, stats: &LibraryStats) -> Alignment {
    RoundGuide::new(round, stats).align(answer)
}

/// Every built-in gauntlet, parsed (each must parse), for tests that score against them.
#[cfg(test)]
pub(crate) fn builtin_gauntlets() -> Vec<crate::content::Gauntlet> {
    crate::builtin::BUILTIN
        .iter()
        .map(|(name, src)| {
            crate::content::parse::parse_gauntlet(name, src)
                .unwrap_or_else(|e| panic!("{name}: {e:?}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Gauntlet;
    use crate::content::parse::parse_gauntlet;

    fn seed() -> Gauntlet {
        let src = include_str!("../../content/multi-region-kubernetes.md");
        parse_gauntlet("multi-region-kubernetes.md", src).expect("seed parses")
    }

    const STRONG_R1: &str = "Each region gets its own Kubernetes cluster (us-east-1, eu-west-1, \
        ap-southeast-1 on AWS) running the whole stack: API servers, workers and a regional read \
        replica of the database. Route 53 latency-based DNS or a global load balancer like Global \
        Accelerator or Cloudflare sends users to the nearest region. Stateless services just run the \
        same manifests everywhere. For data, writes go to one primary region and reads hit the local \
        replica, so writes from Europe and APAC pay cross-region latency while reads stay fast. \
        Multi-write would mean CockroachDB or DynamoDB Global Tables with consistency trade-offs. \
        I'd roll out region by region, validate with synthetic checks and the error budget, then \
        promote to the next region.";

    #[test]
    fn a_strong_paraphrase_lights_up_most_points_of_the_seed() {
        let g = seed();
        let stats = LibraryStats::from_gauntlets([&g]);
        let al = align_round(&g.rounds[0], STRONG_R1, &stats);
        let covered = al.points.iter().filter(|p| p.covered).count();
        println!(
            "covered {covered}/{} coverage {}",
            al.points.len(),
            al.coverage
        );
        assert!(
            covered * 10 >= al.points.len() * 7,
            "{covered}/{}",
            al.points.len()
        );
        assert!(al.coverage >= 0.7);
    }

    #[test]
    fn just_use_a_cdn_is_weak_answer_index_1() {
        let g = seed();
        let stats = LibraryStats::from_gauntlets([&g]);
        let answer = "Honestly I'd just use a CDN in front of it and call it done.";
        let al = align_round(&g.rounds[0], answer, &stats);
        let best = al
            .weak_matches
            .iter()
            .filter(|w| !w.answer_spans.is_empty())
            .max_by(|a, b| a.score.total_cmp(&b.score))
            .expect("a presence match");
        assert_eq!(best.index, 1);
        assert!(best.score >= 0.8);
        let [s, e] = best.answer_spans[best.answer_spans.len() - 1];
        assert_eq!(&answer[s..e], "CDN");
    }

    #[test]
    fn zero_data_loss_is_flagged_in_round_2_but_not_when_denied() {
        let g = seed();
        let stats = LibraryStats::from_gauntlets([&g]);
        let guide = RoundGuide::new(&g.rounds[1], &stats);
        let answer = "We promote the Aurora secondary and get zero data loss.";
        let al = guide.align(answer);
        let flag = al
            .red_flags
            .iter()
            .find(|f| f.phrase == "zero data loss")
            .expect("flagged");
        let at = answer.find("zero data loss").unwrap_or(0);
        assert_eq!(flag.answer_spans, vec![[at, at + "zero data loss".len()]]);
        assert!(flag.reason.contains("red flag"));
        let honest =
            guide.align("Async replication can never give zero data loss; RPO is about a second.");
        assert!(
            honest
                .red_flags
                .iter()
                .all(|f| f.phrase != "zero data loss")
        );
    }

    #[test]
    fn missing_legal_hedge_is_flagged_in_round_4() {
        let g = seed();
        let stats = LibraryStats::from_gauntlets([&g]);
        let guide = RoundGuide::new(&g.rounds[3], &stats);
        let bluff = guide.align("I'd shard users by geography with an EU primary database.");
        let hedge = bluff
            .red_flags
            .iter()
            .find(|f| f.missing_hedge)
            .expect("hedge flag");
        assert!(hedge.answer_spans.is_empty());
        assert!(hedge.phrase.contains("legal counsel"));
        let careful = guide.align(
            "I'd shard users by geography with an EU primary, and involve our legal counsel to \
             validate the exact requirements.",
        );
        assert!(careful.red_flags.iter().all(|f| !f.missing_hedge));
    }

    fn point<'a>(al: &'a Alignment, starts: &str) -> &'a PointMatch {
        al.points
            .iter()
            .find(|p| p.text.starts_with(starts))
            .unwrap_or_else(|| panic!("no point starting with {starts:?}"))
    }

    /// Asserts that no red flag of `al` comes from the rule whose reasons start with `rule`.
    fn assert_no_flag_of(al: &Alignment, rule: &str) {
        assert!(
            al.red_flags.iter().all(|f| !f.reason.starts_with(rule)),
            "{:?}",
            al.red_flags
        );
    }

    /// Asserts that `al` has no red flag.
    fn assert_unflagged(al: &Alignment) {
        assert!(al.red_flags.is_empty(), "{:?}", al.red_flags);
    }

    /// Asserts that a red flag of `al` covers `words` of `answer`.
    fn assert_flagged(al: &Alignment, answer: &str, words: &str) {
        assert!(flagged(al, answer, words), "{:?}", al.red_flags);
    }

    fn flagged(al: &Alignment, answer: &str, words: &str) -> bool {
        al.red_flags.iter().any(|f| {
            f.answer_spans
                .iter()
                .any(|&[s, e]| answer.get(s..e).is_some_and(|t| t.contains(words)))
                && !f.reason.is_empty()
        })
    }

    #[test]
    fn the_replication_lag_follow_up_is_aligned_and_its_bluff_flagged() {
        let g = seed();
        let stats = LibraryStats::from_gauntlets([&g]);
        let guide = RoundGuide::new(&g.rounds[1], &stats);
        assert!(g.rounds[1].follow_up.is_some(), "round 2 has a follow-up");
        let bluff = "Basically zero\u{2026} it's effectively synchronous.";
        let al = guide.align_follow_up(bluff);
        assert_flagged(&al, bluff, "zero");
        let honest = "Typically 50 to 200 ms for Aurora Global, but I'd measure it under our own \
                      write load before promising an RPO.";
        let al = guide.align_follow_up(honest);
        assert_unflagged(&al);
    }

    #[test]
    fn automatic_failover_contradicts_it_depends_and_is_not_coverage() {
        let g = seed();
        let stats = LibraryStats::from_gauntlets([&g]);
        let guide = RoundGuide::new(&g.rounds[1], &stats);
        let answer = "Failover is automatic.";
        let al = guide.align(answer);
        assert!(!point(&al, "It depends on whether").covered);
        let f = al
            .red_flags
            .iter()
            .find(|f| f.answer_spans == vec![[0, answer.len() - 1]])
            .expect("flagged");
        assert!(f.reason.contains("It depends on whether"), "{}", f.reason);
        let hedged = guide.align("It depends on whether failover is automated or manual.");
        assert!(point(&hedged, "It depends on whether").covered);
        assert!(hedged.red_flags.iter().all(|f| f.missing_hedge));
    }

    #[test]
    fn reconnecting_on_its_own_contradicts_updating_the_write_endpoint() {
        let g = seed();
        let stats = LibraryStats::from_gauntlets([&g]);
        let guide = RoundGuide::new(&g.rounds[1], &stats);
        let answer = "The app uses the cluster endpoint so it will reconnect on its own.";
        let al = guide.align(answer);
        assert!(!point(&al, "During failover, I'd need to update").covered);
        assert_flagged(&al, answer, "reconnect on its own");
        let right = guide.align("During the failover we have to update the app's writer endpoint.");
        assert!(point(&right, "During failover, I'd need to update").covered);
        assert!(right.red_flags.is_empty(), "{:?}", right.red_flags);
    }

    #[test]
    fn rpo_of_zero_is_a_conflicting_number_and_not_coverage() {
        let g = seed();
        let stats = LibraryStats::from_gauntlets([&g]);
        let guide = RoundGuide::new(&g.rounds[1], &stats);
        let answer = "With Aurora Global Database the RPO is zero.";
        let al = guide.align(answer);
        assert_flagged(&al, answer, "RPO is zero");
        assert!(!point(&al, "With Aurora Global Database, the RPO").covered);
        assert!(
            al.points
                .iter()
                .filter(|p| p.text == "RPO")
                .all(|p| !p.covered)
        );
        let right = guide.align("With Aurora Global Database the RPO is usually under a second.");
        assert!(right.red_flags.is_empty(), "{:?}", right.red_flags);
    }

    #[test]
    fn saying_what_the_guidance_warns_against_lowers_the_coverage() {
        let g = seed();
        let stats = LibraryStats::from_gauntlets([&g]);
        let guide = RoundGuide::new(&g.rounds[1], &stats);
        let base = "We'd keep a single primary in us-east-1 with a replica in eu-west-1 and \
            promote it during a regional failure.";
        let plain = guide.align(base);
        assert!(plain.red_flags.is_empty(), "{:?}", plain.red_flags);
        let warned = format!("{base} With Aurora Global Database the RPO is zero.");
        let flagged = guide.align(&warned);
        assert_flagged(&flagged, &warned, "RPO is zero");
        // the flagged claim itself counts for nothing, and the rest counts a fifth less
        assert!(
            flagged.coverage < plain.coverage * 0.85,
            "{} vs {}",
            flagged.coverage,
            plain.coverage
        );
    }

    #[test]
    fn a_single_primary_with_regional_replicas_is_the_primary_secondary_point() {
        let g = seed();
        let stats = LibraryStats::from_gauntlets([&g]);
        let answer = "We'd keep a single primary database in us-east-1 with a read replica in \
                      each region.";
        let al = align_round(&g.rounds[0], answer, &stats);
        let p = point(&al, "For stateful data, I'd use a primary-secondary");
        assert!(p.covered);
        // The highlight is the claim's phrase, not scattered words.
        assert_eq!(p.answer_spans.len(), 1);
        let [s, e] = p.answer_spans[0];
        assert!(answer[s..e].starts_with("We'd keep a single primary database"));
    }

    #[test]
    fn opening_with_data_residency_covers_that_point() {
        let g = seed();
        let stats = LibraryStats::from_gauntlets([&g]);
        let answer = "This is a data residency requirement. EU user data must stay in the EU.";
        let al = align_round(&g.rounds[3], answer, &stats);
        let p = point(&al, "This is a data residency requirement");
        assert!(p.covered);
        let [s, e] = p.answer_spans[0];
        assert_eq!(&answer[s..e], "This is a data residency requirement");
    }

    #[test]
    fn generic_words_never_highlight_alone() {
        let g = seed();
        let stats = LibraryStats::from_gauntlets(builtin_gauntlets().iter());
        let answer = "We run one cluster. Look at the error budget. Each region gets a replica.";
        for r in &g.rounds {
            let al = align_round(r, answer, &stats);
            for p in al
                .points
                .iter()
                .filter(|p| p.covered && p.kind == PointKind::Claim)
            {
                for &[s, e] in &p.answer_spans {
                    let t = &answer[s..e];
                    assert!(
                        t.split_whitespace().count() >= 2,
                        "{t:?} alone for {:?}",
                        p.text
                    );
                }
            }
        }
    }

    #[test]
    fn an_expected_hedge_made_in_other_words_is_not_missing() {
        let g = seed();
        let stats = LibraryStats::from_gauntlets([&g]);
        let guide = RoundGuide::new(&g.rounds[3], &stats);
        let careful = guide.align(
            "I'd shard users by geography with an EU primary, but the exact regulatory \
             interpretation has to be confirmed by our lawyers before we build it.",
        );
        assert!(
            careful.red_flags.iter().all(|f| !f.missing_hedge),
            "{:?}",
            careful.red_flags
        );
        let dismissive =
            "I'd shard users by geography; no need for a legal review, the rule is clear.";
        let al = guide.align(dismissive);
        assert_flagged(&al, dismissive, "no need for a legal review");
    }

    #[test]
    fn json_has_exactly_the_documented_shape() {
        let g = seed();
        let stats = LibraryStats::from_gauntlets([&g]);
        let al = align_round(&g.rounds[1], "zero data loss", &stats);
        let v = serde_json::to_value(&al).expect("serialises");
        let keys: Vec<&str> = v
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        assert_eq!(
            keys,
            vec!["coverage", "points", "red_flags", "weak_matches"]
        );
        let p = &v["points"][0];
        let mut pk: Vec<&str> = p
            .as_object()
            .map(|o| o.keys().map(String::as_str).collect())
            .unwrap_or_default();
        pk.sort_unstable();
        assert_eq!(pk, vec!["answer_spans", "covered", "guidance_span", "text"]);
        assert!(v["red_flags"][0]["answer_spans"][0].is_array());
    }

    #[test]
    fn guidance_spans_point_at_the_point_text() {
        let g = seed();
        let stats = LibraryStats::from_gauntlets([&g]);
        for r in &g.rounds {
            let strong = r
                .section(SectionKind::StrongAnswer)
                .map(|s| s.text.as_str())
                .unwrap_or("");
            let al = align_round(r, "", &stats);
            assert!(!al.points.is_empty());
            for p in al.points {
                assert_eq!(
                    strong.get(p.guidance_span[0]..p.guidance_span[1]),
                    Some(p.text.as_str())
                );
            }
        }
    }

    /// Round `number` of a built-in gauntlet, prepared with the built-in library's weights.
    fn builtin_guide(slug: &str, number: usize) -> RoundGuide {
        let all = builtin_gauntlets();
        let stats = LibraryStats::from_gauntlets(&all);
        let g = all
            .iter()
            .find(|g| g.slug == slug)
            .expect("built-in gauntlet");
        RoundGuide::new(&g.rounds[number - 1], &stats)
    }

    #[test]
    fn a_claim_naming_a_choice_asserts_neither_side() {
        let guide = builtin_guide("multi-region-kubernetes", 2);
        let choice = "Failover time depends on whether we've automated it or promote by hand.";
        let al = guide.align(choice);
        assert_no_flag_of(&al, "Contradiction");
        let one_side = "Failover is automatic.";
        assert!(flagged(&guide.align(one_side), one_side, "automatic"));
    }

    #[test]
    fn an_estimate_is_not_a_conflicting_number_but_a_wrong_value_is() {
        let guide = builtin_guide("rate-limiter-public-api", 3);
        let estimate =
            "Redis then gets a few hundred pipelines a second instead of a call per request.";
        let al = guide.align(estimate);
        assert_no_flag_of(&al, "Conflicting number");
        let wrong = "With Aurora Global Database the RPO is 20 minutes.";
        let al = builtin_guide("multi-region-kubernetes", 2).align(wrong);
        assert!(
            al.red_flags
                .iter()
                .any(|f| f.reason.starts_with("Conflicting number")),
            "{:?}",
            al.red_flags
        );
    }

    #[test]
    fn a_certainty_the_guidance_states_plainly_is_agreement() {
        let guide = builtin_guide("rate-limiter-public-api", 2);
        let answer =
            "Redis runs one script at a time, so two pods can never both take the last token.";
        let al = guide.align(answer);
        assert_unflagged(&al);
    }

    #[test]
    fn a_comma_and_starts_a_new_claim_so_a_flag_masks_only_its_own_clause() {
        let guide = builtin_guide("multi-region-kubernetes", 2);
        let answer =
            "The RPO is zero with Aurora Global Database, and DNS TTL adds propagation time.";
        let al = guide.align(answer);
        assert_flagged(&al, answer, "RPO is zero");
        assert!(
            !flagged(&al, answer, "DNS TTL"),
            "the second clause is not part of the flag: {:?}",
            al.red_flags
        );
        assert!(
            al.points.iter().any(|p| p.text == "DNS TTL" && p.covered),
            "the second clause still covers its key term"
        );
    }

    #[test]
    fn a_warned_phrase_the_answer_rejects_is_not_a_flag() {
        let guide = builtin_guide("kafka-consumer-lag", 2);
        let rejected = "Raising session.timeout.ms to ten minutes wouldn't fix the slow loop.";
        let al = guide.align(rejected);
        assert!(!flagged(&al, rejected, "ten minutes"), "{:?}", al.red_flags);
        let bluff = "The fix is easy: just raise session.timeout.ms to ten minutes.";
        assert!(flagged(&guide.align(bluff), bluff, "ten minutes"));
    }

    #[test]
    fn a_correct_discussion_of_the_trap_outscores_a_partial_answer() {
        let guide = builtin_guide("jvm-memory-leak", 2);
        let trap = "Shallow size is an object's own header and fields; retained size is what \
            would be freed if it became unreachable. To find the leak I sort the dominator tree \
            by retained size, since byte arrays and Strings top nearly every histogram and say \
            nothing about who holds them.";
        let partial = "I'd take a class histogram a few hours apart and later open one heap \
            dump in Eclipse MAT.";
        let off = "I'd shorten sprint planning to one hour.";
        assert!(topic_of(&guide, trap) >= 0.5, "{}", topic_of(&guide, trap));
        assert!(topic_of(&guide, off) < 0.05, "{}", topic_of(&guide, off));
        let (t, p) = (guide.align(trap), guide.align(partial));
        assert!(t.coverage > p.coverage, "{} vs {}", t.coverage, p.coverage);
        assert!(t.red_flags.is_empty(), "{:?}", t.red_flags);
    }

    fn topic_of(guide: &RoundGuide, answer: &str) -> f64 {
        let a = guide.lexicon.analyze(answer);
        topic::agreement(&guide.topic, &AnswerIndex::new(&a))
    }

    #[test]
    fn a_certainty_intensifying_a_denial_is_still_a_certainty() {
        let guide = builtin_guide("zero-downtime-schema-migration", 2);
        let answer = "I'd build it with CREATE INDEX CONCURRENTLY, which holds no lock whatsoever.";
        let al = guide.align(answer);
        assert_flagged(&al, answer, "no lock whatsoever");
    }

    #[test]
    fn a_softened_certainty_and_a_belief_rejected_in_place_are_not_flags() {
        let jvm = builtin_guide("jvm-memory-leak", 2);
        let hard = "The top of a histogram is always byte arrays and strings.";
        assert!(!jvm.align(hard).red_flags.is_empty());
        let soft = "The top of a histogram is almost always byte arrays and strings.";
        assert!(jvm.align(soft).red_flags.is_empty());
        let kafka = builtin_guide("kafka-consumer-lag", 4);
        let said = "I'd just skip the bad offset and move on.";
        assert!(flagged(&kafka.align(said), said, "skip"));
        let rejected = "Skipping the bad offset isn't free: I'd capture the record first.";
        let al = kafka.align(rejected);
        assert!(!flagged(&al, rejected, "Skipping"), "{:?}", al.red_flags);
    }

    #[test]
    fn nothing_dismisses_a_sign_off_and_a_certain_pair_side_needs_less_subject() {
        let mk = builtin_guide("multi-region-kubernetes", 3);
        let dismissal =
            "Restore takes longer, so there's nothing the business needs to sign off on.";
        let al = mk.align(dismissal);
        assert_flagged(&al, dismissal, "sign off");
        let pg = builtin_guide("postgres-index-under-load", 3);
        let cleanup =
            "If the build fails nothing is left behind, PostgreSQL cleans it up automatically.";
        let al = pg.align(cleanup);
        assert_flagged(&al, cleanup, "cleans it up");
    }

    #[test]
    fn a_weak_answer_treating_one_thing_as_another_names_a_belief() {
        let search = builtin_guide("search-build-vs-buy", 3);
        let held = "Managed hosting fits, and the $4,000 bill is the full cost of search.";
        let al = search.align(held);
        assert_flagged(&al, held, "full cost");
        let honest = "The $4,000 covers infrastructure only, so I'd add engineer time to it.";
        let al = search.align(honest);
        assert!(
            al.red_flags.iter().all(|f| f.missing_hedge),
            "{:?}",
            al.red_flags
        );
    }

    #[test]
    fn clients_doing_it_themselves_is_the_automatic_side() {
        let tls = builtin_guide("tls-certificate-expiry-outage", 2);
        let claim = "Java and Android get hold of a missing intermediate themselves.";
        let al = tls.align(claim);
        assert_flagged(&al, claim, "intermediate");
        let plain = "Java and Android get hold of a missing intermediate.";
        let al = tls.align(plain);
        assert!(
            al.red_flags.iter().all(|f| f.missing_hedge),
            "{:?}",
            al.red_flags
        );
    }

    #[test]
    fn a_belief_reported_to_be_rejected_is_not_asserted() {
        let guide = builtin_guide("multi-region-kubernetes", 2);
        let reported = "People assume the RPO is zero with Aurora Global Database, but \
            replication is asynchronous and I'd measure the lag.";
        let al = guide.align(reported);
        assert_unflagged(&al);
        let tempting = "It's tempting to promise zero data loss here; I wouldn't.";
        let al = guide.align(tempting);
        assert_unflagged(&al);
        let not_assumed = "I wouldn't assume the RPO is zero with Aurora Global Database.";
        let al = guide.align(not_assumed);
        assert_unflagged(&al);
        let anyone = "Anyone promising zero data loss is describing synchronous replication.";
        let al = guide.align(anyone);
        assert_unflagged(&al);
        // what follows a contrast, or a colon, is asserted again
        let asserted = "People worry about lag, but the RPO is zero with Aurora Global Database.";
        let al = guide.align(asserted);
        assert_flagged(&al, asserted, "RPO is zero");
        let colon = "A game day shows whether failover works: the RPO is zero with Aurora \
            Global Database.";
        let al = guide.align(colon);
        assert_flagged(&al, colon, "RPO is zero");
        // "whether" makes only its own clause a question
        let because = "Whether we measure the lag hardly matters, because the RPO is zero with \
            Aurora Global Database.";
        let al = guide.align(because);
        assert_flagged(&al, because, "RPO is zero");
    }

    #[test]
    fn a_universal_belief_is_not_held_by_a_claim_its_sentence_makes_an_exception_to() {
        let guide = builtin_guide("tls-certificate-expiry-outage", 2);
        let excepted = "Browsers cope because they cache intermediates or download them, but \
            Java's default validation doesn't.";
        let al = guide.align(excepted);
        assert_unflagged(&al);
        let held = "Browsers cope because they cache intermediates or download them, so every \
            client gets there.";
        let al = guide.align(held);
        assert_flagged(&al, held, "cache intermediates");
    }

    #[test]
    fn a_certainty_word_as_an_object_or_one_side_of_a_comparison_is_not_asserted() {
        // the guidance: "about 4 extra bytes a row is trivial next to this month"
        let guide = builtin_guide("zero-downtime-schema-migration", 5);
        let compared = "Bigint for every new key, because four more bytes a row is nothing next \
            to a month of two engineers.";
        let al = guide.align(compared);
        assert_unflagged(&al);
        let certain = "Bigint for every new key, because four more bytes a row is nothing.";
        assert!(!guide.align(certain).red_flags.is_empty());
        // the guidance: "often from a reminder in their personal inbox"
        let guide = builtin_guide("tls-certificate-expiry-outage", 5);
        let object = "By the following year the owner has moved teams, so the reminder in their \
            inbox fires into nothing.";
        let al = guide.align(object);
        assert_unflagged(&al);
        assert!(
            !guide
                .align("The reminder in their inbox never fires.")
                .red_flags
                .is_empty()
        );
    }

    #[test]
    fn a_filler_word_inside_a_cue_phrase_does_not_hide_it() {
        // "Claiming \"synthetic traffic has no downside\" is a red flag."
        let guide = builtin_guide("slo-burn-rate-alerting", 4);
        let real = "Synthetic traffic is the cleanest fix because it has no real downside.";
        assert_flagged(&guide.align(real), real, "no real downside");
        let admitted = "Synthetic traffic is the cleanest fix, though it has a real downside: \
            probes can hide a real outage.";
        let al = guide.align(admitted);
        assert_unflagged(&al);
    }

    #[test]
    fn a_weak_answer_given_nearly_whole_is_flagged_unless_its_reasons_are_given_too() {
        // the weak answer: "The app writes to Postgres and then to OpenSearch." — Two writes
        // without a shared transaction drift when one fails …
        let guide = builtin_guide("search-build-vs-buy", 2);
        let given = "The app writes each product to Postgres and then to OpenSearch.";
        assert_flagged(&guide.align(given), given, "Postgres and then");
        let discussed = "I'd keep the app out of it: when the app writes to Postgres and then \
            to OpenSearch, the two drift the moment one write fails.";
        let al = guide.align(discussed);
        assert_unflagged(&al);
    }

    #[test]
    fn a_negative_certainty_opening_a_relative_clause_is_not_asserted() {
        // the guidance hedges: interface endpoints "are usually cheaper than NAT"
        let guide = builtin_guide("cloud-cost-reduction", 4);
        let relative = "In my experience a big share turns out to be S3, DynamoDB, ECR pulls \
            or CloudWatch, traffic that never needed to leave through NAT.";
        let al = guide.align(relative);
        assert_unflagged(&al);
        let asserted = "In my experience a big share turns out to be S3, DynamoDB, ECR pulls \
            or CloudWatch, and that traffic never needs to leave through NAT.";
        assert!(!guide.align(asserted).red_flags.is_empty());
    }

    #[test]
    fn what_follows_than_is_compared_not_asserted() {
        // the guidance: "a manual ramp is a weaker substitute" for an automated canary
        let guide = builtin_guide("mentoring-failed-launch", 3);
        let less = "I'd tell leadership plainly, in an email, that this ramp is less safe than \
            an automated canary.";
        let al = guide.align(less);
        assert_unflagged(&al);
        let same = "I'd tell leadership plainly, in an email, that this ramp is as safe as an \
            automated canary.";
        assert!(!guide.align(same).red_flags.is_empty());
    }

    #[test]
    fn what_the_guidance_insists_on_comes_from_the_guidance_not_the_question() {
        // the question: "A week in, Jordan's manager tells you a VP asked …"; the Strong
        // Answer: "With Jordan's manager, who owns Jordan's career decisions …"
        let guide = builtin_guide("mentoring-failed-launch", 4);
        let al = guide.align("That skips the manager.");
        let dismissal = al
            .red_flags
            .iter()
            .find(|f| f.reason.starts_with("Dismisses"))
            .expect("a dismissal of talking to the manager");
        assert!(
            !dismissal.reason.contains("A week in"),
            "{}",
            dismissal.reason
        );
    }

    #[test]
    fn a_certainty_phrase_after_a_condition_is_not_asserted() {
        let guide = builtin_guide("pipeline-backfill-duplicates", 1);
        let until = "I'd tell finance not to use August through October until we know what \
            happened.";
        let al = guide.align(until);
        assert_unflagged(&al);
        assert!(al.coverage > 0.0);
    }

    #[test]
    fn a_key_term_named_in_a_denial_is_still_named() {
        let guide = builtin_guide("slo-burn-rate-alerting", 4);
        let al = guide.align("I wouldn't remove the SLO alerts during normal traffic.");
        assert!(
            al.points
                .iter()
                .any(|p| p.covered && matches!(p.kind, PointKind::Term(_)) && p.text == "SLO"),
            "{:?}",
            al.points.iter().filter(|p| p.covered).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_warned_phrase_is_found_in_other_words_for_secure_and_by_default() {
        // the guidance warns against "OIDC is secure by default"
        let guide = builtin_guide("leaked-cloud-access-key", 5);
        let safe = "OIDC is safe out of the box.";
        assert_flagged(&guide.align(safe), safe, "safe");
        let locked = "OIDC comes locked down as shipped.";
        assert_flagged(&guide.align(locked), locked, "locked");
    }

    #[test]
    fn a_denial_does_not_go_against_a_condition_but_a_certainty_does() {
        let guide = builtin_guide("jvm-memory-leak", 4);
        let certainty = |al: &Alignment| {
            al.red_flags
                .iter()
                .any(|f| f.reason.starts_with("Certainty"))
        };
        // the guidance: "If it's Class, metaspace is growing: a class loader leak, or …"
        let denial = "Metaspace growth points to generated classes or classloaders that never \
            get released.";
        assert!(
            !certainty(&guide.align(denial)),
            "{:?}",
            guide.align(denial).red_flags
        );
        let always = "Metaspace growth always means a classloader leak, definitely.";
        assert!(
            certainty(&guide.align(always)),
            "{:?}",
            guide.align(always).red_flags
        );
    }

    #[test]
    fn a_positive_certainty_about_what_a_trap_section_discusses_is_a_flag() {
        let guide = builtin_guide("multi-region-kubernetes", 4);
        let certain = "With EU data kept in Frankfurt, our technical plan fully settles the \
            regulatory requirement.";
        let al = guide.align(certain);
        assert_flagged(&al, certain, "fully settles");
        let denial = "No technical plan settles the regulatory requirement on its own.";
        let al = guide.align(denial);
        assert!(!flagged(&al, denial, "settles"), "{:?}", al.red_flags);
    }

    #[test]
    fn a_belief_drawn_from_a_premise_is_held_in_its_conclusion() {
        let guide = builtin_guide("leaked-cloud-access-key", 1);
        // the premise of "AWS quarantined it, so the key is harmless" is simply true
        let premise = "AWS's quarantine policy is attached to that user.";
        assert_no_flag_of(&guide.align(premise), "Restates");
        let conclusion = "The key is harmless now, because AWS quarantined it.";
        let al = guide.align(conclusion);
        assert_flagged(&al, conclusion, "harmless");
    }

    #[test]
    fn a_claim_keeping_a_hedge_or_naming_an_exception_is_not_a_certainty() {
        let guide = builtin_guide("rate-limiter-public-api", 2);
        let rough = "The script always sets PEXPIRE to roughly one full refill, so idle \
            tenants' keys expire.";
        assert_no_flag_of(&guide.align(rough), "Certainty");
        let exact = "The script always sets PEXPIRE to one full refill, so idle tenants' keys \
            expire.";
        let al = guide.align(exact);
        assert_flagged(&al, exact, "always sets");
        for conditional in [
            "If Redis is slow, the gateway never waits longer than its 5 ms timeout.",
            "Should Redis be slow, the gateway never waits longer than its 5 ms timeout.",
        ] {
            assert_no_flag_of(&guide.align(conditional), "Certainty");
        }
        let keys = builtin_guide("leaked-cloud-access-key", 3);
        let except = "The new user is scoped to the export, and a condition denies calls from \
            anywhere but our egress IP.";
        assert_no_flag_of(&keys.align(except), "Certainty");
    }

    #[test]
    fn a_dismissal_reaches_no_further_than_its_clause() {
        let guide = builtin_guide("zero-downtime-schema-migration", 4);
        let next_clause = "Ship a build that ignores the old column, confirm every pod runs it, \
            then drop the column.";
        assert_no_flag_of(&guide.align(next_clause), "Dismisses");
        let same_clause = "We can skip the check on consumers and drop the column right away.";
        let al = guide.align(same_clause);
        assert_flagged(&al, same_clause, "skip the check");
    }

    #[test]
    fn a_belief_judged_harmful_or_softened_is_not_restated() {
        let kafka = builtin_guide("kafka-consumer-lag", 2);
        let criticised = "The slow loop misses its deadline, so raising the session timeout to \
            ten minutes leaves the storm untouched and only delays noticing a crash.";
        assert_no_flag_of(&kafka.align(criticised), "Restates");
        let endorsed = "Just raise the session timeout to ten minutes and the storm stops.";
        let al = kafka.align(endorsed);
        assert_flagged(&al, endorsed, "raise the session");
        // "every client fetches …" is wrong for its "every"; "often" is not that belief
        let tls = builtin_guide("tls-certificate-expiry-outage", 2);
        let often = "Browsers often fetch a missing intermediate from the URL in the leaf.";
        assert_no_flag_of(&tls.align(often), "Restates");
        let every = "Every client fetches a missing intermediate from the URL in the leaf.";
        let al = tls.align(every);
        assert_flagged(&al, every, "fetches");
    }

    #[test]
    fn a_belief_about_a_keyword_is_found_in_lower_case_too() {
        // the guidance writes CONCURRENTLY in capitals, candidates often do not
        let guide = builtin_guide("zero-downtime-schema-migration", 2);
        let lower = "Building the index concurrently takes no lock.";
        let al = guide.align(lower);
        assert_flagged(&al, lower, "takes no lock");
    }

    #[test]
    fn no_said_as_an_answer_and_a_conditional_claim_take_no_side() {
        let guide = builtin_guide("rate-limiter-public-api", 4);
        let answer = "Turning a request away still costs a Redis call: saying no is as \
            expensive as saying yes.";
        let al = guide.align(answer);
        assert_no_flag_of(&al, "Contradiction");
        let zdm = builtin_guide("zero-downtime-schema-migration", 4);
        let conditional = "Swapping the columns back only works while every id still fits \
            in an integer.";
        let al = zdm.align(conditional);
        assert_no_flag_of(&al, "Contradiction");
    }

    #[test]
    fn an_equal_or_complete_claim_is_a_certainty() {
        let limiter = builtin_guide("rate-limiter-public-api", 3);
        let equal = "Each pod's local bucket is just as exact as asking Redis every time.";
        let al = limiter.align(equal);
        assert_flagged(&al, equal, "exact");
        let plain = "Each pod's local bucket is as exact as asking Redis every time.";
        let al = limiter.align(plain);
        assert!(
            al.red_flags.iter().all(|f| f.missing_hedge),
            "{:?}",
            al.red_flags
        );
        let jvm = builtin_guide("jvm-memory-leak", 4);
        let all = "I'd turn on NMT, since it accounts for every allocation the process makes.";
        let al = jvm.align(all);
        assert_flagged(&al, all, "every allocation");
        let some = "I'd turn on NMT, since it reports the allocations the process makes.";
        let al = jvm.align(some);
        assert!(
            al.red_flags.iter().all(|f| f.missing_hedge),
            "{:?}",
            al.red_flags
        );
    }

    #[test]
    fn certainty_about_what_the_interviewers_question_challenges_is_a_flag() {
        // "Your table now has time travel, so you can roll back a bad backfill in seconds.
        // Why isn't that enough on its own?"
        let guide = builtin_guide("pipeline-backfill-duplicates", 5);
        let settled = "Any bad backfill can always be rolled back in seconds.";
        let al = guide.align(settled);
        assert_flagged(&al, settled, "always");
        assert!(
            al.red_flags[0]
                .reason
                .contains("interviewer's question challenges")
        );
        let weighed = "Time travel lets us roll back a bad backfill in seconds, but that isn't \
            enough on its own.";
        assert_no_flag_of(&guide.align(weighed), "Certainty");
        // "Does that prove the currency fix is right?": what a yes/no question proposes
        let check = builtin_guide("pipeline-backfill-duplicates", 3);
        let proved = "Matching counts and sums definitely prove the currency fix is right.";
        let al = check.align(proved);
        assert_flagged(&al, proved, "definitely");
        // "…, and does read mean the pages came from disk?"
        let buffers = builtin_guide("postgres-index-under-load", 2);
        let disk = "The shared read pages definitely came from disk.";
        assert_flagged(&buffers.align(disk), disk, "definitely");
        // …but said under a condition of its own, it may be right
        let bulk = builtin_guide("search-build-vs-buy", 2);
        let checked = "If the top-level errors flag is false, every single document in the \
            batch was indexed.";
        assert_no_flag_of(&bulk.align(checked), "Certainty");
    }

    #[test]
    fn a_view_pushed_back_on_and_a_denial_said_strongly_are_not_certainty_flags() {
        let guide = builtin_guide("rate-limiter-public-api", 4);
        let reported = "I'd push back on anyone who says the limiter should always let \
            traffic through when Redis is down, or always block it.";
        assert_no_flag_of(&guide.align(reported), "Certainty");
        let strong_denial = "Services need their own concurrency limits and load shedding \
            that don't lean on Redis at all.";
        assert_no_flag_of(&guide.align(strong_denial), "Certainty");
    }

    #[test]
    fn immediately_and_we_know_are_certainty_words() {
        let guide = builtin_guide("cloud-cost-reduction", 3);
        let hasty = "If the plan shows 100 percent utilised, we were too timid, so I'd \
            immediately increase the commitment until utilisation starts to dip.";
        assert_flagged(&guide.align(hasty), hasty, "immediately");
        // "we know" claims as much
        let bulk = builtin_guide("search-build-vs-buy", 2);
        let known = "Once a batch comes back with a 200 we know those documents are in the \
            index, so we commit the offset.";
        assert_flagged(&bulk.align(known), known, "we know");
    }

    #[test]
    fn an_expected_hedge_said_in_part_in_other_words_counts() {
        // "I'd measure on one canary pod first"
        let guide = builtin_guide("jvm-memory-leak", 4);
        let said = "First I'd enable NMT on a single pod.";
        assert!(guide.align(said).red_flags.is_empty());
        let fleet = "I'd turn on NMT across the fleet and set Xmx lower until it stops.";
        assert!(guide.align(fleet).red_flags.iter().any(|f| f.missing_hedge));
    }

    #[test]
    fn sufficiency_is_a_positive_certainty_even_when_it_opens_with_no() {
        // the trap's truth: the trust policy must check the audience and the `sub` claim
        let guide = builtin_guide("leaked-cloud-access-key", 5);
        let enough = "The trust policy names the GitHub provider; tokens from it can only \
            belong to our repositories, so no further conditions are needed.";
        assert_flagged(&guide.align(enough), enough, "no further");
        let nothing_else = "Only tokens minted for our organisation can be exchanged for our \
            role, so once the provider is registered there's nothing else to lock down.";
        assert_flagged(&guide.align(nothing_else), nothing_else, "nothing else");
    }

    #[test]
    fn a_belief_said_as_a_hypothesis_is_restated_by_the_same_hypothesis() {
        // "a canary would definitely have caught it": "would" is part of the belief
        let guide = builtin_guide("mentoring-failed-launch", 2);
        let said = "A small canary stage would have caught this.";
        let al = guide.align(said);
        assert_flagged(&al, said, "would have caught");
        let denied = "A canary probably wouldn't have caught it on its own.";
        assert_no_flag_of(&guide.align(denied), "Restates");
    }

    #[test]
    fn paraphrases_of_defaults_labels_month_starts_totals_and_our_end_are_known() {
        let oidc = builtin_guide("leaked-cloud-access-key", 5);
        let secure = "OIDC is secure out of the box.";
        assert_flagged(&oidc.align(secure), secure, "box");
        let cost = builtin_guide("cloud-cost-reduction", 1);
        let label = "We'll ask everyone to label their resources.";
        assert_flagged(&cost.align(label), label, "label");
        let slo = builtin_guide("slo-burn-rate-alerting", 3);
        let month = "The budget comes back at the start of the month.";
        assert_flagged(&slo.align(month), month, "month");
        let jvm = builtin_guide("jvm-memory-leak", 4);
        let whole = "NMT covers the whole footprint of the process, native libraries included.";
        let al = jvm.align(whole);
        assert_flagged(&al, whole, "whole footprint");
        let tls = builtin_guide("tls-certificate-expiry-outage", 4);
        let backend = "For now we relax pinning from our end.";
        assert_flagged(&tls.align(backend), backend, "pinning");
    }

    #[test]
    fn hard_to_undo_is_the_irreversible_side() {
        // the guidance: "Something hard to undo or that lands on customers — data loss,
        // security, money, anything public and tied to a date — I step in early"
        let guide = builtin_guide("mentoring-failed-launch", 5);
        let agrees = "If it's irreversible or lands on customers, like data loss or a public \
            launch with a date, I step in early.";
        let al = guide.align(agrees);
        assert_unflagged(&al);
        let opposite = "Something that lands on customers, like data loss or a public launch \
            with a date, is easy to undo, so I stay out.";
        assert!(!guide.align(opposite).red_flags.is_empty());
    }

    #[test]
    fn a_dismissal_inside_a_condition_names_what_is_missing() {
        let guide = builtin_guide("mentoring-failed-launch", 5);
        let condition = "I agree tripwires up front: I'll interrupt if you go past ten percent \
            without alerts.";
        let al = guide.align(condition);
        assert_unflagged(&al);
        let advice = "I agree tripwires up front, and you can go past ten percent without alerts.";
        assert_flagged(&guide.align(advice), advice, "without alerts");
    }

    #[test]
    fn a_warned_phrase_with_what_its_warning_asks_for_is_not_flagged() {
        // the Trap Alert: Saying "overwrite only touches the partitions I write" without
        // naming the setting is the red flag
        let guide = builtin_guide("pipeline-backfill-duplicates", 2);
        let bare = "Switch the writer to overwrite mode: overwrite only touches the partitions \
            I write.";
        assert_flagged(&guide.align(bare), bare, "partitions");
        for named in [
            "In Spark that means overwrite mode with the partitionOverwriteMode setting at \
             dynamic, so overwrite only touches the partitions I write.",
            // a setting is also a config or an option
            "In Spark that means overwrite mode with dynamic partition overwrite switched on \
             in the session config, so overwrite only touches the partitions I write.",
            // the same warning read as a belief a claim restates
            "In Spark with plain Parquet that's overwrite mode with partition overwrite set to \
             dynamic.",
        ] {
            let al = guide.align(named);
            assert!(al.red_flags.is_empty(), "{named}: {:?}", al.red_flags);
        }
        let unnamed = "In Spark with plain Parquet that's overwrite mode with partition overwrite.";
        assert!(!guide.align(unnamed).red_flags.is_empty());
    }

    #[test]
    fn a_negative_certainty_one_word_into_a_relative_clause_is_not_asserted() {
        // the guidance hedges the baseline: "zero-result rate, click-through on the top three"
        let guide = builtin_guide("search-build-vs-buy", 1);
        let relative = "I'd baseline the zero-result rate, meaning the share of searches that \
            return nothing, and top-three click-through.";
        let al = guide.align(relative);
        assert_unflagged(&al);
        let asserted = "I'd baseline top-three click-through, since our searches return nothing \
            surprising.";
        assert_flagged(&guide.align(asserted), asserted, "return nothing");
    }

    #[test]
    fn not_thinking_something_is_needed_dismisses_it() {
        // "Ship the fix anyway" breaks a freeze "without the release owner's agreement"
        let guide = builtin_guide("jvm-memory-leak", 3);
        let raised = "It's a bug fix, so I don't think it needs the release manager's sign-off.";
        assert_flagged(&guide.align(raised), raised, "sign-off");
        let asked = "It's a bug fix, but I think it needs the release manager's sign-off.";
        let al = guide.align(asked);
        assert_unflagged(&al);
    }

    #[test]
    fn dismissing_what_the_strong_answer_rests_on_is_flagged() {
        // the Strong Answer: "… buckets live in Redis and are updated by a Lua script"
        let guide = builtin_guide("rate-limiter-public-api", 1);
        let dismissed = "Each of those Redis commands is atomic on its own, so there's no need \
            for Lua scripting.";
        assert_flagged(&guide.align(dismissed), dismissed, "Lua");
        let kept = "Each of those Redis commands is atomic on its own, but I'd still use a Lua \
            script.";
        let al = guide.align(kept);
        assert_unflagged(&al);
        // "without" is also said of what is rightly absent: only what the guidance insists on
        // counts after it
        let kafka = builtin_guide("kafka-consumer-lag", 2);
        let absent = "Members churning without crashing, at peak, is almost always the \
            poll-interval check.";
        let al = kafka.align(absent);
        assert_unflagged(&al);
    }

    #[test]
    fn a_side_the_guidance_takes_away_is_not_its_stance() {
        // the Strong Answer: "take the synchronous dependency off the critical path: … accept
        // the address and validate it afterwards"
        let guide = builtin_guide("mentoring-failed-launch", 3);
        let agreeing = "If the address check takes longer than roughly 800 ms, accept the \
            address and validate asynchronously.";
        let al = guide.align(agreeing);
        assert_unflagged(&al);
    }

    #[test]
    fn what_a_weak_answer_explanation_describes_is_not_insisted_on() {
        // "No distinction between execution and wait time — … a candidate can spend an hour
        // tuning a 4 ms query while requests sit in the pool queue."
        let guide = builtin_guide("postgres-index-under-load", 1);
        let agreeing = "If it's still a few milliseconds per execution, tuning the query is a \
            wasted hour.";
        let al = guide.align(agreeing);
        assert_unflagged(&al);
    }

    #[test]
    fn a_weak_answer_is_given_only_in_its_own_order() {
        // the weak answer: "Restart the consumer pods."
        let guide = builtin_guide("kafka-consumer-lag", 1);
        let checked = "Meanwhile I'd check pod restarts, consumer logs for rebalances and commit \
            errors, and the shipping API's latency.";
        let al = guide.align(checked);
        assert_unflagged(&al);
        let given = "First I'd restart the consumer pods, then check the shipping API's latency.";
        assert_flagged(&guide.align(given), given, "restart");
    }

    #[test]
    fn being_sure_of_a_refusal_restates_nothing() {
        // the weak answer: "Reset the group's offsets to latest so we're caught up."
        let guide = builtin_guide("kafka-consumer-lag", 1);
        let refused = "I wouldn't scale out yet, since with 12 partitions extra pods would sit \
            idle and every scale event triggers a rebalance, and I definitely wouldn't reset \
            offsets.";
        let al = guide.align(refused);
        assert_unflagged(&al);
        let sure = "I wouldn't scale out yet, since with 12 partitions extra pods would sit \
            idle and every scale event triggers a rebalance, and I'd definitely reset offsets.";
        assert_flagged(&guide.align(sure), sure, "definitely");
    }

    #[test]
    fn a_dismissal_the_guidance_makes_too_is_agreement() {
        // the Strong Answer: "… reads Redis's own TIME …, so pod clock skew doesn't matter"
        let guide = builtin_guide("rate-limiter-public-api", 1);
        let same = "I'd do the refill and decrement in one Lua script, reading Redis TIME so \
            clock drift on pods doesn't matter.";
        let al = guide.align(same);
        assert_unflagged(&al);
        let other = "I'd do the refill and decrement in one Lua script; the Lua script itself \
            doesn't matter much.";
        assert_flagged(&guide.align(other), other, "matter");
    }

    #[test]
    fn a_number_set_against_the_claim_is_not_given() {
        // the guidance: "if renewal runs every 60 days, a broken renewal shows up within weeks"
        let guide = builtin_guide("tls-certificate-expiry-outage", 5);
        let given = "Renewal should run every two years.";
        assert_flagged(&guide.align(given), given, "two years");
        let against = "I'd much rather have things expire every 90 days and renew themselves \
            than last two years on a reminder.";
        let al = guide.align(against);
        assert_unflagged(&al);
    }

    #[test]
    fn a_negative_subject_denies_the_belief() {
        // the weak answer: "Backfill straight into the published table; we'll check the
        // dashboard after."
        let guide = builtin_guide("pipeline-backfill-duplicates", 3);
        let denied = "Nothing goes straight into the published table: each day is written to a \
            staging table and checked first.";
        assert_unflagged(&guide.align(denied));
        let given = "Everything goes straight into the published table and we check the \
            dashboard after.";
        assert_flagged(&guide.align(given), given, "straight into");
    }

    #[test]
    fn what_the_speaker_means_to_be_is_not_certainty() {
        // the weak answer: "Divide each tenant's limit by the number of pods and enforce it
        // locally."
        let guide = builtin_guide("rate-limiter-public-api", 3);
        let aside = "Each pod recalculates its allowance from that, and, to be precise: it's \
            the tenant's remaining global budget, divided by the pods that are seeing that \
            tenant right now.";
        assert_unflagged(&guide.align(aside));
        let sure = "Each pod's allowance is precisely the tenant's limit divided by the number \
            of pods, enforced locally.";
        assert_flagged(&guide.align(sure), sure, "precisely");
    }

    #[test]
    fn a_certainty_inside_a_restriction_names_its_scope() {
        // the guidance: "Three-year terms and upfront payment buy a bit more discount, which
        // I'd use only for the part we're sure of."
        let guide = builtin_guide("cloud-cost-reduction", 3);
        let scoped = "I'd buy three-year terms with upfront payment only for the part we're \
            certain survives the migration.";
        assert_unflagged(&guide.align(scoped));
        let sure = "I'd buy three-year terms with upfront payment because we're certain it \
            survives the migration.";
        assert_flagged(&guide.align(sure), sure, "certain");
    }

    #[test]
    fn a_condition_after_a_connective_still_hedges() {
        // the guidance hedges what an m5 commitment does when workloads move
        let guide = builtin_guide("cloud-cost-reduction", 3);
        let hedged = "So if we commit on m5 and then half of it moves to Graviton, we're paying \
            for a commitment nothing uses.";
        assert_unflagged(&guide.align(hedged));
        let sure = "We commit on m5, and we're paying for a commitment nothing uses.";
        assert_flagged(&guide.align(sure), sure, "nothing");
    }

    #[test]
    fn a_pronoun_after_a_dismissal_stands_for_what_the_sentence_named() {
        // the Strong Answer widens the child tables' foreign key columns too
        let guide = builtin_guide("zero-downtime-schema-migration", 1);
        let dismissed = "Postgres happily compares integer and bigint across a foreign key, \
            so we don't need to migrate them.";
        let al = guide.align(dismissed);
        assert!(
            al.red_flags.iter().any(|f| f
                .reason
                .starts_with("Dismisses what the guidance insists on")),
            "{:?}",
            al.red_flags
        );
        assert!(
            flagged(&al, dismissed, "migrate them"),
            "{:?}",
            al.red_flags
        );
        let bare = "Postgres happily compares integer and bigint across a foreign key, so we \
            don't need to migrate.";
        assert_unflagged(&guide.align(bare));
        let light = "The old dashboards are noisy, so there's no need to keep them.";
        assert_unflagged(&guide.align(light));
    }

    #[test]
    fn a_number_taken_back_is_not_given() {
        // the guidance: "Enable auto_explain with log_min_duration around 500 ms …"
        let guide = builtin_guide("postgres-index-under-load", 5);
        let corrected = "I'd turn on auto_explain, maybe with log_min_duration around 100 ms, \
            no, that's probably too chatty on a busy box, call it 500 ms.";
        assert_unflagged(&guide.align(corrected));
        let kept = "I'd turn on auto_explain with log_min_duration around 100 ms, and retry \
            after 500 ms.";
        assert_flagged(&guide.align(kept), kept, "100 ms");
    }

    #[test]
    fn how_a_belief_sounds_before_it_is_denied_is_not_given() {
        // the weak answer: "Wait for the maintenance window."
        let guide = builtin_guide("postgres-index-under-load", 3);
        let denied = "Waiting two weeks for the maintenance window sounds safe, but I don't \
            think it is: customers are hurting now.";
        assert_unflagged(&guide.align(denied));
        let given = "Waiting two weeks for the maintenance window is safe, and customers can \
            live with slow pages.";
        assert_flagged(&guide.align(given), given, "maintenance window");
    }

    #[test]
    fn a_first_instinct_named_is_reported_not_given() {
        // the weak answer: "Hire a DBA to handle migrations."
        let guide = builtin_guide("zero-downtime-schema-migration", 5);
        let named = "The first instinct is to hire a DBA to handle migrations, and I'd resist it.";
        assert_unflagged(&guide.align(named));
        let given = "I'd hire a DBA to handle migrations.";
        assert_flagged(&guide.align(given), given, "DBA");
    }

    #[test]
    fn i_think_hedges_a_claim() {
        // the guidance hedges its alert on sequences past half their range
        let guide = builtin_guide("zero-downtime-schema-migration", 5);
        let hedged = "And a cheap alert, I think one query on pg_sequences is enough, whenever \
            a sequence crosses 50% of its max.";
        assert_unflagged(&guide.align(hedged));
        let sure = "And a cheap alert, one query on pg_sequences is enough, whenever a sequence \
            crosses 50% of its max.";
        assert_flagged(&guide.align(sure), sure, "enough");
    }

    #[test]
    fn what_will_not_scale_is_denied() {
        // the guidance: "… public certificate lifetimes drop to 200 days in 2026 and 47 days by
        // 2029, so manual renewal won't scale anyway."
        let guide = builtin_guide("tls-certificate-expiry-outage", 3);
        let agreeing = "Public lifetimes drop to 47 days by 2029, so this has to be automated \
            anyway.";
        assert_unflagged(&guide.align(agreeing));
        let opposite = "Public lifetimes drop to 47 days by 2029, but manual renewal with \
            calendar reminders is fine.";
        assert_flagged(&guide.align(opposite), opposite, "manual renewal");
    }

    #[test]
    fn a_zero_counts_the_word_after_it() {
        // the guidance: "Committing before rightsizing locks in the waste for three years …"
        let guide = builtin_guide("cloud-cost-reduction", 1);
        let counted = "Rightsizing comes before any commitment. Waste first, zero risk.";
        assert_unflagged(&guide.align(counted));
        let other = "Rightsizing comes before any commitment, since committing locks in the \
            waste for zero years.";
        assert_flagged(&guide.align(other), other, "zero years");
    }

    #[test]
    fn a_verb_of_completing_is_no_certainty() {
        // the weak answer: "Run CREATE INDEX now; it'll only take a few minutes."
        let guide = builtin_guide("postgres-index-under-load", 3);
        let verb = "A plain CREATE INDEX takes SHARE, which stalls every checkout write until a \
            140 GB build completes.";
        assert_unflagged(&guide.align(verb));
        let adverb = "Run CREATE INDEX now: it completely finishes in a few minutes.";
        assert_flagged(&guide.align(adverb), adverb, "completely");
    }

    #[test]
    fn a_belief_offered_as_a_possibility_is_not_given_however_surely() {
        // the weak answer: "Partition by arrival date instead, so nothing is ever late."
        let guide = builtin_guide("pipeline-backfill-duplicates", 4);
        let offered = "You could partition by arrival date instead so nothing is ever late, but \
            that moves the problem to finance.";
        assert_unflagged(&guide.align(offered));
        let given = "Partition by arrival date instead, so nothing is ever late.";
        assert_flagged(&guide.align(given), given, "nothing is ever late");
    }

    #[test]
    fn nothing_as_what_a_verb_does_is_no_certainty() {
        // the weak answer: "Just add an index to the ILIKE query."
        let guide = builtin_guide("search-build-vs-buy", 1);
        let object = "A B-tree does nothing for ILIKE '%term%', so I'd look at a trigram index \
            and full text search.";
        assert_unflagged(&guide.align(object));
        let sure = "Just add an index to the ILIKE query and nothing else is needed.";
        assert_flagged(&guide.align(sure), sure, "nothing else");
        // the guidance: "… there is no record either way."
        let guide = builtin_guide("leaked-cloud-access-key", 2);
        let proves = "Without data-event logging on those buckets, the absence of GetObject \
            proves nothing.";
        assert_unflagged(&guide.align(proves));
    }

    #[test]
    fn acting_with_confidence_is_certainty() {
        // the guidance: "… with average CPU at 12%" is no reason to resize by itself
        let guide = builtin_guide("cloud-cost-reduction", 2);
        let sure = "Twelve percent average CPU across the fleet is a strong signal, and I'd act \
            on it confidently.";
        assert_flagged(&guide.align(sure), sure, "confidently");
        let plain = "Twelve percent average CPU across the fleet is a strong signal, and I'd act \
            on it.";
        let al = guide.align(plain);
        assert_unflagged(&al);
    }
}

#[cfg(test)]
mod proptests {
    use super::*;
    use crate::content::{Round, Section};
    use proptest::prelude::*;

    fn section(label: &str, text: String, items: Vec<String>) -> Section {
        Section {
            label: label.into(),
            text,
            items,
            markdown: String::new(),
        }
    }

    proptest! {
        #[test]
        fn arbitrary_rounds_and_answers_never_panic_and_spans_are_in_bounds(
            strong in ".{0,300}",
            weak in proptest::collection::vec(".{0,80}", 0..4),
            trap in "(.{0,40}\"{0,2}){0,6}",
            answer in ".{0,400}",
        ) {
            let round = Round {
                number: 1,
                name: "R".into(),
                prompt: "p".into(),
                testing: None,
                follow_up: None,
                sections: vec![
                    section("Strong Answer", strong.clone(), vec![]),
                    section("Common Weak Answers", String::new(), weak),
                    section("Trap Alert", trap.clone(), vec![]),
                    section("Trap Question Variant", trap, vec![]),
                ],
            };
            let stats = LibraryStats::default();
            let al = align_round(&round, &answer, &stats);
            prop_assert!((0.0..=1.0).contains(&al.coverage));
            let ok = |t: &str, [s, e]: [usize; 2]| s <= e && e <= t.len() && t.is_char_boundary(s) && t.is_char_boundary(e);
            for p in &al.points {
                prop_assert!(ok(&strong, p.guidance_span));
                for &sp in &p.answer_spans { prop_assert!(ok(&answer, sp)); }
            }
            for w in &al.weak_matches {
                prop_assert!((0.0..=1.0).contains(&w.score));
                for &sp in &w.answer_spans { prop_assert!(ok(&answer, sp)); }
            }
            for f in &al.red_flags {
                for &sp in &f.answer_spans { prop_assert!(ok(&answer, sp)); }
            }
        }
    }
}
