//! Matching guidance keys against an analysed answer: best sentence window by weighted overlap,
//! tight phrase matching, and turning matched units into merged byte spans.

use std::collections::HashMap;

use super::text::{Analysis, Unit};

/// One key a guidance fragment needs to find in the answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Need {
    /// Canonical key.
    pub key: String,
    /// Importance (library IDF, possibly boosted).
    pub weight: f64,
    /// Whether the guidance states it negated; the answer must agree.
    pub negated: bool,
    /// Found whatever its polarity: a key term is used even in a denial ("I wouldn't remove
    /// the SLO alerts" names the SLO).
    pub either: bool,
}

impl Need {
    /// The polarity an answer's unit must have, if any.
    fn polarity(&self) -> Option<bool> {
        (!self.either).then_some(self.negated)
    }
}

/// The result of matching a set of needs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hit {
    /// Matched weight / total weight, 0..=1.
    pub score: f64,
    /// Matched needs / all needs, 0..=1.
    pub count_ratio: f64,
    /// Indices of the matched answer units.
    pub units: Vec<usize>,
}

/// Build the needs of a run of guidance units: content, number and unit keys, deduplicated
/// (the first occurrence decides negation; the highest weight wins).
pub fn needs_of<'a>(
    units: impl IntoIterator<Item = &'a Unit>,
    weight: impl Fn(&Unit) -> f64,
) -> Vec<Need> {
    let mut out: Vec<Need> = Vec::new();
    for u in units {
        if !(u.content || u.unit) {
            continue;
        }
        let w = weight(u);
        if let Some(n) = out.iter_mut().find(|n| n.key == u.key) {
            n.weight = n.weight.max(w);
        } else {
            out.push(Need {
                key: u.key.clone(),
                weight: w,
                negated: u.negated,
                either: false,
            });
        }
    }
    out
}

/// An analysed answer with an index from key to unit positions.
#[derive(Debug)]
pub struct AnswerIndex<'a> {
    /// The analysed answer.
    pub analysis: &'a Analysis,
    by_key: HashMap<&'a str, Vec<usize>>,
    /// Candidate windows: single sentences and pairs of adjacent sentences (unit ranges).
    windows: Vec<(usize, usize)>,
}

impl<'a> AnswerIndex<'a> {
    /// Index an analysed answer.
    pub fn new(analysis: &'a Analysis) -> Self {
        Self::masked(analysis, &[])
    }

    /// Index an analysed answer without the units marked in `skip` (claims that contradict
    /// the guidance do not count as coverage).
    pub fn masked(analysis: &'a Analysis, skip: &[bool]) -> Self {
        let mut by_key: HashMap<&'a str, Vec<usize>> = HashMap::new();
        for (i, u) in analysis.units.iter().enumerate() {
            if skip.get(i).copied().unwrap_or(false) {
                continue;
            }
            if u.content || u.unit {
                by_key.entry(u.key.as_str()).or_default().push(i);
            }
        }
        let s = &analysis.sentences;
        let mut windows: Vec<(usize, usize)> = s.clone();
        for pair in s.windows(2) {
            windows.push((pair[0].0, pair[1].1));
        }
        if windows.is_empty() {
            windows.push((0, analysis.units.len()));
        }
        AnswerIndex {
            analysis,
            by_key,
            windows,
        }
    }

    /// Positions of each need's key in the answer (looked up once per match).
    fn positions(&self, needs: &[Need]) -> Vec<&[usize]> {
        needs
            .iter()
            .map(|n| {
                self.by_key
                    .get(n.key.as_str())
                    .map_or(&[][..], Vec::as_slice)
            })
            .collect()
    }

    /// The first position in `[a, b)` with matching negation (any, for `None`).
    fn find_in(
        &self,
        positions: &[usize],
        negated: Option<bool>,
        a: usize,
        b: usize,
    ) -> Option<usize> {
        let from = positions.partition_point(|&p| p < a);
        positions[from..]
            .iter()
            .take_while(|&&p| p < b)
            .copied()
            .find(|&p| negated.is_none_or(|n| self.analysis.units[p].negated == n))
    }

    /// The position in `[a, b)` with matching negation closest to `near`.
    fn nearest_in(
        &self,
        positions: &[usize],
        negated: Option<bool>,
        a: usize,
        b: usize,
        near: usize,
    ) -> Option<usize> {
        let from = positions.partition_point(|&p| p < a);
        positions[from..]
            .iter()
            .take_while(|&&p| p < b)
            .copied()
            .filter(|&p| negated.is_none_or(|n| self.analysis.units[p].negated == n))
            .min_by_key(|&p| p.abs_diff(near))
    }

    /// Score the needs over `[a, b)`; with `near`, each need takes its occurrence closest to it.
    fn score_range(&self, needs: &[Need], pos: &[&[usize]], a: usize, b: usize) -> Hit {
        self.score_range_near(needs, pos, a, b, None)
    }

    fn score_range_near(
        &self,
        needs: &[Need],
        pos: &[&[usize]],
        a: usize,
        b: usize,
        near: Option<usize>,
    ) -> Hit {
        let total: f64 = needs.iter().map(|n| n.weight).sum();
        if total <= 0.0 || needs.is_empty() {
            return Hit::default();
        }
        let mut got = 0.0;
        let mut count = 0usize;
        let mut units = Vec::new();
        for (n, p) in needs.iter().zip(pos) {
            let found = match near {
                Some(x) => self.nearest_in(p, n.polarity(), a, b, x),
                None => self.find_in(p, n.polarity(), a, b),
            };
            if let Some(p) = found {
                got += n.weight;
                count += 1;
                units.push(p);
            }
        }
        units.sort_unstable();
        Hit {
            score: (got / total).clamp(0.0, 1.0),
            count_ratio: count as f64 / needs.len() as f64,
            units,
        }
    }

    /// The best window of one or two adjacent sentences for these needs.
    pub fn best_window(&self, needs: &[Need]) -> Hit {
        let pos = self.positions(needs);
        if pos.iter().all(|p| p.is_empty()) {
            return Hit::default();
        }
        let mut best = Hit::default();
        for &(a, b) in &self.windows {
            let hit = self.score_range(needs, &pos, a, b);
            if hit.score > best.score + 1e-12 {
                best = hit;
            }
        }
        best
    }

    /// The best tight match: all matched units within `reach` units of an anchor (an occurrence
    /// of the heaviest need), for short phrases such as a warned-against claim.
    pub fn best_phrase(&self, needs: &[Need], reach: usize) -> Hit {
        let Some(anchor) = needs.iter().max_by(|x, y| x.weight.total_cmp(&y.weight)) else {
            return Hit::default();
        };
        let Some(positions) = self.by_key.get(anchor.key.as_str()) else {
            return Hit::default();
        };
        let pos = self.positions(needs);
        let mut best = Hit::default();
        for &p in positions {
            if anchor
                .polarity()
                .is_some_and(|n| self.analysis.units[p].negated != n)
            {
                continue;
            }
            let a = p.saturating_sub(reach);
            let b = (p + reach + 1).min(self.analysis.units.len());
            let hit = self.score_range_near(needs, &pos, a, b, Some(p));
            if hit.score > best.score + 1e-12 {
                best = hit;
            }
        }
        best
    }

    /// Merge matched units into byte spans: consecutive units join into one span.
    pub fn spans(&self, units: &[usize]) -> Vec<[usize; 2]> {
        spans_of(&self.analysis.units, units)
    }
}

/// Merge unit indices (sorted or not) into byte spans; consecutive units join.
pub fn spans_of(all: &[Unit], units: &[usize]) -> Vec<[usize; 2]> {
    let mut idx: Vec<usize> = units.iter().copied().filter(|&i| i < all.len()).collect();
    idx.sort_unstable();
    idx.dedup();
    let mut out: Vec<[usize; 2]> = Vec::new();
    let mut prev: Option<usize> = None;
    for i in idx {
        let u = &all[i];
        match (prev, out.last_mut()) {
            (Some(p), Some(last)) if p + 1 == i => last[1] = u.end,
            _ => out.push([u.start, u.end]),
        }
        prev = Some(i);
    }
    out
}
