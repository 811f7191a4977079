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

/// How `b` differs from `a`, word by word. Within each changed stretch the removed text comes
/// first, then the added text, and a space between two changed words belongs to the change, so
/// "a CDN" → "Route 53" reads as one replacement rather than two interleaved ones.
pub fn word_diff(a: &str, b: &str) -> Vec<Piece> {
    let x = tokens(a);
    let y = tokens(b);
    let (n, m) = (x.len(), y.len());
    if n.saturating_mul(m) > MAX_CELLS {
        return group(vec![(Change::Removed, a), (Change::Added, b)]);
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
    let mut ops: Vec<(Change, &str)> = Vec::new();
    let (mut i, mut j) = (0, 0);
    while i < n && j < m {
        if x[i] == y[j] {
            ops.push((Change::Same, x[i]));
            i += 1;
            j += 1;
        } else if lcs[(i + 1) * w + j] >= lcs[i * w + j + 1] {
            ops.push((Change::Removed, x[i]));
            i += 1;
        } else {
            ops.push((Change::Added, y[j]));
            j += 1;
        }
    }
    ops.extend(x[i..].iter().map(|t| (Change::Removed, *t)));
    ops.extend(y[j..].iter().map(|t| (Change::Added, *t)));
    group(ops)
}

/// Joins the tokens into pieces: whitespace kept between two changes becomes part of both
/// sides, and each changed stretch is its removed text followed by its added text.
fn group(ops: Vec<(Change, &str)>) -> Vec<Piece> {
    let changed = |k: usize| ops.get(k).is_some_and(|(c, _)| *c != Change::Same);
    let mut out: Vec<Piece> = Vec::new();
    let (mut removed, mut added) = (String::new(), String::new());
    let flush = |out: &mut Vec<Piece>, removed: &mut String, added: &mut String| {
        for (change, text) in [(Change::Removed, removed), (Change::Added, added)] {
            if !text.is_empty() {
                out.push(Piece {
                    change,
                    text: std::mem::take(text),
                });
            }
        }
    };
    for (k, (change, t)) in ops.iter().enumerate() {
        let inner_space = *change == Change::Same
            && t.chars().all(char::is_whitespace)
            && k > 0
            && changed(k - 1)
            && changed(k + 1);
        match change {
            _ if inner_space => {
                removed.push_str(t);
                added.push_str(t);
            }
            Change::Removed => removed.push_str(t),
            Change::Added => added.push_str(t),
            Change::Same => {
                flush(&mut out, &mut removed, &mut added);
                match out.last_mut() {
                    Some(last) if last.change == Change::Same => last.text.push_str(t),
                    _ => out.push(Piece {
                        change: Change::Same,
                        text: (*t).to_string(),
                    }),
                }
            }
        }
    }
    flush(&mut out, &mut removed, &mut added);
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
