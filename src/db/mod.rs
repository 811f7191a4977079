//! SQLite storage: opening (pragmas, integrity check, migrations) and the queries, grouped by table.

pub mod attempts;
pub mod backup;
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
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .before_acquire(|conn, _| {
            Box::pin(async move {
                // The ping runs after any rollback still queued on this connection. When a write
                // fails with SQLITE_FULL, SQLite rolls the transaction back itself; sqlx's own
                // ROLLBACK then fails and its transaction count stays at 1, which would make the
                // next BEGIN IMMEDIATE fail. Such a connection is replaced instead of reused.
                conn.ping().await?;
                Ok(SqliteTransactionManager::get_transaction_depth(conn) == 0)
            })
        })
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

/// Starts a write transaction with `BEGIN IMMEDIATE`, so writers queue on the busy timeout
/// instead of failing with SQLITE_BUSY when a read upgrades to a write.
pub async fn begin_write(pool: &SqlitePool) -> Result<Transaction<'static, Sqlite>, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

/// Whether an error means the disk (or `max_page_count`) is full.
pub fn is_storage_full(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Database(db) => {
            db.code().as_deref() == Some("13") || db.message().contains("database or disk is full")
        }
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
