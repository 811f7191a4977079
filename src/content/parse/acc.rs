//! Sections and rounds under construction, the header fields, and the handling of one block
//! inside a round.

use std::ops::Range;

use pulldown_cmark::{Event, Tag, TagEnd};

use super::blocks::{Block, visible, visible_of};
use super::labels::{
    PROMPT_LABELS, TESTING_LABELS, label_of, quoted_follow_up, strip_label, unquote,
};
use super::{LineIndex, NOTES_LABEL};
use crate::content::model::{ContentError, Round, Section, SectionKind, Skill};

/// A section being collected: its label, heading line and body.
pub(super) struct SectionAcc {
    pub(super) label: String,
    pub(super) line: usize,
    pub(super) chunks: Vec<String>,
    pub(super) items: Vec<String>,
    pub(super) markdown: Option<Range<usize>>,
}

impl SectionAcc {
    pub(super) fn new(label: impl Into<String>, line: usize) -> Self {
        Self {
            label: label.into(),
            line,
            chunks: Vec::new(),
            items: Vec::new(),
            markdown: None,
        }
    }

    pub(super) fn extend_markdown(&mut self, range: Range<usize>) {
        self.markdown = Some(match self.markdown.take() {
            Some(r) => r.start..range.end.max(r.end),
            None => range,
        });
    }

    /// Add a whole block to the body.
    pub(super) fn add_block(&mut self, block: &Block<'_>) {
        if block.is(|t| matches!(t, Tag::HtmlBlock)) {
            return;
        }
        let vis = visible_of(block);
        self.chunks.extend(vis.chunks);
        self.items.extend(vis.items);
        self.extend_markdown(block.range.clone());
    }

    /// Add the part of a paragraph that follows an inline label.
    pub(super) fn add_rest(&mut self, text: &str, range: Range<usize>) {
        let text = text.trim();
        if !text.is_empty() {
            self.chunks.push(text.to_string());
            self.extend_markdown(range);
        }
    }

    pub(super) fn is_empty(&self) -> bool {
        self.chunks.is_empty() && self.items.is_empty()
    }

    pub(super) fn finish(self, src: &str) -> Section {
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
pub(super) struct RoundAcc {
    pub(super) number: u32,
    pub(super) name: String,
    pub(super) line: usize,
    pub(super) prompt: Option<String>,
    pub(super) awaiting_prompt: bool,
    pub(super) testing: Option<String>,
    pub(super) awaiting_testing: bool,
    pub(super) sections: Vec<(usize, Section)>,
    pub(super) current: Option<SectionAcc>,
}

impl RoundAcc {
    pub(super) fn new(number: u32, name: String, line: usize) -> Self {
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

    pub(super) fn close_section(&mut self, src: &str, errors: &mut Vec<ContentError>) {
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

    pub(super) fn open_section(
        &mut self,
        label: String,
        line: usize,
        src: &str,
        errors: &mut Vec<ContentError>,
    ) {
        self.close_section(src, errors);
        self.current = Some(SectionAcc::new(label, line));
    }

    pub(super) fn follow_up(&self) -> Option<String> {
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

    pub(super) fn finish(self) -> (usize, Round) {
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
pub(super) enum Mode {
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
pub(super) struct FrontMatter {
    pub(super) slug: Option<String>,
    pub(super) title: Option<String>,
}

impl FrontMatter {
    pub(super) fn parse(yaml: &str) -> Self {
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
pub(super) struct Meta {
    pub(super) category: Option<String>,
    pub(super) difficulty: Option<String>,
    pub(super) duration: Option<String>,
    pub(super) domains: Vec<String>,
}

impl Meta {
    pub(super) fn set(&mut self, key: &str, value: String) {
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
pub(super) struct SkillRow {
    pub(super) line: usize,
    pub(super) skill: Skill,
}

/// Problems of one round taken alone.
pub(super) fn round_problems(line: usize, round: &Round) -> Vec<ContentError> {
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
pub(super) fn round_block(
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
pub(super) fn preamble_prompt(round: &mut RoundAcc, text: &str) -> bool {
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
pub(super) fn bold_label(block: &Block<'_>) -> Option<(String, usize)> {
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
pub(super) fn rest_text(block: &Block<'_>, from: usize) -> Option<String> {
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
pub(super) fn strip_word<'t>(text: &'t str, word: &str) -> &'t str {
    match text.get(..word.len()) {
        Some(head) if head.eq_ignore_ascii_case(word) => text[word.len()..].trim(),
        _ => text,
    }
}
