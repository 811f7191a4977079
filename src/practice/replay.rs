//! Replaying how an answer was written: its kept texts in order, each with the time it was
//! saved (when known) and the pause before it.

/// A stop in the writing shorter than this is typing, not a pause.
pub const PAUSE_SECS: i64 = 60;

/// One kept text of an answer, as the replay slider shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// When this text was saved; `None` for the oldest kept text, whose own save time is not
    /// stored (a kept text records when it was replaced).
    pub at: Option<i64>,
    pub body: String,
    /// Seconds without a save before this text, when that was a pause (≥ [`PAUSE_SECS`]).
    pub pause_before: Option<i64>,
}

/// The frames of an answer from its overwritten texts (oldest first, as `(replaced_at, body)`)
/// and its final text. A text was saved when the one before it was replaced, so each frame
/// takes its time from the previous kept text; the final text was saved when the last kept
/// one was replaced (or at `final_at` when nothing was overwritten).
pub fn frames(overwritten: &[(i64, String)], final_body: &str, final_at: i64) -> Vec<Frame> {
    let mut out: Vec<Frame> = Vec::with_capacity(overwritten.len() + 1);
    let mut previous_replaced: Option<i64> = None;
    for (replaced_at, body) in overwritten {
        out.push(Frame {
            at: previous_replaced,
            body: body.clone(),
            pause_before: None,
        });
        previous_replaced = Some(*replaced_at);
    }
    out.push(Frame {
        at: previous_replaced.or(Some(final_at)),
        body: final_body.to_string(),
        pause_before: None,
    });
    for i in 1..out.len() {
        if let (Some(a), Some(b)) = (out[i - 1].at, out[i].at)
            && b - a >= PAUSE_SECS
        {
            out[i].pause_before = Some(b - a);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_text_takes_the_time_its_predecessor_was_replaced_and_long_gaps_are_pauses() {
        let kept = [
            (110, "a".to_string()),
            (112, "ab".to_string()),
            (300, "abc".to_string()),
        ];
        let f = frames(&kept, "abcd", 999);
        let at: Vec<_> = f.iter().map(|f| f.at).collect();
        assert_eq!(at, [None, Some(110), Some(112), Some(300)]);
        let bodies: Vec<_> = f.iter().map(|f| f.body.as_str()).collect();
        assert_eq!(bodies, ["a", "ab", "abc", "abcd"]);
        let pauses: Vec<_> = f.iter().map(|f| f.pause_before).collect();
        assert_eq!(pauses, [None, None, None, Some(188)]);
    }

    #[test]
    fn an_answer_saved_once_is_one_frame_at_its_save_time() {
        assert_eq!(
            frames(&[], "only", 42),
            [Frame {
                at: Some(42),
                body: "only".into(),
                pause_before: None
            }]
        );
    }
}
