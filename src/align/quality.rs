//! Quality measurement of the engine on labelled answers: ordering rates, AUC of strong vs
//! weak and off-topic answers, bluff detection and false-flag rates. Used by the unit test over
//! `tests/fixtures/align/*.json` and callable from a CLI or bench.

use serde::{Deserialize, Serialize};

use super::{Alignment, LibraryStats, RoundGuide};
use crate::content::{Gauntlet, Round};

/// The label of a hand-written answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Label {
    /// Covers the Strong Answer in other words.
    Strong,
    /// Covers part of it.
    Partial,
    /// Resembles a common weak answer.
    Weak,
    /// About something else.
    OffTopic,
    /// Falls into the round's trap (must get a red flag).
    Bluff,
}

/// One labelled answer for one round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LabelledAnswer {
    /// 1-based round number.
    pub round: u32,
    /// Its label.
    pub label: Label,
    /// The answer text.
    pub text: String,
}

/// A fixture file: labelled answers for one gauntlet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fixture {
    /// The gauntlet's slug.
    pub gauntlet: String,
    /// The answers.
    pub answers: Vec<LabelledAnswer>,
}

/// Scores of one labelled answer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scored {
    /// Gauntlet slug.
    pub gauntlet: String,
    /// Round number.
    pub round: u32,
    /// Label.
    pub label: Label,
    /// Coverage given by the engine.
    pub coverage: f64,
    /// Number of red flags.
    pub flags: usize,
}

/// Aggregate quality numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QualityReport {
    /// Every scored answer.
    pub scored: Vec<Scored>,
    /// Rounds with both labels where strong coverage > partial coverage, as a share.
    pub strong_over_partial: f64,
    /// Rounds where partial coverage > weak coverage.
    pub partial_over_weak: f64,
    /// Rounds where partial coverage > off-topic coverage.
    pub partial_over_off_topic: f64,
    /// Rounds where strong coverage > weak coverage.
    pub strong_over_weak: f64,
    /// Area under the ROC curve of coverage, strong vs weak + off-topic (ties count half).
    pub auc: f64,
    /// Share of bluff answers with at least one red flag.
    pub bluff_detection: f64,
    /// Share of strong answers with at least one red flag.
    pub false_flag_rate: f64,
    /// Number of rounds evaluated.
    pub rounds: usize,
}

fn rate(pairs: &[(f64, f64)]) -> f64 {
    if pairs.is_empty() {
        return 1.0;
    }
    pairs.iter().filter(|(a, b)| a > b).count() as f64 / pairs.len() as f64
}

/// Area under the ROC curve: probability a positive scores above a negative (ties half).
pub fn auc(positives: &[f64], negatives: &[f64]) -> f64 {
    if positives.is_empty() || negatives.is_empty() {
        return 1.0;
    }
    let mut wins = 0.0;
    for p in positives {
        for n in negatives {
            if p > n {
                wins += 1.0;
            } else if (p - n).abs() < 1e-12 {
                wins += 0.5;
            }
        }
    }
    wins / (positives.len() * negatives.len()) as f64
}

/// Share of the answers labelled `l` with any red flag (0 when there are none).
fn flagged_share(scored: &[Scored], l: Label) -> f64 {
    let all: Vec<&Scored> = scored.iter().filter(|s| s.label == l).collect();
    if all.is_empty() {
        0.0
    } else {
        all.iter().filter(|s| s.flags > 0).count() as f64 / all.len() as f64
    }
}

/// Align one round's labelled answers, recording each in `scored`; their (label, coverage).
fn score_round(
    slug: &str,
    round: &Round,
    answers: &[&LabelledAnswer],
    stats: &LibraryStats,
    scored: &mut Vec<Scored>,
) -> Vec<(Label, f64)> {
    let guide = RoundGuide::new(round, stats);
    let mut by_label: Vec<(Label, f64)> = Vec::new();
    for a in answers {
        let al = guide.align(&a.text);
        by_label.push((a.label, al.coverage));
        scored.push(Scored {
            gauntlet: slug.to_string(),
            round: round.number,
            label: a.label,
            coverage: al.coverage,
            flags: al.red_flags.len(),
        });
    }
    by_label
}

/// Score every fixture answer against its gauntlet and aggregate the quality numbers.
/// Fixtures whose gauntlet or round is not found are skipped.
pub fn evaluate(
    gauntlets: &[Gauntlet],
    fixtures: &[Fixture],
    stats: &LibraryStats,
) -> QualityReport {
    let mut scored = Vec::new();
    let (mut sp, mut pw, mut po, mut sw) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut rounds = 0;
    for f in fixtures {
        let Some(g) = gauntlets.iter().find(|g| g.slug == f.gauntlet) else {
            continue;
        };
        for round in &g.rounds {
            let answers: Vec<&LabelledAnswer> = f
                .answers
                .iter()
                .filter(|a| a.round == round.number)
                .collect();
            if answers.is_empty() {
                continue;
            }
            rounds += 1;
            let by_label = score_round(&g.slug, round, &answers, stats, &mut scored);
            let get = |l: Label| by_label.iter().find(|(x, _)| *x == l).map(|(_, c)| *c);
            let pair = |a: Label, b: Label| Some((get(a)?, get(b)?));
            sp.extend(pair(Label::Strong, Label::Partial));
            pw.extend(pair(Label::Partial, Label::Weak));
            po.extend(pair(Label::Partial, Label::OffTopic));
            sw.extend(pair(Label::Strong, Label::Weak));
        }
    }
    let cov = |ls: &[Label]| -> Vec<f64> {
        scored
            .iter()
            .filter(|s| ls.contains(&s.label))
            .map(|s| s.coverage)
            .collect()
    };
    QualityReport {
        strong_over_partial: rate(&sp),
        partial_over_weak: rate(&pw),
        partial_over_off_topic: rate(&po),
        strong_over_weak: rate(&sw),
        auc: auc(
            &cov(&[Label::Strong]),
            &cov(&[Label::Weak, Label::OffTopic]),
        ),
        bluff_detection: flagged_share(&scored, Label::Bluff),
        false_flag_rate: flagged_share(&scored, Label::Strong),
        rounds,
        scored,
    }
}

/// One line of a JSONL dev set: a labelled answer for one round of one gauntlet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevAnswer {
    /// The gauntlet's slug.
    pub gauntlet: String,
    /// 1-based round number.
    pub round: u32,
    /// Its label.
    pub label: Label,
    /// The answer text.
    pub text: String,
}

/// Parse a JSONL dev set (one [`DevAnswer`] per non-empty line); errors name the line.
pub fn parse_jsonl(text: &str) -> Result<Vec<DevAnswer>, String> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| serde_json::from_str(l).map_err(|e| format!("line {}: {e}", i + 1)))
        .collect()
}

/// The dev-set numbers `gauntlet align eval` prints.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DevReport {
    /// Answers scored (answers of unknown gauntlets or rounds are skipped).
    pub answers: usize,
    /// Rounds with at least one answer.
    pub rounds: usize,
    /// AUC of coverage, strong vs weak + off-topic.
    pub auc_strong_vs_low: f64,
    /// AUC of coverage, strong vs partial.
    pub auc_strong_vs_partial: f64,
    /// Share of rounds (with strong, partial and weak or off-topic answers) where every strong
    /// answer outscores every partial one and every partial one every weak and off-topic one.
    pub full_ordering: f64,
    /// Share of bluffs with a red flag on their own words (a missing hedge does not count).
    pub bluff_detection: f64,
    /// Share of strong answers with any red flag.
    pub false_flags: f64,
    /// What went wrong, one line each: rounds out of order, bluffs missed, strong answers flagged.
    pub misses: Vec<String>,
}

/// Running counts of a dev-set evaluation.
#[derive(Default)]
struct DevTally {
    misses: Vec<String>,
    strong: Vec<f64>,
    partial: Vec<f64>,
    low: Vec<f64>,
    bluffs: usize,
    bluffs_flagged: usize,
    strongs: usize,
    strongs_flagged: usize,
    rounds: usize,
    ordered_rounds: usize,
    ordered_ok: usize,
    scored: usize,
}

impl DevTally {
    /// Count one aligned answer of round `number` of gauntlet `slug`.
    fn answer(&mut self, slug: &str, number: u32, a: &DevAnswer, al: &Alignment) {
        self.scored += 1;
        let flags = &al.red_flags;
        let head: String = a.text.chars().take(60).collect();
        match a.label {
            Label::Strong => {
                self.strong.push(al.coverage);
                self.strongs += 1;
                if let Some(f) = flags.first() {
                    self.strongs_flagged += 1;
                    self.misses.push(format!(
                        "{slug} r{number}: strong answer flagged ({}): \"{head}…\" — {}",
                        f.phrase, f.reason
                    ));
                }
            }
            Label::Partial => self.partial.push(al.coverage),
            Label::Weak | Label::OffTopic => self.low.push(al.coverage),
            Label::Bluff => {
                self.bluffs += 1;
                // Caught only by a flag on the answer's own words: a missing hedge says
                // nothing about the wrong claim.
                if flags.iter().all(|f| f.missing_hedge) {
                    self.misses
                        .push(format!("{slug} r{number}: bluff not flagged: \"{head}…\""));
                } else {
                    self.bluffs_flagged += 1;
                }
            }
        }
    }

    /// Check one round's full ordering: every strong answer above every partial one, every
    /// partial one above every weak and off-topic one.
    fn order(&mut self, slug: &str, number: u32, cov: &[(Label, f64)]) {
        let of = |ls: &[Label]| -> Vec<f64> {
            cov.iter()
                .filter(|(l, _)| ls.contains(l))
                .map(|(_, c)| *c)
                .collect()
        };
        let (s, p, w) = (
            of(&[Label::Strong]),
            of(&[Label::Partial]),
            of(&[Label::Weak, Label::OffTopic]),
        );
        if s.is_empty() || p.is_empty() || w.is_empty() {
            return;
        }
        self.ordered_rounds += 1;
        let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
        let max = |v: &[f64]| v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        if min(&s) > max(&p) && min(&p) > max(&w) {
            self.ordered_ok += 1;
        } else {
            self.misses.push(format!(
                "{slug} r{number}: out of order: strong {s:?} partial {p:?} weak/off-topic {w:?}"
            ));
        }
    }

    fn report(self) -> DevReport {
        let share = |a: usize, b: usize| if b == 0 { 1.0 } else { a as f64 / b as f64 };
        DevReport {
            answers: self.scored,
            rounds: self.rounds,
            auc_strong_vs_low: auc(&self.strong, &self.low),
            auc_strong_vs_partial: auc(&self.strong, &self.partial),
            full_ordering: share(self.ordered_ok, self.ordered_rounds),
            bluff_detection: share(self.bluffs_flagged, self.bluffs),
            false_flags: share(self.strongs_flagged, self.strongs),
            misses: self.misses,
        }
    }
}

/// Score a dev set against the given gauntlets (built once per round).
pub fn evaluate_dev(
    gauntlets: &[Gauntlet],
    answers: &[DevAnswer],
    stats: &LibraryStats,
) -> DevReport {
    let mut tally = DevTally::default();
    for g in gauntlets {
        for round in &g.rounds {
            let these: Vec<&DevAnswer> = answers
                .iter()
                .filter(|a| a.gauntlet == g.slug && a.round == round.number)
                .collect();
            if these.is_empty() {
                continue;
            }
            tally.rounds += 1;
            let guide = RoundGuide::new(round, stats);
            let mut cov: Vec<(Label, f64)> = Vec::new();
            for a in these {
                let al = guide.align(&a.text);
                cov.push((a.label, al.coverage));
                tally.answer(&g.slug, round.number, a, &al);
            }
            tally.order(&g.slug, round.number, &cov);
        }
    }
    tally.report()
}

impl std::fmt::Display for DevReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "answers                       {}", self.answers)?;
        writeln!(f, "rounds                        {}", self.rounds)?;
        writeln!(
            f,
            "AUC strong vs weak+off-topic  {:.3}",
            self.auc_strong_vs_low
        )?;
        writeln!(
            f,
            "AUC strong vs partial         {:.3}",
            self.auc_strong_vs_partial
        )?;
        writeln!(
            f,
            "full ordering per round       {:.1} %",
            self.full_ordering * 100.0
        )?;
        writeln!(
            f,
            "bluff detection               {:.1} %",
            self.bluff_detection * 100.0
        )?;
        writeln!(
            f,
            "false flags on strong answers {:.1} %",
            self.false_flags * 100.0
        )?;
        writeln!(f, "misses                        {}", self.misses.len())?;
        for m in &self.misses {
            writeln!(f, "  - {m}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::parse::parse_gauntlet;

    /// The gauntlets the fixtures are written against, embedded at compile time.
    const GAUNTLETS: [(&str, &str); 3] = [
        (
            "multi-region-kubernetes.md",
            include_str!("../../content/multi-region-kubernetes.md"),
        ),
        (
            "jvm-memory-leak.md",
            include_str!("../../content/jvm-memory-leak.md"),
        ),
        (
            "tls-certificate-expiry-outage.md",
            include_str!("../../content/tls-certificate-expiry-outage.md"),
        ),
    ];

    /// Labelled answers written for those gauntlets (never pasted from the guidance).
    const FIXTURES: [&str; 3] = [
        include_str!("../../tests/fixtures/align/multi-region-kubernetes.json"),
        include_str!("../../tests/fixtures/align/jvm-memory-leak.json"),
        include_str!("../../tests/fixtures/align/tls-certificate-expiry-outage.json"),
    ];

    fn load() -> (Vec<Gauntlet>, Vec<Fixture>) {
        let gauntlets: Vec<Gauntlet> = GAUNTLETS
            .iter()
            .map(|(name, src)| {
                parse_gauntlet(name, src).unwrap_or_else(|e| panic!("{name} does not parse: {e:?}"))
            })
            .collect();
        let fixtures = FIXTURES
            .iter()
            .map(|f| serde_json::from_str::<Fixture>(f).expect("fixture is valid JSON"))
            .collect();
        (gauntlets, fixtures)
    }

    #[test]
    fn strong_answers_outscore_partial_weak_and_off_topic_ones() {
        let (gauntlets, fixtures) = load();
        let stats = LibraryStats::from_gauntlets(&gauntlets);
        let report = evaluate(&gauntlets, &fixtures, &stats);
        for s in &report.scored {
            println!(
                "{:32} r{} {:9?} coverage={:.3} flags={}",
                s.gauntlet, s.round, s.label, s.coverage, s.flags
            );
        }
        println!(
            "rounds={} strong>partial={:.2} partial>weak={:.2} partial>off-topic={:.2} \
             strong>weak={:.2} AUC(strong vs weak+off-topic)={:.3} bluff detection={:.2} \
             false-flag rate={:.2}",
            report.rounds,
            report.strong_over_partial,
            report.partial_over_weak,
            report.partial_over_off_topic,
            report.strong_over_weak,
            report.auc,
            report.bluff_detection,
            report.false_flag_rate
        );
        assert_eq!(report.rounds, 15);
        assert!(report.strong_over_partial >= 0.8);
        assert!(report.partial_over_weak >= 0.8);
        assert!(report.partial_over_off_topic >= 0.8);
        assert!(report.auc >= 0.9);
        assert!(
            (report.bluff_detection - 1.0).abs() < 1e-9,
            "every bluff is flagged"
        );
        assert!(report.false_flag_rate <= 0.2);
    }

    /// The labelled dev set (JSONL), scored against every built-in gauntlet: the rates must not
    /// regress. The floors are where the engine stands, not where it should end:
    /// - the first 288 answers, which the engine was built on, meet every target of issue 10
    ///   (bluffs >= 85 %, false flags <= 8 %, strong vs partial >= 0.95, ordering >= 85 %);
    /// - the 1,708 answers of the fourth to seventeenth, the nineteenth to twenty-third, the
    ///   twenty-fifth and the twenty-seventh to thirtieth waves (lines 304 on) were written without the engine in view, as held-out checks (the
    ///   sixth on were scored blind before they joined the set). On them bluff detection is
    ///   far below the target (paraphrased wrong beliefs share few words with the guidance)
    ///   and strong answers that discuss the wrong belief to reject it are flagged too often.
    ///   Their floors record that gap so that work on it shows. Full ordering falls as waves
    ///   join: each wave adds answers to rounds the set already has, and one crossing
    ///   anywhere in a round fails it.
    #[test]
    fn the_dev_set_rates_do_not_regress() {
        let gauntlets = crate::align::builtin_gauntlets();
        let answers = parse_jsonl(include_str!("../../tests/fixtures/align/dev.jsonl"))
            .expect("dev set parses");
        let stats = LibraryStats::from_gauntlets(&gauntlets);
        let report = evaluate_dev(&gauntlets, &answers, &stats);
        print!("{report}");
        assert_eq!(
            report.answers,
            answers.len(),
            "every answer names a known round"
        );
        assert!(report.rounds >= 56);
        // the whole set (lower since the fifteenth to thirtieth waves joined: harder answers,
        // and rounds they share with earlier waves must now order more answers)
        assert!(report.false_flags <= 0.08, "target <= 8 %");
        assert!(report.auc_strong_vs_low >= 0.99, "target >= 0.97");
        assert!(report.bluff_detection >= 0.51, "target >= 85 %");
        assert!(report.auc_strong_vs_partial >= 0.98, "target >= 0.95");
        assert!(report.full_ordering >= 0.32, "target >= 85 %");
        // the original 288 answers meet every target
        let original = evaluate_dev(&gauntlets, &answers[..ORIGINAL_DEV], &stats);
        print!("{original}");
        assert!(original.false_flags <= 0.025, "target <= 8 %");
        assert!(original.auc_strong_vs_low >= 0.99, "target >= 0.97");
        assert!(original.bluff_detection >= 0.89, "target >= 85 %");
        assert!(original.auc_strong_vs_partial >= 0.98, "target >= 0.95");
        assert!(original.full_ordering >= 0.95, "target >= 85 %");
        // the waves written without the engine in view
        let held_out = evaluate_dev(&gauntlets, &answers[HELD_OUT_FROM..], &stats);
        print!("{held_out}");
        assert_eq!(held_out.answers, 1708);
        assert!(held_out.false_flags <= 0.088, "target <= 8 %");
        assert!(held_out.auc_strong_vs_low >= 0.99, "target >= 0.97");
        assert!(held_out.bluff_detection >= 0.46, "target >= 85 %");
        assert!(held_out.auc_strong_vs_partial >= 0.99, "target >= 0.95");
        assert!(held_out.full_ordering >= 0.565, "target >= 85 %");
    }

    /// The blind set (`blind.jsonl`, the eighteenth, twenty-fourth, twenty-sixth and
    /// thirty-first waves) is kept out of the dev set so that rules written from the dev set can be scored on answers
    /// nobody tuned them on. It has no floors (a failing floor would send someone to read it); it must parse
    /// and name known rounds. Its rates print with `--nocapture`.
    #[test]
    fn the_blind_set_names_known_rounds() {
        let gauntlets = crate::align::builtin_gauntlets();
        let answers = parse_jsonl(include_str!("../../tests/fixtures/align/blind.jsonl"))
            .expect("blind set parses");
        let stats = LibraryStats::from_gauntlets(&gauntlets);
        let report = evaluate_dev(&gauntlets, &answers, &stats);
        print!("{report}");
        assert_eq!(report.answers, 280, "every answer names a known round");
    }

    /// How many lines of dev.jsonl are the original set (later answers are appended).
    const ORIGINAL_DEV: usize = 288;
    /// The first line (0-based) of the waves written without the engine in view.
    const HELD_OUT_FROM: usize = 303;

    #[test]
    fn jsonl_errors_name_the_line() {
        let err = parse_jsonl(
            "\n{\"gauntlet\":\"g\",\"round\":1,\"label\":\"strong\",\"text\":\"t\"}\nnot json\n",
        )
        .expect_err("line 3 is bad");
        assert!(err.starts_with("line 3:"), "{err}");
    }
}
