//! SQLite storage: opening (pragmas, integrity check, migrations) and the queries, grouped by table.

pub mod attempts;
pub mod backup;
pub mod drafts;
pub mod live;
pub mod readers;
pub mod reviews;
pub mod settings;
pub mod tokens;
pub mod users;
pub mod versions;

use std::{path::Path, str::FromStr, time::Duration};

use sqlx::{
    Connection, Sqlite, SqlitePool, Transaction, TransactionManager,
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

/// Opens (and if allowed creates) the database, refuses a corrupt one, and applies migrations.
pub async fn open(path: &Path, create: Create) -> Result<SqlitePool, OpenError> {
    let shown = path.display().to_string();
    if create == Create::Never && !path.exists() {
        return Err(OpenError::Missing(shown));
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
    sqlx::migrate!()
        .run(&pool)
        .await
        .map_err(|source| OpenError::Migrate {
            path: shown,
            source,
        })?;
    Ok(pool)
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

const STORAGE_FULL: &str = "database or disk is full";

/// Whether an error means the disk (or `max_page_count`) is full.
pub fn is_storage_full(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(db) => {
            db.code().as_deref() == Some("13") || db.message().contains(STORAGE_FULL)
        }
        // an error shared by every draft of a failed batch (see `drafts`) keeps the message
        sqlx::Error::Protocol(message) => message.starts_with(STORAGE_FULL),
        _ => false,
    }
}

/// Whether an error is a unique-constraint violation.
pub fn is_unique_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.is_unique_violation())
}

/// Parses a `sqlite:` URL or plain path into connect options (used by tests and tools).
pub fn options_from_url(url: &str) -> Result<SqliteConnectOptions, sqlx::Error> {
    SqliteConnectOptions::from_str(url)
}
