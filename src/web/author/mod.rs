//! Writing gauntlets in the browser (admins, and interviewers with the authoring permission):
//! the list, new and imported drafts, the editor with the checker's errors and a preview of
//! every round as the candidate and the interviewer see it, saving drafts with conflict
//! detection, publishing versions, the version history with diffs, and downloads. Gauntlets
//! managed in files (built-in or the content folder) are read-only here, with "duplicate to edit".

use crate::{
    content::{ContentError, Gauntlet, parse::slug_from_file_name, parse_gauntlet},
    practice::answer::has_refused_control,
};

/// The longest gauntlet source (or pasted page text) accepted, in characters (code points):
/// over four times the longest gauntlet in the library, and small enough that even astral
/// characters (12 bytes each once form-encoded) fit in the form body limit.
pub const MAX_SOURCE_CHARS: usize = 80_000;
/// Slug length bounds, in characters.
pub const MIN_SLUG_CHARS: usize = 3;
pub const MAX_SLUG_CHARS: usize = 64;

/// The text a new gauntlet starts from: the shape the checker expects, to be filled in.
const STARTER: &str = "# Interview Gauntlet: Untitled

**Category:** System Design
**Difficulty:** L2
**Duration:** 15-20 minutes
**Domains:** Example

---

## Round 1: The Opening

**Interviewer:** \"Write the first question here.\"

### Strong Answer:

\"What a strong candidate says, with concrete numbers and commands.\"

### Common Weak Answers:

- \"A typical weak answer.\" — Why it falls short.

### What This Sequence Tested:

| Round | Skill Tested |
| --- | --- |
| 1 | The skill round 1 tests |
";

/// Why a slug is refused, if it is.
fn slug_problem(slug: &str) -> Option<String> {
    let n = slug.chars().count();
    if !(MIN_SLUG_CHARS..=MAX_SLUG_CHARS).contains(&n) || slug_from_file_name(slug) != slug {
        return Some(format!(
            "Choose a slug of {MIN_SLUG_CHARS} to {MAX_SLUG_CHARS} characters: lowercase letters, digits and dashes, e.g. \"payments-outage\"."
        ));
    }
    None
}

/// Why a gauntlet's text (or pasted page text) is refused before the checker reads it, if it
/// is: over the size limit (in code points), or holding a control character other than tab and
/// newline.
fn source_problem(text: &str) -> Option<String> {
    let n = text.chars().count();
    if n > MAX_SOURCE_CHARS {
        return Some(format!(
            "The text has {n} characters; at most {MAX_SOURCE_CHARS} are accepted. Split the gauntlet or shorten it."
        ));
    }
    let line = text.split('\n').position(has_refused_control)?;
    Some(format!(
        "Line {}: remove the control character (only tabs and newlines are allowed).",
        line + 1
    ))
}

/// Parses a browser gauntlet's source under its fixed slug.
fn parse_as(slug: &str, source: &str) -> Result<Gauntlet, Vec<ContentError>> {
    parse_gauntlet(&format!("{slug}.md"), source).map(|mut g| {
        g.slug = slug.to_string();
        g
    })
}

mod editor;
mod history;
mod list;
mod preview;

pub use editor::{check, editor, preview, publish, save};
pub use history::{diff, download, history};
pub use list::{create, duplicate, import, index};

#[cfg(test)]
mod tests {
    use super::{preview::Preview, *};
    use crate::align::LibraryStats;

    #[test]
    fn slugs_are_lowercase_dashes_and_bounded() {
        assert!(slug_problem("payments-outage").is_none());
        assert!(slug_problem("ab").is_some());
        assert!(slug_problem("Payments").is_some());
        assert!(slug_problem("a/b-c").is_some());
        assert!(slug_problem("-lead").is_some());
        assert!(slug_problem(&"x".repeat(MAX_SLUG_CHARS + 1)).is_some());
    }

    #[test]
    fn t99_sources_over_the_limit_or_with_controls_are_refused_with_the_line() {
        assert!(source_problem("# Title\n\tindented\n").is_none());
        let why = source_problem("one\ntwo\u{0085}\nthree").unwrap();
        assert!(why.starts_with("Line 2:"), "{why}");
        assert!(source_problem("a\u{7}").unwrap().starts_with("Line 1:"));
        let long = "é".repeat(MAX_SOURCE_CHARS);
        assert!(
            source_problem(&long).is_none(),
            "counted in code points, not bytes"
        );
        assert!(source_problem(&format!("{long}x")).is_some());
    }

    #[test]
    fn the_starter_text_passes_the_checker() {
        let g = parse_as("starter", STARTER).expect("the starter parses");
        assert_eq!(g.slug, "starter");
        let stats = LibraryStats::from_gauntlets([&g]);
        let p = Preview::of(&g, &stats);
        assert_eq!(p.rounds.len(), 1);
        assert!(!p.rounds[0].claims.is_empty());
        let html = p.html().expect("renders");
        assert!(html.contains("Write the first question here."));
    }
}
