//! What changed in a submitted review, in words: one line per change ("Round 5 level 2 → 3",
//! "Comment added on round 2: …") from the before/after records the audit log keeps.

use serde_json::Value;

use super::rubric::{Recommendation, RoundGrade, Rubric};

/// Longest quoted text in a change line, in characters.
const QUOTE_CHARS: usize = 120;

/// `text` in quotes, cut to [`QUOTE_CHARS`] characters.
fn quoted(text: &str) -> String {
    let text = text.trim();
    if text.chars().count() <= QUOTE_CHARS {
        format!("“{text}”")
    } else {
        let cut: String = text.chars().take(QUOTE_CHARS - 1).collect();
        format!("“{}…”", cut.trim_end())
    }
}

fn level(l: Option<u8>) -> String {
    l.map_or_else(|| "none".into(), |l| l.to_string())
}

fn recommendation(r: Option<Recommendation>) -> &'static str {
    r.map_or("none", Recommendation::label)
}

fn weak_list(w: &[u32]) -> String {
    if w.is_empty() {
        "none".into()
    } else {
        w.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
    }
}

/// How a free text changed: added, removed or changed (with the new text).
fn text_change(what: &str, before: &str, after: &str) -> Option<String> {
    match (before.trim().is_empty(), after.trim().is_empty()) {
        _ if before == after => None,
        (true, false) => Some(format!("{what} added: {}", quoted(after))),
        (false, true) => Some(format!("{what} removed (was {})", quoted(before))),
        _ => Some(format!("{what} changed to {}", quoted(after))),
    }
}

fn round_changes(n: u32, before: &RoundGrade, after: &RoundGrade, out: &mut Vec<String>) {
    if before.level != after.level {
        out.push(format!(
            "Round {n} level {} → {}",
            level(before.level),
            level(after.level)
        ));
    }
    if before.fell_into_trap != after.fell_into_trap {
        out.push(format!(
            "Round {n}: {}",
            if after.fell_into_trap {
                "marked as fell into the trap"
            } else {
                "no longer marked as fell into the trap"
            }
        ));
    }
    if before.weak_answers != after.weak_answers {
        out.push(format!(
            "Round {n} resembles weak answers {} → {}",
            weak_list(&before.weak_answers),
            weak_list(&after.weak_answers)
        ));
    }
    if let Some(c) = text_change(
        &format!("Round {n} comment"),
        &before.comment,
        &after.comment,
    ) {
        out.push(c);
    }
    if let Some(c) = text_change(
        &format!("Round {n} private note"),
        &before.private_note,
        &after.private_note,
    ) {
        out.push(c);
    }
}

/// Every difference between two versions of a rubric, rounds first, in round order.
pub fn rubric_changes(before: &Rubric, after: &Rubric) -> Vec<String> {
    let mut out = Vec::new();
    let mut numbers: Vec<u32> = before
        .rounds
        .iter()
        .chain(&after.rounds)
        .map(|r| r.round)
        .collect();
    numbers.sort_unstable();
    numbers.dedup();
    for n in numbers {
        let empty = RoundGrade {
            round: n,
            level: None,
            fell_into_trap: false,
            weak_answers: Vec::new(),
            comment: String::new(),
            private_note: String::new(),
        };
        round_changes(
            n,
            before.round(n).unwrap_or(&empty),
            after.round(n).unwrap_or(&empty),
            &mut out,
        );
    }
    if before.recommendation != after.recommendation {
        out.push(format!(
            "Recommendation {} → {}",
            recommendation(before.recommendation),
            recommendation(after.recommendation)
        ));
    }
    if let Some(c) = text_change("Summary", &before.summary, &after.summary) {
        out.push(c);
    }
    out
}

/// The change lines of one audit record. The log holds a whole rubric before and after a saved
/// change set, `{}` → a comment (added) or a comment → `{}` (deleted); anything else is shown
/// as it is stored.
pub fn audit_changes(before: &str, after: &str) -> Vec<String> {
    if let (Ok(b), Ok(a)) = (
        serde_json::from_str::<Rubric>(before),
        serde_json::from_str::<Rubric>(after),
    ) {
        let lines = rubric_changes(&b, &a);
        return if lines.is_empty() {
            vec!["No visible change".into()]
        } else {
            lines
        };
    }
    let parse = |s: &str| serde_json::from_str::<Value>(s).unwrap_or(Value::Null);
    let (b, a) = (parse(before), parse(after));
    let is_empty = |v: &Value| v.as_object().is_some_and(|o| o.is_empty());
    if is_empty(&b) && a.get("comment").is_some() {
        let round = a.get("round").and_then(Value::as_u64).unwrap_or(0);
        let quote = a.get("quote").and_then(Value::as_str).unwrap_or("");
        let body = a.get("body").and_then(Value::as_str).unwrap_or("");
        return vec![format!(
            "Comment added on round {round} at {}: {}",
            quoted(quote),
            quoted(body)
        )];
    }
    if is_empty(&a) && b.get("comment").is_some() {
        let id = b.get("comment").and_then(Value::as_i64).unwrap_or(0);
        return vec![format!("Comment #{id} deleted")];
    }
    vec![format!("Before: {before}"), format!("After: {after}")]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grade(round: u32, level: u8, trap: bool, weak: &[u32], comment: &str) -> RoundGrade {
        RoundGrade {
            round,
            level: Some(level),
            fell_into_trap: trap,
            weak_answers: weak.to_vec(),
            comment: comment.into(),
            private_note: String::new(),
        }
    }

    #[test]
    fn every_kind_of_change_is_one_readable_line() {
        let before = Rubric {
            rounds: vec![grade(1, 3, false, &[], ""), grade(5, 2, true, &[1], "ok")],
            recommendation: Some(Recommendation::Ready),
            summary: "first".into(),
        };
        let after = Rubric {
            rounds: vec![
                grade(1, 3, false, &[], "Name the TTL."),
                grade(5, 3, false, &[1, 3], ""),
            ],
            recommendation: Some(Recommendation::Almost),
            summary: "second".into(),
        };
        assert_eq!(
            rubric_changes(&before, &after),
            vec![
                "Round 1 comment added: “Name the TTL.”",
                "Round 5 level 2 → 3",
                "Round 5: no longer marked as fell into the trap",
                "Round 5 resembles weak answers 1 → 1, 3",
                "Round 5 comment removed (was “ok”)",
                "Recommendation Ready → Almost",
                "Summary changed to “second”",
            ]
        );
        assert!(rubric_changes(&before, &before).is_empty());
        let lines = audit_changes(&before.to_json(), &after.to_json());
        assert_eq!(lines.len(), 7);
    }

    #[test]
    fn comment_records_and_unknown_records_are_described() {
        let added = r#"{"comment":4,"round":2,"quote":"latency routing","body":"Good."}"#;
        assert_eq!(
            audit_changes("{}", added),
            vec!["Comment added on round 2 at “latency routing”: “Good.”"]
        );
        assert_eq!(
            audit_changes(r#"{"comment":4}"#, "{}"),
            vec!["Comment #4 deleted"]
        );
        assert_eq!(audit_changes("x", "y"), vec!["Before: x", "After: y"]);
        let long = "word ".repeat(60);
        let line = &text_change("Summary", "", &long).unwrap();
        assert!(line.ends_with("…”") && line.chars().count() < 150, "{line}");
    }
}
