//! The tokenizer: raw tokens with byte spans, sentence and clause indices, then phrase,
//! synonym, number and unit merging into [`Unit`]s, and negation marking.

use super::{Analysis, Lexicon, MAX_PHRASE, NEGATION_REACH, Unit};
use super::{is_apostrophe, looks_like_acronym, number_key, word_number};

/// A raw token before phrase merging.
#[derive(Debug, Clone)]
pub(super) struct RawToken {
    pub(super) start: usize,
    pub(super) end: usize,
    /// Lowercased text, curly apostrophes straightened.
    pub(super) lower: String,
    /// Base key: unstemmed acronym or Snowball stem or normalised number.
    pub(super) base: String,
    pub(super) number: bool,
    pub(super) acronym: bool,
    pub(super) capital: bool,
    pub(super) inner_capital: bool,
    pub(super) sentence: u32,
    pub(super) clause: u32,
    pub(super) chunk: u32,
}

/// Where a token sits: its sentence, clause and whitespace chunk indices.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Pos {
    sentence: u32,
    clause: u32,
    chunk: u32,
}

impl RawToken {
    /// A token that is neither a number nor written with capitals.
    fn plain(start: usize, end: usize, lower: String, base: String, at: Pos) -> Self {
        RawToken {
            start,
            end,
            lower,
            base,
            number: false,
            acronym: false,
            capital: false,
            inner_capital: false,
            sentence: at.sentence,
            clause: at.clause,
            chunk: at.chunk,
        }
    }
}

/// Index one past the word starting at `chars[i]`: letters and digits, a decimal point or
/// thousands comma inside a number, an apostrophe inside a word ("can't").
fn word_end(chars: &[(usize, char)], i: usize) -> usize {
    let next_char = |j: usize| chars.get(j).map(|&(_, c)| c);
    let mut j = i;
    let mut all_digits = true;
    while j < chars.len() {
        let cj = chars[j].1;
        if cj.is_alphanumeric() {
            if !cj.is_ascii_digit() {
                all_digits = false;
            }
            j += 1;
            continue;
        }
        let nxt = next_char(j + 1);
        if (cj == '.' || cj == ',') && all_digits && nxt.is_some_and(|c| c.is_ascii_digit()) {
            j += 1;
            continue;
        }
        if is_apostrophe(cj) && !all_digits && nxt.is_some_and(char::is_alphabetic) {
            j += 1;
            continue;
        }
        break;
    }
    j
}

/// Advance the sentence and clause counters for the punctuation at `chars[i]`.
fn boundary(chars: &[(usize, char)], i: usize, at: &mut Pos) {
    let next_char = |j: usize| chars.get(j).map(|&(_, c)| c);
    match chars[i].1 {
        '.' | '!' | '?' => {
            let nxt = next_char(i + 1);
            if nxt.is_none_or(|c| c.is_whitespace() || c == '"' || c == '\u{201d}' || c == ')') {
                at.sentence += 1;
                at.clause += 1;
            }
        }
        ',' | ';' | ':' | '(' | ')' | '[' | ']' | '\u{2014}' | '\u{2013}' | '"' | '\u{201c}'
        | '\u{201d}' => at.clause += 1,
        '\n' if next_char(i + 1) == Some('\n') => {
            at.sentence += 1;
            at.clause += 1;
        }
        '-' if next_char(i + 1).is_some_and(char::is_whitespace)
            && i > 0
            && chars[i - 1].1.is_whitespace() =>
        {
            at.clause += 1
        }
        _ => {}
    }
}

/// The word lists and maps used for normalisation, built from [`LEXICON_DATA`] plus acronyms
impl Lexicon {
    /// Split text into raw tokens with byte spans, sentence and clause indices.
    pub(super) fn raw_tokens(&self, text: &str) -> Vec<RawToken> {
        let mut out: Vec<RawToken> = Vec::new();
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let mut at = Pos::default();
        let mut i = 0;
        while i < chars.len() {
            let (pos, c) = chars[i];
            if c.is_alphanumeric() {
                let j = word_end(&chars, i);
                let end = chars.get(j).map_or(text.len(), |&(p, _)| p);
                self.push_word(&mut out, &text[pos..end], pos, at);
                i = j;
                continue;
            }
            if c == '%' {
                let end = pos + c.len_utf8();
                let t = RawToken::plain(pos, end, "%".into(), "%".into(), at);
                out.push(t);
            } else {
                boundary(&chars, i, &mut at);
            }
            if c.is_whitespace() {
                at.chunk += 1;
            }
            i += 1;
        }
        out
    }

    pub(super) fn push_word(&self, out: &mut Vec<RawToken>, word: &str, start: usize, at: Pos) {
        if self.push_number_prefixed(out, word, start, at) {
            return;
        }
        let lower: String = word
            .chars()
            .map(|c| if c == '\u{2019}' { '\'' } else { c })
            .collect::<String>()
            .to_lowercase();
        if word
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == ',')
            && let Ok(v) = lower.replace(',', "").parse::<f64>()
        {
            out.push(self.number_token(start, start + word.len(), v, at));
            return;
        }
        if let Some(v) = word_number(&lower) {
            out.push(self.number_token(start, start + word.len(), v, at));
            return;
        }
        // "k" right after a number is a thousands suffix ("$15 k" is rare; "15k" handled above).
        let acronym = word.len() >= 2 && looks_like_acronym(word);
        let base = self.base_of(&lower, acronym);
        let end = start + word.len();
        let mut t = RawToken::plain(start, end, lower, base, at);
        t.acronym = acronym;
        t.capital = word.chars().next().is_some_and(char::is_uppercase);
        t.inner_capital = word.chars().skip(1).any(char::is_uppercase);
        out.push(t);
    }

    /// "200ms", "5k", "1.5s": a leading number followed by letters splits in two.
    /// Returns whether the word was handled so.
    fn push_number_prefixed(
        &self,
        out: &mut Vec<RawToken>,
        word: &str,
        start: usize,
        at: Pos,
    ) -> bool {
        let starts_digit = word.chars().next().is_some_and(|c| c.is_ascii_digit());
        let Some(split) = word
            .find(|c: char| c.is_alphabetic())
            .filter(|_| starts_digit)
        else {
            return false;
        };
        let (num, rest) = word.split_at(split);
        let Ok(mut v) = num.replace(',', "").parse::<f64>() else {
            return false;
        };
        let end = start + word.len();
        let rest_lower = rest.to_lowercase();
        if rest_lower == "k" {
            v *= 1000.0;
            out.push(self.number_token(start, end, v, at));
            return true;
        }
        out.push(self.number_token(start, start + split, v, at));
        let base = self.base_of(&rest_lower, false);
        let t = RawToken::plain(start + split, end, rest_lower, base, at);
        out.push(t);
        true
    }

    pub(super) fn number_token(&self, start: usize, end: usize, v: f64, at: Pos) -> RawToken {
        let key = number_key(v);
        let mut t = RawToken::plain(start, end, key.clone(), key, at);
        t.number = true;
        t
    }

    pub(super) fn is_negator_word(&self, lower: &str) -> bool {
        self.negators.contains(lower) || lower.ends_with("n't")
    }

    /// Analyse a text into canonical units with negation marks.
    pub fn analyze(&self, text: &str) -> Analysis {
        let raw = merge_number_words(text, self.raw_tokens(text));
        let mut units: Vec<Unit> = Vec::with_capacity(raw.len());
        let mut i = 0;
        while i < raw.len() {
            let t = &raw[i];
            let prev_number = units
                .iter()
                .rev()
                .find(|u: &&Unit| !matches!(u.key.as_str(), "per" | "a" | "an" | "each" | "everi"))
                .is_some_and(|u| u.number || u.unit);
            if let Some(len) = self.negator_len(&raw, i) {
                units.push(self.unit_from(&raw[i..i + len], "not".into(), false, true));
                i += len;
                continue;
            }
            if prev_number
                && !t.number
                && let Some((len, key)) = self.unit_at(&raw, i)
            {
                let mut u = self.unit_from(&raw[i..i + len], key, false, false);
                u.unit = true;
                units.push(u);
                i += len;
                continue;
            }
            let (len, u) = self.word_unit(&raw, i);
            units.push(u);
            i += len;
        }
        mark_negation(&mut units);
        let sentences = sentence_ranges(&mut units);
        Analysis { units, sentences }
    }

    /// Length of a negator (multi-word ones first: "instead of") starting at `raw[i]`.
    fn negator_len(&self, raw: &[RawToken], i: usize) -> Option<usize> {
        self.negator_phrases
            .iter()
            .find_map(|p| {
                let ok =
                    p.len() <= raw.len() - i && p.iter().zip(&raw[i..]).all(|(w, r)| *w == r.lower);
                ok.then_some(p.len())
            })
            .or_else(|| self.is_negator_word(&raw[i].lower).then_some(1))
    }

    /// A unit spelling (after a number) starting at `raw[i]`, longest first.
    fn unit_at(&self, raw: &[RawToken], i: usize) -> Option<(usize, String)> {
        if !self.unit_starts.contains(&raw[i].base) {
            return None;
        }
        (1..=MAX_PHRASE.min(raw.len() - i)).rev().find_map(|len| {
            let keys: Vec<String> = raw[i..i + len].iter().map(|r| r.base.clone()).collect();
            self.units.get(&keys).map(|u| (len, u.clone()))
        })
    }

    /// The unit for a word, a synonym or a multi-word phrase (longest first; sentences do
    /// not merge) starting at `raw[i]`, with how many raw tokens it takes.
    fn word_unit(&self, raw: &[RawToken], i: usize) -> (usize, Unit) {
        let t = &raw[i];
        let max_len = if self.phrase_starts.contains(&t.base) {
            MAX_PHRASE.min(raw.len() - i)
        } else {
            1
        };
        let found = (1..=max_len).rev().find_map(|len| {
            let slice = &raw[i..i + len];
            if slice.iter().any(|r| r.sentence != t.sentence) {
                return None;
            }
            let keys: Vec<String> = slice.iter().map(|r| r.base.clone()).collect();
            self.phrases.get(&keys).map(|c| (len, c.clone()))
        });
        match found {
            Some((len, key)) if len >= 2 => {
                (len, self.unit_from(&raw[i..i + len], key, true, false))
            }
            Some((_, key)) => {
                let content = !self.stopwords.contains(&t.lower);
                (1, self.unit_from(&raw[i..=i], key, content, false))
            }
            None => {
                let content = t.number || !self.stopwords.contains(&t.lower);
                let percent = t.lower == "%";
                let key = if percent {
                    "u:%".to_string()
                } else {
                    t.base.clone()
                };
                let mut u = self.unit_from(&raw[i..=i], key, content, false);
                if percent {
                    u.unit = true;
                    u.content = false;
                }
                (1, u)
            }
        }
    }

    pub(super) fn unit_from(
        &self,
        toks: &[RawToken],
        key: String,
        content: bool,
        negator: bool,
    ) -> Unit {
        let first = &toks[0];
        let last = &toks[toks.len() - 1];
        Unit {
            start: first.start,
            end: last.end,
            key,
            content,
            negator,
            negated: false,
            number: toks.len() == 1 && first.number,
            unit: false,
            acronym: toks.len() == 1 && first.acronym,
            capital: first.capital,
            inner_capital: toks.len() == 1 && first.inner_capital,
            sentence: first.sentence,
            clause: first.clause,
            sentence_start: false,
            chunk: first.chunk,
        }
    }
}

/// A plain word after a number that multiplies it ("ten grand", "5 million", "40 k").
fn multiplier_word(lower: &str) -> Option<f64> {
    Some(match lower {
        "grand" | "k" => 1_000.0,
        "million" => 1_000_000.0,
        "billion" => 1_000_000_000.0,
        _ => return None,
    })
}

/// A letter written right after digits that multiplies them ("200M rows", "3B events",
/// "40k"). A lowercase "m" stays a word: "5m" is five minutes in a rate window.
fn glued_multiplier(written: &str) -> Option<f64> {
    match written {
        "M" | "MM" => Some(1_000_000.0),
        "B" | "bn" => Some(1_000_000_000.0),
        _ => multiplier_word(&written.to_lowercase()),
    }
}

/// Numbers said in several words of one clause as one number token: a number and the
/// multiplier after it ("two hundred thousand" is 200000, "ten grand" 10000), and a tens word
/// and a unit word ("twenty-five" is 25).
fn merge_number_words(text: &str, raw: Vec<RawToken>) -> Vec<RawToken> {
    let value = |t: &RawToken| t.number.then(|| t.lower.parse::<f64>().ok()).flatten();
    // written as a word ("thousand", "twenty") rather than in digits ("1,000")
    let spelled = |t: &RawToken| {
        t.number
            && text
                .get(t.start..t.end)
                .is_some_and(|w| w.chars().all(char::is_alphabetic))
    };
    let merged = |prev: &RawToken, t: &RawToken| -> Option<f64> {
        let v = value(prev)?;
        let times = if spelled(t) {
            value(t).filter(|m| *m == 100.0 || *m == 1_000.0)
        } else if t.start == prev.end {
            glued_multiplier(text.get(t.start..t.end).unwrap_or(""))
        } else {
            multiplier_word(&t.lower)
        };
        if let Some(m) = times {
            return Some(v * m);
        }
        let unit = value(t).filter(|u| (1.0..10.0).contains(u))?;
        let tens = (20.0..100.0).contains(&v) && v % 10.0 == 0.0;
        (tens && spelled(prev) && spelled(t)).then_some(v + unit)
    };
    let mut out: Vec<RawToken> = Vec::with_capacity(raw.len());
    for t in raw {
        let n = out
            .last()
            .filter(|prev| prev.clause == t.clause)
            .and_then(|prev| merged(prev, &t));
        match (n, out.last_mut()) {
            (Some(n), Some(prev)) => {
                let key = number_key(n);
                prev.lower.clone_from(&key);
                prev.base = key;
                prev.end = t.end;
            }
            _ => out.push(t),
        }
    }
    out
}

/// The sentences as unit index ranges; marks each sentence's first unit.
fn sentence_ranges(units: &mut [Unit]) -> Vec<(usize, usize)> {
    let mut sentences = Vec::new();
    let mut s = 0;
    for k in 1..=units.len() {
        if k == units.len() || units[k].sentence != units[k - 1].sentence {
            sentences.push((s, k));
            s = k;
        }
    }
    for &(a, _) in &sentences {
        if let Some(u) = units.get_mut(a) {
            u.sentence_start = true;
        }
    }
    sentences
}

/// Mark content units that a negator precedes within [`NEGATION_REACH`] meaningful units
/// of the same clause.
pub(super) fn mark_negation(units: &mut [Unit]) {
    for i in 0..units.len() {
        if !units[i].content {
            continue;
        }
        let clause = units[i].clause;
        let mut seen = 0;
        let mut negated = false;
        for j in (0..i).rev() {
            let u = &units[j];
            if u.clause != clause {
                break;
            }
            if u.negator {
                negated = true;
                break;
            }
            if u.content {
                seen += 1;
                if seen >= NEGATION_REACH {
                    break;
                }
            }
        }
        units[i].negated = negated;
    }
}
