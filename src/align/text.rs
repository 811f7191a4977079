//! Text analysis: tokenising with byte spans, normalising, stemming, numbers and units,
//! multi-word synonyms and acronym expansions, stopwords and negation.
//!
//! Both the guidance and the answer go through [`Lexicon::analyze`], so the two sides are
//! compared on the same canonical keys: `"Fail over"`, `"failover"` and `"failing over"` all
//! become one key; `"RPO"` and `"recovery point objective"` another; `"50-200ms"` and
//! `"50 to 200 ms"` give the same number and unit keys.

use std::collections::{HashMap, HashSet};

use rust_stemmers::{Algorithm, Stemmer};

mod tokenize;

/// The lexicon data file (synonyms, acronyms, units, decisive verbs, negators, stopwords).
pub const LEXICON_DATA: &str = include_str!("synonyms.txt");

/// Concept equivalences and claim cues, kept beside the synonym table (its `[concepts]`
/// section is read like `[synonyms]`; the cue sections by `align::claims`).
pub const CONCEPT_DATA: &str = include_str!("concepts.txt");

/// Longest multi-word entry (in tokens) looked for when merging phrases.
const MAX_PHRASE: usize = 5;

/// How many preceding meaningful units a negator reaches ("no cross-region replica").
const NEGATION_REACH: usize = 3;

/// One analysed unit of text: a word, a number, or a multi-word phrase merged into one key.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    /// Byte offset of the first character in the analysed text.
    pub start: usize,
    /// Byte offset one past the last character.
    pub end: usize,
    /// Canonical key: a stem, a synonym group's canonical form, a lowercase acronym,
    /// a normalised number (`"200"`, `"1.5"`) or a unit (`"u:ms"`).
    pub key: String,
    /// Carries meaning on its own (not a stopword, negator or unit).
    pub content: bool,
    /// A negator ("no", "not", "without", "can't", ...).
    pub negator: bool,
    /// A negator precedes it closely in the same clause.
    pub negated: bool,
    /// A number (after word-number and `k` suffix normalisation).
    pub number: bool,
    /// A unit following a number (`ms`, `minutes`, `%`).
    pub unit: bool,
    /// Written in capitals as an acronym (`RDS`, `CDNs`) or a known acronym.
    pub acronym: bool,
    /// Starts with an uppercase letter as written.
    pub capital: bool,
    /// Has an uppercase letter after its first character (`CockroachDB`, `PgBouncer`).
    pub inner_capital: bool,
    /// Index of the sentence it belongs to.
    pub sentence: u32,
    /// Index of the clause it belongs to (commas, semicolons, dashes and brackets split clauses).
    pub clause: u32,
    /// First unit of its sentence.
    pub sentence_start: bool,
    /// Index of the whitespace-separated chunk it came from ("us-east-1" is one chunk).
    pub chunk: u32,
}

/// A text after analysis: its units in order and its sentences as unit index ranges.
#[derive(Debug, Clone, Default)]
pub struct Analysis {
    /// Units in text order.
    pub units: Vec<Unit>,
    /// `sentences[i]` is the half-open unit index range of sentence `i`.
    pub sentences: Vec<(usize, usize)>,
}

/// learned from guidance ("Recovery Point Objective (RPO)").
#[derive(Debug, Clone)]
pub struct Lexicon {
    /// Lowercase acronyms that must not be stemmed.
    acronyms: HashSet<String>,
    /// Base-key sequence → canonical key (synonyms and acronym long forms; single words too).
    phrases: HashMap<Vec<String>, String>,
    /// First base keys of multi-word phrases (skips phrase lookups for most tokens).
    phrase_starts: HashSet<String>,
    /// Base-key sequence → canonical unit key, applied only right after a number.
    units: HashMap<Vec<String>, String>,
    /// First base keys of unit spellings.
    unit_starts: HashSet<String>,
    /// Decisive verbs as canonical key sequences.
    verbs: Vec<Vec<String>>,
    /// Single-word negators (lowercase).
    negators: HashSet<String>,
    /// Multi-word negators as lowercase word sequences ("instead of").
    negator_phrases: Vec<Vec<String>>,
    /// Stopwords (lowercase).
    stopwords: HashSet<String>,
    /// Framing words (canonical keys): content, but they carry little of a claim
    /// ("topology", "architecture", "significantly").
    framing: HashSet<String>,
}

impl Default for Lexicon {
    fn default() -> Self {
        Self::from_data(&format!("{LEXICON_DATA}\n{CONCEPT_DATA}"))
    }
}

pub(crate) fn stem(word: &str) -> String {
    Stemmer::create(Algorithm::English).stem(word).into_owned()
}

/// Number words that are normalised to digits.
fn word_number(w: &str) -> Option<f64> {
    Some(match w {
        "zero" => 0.0,
        "one" => 1.0,
        "two" => 2.0,
        "three" => 3.0,
        "four" => 4.0,
        "five" => 5.0,
        "six" => 6.0,
        "seven" => 7.0,
        "eight" => 8.0,
        "nine" => 9.0,
        "ten" => 10.0,
        "twelve" => 12.0,
        "fifteen" => 15.0,
        "twenty" => 20.0,
        "thirty" => 30.0,
        "forty" => 40.0,
        "fifty" => 50.0,
        "sixty" => 60.0,
        "ninety" => 90.0,
        "hundred" => 100.0,
        "thousand" => 1000.0,
        _ => return None,
    })
}

/// Canonical text for a number: integers without a fraction, others trimmed.
fn number_key(v: f64) -> String {
    if v.is_finite() && v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '\u{2019}'
}

/// Letters from which a word in capitals is read as a word, not an acronym.
const LOUD_WORD: usize = 5;

/// Is this word written like an acronym: two or more capitals, no lowercase except a plural `s`.
fn looks_like_acronym(word: &str) -> bool {
    let core = word.strip_suffix('s').unwrap_or(word);
    let upper = core.chars().filter(|c| c.is_uppercase()).count();
    upper >= 2 && core.chars().all(|c| c.is_uppercase() || c.is_ascii_digit())
}

/// The lines of a data file in the `synonyms.txt` format, trimmed, each with the `[section]`
/// it belongs to; blank lines, `#` comments and the headers themselves are skipped.
pub(crate) fn data_lines(data: &str) -> impl Iterator<Item = (&str, &str)> {
    let mut section = "";
    data.lines().filter_map(move |line| {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            return None;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = name;
            return None;
        }
        Some((section, line))
    })
}

/// The sections of the lexicon data, read line by line before the tables are built.
#[derive(Default)]
struct RawData {
    synonyms: Vec<Vec<String>>,
    acronyms: Vec<(String, String)>,
    units: Vec<Vec<String>>,
    verbs: Vec<String>,
    framing: Vec<String>,
    negators: HashSet<String>,
    negator_phrases: Vec<Vec<String>>,
    stopwords: HashSet<String>,
}

impl RawData {
    /// Read `[section]` headers and their comma-separated (or `a = long`) lines.
    fn parse(data: &str) -> Self {
        let mut raw = RawData::default();
        for (section, line) in data_lines(data) {
            raw.add_line(section, line);
        }
        raw
    }

    fn add_line(&mut self, section: &str, line: &str) {
        let entries = || {
            line.split(',')
                .map(|e| e.trim().to_lowercase())
                .filter(|e| !e.is_empty())
        };
        match section {
            "synonyms" | "concepts" => self.synonyms.push(entries().collect()),
            "units" => self.units.push(entries().collect()),
            "acronyms" => {
                if let Some((a, long)) = line.split_once('=') {
                    self.acronyms
                        .push((a.trim().to_lowercase(), long.trim().to_lowercase()));
                }
            }
            "verbs" => self.verbs.push(line.to_lowercase()),
            "negators" => {
                let words: Vec<String> = line
                    .to_lowercase()
                    .split_whitespace()
                    .map(str::to_string)
                    .collect();
                match words.len() {
                    0 => {}
                    1 => self.negators.extend(words),
                    _ => self.negator_phrases.push(words),
                }
            }
            "stopwords" => self.stopwords.extend(entries()),
            "framing" => self.framing.extend(entries()),
            _ => {}
        }
    }
}

impl Lexicon {
    /// Build a lexicon from lexicon data in the `synonyms.txt` format.
    pub fn from_data(data: &str) -> Self {
        let mut lex = Lexicon {
            acronyms: HashSet::new(),
            phrases: HashMap::new(),
            phrase_starts: HashSet::new(),
            units: HashMap::new(),
            unit_starts: HashSet::new(),
            verbs: Vec::new(),
            negators: HashSet::new(),
            negator_phrases: Vec::new(),
            stopwords: HashSet::new(),
            framing: HashSet::new(),
        };
        let raw = RawData::parse(data);
        lex.negators = raw.negators;
        lex.negator_phrases = raw.negator_phrases;
        lex.stopwords = raw.stopwords;
        for (a, _) in &raw.acronyms {
            lex.acronyms.insert(a.clone());
        }
        for (a, long) in raw.acronyms {
            lex.add_acronym(&a, &long);
        }
        lex.add_groups(raw.synonyms, |_| None, false);
        lex.add_groups(raw.units, |first| Some(format!("u:{first}")), true);
        lex.phrase_starts = lex
            .phrases
            .keys()
            .filter(|k| k.len() >= 2)
            .filter_map(|k| k.first().cloned())
            .collect();
        lex.unit_starts = lex
            .units
            .keys()
            .filter_map(|k| k.first().cloned())
            .collect();
        lex.add_framing_and_verbs(raw.framing, raw.verbs);
        lex
    }

    /// Map every entry of each group to the group's canonical key (`canonical` is given the
    /// group's first entry, or `None` to use the base keys of that entry); into the unit map
    /// when `unit`, else into the phrase map. The first mapping of an entry wins.
    fn add_groups(
        &mut self,
        groups: Vec<Vec<String>>,
        canonical: impl Fn(&str) -> Option<String>,
        unit: bool,
    ) {
        for group in groups {
            let Some(first) = group.first() else { continue };
            let canonical = canonical(first).unwrap_or_else(|| self.base_keys(first).join(" "));
            for entry in &group {
                let keys = self.base_keys(entry);
                if keys.is_empty() {
                    continue;
                }
                let map = if unit {
                    &mut self.units
                } else {
                    &mut self.phrases
                };
                map.entry(keys).or_insert_with(|| canonical.clone());
            }
        }
    }

    /// Learn the framing words' keys and the decisive verbs' key sequences (both need the
    /// finished phrase tables, so they come last).
    fn add_framing_and_verbs(&mut self, framing: Vec<String>, verbs: Vec<String>) {
        for f in framing {
            if let Some(u) = self.analyze(&f).units.into_iter().find(|u| u.content) {
                self.framing.insert(u.key);
            }
        }
        for v in verbs {
            let keys: Vec<String> = self
                .analyze(&v)
                .units
                .iter()
                .filter(|u| u.content)
                .map(|u| u.key.clone())
                .collect();
            if !keys.is_empty() && !self.verbs.contains(&keys) {
                self.verbs.push(keys);
            }
        }
    }

    /// Register an acronym and its long form; both then analyse to the same key.
    /// Returns whether anything new was learned.
    pub fn add_acronym(&mut self, acronym: &str, long: &str) -> bool {
        let a = acronym.to_lowercase();
        let new_acronym = self.acronyms.insert(a.clone());
        let long_keys = self.base_keys(long);
        let mut learned = new_acronym;
        if long_keys.len() >= 2 && !self.phrases.contains_key(&long_keys) {
            if let Some(first) = long_keys.first() {
                self.phrase_starts.insert(first.clone());
            }
            self.phrases.insert(long_keys, a.clone());
            learned = true;
        }
        // The acronym itself may be a synonym of something else already (e.g. "db"); keep that.
        self.phrases.entry(vec![a.clone()]).or_insert(a);
        learned
    }

    /// Learn acronyms written as "Long Form (LF)" in a guidance text.
    /// Returns whether anything new was learned.
    pub fn learn_acronyms(&mut self, text: &str) -> bool {
        let mut learned = false;
        for (a, long) in find_acronym_definitions(text) {
            learned |= self.add_acronym(&a, &long);
        }
        learned
    }

    /// Whether [`Lexicon::learn_acronyms`] would learn something new from this text.
    pub fn would_learn(&self, text: &str) -> bool {
        find_acronym_definitions(text).into_iter().any(|(a, long)| {
            let keys = self.base_keys(&long);
            !self.acronyms.contains(&a.to_lowercase())
                || (keys.len() >= 2 && !self.phrases.contains_key(&keys))
        })
    }

    /// Note capitalised acronyms seen in a text so their lowercase spelling is not stemmed.
    pub fn note_acronyms(&mut self, text: &str) {
        for word in text.split(|c: char| !c.is_alphanumeric()) {
            if word.len() >= 2 && word.len() <= 6 && looks_like_acronym(word) {
                let core = word.strip_suffix('s').unwrap_or(word).to_lowercase();
                if !self.stopwords.contains(&core) {
                    self.acronyms.insert(core);
                }
            }
        }
    }

    /// Whether a canonical key is a framing word (weighs little in a claim).
    pub fn is_framing(&self, key: &str) -> bool {
        self.framing.contains(key)
    }

    /// The decisive verbs, as canonical key sequences.
    pub fn verbs(&self) -> &[Vec<String>] {
        &self.verbs
    }

    /// Base keys of a short entry (used for lexicon entries).
    fn base_keys(&self, text: &str) -> Vec<String> {
        self.raw_tokens(text).into_iter().map(|t| t.base).collect()
    }

    fn base_of(&self, lower: &str, acronym_written: bool) -> String {
        // A long word in capitals is a keyword written loudly ("CONCURRENTLY", "VACUUM"), not
        // an acronym: it keeps the key it has in lower case.
        let shouted =
            acronym_written && lower.chars().count() >= LOUD_WORD && !self.acronyms.contains(lower);
        if acronym_written && !shouted {
            return lower.strip_suffix('s').unwrap_or(lower).to_string();
        }
        if self.acronyms.contains(lower) {
            return lower.to_string();
        }
        if let Some(core) = lower.strip_suffix('s')
            && core.len() >= 2
            && self.acronyms.contains(core)
        {
            return core.to_string();
        }
        // Drop possessive "'s" and keep contractions whole ("can't", "i'd").
        let w = lower.strip_suffix("'s").unwrap_or(lower);
        if w.contains('\'') {
            return w.to_string();
        }
        stem(w)
    }
}

/// Find "Long Form (LF)" definitions: a bracketed acronym whose letters are the initials of
/// the words before it (small words like "of" and "and" may be skipped).
pub fn find_acronym_definitions(text: &str) -> Vec<(String, String)> {
    const SMALL: [&str; 7] = ["of", "and", "the", "for", "to", "a", "in"];
    let mut out = Vec::new();
    let mut rest = text;
    let mut offset = 0;
    while let Some(open) = rest.find('(') {
        let after = &rest[open + 1..];
        let Some(close) = after.find(')') else { break };
        let inner = after[..close].trim();
        let before = &text[..offset + open];
        offset += open + 1;
        rest = after;
        if inner.len() < 2 || inner.len() > 8 || !looks_like_acronym(inner) {
            continue;
        }
        let acronym = inner.strip_suffix('s').unwrap_or(inner);
        let letters: Vec<char> = acronym
            .chars()
            .filter(|c| c.is_alphabetic())
            .map(|c| c.to_ascii_lowercase())
            .collect();
        let words: Vec<&str> = before
            .split(|c: char| c.is_whitespace() || c == '-' || c == '/')
            .filter(|w| !w.is_empty())
            .collect();
        // Walk back over the words matching the acronym's letters from its end.
        let mut li = letters.len();
        let mut wi = words.len();
        let mut taken = 0;
        while li > 0 && wi > 0 && taken < letters.len() * 2 + 2 {
            wi -= 1;
            taken += 1;
            let w = words[wi].trim_matches(|c: char| !c.is_alphanumeric());
            let first = w.chars().next().map(|c| c.to_ascii_lowercase());
            if first == Some(letters[li - 1]) {
                li -= 1;
            } else if SMALL.contains(&w.to_lowercase().as_str()) && li < letters.len() {
                continue;
            } else {
                break;
            }
        }
        if li == 0 {
            let long = words[wi..]
                .iter()
                .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
                .collect::<Vec<_>>()
                .join(" ");
            out.push((acronym.to_string(), long));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys(lex: &Lexicon, text: &str) -> Vec<String> {
        lex.analyze(text)
            .units
            .into_iter()
            .filter(|u| u.content || u.unit)
            .map(|u| u.key)
            .collect()
    }

    #[test]
    fn number_ranges_with_and_without_spaces_match() {
        let lex = Lexicon::default();
        assert_eq!(keys(&lex, "50-200ms"), keys(&lex, "50 to 200 ms"));
        assert_eq!(keys(&lex, "50-200ms"), vec!["50", "200", "u:ms"]);
        assert_eq!(keys(&lex, "$15k/month"), keys(&lex, "15000 per month"));
        assert_eq!(keys(&lex, "one to two minutes"), keys(&lex, "1-2 min"));
    }

    #[test]
    fn a_capital_m_or_b_after_digits_multiplies_them() {
        let lex = Lexicon::default();
        assert_eq!(keys(&lex, "200M rows"), keys(&lex, "200 million rows"));
        assert_eq!(keys(&lex, "3B events"), keys(&lex, "3 billion events"));
        assert_eq!(keys(&lex, "40K keys"), keys(&lex, "40 k keys"));
        // a lowercase m is a word (a rate window's minutes), not a million
        assert_ne!(
            keys(&lex, "rate over 5m"),
            keys(&lex, "rate over 5 million")
        );
    }

    #[test]
    fn numbers_said_in_several_words_are_one_number() {
        let lex = Lexicon::default();
        assert_eq!(
            keys(&lex, "ten grand a month"),
            keys(&lex, "$10,000 a month")
        );
        assert_eq!(
            keys(&lex, "ten thousand requests"),
            keys(&lex, "10000 requests")
        );
        assert_eq!(
            keys(&lex, "two hundred thousand rows"),
            keys(&lex, "200,000 rows")
        );
        assert_eq!(keys(&lex, "5 million events"), keys(&lex, "5000000 events"));
        assert_eq!(keys(&lex, "twenty-five minutes"), keys(&lex, "25 minutes"));
        // digits side by side stay apart, and "grand" alone is a word
        assert_eq!(keys(&lex, "20 5"), vec!["20", "5"]);
        assert_eq!(keys(&lex, "5 1,000-row batches")[..2], ["5", "1000"]);
        assert_eq!(keys(&lex, "twenty, five")[..2], ["20", "5"]);
        assert!(keys(&lex, "a grand plan").contains(&"grand".to_string()));
    }

    #[test]
    fn acronyms_match_their_expansion_and_learned_pairs() {
        let mut lex = Lexicon::default();
        assert_eq!(keys(&lex, "RPO"), keys(&lex, "recovery point objective"));
        assert_eq!(keys(&lex, "CDNs"), keys(&lex, "a content delivery network"));
        assert!(lex.learn_acronyms("use a Pod Disruption Budget (PDB) here"));
        assert_eq!(keys(&lex, "PDB"), keys(&lex, "pod disruption budget"));
    }

    #[test]
    fn a_keyword_in_capitals_keys_as_in_lower_case_and_acronyms_stay_whole() {
        let lex = Lexicon::default();
        assert_eq!(keys(&lex, "CONCURRENTLY"), keys(&lex, "concurrently"));
        assert_eq!(
            keys(&lex, "ACCESS EXCLUSIVE"),
            keys(&lex, "access exclusive")
        );
        assert_eq!(keys(&lex, "TABLE"), keys(&lex, "tables"));
        // short ones and plurals written as acronyms are still acronyms
        assert_eq!(keys(&lex, "SLOs"), keys(&lex, "SLO"));
        assert_eq!(keys(&lex, "AKIA"), vec!["akia"]);
    }

    #[test]
    fn synonyms_and_stems_normalise() {
        let lex = Lexicon::default();
        assert_eq!(keys(&lex, "fail over"), keys(&lex, "Failover"));
        assert_eq!(keys(&lex, "replicas"), keys(&lex, "standby"));
        assert_eq!(keys(&lex, "Caching"), keys(&lex, "cached"));
    }

    #[test]
    fn negation_marks_close_terms_only() {
        let lex = Lexicon::default();
        let a = lex.analyze("There is no replica, but the cache stays.");
        let replica = a.units.iter().find(|u| u.key == "replica");
        assert!(replica.is_some_and(|u| u.negated));
        let cache = a.units.iter().find(|u| u.key == "cach");
        assert!(cache.is_some_and(|u| !u.negated));
        let b = lex.analyze("We can't promise it");
        assert!(b.units.iter().any(|u| u.content && u.negated));
    }

    #[test]
    fn spans_are_byte_offsets_on_char_boundaries() {
        let lex = Lexicon::default();
        let text = "Café — “zero data loss” 200ms ünïcödé";
        for u in lex.analyze(text).units {
            assert!(text.is_char_boundary(u.start) && text.is_char_boundary(u.end));
            assert!(u.start < u.end && u.end <= text.len());
        }
    }
}
