//! Authoring: checking a source (the parser's and the checker's errors) and the preview of every
//! round as the candidate and the interviewer see it.

use std::sync::Arc;

use askama::Template;

use super::parse_as;
use crate::web::{
    error::{AppError, Result},
    round_view::{GuidanceBlock, tone},
};
use crate::{
    align::{LibraryStats, PointKind, RoundGuide},
    content::{ContentError, Gauntlet, SectionKind, check::plural, markdown_to_html},
};

/// One round of the preview: the candidate's side and the interviewer's side.
pub struct PreviewRound {
    pub number: u32,
    pub name: String,
    pub prompt: String,
    pub follow_up: Option<String>,
    pub testing: Option<String>,
    pub skill: Option<String>,
    pub guidance: Vec<GuidanceBlock>,
    /// Key points the alignment engine derives from the strong answer (claims, then terms).
    pub claims: Vec<String>,
    pub terms: Vec<String>,
}

/// The preview of a whole gauntlet, rendered as its own fragment (the page embeds it; the
/// check route returns it for the live preview).
#[derive(Template)]
#[template(path = "components/author_preview.html")]
pub struct Preview {
    pub title: String,
    pub meta: Vec<String>,
    pub domains: Vec<String>,
    pub rounds: Vec<PreviewRound>,
}

impl Preview {
    pub(super) fn of(g: &Gauntlet, stats: &LibraryStats) -> Self {
        let rounds = g
            .rounds
            .iter()
            .map(|r| {
                let points = RoundGuide::new(r, stats).align("").points;
                let (claims, terms): (Vec<_>, Vec<_>) =
                    points.into_iter().partition(|p| p.kind == PointKind::Claim);
                PreviewRound {
                    number: r.number,
                    name: r.name.clone(),
                    prompt: r.prompt.clone(),
                    follow_up: r.follow_up.clone(),
                    testing: r.testing.clone(),
                    skill: g.skill_for(r.number).map(str::to_string),
                    guidance: r
                        .sections
                        .iter()
                        .filter(|s| s.kind() != SectionKind::FollowUp || r.follow_up.is_none())
                        .map(|s| GuidanceBlock {
                            label: s.label.clone(),
                            tone: tone(s.kind()),
                            html: Arc::from(markdown_to_html(&s.markdown)),
                        })
                        .collect(),
                    claims: claims.into_iter().map(|p| p.text).collect(),
                    terms: terms.into_iter().map(|p| p.text).collect(),
                }
            })
            .collect();
        Self {
            title: g.title.clone(),
            meta: [&g.category, &g.difficulty, &g.duration]
                .into_iter()
                .flatten()
                .cloned()
                .collect(),
            domains: g.domains.clone(),
            rounds,
        }
    }

    pub(super) fn html(&self) -> Result<String> {
        self.render()
            .map_err(|e| AppError::Internal(format!("preview template: {e}")))
    }
}

/// The checker's verdict on a source and, when it parses, the preview.
pub(super) struct Checked {
    pub(super) errors: Vec<ContentError>,
    pub(super) preview: Option<String>,
    pub(super) summary: String,
}

pub(super) fn check_source(slug: &str, source: &str, stats: &LibraryStats) -> Result<Checked> {
    match parse_as(slug, source) {
        Ok(g) => Ok(Checked {
            errors: Vec::new(),
            summary: format!(
                "No errors: {}. This is what candidates and interviewers will see.",
                plural(g.rounds.len(), "round")
            ),
            preview: Some(Preview::of(&g, stats).html()?),
        }),
        Err(errors) => Ok(Checked {
            summary: format!(
                "{} to fix before publishing.",
                plural(errors.len(), "error")
            ),
            errors,
            preview: None,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary(source: &str) -> String {
        match check_source("g", source, &LibraryStats::default()) {
            Ok(checked) => checked.summary,
            Err(e) => panic!("{e:?}"),
        }
    }

    #[test]
    fn the_verdict_counts_rounds_and_errors_in_the_singular_and_the_plural() {
        let one = include_str!("../../../tests/fixtures/content/valid/code-and-markup.md");
        let two = include_str!("../../../tests/fixtures/content/valid/minimal.md");
        assert!(
            summary(one).starts_with("No errors: 1 round. "),
            "{}",
            summary(one)
        );
        assert!(
            summary(two).starts_with("No errors: 2 rounds. "),
            "{}",
            summary(two)
        );
        assert_eq!(summary(""), "1 error to fix before publishing.");
        let broken = two.replacen("## Round 1", "## Round one", 1);
        assert_eq!(summary(&broken), "2 errors to fix before publishing.");
    }
}
