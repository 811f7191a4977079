//! The Markdown parser: turns a gauntlet document into the typed [`Gauntlet`] model.
//!
//! The document is read as pulldown-cmark events, grouped into top-level blocks (a heading, a
//! paragraph, a list, a block quote, a table, ...), and a small state machine walks those blocks:
//! title and metadata, then `## Round N: Name` sections with their prompt and `###` guidance
//! sections, then the closing skills table and any other document-level sections ("extras").
//!
//! The parser is tolerant about form (label case, trailing colons, metadata layout, quotes,
//! CRLF, BOM, front matter, rules between rounds) and strict about substance: every problem is
//! reported with a 1-based line and a message, and all problems of a file are reported together.

mod acc;
mod blocks;
mod builder;
mod labels;

use sha2::{Digest, Sha256};

use super::model::{ContentError, Gauntlet};
use blocks::split_blocks;
use builder::Builder;

#[cfg(test)]
pub(crate) use blocks::inline_visible;
pub(crate) use labels::{split_metadata, split_pipe_cells, strip_label};

/// How many hex characters of the SHA-256 digest form a version (64 bits).
pub const VERSION_HEX_LEN: usize = 16;

/// Label given to guidance written in a round before its first labelled section.
pub(super) const NOTES_LABEL: &str = "Notes";
/// Label given to free text between the title and the first round.
pub(super) const INTRO_LABEL: &str = "Introduction";

/// Parse one gauntlet document. `file_name` (e.g. `"system-design/foo.md"`) gives the slug
/// unless front matter sets `slug:`. On failure every problem found is returned, sorted by line.
pub fn parse_gauntlet(file_name: &str, source: &str) -> Result<Gauntlet, Vec<ContentError>> {
    let version = version_of(source);
    let text = normalise(source);
    if text.trim().is_empty() {
        return Err(vec![ContentError::new(
            1,
            "the file is empty: a gauntlet starts with `# Interview Gauntlet: <title>`",
        )]);
    }
    let lines = LineIndex::new(&text);
    let mut builder = Builder::new(&text, &lines);
    for block in split_blocks(&text) {
        builder.block(&block);
    }
    builder.finish(file_name, version)
}

/// The version of a source text: the first [`VERSION_HEX_LEN`] hex digits of its SHA-256.
pub fn version_of(source: &str) -> String {
    let digest = Sha256::digest(source.as_bytes());
    let mut hex = String::with_capacity(VERSION_HEX_LEN);
    for byte in digest.iter().take(VERSION_HEX_LEN / 2) {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// The slug for a file name: its stem, lowercased, with every character outside `a-z0-9-`
/// replaced by `-` and dashes trimmed from both ends. Empty when nothing usable remains.
pub fn slug_from_file_name(file_name: &str) -> String {
    let base = file_name.rsplit(['/', '\\']).next().unwrap_or(file_name);
    let stem = match base.rfind('.') {
        Some(dot) if dot > 0 => &base[..dot],
        _ => base,
    };
    slugify(stem)
}

/// Lowercase `raw` and reduce it to `a-z0-9-`.
pub(super) fn slugify(raw: &str) -> String {
    let mapped: String = raw
        .trim()
        .chars()
        .map(|c| c.to_ascii_lowercase())
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    mapped.trim_matches('-').to_string()
}

/// Drop a byte-order mark and turn CRLF / CR line ends into LF (line numbers are unchanged).
fn normalise(source: &str) -> String {
    let text = source.strip_prefix('\u{feff}').unwrap_or(source);
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// Maps byte offsets to 1-based line numbers.
pub(crate) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub(crate) fn new(text: &str) -> Self {
        let starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        Self { starts }
    }

    /// The 1-based line holding byte `offset`.
    pub(crate) fn line(&self, offset: usize) -> usize {
        match self.starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::labels::quoted_follow_up;
    use super::*;
    use crate::content::model::SectionKind;
    use proptest::prelude::*;

    const MINIMAL: &str = include_str!("../../tests/fixtures/content/valid/minimal.md");
    const VARIATIONS: &str = include_str!("../../tests/fixtures/content/valid/variations.md");
    const CODE: &str = include_str!("../../tests/fixtures/content/valid/code-and-markup.md");
    const MANY_ERRORS: &str = include_str!("../../tests/fixtures/content/errors/many-errors.md");

    fn parse_ok(name: &str, src: &str) -> Gauntlet {
        match parse_gauntlet(name, src) {
            Ok(g) => g,
            Err(errors) => panic!("{name} should parse: {errors:?}"),
        }
    }

    fn errors_of(src: &str) -> Vec<(usize, String)> {
        match parse_gauntlet("x.md", src) {
            Ok(_) => panic!("expected errors"),
            Err(errors) => errors.into_iter().map(|e| (e.line, e.message)).collect(),
        }
    }

    fn assert_error(src: &str, line: usize, needle: &str) {
        let errors = errors_of(src);
        assert!(
            errors.iter().any(|(l, m)| *l == line && m.contains(needle)),
            "no error at line {line} containing {needle:?}: {errors:?}"
        );
    }

    #[test]
    fn minimal_document_parses_into_the_model() {
        let g = parse_ok("valid/minimal.md", MINIMAL);
        assert_eq!(g.slug, "minimal");
        assert_eq!(g.title, "Minimal Example");
        assert_eq!(g.category.as_deref(), Some("System Design"));
        assert_eq!(g.difficulty.as_deref(), Some("L2"));
        assert_eq!(g.duration.as_deref(), Some("10-12 minutes"));
        assert_eq!(g.domains, ["Caching", "HTTP"]);
        assert_eq!(g.rounds.len(), 2);
        let r1 = &g.rounds[0];
        assert_eq!((r1.number, r1.name.as_str()), (1, "The Opening"));
        assert!(r1.prompt.starts_with("A product page") && r1.prompt.ends_with("first?"));
        let strong = r1
            .section(SectionKind::StrongAnswer)
            .expect("strong answer");
        assert!(
            strong.text.contains("short TTL and"),
            "backticks removed: {}",
            strong.text
        );
        assert!(strong.markdown.contains("`TTL`"));
        assert_eq!(r1.weak_answers().len(), 2);
        let r2 = &g.rounds[1];
        assert!(
            r2.testing
                .as_deref()
                .is_some_and(|t| t.starts_with("Whether the candidate"))
        );
        let trap = r2.section(SectionKind::TrapAlert).expect("trap alert");
        assert!(
            trap.text
                .starts_with("If the candidate bluffs here: The interviewer")
        );
        assert_eq!(
            r2.follow_up.as_deref(),
            Some("What happens to a purge that arrives before the write is visible to readers?")
        );
        assert_eq!(g.skill_for(2), Some("Cache invalidation strategy"));
        assert_eq!(g.extras.len(), 1);
        assert_eq!(g.extras[0].label, "Further Reading");
        assert_eq!(g.extras[0].items, ["HTTP caching"]);
    }

    #[test]
    fn tolerated_variations_parse() {
        let g = parse_ok("valid/variations.md", VARIATIONS);
        assert_eq!(
            g.slug, "tolerant-variations",
            "front-matter slug, slugified"
        );
        assert_eq!(
            g.title, "Tolerated Variations",
            "the heading wins over front matter"
        );
        assert_eq!(g.category.as_deref(), Some("Reliability"));
        assert_eq!(g.duration, None);
        assert_eq!(g.domains, ["Queues", "Retries"]);
        let numbers: Vec<u32> = g.rounds.iter().map(|r| r.number).collect();
        assert_eq!(numbers, [1, 2, 3]);
        assert_eq!(g.rounds[1].name, "The Probe", "en dash and tab separator");
        let r1 = &g.rounds[0];
        assert_eq!(r1.prompt, "Design a retry policy for a payment webhook.");
        assert_eq!(
            r1.section(SectionKind::StrongAnswer)
                .map(|s| s.text.matches("\n\n").count()),
            Some(1)
        );
        assert_eq!(r1.weak_answers().len(), 2, "`*` list, lowercase label");
        assert_eq!(
            r1.sections[2].label, "Whiteboard Hint",
            "unknown label kept"
        );
        let r2 = &g.rounds[1];
        assert_eq!(
            r2.prompt,
            "How do you keep a retried webhook from charging twice?"
        );
        assert_eq!(
            r2.testing.as_deref(),
            Some("Idempotency under at-least-once delivery.")
        );
        assert!(
            r2.section(SectionKind::StrongAnswer).is_some(),
            "bold-paragraph label"
        );
        assert_eq!(r2.weak_answers().len(), 2, "`1.` list under a bold label");
        assert_eq!(
            r2.follow_up.as_deref(),
            Some("What do you return to the sender for a duplicate delivery?"),
            "an explicit follow-up section wins"
        );
        let r3 = &g.rounds[2];
        assert_eq!(
            r3.prompt,
            "Events for one account arrive out of order. Does that matter?"
        );
        assert_eq!(r3.testing.as_deref(), Some("Reasoning about ordering."));
        assert_eq!(
            r3.follow_up.as_deref(),
            Some("Can you name a case where order does not matter?")
        );
        assert_eq!(
            g.skills.len(),
            3,
            "table without delimiter row, `Round 2` cell"
        );
        let labels: Vec<&str> = g.extras.iter().map(|e| e.label.as_str()).collect();
        assert_eq!(labels, ["Introduction", "Pages that link here"]);
        assert_eq!(
            g.extras[1].items,
            ["Reliability index", "Plain item with bold and code"]
        );
    }

    #[test]
    fn code_blocks_are_text_paragraphs() {
        let g = parse_ok("code.md", CODE);
        let strong = &g.rounds[0].sections[0];
        let paragraphs: Vec<&str> = strong.text.split("\n\n").collect();
        assert_eq!(paragraphs.len(), 3, "{paragraphs:?}");
        assert!(paragraphs[1].starts_with("find /var/app_data"));
        assert!(
            paragraphs[1].contains("\n  while IFS= read"),
            "indentation kept"
        );
        assert_eq!(g.title, "Shell Loops & <Angle> Brackets");
    }

    #[test]
    fn crlf_bom_and_tabs_do_not_change_the_model() {
        let plain = parse_ok("minimal.md", MINIMAL);
        let crlf = format!(
            "\u{feff}{}",
            MINIMAL
                .replace('\n', "\r\n")
                .replace("## Round 2:", "##\tRound 2:")
        );
        let mut other = parse_ok("minimal.md", &crlf);
        assert_ne!(other.version, plain.version);
        other.version.clone_from(&plain.version);
        assert_eq!(other, plain);
    }

    #[test]
    fn version_is_sixteen_hex_digits_of_sha256() {
        let v = version_of("abc");
        assert_eq!(v, "ba7816bf8f01cfea");
        assert_eq!(v.len(), VERSION_HEX_LEN);
    }

    #[test]
    fn slugs_come_from_the_file_stem() {
        assert_eq!(
            slug_from_file_name("dir/Sub Dir/My_Gauntlet v2.md"),
            "my-gauntlet-v2"
        );
        assert_eq!(slug_from_file_name("a--b.md"), "a--b");
        assert_eq!(slug_from_file_name("C:\\x\\Ümlaut.md"), "mlaut");
    }

    #[test]
    fn every_error_of_a_file_is_reported_with_its_line() {
        let errors = errors_of(MANY_ERRORS);
        let lines: Vec<usize> = errors.iter().map(|e| e.0).collect();
        assert_eq!(lines, [11, 15, 21, 23, 31, 44, 45, 46], "{errors:?}");
        assert_error(MANY_ERRORS, 11, "cannot read a round number");
        assert_error(MANY_ERRORS, 15, "round 3 has no interviewer prompt");
        assert_error(
            MANY_ERRORS,
            21,
            "section \"Trap Alert\" in round 3 is empty",
        );
        assert_error(
            MANY_ERRORS,
            23,
            "round 3 appears twice (the first is \"No Prompt\")",
        );
        assert_error(MANY_ERRORS, 31, "round 2 follows round 3");
        assert_error(MANY_ERRORS, 44, "there is no round 7");
        assert_error(MANY_ERRORS, 45, "\"two\" is not a number");
        assert_error(MANY_ERRORS, 46, "names no skill");
    }

    #[test]
    fn single_error_fixtures() {
        assert_error(
            include_str!("../../tests/fixtures/content/errors/empty.md"),
            1,
            "empty",
        );
        assert_error(
            include_str!("../../tests/fixtures/content/errors/blank.md"),
            1,
            "empty",
        );
        assert_error(
            include_str!("../../tests/fixtures/content/errors/no-title.md"),
            1,
            "no title",
        );
        assert_error(
            include_str!("../../tests/fixtures/content/errors/no-rounds.md"),
            1,
            "no rounds",
        );
        assert_error(
            include_str!("../../tests/fixtures/content/errors/missing-strong-answer.md"),
            3,
            "no Strong Answer",
        );
    }

    #[test]
    fn empty_document_level_section_is_an_error() {
        let src = format!("{MINIMAL}\n## Empty\n\n<!-- nothing -->\n");
        let line = src.lines().count() - 2;
        assert_error(&src, line, "section \"Empty\" is empty");
    }

    #[test]
    fn a_second_title_is_an_error() {
        let src = format!("{MINIMAL}\n# Another Title\n");
        assert_error(&src, src.lines().count(), "a second `# ` title");
    }

    #[test]
    fn follow_up_needs_an_ask_phrase_and_a_question() {
        assert_eq!(
            quoted_follow_up("They will ask \"Why not?\" next."),
            Some("Why not?".to_string())
        );
        assert_eq!(quoted_follow_up("Say \"why not?\" then ask nothing."), None);
        assert_eq!(
            quoted_follow_up("The panel asks \"not a question\" then \u{201c}Really?\u{201d}"),
            Some("Really?".to_string())
        );
        assert_eq!(quoted_follow_up("a task \"Is this?\""), None);
    }

    #[test]
    fn metadata_splits_in_any_order() {
        let pairs = split_metadata("Duration: 5 min Category: X Y").expect("metadata");
        assert_eq!(
            pairs,
            [
                ("duration", "5 min".to_string()),
                ("category", "X Y".to_string())
            ]
        );
        assert!(split_metadata("Not metadata. Category: X").is_none());
    }

    /// Lines of a valid document, shuffled by deletions, duplications and cuts.
    fn mutated() -> impl Strategy<Value = String> {
        let lines: Vec<String> = VARIATIONS
            .lines()
            .chain(MINIMAL.lines())
            .map(String::from)
            .collect();
        let n = lines.len();
        proptest::collection::vec((0..n, 0..4u8, any::<u16>()), 1..40).prop_map(move |ops| {
            let mut doc = lines.clone();
            for (i, op, cut) in ops {
                let i = i % doc.len().max(1);
                match op {
                    0 if !doc.is_empty() => {
                        doc.remove(i);
                    }
                    1 if !doc.is_empty() => {
                        let l = doc[i].clone();
                        doc.insert(i, l);
                    }
                    2 if !doc.is_empty() => {
                        let l = &doc[i];
                        let mut at = usize::from(cut) % (l.len() + 1);
                        while !l.is_char_boundary(at) {
                            at -= 1;
                        }
                        doc[i] = l[..at].to_string();
                    }
                    _ => doc.insert(i.min(doc.len()), "## Round 9".to_string()),
                }
            }
            doc.join("\n")
        })
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(s in "\\PC{0,400}") {
            let _ = parse_gauntlet("p.md", &s);
        }

        #[test]
        fn markdown_like_soup_never_panics(
            parts in proptest::collection::vec(prop_oneof![
                Just("# "), Just("## Round "), Just("### "), Just("**"), Just("*"), Just("> "),
                Just("- "), Just("1. "), Just("| "), Just("|---|"), Just("```\n"), Just("\n"),
                Just("\r\n"), Just("\u{feff}"), Just("---\n"), Just("Interviewer:"), Just("\""),
                Just("\u{201c}"), Just("7"), Just("Strong Answer:"), Just("<!-- "), Just("ask "),
                Just("?"), Just("\t"), Just("Category: "), Just("round"), Just("x"),
            ], 0..60)
        ) {
            let _ = parse_gauntlet("p.md", &parts.concat());
        }

        #[test]
        fn mutated_documents_never_panic(doc in mutated()) {
            if let Err(errors) = parse_gauntlet("m.md", &doc) {
                prop_assert!(!errors.is_empty());
                prop_assert!(errors.iter().all(|e| e.line >= 1 && e.line <= doc.lines().count().max(1)));
            }
        }
    }
}
