//! The content store: the live library of built-in gauntlets plus the optional content folder
//! (`content::Library`, parsed files), reloadable
//! at run time (SIGHUP or the admin button), with every loaded version recorded in the database
//! so attempts can pin the exact text they were answered on. Gauntlets written and published in
//! the browser (`db::authored`) join the files' library; a file keeps its slug. Pinned versions
//! are parsed once, their guidance rendered once, and kept in memory.
//!
//! Alignment hints are deterministic: a pinned version aligns with term weights computed from
//! the built-in gauntlets plus that version itself, never from whatever library happened to be
//! loaded when it was first used, so the same answer gets the same hints whatever the cache
//! history, reloads or content folder.
//!
//! It stands above `content`, `align` and `db` (it records versions and keeps term statistics),
//! which is why it is not a part of `content`: the content model stays free of the database.

use std::{
    collections::HashMap,
    path::PathBuf,
    sync::{Arc, Mutex, OnceLock, RwLock},
};

use sqlx::{SqliteExecutor, SqlitePool};

use sha2::{Digest, Sha256};

use crate::{
    align::{Alignment, LibraryStats, RoundGuide},
    builtin::BUILTIN,
    content::{Gauntlet, library::Library, markdown_to_html, parse_gauntlet},
    db,
};

/// Pinned versions kept in memory before the cache is cleared (bounds memory on busy sites).
const PINNED_CACHE_LIMIT: usize = 256;

/// Alignments kept per pinned version before that cache is cleared.
const ALIGNMENT_CACHE_LIMIT: usize = 512;

/// One exact gauntlet version with its guidance rendered to sanitised HTML.
pub struct Pinned {
    pub gauntlet: Arc<Gauntlet>,
    /// `html[round index][section index]`: each section's Markdown, rendered and sanitised.
    pub html: Vec<Vec<Arc<str>>>,
    guides: OnceLock<Vec<RoundGuide>>,
    /// Alignments of answers already seen, by round index, part and the answer's hash:
    /// submitted answers never change, so debriefs and review pages align each one once.
    alignments: Mutex<HashMap<AlignmentKey, Arc<Alignment>>>,
}

/// A round index, whether it is the follow-up answer, and the SHA-256 of an answer.
type AlignmentKey = (usize, bool, [u8; 32]);

/// The built-in gauntlets, parsed once: the fixed part of every pinned version's term weights.
fn builtin_gauntlets() -> &'static [Gauntlet] {
    static PARSED: OnceLock<Vec<Gauntlet>> = OnceLock::new();
    PARSED.get_or_init(|| {
        BUILTIN
            .iter()
            .filter_map(|(name, src)| parse_gauntlet(name, src).ok())
            .collect()
    })
}

/// Term statistics for one gauntlet version: the built-in gauntlets (another version of the
/// same slug left out) plus the version itself. Depends on nothing else, so alignments of a
/// pinned version never change with the loaded library.
pub fn pinned_stats(gauntlet: &Gauntlet) -> LibraryStats {
    LibraryStats::from_gauntlets(
        builtin_gauntlets()
            .iter()
            .filter(|g| g.slug != gauntlet.slug)
            .chain(std::iter::once(gauntlet)),
    )
}

impl Pinned {
    fn new(gauntlet: Arc<Gauntlet>) -> Self {
        let html = gauntlet
            .rounds
            .iter()
            .map(|r| {
                r.sections
                    .iter()
                    .map(|s| Arc::from(markdown_to_html(&s.markdown)))
                    .collect()
            })
            .collect();
        Self {
            gauntlet,
            html,
            guides: OnceLock::new(),
            alignments: Mutex::new(HashMap::new()),
        }
    }

    /// The alignment of `answer` with round `index` (cached).
    pub fn align(&self, index: usize, answer: &str) -> Arc<Alignment> {
        self.cached(
            (index, false, Sha256::digest(answer.as_bytes()).into()),
            || self.guides()[index].align(answer),
        )
    }

    /// The alignment of a follow-up answer with round `index`'s guidance (cached): red flags
    /// only, see [`RoundGuide::align_follow_up`].
    pub fn align_follow_up(&self, index: usize, answer: &str) -> Arc<Alignment> {
        self.cached(
            (index, true, Sha256::digest(answer.as_bytes()).into()),
            || self.guides()[index].align_follow_up(answer),
        )
    }

    fn cached(&self, key: AlignmentKey, compute: impl FnOnce() -> Alignment) -> Arc<Alignment> {
        let cached = self
            .alignments
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&key)
            .cloned();
        if let Some(a) = cached {
            return a;
        }
        let a = Arc::new(compute());
        let mut cache = self.alignments.lock().unwrap_or_else(|p| p.into_inner());
        if cache.len() >= ALIGNMENT_CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(key, a.clone());
        a
    }

    /// The alignment guides of every round (prepared on first use, from [`pinned_stats`]).
    pub fn guides(&self) -> &[RoundGuide] {
        self.guides.get_or_init(|| {
            let stats = pinned_stats(&self.gauntlet);
            self.gauntlet
                .rounds
                .iter()
                .map(|r| RoundGuide::new(r, &stats))
                .collect()
        })
    }
}

/// Why a reload of the content did not happen.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    /// The loader thread stopped (it panicked or the runtime is shutting down).
    #[error("content loader stopped: {0}")]
    Loader(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Holds the current library; readers get a cheap `Arc` snapshot.
pub struct ContentStore {
    dir: Option<PathBuf>,
    /// The gauntlets managed in files and the published browser ones the snapshot is made of.
    sources: Mutex<Sources>,
    current: RwLock<Snapshot>,
    pinned: Mutex<HashMap<(String, String), Arc<Pinned>>>,
}

struct Sources {
    files: Arc<Library>,
    authored: Vec<(String, String)>,
}

#[derive(Clone)]
struct Snapshot {
    library: Arc<Library>,
    stats: Arc<LibraryStats>,
}

impl Snapshot {
    fn of(library: Library) -> Self {
        let stats = LibraryStats::from_gauntlets(library.iter().map(|e| e.gauntlet.as_ref()));
        Self {
            library: Arc::new(library),
            stats: Arc::new(stats),
        }
    }
}

/// What a (re)load found.
#[derive(Debug, Clone, Copy)]
pub struct LoadSummary {
    pub gauntlets: usize,
    pub broken_files: usize,
}

impl ContentStore {
    /// Loads the built-in gauntlets and, if given, the content folder.
    pub fn load(dir: Option<PathBuf>) -> Self {
        let lib = Library::load(BUILTIN, dir.as_deref());
        Self {
            dir,
            sources: Mutex::new(Sources {
                files: Arc::new(lib.clone()),
                authored: Vec::new(),
            }),
            current: RwLock::new(Snapshot::of(lib)),
            pinned: Mutex::new(HashMap::new()),
        }
    }

    fn snapshot(&self) -> Snapshot {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The current library.
    pub fn current(&self) -> Arc<Library> {
        self.snapshot().library
    }

    /// Term statistics over the current library. Alignments of pinned versions use
    /// [`pinned_stats`] instead, so they do not depend on the loaded library.
    pub fn stats(&self) -> Arc<LibraryStats> {
        self.snapshot().stats
    }

    /// The content folder, if one is configured.
    pub fn dir(&self) -> Option<&std::path::Path> {
        self.dir.as_deref()
    }

    /// Re-reads everything (off the async runtime), records the versions, then swaps it in.
    /// A broken file never stops the others: it is listed among the problems.
    pub async fn reload(&self, db: &SqlitePool) -> Result<LoadSummary, ReloadError> {
        let dir = self.dir.clone();
        let files = tokio::task::spawn_blocking(move || Library::load(BUILTIN, dir.as_deref()))
            .await
            .map_err(|e| ReloadError::Loader(e.to_string()))?;
        record_versions(db, &files).await?;
        let authored = db::authored::current_sources(db).await?;
        Ok(self.swap(Some(Arc::new(files)), Some(authored)))
    }

    /// Records the versions of the files' library and takes in the published browser
    /// gauntlets (at start-up).
    pub async fn record_current(&self, db: &SqlitePool) -> Result<LoadSummary, sqlx::Error> {
        let files = self.lock_sources().files.clone();
        record_versions(db, &files).await?;
        let authored = db::authored::current_sources(db).await?;
        Ok(self.swap(None, Some(authored)))
    }

    /// Re-reads the published browser gauntlets (after a publication).
    pub async fn refresh_authored(&self, db: &SqlitePool) -> Result<(), sqlx::Error> {
        let authored = db::authored::current_sources(db).await?;
        self.swap(None, Some(authored));
        Ok(())
    }

    /// Replaces either source and rebuilds the snapshot from both.
    fn swap(
        &self,
        files: Option<Arc<Library>>,
        authored: Option<Vec<(String, String)>>,
    ) -> LoadSummary {
        let mut sources = self.lock_sources();
        if let Some(f) = files {
            sources.files = f;
        }
        if let Some(a) = authored {
            sources.authored = a;
        }
        let snap = Snapshot::of(sources.files.with_authored(&sources.authored));
        let summary = summarise(&snap.library);
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = snap;
        summary
    }

    fn lock_sources(&self) -> std::sync::MutexGuard<'_, Sources> {
        self.sources.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The exact version an attempt pinned: from memory, the current library, or the stored
    /// source. `None` if that version was never stored.
    pub async fn pinned(
        &self,
        db: impl SqliteExecutor<'_>,
        slug: &str,
        version: &str,
    ) -> Result<Option<Arc<Pinned>>, sqlx::Error> {
        match self.pinned_in_memory(slug, version) {
            Some(p) => Ok(Some(p)),
            None => self.read_pinned(db, slug, version).await,
        }
    }

    /// [`Self::pinned`] for a caller that holds no connection: one is taken from `readers`
    /// only when the version is not in memory, so a page that needs nothing else from the
    /// database does not wait for a connection it would not use.
    pub async fn pinned_from(
        &self,
        readers: &db::readers::Readers,
        slug: &str,
        version: &str,
    ) -> Result<Option<Arc<Pinned>>, sqlx::Error> {
        match self.pinned_in_memory(slug, version) {
            Some(p) => Ok(Some(p)),
            None => {
                self.read_pinned(&mut *readers.get().await?, slug, version)
                    .await
            }
        }
    }

    /// A stored version read and parsed, then kept.
    async fn read_pinned(
        &self,
        db: impl SqliteExecutor<'_>,
        slug: &str,
        version: &str,
    ) -> Result<Option<Arc<Pinned>>, sqlx::Error> {
        let Some(source) = db::versions::source(db, slug, version).await? else {
            return Ok(None);
        };
        let name = format!("{slug}.md");
        match parse_gauntlet(&name, &source) {
            Ok(mut g) => {
                // the slug and version are the stored ones, whatever the file name says
                g.slug = slug.to_string();
                g.version = version.to_string();
                Ok(Some(self.keep_pinned(Arc::new(g))))
            }
            Err(errors) => {
                tracing::error!(
                    slug,
                    version,
                    errors = errors.len(),
                    "a stored gauntlet version no longer parses"
                );
                Ok(None)
            }
        }
    }

    /// The exact version an attempt pinned when it needs no query: kept from an earlier
    /// request, or the current library's. `None` means [`Self::pinned`] must read it.
    pub fn pinned_in_memory(&self, slug: &str, version: &str) -> Option<Arc<Pinned>> {
        let key = (slug.to_string(), version.to_string());
        if let Some(p) = self.lock_pinned().get(&key) {
            return Some(p.clone());
        }
        let current = self
            .current()
            .get(slug)
            .filter(|e| e.gauntlet.version == version)
            .map(|e| e.gauntlet.clone())?;
        Some(self.keep_pinned(current))
    }

    /// Prepares `gauntlet` for attempts and keeps it by slug and version.
    fn keep_pinned(&self, gauntlet: Arc<Gauntlet>) -> Arc<Pinned> {
        let key = (gauntlet.slug.clone(), gauntlet.version.clone());
        let pinned = Arc::new(Pinned::new(gauntlet));
        let mut cache = self.lock_pinned();
        if cache.len() >= PINNED_CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(key, pinned.clone());
        pinned
    }

    fn lock_pinned(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Arc<Pinned>>> {
        self.pinned.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn summarise(lib: &Library) -> LoadSummary {
    LoadSummary {
        gauntlets: lib.iter().count(),
        broken_files: lib.problems().len(),
    }
}

async fn record_versions(db: &SqlitePool, lib: &Library) -> Result<(), sqlx::Error> {
    let mut tx = db::begin_write(db).await?;
    for entry in lib.iter() {
        let g = &entry.gauntlet;
        db::versions::record(&mut tx, &g.slug, &g.version, &g.title, &entry.source).await?;
    }
    tx.commit().await
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = "multi-region-kubernetes";
    const ANSWER: &str = "It depends on whether failover is automated or manual. Failover is \
        automatic, the RPO is zero, and the app will reconnect to the writer on its own.";

    fn extra(dir: &std::path::Path, n: usize) {
        let src = format!(
            "# Interview Gauntlet: Extra {n}\n\n**Category:** System Design\n**Difficulty:** L3\n\
             **Duration:** 15 minutes\n**Domains:** Databases\n\n---\n\n\
             ## Round 1: The Opening\n\n**Interviewer:** \"Failover and replication lag, RPO {n}?\"\n\n\
             ### Strong Answer:\n\n\"Failover depends on replication, automatic failover and the RPO.\"\n"
        );
        std::fs::write(dir.join(format!("extra-{n}.md")), src).expect("write");
    }

    #[tokio::test]
    async fn hints_are_the_same_whatever_the_cache_history_and_reloads() {
        let db = SqlitePool::connect_lazy("sqlite::memory:").expect("lazy pool");
        let dir = std::env::temp_dir().join(format!("gauntlet-align-det-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("dir");
        let store = ContentStore::load(Some(dir.clone()));
        let version = store
            .current()
            .get(SEED)
            .expect("seed")
            .gauntlet
            .version
            .clone();
        let first = store
            .pinned(&db, SEED, &version)
            .await
            .expect("db")
            .expect("pinned");
        let before: Vec<Alignment> = (0..5).map(|i| (*first.align(i, ANSWER)).clone()).collect();
        // The library changes (a reload with new gauntlets), then a fresh cache sees it first.
        extra(&dir, 1);
        extra(&dir, 2);
        let reloaded = ContentStore::load(Some(dir.clone()));
        assert!(reloaded.current().iter().count() > store.current().iter().count());
        let again = reloaded
            .pinned(&db, SEED, &version)
            .await
            .expect("db")
            .expect("pinned");
        let after: Vec<Alignment> = (0..5).map(|i| (*again.align(i, ANSWER)).clone()).collect();
        assert_eq!(before, after);
        let follow = (*again.align_follow_up(1, "Basically zero, it is synchronous.")).clone();
        assert_eq!(
            follow,
            *first.align_follow_up(1, "Basically zero, it is synchronous.")
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
