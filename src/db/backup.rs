//! Consistent online backups: `VACUUM INTO` a temporary file beside the target, fsync it,
//! check its integrity, then rename it into place and fsync the folder. A partial backup (a
//! crash mid-way) is only ever the temporary file, never the target.

use std::path::{Path, PathBuf};

use sqlx::{Connection, SqliteConnection, SqlitePool, sqlite::SqliteConnectOptions};

/// What a finished backup holds.
#[derive(Debug, Clone)]
pub struct BackupReport {
    pub path: PathBuf,
    pub bytes: u64,
    pub users: i64,
    pub attempts: i64,
}

/// Why a backup failed; nothing is left at the target path.
#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} already exists; choose a new file name (backups never overwrite)")]
    Exists(String),
    #[error("cannot write the backup: {0}")]
    Io(#[from] std::io::Error),
    #[error("the database refused the backup: {0}")]
    Db(#[from] sqlx::Error),
    #[error("the backup failed its integrity check ({0}); it was deleted")]
    Corrupt(String),
}

/// Copies the live database to `dest` while the site keeps serving.
pub async fn backup(pool: &SqlitePool, dest: &Path) -> Result<BackupReport, BackupError> {
    if dest.exists() {
        return Err(BackupError::Exists(dest.display().to_string()));
    }
    let mut tmp = dest.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    if tmp.exists() {
        std::fs::remove_file(&tmp)?;
    }
    let tmp_str = tmp.to_string_lossy().to_string();
    sqlx::query("vacuum into ?")
        .bind(&tmp_str)
        .execute(pool)
        .await?;
    let result = verify(&tmp).await;
    let (users, attempts) = match result {
        Ok(counts) => counts,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(e);
        }
    };
    std::fs::File::open(&tmp)?.sync_all()?;
    std::fs::rename(&tmp, dest)?;
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        // make the rename itself durable
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(BackupReport {
        path: dest.to_path_buf(),
        bytes: std::fs::metadata(dest)?.len(),
        users,
        attempts,
    })
}

/// Opens a finished copy read-only: integrity check and row counts.
async fn verify(path: &Path) -> Result<(i64, i64), BackupError> {
    let opts = SqliteConnectOptions::new().filename(path).read_only(true);
    let mut conn = SqliteConnection::connect_with(&opts).await?;
    let check: String = sqlx::query_scalar("pragma integrity_check")
        .fetch_one(&mut conn)
        .await?;
    if check != "ok" {
        return Err(BackupError::Corrupt(check));
    }
    let users: i64 = sqlx::query_scalar("select count(*) from users")
        .fetch_one(&mut conn)
        .await?;
    let attempts: i64 = sqlx::query_scalar("select count(*) from attempts")
        .fetch_one(&mut conn)
        .await?;
    conn.close().await?;
    Ok((users, attempts))
}
