//! The typed gauntlet model: what a parsed gauntlet document is, independent of its source form.

use serde::Serialize;

/// One parsed gauntlet. Serialises to the JSON shape documented for `gauntlet content show --json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gauntlet {
    /// URL-safe identifier: the file stem (lowercase `a-z0-9-`), or a front-matter `slug:`.
    pub slug: String,
    /// Title without the "Interview Gauntlet:" prefix.
    pub title: String,
    pub category: Option<String>,
    pub difficulty: Option<String>,
    /// As written by the author, e.g. "15-20 minutes".
    pub duration: Option<String>,
    pub domains: Vec<String>,
    /// Hex hash of the source text; identifies this exact version of the document.
    pub version: String,
    pub rounds: Vec<Round>,
    pub skills: Vec<Skill>,
    /// Document-level sections outside the rounds (e.g. "Prerequisite Topic Packs"), kept in order.
    pub extras: Vec<Section>,
}

/// One interview round.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Round {
    pub number: u32,
    /// e.g. "The Probe".
    pub name: String,
    /// The interviewer's question, without surrounding quotes.
    pub prompt: String,
    /// "What the interviewer is testing", when given.
    pub testing: Option<String>,
    /// The trap follow-up question the candidate answers right after this round, when there is one.
    pub follow_up: Option<String>,
    /// Labelled guidance sections in document order (Strong Answer, Common Weak Answers, ...).
    pub sections: Vec<Section>,
}

/// A labelled block of guidance: paragraphs (and code) in `text`, list items in `items`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Section {
    /// Label without the trailing colon, as written (e.g. "Strong Answer").
    pub label: String,
    /// Visible text: Markdown markers removed, paragraphs and code blocks separated by a blank line.
    pub text: String,
    /// List items, visible text, in order.
    pub items: Vec<String>,
    /// The section body as Markdown, for rendering; not part of the JSON shape.
    #[serde(skip)]
    pub markdown: String,
}

/// One row of the closing "What This Sequence Tested" table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skill {
    pub round: u32,
    pub skill: String,
}

/// The well-known kinds of guidance section, recognised from their label in any case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SectionKind {
    StrongAnswer,
    WeakAnswers,
    TrapAlert,
    TrapQuestionVariant,
    SeniorSignal,
    FollowUp,
    /// Any other label: kept and shown, never dropped.
    Other,
}

impl SectionKind {
    /// Classify a label ("strong answer", "The Senior Signal:", ...): its words in any case,
    /// with any spacing, a leading "the" and a trailing colon. Allocates nothing, since pages
    /// look sections up by kind on every view.
    pub fn of_label(label: &str) -> Self {
        const KINDS: &[(&[&str], SectionKind)] = &[
            (&["strong", "answer"], SectionKind::StrongAnswer),
            (&["strong", "answers"], SectionKind::StrongAnswer),
            (&["common", "weak", "answers"], SectionKind::WeakAnswers),
            (&["common", "weak", "answer"], SectionKind::WeakAnswers),
            (&["weak", "answers"], SectionKind::WeakAnswers),
            (&["weak", "answer"], SectionKind::WeakAnswers),
            (&["trap", "alert"], SectionKind::TrapAlert),
            (
                &["trap", "question", "variant"],
                SectionKind::TrapQuestionVariant,
            ),
            (&["trap", "question"], SectionKind::TrapQuestionVariant),
            (&["senior", "signal"], SectionKind::SeniorSignal),
            (&["follow-up"], SectionKind::FollowUp),
            (&["follow", "up"], SectionKind::FollowUp),
            (&["followup"], SectionKind::FollowUp),
            (&["follow-up", "question"], SectionKind::FollowUp),
        ];
        // no known label has more than three words after "the"
        let mut words = [""; 4];
        let mut n = 0;
        for word in label.trim().trim_end_matches(':').split_whitespace() {
            let Some(slot) = words.get_mut(n) else {
                return Self::Other;
            };
            *slot = word;
            n += 1;
        }
        let mut words = &words[..n];
        // "the" goes only when a word follows it ("The Senior Signal", not "The")
        if words.len() > 1 && same_word(words[0], "the") {
            words = &words[1..];
        }
        KINDS
            .iter()
            .find(|(phrase, _)| {
                phrase.len() == words.len()
                    && phrase.iter().zip(words).all(|(p, w)| same_word(w, p))
            })
            .map_or(Self::Other, |(_, kind)| *kind)
    }
}

/// Whether `word` is `lower` (all lower case) in any case.
fn same_word(word: &str, lower: &str) -> bool {
    if word.is_ascii() {
        word.eq_ignore_ascii_case(lower)
    } else {
        word.chars().flat_map(char::to_lowercase).eq(lower.chars())
    }
}

impl Section {
    pub fn kind(&self) -> SectionKind {
        SectionKind::of_label(&self.label)
    }
}

impl Round {
    /// The first section of the given kind, if any.
    pub fn section(&self, kind: SectionKind) -> Option<&Section> {
        self.sections.iter().find(|s| s.kind() == kind)
    }

    /// The round's weak answers, one per list item (or the paragraph text when not a list).
    pub fn weak_answers(&self) -> Vec<&str> {
        match self.section(SectionKind::WeakAnswers) {
            Some(s) if !s.items.is_empty() => s.items.iter().map(String::as_str).collect(),
            Some(s) if !s.text.is_empty() => vec![s.text.as_str()],
            _ => Vec::new(),
        }
    }
}

impl Gauntlet {
    /// The skill tested by round `number`, from the closing table.
    pub fn skill_for(&self, number: u32) -> Option<&str> {
        self.skills
            .iter()
            .find(|s| s.round == number)
            .map(|s| s.skill.as_str())
    }

    /// Total planned minutes: the upper bound of `duration` ("15-20 minutes" → 20), if it has one.
    pub fn duration_minutes(&self) -> Option<u32> {
        let d = self.duration.as_deref()?;
        d.split(|c: char| !c.is_ascii_digit())
            .filter(|s| !s.is_empty())
            .filter_map(|s| s.parse::<u32>().ok())
            .filter(|&m| m > 0 && m <= 600)
            .max()
    }
}

/// A problem found in a content file: a 1-based line and a message an author can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ContentError {
    pub line: usize,
    pub message: String,
}

impl ContentError {
    pub fn new(line: usize, message: impl Into<String>) -> Self {
        Self {
            line,
            message: message.into(),
        }
    }

    /// `file:line: message`, the form every tool prints.
    pub fn display_in(&self, file: &str) -> String {
        format!("{file}:{}: {}", self.line, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_recognised_in_any_case_and_with_or_without_colon() {
        use SectionKind::*;
        let cases = [
            ("Strong Answer:", StrongAnswer),
            ("the senior signal", SeniorSignal),
            ("TRAP ALERT", TrapAlert),
            ("Follow-up:", FollowUp),
            ("Follow-Up Question:", FollowUp),
            ("  The   COMMON weak\tAnswers :", WeakAnswers),
            ("The Trap Question Variant", TrapQuestionVariant),
            // a letter whose lower case is ASCII (the Kelvin sign) reads as that letter
            ("Wea\u{212A} answer", WeakAnswers),
            ("Whiteboard Hint", Other),
            ("The", Other),
            ("the the senior signal", Other),
            ("Senior", Other),
            ("senior signal extra", Other),
            ("a b c d e", Other),
        ];
        for (label, kind) in cases {
            assert_eq!(SectionKind::of_label(label), kind, "{label:?}");
        }
    }

    #[test]
    fn duration_minutes_takes_the_upper_bound() {
        let mut g = Gauntlet {
            slug: "x".into(),
            title: "X".into(),
            category: None,
            difficulty: None,
            duration: Some("15-20 minutes".into()),
            domains: vec![],
            version: "v".into(),
            rounds: vec![],
            skills: vec![],
            extras: vec![],
        };
        assert_eq!(g.duration_minutes(), Some(20));
        g.duration = Some("about half an hour".into());
        assert_eq!(g.duration_minutes(), None);
    }
}
