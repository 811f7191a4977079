//! The cue lists of `concepts.txt` (certainty words, hedges, denials, …) read once into
//! stemmed phrases for the claim checks.

use std::sync::OnceLock;

use super::words::words;
use crate::align::text::{CONCEPT_DATA, data_lines};

/// The cue lists of `concepts.txt`, as stemmed word sequences.
#[derive(Debug, Default)]
pub(super) struct Cues {
    pub(in crate::align::claims) opposites: Vec<[Vec<Vec<String>>; 2]>,
    pub(in crate::align::claims) certainty: Vec<Vec<String>>,
    /// The `[sufficiency]` phrases (also in `certainty`): positive, whatever word opens them.
    pub(in crate::align::claims) sufficiency: Vec<Vec<String>>,
    pub(in crate::align::claims) hedges: Vec<Vec<String>>,
    pub(in crate::align::claims) dismiss_before: Vec<Vec<String>>,
    pub(in crate::align::claims) dismiss_after: Vec<Vec<String>>,
    pub(in crate::align::claims) insisted: Vec<Vec<String>>,
    pub(in crate::align::claims) denials: Vec<Vec<String>>,
    pub(in crate::align::claims) hypothetical: Vec<Vec<String>>,
    pub(in crate::align::claims) post_denials: Vec<Vec<String>>,
    pub(in crate::align::claims) qualifiers: Vec<Vec<String>>,
    pub(in crate::align::claims) exceptions: Vec<Vec<String>>,
    /// The `[hedges]` that soften a claim, not the `[conditions]` that set its scope.
    pub(in crate::align::claims) softening: Vec<Vec<String>>,
    pub(in crate::align::claims) criticisms: Vec<Vec<String>>,
    pub(in crate::align::claims) universals: Vec<Vec<String>>,
    pub(in crate::align::claims) choices: Vec<Vec<String>>,
    pub(in crate::align::claims) approximate: Vec<Vec<String>>,
    pub(in crate::align::claims) intensifiers: Vec<Vec<String>>,
    pub(in crate::align::claims) softeners: Vec<Vec<String>>,
    /// Single words that may sit inside a cue phrase without breaking it.
    pub(in crate::align::claims) fillers: Vec<String>,
    pub(in crate::align::claims) objects: Vec<Vec<String>>,
    pub(in crate::align::claims) comparisons: Vec<Vec<String>>,
    pub(in crate::align::claims) reported: Vec<Vec<String>>,
    pub(in crate::align::claims) questions: Vec<Vec<String>>,
    pub(in crate::align::claims) contrasts: Vec<Vec<String>>,
}

pub(super) fn cues() -> &'static Cues {
    static CUES: OnceLock<Cues> = OnceLock::new();
    CUES.get_or_init(|| parse_cues(CONCEPT_DATA))
}

fn phrase(s: &str) -> Vec<String> {
    words(s).into_iter().map(|w| w.stem).collect()
}

fn parse_cues(data: &str) -> Cues {
    let mut c = Cues::default();
    let mut conditions: Vec<Vec<String>> = Vec::new();
    for (section, line) in data_lines(data) {
        let list = |s: &str| -> Vec<Vec<String>> {
            s.split(',').map(phrase).filter(|p| !p.is_empty()).collect()
        };
        match section {
            "opposites" => {
                if let Some((a, b)) = line.split_once('|') {
                    c.opposites.push([list(a), list(b)]);
                }
            }
            "certainty" => c.certainty.extend(list(line)),
            "sufficiency" => {
                c.certainty.extend(list(line));
                c.sufficiency.extend(list(line));
            }
            "hedges" => c.hedges.extend(list(line)),
            "dismiss-before" => c.dismiss_before.extend(list(line)),
            "dismiss-after" => c.dismiss_after.extend(list(line)),
            "insisted" => c.insisted.extend(list(line)),
            "denials" => c.denials.extend(list(line)),
            "hypothetical" => c.hypothetical.extend(list(line)),
            "post-denials" => c.post_denials.extend(list(line)),
            "qualifiers" => c.qualifiers.extend(list(line)),
            "exceptions" => c.exceptions.extend(list(line)),
            "conditions" => conditions.extend(list(line)),
            "criticisms" => c.criticisms.extend(list(line)),
            "universals" => c.universals.extend(list(line)),
            "choices" => c.choices.extend(list(line)),
            "approximate" => c.approximate.extend(list(line)),
            "intensifiers" => c.intensifiers.extend(list(line)),
            "softeners" => c.softeners.extend(list(line)),
            "objects" => c.objects.extend(list(line)),
            "fillers" => c
                .fillers
                .extend(list(line).into_iter().filter(|p| p.len() == 1).flatten()),
            "comparisons" => c.comparisons.extend(list(line)),
            "reported" => c.reported.extend(list(line)),
            "questions" => c.questions.extend(list(line)),
            "contrasts" => c.contrasts.extend(list(line)),
            _ => {}
        }
    }
    c.softening = c
        .hedges
        .iter()
        .filter(|h| !conditions.contains(h))
        .cloned()
        .collect();
    c
}
