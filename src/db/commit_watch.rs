//! Whether anything was committed to the database since an earlier moment, by any connection
//! or process, answered without a query: a read of the WAL index header at the start of the
//! database's `-shm` file.
//!
//! In WAL mode every connection to the file, in any process, finds the last commit through
//! that header, so every commit rewrites it (SQLite's documented WAL file format: two copies
//! of a 48-byte header, the second written first, each with a change counter and a checksum).
//! Two reads that find the same header therefore saw the same committed state of the whole
//! database. The read is one `pread` (and one `fstat`), where a query is a round trip to a
//! connection's thread; [`super::fresh_copies`] uses it to serve a query's earlier result.
//!
//! Anything unexpected (no `-shm` file yet, the copies differing mid-write, another header
//! format) gives no stamp, which callers treat as "changed".
//!
//! The file is only read, and never closed while this process's connections may use it:
//! closing any descriptor of a file drops every POSIX lock the process holds on it, SQLite's
//! included. It is let go only once SQLite has deleted it (then no connection of ours uses
//! it), and never on drop.

use std::{
    fs::File,
    os::unix::fs::{FileExt, MetadataExt},
    path::{Path, PathBuf},
    sync::Mutex,
};

/// The size of one copy of the WAL index header.
const HEADER: usize = 48;
/// `iVersion`, the header's first field, in every SQLite since WAL mode began (3.7.0).
const WAL_INDEX_VERSION: u32 = 3_007_000;

/// The committed state of the database at some moment: equal stamps, equal contents.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Stamp([u8; HEADER]);

impl std::fmt::Debug for Stamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // the change counter (native byte order) is what tells two stamps apart in a log
        let counter = u32::from_ne_bytes([self.0[8], self.0[9], self.0[10], self.0[11]]);
        write!(f, "Stamp(change {counter})")
    }
}

/// Reads [`Stamp`]s of one database file.
#[derive(Debug)]
pub struct CommitWatch {
    shm_path: PathBuf,
    /// The open `-shm` file; reopened when SQLite deleted it (the last connection closed).
    shm: Mutex<Option<File>>,
}

impl Drop for CommitWatch {
    fn drop(&mut self) {
        // kept open to the end of the process (see the module's last paragraph)
        if let Some(file) = self.shm.get_mut().unwrap_or_else(|p| p.into_inner()).take() {
            #[allow(clippy::mem_forget)]
            std::mem::forget(file);
        }
    }
}

impl CommitWatch {
    /// Watches the database at `db_path` (its `-shm` file is opened when first needed).
    pub fn new(db_path: &Path) -> Self {
        let mut shm_path = db_path.as_os_str().to_owned();
        shm_path.push("-shm");
        Self {
            shm_path: PathBuf::from(shm_path),
            shm: Mutex::new(None),
        }
    }

    /// The database's state now, or `None` when it cannot be told (treat as "changed").
    pub fn stamp(&self) -> Option<Stamp> {
        let mut shm = self.shm.lock().unwrap_or_else(|p| p.into_inner());
        // a file SQLite has deleted keeps its last contents for whoever holds it open: it
        // would look unchanged for ever, so it is left for the file now at the path
        if shm
            .as_ref()
            .is_some_and(|f| f.metadata().map_or(true, |m| m.nlink() == 0))
        {
            *shm = None;
        }
        if shm.is_none() {
            *shm = File::open(&self.shm_path).ok();
        }
        let mut both = [0u8; 2 * HEADER];
        shm.as_ref()?.read_exact_at(&mut both, 0).ok()?;
        let (first, second) = both.split_at(HEADER);
        let version = u32::from_ne_bytes([first[0], first[1], first[2], first[3]]);
        let initialised = first[12] == 1;
        (first == second && version == WAL_INDEX_VERSION && initialised).then(|| {
            let mut stamp = [0u8; HEADER];
            stamp.copy_from_slice(first);
            Stamp(stamp)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::{Create, connect_options};
    use sqlx::{Connection, SqliteConnection};

    async fn connection(path: &Path) -> SqliteConnection {
        SqliteConnection::connect_with(&connect_options(path, Create::IfMissing))
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn the_stamp_moves_with_every_commit_of_any_connection_and_only_then() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        let mut a = connection(&path).await;
        let mut b = connection(&path).await;
        let watch = CommitWatch::new(&path);
        sqlx::query("create table t (n integer)")
            .execute(&mut a)
            .await
            .unwrap();
        let first = watch.stamp().expect("a WAL database has a stamp");
        for _ in 0..3 {
            let _: i64 = sqlx::query_scalar("select count(*) from t")
                .fetch_one(&mut b)
                .await
                .unwrap();
        }
        assert_eq!(watch.stamp(), Some(first), "reads change nothing");

        let mut seen = vec![first];
        for writer in ["a", "b", "a"] {
            let conn = if writer == "a" { &mut a } else { &mut b };
            sqlx::query("insert into t values (1)")
                .execute(conn)
                .await
                .unwrap();
            let now = watch.stamp().expect("stamp after a commit");
            assert!(!seen.contains(&now), "each commit gives a new stamp");
            seen.push(now);
        }

        // a transaction that ends without committing leaves the contents as they were
        let mut tx = a.begin().await.unwrap();
        sqlx::query("insert into t values (2)")
            .execute(&mut *tx)
            .await
            .unwrap();
        tx.rollback().await.unwrap();
        let _: i64 = sqlx::query_scalar("select count(*) from t")
            .fetch_one(&mut b)
            .await
            .unwrap();
        let after_rollback = watch.stamp().expect("stamp");
        sqlx::query("insert into t values (3)")
            .execute(&mut b)
            .await
            .unwrap();
        assert_ne!(watch.stamp(), Some(after_rollback));
    }

    #[tokio::test]
    async fn a_deleted_index_file_is_never_read_as_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.db");
        let mut a = connection(&path).await;
        sqlx::query("create table t (n integer)")
            .execute(&mut a)
            .await
            .unwrap();
        let watch = CommitWatch::new(&path);
        let before = watch.stamp().expect("stamp");
        // the last connection closing deletes the -shm file; the next one makes a new one
        a.close().await.unwrap();
        let mut b = connection(&path).await;
        sqlx::query("insert into t values (1)")
            .execute(&mut b)
            .await
            .unwrap();
        assert_ne!(watch.stamp(), Some(before));
        assert!(watch.stamp().is_some(), "the new file is watched");
    }

    #[test]
    fn no_file_gives_no_stamp() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(CommitWatch::new(&dir.path().join("none.db")).stamp(), None);
    }
}
