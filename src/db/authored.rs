//! The `authored_gauntlets`, `authored_publications` and `authored_draft_revisions` tables:
//! gauntlets written in the browser, their drafts and their published versions.

use sqlx::{SqliteConnection, SqliteExecutor};

use super::versions;
use crate::clock;

/// A gauntlet written in the browser, with its current draft.
#[derive(Debug, Clone)]
pub struct Authored {
    pub slug: String,
    pub draft: String,
    /// Counts saves of the draft; every save names the revision it started from.
    pub revision: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// Who saved the draft last ("" when that account is gone).
    pub updated_by: String,
}

/// One row of the authoring list.
#[derive(Debug, Clone)]
pub struct Summary {
    pub slug: String,
    pub updated_at: i64,
    pub updated_by: String,
    /// The newest published version's number (0: never published).
    pub published: i64,
    /// Whether the draft differs from the newest published version.
    pub unpublished_changes: bool,
}

/// One published version.
#[derive(Debug, Clone)]
pub struct Publication {
    pub number: i64,
    pub version: String,
    pub title: String,
    pub published_at: i64,
    pub published_by: String,
}

/// What a draft save did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveOutcome {
    /// Saved (or unchanged); the draft's revision now.
    Saved { revision: i64 },
    /// The draft changed since `base`: nothing was overwritten. The current text and revision.
    Conflict { current: String, revision: i64 },
}

/// The gauntlet `slug` written in the browser, if there is one.
pub async fn get(db: impl SqliteExecutor<'_>, slug: &str) -> Result<Option<Authored>, sqlx::Error> {
    sqlx::query_as!(
        Authored,
        r#"select a.slug as "slug!", a.draft, a.revision, a.created_at, a.updated_at,
                  coalesce(u.display_name, '') as "updated_by!: String"
           from authored_gauntlets a left join users u on u.id = a.updated_by
           where a.slug = ?"#,
        slug
    )
    .fetch_optional(db)
    .await
}

/// Every gauntlet written in the browser, by slug.
pub async fn list(db: impl SqliteExecutor<'_>) -> Result<Vec<Summary>, sqlx::Error> {
    sqlx::query_as!(
        Summary,
        r#"select a.slug as "slug!", a.updated_at, coalesce(u.display_name, '') as "updated_by!: String",
                  coalesce((select max(p.number) from authored_publications p where p.slug = a.slug), 0)
                      as "published!: i64",
                  coalesce((select v.source != a.draft from authored_publications p
                            join gauntlet_versions v on v.slug = p.slug and v.version = p.version
                            where p.slug = a.slug order by p.number desc limit 1), 1)
                      as "unpublished_changes!: bool"
           from authored_gauntlets a left join users u on u.id = a.updated_by
           order by a.slug"#
    )
    .fetch_all(db)
    .await
}

/// Creates a gauntlet with its first draft; `false` if the slug is taken.
pub async fn create(
    conn: &mut SqliteConnection,
    slug: &str,
    draft: &str,
    user_id: i64,
) -> Result<bool, sqlx::Error> {
    let now = clock::now();
    let done = sqlx::query!(
        "insert into authored_gauntlets (slug, draft, revision, created_by, created_at, updated_by, updated_at)
         values (?, ?, 1, ?, ?, ?, ?) on conflict (slug) do nothing",
        slug,
        draft,
        user_id,
        now,
        user_id,
        now
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Saves a draft started from revision `base`. When the draft moved on since `base`, nothing
/// is overwritten: the losing text is kept as a `conflict` revision and the current draft is
/// returned. The text a save replaces is kept as an `overwritten` revision. `None`: no such
/// gauntlet. Run it inside a write transaction.
pub async fn save(
    conn: &mut SqliteConnection,
    slug: &str,
    base: i64,
    draft: &str,
    user_id: i64,
) -> Result<Option<SaveOutcome>, sqlx::Error> {
    let Some(row) = sqlx::query!(
        "select draft, revision from authored_gauntlets where slug = ?",
        slug
    )
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let write = DraftWrite {
        slug,
        draft,
        user_id,
        now: clock::now(),
    };
    let outcome = match save_step(row.revision, &row.draft, base, draft) {
        SaveStep::Unchanged => SaveOutcome::Saved {
            revision: row.revision,
        },
        SaveStep::Conflict => {
            keep_conflict(conn, &write, base).await?;
            SaveOutcome::Conflict {
                current: row.draft,
                revision: row.revision,
            }
        }
        SaveStep::Replace => SaveOutcome::Saved {
            revision: replace_draft(conn, &write, row.revision, &row.draft).await?,
        },
    };
    Ok(Some(outcome))
}

/// What a draft save does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SaveStep {
    /// The text is the stored draft already (whichever revision it started from).
    Unchanged,
    /// The draft moved on since the save's base revision.
    Conflict,
    /// The save started from the current revision: its text becomes the draft.
    Replace,
}

/// Decides a save of `draft`, started from revision `base`, over the stored draft.
fn save_step(stored_revision: i64, stored_draft: &str, base: i64, draft: &str) -> SaveStep {
    if stored_draft == draft {
        SaveStep::Unchanged
    } else if stored_revision != base {
        SaveStep::Conflict
    } else {
        SaveStep::Replace
    }
}

/// One save's text, author and time.
struct DraftWrite<'a> {
    slug: &'a str,
    draft: &'a str,
    user_id: i64,
    now: i64,
}

/// Keeps a save that lost to a newer draft as a `conflict` revision of `base`.
async fn keep_conflict(
    conn: &mut SqliteConnection,
    w: &DraftWrite<'_>,
    base: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "insert into authored_draft_revisions (slug, revision, draft, kind, saved_by, saved_at)
                 values (?, ?, ?, 'conflict', ?, ?)",
        w.slug,
        base,
        w.draft,
        w.user_id,
        w.now
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Keeps the stored draft as an `overwritten` revision, writes the new one and returns its
/// revision number.
async fn replace_draft(
    conn: &mut SqliteConnection,
    w: &DraftWrite<'_>,
    stored_revision: i64,
    stored_draft: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query!(
        "insert into authored_draft_revisions (slug, revision, draft, kind, saved_by, saved_at)
         values (?, ?, ?, 'overwritten', ?, ?)",
        w.slug,
        stored_revision,
        stored_draft,
        w.user_id,
        w.now
    )
    .execute(&mut *conn)
    .await?;
    let revision = stored_revision + 1;
    sqlx::query!(
        "update authored_gauntlets set draft = ?, revision = ?, updated_by = ?, updated_at = ?
         where slug = ?",
        w.draft,
        revision,
        w.user_id,
        w.now,
        w.slug
    )
    .execute(&mut *conn)
    .await?;
    Ok(revision)
}

/// Records `source` (already checked) as the next published version of `slug`; returns its
/// number, or `None` if this exact text is already the newest published version. An earlier
/// text published again gets a new number (its stored version is shared).
pub async fn publish(
    conn: &mut SqliteConnection,
    slug: &str,
    version: &str,
    title: &str,
    source: &str,
    user_id: i64,
) -> Result<Option<i64>, sqlx::Error> {
    let newest = sqlx::query_scalar!(
        "select version from authored_publications where slug = ? order by number desc limit 1",
        slug
    )
    .fetch_optional(&mut *conn)
    .await?;
    if newest.as_deref() == Some(version) {
        return Ok(None);
    }
    versions::record(&mut *conn, slug, version, title, source).await?;
    let now = clock::now();
    let number = sqlx::query_scalar!(
        r#"insert into authored_publications (slug, number, version, published_by, published_at)
           values (?, coalesce((select max(number) from authored_publications where slug = ?), 0) + 1,
                   ?, ?, ?)
           returning number as "number!: i64""#,
        slug,
        slug,
        version,
        user_id,
        now
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(Some(number))
}

/// The published versions of `slug`, newest first.
pub async fn publications(
    db: impl SqliteExecutor<'_>,
    slug: &str,
) -> Result<Vec<Publication>, sqlx::Error> {
    sqlx::query_as!(
        Publication,
        r#"select p.number, p.version, v.title, p.published_at,
                  coalesce(u.display_name, '') as "published_by!: String"
           from authored_publications p
           join gauntlet_versions v on v.slug = p.slug and v.version = p.version
           left join users u on u.id = p.published_by
           where p.slug = ? order by p.number desc"#,
        slug
    )
    .fetch_all(db)
    .await
}

/// The source of published version `number` of `slug`.
pub async fn published_source(
    db: impl SqliteExecutor<'_>,
    slug: &str,
    number: i64,
) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "select v.source from authored_publications p
         join gauntlet_versions v on v.slug = p.slug and v.version = p.version
         where p.slug = ? and p.number = ?",
        slug,
        number
    )
    .fetch_optional(db)
    .await
}

/// The newest published text of every gauntlet written in the browser: `(slug, source)`.
pub async fn current_sources(
    db: impl SqliteExecutor<'_>,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select p.slug as "slug!", v.source
           from authored_publications p
           join gauntlet_versions v on v.slug = p.slug and v.version = p.version
           where p.number = (select max(q.number) from authored_publications q where q.slug = p.slug)
           order by p.slug"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.slug, r.source)).collect())
}

/// When each gauntlet written in the browser was first published: `(slug, published_at)`.
pub async fn first_published(
    db: impl SqliteExecutor<'_>,
) -> Result<Vec<(String, i64)>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select slug as "slug!", min(published_at) as "first!: i64"
           from authored_publications group by slug"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| (r.slug, r.first)).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_save_from_the_current_revision_replaces_and_the_same_text_never_conflicts() {
        assert_eq!(save_step(3, "a", 3, "b"), SaveStep::Replace);
        assert_eq!(save_step(4, "a", 3, "b"), SaveStep::Conflict);
        assert_eq!(save_step(4, "a", 3, "a"), SaveStep::Unchanged);
        assert_eq!(save_step(3, "a", 3, "a"), SaveStep::Unchanged);
    }
}
