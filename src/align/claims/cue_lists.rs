//! The cue lists of `concepts.txt` (certainty words, hedges, denials, …) read once into
//! stemmed phrases for the claim checks.

use std::sync::OnceLock;

use super::words::words;
use crate::align::text::{CONCEPT_DATA, data_lines};

/// The cue lists of `concepts.txt`, as stemmed word sequences.
#[derive(Debug, Default)]
pub(super) struct Cues {
    pub(super) opposites: Vec<[Vec<Vec<String>>; 2]>,
    pub(super) certainty: Vec<Vec<String>>,
    /// The `[sufficiency]` phrases (also in `certainty`): positive, whatever word opens them.
    pub(super) sufficiency: Vec<Vec<String>>,
    pub(super) hedges: Vec<Vec<String>>,
    pub(super) dismiss_before: Vec<Vec<String>>,
    pub(super) dismiss_after: Vec<Vec<String>>,
    pub(super) insisted: Vec<Vec<String>>,
    pub(super) denials: Vec<Vec<String>>,
    pub(super) hypothetical: Vec<Vec<String>>,
    pub(super) post_denials: Vec<Vec<String>>,
    pub(super) qualifiers: Vec<Vec<String>>,
    pub(super) exceptions: Vec<Vec<String>>,
    /// "call it", "make that": the speaker takes back the value just given.
    pub(super) corrections: Vec<Vec<String>>,
    /// "only for …": what a certainty inside it describes is the scope, not a claim.
    pub(super) restrictions: Vec<Vec<String>>,
    /// The `[hedges]` that soften a claim, not the `[conditions]` that set its scope.
    pub(super) softening: Vec<Vec<String>>,
    pub(super) criticisms: Vec<Vec<String>>,
    pub(super) universals: Vec<Vec<String>>,
    pub(super) choices: Vec<Vec<String>>,
    pub(super) approximate: Vec<Vec<String>>,
    pub(super) intensifiers: Vec<Vec<String>>,
    pub(super) softeners: Vec<Vec<String>>,
    /// Single words that may sit inside a cue phrase without breaking it.
    pub(super) fillers: Vec<String>,
    pub(super) objects: Vec<Vec<String>>,
    pub(super) comparisons: Vec<Vec<String>>,
    pub(super) reported: Vec<Vec<String>>,
    pub(super) questions: Vec<Vec<String>>,
    pub(super) contrasts: Vec<Vec<String>>,
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
        // sections with a shape of their own, then the plain lists
        match section {
            "opposites" => {
                if let Some((a, b)) = line.split_once('|') {
                    c.opposites.push([list(a), list(b)]);
                }
                continue;
            }
            "sufficiency" => c.sufficiency.extend(list(line)),
            "fillers" => {
                let single = list(line).into_iter().filter(|p| p.len() == 1);
                c.fillers.extend(single.flatten());
                continue;
            }
            _ => {}
        }
        let plain = match section {
            "conditions" => &mut conditions,
            _ => match plain_list(&mut c, section) {
                Some(list) => list,
                None => continue,
            },
        };
        plain.extend(list(line));
    }
    c.softening = c
        .hedges
        .iter()
        .filter(|h| !conditions.contains(h))
        .cloned()
        .collect();
    c
}

/// The plain list of `c` that section `section` of `concepts.txt` fills, if any.
fn plain_list<'c>(c: &'c mut Cues, section: &str) -> Option<&'c mut Vec<Vec<String>>> {
    Some(match section {
        // `[sufficiency]` phrases are certainty phrases too
        "certainty" | "sufficiency" => &mut c.certainty,
        "hedges" => &mut c.hedges,
        "dismiss-before" => &mut c.dismiss_before,
        "dismiss-after" => &mut c.dismiss_after,
        "insisted" => &mut c.insisted,
        "denials" => &mut c.denials,
        "hypothetical" => &mut c.hypothetical,
        "post-denials" => &mut c.post_denials,
        "qualifiers" => &mut c.qualifiers,
        "exceptions" => &mut c.exceptions,
        "restrictions" => &mut c.restrictions,
        "corrections" => &mut c.corrections,
        "criticisms" => &mut c.criticisms,
        "universals" => &mut c.universals,
        "choices" => &mut c.choices,
        "approximate" => &mut c.approximate,
        "intensifiers" => &mut c.intensifiers,
        "softeners" => &mut c.softeners,
        "objects" => &mut c.objects,
        "comparisons" => &mut c.comparisons,
        "reported" => &mut c.reported,
        "questions" => &mut c.questions,
        "contrasts" => &mut c.contrasts,
        _ => return None,
    })
}
