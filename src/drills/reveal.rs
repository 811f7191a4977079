//! What a drill's reveal says: the Strong Answer sentence holding a missed point, and whether a
//! new answer now covers the point or still falls into the trap; plus how a card is described
//! in a list without giving its missed part away.

use crate::{
    align::Alignment,
    content::{Round, SectionKind},
};

use super::{CardKind, WHOLE_TRAP, cards};

/// A reveal's verdict: the alignment narrowed to the card's point or trap, what it means, and
/// whether that is good news.
#[derive(Debug)]
pub struct Verdict {
    pub alignment: Alignment,
    pub text: String,
    pub good: bool,
}

/// What a card is about, without giving the missed part away (`ordinal`: the card's place among
/// the person's cards of the same round and kind, so the rows of one round differ), or with it
/// for a dismissed card (`shown`).
pub fn describe(kind: CardKind, key: &str, ordinal: usize, shown: bool) -> String {
    let what = match kind {
        CardKind::Point => format!("Strong-answer point {ordinal} you missed"),
        CardKind::Trap if key == WHOLE_TRAP => {
            "The round's trap (flagged by a reviewer)".to_string()
        }
        CardKind::Trap => format!("Trap {ordinal} you fell into"),
    };
    if shown && !key.is_empty() {
        format!("{what}: “{key}”")
    } else {
        what
    }
}

/// The sentence(s) of `text` around `[start, end)`.
pub fn sentence_around(text: &str, span: [usize; 2]) -> Option<String> {
    let [start, end] = span;
    if start >= end
        || end > text.len()
        || !text.is_char_boundary(start)
        || !text.is_char_boundary(end)
    {
        return None;
    }
    let is_stop = |c: char| matches!(c, '.' | '!' | '?' | '\n');
    let from = text[..start]
        .char_indices()
        .rev()
        .find(|(_, c)| is_stop(*c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let to = text[end..]
        .char_indices()
        .find(|(_, c)| is_stop(*c))
        .map_or(text.len(), |(i, c)| end + i + c.len_utf8());
    Some(text[from..to].trim().to_string())
}

/// The reveal for a point card (`key`, in `round`): the Strong Answer sentence holding it and
/// the new answer's alignment against that one point.
pub fn point(key: &str, round: &Round, alignment: &Alignment) -> (Option<String>, Verdict) {
    let norm = cards::normal_key(key);
    let hit = alignment
        .points
        .iter()
        .find(|p| cards::normal_key(&p.text) == norm);
    let strong = hit
        .and_then(|p| {
            let section = round.section(SectionKind::StrongAnswer)?;
            let text = match p.item {
                Some(i) => section.items.get(i)?.as_str(),
                None => section.text.as_str(),
            };
            sentence_around(text, p.guidance_span)
        })
        .or_else(|| Some(key.to_string()));
    let only = Alignment {
        coverage: alignment.coverage,
        points: hit.cloned().into_iter().collect(),
        weak_matches: Vec::new(),
        red_flags: Vec::new(),
    };
    let (text, good) = match hit {
        Some(p) if p.covered => (
            "Your new answer covers this point (the matching words are highlighted).".to_string(),
            true,
        ),
        Some(p) if p.score > 0.0 => (
            format!(
                "Your new answer touches this point but does not cover it ({}% of its weight found).",
                (p.score * 100.0).round()
            ),
            false,
        ),
        _ => (
            "Your new answer does not cover this point yet.".to_string(),
            false,
        ),
    };
    let verdict = Verdict {
        alignment: only,
        text,
        good,
    };
    (strong, verdict)
}

/// The reveal for a trap card (`key`, or the whole Trap Alert): whether the new answer falls
/// into the same trap again.
pub fn trap(key: &str, alignment: &Alignment) -> Verdict {
    let norm = cards::normal_key(key);
    let found: Vec<_> = alignment
        .red_flags
        .iter()
        .filter(|f| !f.missing_hedge && !f.answer_spans.is_empty())
        .filter(|f| key == WHOLE_TRAP || cards::normal_key(&f.phrase) == norm)
        .cloned()
        .collect();
    let (text, good) = if found.is_empty() {
        (
            if key == WHOLE_TRAP {
                "No warned-against phrase found in your new answer. Check it against the Trap Alert yourself.".to_string()
            } else {
                format!("Your new answer no longer says “{key}”.")
            },
            true,
        )
    } else {
        (
            "Your new answer still uses a phrase the Trap Alert warns against (highlighted)."
                .to_string(),
            false,
        )
    };
    Verdict {
        alignment: Alignment {
            coverage: alignment.coverage,
            points: Vec::new(),
            weak_matches: Vec::new(),
            red_flags: found,
        },
        text,
        good,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sentence_around_a_clause_is_the_whole_sentence() {
        let t = "First we fail over. Then we drain the pools and lower the TTL. Done";
        let start = t.find("drain").unwrap();
        let s = sentence_around(t, [start, start + 5]).unwrap();
        assert_eq!(s, "Then we drain the pools and lower the TTL.");
        assert_eq!(sentence_around(t, [5, 3]), None);
    }
}
