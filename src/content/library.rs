//! The content library: every loaded gauntlet, from the built-ins embedded in the binary and the
//! team's content folder, plus the problems found while loading.
//!
//! A folder file overrides a built-in with the same slug. A broken file never stops the others:
//! it is recorded as a [`Problem`] with its errors (I/O errors included, at line 1). To show an
//! old attempt, re-parse the source stored with it using [`super::parse::parse_gauntlet`].

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Serialize;

use super::model::{ContentError, Gauntlet};
use super::parse::parse_gauntlet;

/// How deep the content folder is searched (a guard against symlink loops).
const MAX_DEPTH: usize = 16;

/// Where a loaded gauntlet came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Embedded in the binary under this file name.
    Builtin(String),
    /// Read from this file of the content folder.
    File(PathBuf),
    /// Written and published in the browser (stored in the database).
    Browser,
}

impl Origin {
    /// Whether the gauntlet is managed in files (built-in or content folder): read-only in the
    /// browser.
    pub fn is_file_managed(&self) -> bool {
        !matches!(self, Self::Browser)
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Builtin(name) => write!(f, "built-in {name}"),
            Self::File(path) => write!(f, "{}", path.display()),
            Self::Browser => f.write_str("written in the browser"),
        }
    }
}

/// One loaded gauntlet with the exact source it was parsed from.
#[derive(Debug, Clone)]
pub struct Entry {
    pub gauntlet: Arc<Gauntlet>,
    /// The source text; store it with an attempt to re-parse that exact version later.
    pub source: Arc<str>,
    pub origin: Origin,
}

/// A file that could not be loaded, with every error found in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The file (a path, or a built-in's name).
    pub file: String,
    pub errors: Vec<ContentError>,
}

impl Problem {
    /// The errors as `file:line: message` lines.
    pub fn lines(&self) -> impl Iterator<Item = String> + '_ {
        self.errors.iter().map(|e| e.display_in(&self.file))
    }
}

/// All loaded gauntlets, by slug, and the problems met while loading them.
#[derive(Debug, Clone, Default)]
pub struct Library {
    by_slug: HashMap<String, Entry>,
    /// Slugs in title order.
    order: Vec<String>,
    problems: Vec<Problem>,
}

impl Library {
    /// Load the built-ins (`(file name, source)` pairs), then every `*.md` file under `dir`
    /// (recursively, in path order); a folder file replaces a built-in with the same slug.
    pub fn load(builtin: &[(&str, &str)], dir: Option<&Path>) -> Self {
        let mut lib = Self::default();
        for (name, source) in builtin {
            lib.add(
                name,
                Arc::from(*source),
                Origin::Builtin((*name).to_string()),
                true,
            );
        }
        if let Some(dir) = dir {
            lib.load_dir(dir);
        }
        lib.sort();
        lib
    }

    /// This library plus the published gauntlets written in the browser (`(slug, source)`
    /// pairs). A gauntlet managed in files keeps its slug: a browser one with the same slug is
    /// left out and listed among the problems.
    pub fn with_authored(&self, authored: &[(String, String)]) -> Self {
        let mut lib = self.clone();
        for (slug, source) in authored {
            let name = format!("{slug}.md");
            match parse_gauntlet(&name, source) {
                Ok(mut g) => {
                    g.slug = slug.clone();
                    if let Some(existing) = lib.by_slug.get(slug) {
                        lib.problems
                            .push(duplicate_problem(&name, slug, &existing.origin));
                        continue;
                    }
                    let entry = Entry {
                        gauntlet: Arc::new(g),
                        source: Arc::from(source.as_str()),
                        origin: Origin::Browser,
                    };
                    lib.by_slug.insert(slug.clone(), entry);
                }
                Err(errors) => lib.problems.push(Problem { file: name, errors }),
            }
        }
        lib.sort();
        lib
    }

    fn load_dir(&mut self, dir: &Path) {
        let (files, problems) = markdown_files(dir);
        self.problems.extend(problems);
        for path in files {
            let shown = path.display().to_string();
            match std::fs::read_to_string(&path) {
                Ok(source) => {
                    self.add(&shown, Arc::from(source), Origin::File(path), false);
                }
                Err(e) => self.problems.push(io_problem(&shown, &e)),
            }
        }
    }

    /// Parse and add one source. Built-ins may be overridden; folder files may not collide.
    fn add(&mut self, name: &str, source: Arc<str>, origin: Origin, builtin: bool) {
        let gauntlet = match parse_gauntlet(name, &source) {
            Ok(g) => g,
            Err(errors) => {
                self.problems.push(Problem {
                    file: name.to_string(),
                    errors,
                });
                return;
            }
        };
        if let Some(existing) = self.by_slug.get(&gauntlet.slug)
            && (builtin || matches!(existing.origin, Origin::File(_)))
        {
            self.problems
                .push(duplicate_problem(name, &gauntlet.slug, &existing.origin));
            return;
        }
        let entry = Entry {
            gauntlet: Arc::new(gauntlet),
            source,
            origin,
        };
        self.by_slug.insert(entry.gauntlet.slug.clone(), entry);
    }

    fn sort(&mut self) {
        let mut order: Vec<(&str, &str)> = self
            .by_slug
            .values()
            .map(|e| (e.gauntlet.title.as_str(), e.gauntlet.slug.as_str()))
            .collect();
        order.sort_by_cached_key(|(title, slug)| (title.to_lowercase(), slug.to_string()));
        self.order = order
            .into_iter()
            .map(|(_, slug)| slug.to_string())
            .collect();
    }

    /// The gauntlet with this slug.
    pub fn get(&self, slug: &str) -> Option<&Entry> {
        self.by_slug.get(slug)
    }

    /// Every loaded gauntlet, in title order.
    pub fn iter(&self) -> impl Iterator<Item = &Entry> {
        self.order.iter().filter_map(|slug| self.by_slug.get(slug))
    }

    /// How many gauntlets are loaded.
    pub fn len(&self) -> usize {
        self.by_slug.len()
    }

    /// Whether no gauntlet is loaded.
    pub fn is_empty(&self) -> bool {
        self.by_slug.is_empty()
    }

    /// Files that could not be loaded, with their errors.
    pub fn problems(&self) -> &[Problem] {
        &self.problems
    }
}

fn io_problem(file: &str, error: &std::io::Error) -> Problem {
    Problem {
        file: file.to_string(),
        errors: vec![ContentError::new(1, format!("cannot read: {error}"))],
    }
}

fn duplicate_problem(file: &str, slug: &str, other: &Origin) -> Problem {
    Problem {
        file: file.to_string(),
        errors: vec![ContentError::new(
            1,
            format!("slug \"{slug}\" is already used by {other}; rename the file or set `slug:`"),
        )],
    }
}

/// Every `*.md` file under `dir` (recursively, hidden entries skipped), sorted, and the
/// problems met while listing (unreadable folders).
pub(crate) fn markdown_files(dir: &Path) -> (Vec<PathBuf>, Vec<Problem>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    walk(dir, 0, &mut files, &mut problems);
    files.sort();
    (files, problems)
}

fn walk(dir: &Path, depth: usize, files: &mut Vec<PathBuf>, problems: &mut Vec<Problem>) {
    let shown = dir.display().to_string();
    if depth > MAX_DEPTH {
        problems.push(Problem {
            file: shown,
            errors: vec![ContentError::new(
                1,
                "folders nested too deep (a symlink loop?)",
            )],
        });
        return;
    }
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => return problems.push(io_problem(&shown, &e)),
    };
    for entry in entries {
        let path = match entry {
            Ok(entry) => entry.path(),
            Err(e) => {
                problems.push(io_problem(&shown, &e));
                continue;
            }
        };
        let hidden = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            walk(&path, depth + 1, files, problems);
        } else if has_extension(&path, "md") {
            files.push(path);
        }
    }
}

/// Whether `path` ends in `.ext` (ASCII case-insensitive).
pub(crate) fn has_extension(path: &Path, ext: &str) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

#[cfg(test)]
mod tests {
    use super::*;

    const VALID: &str = include_str!("../../tests/fixtures/content/valid/minimal.md");
    const BROKEN: &str =
        include_str!("../../tests/fixtures/content/errors/missing-strong-answer.md");

    fn write(dir: &Path, rel: &str, text: &str) {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create dir");
        }
        std::fs::write(path, text).expect("write file");
    }

    #[test]
    fn builtins_load_without_a_folder() {
        let lib = Library::load(&[("minimal.md", VALID)], None);
        assert_eq!(lib.len(), 1);
        let entry = lib.get("minimal").expect("loaded");
        assert_eq!(entry.origin, Origin::Builtin("minimal.md".into()));
        assert_eq!(&*entry.source, VALID);
        assert!(lib.problems().is_empty());
    }

    #[test]
    fn folder_files_override_builtins_and_broken_files_are_reported() {
        let dir = tempfile::tempdir().expect("tempdir");
        let changed = VALID.replace("Minimal Example", "Minimal Example, Revised");
        write(dir.path(), "nested/minimal.md", &changed);
        write(dir.path(), "broken.md", BROKEN);
        write(dir.path(), "notes.txt", "not content");
        write(dir.path(), ".hidden/other.md", BROKEN);
        let lib = Library::load(&[("minimal.md", VALID)], Some(dir.path()));
        let entry = lib.get("minimal").expect("loaded");
        assert!(entry.gauntlet.title.ends_with("Revised"));
        assert!(matches!(entry.origin, Origin::File(_)));
        assert_eq!(lib.problems().len(), 1);
        assert!(lib.problems()[0].file.ends_with("broken.md"));
        assert!(!lib.problems()[0].errors.is_empty());
    }

    #[test]
    fn two_folder_files_with_one_slug_are_a_problem() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(dir.path(), "a/minimal.md", VALID);
        write(dir.path(), "b/minimal.md", VALID);
        let lib = Library::load(&[], Some(dir.path()));
        assert_eq!(lib.len(), 1);
        let lines: Vec<String> = lib.problems().iter().flat_map(Problem::lines).collect();
        assert_eq!(lines.len(), 1);
        assert!(lines[0].contains("already used"), "{lines:?}");
    }

    #[test]
    fn a_missing_folder_is_a_problem_not_a_crash() {
        let lib = Library::load(
            &[("minimal.md", VALID)],
            Some(Path::new("/nonexistent/gauntlet")),
        );
        assert_eq!(lib.len(), 1);
        assert_eq!(lib.problems().len(), 1);
        assert_eq!(lib.problems()[0].errors[0].line, 1);
    }

    #[test]
    fn browser_gauntlets_join_but_never_replace_file_ones() {
        let lib = Library::load(&[("minimal.md", VALID)], None);
        let other = VALID.replace("Minimal Example", "Written Online");
        let both = lib.with_authored(&[
            ("minimal".into(), other.clone()),
            ("online".into(), other.clone()),
        ]);
        assert_eq!(both.len(), 2);
        assert!(both.get("minimal").unwrap().origin.is_file_managed());
        let online = both.get("online").unwrap();
        assert_eq!(online.origin, Origin::Browser);
        assert_eq!(online.gauntlet.slug, "online");
        assert_eq!(both.problems().len(), 1);
        assert!(
            both.problems()[0].errors[0]
                .message
                .contains("already used")
        );
    }

    #[test]
    fn iteration_is_in_title_order() {
        let b = VALID.replace("Minimal Example", "Beta");
        let a = VALID.replace("Minimal Example", "alpha");
        let lib = Library::load(&[("b.md", &b), ("a.md", &a)], None);
        let titles: Vec<&str> = lib.iter().map(|e| e.gauntlet.title.as_str()).collect();
        assert_eq!(titles, ["alpha", "Beta"]);
    }
}
