//! Schema versions: which migrations this binary carries, which the database has applied, and
//! the checks around upgrading (pending migrations, a database newer than the binary).

use sqlx::{SqliteConnection, migrate::Migrator};

/// The migrations compiled into this binary.
pub static MIGRATOR: Migrator = sqlx::migrate!();

/// One migration: its version number (the file's timestamp prefix) and description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub version: i64,
    pub description: String,
}

/// How the database's schema compares with the binary's.
#[derive(Debug, Clone, Default)]
pub struct Status {
    /// The newest migration the database has applied (`None`: a new, empty database).
    pub current: Option<i64>,
    /// The newest migration this binary knows.
    pub latest: i64,
    /// Migrations the binary has and the database has not applied yet, oldest first.
    pub pending: Vec<Step>,
    /// Migrations the database has applied that this binary does not know (a downgrade).
    pub unknown: Vec<i64>,
}

impl Status {
    /// The schema version as people read it: the newest applied migration, or 0.
    pub fn current_or_zero(&self) -> i64 {
        self.current.unwrap_or(0)
    }

    /// The refusal for a database written by a newer release, naming both versions.
    pub fn downgrade_message(&self, path: &str) -> Option<String> {
        let newest = *self.unknown.iter().max()?;
        Some(format!(
            "database {path} has schema version {newest}, newer than this release knows (schema version {}); \
             it was written by a newer release of gauntlet. Run that newer release again, or restore \
             the copy written before the upgrade ({path}.schema-{}-*.bak, or a backup) to use this one",
            self.latest, self.latest
        ))
    }
}

/// The binary's migrations, oldest first.
pub fn known() -> Vec<Step> {
    MIGRATOR
        .iter()
        .map(|m| Step {
            version: m.version,
            description: m.description.to_string(),
        })
        .collect()
}

/// Compares the database's applied migrations with the binary's (reads only).
pub async fn status(conn: &mut SqliteConnection) -> Result<Status, sqlx::Error> {
    let has_table: i64 = sqlx::query_scalar(
        "select count(*) from sqlite_schema where type = 'table' and name = '_sqlx_migrations'",
    )
    .fetch_one(&mut *conn)
    .await?;
    let applied: Vec<i64> = if has_table == 0 {
        Vec::new()
    } else {
        sqlx::query_scalar("select version from _sqlx_migrations where success order by version")
            .fetch_all(&mut *conn)
            .await?
    };
    let known = known();
    let latest = known.iter().map(|s| s.version).max().unwrap_or(0);
    Ok(Status {
        current: applied.iter().copied().max(),
        latest,
        pending: known
            .into_iter()
            .filter(|s| !applied.contains(&s.version))
            .collect(),
        unknown: applied
            .into_iter()
            .filter(|v| !MIGRATOR.iter().any(|m| m.version == *v))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::Connection;

    #[tokio::test]
    async fn an_empty_database_has_every_migration_pending_and_none_unknown() {
        let mut conn = SqliteConnection::connect("sqlite::memory:").await.unwrap();
        let s = status(&mut conn).await.unwrap();
        assert_eq!(s.current, None);
        assert_eq!(s.pending.len(), known().len());
        assert!(s.unknown.is_empty());
        assert!(s.downgrade_message("x.db").is_none());
    }

    #[tokio::test]
    async fn a_migration_the_binary_lacks_is_named_in_the_refusal() {
        let mut conn = SqliteConnection::connect("sqlite::memory:").await.unwrap();
        MIGRATOR.run(&mut conn).await.unwrap();
        sqlx::query(
            "insert into _sqlx_migrations (version, description, success, checksum, execution_time)
             values (99991231000000, 'from the future', 1, x'00', 0)",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        let s = status(&mut conn).await.unwrap();
        assert!(s.pending.is_empty());
        assert_eq!(s.unknown, vec![99991231000000]);
        let msg = s.downgrade_message("g.db").unwrap();
        assert!(msg.contains("99991231000000"), "{msg}");
        assert!(msg.contains(&s.latest.to_string()), "{msg}");
    }
}
