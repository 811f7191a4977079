//! A line diff between two versions of a gauntlet's source, for the version history: the
//! longest common subsequence of lines after trimming the common start and end, with long runs
//! of unchanged lines folded to a few lines of context.

/// Unchanged lines kept on each side of a change.
pub const CONTEXT: usize = 3;
/// Above this many cells (changed old lines × changed new lines) the middle is shown as removed
/// then added, which bounds time and memory on very different texts.
const MAX_CELLS: usize = 4_000_000;

/// One line of a diff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiffLine {
    /// In both versions: old and new line numbers (1-based) and the text.
    Same(usize, usize, String),
    /// Only in the old version.
    Removed(usize, String),
    /// Only in the new version.
    Added(usize, String),
    /// This many unchanged lines left out.
    Skipped(usize),
}

/// The diff from `old` to `new`, unchanged runs folded to [`CONTEXT`] lines around changes.
pub fn diff_lines(old: &str, new: &str) -> Vec<DiffLine> {
    fold(raw_diff(old, new))
}

/// Whether a diff has any change.
pub fn has_changes(diff: &[DiffLine]) -> bool {
    diff.iter()
        .any(|d| matches!(d, DiffLine::Removed(..) | DiffLine::Added(..)))
}

fn raw_diff(old: &str, new: &str) -> Vec<DiffLine> {
    let a: Vec<&str> = old.lines().collect();
    let b: Vec<&str> = new.lines().collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let (am, bm) = (&a[prefix..a.len() - suffix], &b[prefix..b.len() - suffix]);
    let mut out: Vec<DiffLine> = (0..prefix)
        .map(|i| DiffLine::Same(i + 1, i + 1, a[i].to_string()))
        .collect();
    middle(am, bm, prefix, &mut out);
    let (ao, bo) = (a.len() - suffix, b.len() - suffix);
    out.extend((0..suffix).map(|i| DiffLine::Same(ao + i + 1, bo + i + 1, a[ao + i].to_string())));
    out
}

/// The changed middle: an LCS table when small enough, else all removed then all added.
fn middle(a: &[&str], b: &[&str], offset: usize, out: &mut Vec<DiffLine>) {
    let (n, m) = (a.len(), b.len());
    if n.saturating_mul(m) > MAX_CELLS {
        out.extend((0..n).map(|i| DiffLine::Removed(offset + i + 1, a[i].to_string())));
        out.extend((0..m).map(|j| DiffLine::Added(offset + j + 1, b[j].to_string())));
        return;
    }
    // lcs[i][j]: length of the LCS of a[i..] and b[j..]
    let width = m + 1;
    let mut lcs = vec![0u32; (n + 1) * width];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i * width + j] = if a[i] == b[j] {
                lcs[(i + 1) * width + j + 1] + 1
            } else {
                lcs[(i + 1) * width + j].max(lcs[i * width + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    while i < n || j < m {
        if i < n && j < m && a[i] == b[j] {
            out.push(DiffLine::Same(
                offset + i + 1,
                offset + j + 1,
                a[i].to_string(),
            ));
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i * width + j + 1] >= lcs[(i + 1) * width + j]) {
            out.push(DiffLine::Added(offset + j + 1, b[j].to_string()));
            j += 1;
        } else {
            out.push(DiffLine::Removed(offset + i + 1, a[i].to_string()));
            i += 1;
        }
    }
}

/// Folds runs of unchanged lines longer than twice the context.
fn fold(lines: Vec<DiffLine>) -> Vec<DiffLine> {
    let changed: Vec<bool> = lines
        .iter()
        .map(|l| !matches!(l, DiffLine::Same(..)))
        .collect();
    let near_change = |k: usize| {
        let lo = k.saturating_sub(CONTEXT);
        let hi = (k + CONTEXT + 1).min(lines.len());
        changed[lo..hi].iter().any(|c| *c)
    };
    let mut out = Vec::new();
    let mut skipped = 0;
    for (k, line) in lines.iter().enumerate() {
        if changed[k] || near_change(k) {
            if skipped > 0 {
                out.push(DiffLine::Skipped(skipped));
                skipped = 0;
            }
            out.push(line.clone());
        } else {
            skipped += 1;
        }
    }
    if skipped > 0 {
        out.push(DiffLine::Skipped(skipped));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_line_is_removed_then_added_with_context() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n";
        let new = "a\nb\nc\nd\ne\nF\ng\nh\ni\nj\nk\n";
        let d = diff_lines(old, new);
        assert!(has_changes(&d));
        assert_eq!(d[0], DiffLine::Skipped(2));
        assert_eq!(d[1], DiffLine::Same(3, 3, "c".into()));
        assert!(d.contains(&DiffLine::Removed(6, "f".into())));
        assert!(d.contains(&DiffLine::Added(6, "F".into())));
        assert_eq!(d.last(), Some(&DiffLine::Added(11, "k".into())));
    }

    #[test]
    fn identical_texts_have_no_changes_and_insertions_keep_numbers() {
        assert!(!has_changes(&diff_lines("x\ny\n", "x\ny\n")));
        let d = diff_lines("one\nthree\n", "one\ntwo\nthree\n");
        assert_eq!(
            d,
            vec![
                DiffLine::Same(1, 1, "one".into()),
                DiffLine::Added(2, "two".into()),
                DiffLine::Same(2, 3, "three".into()),
            ]
        );
    }
}
