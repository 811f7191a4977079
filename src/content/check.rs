//! `gauntlet content check`: validate content files and folders and report every error as
//! `file:line: message`. Folders are searched recursively for `*.md`; a `.txt` file named
//! explicitly is taken as page text, imported, then parsed (its errors point at page-text lines).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::import::import_page_text_mapped;
use super::library::{has_extension, markdown_files};
use super::model::{ContentError, Gauntlet};
use super::parse::parse_gauntlet;

/// The outcome of a check: the error lines and the counts behind the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// One `file:line: message` line per error, in file order.
    pub lines: Vec<String>,
    /// Files read (or attempted).
    pub files: usize,
    /// Files that parsed into a gauntlet.
    pub gauntlets: usize,
    /// Rounds in those gauntlets.
    pub rounds: usize,
    /// Total errors.
    pub errors: usize,
    /// Files with at least one error.
    pub files_with_errors: usize,
}

impl CheckReport {
    /// Whether no error was found.
    pub fn is_ok(&self) -> bool {
        self.errors == 0
    }

    /// One line, e.g. `checked 9 files, 9 gauntlets, 45 rounds: no errors`.
    pub fn summary(&self) -> String {
        let counts = format!(
            "checked {}, {}, {}",
            plural(self.files, "file"),
            plural(self.gauntlets, "gauntlet"),
            plural(self.rounds, "round")
        );
        if self.is_ok() {
            format!("{counts}: no errors")
        } else {
            format!(
                "{counts}: {} in {}",
                plural(self.errors, "error"),
                plural(self.files_with_errors, "file")
            )
        }
    }

    fn record(&mut self, file: &str, errors: &[ContentError]) {
        if errors.is_empty() {
            return;
        }
        self.errors += errors.len();
        self.files_with_errors += 1;
        self.lines.extend(errors.iter().map(|e| e.display_in(file)));
    }
}

/// `n` and `word`, plural unless `n` is 1 ("1 round", "2 rounds"); `word` takes an "s".
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Check files and folders (see the module documentation).
pub fn check_paths(paths: &[PathBuf]) -> CheckReport {
    let mut report = CheckReport::default();
    let mut slugs: HashMap<String, String> = HashMap::new();
    for path in paths {
        for file in expand(path, &mut report) {
            check_file(&file, &mut report, &mut slugs);
        }
    }
    report
}

/// The files a path stands for: itself, or the `*.md` files under a folder.
fn expand(path: &Path, report: &mut CheckReport) -> Vec<PathBuf> {
    if !path.is_dir() {
        return vec![path.to_path_buf()];
    }
    let (files, problems) = markdown_files(path);
    for problem in problems {
        report.files += 1;
        report.record(&problem.file, &problem.errors);
    }
    files
}

fn check_file(path: &Path, report: &mut CheckReport, slugs: &mut HashMap<String, String>) {
    let shown = path.display().to_string();
    report.files += 1;
    let source = match std::fs::read_to_string(path) {
        Ok(s) => s,
        Err(e) => {
            report.record(&shown, &[ContentError::new(1, format!("cannot read: {e}"))]);
            return;
        }
    };
    let parsed = if has_extension(path, "txt") {
        parse_page_text(&shown, &source)
    } else {
        parse_gauntlet(&shown, &source)
    };
    match parsed {
        Ok(gauntlet) => accept(&shown, &gauntlet, report, slugs),
        Err(errors) => report.record(&shown, &errors),
    }
}

/// Import page text and parse it, with error lines pointing into the page text.
fn parse_page_text(file: &str, text: &str) -> Result<Gauntlet, Vec<ContentError>> {
    let imported = import_page_text_mapped(text)?;
    let md_name = Path::new(file).with_extension("md").display().to_string();
    parse_gauntlet(&md_name, &imported.markdown).map_err(|errors| {
        errors
            .into_iter()
            .map(|e| ContentError::new(imported.source_line(e.line), e.message))
            .collect()
    })
}

fn accept(
    file: &str,
    gauntlet: &Gauntlet,
    report: &mut CheckReport,
    slugs: &mut HashMap<String, String>,
) {
    if let Some(first) = slugs.get(&gauntlet.slug) {
        let message = format!(
            "slug \"{}\" is already used by {first}; rename the file or set `slug:`",
            gauntlet.slug
        );
        report.record(file, &[ContentError::new(1, message)]);
        return;
    }
    slugs.insert(gauntlet.slug.clone(), file.to_string());
    report.gauntlets += 1;
    report.rounds += gauntlet.rounds.len();
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = include_str!("../../tests/fixtures/content/valid/minimal.md");
    const MINIMAL_TXT: &str = include_str!("../../tests/fixtures/content/valid/minimal.txt");
    const MANY_ERRORS: &str = include_str!("../../tests/fixtures/content/errors/many-errors.md");

    fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("tempdir");
        for (name, text) in files {
            let path = dir.path().join(name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).expect("mkdir");
            }
            std::fs::write(path, text).expect("write");
        }
        dir
    }

    #[test]
    fn a_clean_folder_reports_counts() {
        let dir = folder(&[("a/minimal.md", MINIMAL), ("ignored.txt", "x")]);
        let report = check_paths(&[dir.path().to_path_buf()]);
        assert!(report.is_ok(), "{:?}", report.lines);
        assert_eq!(
            report.summary(),
            "checked 1 file, 1 gauntlet, 2 rounds: no errors"
        );
    }

    #[test]
    fn errors_are_file_line_message() {
        let dir = folder(&[("bad.md", MANY_ERRORS), ("ok.md", MINIMAL)]);
        let report = check_paths(&[dir.path().to_path_buf()]);
        assert_eq!(report.errors, 8);
        assert_eq!(report.files_with_errors, 1);
        let first = &report.lines[0];
        assert!(first.ends_with("bad.md:11: cannot read a round number in heading \"Round x: Unreadable\": write `## Round N: Name` with N a number"), "{first}");
        assert_eq!(
            report.summary(),
            "checked 2 files, 1 gauntlet, 2 rounds: 8 errors in 1 file"
        );
    }

    #[test]
    fn page_text_is_imported_and_errors_point_at_its_lines() {
        let broken = MINIMAL_TXT.replace("Round 2: The Probe¶", "Round 1: The Probe¶");
        let dir = folder(&[("good.txt", MINIMAL_TXT), ("broken.txt", &broken)]);
        let good = check_paths(&[dir.path().join("good.txt")]);
        assert!(good.is_ok(), "{:?}", good.lines);
        assert_eq!(good.rounds, 2);
        let bad = check_paths(&[dir.path().join("broken.txt")]);
        assert_eq!(bad.lines.len(), 2, "{:?}", bad.lines);
        assert!(
            bad.lines[0].contains("broken.txt:10: round 1 appears twice"),
            "{:?}",
            bad.lines
        );
        assert!(
            bad.lines[1].contains("broken.txt:20: skills table names round 2"),
            "{:?}",
            bad.lines
        );
    }

    #[test]
    fn missing_paths_and_duplicate_slugs_are_errors() {
        let dir = folder(&[("x/minimal.md", MINIMAL), ("y/minimal.md", MINIMAL)]);
        let report = check_paths(&[dir.path().to_path_buf(), dir.path().join("none.md")]);
        assert_eq!(report.errors, 2, "{:?}", report.lines);
        assert!(report.lines.iter().any(|l| l.contains("already used")));
        assert!(
            report
                .lines
                .iter()
                .any(|l| l.contains("none.md:1: cannot read"))
        );
    }
}
