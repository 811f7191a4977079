//! The page-text importer: turns a gauntlet copied from a web page as plain text (headings end
//! with `¶`, `Interviewer: "…"`, `- ` list items, `| a | b |` table rows) into canonical Markdown.
//!
//! Every page-text line is one block. Heading levels are recovered from position: the first
//! heading is the title, `Round N…` headings are rounds, other headings inside a round are its
//! guidance sections, and headings after the skills table are document-level sections. Code that
//! lost its fences is recognised as indented lines, or as the lines inside a quoted answer that
//! spans several lines (the opening and closing lines are prose, the ones between are code).
//! Text is escaped so that Markdown reads back exactly the characters of the page.

use super::model::ContentError;
use super::parse::{split_metadata, strip_label};

/// Markdown produced from page text, with a map back to the page-text lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Imported {
    /// The canonical Markdown document.
    pub markdown: String,
    /// For each Markdown line (index 0 is line 1), the 1-based page-text line it came from.
    pub source_lines: Vec<usize>,
}

impl Imported {
    /// The page-text line behind Markdown line `line` (1-based), for error messages.
    pub fn source_line(&self, line: usize) -> usize {
        match line.checked_sub(1).and_then(|i| self.source_lines.get(i)) {
            Some(&l) => l,
            None => self.source_lines.last().copied().unwrap_or(1),
        }
    }
}

/// Convert page text to canonical Markdown.
pub fn import_page_text(text: &str) -> Result<String, Vec<ContentError>> {
    import_page_text_mapped(text).map(|i| i.markdown)
}

/// Convert page text to canonical Markdown, keeping the line map (see [`Imported`]).
pub fn import_page_text_mapped(text: &str) -> Result<Imported, Vec<ContentError>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    if text.trim().is_empty() {
        return Err(vec![ContentError::new(1, "the page text is empty")]);
    }
    let lines: Vec<PageLine<'_>> = text
        .lines()
        .enumerate()
        .map(|(i, l)| PageLine::classify(i + 1, l))
        .collect();
    if !lines.iter().any(|l| matches!(l.kind, Kind::Heading(_))) {
        return Err(vec![ContentError::new(
            1,
            "no heading ends with ¶: this does not look like a gauntlet copied as page text",
        )]);
    }
    let mut writer = Writer::default();
    let mut i = 0;
    while i < lines.len() {
        i = writer.step(&lines, i);
    }
    Ok(writer.finish())
}

/// What one page-text line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind<'t> {
    Blank,
    /// A heading, text without the `¶`.
    Heading(&'t str),
    /// A `- ` list item, text without the marker.
    Item(&'t str),
    /// A `| a | b |` table row.
    Row,
    /// Anything else: a paragraph or a code line.
    Text,
}

/// One page-text line with its 1-based number.
#[derive(Debug, Clone, Copy)]
struct PageLine<'t> {
    number: usize,
    raw: &'t str,
    kind: Kind<'t>,
}

impl<'t> PageLine<'t> {
    fn classify(number: usize, raw: &'t str) -> Self {
        let raw = raw.trim_end();
        let trimmed = raw.trim_start();
        let kind = if trimmed.is_empty() {
            Kind::Blank
        } else if let Some(h) = trimmed.strip_suffix('¶') {
            Kind::Heading(h.trim())
        } else if let Some(item) = trimmed.strip_prefix("- ").or(trimmed.strip_prefix("• ")) {
            Kind::Item(item.trim())
        } else if trimmed.starts_with('|') {
            Kind::Row
        } else {
            Kind::Text
        };
        Self { number, raw, kind }
    }
}

/// Where the writer is in the document, to pick heading levels.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Place {
    #[default]
    BeforeTitle,
    Intro,
    Round,
    After,
}

/// Accumulates Markdown blocks, each a list of (line, page-text line) pairs.
#[derive(Default)]
struct Writer {
    blocks: Vec<Vec<(String, usize)>>,
    place: Place,
}

impl Writer {
    /// Handle the line at `i` (and any lines grouped with it); returns the next index.
    fn step(&mut self, lines: &[PageLine<'_>], i: usize) -> usize {
        let line = lines[i];
        match line.kind {
            Kind::Blank => i + 1,
            Kind::Heading(text) => {
                self.heading(text, line.number);
                i + 1
            }
            Kind::Item(_) => self.list(lines, i),
            Kind::Row => self.table(lines, i),
            Kind::Text if self.place == Place::BeforeTitle && is_title(line.raw) => {
                self.heading(line.raw.trim(), line.number);
                i + 1
            }
            Kind::Text => self.text_run(lines, i),
        }
    }

    fn push(&mut self, lines: Vec<(String, usize)>) {
        if !lines.is_empty() {
            self.blocks.push(lines);
        }
    }

    fn heading(&mut self, text: &str, number: usize) {
        let escaped = escape_inline(text, true);
        let (level, place) = match self.place {
            Place::BeforeTitle => (1, Place::Intro),
            _ if is_round_heading(text) => {
                self.push(vec![("---".to_string(), number)]);
                (2, Place::Round)
            }
            _ if text.to_ascii_lowercase().contains("sequence tested") => (2, Place::After),
            Place::Round => (3, Place::Round),
            other => (
                2,
                if other == Place::Intro {
                    Place::After
                } else {
                    other
                },
            ),
        };
        self.place = place;
        let hashes = "#".repeat(level);
        self.push(vec![(format!("{hashes} {escaped}"), number)]);
    }

    fn list(&mut self, lines: &[PageLine<'_>], start: usize) -> usize {
        let mut out = Vec::new();
        let mut i = start;
        while let Some(PageLine {
            kind: Kind::Item(text),
            number,
            ..
        }) = lines.get(i)
        {
            out.push((format!("- {}", escape_paragraph(text)), *number));
            i += 1;
        }
        self.push(out);
        i
    }

    fn table(&mut self, lines: &[PageLine<'_>], start: usize) -> usize {
        let mut rows = Vec::new();
        let mut i = start;
        while let Some(line) = lines.get(i).filter(|l| l.kind == Kind::Row) {
            if !is_delimiter_row(line.raw) {
                rows.push((table_cells(line.raw), line.number));
            }
            i += 1;
        }
        let mut out = Vec::new();
        for (index, (cells, number)) in rows.iter().enumerate() {
            out.push((format!("| {} |", cells.join(" | ")), *number));
            if index == 0 {
                let delimiter = vec!["---"; cells.len().max(1)].join(" | ");
                out.push((format!("| {delimiter} |"), *number));
            }
        }
        self.push(out);
        i
    }

    /// A run of consecutive text lines: paragraphs, with fence-less code recovered.
    fn text_run(&mut self, lines: &[PageLine<'_>], start: usize) -> usize {
        let mut i = start;
        let mut open_quote = false;
        let mut code: Vec<(String, usize)> = Vec::new();
        while let Some(line) = lines.get(i).filter(|l| l.kind == Kind::Text) {
            let odd = unescaped_quotes(line.raw) % 2 == 1;
            let is_code = if open_quote {
                !odd && looks_like_code(line.raw)
            } else {
                line.raw.starts_with([' ', '\t'])
            };
            if is_code {
                code.push((line.raw.to_string(), line.number));
            } else {
                self.flush_code(&mut code);
                self.paragraph(line.raw.trim(), line.number);
                if odd {
                    open_quote = !open_quote;
                }
            }
            i += 1;
        }
        self.flush_code(&mut code);
        i
    }

    fn flush_code(&mut self, code: &mut Vec<(String, usize)>) {
        if code.is_empty() {
            return;
        }
        let longest = code
            .iter()
            .map(|(l, _)| longest_run(l, '`'))
            .max()
            .unwrap_or(0);
        let fence = "`".repeat(longest.max(2) + 1);
        let first = code.first().map_or(1, |c| c.1);
        let last = code.last().map_or(first, |c| c.1);
        let mut out = vec![(fence.clone(), first)];
        out.append(code);
        out.push((fence, last));
        self.push(out);
    }

    /// One paragraph line, with the labelled forms written canonically.
    fn paragraph(&mut self, text: &str, number: usize) {
        let line = self
            .labelled(text)
            .unwrap_or_else(|| escape_paragraph(text));
        let block = line.lines().map(|l| (l.to_string(), number)).collect();
        self.push(block);
    }

    fn labelled(&self, text: &str) -> Option<String> {
        if self.place == Place::Intro
            && let Some(pairs) = split_metadata(text)
        {
            let lines: Vec<String> = pairs
                .iter()
                .map(|(k, v)| format!("**{}:** {}", capitalise(k), escape_inline(v, false)))
                .collect();
            return Some(lines.join("\n"));
        }
        let forms: [(&str, &str, &str); 3] = [
            ("Interviewer", "**", ""),
            ("What the interviewer is testing", "*", "> "),
            ("If the candidate bluffs here", "**", "> "),
        ];
        forms.iter().find_map(|(label, mark, prefix)| {
            let rest = strip_label(text, &[label])?;
            let written = text.trim_start().get(..label.len()).unwrap_or(label);
            Some(format!(
                "{prefix}{mark}{written}:{mark} {}",
                escape_inline(rest, false)
            ))
        })
    }

    fn finish(self) -> Imported {
        let mut markdown = String::new();
        let mut source_lines = Vec::new();
        for (index, block) in self.blocks.iter().enumerate() {
            if index > 0 {
                markdown.push('\n');
                source_lines.push(block.first().map_or(1, |l| l.1));
            }
            for (line, number) in block {
                markdown.push_str(line);
                markdown.push('\n');
                source_lines.push(*number);
            }
        }
        Imported {
            markdown,
            source_lines,
        }
    }
}

fn is_title(line: &str) -> bool {
    strip_label(line, &["interview gauntlet"]).is_some()
}

fn is_round_heading(text: &str) -> bool {
    let t = text.trim_start();
    t.get(..5).is_some_and(|h| h.eq_ignore_ascii_case("round"))
        && t[5..]
            .trim_start()
            .starts_with(|c: char| c.is_ascii_digit())
}

fn capitalise(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Number of `"` in `line` not preceded by a backslash.
fn unescaped_quotes(line: &str) -> usize {
    let mut count = 0;
    let mut escaped = false;
    for c in line.chars() {
        if c == '"' && !escaped {
            count += 1;
        }
        escaped = c == '\\' && !escaped;
    }
    count
}

/// Inside a multi-line quoted answer: is this middle line code rather than prose?
/// Prose ends like a sentence and is not indented.
fn looks_like_code(line: &str) -> bool {
    let indented = line.starts_with([' ', '\t']);
    let sentence_end = line
        .trim_end()
        .ends_with(['.', '!', '?', ':', '"', '\u{201d}']);
    indented || !sentence_end
}

fn longest_run(line: &str, ch: char) -> usize {
    let (mut best, mut run) = (0, 0);
    for c in line.chars() {
        run = if c == ch { run + 1 } else { 0 };
        best = best.max(run);
    }
    best
}

fn is_delimiter_row(line: &str) -> bool {
    let cells = super::parse::split_pipe_cells(line);
    cells.iter().all(|c| {
        let c = c.trim();
        !c.is_empty() && c.contains('-') && c.chars().all(|ch| matches!(ch, '-' | ':'))
    })
}

fn table_cells(line: &str) -> Vec<String> {
    super::parse::split_pipe_cells(line)
        .iter()
        .map(|c| escape_inline(c.trim(), false))
        .collect()
}

/// Escape a line that starts a block: inline escapes plus an ordered-list marker (`1.`).
fn escape_paragraph(text: &str) -> String {
    let escaped = escape_inline(text, false);
    let digits = escaped.chars().take_while(char::is_ascii_digit).count();
    let after_digits = escaped[digits..].chars().next();
    if (1..=9).contains(&digits) && matches!(after_digits, Some('.' | ')')) {
        return format!("{}\\{}", &escaped[..digits], &escaped[digits..]);
    }
    escaped
}

/// Escape the characters that Markdown would read as inline syntax, so the visible text of the
/// result is `text` exactly. `in_heading` also escapes `#` (a closing heading sequence).
fn escape_inline(text: &str, in_heading: bool) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
        let next = chars.get(i + 1).copied();
        if needs_escape(c, prev, next, &chars[i..], in_heading) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn needs_escape(
    c: char,
    prev: Option<char>,
    next: Option<char>,
    rest: &[char],
    heading: bool,
) -> bool {
    let alnum = |o: Option<char>| o.is_some_and(char::is_alphanumeric);
    match c {
        '\\' | '`' | '*' | '[' | ']' | '|' => true,
        '#' => heading || prev.is_none(),
        '_' => !(alnum(prev) && alnum(next)),
        '<' => next.is_some_and(|n| n.is_ascii_alphabetic() || matches!(n, '/' | '!' | '?')),
        '&' => looks_like_entity(rest),
        '~' | '>' | '-' | '+' | '=' => prev.is_none(),
        _ => false,
    }
}

/// `&name;` or `&#123;` at the start of `rest`.
fn looks_like_entity(rest: &[char]) -> bool {
    let body: Vec<char> = rest
        .iter()
        .skip(1)
        .take_while(|c| c.is_ascii_alphanumeric() || **c == '#')
        .copied()
        .collect();
    !body.is_empty() && rest.get(body.len() + 1) == Some(&';')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::model::Gauntlet;
    use crate::content::parse::{inline_visible, parse_gauntlet};
    use proptest::prelude::*;

    const PAIRS: &[(&str, &str, &str)] = &[
        (
            "minimal",
            include_str!("../../tests/fixtures/content/valid/minimal.md"),
            include_str!("../../tests/fixtures/content/valid/minimal.txt"),
        ),
        (
            "code-and-markup",
            include_str!("../../tests/fixtures/content/valid/code-and-markup.md"),
            include_str!("../../tests/fixtures/content/valid/code-and-markup.txt"),
        ),
    ];

    /// The JSON shape of a gauntlet without its version (what `content show --json` compares).
    fn shape(g: &Gauntlet) -> serde_json::Value {
        let mut v = serde_json::to_value(g).expect("serialisable");
        if let Some(map) = v.as_object_mut() {
            map.remove("version");
        }
        v
    }

    #[test]
    fn imported_page_text_parses_like_the_markdown() {
        for (stem, md, txt) in PAIRS {
            let name = format!("{stem}.md");
            let imported = import_page_text(txt).expect("imports");
            let from_text = parse_gauntlet(&name, &imported).expect("imported markdown parses");
            let from_md = parse_gauntlet(&name, md).expect("markdown parses");
            assert_eq!(shape(&from_text), shape(&from_md), "{stem}:\n{imported}");
        }
    }

    #[test]
    fn output_is_canonical_markdown() {
        let md = import_page_text(PAIRS[0].2).expect("imports");
        assert!(md.starts_with("# Interview Gauntlet: Minimal Example\n\n**Category:** System Design\n**Difficulty:** L2\n"));
        assert!(md.contains("\n---\n\n## Round 1: The Opening\n\n**Interviewer:** \"A product"));
        assert!(md.contains("\n> *What the interviewer is testing:* Whether"));
        assert!(md.contains("\n> **If the candidate bluffs here:** The interviewer"));
        assert!(md.contains(
            "\n## What This Sequence Tested:\n\n| Round | Skill Tested |\n| --- | --- |\n| 1 |"
        ));
        assert!(md.contains("\n## Further Reading\n\n- HTTP caching\n"));
    }

    #[test]
    fn code_lines_inside_a_quoted_answer_become_a_fence() {
        let md = import_page_text(PAIRS[1].2).expect("imports");
        assert!(
            md.contains("find:\n\n```\nfind /var/app_data -name '*.log' -print0 |\n  while"),
            "{md}"
        );
        assert!(md.contains("  done\n```\n\nThen test"), "{md}");
    }

    #[test]
    fn line_map_points_back_to_page_text() {
        let imported = import_page_text_mapped(PAIRS[0].2).expect("imports");
        let md_line = imported
            .markdown
            .lines()
            .position(|l| l.starts_with("## Round 2"))
            .map(|i| i + 1)
            .expect("round 2 heading");
        assert_eq!(imported.source_line(md_line), 10);
    }

    #[test]
    fn refuses_text_that_is_not_page_text() {
        assert!(import_page_text("").is_err());
        assert!(import_page_text("just a line\nand another").is_err());
    }

    proptest! {
        #[test]
        fn escaping_preserves_visible_text(s in "[^\\n\\r]{0,80}") {
            let s = s.trim();
            prop_assert_eq!(inline_visible(&escape_paragraph(s)), s);
        }

        #[test]
        fn import_never_panics(s in "(\\PC{0,30}(¶|\\n| \\| |- )){0,20}") {
            if let Ok(md) = import_page_text(&s) {
                let _ = parse_gauntlet("i.md", &md);
            }
        }
    }
}
