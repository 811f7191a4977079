//! SQLite storage: opening (pragmas, integrity check, migrations) and the queries, grouped by table.

pub mod attempts;
pub mod authored;
pub mod backup;
pub mod commit_watch;
pub mod drafts;
pub mod drills;
pub mod fresh_copies;
pub mod identities;
pub mod live;
pub mod outbox;
pub mod readers;
pub mod reviews;
pub mod schema;
pub mod settings;
pub mod tokens;
pub mod users;
pub mod versions;

use std::{path::Path, str::FromStr, sync::Arc, time::Duration};

use sqlx::{
    Connection, Sqlite, SqliteConnection, SqlitePool, Transaction, TransactionManager,
    sqlite::{
        SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
        SqliteTransactionManager,
    },
};

/// Why the database could not be opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(
        "database file {0} does not exist; check --database (GAUNTLET_DATABASE), or pass --create-database to create a new, empty one"
    )]
    Missing(String),
    #[error("cannot open database {path}: {source}")]
    Open { path: String, source: sqlx::Error },
    #[error(
        "database {path} failed its integrity check ({detail}); restore it from a backup before serving"
    )]
    Corrupt { path: String, detail: String },
    #[error("cannot migrate database {path}: {source}")]
    Migrate {
        path: String,
        source: sqlx::migrate::MigrateError,
    },
    /// The database has applied a migration this binary does not know (a downgrade).
    #[error("{0}")]
    Newer(String),
    #[error(
        "cannot write the copy of {path} taken before upgrading it ({source}); nothing was migrated. Free some space or fix the folder's permissions, then start again"
    )]
    PreUpgradeCopy {
        path: String,
        source: backup::BackupError,
    },
    #[error("cannot create database file {path}: {source}")]
    Create {
        path: String,
        source: std::io::Error,
    },
    #[error(
        "after migrating {path}, foreign_key_check found {detail}; restore the pre-upgrade copy"
    )]
    ForeignKeys { path: String, detail: String },
}

/// How to treat a database path that does not exist yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Create {
    /// Create it (the default path, or `--create-database`).
    IfMissing,
    /// Refuse: an explicitly named path that is missing is probably a typo.
    Never,
}

/// Connection options used for every connection: WAL, `synchronous=FULL`, foreign keys, busy timeout.
pub fn connect_options(path: &Path, create: Create) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(create == Create::IfMissing)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true)
        .pragma("journal_size_limit", "67108864")
        .pragma("temp_store", "memory")
}

/// Opens (and if allowed creates) the database, refuses a corrupt one or one written by a newer
/// release, copies it aside before applying migrations it has not seen, and applies them.
pub async fn open(path: &Path, create: Create) -> Result<SqlitePool, OpenError> {
    let shown = path.display().to_string();
    let pool = open_unmigrated(path, create).await?;
    let status = {
        let mut conn = pool.acquire().await.map_err(|source| OpenError::Open {
            path: shown.clone(),
            source,
        })?;
        schema::status(&mut conn)
            .await
            .map_err(|source| OpenError::Open {
                path: shown.clone(),
                source,
            })?
    };
    if let Some(message) = status.downgrade_message(&shown) {
        pool.close().await;
        return Err(OpenError::Newer(message));
    }
    if status.pending.is_empty() {
        return Ok(pool);
    }
    if let Some(current) = status.current {
        let copy = backup::pre_upgrade_path(path, current);
        let report =
            backup::backup(&pool, &copy)
                .await
                .map_err(|source| OpenError::PreUpgradeCopy {
                    path: shown.clone(),
                    source,
                })?;
        tracing::warn!(
            copy = %report.path.display(),
            from = current,
            to = status.latest,
            pending = status.pending.len(),
            "upgrading the database schema from version {current} to {}; a copy taken before the upgrade is at {}",
            status.latest,
            report.path.display()
        );
    }
    migrate(path, &shown).await?;
    Ok(pool)
}

/// Opens the database without migrating it: refuses a missing (unless allowed) or damaged file.
/// A new file is created readable by its owner only.
pub async fn open_unmigrated(path: &Path, create: Create) -> Result<SqlitePool, OpenError> {
    let shown = path.display().to_string();
    if !path.exists() {
        if create == Create::Never {
            return Err(OpenError::Missing(shown));
        }
        backup::create_private(path).map_err(|source| OpenError::Create {
            path: shown.clone(),
            source,
        })?;
    }
    let pool = pool_options(8)
        .connect_with(connect_options(path, create))
        .await
        .map_err(|source| OpenError::Open {
            path: shown.clone(),
            source,
        })?;
    quick_check(&pool)
        .await
        .map_err(|detail| OpenError::Corrupt {
            path: shown.clone(),
            detail,
        })?;
    Ok(pool)
}

/// Applies pending migrations on a connection of its own with foreign keys off, as SQLite's
/// procedure for rebuilding a table requires (a dropped table would otherwise cascade), then
/// checks that every foreign key still holds.
async fn migrate(path: &Path, shown: &str) -> Result<(), OpenError> {
    let open_error = |source| OpenError::Open {
        path: shown.to_string(),
        source,
    };
    let mut conn =
        SqliteConnection::connect_with(&connect_options(path, Create::Never).foreign_keys(false))
            .await
            .map_err(open_error)?;
    schema::MIGRATOR
        .run(&mut conn)
        .await
        .map_err(|source| OpenError::Migrate {
            path: shown.to_string(),
            source,
        })?;
    let broken: Vec<(String, Option<i64>)> =
        sqlx::query_as("select \"table\", rowid from pragma_foreign_key_check")
            .fetch_all(&mut conn)
            .await
            .map_err(open_error)?;
    conn.close().await.map_err(open_error)?;
    if let Some((table, rowid)) = broken.first() {
        return Err(OpenError::ForeignKeys {
            path: shown.to_string(),
            detail: format!(
                "{} broken reference(s), the first in {table} row {}",
                broken.len(),
                rowid.unwrap_or_default()
            ),
        });
    }
    Ok(())
}

/// The site's writer: one connection that every write goes through. Writers queue in-process
/// (instead of sleeping in SQLite's busy handler, whose 1, 2, 5 … ms naps are far longer than a
/// commit), and the connection's page cache stays valid from one write to the next. Open it
/// after [`open`] (which creates and migrates the file).
pub async fn open_writer(path: &Path) -> Result<SqlitePool, OpenError> {
    pool_options(1)
        .connect_with(connect_options(path, Create::Never))
        .await
        .map_err(|source| OpenError::Open {
            path: path.display().to_string(),
            source,
        })
}

fn pool_options(max_connections: u32) -> SqlitePoolOptions {
    SqlitePoolOptions::new()
        .max_connections(max_connections)
        // sqlx pings every connection it hands out (a round trip to the connection's thread);
        // an in-process SQLite connection cannot silently die, so only the check below is kept
        .test_before_acquire(false)
        .before_acquire(|conn, _| {
            Box::pin(async move {
                if SqliteTransactionManager::get_transaction_depth(conn) == 0 {
                    return Ok(true);
                }
                // A transaction was dropped: its ROLLBACK is still queued on this connection, and
                // the ping waits for it. When a write failed with SQLITE_FULL, SQLite rolled the
                // transaction back itself; sqlx's own ROLLBACK then fails and its transaction
                // count stays at 1, which would make the next BEGIN IMMEDIATE fail. Such a
                // connection is replaced instead of reused.
                conn.ping().await?;
                Ok(SqliteTransactionManager::get_transaction_depth(conn) == 0)
            })
        })
}

/// `PRAGMA quick_check`: `Err` with the first problem when the file is damaged.
pub async fn quick_check(pool: &SqlitePool) -> Result<(), String> {
    let rows: Vec<String> = sqlx::query_scalar("pragma quick_check")
        .fetch_all(pool)
        .await
        .map_err(|e| e.to_string())?;
    match rows.as_slice() {
        [only] if only == "ok" => Ok(()),
        [] => Err("no answer from quick_check".into()),
        [first, ..] => Err(first.clone()),
    }
}

/// Starts a write transaction with `BEGIN IMMEDIATE`, so the write lock is taken before any
/// read: a read that later upgrades to a write could fail with SQLITE_BUSY at once. The site
/// passes its writer pool ([`open_writer`]).
pub async fn begin_write(pool: &SqlitePool) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

/// A PASSIVE checkpoint on `writer`: copies what it can of the WAL into the database file
/// without waiting for readers (the WAL is then reused from its start by the next write). A
/// failure is logged; the next checkpoint tries again.
pub async fn checkpoint(writer: &SqlitePool) {
    let result: Result<(i64, i64, i64), sqlx::Error> =
        sqlx::query_as("pragma wal_checkpoint(passive)")
            .fetch_one(writer)
            .await;
    match result {
        Ok((_, frames, copied)) => tracing::debug!(frames, copied, "wal checkpoint"),
        Err(e) => tracing::warn!(error = %e, "wal checkpoint failed"),
    }
}

const STORAGE_FULL: &str = "database or disk is full";
const LOCKED: &str = "database is locked";

/// What a failed statement means for the request that ran it. Every error shown to a user is
/// classified here, once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The disk (or `max_page_count`) is full: nothing was saved; retry later.
    StorageFull,
    /// Another connection or process held the database lock past the busy timeout
    /// (SQLITE_BUSY or SQLITE_LOCKED, e.g. a backup or a maintenance shell): nothing was saved;
    /// retry in a few seconds.
    Locked,
    /// Anything else: a bug or damage.
    Other,
}

/// Classifies a database error (see [`Failure`]).
pub fn classify(err: &sqlx::Error) -> Failure {
    match err {
        sqlx::Error::Database(db) => {
            // extended result codes keep the primary code in the low byte
            let primary = db
                .code()
                .and_then(|c| c.parse::<i32>().ok())
                .map(|c| c & 0xff);
            match primary {
                Some(13) => Failure::StorageFull,
                Some(5 | 6) => Failure::Locked,
                _ if db.message().contains(STORAGE_FULL) => Failure::StorageFull,
                _ if db.message().contains(LOCKED) => Failure::Locked,
                _ => Failure::Other,
            }
        }
        // waiting for a pooled connection that a blocked statement holds
        sqlx::Error::PoolTimedOut => Failure::Locked,
        _ => Failure::Other,
    }
}

/// Whether an error means the disk (or `max_page_count`) is full.
pub fn is_storage_full(err: &sqlx::Error) -> bool {
    classify(err) == Failure::StorageFull
}

/// Whether an error is a unique-constraint violation.
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// A database error translated once, where it leaves `db`: what it means for the request
/// (see [`Failure`]) and a unique violation told apart. Cheap to clone, so one failed batch
/// (see `drafts`) can answer every waiting save with the same error.
#[derive(Debug, Clone, thiserror::Error)]
pub enum DbError {
    /// A row with the same unique key exists.
    #[error("a row with the same key exists: {0}")]
    Unique(Arc<sqlx::Error>),
    /// See [`Failure::StorageFull`].
    #[error("storage full: {0}")]
    StorageFull(Arc<sqlx::Error>),
    /// See [`Failure::Locked`].
    #[error("database locked: {0}")]
    Locked(Arc<sqlx::Error>),
    /// Anything else: a bug or damage.
    #[error(transparent)]
    Other(Arc<sqlx::Error>),
}

impl DbError {
    /// What the failure means for the request.
    pub fn failure(&self) -> Failure {
        match self {
            Self::StorageFull(_) => Failure::StorageFull,
            Self::Locked(_) => Failure::Locked,
            Self::Unique(_) | Self::Other(_) => Failure::Other,
        }
    }
}

impl From<sqlx::Error> for DbError {
    fn from(err: sqlx::Error) -> Self {
        let unique = is_unique_violation(&err);
        let kind = classify(&err);
        let err = Arc::new(err);
        match kind {
            _ if unique => Self::Unique(err),
            Failure::StorageFull => Self::StorageFull(err),
            Failure::Locked => Self::Locked(err),
            Failure::Other => Self::Other(err),
        }
    }
}

/// Parses a `sqlite:` URL or plain path into connect options (used by tests and tools).
pub fn options_from_url(url: &str) -> Result<SqliteConnectOptions, sqlx::Error> {
    SqliteConnectOptions::from_str(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_lock_held_elsewhere_is_classified_as_locked_once_and_keeps_its_kind_when_cloned() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("locked.db");
        let options = connect_options(&path, Create::IfMissing).busy_timeout(Duration::ZERO);
        let mut holder = SqliteConnection::connect_with(&options).await.unwrap();
        sqlx::query("create table t (n integer)")
            .execute(&mut holder)
            .await
            .unwrap();
        sqlx::query("begin exclusive")
            .execute(&mut holder)
            .await
            .unwrap();
        let mut other = SqliteConnection::connect_with(&options).await.unwrap();
        let err = sqlx::query("insert into t values (1)")
            .execute(&mut other)
            .await
            .unwrap_err();
        assert_eq!(classify(&err), Failure::Locked, "{err}");
        let err = DbError::from(err);
        assert_eq!(err.clone().failure(), Failure::Locked);
        let plain = sqlx::query("select * from no_such_table")
            .execute(&mut other)
            .await
            .unwrap_err();
        assert_eq!(classify(&plain), Failure::Other);
        assert!(!is_storage_full(&plain));
        assert_eq!(DbError::from(plain).failure(), Failure::Other);
    }
}
