//! The live content library: built-in gauntlets plus the optional content folder, reloadable
//! at run time (SIGHUP or the admin button), with every loaded version recorded in the database
//! so attempts can pin the exact text they were answered on.

use std::{
    path::PathBuf,
    sync::{Arc, RwLock},
};

use sqlx::SqlitePool;

use crate::{builtin::BUILTIN, content::library::Library, db};

/// Holds the current library; readers get a cheap `Arc` snapshot.
pub struct ContentStore {
    dir: Option<PathBuf>,
    current: RwLock<Arc<Library>>,
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
            current: RwLock::new(Arc::new(lib)),
        }
    }

    /// The current snapshot.
    pub fn current(&self) -> Arc<Library> {
        self.current
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// The content folder, if one is configured.
    pub fn dir(&self) -> Option<&std::path::Path> {
        self.dir.as_deref()
    }

    /// Re-reads everything (off the async runtime), records the versions, then swaps it in.
    /// A broken file never stops the others: it is listed among the problems.
    pub async fn reload(&self, db: &SqlitePool) -> Result<LoadSummary, sqlx::Error> {
        let dir = self.dir.clone();
        let lib = tokio::task::spawn_blocking(move || Library::load(BUILTIN, dir.as_deref()))
            .await
            .map_err(|e| sqlx::Error::Protocol(format!("content loader stopped: {e}")))?;
        record_versions(db, &lib).await?;
        let summary = summarise(&lib);
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = Arc::new(lib);
        Ok(summary)
    }

    /// Records the versions of the current snapshot (at start-up).
    pub async fn record_current(&self, db: &SqlitePool) -> Result<LoadSummary, sqlx::Error> {
        let lib = self.current();
        record_versions(db, &lib).await?;
        Ok(summarise(&lib))
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
