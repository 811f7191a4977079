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

use std::ops::Range;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use sha2::{Digest, Sha256};

use super::model::{ContentError, Gauntlet, Round, Section, SectionKind, Skill};

/// How many hex characters of the SHA-256 digest form a version (64 bits).
pub const VERSION_HEX_LEN: usize = 16;

/// Label given to guidance written in a round before its first labelled section.
const NOTES_LABEL: &str = "Notes";
/// Label given to free text between the title and the first round.
const INTRO_LABEL: &str = "Introduction";

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
fn slugify(raw: &str) -> String {
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

// ---------------------------------------------------------------------------------------------
// Blocks and visible text
// ---------------------------------------------------------------------------------------------

type Spanned<'a> = (Event<'a>, Range<usize>);

/// One top-level Markdown block with all its events (including its own start and end).
struct Block<'a> {
    events: Vec<Spanned<'a>>,
    range: Range<usize>,
}

impl<'a> Block<'a> {
    fn first(&self) -> Option<&Event<'a>> {
        self.events.first().map(|(e, _)| e)
    }

    fn heading_level(&self) -> Option<HeadingLevel> {
        match self.first() {
            Some(Event::Start(Tag::Heading { level, .. })) => Some(*level),
            _ => None,
        }
    }

    fn is(&self, pred: impl Fn(&Tag<'a>) -> bool) -> bool {
        matches!(self.first(), Some(Event::Start(tag)) if pred(tag))
    }
}

/// The parser options every gauntlet document is read with.
pub(crate) fn markdown_options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
}

/// Group the document's events into top-level blocks.
fn split_blocks(text: &str) -> Vec<Block<'_>> {
    let mut blocks = Vec::new();
    let mut current: Vec<Spanned<'_>> = Vec::new();
    let mut depth = 0usize;
    for (event, range) in Parser::new_ext(text, markdown_options()).into_offset_iter() {
        match &event {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            _ => {}
        }
        current.push((event, range));
        if depth == 0 {
            let events = std::mem::take(&mut current);
            let start = events.first().map_or(0, |(_, r)| r.start);
            let end = events.last().map_or(start, |(_, r)| r.end);
            blocks.push(Block {
                events,
                range: start..end,
            });
        }
    }
    blocks
}

/// The visible text of some events: paragraph-like chunks and list items, in order.
#[derive(Debug, Default)]
pub(crate) struct Visible {
    pub(crate) chunks: Vec<String>,
    pub(crate) items: Vec<String>,
}

impl Visible {
    /// All chunks, separated by a blank line.
    pub(crate) fn text(&self) -> String {
        self.chunks.join("\n\n")
    }
}

/// Walks events and collects their visible text (markers, HTML and link targets dropped).
#[derive(Default)]
struct VisibleWalker {
    out: Visible,
    chunk: String,
    item_stack: Vec<usize>,
    code_depth: usize,
}

impl VisibleWalker {
    fn target(&mut self) -> &mut String {
        match self.item_stack.last() {
            Some(&i) => &mut self.out.items[i],
            None => &mut self.chunk,
        }
    }

    fn flush_chunk(&mut self, is_code: bool) {
        let chunk = std::mem::take(&mut self.chunk);
        let chunk = if is_code {
            chunk.trim_matches('\n').trim_end().to_string()
        } else {
            chunk.trim().to_string()
        };
        if !chunk.is_empty() {
            self.out.chunks.push(chunk);
        }
    }

    fn event(&mut self, event: &Event<'_>) {
        match event {
            Event::Text(t) | Event::Code(t) | Event::InlineMath(t) | Event::DisplayMath(t) => {
                self.target().push_str(t)
            }
            Event::SoftBreak => self.target().push(' '),
            Event::HardBreak => self.target().push('\n'),
            Event::Start(Tag::Item) => {
                self.out.items.push(String::new());
                self.item_stack.push(self.out.items.len() - 1);
            }
            Event::End(TagEnd::Item) => {
                self.item_stack.pop();
            }
            Event::Start(Tag::CodeBlock(_)) => self.code_depth += 1,
            Event::End(TagEnd::CodeBlock) => {
                self.code_depth = self.code_depth.saturating_sub(1);
                self.end_block(true);
            }
            Event::End(TagEnd::TableCell) => self.target().push_str(" | "),
            Event::End(TagEnd::TableRow | TagEnd::TableHead) => {
                let row = self.target();
                let trimmed = row.trim_end_matches(" | ").len();
                row.truncate(trimmed);
                row.push('\n');
            }
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Table | TagEnd::BlockQuote(_),
            ) => self.end_block(false),
            _ => {}
        }
    }

    fn end_block(&mut self, is_code: bool) {
        if self.item_stack.is_empty() {
            self.flush_chunk(is_code);
        } else {
            self.target().push(if is_code { '\n' } else { ' ' });
        }
    }

    fn finish(mut self) -> Visible {
        self.flush_chunk(false);
        for item in &mut self.out.items {
            *item = item.trim().to_string();
        }
        self.out.items.retain(|i| !i.is_empty());
        self.out
    }
}

/// The visible text of a run of events.
fn visible<'e, 'a: 'e>(events: impl IntoIterator<Item = &'e Event<'a>>) -> Visible {
    let mut walker = VisibleWalker::default();
    for event in events {
        walker.event(event);
    }
    walker.finish()
}

fn visible_of(block: &Block<'_>) -> Visible {
    visible(block.events.iter().map(|(e, _)| e))
}

/// The visible text of an inline Markdown fragment (e.g. one table cell).
pub(crate) fn inline_visible(markdown: &str) -> String {
    let events: Vec<Event<'_>> = Parser::new_ext(markdown, markdown_options()).collect();
    visible(events.iter()).text()
}

// ---------------------------------------------------------------------------------------------
// Small text helpers
// ---------------------------------------------------------------------------------------------

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
fn label_of(heading: &str) -> String {
    heading.trim().trim_end_matches(':').trim().to_string()
}

const PROMPT_LABELS: &[&str] = &["interviewer"];
const TESTING_LABELS: &[&str] = &["what the interviewer is testing", "what this tests"];

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
const ASK_TRIGGERS: &[&str] = &[
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
fn find_word(haystack: &str, word: &str) -> Option<usize> {
    let bytes = haystack.as_bytes();
    haystack.match_indices(word).find_map(|(pos, _)| {
        let end = pos + word.len();
        let before_ok = pos == 0 || !bytes[pos - 1].is_ascii_alphabetic();
        let after_ok = bytes.get(end).is_none_or(|b| !b.is_ascii_alphabetic());
        (before_ok && after_ok).then_some(end)
    })
}

/// The first `"…?"` or `“…?”` in `text` whose content ends with a question mark.
fn first_quoted_question(text: &str) -> Option<String> {
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
fn is_skills_heading(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("sequence tested") || lower.trim_end_matches(':').trim() == "skills tested"
}

/// Whether a heading is meant as a round heading: it starts with the word "Round".
fn looks_like_round(text: &str) -> bool {
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

// ---------------------------------------------------------------------------------------------
// Sections and rounds under construction
// ---------------------------------------------------------------------------------------------

/// A section being collected: its label, heading line and body.
struct SectionAcc {
    label: String,
    line: usize,
    chunks: Vec<String>,
    items: Vec<String>,
    markdown: Option<Range<usize>>,
}

impl SectionAcc {
    fn new(label: impl Into<String>, line: usize) -> Self {
        Self {
            label: label.into(),
            line,
            chunks: Vec::new(),
            items: Vec::new(),
            markdown: None,
        }
    }

    fn extend_markdown(&mut self, range: Range<usize>) {
        self.markdown = Some(match self.markdown.take() {
            Some(r) => r.start..range.end.max(r.end),
            None => range,
        });
    }

    /// Add a whole block to the body.
    fn add_block(&mut self, block: &Block<'_>) {
        if block.is(|t| matches!(t, Tag::HtmlBlock)) {
            return;
        }
        let vis = visible_of(block);
        self.chunks.extend(vis.chunks);
        self.items.extend(vis.items);
        self.extend_markdown(block.range.clone());
    }

    /// Add the part of a paragraph that follows an inline label.
    fn add_rest(&mut self, text: &str, range: Range<usize>) {
        let text = text.trim();
        if !text.is_empty() {
            self.chunks.push(text.to_string());
            self.extend_markdown(range);
        }
    }

    fn is_empty(&self) -> bool {
        self.chunks.is_empty() && self.items.is_empty()
    }

    fn finish(self, src: &str) -> Section {
        let markdown = self
            .markdown
            .and_then(|r| src.get(r))
            .map(|s| s.trim().trim_start_matches(':').trim().to_string())
            .unwrap_or_default();
        Section {
            label: self.label,
            text: self.chunks.join("\n\n"),
            items: self.items,
            markdown,
        }
    }
}

/// A round being collected.
struct RoundAcc {
    number: u32,
    name: String,
    line: usize,
    prompt: Option<String>,
    awaiting_prompt: bool,
    testing: Option<String>,
    awaiting_testing: bool,
    sections: Vec<(usize, Section)>,
    current: Option<SectionAcc>,
}

impl RoundAcc {
    fn new(number: u32, name: String, line: usize) -> Self {
        Self {
            number,
            name,
            line,
            prompt: None,
            awaiting_prompt: false,
            testing: None,
            awaiting_testing: false,
            sections: Vec::new(),
            current: None,
        }
    }

    fn close_section(&mut self, src: &str, errors: &mut Vec<ContentError>) {
        if let Some(acc) = self.current.take() {
            if acc.is_empty() {
                errors.push(ContentError::new(
                    acc.line,
                    format!(
                        "section \"{}\" in round {} is empty: write its guidance below the heading or remove it",
                        acc.label, self.number
                    ),
                ));
            }
            self.sections.push((acc.line, acc.finish(src)));
        }
    }

    fn open_section(
        &mut self,
        label: String,
        line: usize,
        src: &str,
        errors: &mut Vec<ContentError>,
    ) {
        self.close_section(src, errors);
        self.current = Some(SectionAcc::new(label, line));
    }

    fn follow_up(&self) -> Option<String> {
        let explicit = self
            .sections
            .iter()
            .find(|(_, s)| s.kind() == SectionKind::FollowUp);
        if let Some((_, s)) = explicit {
            let text = if s.text.is_empty() {
                s.items.first().map(String::as_str).unwrap_or("")
            } else {
                s.text.as_str()
            };
            let q = unquote(text);
            return (!q.is_empty()).then(|| q.to_string());
        }
        self.sections
            .iter()
            .filter(|(_, s)| {
                matches!(
                    s.kind(),
                    SectionKind::TrapAlert | SectionKind::TrapQuestionVariant
                )
            })
            .find_map(|(_, s)| quoted_follow_up(&s.text))
    }

    fn finish(self) -> (usize, Round) {
        let follow_up = self.follow_up();
        let round = Round {
            number: self.number,
            name: self.name,
            prompt: self.prompt.unwrap_or_default(),
            testing: self.testing,
            follow_up,
            sections: self.sections.into_iter().map(|(_, s)| s).collect(),
        };
        (self.line, round)
    }
}

/// Where the walk currently is in the document.
enum Mode {
    /// Before the first round: title, metadata, introduction.
    Intro,
    /// Inside a round.
    Round(RoundAcc),
    /// Inside a document-level section (or the skills section when `skills` is set).
    Extra { acc: SectionAcc, skills: bool },
    /// Inside a round whose heading could not be read: its content is skipped.
    Skip,
}

/// Front-matter fields the parser honours.
#[derive(Default)]
struct FrontMatter {
    slug: Option<String>,
    title: Option<String>,
}

impl FrontMatter {
    fn parse(yaml: &str) -> Self {
        let mut fm = Self::default();
        for line in yaml.lines().filter(|l| !l.starts_with([' ', '\t'])) {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            let value = value.trim().trim_matches(['"', '\'']).trim();
            if value.is_empty() {
                continue;
            }
            match key.trim() {
                "slug" => fm.slug = Some(value.to_string()),
                "title" => fm.title = Some(value.to_string()),
                _ => {}
            }
        }
        fm
    }
}

/// Metadata fields from the header.
#[derive(Default)]
struct Meta {
    category: Option<String>,
    difficulty: Option<String>,
    duration: Option<String>,
    domains: Vec<String>,
}

impl Meta {
    fn set(&mut self, key: &str, value: String) {
        let value = (!value.is_empty()).then_some(value);
        match key {
            "category" => self.category = value,
            "difficulty" => self.difficulty = value,
            "duration" => self.duration = value,
            _ => {
                self.domains = value
                    .iter()
                    .flat_map(|v| v.split([',', ';']))
                    .map(str::trim)
                    .filter(|d| !d.is_empty())
                    .map(str::to_string)
                    .collect()
            }
        }
    }
}

/// A skills-table row as read, before it is checked against the rounds.
struct SkillRow {
    line: usize,
    skill: Skill,
}

/// The state machine over top-level blocks.
struct Builder<'s> {
    src: &'s str,
    lines: &'s LineIndex,
    errors: Vec<ContentError>,
    front: FrontMatter,
    title: Option<(usize, String)>,
    meta: Meta,
    intro: Option<SectionAcc>,
    mode: Mode,
    rounds: Vec<(usize, Round)>,
    extras: Vec<Section>,
    skills: Vec<SkillRow>,
}

impl<'s> Builder<'s> {
    fn new(src: &'s str, lines: &'s LineIndex) -> Self {
        Self {
            src,
            lines,
            errors: Vec::new(),
            front: FrontMatter::default(),
            title: None,
            meta: Meta::default(),
            intro: None,
            mode: Mode::Intro,
            rounds: Vec::new(),
            extras: Vec::new(),
            skills: Vec::new(),
        }
    }

    fn line(&self, offset: usize) -> usize {
        self.lines.line(offset)
    }

    fn error(&mut self, line: usize, message: impl Into<String>) {
        self.errors.push(ContentError::new(line, message));
    }

    /// Handle one top-level block.
    fn block(&mut self, block: &Block<'_>) {
        match block.first() {
            Some(Event::Start(Tag::MetadataBlock(_))) => {
                self.front = FrontMatter::parse(&visible_of(block).text());
            }
            Some(Event::Rule) => {}
            _ => match block.heading_level() {
                Some(level) if level <= HeadingLevel::H3 => self.heading(level, block),
                _ => self.body(block),
            },
        }
    }

    fn heading(&mut self, level: HeadingLevel, block: &Block<'_>) {
        let text = visible_of(block).text();
        let line = self.line(block.range.start);
        if level == HeadingLevel::H1 {
            return self.title_heading(text, line);
        }
        if looks_like_round(&text) {
            self.close_all();
            self.mode = match parse_round_heading(&text) {
                Ok((number, name)) => Mode::Round(RoundAcc::new(number, name, line)),
                Err(message) => {
                    self.error(line, message);
                    Mode::Skip
                }
            };
            return;
        }
        let skills = is_skills_heading(&text);
        if level == HeadingLevel::H3
            && !skills
            && let Mode::Round(round) = &mut self.mode
        {
            round.open_section(label_of(&text), line, self.src, &mut self.errors);
            return;
        }
        self.close_all();
        self.mode = Mode::Extra {
            acc: SectionAcc::new(label_of(&text), line),
            skills,
        };
    }

    fn title_heading(&mut self, text: String, line: usize) {
        if self.title.is_some() {
            self.error(
                line,
                "a second `# ` title: a gauntlet has one title; use `## ` for other sections",
            );
            return;
        }
        let title = strip_label(&text, &["interview gauntlet"]).unwrap_or(text.trim());
        if title.is_empty() {
            self.error(
                line,
                "the title is empty: write `# Interview Gauntlet: <title>`",
            );
        }
        self.title = Some((line, title.to_string()));
    }

    /// Finish whatever round or section is open.
    fn close_all(&mut self) {
        match std::mem::replace(&mut self.mode, Mode::Intro) {
            Mode::Round(mut round) => {
                round.close_section(self.src, &mut self.errors);
                self.rounds.push(round.finish());
            }
            Mode::Extra { acc, skills } => self.push_extra(acc, skills),
            Mode::Intro | Mode::Skip => {}
        }
    }

    fn push_extra(&mut self, acc: SectionAcc, skills: bool) {
        if acc.is_empty() {
            if !skills {
                self.error(
                    acc.line,
                    format!(
                        "section \"{}\" is empty: write something below the heading or remove it",
                        acc.label
                    ),
                );
            }
            if skills {
                return;
            }
        }
        self.extras.push(acc.finish(self.src));
    }

    /// Handle a non-heading block (or a heading below level 3) in the current mode.
    fn body(&mut self, block: &Block<'_>) {
        if let Some(rows) = self.skills_rows(block) {
            for (line, cells) in rows {
                self.skill_row(line, &cells);
            }
            return;
        }
        match &mut self.mode {
            Mode::Intro => self.intro_block(block),
            Mode::Round(round) => round_block(round, block, self.src, self.lines, &mut self.errors),
            Mode::Extra { acc, .. } => acc.add_block(block),
            Mode::Skip => {}
        }
    }

    /// Metadata lines, or free introduction text.
    fn intro_block(&mut self, block: &Block<'_>) {
        if block.is(|t| matches!(t, Tag::HtmlBlock)) {
            return;
        }
        let vis = visible_of(block);
        let mut rest = SectionAcc::new(INTRO_LABEL, self.line(block.range.start));
        for chunk in vis.chunks.iter().chain(&vis.items) {
            match split_metadata(chunk) {
                Some(pairs) => pairs.into_iter().for_each(|(k, v)| self.meta.set(k, v)),
                None => rest.chunks.push(chunk.clone()),
            }
        }
        if rest.is_empty() {
            return;
        }
        let intro = self
            .intro
            .get_or_insert_with(|| SectionAcc::new(INTRO_LABEL, rest.line));
        intro.chunks.extend(rest.chunks);
        intro.extend_markdown(block.range.clone());
    }

    /// If `block` is a skills table (a table whose header starts with "Round", or any table
    /// in the skills section), its data rows as (line, cells).
    fn skills_rows(&self, block: &Block<'_>) -> Option<Vec<(usize, Vec<String>)>> {
        let in_skills = matches!(self.mode, Mode::Extra { skills: true, .. });
        let rows = if block.is(|t| matches!(t, Tag::Table(_))) {
            self.table_rows(block)
        } else if block.is(|t| matches!(t, Tag::Paragraph)) {
            self.pipe_rows(block)?
        } else {
            return None;
        };
        let (_, header) = rows.first()?;
        let header_is_round = header
            .first()
            .is_some_and(|c| c.trim().eq_ignore_ascii_case("round"));
        if !header_is_round && !in_skills {
            return None;
        }
        Some(rows.into_iter().skip(1).collect())
    }

    /// Rows of a pulldown-cmark table, header first.
    fn table_rows(&self, block: &Block<'_>) -> Vec<(usize, Vec<String>)> {
        let mut rows: Vec<(usize, Vec<String>)> = Vec::new();
        let mut cell: Option<Vec<Event<'_>>> = None;
        for (event, range) in &block.events {
            match event {
                Event::Start(Tag::TableHead | Tag::TableRow) => {
                    rows.push((self.line(range.start), Vec::new()))
                }
                Event::Start(Tag::TableCell) => cell = Some(Vec::new()),
                Event::End(TagEnd::TableCell) => {
                    let text = visible(cell.take().unwrap_or_default().iter()).text();
                    if let Some((_, cells)) = rows.last_mut() {
                        cells.push(text);
                    }
                }
                other => {
                    if let Some(c) = cell.as_mut() {
                        c.push(other.clone());
                    }
                }
            }
        }
        rows
    }

    /// Rows of a pipe table written without its `|---|` line (Markdown reads it as a paragraph).
    fn pipe_rows(&self, block: &Block<'_>) -> Option<Vec<(usize, Vec<String>)>> {
        let src = self.src.get(block.range.clone())?;
        let first_line = self.line(block.range.start);
        let lines: Vec<&str> = src.lines().filter(|l| !l.trim().is_empty()).collect();
        if lines.is_empty() || !lines.iter().all(|l| l.trim_start().starts_with('|')) {
            return None;
        }
        let rows = src
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty() && !is_separator_row(l))
            .map(|(i, l)| (first_line + i, split_pipe_row(l)))
            .collect();
        Some(rows)
    }

    fn skill_row(&mut self, line: usize, cells: &[String]) {
        let round_cell = cells.first().map(|c| c.trim()).unwrap_or("");
        let number_text = strip_word(round_cell, "round");
        let Ok(round) = number_text.parse::<u32>() else {
            self.error(
                line,
                format!(
                    "skills table: round \"{round_cell}\" is not a number; the first column holds the round number"
                ),
            );
            return;
        };
        let skill = cells.get(1).map(|c| c.trim()).unwrap_or("");
        if skill.is_empty() {
            self.error(
                line,
                format!("skills table: the row for round {round} names no skill"),
            );
            return;
        }
        self.skills.push(SkillRow {
            line,
            skill: Skill {
                round,
                skill: skill.to_string(),
            },
        });
    }

    /// Close everything, check the whole document and build the gauntlet.
    fn finish(mut self, file_name: &str, version: String) -> Result<Gauntlet, Vec<ContentError>> {
        self.close_all();
        if let Some(intro) = self.intro.take() {
            self.extras.insert(0, intro.finish(self.src));
        }
        let title = self.resolve_title();
        self.check_rounds();
        self.check_skills();
        let slug = self.resolve_slug(file_name);
        if !self.errors.is_empty() {
            let mut errors = self.errors;
            errors.sort_by_key(|e| e.line);
            return Err(errors);
        }
        Ok(Gauntlet {
            slug,
            title,
            category: self.meta.category,
            difficulty: self.meta.difficulty,
            duration: self.meta.duration,
            domains: self.meta.domains,
            version,
            rounds: self.rounds.into_iter().map(|(_, r)| r).collect(),
            skills: self.skills.into_iter().map(|r| r.skill).collect(),
            extras: self.extras,
        })
    }

    fn resolve_title(&mut self) -> String {
        match (self.title.take(), self.front.title.take()) {
            (Some((_, t)), _) => t,
            (None, Some(t)) => t,
            (None, None) => {
                self.error(
                    1,
                    "no title: the document must start with `# Interview Gauntlet: <title>`",
                );
                String::new()
            }
        }
    }

    fn resolve_slug(&mut self, file_name: &str) -> String {
        let slug = match self.front.slug.as_deref() {
            Some(s) => slugify(s),
            None => slug_from_file_name(file_name),
        };
        if slug.is_empty() {
            self.error(
                1,
                "no slug: the file name has no letters or digits; add `slug: <name>` front matter",
            );
        }
        slug
    }

    fn check_rounds(&mut self) {
        if self.rounds.is_empty() {
            let line = self.title.as_ref().map_or(1, |t| t.0).max(1);
            self.error(
                line,
                "no rounds: add at least one `## Round 1: <Name>` section",
            );
        }
        let mut problems = Vec::new();
        for (i, (line, round)) in self.rounds.iter().enumerate() {
            problems.extend(round_problems(*line, round));
            if let Some((_, first)) = self.rounds[..i]
                .iter()
                .find(|(_, r)| r.number == round.number)
            {
                problems.push(ContentError::new(
                    *line,
                    format!(
                        "round {} appears twice (the first is \"{}\"): number rounds 1, 2, 3, ...",
                        round.number, first.name
                    ),
                ));
            } else if let Some((_, prev)) = i.checked_sub(1).and_then(|p| self.rounds.get(p))
                && prev.number > round.number
            {
                problems.push(ContentError::new(
                    *line,
                    format!(
                        "round {} follows round {}: rounds must be in order",
                        round.number, prev.number
                    ),
                ));
            }
        }
        self.errors.extend(problems);
    }

    fn check_skills(&mut self) {
        let mut problems = Vec::new();
        for row in &self.skills {
            let n = row.skill.round;
            if !self.rounds.iter().any(|(_, r)| r.number == n) {
                problems.push(ContentError::new(
                    row.line,
                    format!("skills table names round {n}, but there is no round {n}"),
                ));
            }
        }
        self.errors.extend(problems);
    }
}

/// Problems of one round taken alone.
fn round_problems(line: usize, round: &Round) -> Vec<ContentError> {
    let mut problems = Vec::new();
    let n = round.number;
    if round.prompt.is_empty() {
        problems.push(ContentError::new(
            line,
            format!("round {n} has no interviewer prompt: add `**Interviewer:** \"<question>\"`"),
        ));
    }
    if round.section(SectionKind::StrongAnswer).is_none() {
        problems.push(ContentError::new(
            line,
            format!("round {n} has no Strong Answer: add a `### Strong Answer:` section"),
        ));
    }
    problems
}

/// Handle one block inside a round: prompt, testing line, bold labels or section body.
fn round_block(
    round: &mut RoundAcc,
    block: &Block<'_>,
    src: &str,
    lines: &LineIndex,
    errors: &mut Vec<ContentError>,
) {
    if block.is(|t| matches!(t, Tag::HtmlBlock)) {
        return;
    }
    let text = visible_of(block).text();
    if let Some(rest) = strip_label(&text, TESTING_LABELS) {
        round.testing = (!rest.is_empty()).then(|| rest.to_string());
        round.awaiting_testing = rest.is_empty();
        return;
    }
    if round.awaiting_testing {
        round.awaiting_testing = false;
        round.testing = Some(text.trim().to_string());
        return;
    }
    if round.current.is_none() && preamble_prompt(round, &text) {
        return;
    }
    if let Some((label, rest_start)) = bold_label(block) {
        let line = lines.line(block.range.start);
        round.open_section(label, line, src, errors);
        if let (Some(acc), Some(rest)) = (round.current.as_mut(), rest_text(block, rest_start)) {
            acc.add_rest(&rest, rest_start..block.range.end);
        }
        return;
    }
    let acc = round
        .current
        .get_or_insert_with(|| SectionAcc::new(NOTES_LABEL, lines.line(block.range.start)));
    acc.add_block(block);
}

/// Take `text` as the round's prompt if the preamble still expects one. Returns whether used.
fn preamble_prompt(round: &mut RoundAcc, text: &str) -> bool {
    if let Some(rest) = strip_label(text, PROMPT_LABELS) {
        round.prompt = Some(unquote(rest).to_string()).filter(|p| !p.is_empty());
        round.awaiting_prompt = round.prompt.is_none();
        return true;
    }
    if round.prompt.is_none() {
        round.awaiting_prompt = false;
        round.prompt = Some(unquote(text).to_string()).filter(|p| !p.is_empty());
        return true;
    }
    false
}

/// A paragraph that opens with a bold label (`**Strong Answer:**`) names a section when the
/// label is alone in the paragraph and ends with a colon, or is a well-known label.
/// Returns the label and the byte offset where the rest of the paragraph starts.
fn bold_label(block: &Block<'_>) -> Option<(String, usize)> {
    if !block.is(|t| matches!(t, Tag::Paragraph)) {
        return None;
    }
    let (second, _) = block.events.get(1)?;
    if !matches!(second, Event::Start(Tag::Strong)) {
        return None;
    }
    let end_idx = block
        .events
        .iter()
        .position(|(e, _)| matches!(e, Event::End(TagEnd::Strong)))?;
    let label_events = block.events[2..end_idx].iter().map(|(e, _)| e);
    let raw = visible(label_events).text();
    let rest_start = block.events[end_idx].1.end;
    let rest = rest_text(block, rest_start).unwrap_or_default();
    let colon = raw.trim_end().ends_with(':') || rest.starts_with(':');
    let alone = rest.trim_start_matches(':').trim().is_empty();
    let known = SectionKind::of_label(&raw) != SectionKind::Other;
    let label = label_of(&raw);
    let is_label = (alone && (colon || known)) || (known && colon);
    (is_label && !label.is_empty()).then_some((label, rest_start))
}

/// The visible text of a paragraph after byte offset `from` (a leading colon removed).
fn rest_text(block: &Block<'_>, from: usize) -> Option<String> {
    let events = block
        .events
        .iter()
        .filter(|(_, r)| r.start >= from)
        .map(|(e, _)| e);
    let text = visible(events).text();
    let text = text.trim_start().trim_start_matches(':').trim();
    (!text.is_empty()).then(|| text.to_string())
}

/// `text` without a leading `word` (ASCII case-insensitive), trimmed.
fn strip_word<'t>(text: &'t str, word: &str) -> &'t str {
    match text.get(..word.len()) {
        Some(head) if head.eq_ignore_ascii_case(word) => text[word.len()..].trim(),
        _ => text,
    }
}

/// Whether a pipe-table line is the `|---|---|` delimiter row.
fn is_separator_row(line: &str) -> bool {
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
fn split_pipe_row(line: &str) -> Vec<String> {
    split_pipe_cells(line)
        .iter()
        .map(|c| inline_visible(c.trim()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
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
