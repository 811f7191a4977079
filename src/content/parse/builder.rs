//! The state machine that walks a document's top-level blocks into a [`Gauntlet`].

use pulldown_cmark::{Event, HeadingLevel, Tag, TagEnd};

use super::acc::{
    FrontMatter, Meta, Mode, RoundAcc, SectionAcc, SkillRow, round_block, round_problems,
    strip_word,
};
use super::blocks::{Block, visible, visible_of};
use super::labels::{
    is_separator_row, is_skills_heading, label_of, looks_like_round, parse_round_heading,
    split_metadata, split_pipe_row, strip_label,
};
use super::{INTRO_LABEL, LineIndex, slug_from_file_name, slugify};
use crate::content::model::{ContentError, Gauntlet, Round, Section, Skill};

/// The state machine over top-level blocks.
pub(super) struct Builder<'s> {
    pub(super) src: &'s str,
    pub(super) lines: &'s LineIndex,
    pub(super) errors: Vec<ContentError>,
    pub(super) front: FrontMatter,
    pub(super) title: Option<(usize, String)>,
    pub(super) meta: Meta,
    pub(super) intro: Option<SectionAcc>,
    pub(super) mode: Mode,
    pub(super) rounds: Vec<(usize, Round)>,
    pub(super) extras: Vec<Section>,
    pub(super) skills: Vec<SkillRow>,
}

impl<'s> Builder<'s> {
    pub(super) fn new(src: &'s str, lines: &'s LineIndex) -> Self {
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

    pub(super) fn line(&self, offset: usize) -> usize {
        self.lines.line(offset)
    }

    pub(super) fn error(&mut self, line: usize, message: impl Into<String>) {
        self.errors.push(ContentError::new(line, message));
    }

    /// Handle one top-level block.
    pub(super) fn block(&mut self, block: &Block<'_>) {
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

    pub(super) fn heading(&mut self, level: HeadingLevel, block: &Block<'_>) {
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

    pub(super) fn title_heading(&mut self, text: String, line: usize) {
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
    pub(super) fn close_all(&mut self) {
        match std::mem::replace(&mut self.mode, Mode::Intro) {
            Mode::Round(mut round) => {
                round.close_section(self.src, &mut self.errors);
                self.rounds.push(round.finish());
            }
            Mode::Extra { acc, skills } => self.push_extra(acc, skills),
            Mode::Intro | Mode::Skip => {}
        }
    }

    pub(super) fn push_extra(&mut self, acc: SectionAcc, skills: bool) {
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
    pub(super) fn body(&mut self, block: &Block<'_>) {
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
    pub(super) fn intro_block(&mut self, block: &Block<'_>) {
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
    pub(super) fn skills_rows(&self, block: &Block<'_>) -> Option<Vec<(usize, Vec<String>)>> {
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
    pub(super) fn table_rows(&self, block: &Block<'_>) -> Vec<(usize, Vec<String>)> {
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
    pub(super) fn pipe_rows(&self, block: &Block<'_>) -> Option<Vec<(usize, Vec<String>)>> {
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

    pub(super) fn skill_row(&mut self, line: usize, cells: &[String]) {
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
    pub(super) fn finish(
        mut self,
        file_name: &str,
        version: String,
    ) -> Result<Gauntlet, Vec<ContentError>> {
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

    pub(super) fn resolve_title(&mut self) -> String {
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

    pub(super) fn resolve_slug(&mut self, file_name: &str) -> String {
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

    pub(super) fn check_rounds(&mut self) {
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

    pub(super) fn check_skills(&mut self) {
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
