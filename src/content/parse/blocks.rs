//! Top-level Markdown blocks of a gauntlet document and their visible text.

use std::ops::Range;

use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};

pub(super) type Spanned<'a> = (Event<'a>, Range<usize>);

/// One top-level Markdown block with all its events (including its own start and end).
pub(super) struct Block<'a> {
    pub(super) events: Vec<Spanned<'a>>,
    pub(super) range: Range<usize>,
}

impl<'a> Block<'a> {
    pub(super) fn first(&self) -> Option<&Event<'a>> {
        self.events.first().map(|(e, _)| e)
    }

    pub(super) fn heading_level(&self) -> Option<HeadingLevel> {
        match self.first() {
            Some(Event::Start(Tag::Heading { level, .. })) => Some(*level),
            _ => None,
        }
    }

    pub(super) fn is(&self, pred: impl Fn(&Tag<'a>) -> bool) -> bool {
        matches!(self.first(), Some(Event::Start(tag)) if pred(tag))
    }
}

/// The parser options every gauntlet document is read with.
pub(crate) fn markdown_options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_YAML_STYLE_METADATA_BLOCKS
}

/// Group the document's events into top-level blocks.
pub(super) fn split_blocks(text: &str) -> Vec<Block<'_>> {
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
pub(super) struct VisibleWalker {
    pub(super) out: Visible,
    pub(super) chunk: String,
    pub(super) item_stack: Vec<usize>,
    pub(super) code_depth: usize,
}

impl VisibleWalker {
    pub(super) fn target(&mut self) -> &mut String {
        match self.item_stack.last() {
            Some(&i) => &mut self.out.items[i],
            None => &mut self.chunk,
        }
    }

    pub(super) fn flush_chunk(&mut self, is_code: bool) {
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

    pub(super) fn event(&mut self, event: &Event<'_>) {
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

    pub(super) fn end_block(&mut self, is_code: bool) {
        if self.item_stack.is_empty() {
            self.flush_chunk(is_code);
        } else {
            self.target().push(if is_code { '\n' } else { ' ' });
        }
    }

    pub(super) fn finish(mut self) -> Visible {
        self.flush_chunk(false);
        for item in &mut self.out.items {
            *item = item.trim().to_string();
        }
        self.out.items.retain(|i| !i.is_empty());
        self.out
    }
}

/// The visible text of a run of events.
pub(super) fn visible<'e, 'a: 'e>(events: impl IntoIterator<Item = &'e Event<'a>>) -> Visible {
    let mut walker = VisibleWalker::default();
    for event in events {
        walker.event(event);
    }
    walker.finish()
}

pub(super) fn visible_of(block: &Block<'_>) -> Visible {
    visible(block.events.iter().map(|(e, _)| e))
}

/// The visible text of an inline Markdown fragment (e.g. one table cell).
pub(crate) fn inline_visible(markdown: &str) -> String {
    let events: Vec<Event<'_>> = Parser::new_ext(markdown, markdown_options()).collect();
    visible(events.iter()).text()
}
