//! The `gauntlet_versions` table: every version of a gauntlet that was ever loaded.

use sqlx::{SqliteConnection, SqliteExecutor};

use crate::clock;

/// Records a version (idempotent: a version already stored is left as it is).
pub async fn record(
    conn: &mut SqliteConnection,
    slug: &str,
    version: &str,
    title: &str,
    source: &str,
) -> Result<(), sqlx::Error> {
    let now = clock::now();
    sqlx::query!(
        "insert into gauntlet_versions (slug, version, title, source, first_seen_at)
         values (?, ?, ?, ?, ?) on conflict (slug, version) do nothing",
        slug,
        version,
        title,
        source,
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// The stored source of one exact version.
pub async fn source(
    db: impl SqliteExecutor<'_>,
    slug: &str,
    version: &str,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "select source from gauntlet_versions where slug = ? and version = ?",
        slug,
        version
    )
    .fetch_optional(db)
    .await
}

/// When each slug was first loaded on this site: `(slug, first_seen_at)`.
pub async fn first_seen(db: impl SqliteExecutor<'_>) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select slug as "slug!", min(first_seen_at) as "first!: i64"
           from gauntlet_versions group by slug"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.slug, r.first)).collect())
}
