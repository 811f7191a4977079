//! Words of a text (stems with byte spans), cue-phrase search, and claim segmentation.

use std::ops::Range;

use super::{CONNECTIVES, cues};
use crate::align::text::{Analysis, stem};

/// A word of a text: lowercase stem and byte span.
#[derive(Debug, Clone, PartialEq)]
pub struct Word {
    /// Snowball stem of the lowercase word (contractions and numbers kept whole).
    pub stem: String,
    /// Byte offset of the first character.
    pub start: usize,
    /// Byte offset one past the last character.
    pub end: usize,
    /// Written with a leading capital.
    pub capital: bool,
    /// Written as a verb form ending in "-ed", "-es" or "-ing" ("completes", not "complete").
    pub inflected: bool,
}

/// Split a text into words (letters, digits and inner apostrophes).
pub fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut start: Option<usize> = None;
    let mut buf = String::new();
    let mut capital = false;
    let mut flush = |start: &mut Option<usize>, buf: &mut String, capital: bool, end: usize| {
        if let Some(s) = start.take() {
            let w = buf.trim_end_matches('\'').to_string();
            if !w.is_empty() {
                let inflected = ["ed", "es", "ing"].iter().any(|e| w.ends_with(e));
                let stem = if w.contains('\'') || w.chars().all(|c| c.is_ascii_digit()) {
                    w
                } else {
                    stem(&w)
                };
                out.push(Word {
                    stem,
                    start: s,
                    end,
                    capital,
                    inflected,
                });
            }
            buf.clear();
        }
    };
    for (i, ch) in text.char_indices() {
        let apostrophe = ch == '\'' || ch == '\u{2019}';
        if ch.is_alphanumeric() || (apostrophe && start.is_some()) {
            if start.is_none() {
                start = Some(i);
                capital = ch.is_uppercase();
            }
            if apostrophe {
                buf.push('\'');
            } else {
                buf.extend(ch.to_lowercase());
            }
        } else {
            flush(&mut start, &mut buf, capital, i);
        }
    }
    flush(&mut start, &mut buf, capital, text.len());
    quote_said_answers(&mut out);
    out
}

/// Verbs after which "no" and "yes" are the answer given ("saying no costs a round trip"), not
/// a denial or a quantity.
const SAY_VERBS: [&str; 4] = ["say", "said", "answer", "repli"];

/// Marks "no" and "yes" right after a verb of saying as quoted answers (`"no"`), so no cue
/// that denies or quantifies ("no", "no cost") matches them.
fn quote_said_answers(words: &mut [Word]) {
    for i in 1..words.len() {
        if matches!(words[i].stem.as_str(), "no" | "yes")
            && SAY_VERBS.contains(&words[i - 1].stem.as_str())
        {
            words[i].stem = format!("\"{}\"", words[i].stem);
        }
    }
}

/// Start indices of `phrase` in `words[range]` (see [`find_spans`]).
pub(super) fn find(words: &[Word], range: Range<usize>, phrase: &[String]) -> Vec<usize> {
    find_spans(words, range, phrase)
        .into_iter()
        .map(|(i, _)| i)
        .collect()
}

/// Where `phrase` is said in `words[range]`: (first word, one past the last). One `[fillers]`
/// word may sit between two of its words ("no real downside" says "no downside", "it really
/// depends" says "it depends").
pub(super) fn find_spans(
    words: &[Word],
    range: Range<usize>,
    phrase: &[String],
) -> Vec<(usize, usize)> {
    let Some((first, rest)) = phrase.split_first() else {
        return Vec::new();
    };
    let fillers = &cues().fillers;
    let at = |j: usize, p: &String| j < range.end && words[j].stem == *p;
    range
        .clone()
        .filter(|&i| words[i].stem == *first)
        .filter_map(|i| {
            let mut j = i + 1;
            for p in rest {
                if !at(j, p) && j < range.end && fillers.contains(&words[j].stem) && at(j + 1, p) {
                    j += 1;
                }
                if !at(j, p) {
                    return None;
                }
                j += 1;
            }
            Some((i, j))
        })
        .collect()
}

/// The phrases of a list said somewhere in `range`, each once.
pub(super) fn said<'p>(
    words: &[Word],
    range: Range<usize>,
    phrases: &'p [Vec<String>],
) -> Vec<&'p Vec<String>> {
    phrases
        .iter()
        .filter(|p| !find(words, range.clone(), p).is_empty())
        .collect()
}

/// Occurrences (start, end word index) of any phrase of a list.
pub(super) fn find_any(
    words: &[Word],
    range: Range<usize>,
    list: &[Vec<String>],
) -> Vec<(usize, usize)> {
    let mut out: Vec<(usize, usize)> = list
        .iter()
        .flat_map(|p| find_spans(words, range.clone(), p))
        .collect();
    out.sort_unstable();
    out
}

/// Whether a denial word sits within three words before word `i` (in the range).
pub(super) fn denied(words: &[Word], range: &Range<usize>, i: usize) -> bool {
    let from = i.saturating_sub(3).max(range.start);
    cues()
        .denials
        .iter()
        .any(|d| !find(words, from..i, d).is_empty())
}

/// Whether a `[post-denials]` phrase starting within four words after word `e` (where a
/// phrase ended) denies it: "rolling back … is impossible", "the synchronous dependency off
/// the critical path".
pub(super) fn denied_after(words: &[Word], range: &Range<usize>, e: usize) -> bool {
    find_any(words, e..range.end, &cues().post_denials)
        .iter()
        .any(|&(i, _)| i < e + 4)
}

/// One claim of an answer: a clause-level run of units.
#[derive(Debug, Clone, PartialEq)]
pub struct Claim {
    /// Byte span in the text.
    pub span: [usize; 2],
    /// Unit index range in the analysis.
    pub units: Range<usize>,
    /// Word index range in [`words`] of the text.
    pub words: Range<usize>,
}

/// Segment an analysed text into claims: sentences split at semicolons, colons, dashes,
/// brackets and comma + connective ("…, but …", "…, so …").
pub fn segment(text: &str, a: &Analysis, ws: &[Word]) -> Vec<Claim> {
    let units = &a.units;
    let content = |r: Range<usize>| units[r].iter().filter(|u| u.content).count();
    let mut ranges: Vec<Range<usize>> = Vec::new();
    for &(s, e) in &a.sentences {
        let mut start = s;
        for k in s + 1..e {
            let gap = text.get(units[k - 1].end..units[k].start).unwrap_or("");
            let next = text
                .get(units[k].start..units[k].end)
                .unwrap_or("")
                .to_lowercase();
            let brk = gap.contains([';', ':', '(', ')', '\u{2014}', '\u{2013}'])
                || gap.contains(" - ")
                || (gap.contains(',') && CONNECTIVES.contains(&next.as_str()))
                || matches!(next.as_str(), "because" | "whereas" | "although");
            if brk && content(start..k) >= 2 && content(k..e) >= 2 {
                ranges.push(start..k);
                start = k;
            }
        }
        if start < e {
            ranges.push(start..e);
        }
    }
    let mut out = Vec::with_capacity(ranges.len());
    let mut w = 0;
    for r in ranges {
        let span = [units[r.start].start, units[r.end - 1].end];
        while w < ws.len() && ws[w].start < span[0] {
            w += 1;
        }
        let ws_start = w;
        while w < ws.len() && ws[w].start < span[1] {
            w += 1;
        }
        out.push(Claim {
            span,
            units: r,
            words: ws_start..w,
        });
    }
    out
}
