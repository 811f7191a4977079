//! Consistent online backups: `VACUUM INTO` a temporary file beside the target, fsync it,
//! check its integrity, then rename it into place and fsync the folder. A partial backup (a
//! crash mid-way) is only ever the temporary file, never the target. Copies are created
//! readable by their owner only. Also: dated backups in a folder and their rotation, and the
//! name of the copy taken before an upgrade.

use std::path::{Path, PathBuf};

use sqlx::{Connection, SqliteConnection, SqlitePool, sqlite::SqliteConnectOptions};

use crate::clock;

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
    // VACUUM INTO fills an existing empty file, which keeps the owner-only mode made here
    create_private(&tmp)?;
    let tmp_str = tmp.to_string_lossy().to_string();
    if let Err(e) = sqlx::query("vacuum into ?")
        .bind(&tmp_str)
        .execute(pool)
        .await
    {
        let _ = std::fs::remove_file(&tmp);
        return Err(e.into());
    }
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

/// Creates an empty file that only its owner can read and write (databases, their copies).
/// Fails if the file exists.
pub fn create_private(path: &Path) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path).map(drop)
}

/// Where the copy taken before an upgrade goes: next to the database, named with the schema
/// version it holds and the time, e.g. `gauntlet.db.schema-20261128000005-20261205T010203Z.bak`.
pub fn pre_upgrade_path(db: &Path, schema_version: i64) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(format!(
        ".schema-{schema_version}-{}.bak",
        stamp(clock::now())
    ));
    PathBuf::from(name)
}

/// `YYYYMMDDTHHMMSSZ` in UTC.
fn stamp(unix: i64) -> String {
    let t =
        time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// The prefix and suffix of the files `gauntlet backup --dir` writes.
const DATED_PREFIX: &str = "gauntlet-";
const DATED_SUFFIX: &str = ".db";

/// The name of a dated backup taken at `unix`: `gauntlet-YYYYMMDDTHHMMSSZ.db`.
pub fn dated_name(unix: i64) -> String {
    format!("{DATED_PREFIX}{}{DATED_SUFFIX}", stamp(unix))
}

/// Whether a file name is one `gauntlet backup --dir` wrote (exactly its pattern).
pub fn is_dated_name(name: &str) -> bool {
    let Some(middle) = name
        .strip_prefix(DATED_PREFIX)
        .and_then(|r| r.strip_suffix(DATED_SUFFIX))
    else {
        return false;
    };
    let b = middle.as_bytes();
    b.len() == 16
        && b[8] == b'T'
        && b[15] == b'Z'
        && b[..8].iter().chain(&b[9..15]).all(u8::is_ascii_digit)
}

/// Deletes the oldest dated backups in `dir` beyond the newest `keep`; any other file (another
/// name, a folder, a link) is never touched. Returns what was deleted, oldest first.
pub fn rotate(dir: &Path, keep: usize) -> std::io::Result<Vec<PathBuf>> {
    let mut ours = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        if is_dated_name(name) && entry.file_type()?.is_file() {
            ours.push(name.to_string());
        }
    }
    // the timestamp sorts as text
    ours.sort();
    let excess = ours.len().saturating_sub(keep);
    let mut removed = Vec::new();
    for name in &ours[..excess] {
        let path = dir.join(name);
        std::fs::remove_file(&path)?;
        removed.push(path);
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dated_names_round_trip_and_nothing_else_matches() {
        let name = dated_name(1_764_896_523);
        assert_eq!(name, "gauntlet-20251205T010203Z.db");
        assert!(is_dated_name(&name));
        for other in [
            "gauntlet.db",
            "gauntlet-20251205T010203Z.db.tmp",
            "gauntlet-20251205T010203Z.db-wal",
            "gauntlet-2025120XT010203Z.db",
            "gauntlet-20251205T010203.db",
            "notes-20251205T010203Z.db",
            "gauntlet-20251205T0102033Z.db",
        ] {
            assert!(!is_dated_name(other), "{other}");
        }
    }
}
