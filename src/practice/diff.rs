//! A word-level difference between two versions of an answer (the two-tab conflict): the
//! longest common subsequence of words and the whitespace between them, so the changed words
//! stand out however long the shared text is.

/// Where a piece of text is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// In both texts.
    Same,
    /// Only in the first text.
    Removed,
    /// Only in the second text.
    Added,
}

/// One run of text of one kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    pub change: Change,
    pub text: String,
}

impl Piece {
    pub fn is_same(&self) -> bool {
        self.change == Change::Same
    }

    pub fn is_removed(&self) -> bool {
        self.change == Change::Removed
    }
}

/// Above this many word pairs the table would be too large: the whole texts are shown as
/// removed and added instead.
const MAX_CELLS: usize = 4_000_000;

/// Words and the runs of whitespace between them, in order.
fn tokens(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut in_space: Option<bool> = None;
    for (i, c) in s.char_indices() {
        let space = c.is_whitespace();
        if in_space.is_some_and(|was| was != space) {
            out.push(&s[start..i]);
            start = i;
        }
        in_space = Some(space);
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

/// How `b` differs from `a`, word by word; adjacent pieces of one kind are joined.
pub fn word_diff(a: &str, b: &str) -> Vec<Piece> {
    let x = tokens(a);
    let y = tokens(b);
    let (n, m) = (x.len(), y.len());
    let mut out: Vec<Piece> = Vec::new();
    let mut push = |change: Change, t: &str| match out.last_mut() {
        Some(last) if last.change == change => last.text.push_str(t),
        _ => out.push(Piece {
            change,
            text: t.to_string(),
        }),
    };
    if n.saturating_mul(m) > MAX_CELLS {
        push(Change::Removed, a);
        push(Change::Added, b);
        return out;
    }
    // lcs[i][j]: the longest common subsequence of x[i..] and y[j..]
    let w = m + 1;
    let mut lcs = vec![0u32; (n + 1) * w];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i * w + j] = if x[i] == y[j] {
                lcs[(i + 1) * w + j + 1] + 1
            } else {
                lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if x[i] == y[j] {
            push(Change::Same, x[i]);
            i += 1;
            j += 1;
        } else if lcs[(i + 1) * w + j] >= lcs[i * w + j + 1] {
            push(Change::Removed, x[i]);
            i += 1;
        } else {
            push(Change::Added, y[j]);
            j += 1;
        }
    }
    for t in &x[i..] {
        push(Change::Removed, t);
    }
    for t in &y[j..] {
        push(Change::Added, t);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn show(p: &[Piece]) -> String {
        p.iter()
            .map(|p| match p.change {
                Change::Same => p.text.clone(),
                Change::Removed => format!("[-{}]", p.text),
                Change::Added => format!("{{+{}}}", p.text),
            })
            .collect()
    }

    #[test]
    fn only_the_changed_words_are_marked() {
        let d = word_diff(
            "one cluster per region and a CDN",
            "one cluster per region and Route 53",
        );
        assert_eq!(show(&d), "one cluster per region and [-a CDN]{+Route 53}");
    }

    #[test]
    fn identical_and_empty_texts() {
        assert_eq!(show(&word_diff("same text", "same text")), "same text");
        assert_eq!(show(&word_diff("", "new")), "{+new}");
        assert_eq!(show(&word_diff("old", "")), "[-old]");
        assert!(word_diff("", "").is_empty());
    }

    #[test]
    fn both_texts_come_back_from_the_pieces() {
        let (a, b) = ("a b  c\nd é", "a x c\nd é f");
        let d = word_diff(a, b);
        let first: String = d
            .iter()
            .filter(|p| p.change != Change::Added)
            .map(|p| p.text.as_str())
            .collect();
        let second: String = d
            .iter()
            .filter(|p| p.change != Change::Removed)
            .map(|p| p.text.as_str())
            .collect();
        assert_eq!((first.as_str(), second.as_str()), (a, b));
    }
}
