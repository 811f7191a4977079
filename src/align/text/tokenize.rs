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

/// The word lists and maps used for normalisation, built from [`LEXICON_DATA`] plus acronyms
impl Lexicon {
    /// Split text into raw tokens with byte spans, sentence and clause indices.
    pub(super) fn raw_tokens(&self, text: &str) -> Vec<RawToken> {
        let mut out: Vec<RawToken> = Vec::new();
        let chars: Vec<(usize, char)> = text.char_indices().collect();
        let mut sentence = 0u32;
        let mut clause = 0u32;
        let mut chunk = 0u32;
        let mut i = 0;
        let n = chars.len();
        let next_char = |j: usize| chars.get(j).map(|&(_, c)| c);
        while i < n {
            let (pos, c) = chars[i];
            if c.is_alphanumeric() {
                let start = pos;
                let mut j = i;
                let mut all_digits = true;
                while j < n {
                    let cj = chars[j].1;
                    if cj.is_alphanumeric() {
                        if !cj.is_ascii_digit() {
                            all_digits = false;
                        }
                        j += 1;
                        continue;
                    }
                    let nxt = next_char(j + 1);
                    if (cj == '.' || cj == ',')
                        && all_digits
                        && nxt.is_some_and(|c| c.is_ascii_digit())
                    {
                        j += 1;
                        continue;
                    }
                    if is_apostrophe(cj) && !all_digits && nxt.is_some_and(char::is_alphabetic) {
                        j += 1;
                        continue;
                    }
                    break;
                }
                let end = chars.get(j).map_or(text.len(), |&(p, _)| p);
                let word = &text[start..end];
                self.push_word(&mut out, word, start, sentence, clause, chunk);
                i = j;
                continue;
            }
            match c {
                '%' => out.push(RawToken {
                    start: pos,
                    end: pos + c.len_utf8(),
                    lower: "%".into(),
                    base: "%".into(),
                    number: false,
                    acronym: false,
                    capital: false,
                    inner_capital: false,
                    sentence,
                    clause,
                    chunk,
                }),
                '.' | '!' | '?' => {
                    let nxt = next_char(i + 1);
                    if nxt.is_none_or(|c| {
                        c.is_whitespace() || c == '"' || c == '\u{201d}' || c == ')'
                    }) {
                        sentence += 1;
                        clause += 1;
                    }
                }
                ',' | ';' | ':' | '(' | ')' | '[' | ']' | '\u{2014}' | '\u{2013}' | '"'
                | '\u{201c}' | '\u{201d}' => clause += 1,
                '\n' if next_char(i + 1) == Some('\n') => {
                    sentence += 1;
                    clause += 1;
                }
                '-' if next_char(i + 1).is_some_and(char::is_whitespace)
                    && i > 0
                    && chars[i - 1].1.is_whitespace() =>
                {
                    clause += 1
                }
                _ => {}
            }
            if c.is_whitespace() {
                chunk += 1;
            }
            i += 1;
        }
        out
    }

    pub(super) fn push_word(
        &self,
        out: &mut Vec<RawToken>,
        word: &str,
        start: usize,
        sentence: u32,
        clause: u32,
        chunk: u32,
    ) {
        // "200ms", "5k", "1.5s": a leading number followed by letters splits in two.
        let starts_digit = word.chars().next().is_some_and(|c| c.is_ascii_digit());
        if starts_digit && let Some(split) = word.find(|c: char| c.is_alphabetic()) {
            let (num, rest) = word.split_at(split);
            let num_clean = num.replace(',', "");
            if let Ok(mut v) = num_clean.parse::<f64>() {
                let rest_lower = rest.to_lowercase();
                let (rest_lower, rest_start) = if rest_lower == "k" {
                    v *= 1000.0;
                    (String::new(), start + word.len())
                } else {
                    (rest_lower, start + split)
                };
                out.push(self.number_token(start, start + split, v, sentence, clause, chunk));
                if let Some(last) = out.last_mut()
                    && rest_lower.is_empty()
                {
                    last.end = start + word.len();
                }
                if !rest_lower.is_empty() {
                    let base = self.base_of(&rest_lower, false);
                    out.push(RawToken {
                        start: rest_start,
                        end: start + word.len(),
                        lower: rest_lower,
                        base,
                        number: false,
                        acronym: false,
                        capital: false,
                        inner_capital: false,
                        sentence,
                        clause,
                        chunk,
                    });
                }
                return;
            }
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
            out.push(self.number_token(start, start + word.len(), v, sentence, clause, chunk));
            return;
        }
        if let Some(v) = word_number(&lower) {
            out.push(self.number_token(start, start + word.len(), v, sentence, clause, chunk));
            return;
        }
        // "k" right after a number is a thousands suffix ("$15 k" is rare; "15k" handled above).
        let acronym = word.len() >= 2 && looks_like_acronym(word);
        let capital = word.chars().next().is_some_and(char::is_uppercase);
        let inner_capital = word.chars().skip(1).any(char::is_uppercase);
        let base = self.base_of(&lower, acronym);
        out.push(RawToken {
            start,
            end: start + word.len(),
            lower,
            base,
            number: false,
            acronym,
            capital,
            inner_capital,
            sentence,
            clause,
            chunk,
        });
    }

    pub(super) fn number_token(
        &self,
        start: usize,
        end: usize,
        v: f64,
        sentence: u32,
        clause: u32,
        chunk: u32,
    ) -> RawToken {
        let key = number_key(v);
        RawToken {
            start,
            end,
            lower: key.clone(),
            base: key,
            number: true,
            acronym: false,
            capital: false,
            inner_capital: false,
            sentence,
            clause,
            chunk,
        }
    }

    pub(super) fn is_negator_word(&self, lower: &str) -> bool {
        self.negators.contains(lower) || lower.ends_with("n't")
    }

    /// Analyse a text into canonical units with negation marks.
    pub fn analyze(&self, text: &str) -> Analysis {
        let raw = self.raw_tokens(text);
        let mut units: Vec<Unit> = Vec::with_capacity(raw.len());
        let mut i = 0;
        while i < raw.len() {
            let t = &raw[i];
            let prev_number = units
                .iter()
                .rev()
                .find(|u: &&Unit| !matches!(u.key.as_str(), "per" | "a" | "an" | "each" | "everi"))
                .is_some_and(|u| u.number || u.unit);
            // Multi-word negators ("instead of", "rather than").
            if let Some(len) = self.negator_phrases.iter().find_map(|p| {
                let ok =
                    p.len() <= raw.len() - i && p.iter().zip(&raw[i..]).all(|(w, r)| *w == r.lower);
                ok.then_some(p.len())
            }) {
                units.push(self.unit_from(&raw[i..i + len], "not".into(), false, true));
                i += len;
                continue;
            }
            if self.is_negator_word(&t.lower) {
                units.push(self.unit_from(&raw[i..=i], "not".into(), false, true));
                i += 1;
                continue;
            }
            // Units after a number, longest first.
            if prev_number && !t.number && self.unit_starts.contains(&t.base) {
                let mut found = None;
                for len in (1..=MAX_PHRASE.min(raw.len() - i)).rev() {
                    let keys: Vec<String> =
                        raw[i..i + len].iter().map(|r| r.base.clone()).collect();
                    if let Some(u) = self.units.get(&keys) {
                        found = Some((len, u.clone()));
                        break;
                    }
                }
                if let Some((len, key)) = found {
                    let mut u = self.unit_from(&raw[i..i + len], key, false, false);
                    u.unit = true;
                    units.push(u);
                    i += len;
                    continue;
                }
            }
            // Phrases and synonyms, longest first; sentences do not merge.
            let mut found = None;
            let max_len = if self.phrase_starts.contains(&t.base) {
                MAX_PHRASE.min(raw.len() - i)
            } else {
                1
            };
            for len in (1..=max_len).rev() {
                let slice = &raw[i..i + len];
                if slice.iter().any(|r| r.sentence != t.sentence) {
                    continue;
                }
                let keys: Vec<String> = slice.iter().map(|r| r.base.clone()).collect();
                if let Some(c) = self.phrases.get(&keys) {
                    found = Some((len, c.clone()));
                    break;
                }
            }
            match found {
                Some((len, key)) if len >= 2 => {
                    units.push(self.unit_from(&raw[i..i + len], key, true, false));
                    i += len;
                }
                Some((_, key)) => {
                    let content = !self.stopwords.contains(&t.lower);
                    units.push(self.unit_from(&raw[i..=i], key, content, false));
                    i += 1;
                }
                None => {
                    let content = t.number || !self.stopwords.contains(&t.lower);
                    let key = if t.lower == "%" {
                        "u:%".to_string()
                    } else {
                        t.base.clone()
                    };
                    let mut u = self.unit_from(&raw[i..=i], key, content, false);
                    if t.lower == "%" {
                        u.unit = true;
                        u.content = false;
                    }
                    units.push(u);
                    i += 1;
                }
            }
        }
        mark_negation(&mut units);
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
        Analysis { units, sentences }
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
