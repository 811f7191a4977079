//! Library-wide statistics: document frequencies for term weights (IDF over all gauntlets'
//! guidance) and the shared [`Lexicon`] with acronyms learned from every gauntlet.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use crate::content::{Gauntlet, Round};

use super::text::Lexicon;

/// Weight given to keys when the library is empty or holds a single gauntlet.
const FLAT_WEIGHT: f64 = 1.0;
/// Smallest weight any content key gets: common words still count a little.
const MIN_WEIGHT: f64 = 0.08;

/// Statistics over the whole content library. Build once per library version and share.
#[derive(Debug, Clone)]
pub struct LibraryStats {
    /// Number of gauntlets counted.
    docs: u32,
    /// Canonical key → number of gauntlets whose guidance contains it.
    df: HashMap<String, u32>,
    /// Lexicon with acronyms learned from the library's guidance.
    lexicon: Arc<Lexicon>,
}

impl Default for LibraryStats {
    fn default() -> Self {
        Self::from_gauntlets(std::iter::empty())
    }
}

/// All guidance text of a round: prompt, testing note, follow-up and every section.
pub(crate) fn round_texts(round: &Round) -> impl Iterator<Item = &str> {
    std::iter::once(round.prompt.as_str())
        .chain(round.testing.as_deref())
        .chain(round.follow_up.as_deref())
        .chain(round.sections.iter().flat_map(|s| {
            std::iter::once(s.text.as_str()).chain(s.items.iter().map(String::as_str))
        }))
}

impl LibraryStats {
    /// Count document frequencies over the given gauntlets (each gauntlet is one document).
    pub fn from_gauntlets<'a>(iter: impl IntoIterator<Item = &'a Gauntlet>) -> LibraryStats {
        let gauntlets: Vec<&Gauntlet> = iter.into_iter().collect();
        let mut lexicon = Lexicon::default();
        for g in &gauntlets {
            for r in &g.rounds {
                for t in round_texts(r) {
                    lexicon.note_acronyms(t);
                    lexicon.learn_acronyms(t);
                }
            }
        }
        let mut df: HashMap<String, u32> = HashMap::new();
        for g in &gauntlets {
            let mut seen: HashSet<String> = HashSet::new();
            for r in &g.rounds {
                for t in round_texts(r) {
                    for u in lexicon.analyze(t).units {
                        if u.content {
                            seen.insert(u.key);
                        }
                    }
                }
            }
            for k in seen {
                *df.entry(k).or_insert(0) += 1;
            }
        }
        LibraryStats {
            docs: u32::try_from(gauntlets.len()).unwrap_or(u32::MAX),
            df,
            lexicon: Arc::new(lexicon),
        }
    }

    /// Number of gauntlets the statistics were computed over.
    pub fn gauntlet_count(&self) -> u32 {
        self.docs
    }

    /// The shared lexicon.
    pub fn lexicon(&self) -> &Arc<Lexicon> {
        &self.lexicon
    }

    /// Importance of a canonical key in 0..=1: a BM25-style IDF scaled by its maximum, so a key
    /// in every gauntlet weighs little and one found in a single gauntlet (or none) weighs most.
    pub fn weight(&self, key: &str) -> f64 {
        if self.lexicon.is_framing(key) {
            return MIN_WEIGHT;
        }
        if self.docs <= 1 {
            return FLAT_WEIGHT;
        }
        let n = f64::from(self.docs);
        let df = f64::from(self.df.get(key).copied().unwrap_or(0).min(self.docs));
        let idf = (1.0 + (n - df + 0.5) / (df + 0.5)).ln();
        let max = (1.0 + (n + 0.5) / 0.5).ln();
        (idf / max).max(MIN_WEIGHT)
    }
}
