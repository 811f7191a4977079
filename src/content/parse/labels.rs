//! Small text helpers of the parser: labels, quotes, metadata lines, round headings, pipe
//! tables.

use super::blocks::inline_visible;

/// If `text` starts with one of `labels` (ASCII case-insensitive) followed by optional spaces
/// and a colon, the rest after the colon, trimmed.
pub(crate) fn strip_label<'t>(text: &'t str, labels: &[&str]) -> Option<&'t str> {
    let text = text.trim_start();
    labels.iter().find_map(|label| {
        let head = text.get(..label.len())?;
        if !head.eq_ignore_ascii_case(label) {
            return None;
        }
        let rest = text[label.len()..].trim_start();
        rest.strip_prefix(':').map(str::trim)
    })
}

/// Remove one pair of surrounding quotes (straight or curly), if present.
pub(crate) fn unquote(text: &str) -> &str {
    let t = text.trim();
    let mut chars = t.chars();
    match (chars.next(), chars.next_back()) {
        (Some('"' | '\u{201c}'), Some('"' | '\u{201d}')) if t.chars().count() >= 2 => {
            let open = t.chars().next().map_or(0, char::len_utf8);
            let close = t.chars().next_back().map_or(0, char::len_utf8);
            t[open..t.len() - close].trim()
        }
        _ => t,
    }
}

/// A heading label without its trailing colon.
pub(super) fn label_of(heading: &str) -> String {
    heading.trim().trim_end_matches(':').trim().to_string()
}

pub(super) const PROMPT_LABELS: &[&str] = &["interviewer"];
pub(super) const TESTING_LABELS: &[&str] = &["what the interviewer is testing", "what this tests"];

/// Metadata keys in the order the model lists them.
pub(crate) const META_KEYS: [&str; 4] = ["category", "difficulty", "duration", "domains"];

/// Split a metadata line such as `Category: X Difficulty: Y Domains: a, b` into (key, value)
/// pairs, keys lowercased. `None` unless the text starts with a known key.
pub(crate) fn split_metadata(text: &str) -> Option<Vec<(&'static str, String)>> {
    let text = text.trim();
    let mut found: Vec<(usize, usize, &'static str)> = Vec::new();
    let lower = text.to_ascii_lowercase();
    for key in META_KEYS {
        let mut from = 0;
        while let Some(pos) = lower[from..].find(key).map(|p| p + from) {
            from = pos + key.len();
            let before_ok = pos == 0 || !lower.as_bytes()[pos - 1].is_ascii_alphanumeric();
            let after = lower[from..].trim_start();
            if before_ok && after.starts_with(':') {
                let colon = lower.len() - after.len();
                found.push((pos, colon + 1, key));
            }
        }
    }
    found.sort_unstable();
    if found.first().map(|f| f.0) != Some(0) {
        return None;
    }
    let pairs = found
        .iter()
        .enumerate()
        .map(|(i, &(_, value_start, key))| {
            let value_end = found.get(i + 1).map_or(text.len(), |next| next.0);
            let value = text[value_start..value_end].trim();
            let value = value.trim_end_matches(['|', '·', ';']).trim();
            (key, value.to_string())
        })
        .collect();
    Some(pairs)
}

/// Phrases after which a quoted question in a trap section is the interviewer's follow-up.
pub(super) const ASK_TRIGGERS: &[&str] = &[
    "ask",
    "asks",
    "follow up with",
    "follows up with",
    "follow-up with",
    "press with",
    "presses with",
    "push with",
    "pushes with",
];

/// The first quoted question (ending in `?`) after an "ask"-like phrase in `text`.
pub(crate) fn quoted_follow_up(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let start = ASK_TRIGGERS
        .iter()
        .filter_map(|t| find_word(&lower, t))
        .min()?;
    first_quoted_question(&text[start..])
}

/// Byte offset just past the first whole-word occurrence of `word` in `haystack`.
pub(super) fn find_word(haystack: &str, word: &str) -> Option<usize> {
    let bytes = haystack.as_bytes();
    haystack.match_indices(word).find_map(|(pos, _)| {
        let end = pos + word.len();
        let before_ok = pos == 0 || !bytes[pos - 1].is_ascii_alphabetic();
        let after_ok = bytes.get(end).is_none_or(|b| !b.is_ascii_alphabetic());
        (before_ok && after_ok).then_some(end)
    })
}

/// The first `"…?"` or `“…?”` in `text` whose content ends with a question mark.
pub(super) fn first_quoted_question(text: &str) -> Option<String> {
    let mut rest = text;
    while let Some(open) = rest.find(['"', '\u{201c}']) {
        let open_len = rest[open..].chars().next().map_or(1, char::len_utf8);
        let after = &rest[open + open_len..];
        let close = after.find(['"', '\u{201d}'])?;
        let quoted = after[..close].trim();
        if quoted.ends_with('?') && quoted.len() > 1 {
            return Some(quoted.to_string());
        }
        let close_len = after[close..].chars().next().map_or(1, char::len_utf8);
        rest = &after[close + close_len..];
    }
    None
}

/// Whether a heading names the closing skills table ("What This Sequence Tested").
pub(super) fn is_skills_heading(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("sequence tested") || lower.trim_end_matches(':').trim() == "skills tested"
}

/// Whether a heading is meant as a round heading: it starts with the word "Round".
pub(super) fn looks_like_round(text: &str) -> bool {
    let t = text.trim_start();
    t.get(..5).is_some_and(|h| h.eq_ignore_ascii_case("round"))
        && t[5..].starts_with(|c: char| c.is_whitespace())
}

/// Parse `Round N: Name` (also `Round N — Name`, `Round N. Name`, `Round N`).
pub(crate) fn parse_round_heading(text: &str) -> Result<(u32, String), String> {
    let after = text.trim_start().get(5..).unwrap_or("").trim_start();
    let digits_len = after
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(after.len());
    let digits = &after[..digits_len];
    let number = digits.parse::<u32>().map_err(|_| {
        format!(
            "cannot read a round number in heading \"{}\": write `## Round N: Name` with N a number",
            text.trim()
        )
    })?;
    let name = after[digits_len..]
        .trim_start_matches(|c: char| {
            c.is_whitespace() || matches!(c, ':' | '.' | '-' | '\u{2013}' | '\u{2014}' | ')')
        })
        .trim();
    Ok((number, name.to_string()))
}

/// Whether a pipe-table line is the `|---|---|` delimiter row.
pub(super) fn is_separator_row(line: &str) -> bool {
    let cells = split_pipe_cells(line);
    !cells.is_empty()
        && cells.iter().all(|c| {
            let c = c.trim();
            !c.is_empty() && c.contains('-') && c.chars().all(|ch| matches!(ch, '-' | ':' | ' '))
        })
}

/// The raw cells of a pipe-table line (outer pipes removed, `\|` kept inside a cell).
pub(crate) fn split_pipe_cells(line: &str) -> Vec<String> {
    let t = line.trim();
    let t = t.strip_prefix('|').unwrap_or(t);
    let t = if t.ends_with('|') && !t.ends_with("\\|") {
        &t[..t.len() - 1]
    } else {
        t
    };
    let mut cells = vec![String::new()];
    let mut escaped = false;
    for c in t.chars() {
        if c == '|' && !escaped {
            cells.push(String::new());
        } else if let Some(cell) = cells.last_mut() {
            cell.push(c);
        }
        escaped = c == '\\' && !escaped;
    }
    cells
}

/// The visible cells of a pipe-table line.
pub(super) fn split_pipe_row(line: &str) -> Vec<String> {
    split_pipe_cells(line)
        .iter()
        .map(|c| inline_visible(c.trim()))
        .collect()
}
