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

/// Whether a free-text field refuses `c`: every control character (C0 U+0000–U+001F, DEL
/// U+007F and C1 U+0080–U+009F) except tab and newline. Answers, review comments and
/// summaries, self-assessment notes, invite notes and names all follow this rule.
pub fn is_refused_control(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

/// Whether `text` holds a character that [`is_refused_control`] refuses.
pub fn has_refused_control(text: &str) -> bool {
    // read as bytes: in UTF-8, C0 and DEL are single bytes and C1 is 0xC2 then 0x80–0x9F
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(i, b)| match b {
        b'\n' | b'\t' => false,
        0x00..=0x1F | 0x7F => true,
        0xC2 => matches!(bytes.get(i + 1), Some(0x80..=0x9F)),
        _ => false,
    })
}

/// Why a submit is refused, or `None`: the text rules of [`check_answer`], and an answer must
/// say something (a candidate who skips a round says so in a sentence).
pub fn submit_refusal(body: &str) -> Option<String> {
    match check_answer(body) {
        Err(problem) => Some(problem.message()),
        Ok(()) if body.trim().is_empty() => Some(
            "Write an answer before submitting. If you want to skip the round, say so in a sentence — interviewers read that too.".into(),
        ),
        Ok(()) => None,
    }
}

/// Checks length and characters (tabs and newlines are fine; other controls are not).
pub fn check_answer(body: &str) -> Result<(), AnswerProblem> {
    // a text of at most MAX_CHARS bytes has at most that many characters: no count needed
    if body.len() > MAX_CHARS {
        let chars = body.chars().count();
        if chars > MAX_CHARS {
            return Err(AnswerProblem::TooLong { chars });
        }
    }
    if has_refused_control(body) {
        return Err(AnswerProblem::ControlCharacter);
    }
    Ok(())
}

/// Finds `quote` in `answer` and returns its byte span: the occurrence nearest to `hint`
/// (a character offset from the page's selection), or the first one.
pub fn locate_quote(answer: &str, quote: &str, hint: Option<usize>) -> Option<(usize, usize)> {
    if quote.is_empty() {
        return None;
    }
    let starts: Vec<usize> = answer.match_indices(quote).map(|(i, _)| i).collect();
    let hint_byte = hint.map(|h| {
        answer
            .char_indices()
            .nth(h)
            .map_or(answer.len(), |(b, _)| b)
    });
    let best = match hint_byte {
        Some(h) => starts.into_iter().min_by_key(|s| s.abs_diff(h)),
        None => starts.into_iter().next(),
    }?;
    Some((best, best + quote.len()))
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

    #[test]
    fn t63_c0_del_and_c1_controls_are_refused_tab_and_newline_are_not() {
        for c in (0u32..0x20).chain(0x7f..=0x9f).filter_map(char::from_u32) {
            let ok = c == '\n' || c == '\t';
            assert_eq!(is_refused_control(c), !ok, "U+{:04X}", c as u32);
            let body = format!("before{c}after");
            assert_eq!(
                check_answer(&body).is_ok(),
                ok,
                "U+{:04X} in an answer",
                c as u32
            );
        }
        // the neighbours of the C1 block, format characters and non-ASCII letters stay allowed
        for c in [
            ' ', '~', '\u{a0}', 'é', '\u{200b}', '\u{202e}', '\u{feff}', '👩',
        ] {
            assert!(!is_refused_control(c), "U+{:04X}", c as u32);
        }
        assert!(has_refused_control("a\u{85}b"));
        // the byte scan agrees with the character rule, whatever surrounds the character
        for c in (0u32..0x3000)
            .chain(0x1f400..0x1f500)
            .filter_map(char::from_u32)
        {
            for text in [format!("{c}"), format!("é{c}"), format!("{c}\u{80}x")] {
                let by_chars = text.chars().any(is_refused_control);
                assert_eq!(has_refused_control(&text), by_chars, "U+{:04X}", c as u32);
            }
        }
    }

    #[test]
    fn quotes_are_found_nearest_to_the_selection() {
        let a = "the replica, then the replica again";
        assert_eq!(locate_quote(a, "the replica", None), Some((0, 11)));
        assert_eq!(locate_quote(a, "the replica", Some(20)), Some((18, 29)));
        assert_eq!(locate_quote(a, "absent", None), None);
        assert_eq!(locate_quote("é é", "é", Some(2)), Some((3, 5)));
    }
}
