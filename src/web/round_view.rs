//! One round shown for judging — the candidate's debrief and the interviewer's review page
//! use the same block: prompt, the answer with alignment and comment highlights, the follow-up,
//! the guidance in its colour language, the skill tested, and the alignment hints.

use std::{collections::HashSet, sync::Arc};

use crate::{
    align::{Alignment, PointKind, WeakMatch},
    content::SectionKind,
    content_store::Pinned,
};

use super::highlight::{CommentSpan, Mark, Segment, segments};

/// The rubric's anchored levels, shared by self-assessment and reviews.
pub const LEVELS: [(i64, &str, &str); 4] = [
    (1, "Weak", "A common weak answer, or fell into the trap."),
    (2, "Partial", "Some of the substance, with important gaps."),
    (3, "Strong", "The substance of the strong answer."),
    (4, "Senior signal", "Strong, plus the senior signal."),
];

/// One guidance section, rendered, with its colour family.
pub struct GuidanceBlock {
    pub label: String,
    pub tone: &'static str,
    pub html: Arc<str>,
}

pub fn tone(kind: SectionKind) -> &'static str {
    match kind {
        SectionKind::StrongAnswer => "strong",
        SectionKind::WeakAnswers => "weak",
        SectionKind::TrapAlert | SectionKind::TrapQuestionVariant => "trap",
        SectionKind::SeniorSignal => "senior",
        SectionKind::FollowUp | SectionKind::Other => "other",
    }
}

/// The rendered guidance of round `round_index` of a pinned gauntlet.
pub fn guidance_blocks(pinned: &Pinned, round_index: usize) -> Vec<GuidanceBlock> {
    let round = &pinned.gauntlet.rounds[round_index];
    round
        .sections
        .iter()
        .zip(&pinned.html[round_index])
        .map(|(s, html)| GuidanceBlock {
            label: s.label.clone(),
            tone: tone(s.kind()),
            html: html.clone(),
        })
        .collect()
}

/// One key point in the list of hints.
pub struct PointView {
    pub index: usize,
    pub text: String,
    pub covered: bool,
    pub is_claim: bool,
    pub anchor: Option<String>,
}

/// One red flag in the hints.
pub struct FlagView {
    pub phrase: String,
    pub reason: String,
    pub missing: bool,
    pub anchor: Option<String>,
}

/// The follow-up question, the candidate's answer with its flagged claims marked, and the red
/// flags of that answer (aligned against the round's trap guidance).
pub struct FollowUpView {
    pub question: String,
    pub answer: Vec<Segment>,
    pub empty: bool,
    pub flags: Vec<FlagView>,
}

/// A reviewer comment anchored to a span of the answer.
pub struct CommentView {
    pub id: i64,
    pub quote: String,
    pub body: String,
    pub author: String,
    pub anchor: String,
    /// Whether the viewer wrote it (and may delete it).
    pub mine: bool,
}

/// Everything shown for one round.
pub struct RoundView {
    pub number: u32,
    pub name: String,
    pub prompt: String,
    pub skill: Option<String>,
    pub answer: Vec<Segment>,
    pub answer_empty: bool,
    pub follow_up: Option<FollowUpView>,
    pub guidance: Vec<GuidanceBlock>,
    pub points: Vec<PointView>,
    pub flags: Vec<FlagView>,
    pub weak_hint: Option<String>,
    /// The round's weak answers (for the rubric's "resembles weak answer k" flags).
    pub weak_answers: Vec<String>,
    /// Each weak answer's short text (the part before its explanation), for the flags' labels.
    pub weak_labels: Vec<String>,
    /// Whether the round has a trap (Trap Alert or Trap Question Variant).
    pub has_trap: bool,
    pub comments: Vec<CommentView>,
}

impl RoundView {
    /// Key points (claims of the Strong Answer) covered; key terms are counted apart.
    pub fn covered_count(&self) -> usize {
        self.points
            .iter()
            .filter(|p| p.is_claim && p.covered)
            .count()
    }

    /// Key points (claims) in all.
    pub fn point_count(&self) -> usize {
        self.points.iter().filter(|p| p.is_claim).count()
    }

    /// Covered key points as a whole percentage of all key points (exactly N of M).
    pub fn covered_percent(&self) -> usize {
        percent(self.covered_count(), self.point_count())
    }

    /// Key terms covered.
    pub fn terms_covered(&self) -> usize {
        self.points
            .iter()
            .filter(|p| !p.is_claim && p.covered)
            .count()
    }

    /// Key terms in all.
    pub fn term_count(&self) -> usize {
        self.points.iter().filter(|p| !p.is_claim).count()
    }
}

/// What the rubric beside a round shows of it: cheap to build (no alignment, no highlights).
pub struct RoundHead {
    pub number: u32,
    pub name: String,
    pub skill: Option<String>,
    /// The round's weak answers (for the rubric's "resembles weak answer k" flags).
    pub weak_answers: Vec<String>,
    /// Each weak answer's short text, for the flags' labels.
    pub weak_labels: Vec<String>,
    /// Whether the round has a trap (Trap Alert or Trap Question Variant).
    pub has_trap: bool,
}

/// The head of round `index` of a pinned gauntlet.
pub fn head(pinned: &Pinned, index: usize) -> RoundHead {
    let g = &pinned.gauntlet;
    let r = &g.rounds[index];
    let weak = r.weak_answers();
    RoundHead {
        number: r.number,
        name: r.name.clone(),
        skill: g.skill_for(r.number).map(str::to_string),
        weak_answers: weak.iter().map(|w| w.to_string()).collect(),
        weak_labels: weak.iter().map(|w| weak_short(w)).collect(),
        has_trap: r.section(SectionKind::TrapAlert).is_some()
            || r.section(SectionKind::TrapQuestionVariant).is_some(),
    }
}

/// `n` of `m` as a rounded whole percentage (0 when there is nothing to count).
pub fn percent(n: usize, m: usize) -> usize {
    (n * 100 + m / 2).checked_div(m).unwrap_or(0)
}

/// A stored comment as the view needs it.
pub struct CommentInput {
    pub id: i64,
    pub start: usize,
    pub end: usize,
    pub quote: String,
    pub body: String,
    pub author: String,
    pub mine: bool,
}

impl CommentInput {
    /// From a stored comment; `None` if its span is unusable.
    pub fn from_stored(c: &crate::db::reviews::Comment, author: &str, mine: bool) -> Option<Self> {
        Some(Self {
            id: c.id,
            start: usize::try_from(c.span_start).ok()?,
            end: usize::try_from(c.span_end).ok()?,
            quote: c.quote.clone(),
            body: c.body.clone(),
            author: author.to_string(),
            mine,
        })
    }
}

/// Builds the view of round `index` for an answer, its follow-up answer, the alignment of the
/// answer and the comments to show.
pub fn build(
    pinned: &Pinned,
    index: usize,
    answer: &str,
    follow_up_answer: Option<&str>,
    alignment: &Alignment,
    comments: Vec<CommentInput>,
) -> RoundView {
    let r = &pinned.gauntlet.rounds[index];
    let RoundHead {
        number,
        name,
        skill,
        weak_answers,
        weak_labels,
        has_trap,
    } = head(pinned, index);
    let prefix = format!("r{number}");
    let spans: Vec<CommentSpan> = comments.iter().map(|c| (c.id, c.start, c.end)).collect();
    let segs = segments(answer, Some(alignment), &spans, &prefix);
    let anchors: HashSet<&str> = segs.iter().filter_map(|s| s.anchor.as_deref()).collect();
    let points = point_views(alignment, &prefix, &anchors);
    let flags = flag_views(alignment, &prefix, &anchors);
    let weak_hint = weak_hint(&alignment.weak_matches, &r.weak_answers());
    RoundView {
        number,
        name,
        prompt: r.prompt.clone(),
        skill,
        answer_empty: answer.is_empty(),
        answer: segs,
        follow_up: r
            .follow_up
            .clone()
            .map(|question| follow_up_view(pinned, index, &prefix, question, follow_up_answer)),
        guidance: guidance_blocks(pinned, index),
        points,
        flags,
        weak_hint,
        weak_answers,
        weak_labels,
        has_trap,
        comments: comment_views(comments, &prefix),
    }
}

/// The follow-up question of round `index`, its answer with the flagged claims marked, and
/// that answer's red flags.
fn follow_up_view(
    pinned: &Pinned,
    index: usize,
    prefix: &str,
    question: String,
    answer: Option<&str>,
) -> FollowUpView {
    let answer = answer.unwrap_or_default();
    let fu = pinned.align_follow_up(index, answer);
    let fu_prefix = format!("{prefix}-fu");
    let segs = segments(answer, Some(&fu), &[], &fu_prefix);
    let fu_anchors: HashSet<&str> = segs.iter().filter_map(|s| s.anchor.as_deref()).collect();
    let flags = flag_views(&fu, &fu_prefix, &fu_anchors);
    FollowUpView {
        question,
        empty: answer.is_empty(),
        answer: segs,
        flags,
    }
}

/// The short text of a weak answer: what the candidate says, without the explanation after
/// " — " (or after the first sentence), Markdown emphasis removed, at most 80 characters.
pub fn weak_short(text: &str) -> String {
    let plain = text.replace("**", "").replace('`', "");
    let head = match plain.split_once(" — ").or_else(|| plain.split_once(" - ")) {
        Some((head, _)) => head,
        None => plain.find(". ").map_or(plain.as_str(), |i| &plain[..=i]),
    };
    let head = head.trim();
    if head.chars().count() <= 80 {
        head.to_string()
    } else {
        let cut: String = head.chars().take(79).collect();
        format!("{}…", cut.trim_end())
    }
}

/// The key points of an alignment, each with the anchor of its first marked run when shown.
fn point_views(alignment: &Alignment, prefix: &str, anchors: &HashSet<&str>) -> Vec<PointView> {
    alignment
        .points
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let id = Mark::Point(i).anchor(prefix);
            PointView {
                index: i,
                text: p.text.clone(),
                covered: p.covered,
                is_claim: p.kind == PointKind::Claim,
                anchor: anchors.contains(id.as_str()).then_some(id),
            }
        })
        .collect()
}

/// "Resembles weak answer k: …" for the weak answer the answer resembles most, if at least
/// half.
fn weak_hint(matches: &[WeakMatch], weak: &[&str]) -> Option<String> {
    matches
        .iter()
        .filter(|w| w.score >= 0.5)
        .max_by(|a, b| a.score.total_cmp(&b.score))
        .and_then(|w| {
            weak.get(w.index)
                .map(|t| format!("Resembles weak answer {}: {}", w.index + 1, t))
        })
}

/// The comments as shown beside the answer, each anchored on its marked run.
fn comment_views(comments: Vec<CommentInput>, prefix: &str) -> Vec<CommentView> {
    comments
        .into_iter()
        .map(|c| CommentView {
            anchor: Mark::Comment(c.id).anchor(prefix),
            id: c.id,
            quote: c.quote,
            body: c.body,
            author: c.author,
            mine: c.mine,
        })
        .collect()
}

/// The red flags of an alignment, each with the anchor of its marked phrase when shown.
fn flag_views(alignment: &Alignment, prefix: &str, anchors: &HashSet<&str>) -> Vec<FlagView> {
    alignment
        .red_flags
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let id = Mark::Flag(i).anchor(prefix);
            FlagView {
                phrase: f.phrase.clone(),
                reason: f.reason.clone(),
                missing: f.missing_hedge,
                anchor: anchors.contains(id.as_str()).then_some(id),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_weak_answer_is_labelled_by_what_the_candidate_says() {
        assert_eq!(
            weak_short("\"Just use a CDN.\" — CDNs cache static content but don't solve it."),
            "\"Just use a CDN.\""
        );
        assert_eq!(
            weak_short("No mention of the **data layer**. Skipping it shows a gap."),
            "No mention of the data layer."
        );
        let long = "word ".repeat(40);
        let short = weak_short(&long);
        assert!(
            short.ends_with('…') && short.chars().count() <= 80,
            "{short}"
        );
    }

    #[test]
    fn the_hint_names_the_closest_weak_answer_from_half_a_resemblance_up() {
        let at = |index, score| WeakMatch {
            index,
            score,
            answer_spans: Vec::new(),
        };
        let weak = ["Just use a CDN.", "Add more servers."];
        assert_eq!(
            weak_hint(&[at(0, 0.6), at(1, 0.8)], &weak).as_deref(),
            Some("Resembles weak answer 2: Add more servers.")
        );
        assert_eq!(weak_hint(&[at(0, 0.49)], &weak), None);
        assert_eq!(weak_hint(&[at(5, 0.9)], &weak), None);
        assert_eq!(weak_hint(&[], &weak), None);
    }

    #[test]
    fn percentages_equal_the_counts_they_describe() {
        assert_eq!(percent(27, 30), 90);
        assert_eq!(percent(7, 34), 21);
        assert_eq!(percent(12, 28), 43);
        assert_eq!(percent(0, 0), 0);
        assert_eq!(percent(1, 3), 33);
        assert_eq!(percent(2, 3), 67);
    }
}
