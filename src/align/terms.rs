//! Key-term extraction from the Strong Answer: acronyms, capitalised names (one or several
//! words, "Aurora Global Database", "Route 53"), technical identifiers ("us-east-1"), numbers
//! with units ("1-2 minutes", "$5k/month", "99.95%") and decisive verbs ("promote", "fail over").

use std::ops::Range;

use super::text::{Analysis, Lexicon, Unit};

/// What kind of key term it is; decides its weight in the coverage score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TermKind {
    /// An acronym such as `RTO` or `AWS`.
    Acronym,
    /// A capitalised (multi-word) name such as `Aurora Global Database`.
    Name,
    /// A technical identifier such as `us-east-1`.
    Identifier,
    /// A number with a unit, or a range of them.
    Number,
    /// A decisive verb such as `promote`.
    Verb,
}

impl TermKind {
    /// Relative importance of this kind of term.
    pub fn boost(self) -> f64 {
        match self {
            TermKind::Acronym | TermKind::Name => 1.0,
            TermKind::Identifier => 0.8,
            TermKind::Number => 0.8,
            TermKind::Verb => 0.6,
        }
    }
}

/// A key term found in a text: a run of units.
#[derive(Debug, Clone, PartialEq)]
pub struct FoundTerm {
    /// What kind of term.
    pub kind: TermKind,
    /// Unit index range in the analysis.
    pub units: Range<usize>,
}

fn is_name_unit(u: &Unit) -> bool {
    u.content && !u.number && (u.capital || u.inner_capital || u.acronym)
}

/// Extract key terms from an analysed text, in text order, without duplicates (same keys).
pub fn extract(text: &str, a: &Analysis, lexicon: &Lexicon) -> Vec<FoundTerm> {
    let units = &a.units;
    let mut found: Vec<FoundTerm> = Vec::new();
    let mut covered = vec![false; units.len()];
    names(units, &mut found, &mut covered);
    identifiers(text, units, &mut found, &mut covered);
    numbers(units, &mut found, &covered);
    verbs(units, lexicon, &mut found, &covered);
    found.sort_by_key(|t| t.units.start);
    dedupe(units, &mut found);
    found
}

/// Record a found term and mark its units covered.
fn push_covering(
    found: &mut Vec<FoundTerm>,
    covered: &mut [bool],
    kind: TermKind,
    r: Range<usize>,
) {
    for c in &mut covered[r.clone()] {
        *c = true;
    }
    found.push(FoundTerm { kind, units: r });
}

/// Names and acronyms: runs of capitalised units, with trailing numbers ("Route 53").
fn names(units: &[Unit], found: &mut Vec<FoundTerm>, covered: &mut [bool]) {
    let mut i = 0;
    while i < units.len() {
        let u = &units[i];
        if !is_name_unit(u) {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < units.len()
            && units[j].sentence == u.sentence
            && units[j].clause == u.clause
            && (is_name_unit(&units[j]) || (units[j].number && j > i))
        {
            j += 1;
        }
        let single = j - i == 1;
        let keep = if single {
            u.acronym || u.inner_capital || !u.sentence_start
        } else {
            true
        };
        let start = name_start(units, i, j);
        if keep && start < j {
            let kind = if j - start == 1 && units[start].acronym {
                TermKind::Acronym
            } else {
                TermKind::Name
            };
            push_covering(found, covered, kind, start..j);
        }
        i = j;
    }
}

/// Where a name run `i..j` starts: a sentence-initial capital alone is just a capital
/// ("Deployments are staggered"), so the first word is dropped unless the run is long or
/// its next word is an acronym or an inner-capital name.
fn name_start(units: &[Unit], i: usize, j: usize) -> usize {
    let u = &units[i];
    let single = j - i == 1;
    if !single && u.sentence_start && !u.acronym && !u.inner_capital {
        if j - i >= 3
            || units
                .get(i + 1)
                .is_some_and(|n| n.acronym || n.inner_capital)
        {
            i
        } else {
            i + 1
        }
    } else {
        i
    }
}

/// Identifiers: one whitespace chunk with several units and a digit ("us-east-1").
fn identifiers(text: &str, units: &[Unit], found: &mut Vec<FoundTerm>, covered: &mut [bool]) {
    let mut i = 0;
    while i < units.len() {
        let chunk = units[i].chunk;
        let mut j = i;
        while j < units.len() && units[j].chunk == chunk {
            j += 1;
        }
        let span_text = text.get(units[i].start..units[j - 1].end).unwrap_or("");
        let has_digit = units[i..j].iter().any(|u| u.number);
        let has_word = units[i..j].iter().any(|u| !u.number && !u.unit);
        if j - i >= 3
            && has_digit
            && has_word
            && span_text.contains('-')
            && !covered[i..j].iter().any(|&c| c)
        {
            push_covering(found, covered, TermKind::Identifier, i..j);
        }
        i = j;
    }
}

/// Numbers with units: number (number)* unit.
fn numbers(units: &[Unit], found: &mut Vec<FoundTerm>, covered: &[bool]) {
    let mut i = 0;
    while i < units.len() {
        if !units[i].number || covered[i] {
            i += 1;
            continue;
        }
        let mut j = i + 1;
        while j < units.len() && units[j].number && units[j].sentence == units[i].sentence {
            j += 1;
        }
        if j < units.len() && units[j].unit {
            found.push(FoundTerm {
                kind: TermKind::Number,
                units: i..j + 1,
            });
            i = j + 1;
        } else {
            i = j;
        }
    }
}

/// Decisive verbs from the lexicon (first occurrence of each).
fn verbs(units: &[Unit], lexicon: &Lexicon, found: &mut Vec<FoundTerm>, covered: &[bool]) {
    let content: Vec<usize> = (0..units.len()).filter(|&k| units[k].content).collect();
    for verb in lexicon.verbs() {
        let n = verb.len();
        if n == 0 || n > units.len() {
            continue;
        }
        for w in content.windows(n) {
            if w.iter().zip(verb).all(|(&k, v)| units[k].key == *v) && !covered[w[0]] {
                found.push(FoundTerm {
                    kind: TermKind::Verb,
                    units: w[0]..w[n - 1] + 1,
                });
                break;
            }
        }
    }
}

/// Deduplicate by key sequence, keeping the first.
fn dedupe(units: &[Unit], found: &mut Vec<FoundTerm>) {
    let mut seen: Vec<Vec<&str>> = Vec::new();
    found.retain(|t| {
        let keys: Vec<&str> = units[t.units.clone()]
            .iter()
            .filter(|u| u.content || u.unit)
            .map(|u| u.key.as_str())
            .collect();
        if keys.is_empty() || seen.contains(&keys) {
            false
        } else {
            seen.push(keys);
            true
        }
    });
}
