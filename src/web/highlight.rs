//! Turns an answer and the alignment engine's spans into display segments, so templates can
//! wrap covered points and red flags in `<mark>` while every piece of text stays escaped.

use crate::align::Alignment;

/// A run of answer text with the marks that cover it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    pub text: String,
    /// Indexes of the covered key points this run belongs to.
    pub points: Vec<usize>,
    /// Whether a red flag covers this run.
    pub flagged: bool,
    /// Ids of the reviewer comments anchored on this run.
    pub comments: Vec<i64>,
    /// The anchor id of the first run of each point or flag (for links from the point list).
    pub anchor: Option<String>,
}

impl Segment {
    pub fn is_marked(&self) -> bool {
        self.flagged || !self.points.is_empty() || !self.comments.is_empty()
    }

    /// CSS classes for the mark.
    pub fn class(&self) -> &'static str {
        match (
            !self.points.is_empty(),
            self.flagged,
            !self.comments.is_empty(),
        ) {
            (false, false, false) => "",
            (true, false, false) => "hl-covered",
            (false, true, false) => "hl-flag",
            (false, false, true) => "hl-comment",
            (true, true, false) => "hl-covered hl-flag",
            (true, false, true) => "hl-covered hl-comment",
            (false, true, true) => "hl-flag hl-comment",
            (true, true, true) => "hl-covered hl-flag hl-comment",
        }
    }

    /// The comment ids as a space-separated attribute value (`c3 c7`).
    pub fn comment_ids(&self) -> IdList<'_, i64> {
        IdList('c', &self.comments)
    }

    /// The point ids as a space-separated attribute value (`p3 p7`).
    pub fn point_ids(&self) -> IdList<'_, usize> {
        IdList('p', &self.points)
    }
}

/// Ids written as `p3 p7` without building a string first (the review page writes thousands).
pub struct IdList<'a, T>(char, &'a [T]);

impl<T: std::fmt::Display> std::fmt::Display for IdList<'_, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, id) in self.1.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write!(f, "{}{id}", self.0)?;
        }
        Ok(())
    }
}

/// A reviewer comment's span in the answer: (comment id, start, end) in bytes.
pub type CommentSpan = (i64, usize, usize);

/// Splits `answer` at every span boundary of the covered points, red flags and comments.
/// `prefix` makes anchor ids unique on a page with several answers (e.g. `r2`).
pub fn segments(
    answer: &str,
    alignment: Option<&Alignment>,
    comments: &[CommentSpan],
    prefix: &str,
) -> Vec<Segment> {
    let marks = marks(alignment, comments);
    let mut seen_anchor = std::collections::HashSet::new();
    let mut out = Vec::new();
    for w in cuts(answer, &marks).windows(2) {
        let (a, b) = (w[0], w[1]);
        if a >= b {
            continue;
        }
        let mut seg = Segment {
            text: answer[a..b].to_string(),
            points: Vec::new(),
            flagged: false,
            comments: Vec::new(),
            anchor: None,
        };
        for (_, _, m) in marks.iter().filter(|(s, e, _)| *s <= a && b <= *e) {
            match m {
                Mark::Point(i) => seg.points.push(*i),
                Mark::Flag(_) => seg.flagged = true,
                Mark::Comment(c) => seg.comments.push(*c),
            }
            let id = m.anchor(prefix);
            if seg.anchor.is_none() && seen_anchor.insert(id.clone()) {
                seg.anchor = Some(id);
            }
        }
        seg.points.sort_unstable();
        seg.points.dedup();
        out.push(seg);
    }
    out
}

/// A marked byte range of the answer: start, end and what marks it.
type MarkSpan = (usize, usize, Mark);

/// The spans of the covered points, the red flags and the comments.
fn marks(alignment: Option<&Alignment>, comments: &[CommentSpan]) -> Vec<MarkSpan> {
    let mut marks: Vec<MarkSpan> = Vec::new();
    if let Some(alignment) = alignment {
        for (i, p) in alignment
            .points
            .iter()
            .enumerate()
            .filter(|(_, p)| p.covered)
        {
            marks.extend(p.answer_spans.iter().map(|s| (s[0], s[1], Mark::Point(i))));
        }
        for (i, f) in alignment.red_flags.iter().enumerate() {
            marks.extend(f.answer_spans.iter().map(|s| (s[0], s[1], Mark::Flag(i))));
        }
    }
    marks.extend(comments.iter().map(|&(id, s, e)| (s, e, Mark::Comment(id))));
    marks
}

/// Where the answer is cut, sorted and unique: its ends and the ends of every usable span
/// (not empty, inside the answer, on character boundaries).
fn cuts(answer: &str, marks: &[MarkSpan]) -> Vec<usize> {
    let mut cuts: Vec<usize> = vec![0, answer.len()];
    for (s, e, _) in marks {
        if *s < *e
            && *e <= answer.len()
            && answer.is_char_boundary(*s)
            && answer.is_char_boundary(*e)
        {
            cuts.push(*s);
            cuts.push(*e);
        }
    }
    cuts.sort_unstable();
    cuts.dedup();
    cuts
}

/// What a marked run of the answer stands for; its anchor id links the run and the list
/// entry beside the answer (`round_view`).
#[derive(Debug, Clone, Copy)]
pub enum Mark {
    Point(usize),
    Flag(usize),
    Comment(i64),
}

impl Mark {
    /// The id of the mark's anchor: `r2-p0`, `r2-f1`, `r2-c9`.
    pub fn anchor(self, prefix: &str) -> String {
        match self {
            Mark::Point(i) => format!("{prefix}-p{i}"),
            Mark::Flag(i) => format!("{prefix}-f{i}"),
            Mark::Comment(c) => format!("{prefix}-c{c}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::align::{PointMatch, RedFlag};

    fn point(covered: bool, spans: Vec<[usize; 2]>) -> PointMatch {
        PointMatch {
            text: "x".into(),
            covered,
            guidance_span: [0, 1],
            answer_spans: spans,
            item: None,
            kind: crate::align::PointKind::Claim,
            score: 1.0,
            weight: 1.0,
        }
    }

    #[test]
    fn cuts_skip_empty_out_of_range_and_mid_character_spans() {
        let answer = "naïve plan";
        let marks = [
            (0, 5, Mark::Point(0)),
            (6, 6, Mark::Flag(0)),
            (3, 4, Mark::Comment(1)),
            (8, 40, Mark::Comment(2)),
            (6, 11, Mark::Comment(3)),
            (0, 5, Mark::Flag(1)),
        ];
        assert_eq!(cuts(answer, &marks), [0, 5, 6, 11]);
        assert_eq!(cuts("", &[]), [0]);
    }

    #[test]
    fn segments_cover_the_whole_text_and_mark_spans() {
        let answer = "promote the replica; zero data loss";
        let a = Alignment {
            coverage: 0.5,
            points: vec![point(true, vec![[0, 7]]), point(false, vec![[12, 19]])],
            weak_matches: vec![],
            red_flags: vec![RedFlag {
                phrase: "zero data loss".into(),
                reason: "r".into(),
                answer_spans: vec![[21, 35]],
                missing_hedge: false,
            }],
        };
        let segs = segments(answer, Some(&a), &[(9, 8, 19)], "r1");
        let joined: String = segs.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(joined, answer);
        assert_eq!(segs[0].text, "promote");
        assert_eq!(segs[0].class(), "hl-covered");
        assert_eq!(segs[0].point_ids().to_string(), "p0");
        let commented = segs.iter().find(|s| !s.comments.is_empty()).unwrap();
        assert_eq!(commented.comment_ids().to_string(), "c9");
        assert_eq!(commented.class(), "hl-comment");
        assert_eq!(IdList('p', &[3usize, 7]).to_string(), "p3 p7");
        assert_eq!(segs[0].anchor.as_deref(), Some("r1-p0"));
        let flag = segs.iter().find(|s| s.flagged).unwrap();
        assert_eq!(flag.text, "zero data loss");
        assert!(
            segs.iter().all(|s| !s.points.contains(&1)),
            "missed points are not marked"
        );
    }
}
