//! Calibration statistics: where interviewers who graded the same round of the same attempt
//! disagree. Pure functions over final per-round grades (no HTTP, no SQL).
//!
//! An *item* is one `(attempt, round)`. Only items graded by at least two reviewers say anything
//! about agreement; every statistic here looks at those *shared* items only. Levels outside
//! `1..=4` are ignored everywhere, and if the same reviewer appears more than once for an item
//! the last such grade in the input counts. All outputs come in a fixed order (ids ascending),
//! so the page renders the same way for the same data.
//!
//! Agreement is reported as the share of exactly equal pairs and as quadratic-weighted Cohen's
//! kappa: with `k = 4` levels, `w(i, j) = (i - j)² / (k - 1)²` and
//! `kappa = 1 - Σ w·O / Σ w·E`, where `O` is the observed proportion matrix of the pairs and `E`
//! the outer product of its row and column marginals.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

/// Number of levels on the rubric scale (`1..=LEVELS`).
const LEVELS: usize = 4;

/// One reviewer's final level for one round of one attempt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grade {
    pub attempt: i64,
    pub round: u32,
    pub reviewer: i64,
    /// 1 weak/trap, 2 partial, 3 strong, 4 senior signal; anything else is ignored.
    pub level: u8,
}

/// The levels given to one `(attempt, round)` by two or more reviewers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Spread {
    pub attempt: i64,
    pub round: u32,
    /// `(reviewer, level)`, sorted by reviewer id.
    pub levels: Vec<(i64, u8)>,
    pub min: u8,
    pub max: u8,
    /// `max - min`: 0 means everyone agreed, 3 means someone said 1 and someone said 4.
    pub range: u8,
}

/// Agreement over every pair of reviewers who graded the same `(attempt, round)`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agreement {
    /// Unordered reviewer pairs on shared items (an item with `n` reviewers gives `n(n-1)/2`).
    pub pairs: usize,
    /// Share of pairs with the same level; `None` without pairs.
    pub exact: Option<f64>,
    /// Quadratic-weighted Cohen's kappa over all pairs pooled, each pair counted in both
    /// orders; `None` without pairs or when the expected disagreement is 0 (every grade on
    /// shared items is the same single level).
    pub kappa: Option<f64>,
}

/// How one reviewer compares with everyone who graded the same items.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReviewerStats {
    pub reviewer: i64,
    /// Shared items (rounds also graded by someone else) this reviewer graded: their n.
    pub items: usize,
    /// Pairs `(this reviewer, other)` on shared items.
    pub pairs: usize,
    /// Share of those pairs with the same level; `None` without pairs.
    pub exact: Option<f64>,
    /// Quadratic-weighted kappa of this reviewer (rows) against the others (columns), over the
    /// ordered pairs `(this reviewer, other)` without symmetrising; `None` when the expected
    /// disagreement is 0.
    pub kappa: Option<f64>,
    /// Mean of this reviewer's levels on shared items.
    pub mean_level: f64,
    /// Mean of the other reviewers' levels on those same items (each other grade once).
    pub others_mean: f64,
}

/// Below this many reviewer pairs, agreement and kappa swing too much to read much into them
/// (one changed grade moves exact agreement by several points); the page says so.
pub const FEW_PAIRS: usize = 30;

/// One reviewer's "fell into the trap" flag on one round of one attempt (final reviews only).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrapFlag {
    pub attempt: i64,
    pub round: u32,
    pub reviewer: i64,
    pub fell: bool,
}

/// An `(attempt, round)` whose reviewers disagree on the trap flag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrapSplit {
    pub attempt: i64,
    pub round: u32,
    /// Reviewers who flagged the trap, then those who did not, each sorted by id.
    pub flagged: Vec<i64>,
    pub not_flagged: Vec<i64>,
}

/// Every `(attempt, round)` flagged by some of its reviewers and not by others, in
/// `(attempt, round)` order; the last duplicate of a reviewer's flag counts.
pub fn trap_splits(flags: &[TrapFlag]) -> Vec<TrapSplit> {
    let mut items: BTreeMap<Item, BTreeMap<i64, bool>> = BTreeMap::new();
    for f in flags {
        items
            .entry((f.attempt, f.round))
            .or_default()
            .insert(f.reviewer, f.fell);
    }
    items
        .into_iter()
        .filter_map(|((attempt, round), reviewers)| {
            let (yes, no): (Vec<_>, Vec<_>) = reviewers.into_iter().partition(|(_, fell)| *fell);
            (!yes.is_empty() && !no.is_empty()).then(|| TrapSplit {
                attempt,
                round,
                flagged: yes.into_iter().map(|(r, _)| r).collect(),
                not_flagged: no.into_iter().map(|(r, _)| r).collect(),
            })
        })
        .collect()
}

/// `(attempt, round)`.
type Item = (i64, u32);

/// Valid grades grouped by item, then by reviewer; the last duplicate wins.
fn by_item(grades: &[Grade]) -> BTreeMap<Item, BTreeMap<i64, u8>> {
    let mut items: BTreeMap<Item, BTreeMap<i64, u8>> = BTreeMap::new();
    for g in grades.iter().filter(|g| level_index(g.level).is_some()) {
        items
            .entry((g.attempt, g.round))
            .or_default()
            .insert(g.reviewer, g.level);
    }
    items
}

/// Items graded by at least two reviewers, in `(attempt, round)` order.
fn shared_items(grades: &[Grade]) -> impl Iterator<Item = (Item, BTreeMap<i64, u8>)> {
    by_item(grades)
        .into_iter()
        .filter(|(_, reviewers)| reviewers.len() >= 2)
}

/// Zero-based index of a valid level, `None` outside `1..=LEVELS`.
fn level_index(level: u8) -> Option<usize> {
    let i = usize::from(level).checked_sub(1)?;
    (i < LEVELS).then_some(i)
}

/// A confusion matrix of level pairs plus the count of exactly equal pairs.
#[derive(Default)]
struct Tally {
    counts: [[u64; LEVELS]; LEVELS],
    pairs: usize,
    equal: usize,
}

impl Tally {
    /// Records the ordered pair `(a, b)` in the matrix; invalid levels are skipped.
    fn add_cell(&mut self, a: u8, b: u8) {
        if let (Some(i), Some(j)) = (level_index(a), level_index(b)) {
            self.counts[i][j] += 1;
        }
    }

    /// Counts one reviewer pair towards `pairs` and `equal`.
    fn count_pair(&mut self, a: u8, b: u8) {
        self.pairs += 1;
        if a == b {
            self.equal += 1;
        }
    }

    fn exact(&self) -> Option<f64> {
        ratio(self.equal as f64, self.pairs)
    }

    /// Quadratic-weighted kappa of the matrix.
    ///
    /// With `n` cells in total, row sums `R` and column sums `C`, `O = counts / n` and
    /// `E = R Cᵀ / n²`, so (the constant `(k - 1)²` cancels)
    /// `Σ w·O / Σ w·E = n · Σ d²·counts / Σ d²·R·C` with `d = i - j`.
    fn kappa(&self) -> Option<f64> {
        let mut rows = [0.0_f64; LEVELS];
        let mut cols = [0.0_f64; LEVELS];
        let mut n = 0.0_f64;
        let mut observed = 0.0_f64;
        for (i, row) in self.counts.iter().enumerate() {
            for (j, &c) in row.iter().enumerate() {
                let c = c as f64;
                rows[i] += c;
                cols[j] += c;
                n += c;
                observed += weight(i, j) * c;
            }
        }
        let mut expected = 0.0_f64;
        for (i, r) in rows.iter().enumerate() {
            for (j, c) in cols.iter().enumerate() {
                expected += weight(i, j) * r * c;
            }
        }
        // Every term is ≥ 0, so this is exactly 0 when all mass sits on one shared level.
        if n == 0.0 || expected <= 0.0 {
            return None;
        }
        let kappa = 1.0 - n * observed / expected;
        kappa.is_finite().then_some(kappa)
    }
}

/// Unnormalised quadratic weight `(i - j)²`.
fn weight(i: usize, j: usize) -> f64 {
    let d = i.abs_diff(j) as f64;
    d * d
}

/// `num / den`, `None` when `den` is 0.
fn ratio(num: f64, den: usize) -> Option<f64> {
    (den > 0).then(|| num / den as f64)
}

/// One [`Spread`] per `(attempt, round)` graded by at least two reviewers, sorted by attempt
/// then round.
pub fn spreads(grades: &[Grade]) -> Vec<Spread> {
    shared_items(grades)
        .filter_map(|((attempt, round), reviewers)| {
            let min = reviewers.values().copied().min()?;
            let max = reviewers.values().copied().max()?;
            Some(Spread {
                attempt,
                round,
                levels: reviewers.into_iter().collect(),
                min,
                max,
                range: max - min,
            })
        })
        .collect()
}

/// Exact agreement and pooled, symmetrised quadratic-weighted kappa over every unordered pair
/// of reviewers who graded the same `(attempt, round)`.
pub fn agreement(grades: &[Grade]) -> Agreement {
    let mut tally = Tally::default();
    for (_, reviewers) in shared_items(grades) {
        let levels: Vec<u8> = reviewers.into_values().collect();
        for (x, &a) in levels.iter().enumerate() {
            for &b in levels.iter().skip(x + 1) {
                tally.count_pair(a, b);
                tally.add_cell(a, b);
                tally.add_cell(b, a);
            }
        }
    }
    Agreement {
        pairs: tally.pairs,
        exact: tally.exact(),
        kappa: tally.kappa(),
    }
}

/// Per-reviewer agreement with everyone else, for each reviewer who shares at least one
/// `(attempt, round)` with another reviewer; sorted by reviewer id.
pub fn per_reviewer(grades: &[Grade]) -> Vec<ReviewerStats> {
    #[derive(Default)]
    struct Acc {
        tally: Tally,
        own_sum: u64,
        own_count: usize,
        others_sum: u64,
        others_count: usize,
    }

    let mut accs: BTreeMap<i64, Acc> = BTreeMap::new();
    for (_, reviewers) in shared_items(grades) {
        for (&reviewer, &level) in &reviewers {
            let acc = accs.entry(reviewer).or_default();
            acc.own_sum += u64::from(level);
            acc.own_count += 1;
            for (_, &other) in reviewers.iter().filter(|(r, _)| **r != reviewer) {
                acc.tally.count_pair(level, other);
                acc.tally.add_cell(level, other);
                acc.others_sum += u64::from(other);
                acc.others_count += 1;
            }
        }
    }
    accs.into_iter()
        .map(|(reviewer, acc)| ReviewerStats {
            reviewer,
            items: acc.own_count,
            pairs: acc.tally.pairs,
            exact: acc.tally.exact(),
            kappa: acc.tally.kappa(),
            // Both counts are ≥ 1 for every reviewer that made it into `accs`.
            mean_level: ratio(acc.own_sum as f64, acc.own_count).unwrap_or(0.0),
            others_mean: ratio(acc.others_sum as f64, acc.others_count).unwrap_or(0.0),
        })
        .collect()
}

/// Attempts graded (with a valid level, in any rounds) by at least two distinct reviewers,
/// sorted ascending.
pub fn attempts_with_multiple_reviewers(grades: &[Grade]) -> Vec<i64> {
    let mut reviewers: BTreeMap<i64, BTreeSet<i64>> = BTreeMap::new();
    for g in grades.iter().filter(|g| level_index(g.level).is_some()) {
        reviewers.entry(g.attempt).or_default().insert(g.reviewer);
    }
    reviewers
        .into_iter()
        .filter(|(_, set)| set.len() >= 2)
        .map(|(attempt, _)| attempt)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(attempt: i64, round: u32, reviewer: i64, level: u8) -> Grade {
        Grade {
            attempt,
            round,
            reviewer,
            level,
        }
    }

    #[test]
    fn trap_splits_list_only_rounds_whose_reviewers_disagree() {
        let f = |attempt, round, reviewer, fell| TrapFlag {
            attempt,
            round,
            reviewer,
            fell,
        };
        let flags = [
            f(1, 2, 20, true),
            f(1, 2, 10, false),
            f(1, 2, 30, true),
            f(1, 3, 10, true),
            f(1, 3, 20, true),
            f(2, 1, 10, false),
            f(2, 1, 20, false),
            f(3, 1, 10, true),
            f(3, 1, 10, false),
        ];
        assert_eq!(
            trap_splits(&flags),
            vec![TrapSplit {
                attempt: 1,
                round: 2,
                flagged: vec![20, 30],
                not_flagged: vec![10],
            }]
        );
    }

    #[test]
    fn each_reviewer_counts_the_shared_rounds_they_graded() {
        let grades = [
            g(1, 1, 10, 2),
            g(1, 1, 20, 2),
            g(1, 1, 30, 3),
            g(1, 2, 10, 1),
            g(1, 2, 20, 4),
            g(1, 3, 10, 4),
        ];
        let stats = per_reviewer(&grades);
        let n: Vec<(i64, usize, usize)> = stats
            .iter()
            .map(|s| (s.reviewer, s.items, s.pairs))
            .collect();
        assert_eq!(n, vec![(10, 2, 3), (20, 2, 3), (30, 1, 2)]);
    }

    fn close(actual: Option<f64>, expected: f64) -> bool {
        actual.is_some_and(|a| (a - expected).abs() < 1e-12)
    }

    #[test]
    fn perfect_agreement_gives_exact_one_and_kappa_one() {
        let grades = [
            g(1, 1, 10, 1),
            g(1, 1, 20, 1),
            g(1, 2, 10, 3),
            g(1, 2, 20, 3),
            g(2, 1, 10, 4),
            g(2, 1, 20, 4),
            g(2, 1, 30, 4),
        ];
        let a = agreement(&grades);
        assert_eq!(a.pairs, 5);
        assert!(close(a.exact, 1.0), "{a:?}");
        assert!(close(a.kappa, 1.0), "{a:?}");
        let stats = per_reviewer(&grades);
        for s in &stats[..2] {
            assert!(close(s.exact, 1.0), "{s:?}");
            assert!(close(s.kappa, 1.0), "{s:?}");
        }
        // Reviewer 30 shares only one item and always said 4: no spread, so no kappa.
        assert_eq!(stats[2].reviewer, 30);
        assert!(close(stats[2].exact, 1.0));
        assert_eq!(stats[2].kappa, None);
    }

    #[test]
    fn hand_computed_kappa() {
        // Pairs (reviewer 10, reviewer 20): item (1,1) 1 vs 2, item (1,2) 3 vs 3,
        // item (2,1) 4 vs 2. Exact: 1 of 3.
        //
        // Symmetrised counts (both orders of each pair, n = 6), rows/cols = level 1..4:
        //        1  2  3  4 | R
        //   1  [ 0  1  0  0 ] 1
        //   2  [ 1  0  0  1 ] 2
        //   3  [ 0  0  2  0 ] 2
        //   4  [ 0  1  0  0 ] 1
        //   C    1  2  2  1
        //
        // Σ d²·counts = (1,2)1 + (2,1)1 + (2,4)4 + (4,2)4 = 10
        // Σ d²·R_i·C_j, by row:
        //   i=1: 1·1·2 + 4·1·2 + 9·1·1 = 19
        //   i=2: 1·2·1 + 1·2·2 + 4·2·1 = 14
        //   i=3: 4·2·1 + 1·2·2 + 1·2·1 = 14
        //   i=4: 9·1·1 + 4·1·2 + 1·1·2 = 19   → 66
        // Σw·O / Σw·E = (10/6) / (66/36) = 10/11, so kappa = 1 - 10/11 = 1/11.
        let grades = [
            g(2, 1, 20, 2),
            g(1, 1, 10, 1),
            g(1, 2, 20, 3),
            g(1, 1, 20, 2),
            g(1, 2, 10, 3),
            g(2, 1, 10, 4),
        ];
        let a = agreement(&grades);
        assert_eq!(a.pairs, 3);
        assert!(close(a.exact, 1.0 / 3.0), "{a:?}");
        assert!(close(a.kappa, 1.0 / 11.0), "{a:?}");

        // Per reviewer, unsymmetrised. Reviewer 10 as rows, 20 as columns (n = 3):
        //        1  2  3  4 | R
        //   1  [ 0  1  0  0 ] 1
        //   2  [ 0  0  0  0 ] 0
        //   3  [ 0  0  1  0 ] 1
        //   4  [ 0  1  0  0 ] 1
        //   C    0  2  1  0
        // Σ d²·counts = 1 + 0 + 4 = 5
        // Σ d²·R·C = i=1: 1·1·2 + 4·1·1 = 6; i=3: 1·1·2 = 2; i=4: 4·1·2 + 1·1·1 = 9 → 17
        // kappa = 1 - 3·5/17 = 2/17; reviewer 20 is the transpose, same weights → 2/17.
        let stats = per_reviewer(&grades);
        assert_eq!(stats.len(), 2);
        assert_eq!((stats[0].reviewer, stats[1].reviewer), (10, 20));
        for s in &stats {
            assert_eq!(s.pairs, 3);
            assert!(close(s.exact, 1.0 / 3.0), "{s:?}");
            assert!(close(s.kappa, 2.0 / 17.0), "{s:?}");
        }
        assert!((stats[0].mean_level - 8.0 / 3.0).abs() < 1e-12);
        assert!((stats[0].others_mean - 7.0 / 3.0).abs() < 1e-12);
        assert!((stats[1].mean_level - 7.0 / 3.0).abs() < 1e-12);
        assert!((stats[1].others_mean - 8.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn opposite_ratings_give_negative_kappa() {
        // Symmetrised: (1,4)×2 and (4,1)×2, n = 4, R = C = [2,0,0,2].
        // Σ d²·counts = 9·4 = 36; Σ d²·R·C = 9·2·2 + 9·2·2 = 72; kappa = 1 - 4·36/72 = -1.
        let grades = [
            g(1, 1, 10, 1),
            g(1, 1, 20, 4),
            g(1, 2, 10, 4),
            g(1, 2, 20, 1),
        ];
        let a = agreement(&grades);
        assert_eq!(a.pairs, 2);
        assert!(close(a.exact, 0.0), "{a:?}");
        assert!(close(a.kappa, -1.0), "{a:?}");
        assert!(a.kappa.is_some_and(|k| k < 0.0));
    }

    #[test]
    fn single_reviewer_gives_no_pairs() {
        let grades = [g(1, 1, 10, 1), g(1, 2, 10, 4), g(2, 1, 10, 3)];
        assert_eq!(
            agreement(&grades),
            Agreement {
                pairs: 0,
                exact: None,
                kappa: None
            }
        );
        assert!(spreads(&grades).is_empty());
        assert!(per_reviewer(&grades).is_empty());
        assert!(attempts_with_multiple_reviewers(&grades).is_empty());
    }

    #[test]
    fn empty_input() {
        assert_eq!(agreement(&[]).pairs, 0);
        assert!(spreads(&[]).is_empty());
        assert!(per_reviewer(&[]).is_empty());
        assert!(attempts_with_multiple_reviewers(&[]).is_empty());
    }

    #[test]
    fn one_level_everywhere_has_no_kappa() {
        let grades = [
            g(1, 1, 10, 3),
            g(1, 1, 20, 3),
            g(2, 1, 10, 3),
            g(2, 1, 30, 3),
        ];
        let a = agreement(&grades);
        assert_eq!(a.pairs, 2);
        assert!(close(a.exact, 1.0));
        assert_eq!(a.kappa, None);
        for s in per_reviewer(&grades) {
            assert_eq!(s.kappa, None, "{s:?}");
        }
    }

    #[test]
    fn per_reviewer_means_pairs_and_order() {
        // Item (1,1): reviewers 1→2, 2→3, 3→4. Item (1,2): 1→3, 2→3.
        // Item (2,1): only reviewer 3 (→1), reviewer 4 only alone on (3,1): both not shared.
        let grades = [
            g(3, 1, 4, 2),
            g(1, 1, 3, 4),
            g(2, 1, 3, 1),
            g(1, 2, 2, 3),
            g(1, 1, 1, 2),
            g(1, 2, 1, 3),
            g(1, 1, 2, 3),
        ];
        let stats = per_reviewer(&grades);
        let ids: Vec<i64> = stats.iter().map(|s| s.reviewer).collect();
        assert_eq!(ids, [1, 2, 3]);

        // Reviewer 1: own 2,3 → 2.5; others 3,4 on (1,1) and 3 on (1,2) → 10/3.
        // Pairs (2,3) (2,4) (3,3): exact 1/3. Rows [0,2,1,0], cols [0,0,2,1]:
        // Σ d²·counts = 1 + 4 + 0 = 5; Σ d²·R·C = 1·2·2 + 4·2·1 + 1·1·1 = 13;
        // kappa = 1 - 3·5/13 = -2/13.
        let s = &stats[0];
        assert_eq!(s.pairs, 3);
        assert!((s.mean_level - 2.5).abs() < 1e-12);
        assert!((s.others_mean - 10.0 / 3.0).abs() < 1e-12);
        assert!(close(s.exact, 1.0 / 3.0));
        assert!(close(s.kappa, -2.0 / 13.0), "{s:?}");

        // Reviewer 2: own 3,3 → 3; others 2,4,3 → 3. Pairs (3,2) (3,4) (3,3).
        // Rows [0,0,3,0], cols [0,1,1,1]: Σ d²·counts = 2; Σ d²·R·C = 3 + 3 = 6;
        // kappa = 1 - 3·2/6 = 0.
        let s = &stats[1];
        assert_eq!(s.pairs, 3);
        assert!((s.mean_level - 3.0).abs() < 1e-12);
        assert!((s.others_mean - 3.0).abs() < 1e-12);
        assert!(close(s.exact, 1.0 / 3.0));
        assert!(close(s.kappa, 0.0), "{s:?}");

        // Reviewer 3: only (1,1) is shared, so the 1 on (2,1) does not count: own 4; others 2,3.
        let s = &stats[2];
        assert_eq!(s.pairs, 2);
        assert!((s.mean_level - 4.0).abs() < 1e-12);
        assert!((s.others_mean - 2.5).abs() < 1e-12);
        assert!(close(s.exact, 0.0));

        // Pooled: 3 pairs on (1,1), 1 on (1,2); only the (1,2) pair is equal.
        let a = agreement(&grades);
        assert_eq!(a.pairs, 4);
        assert!(close(a.exact, 0.25));
    }

    #[test]
    fn spreads_sorted_with_ranges() {
        let grades = [
            g(2, 1, 30, 4),
            g(1, 3, 20, 2),
            g(2, 1, 10, 1),
            g(1, 3, 10, 2),
            g(1, 1, 20, 3),
            g(2, 1, 20, 2),
            g(1, 1, 10, 2),
            g(1, 2, 10, 4), // single reviewer: no spread
        ];
        let s = spreads(&grades);
        let keys: Vec<(i64, u32)> = s.iter().map(|s| (s.attempt, s.round)).collect();
        assert_eq!(keys, [(1, 1), (1, 3), (2, 1)]);
        assert_eq!(
            s[0],
            Spread {
                attempt: 1,
                round: 1,
                levels: vec![(10, 2), (20, 3)],
                min: 2,
                max: 3,
                range: 1
            }
        );
        assert_eq!((s[1].min, s[1].max, s[1].range), (2, 2, 0));
        assert_eq!(s[2].levels, [(10, 1), (20, 2), (30, 4)]);
        assert_eq!((s[2].min, s[2].max, s[2].range), (1, 4, 3));
    }

    #[test]
    fn invalid_levels_are_ignored() {
        let grades = [
            g(1, 1, 10, 2),
            g(1, 1, 20, 0),
            g(1, 1, 30, 5),
            g(1, 1, 40, 255),
            g(2, 1, 10, 3),
            g(2, 1, 20, 1),
            g(2, 1, 30, 9),
        ];
        assert_eq!(
            spreads(&grades),
            [Spread {
                attempt: 2,
                round: 1,
                levels: vec![(10, 3), (20, 1)],
                min: 1,
                max: 3,
                range: 2
            }]
        );
        assert_eq!(agreement(&grades).pairs, 1);
        let ids: Vec<i64> = per_reviewer(&grades).iter().map(|s| s.reviewer).collect();
        assert_eq!(ids, [10, 20]);
        assert_eq!(attempts_with_multiple_reviewers(&grades), [2]);
    }

    #[test]
    fn duplicate_grade_by_same_reviewer_counts_once_last_wins() {
        let grades = [g(1, 1, 10, 1), g(1, 1, 10, 4), g(1, 1, 20, 4)];
        let a = agreement(&grades);
        assert_eq!(a.pairs, 1);
        assert!(close(a.exact, 1.0));
        assert_eq!(spreads(&grades)[0].levels, [(10, 4), (20, 4)]);
        let stats = per_reviewer(&grades);
        assert_eq!(stats[0].pairs, 1);
        assert!((stats[0].mean_level - 4.0).abs() < 1e-12);
    }

    #[test]
    fn attempts_with_multiple_reviewers_distinct_and_sorted() {
        let grades = [
            g(5, 1, 10, 2),
            g(5, 2, 20, 3), // different rounds still count: two reviewers on attempt 5
            g(3, 1, 10, 2),
            g(3, 2, 10, 2), // one reviewer twice: not multiple
            g(-1, 1, 10, 1),
            g(-1, 1, 20, 1),
            g(4, 1, 10, 4),
            g(4, 1, 20, 0), // invalid level does not count
        ];
        assert_eq!(attempts_with_multiple_reviewers(&grades), [-1, 5]);
    }

    #[test]
    fn order_of_input_does_not_matter() {
        let grades = vec![
            g(1, 1, 10, 1),
            g(1, 1, 20, 2),
            g(1, 1, 30, 4),
            g(1, 2, 10, 3),
            g(1, 2, 20, 3),
            g(2, 1, 20, 2),
            g(2, 1, 30, 1),
            g(3, 1, 10, 4),
        ];
        let mut reversed = grades.clone();
        reversed.reverse();
        assert_eq!(spreads(&grades), spreads(&reversed));
        assert_eq!(agreement(&grades), agreement(&reversed));
        assert_eq!(per_reviewer(&grades), per_reviewer(&reversed));
        assert_eq!(
            attempts_with_multiple_reviewers(&grades),
            attempts_with_multiple_reviewers(&reversed)
        );
        let k = agreement(&grades).kappa;
        assert!(k.is_some_and(|k| (-1.0..=1.0).contains(&k)), "{k:?}");
    }
}
