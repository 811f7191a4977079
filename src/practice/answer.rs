//! What an answer text may contain.

/// The longest answer accepted, in Unicode scalar values.
pub const MAX_CHARS: usize = 50_000;

/// Why an answer text was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerProblem {
    TooLong { chars: usize },
    ControlCharacter,
}

impl AnswerProblem {
    /// A message that says what to do.
    pub fn message(&self) -> String {
        match self {
            Self::TooLong { chars } => format!(
                "Your answer has {chars} characters; the limit is {MAX_CHARS}. Shorten it and save again — the last saved version is kept."
            ),
            Self::ControlCharacter => "The text contains invisible control characters (such as NUL). Remove them and save again.".into(),
        }
    }
}

/// Checks length and characters (tabs and newlines are fine; other C0 controls are not).
pub fn check_answer(body: &str) -> Result<(), AnswerProblem> {
    let chars = body.chars().count();
    if chars > MAX_CHARS {
        return Err(AnswerProblem::TooLong { chars });
    }
    if body
        .chars()
        .any(|c| (c.is_control() && c != '\n' && c != '\t') && (c as u32) < 0x20 || c == '\u{7f}')
    {
        return Err(AnswerProblem::ControlCharacter);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_and_characters() {
        assert!(check_answer(&"a".repeat(MAX_CHARS)).is_ok());
        assert_eq!(
            check_answer(&"é".repeat(MAX_CHARS + 1)),
            Err(AnswerProblem::TooLong {
                chars: MAX_CHARS + 1
            })
        );
        assert_eq!(
            check_answer("a\u{0}b"),
            Err(AnswerProblem::ControlCharacter)
        );
        assert!(check_answer("tabs\tand\nnewlines, emoji 👩‍💻, RTL \u{202e} ok").is_ok());
    }
}
