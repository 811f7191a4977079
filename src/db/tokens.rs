//! One-time links: the first-run setup token and invitations. Only SHA-256 hashes are stored.

use sqlx::{SqliteExecutor, SqlitePool};

use crate::{clock, role::Role};

/// A stored invitation, as an admin sees it.
#[derive(Debug, Clone)]
pub struct Invite {
    pub id: i64,
    pub role: Role,
    pub note: String,
    pub created_at: i64,
    pub expires_at: i64,
    pub used_at: Option<i64>,
    pub used_by_email: Option<String>,
    pub revoked_at: Option<i64>,
}

impl Invite {
    /// Whether the link can still be used.
    pub fn is_open(&self) -> bool {
        self.used_at.is_none() && self.revoked_at.is_none() && self.expires_at > clock::now()
    }

    /// "open", "used", "revoked" or "expired".
    pub fn status(&self) -> &'static str {
        if self.used_at.is_some() {
            "used"
        } else if self.revoked_at.is_some() {
            "revoked"
        } else if self.expires_at <= clock::now() {
            "expired"
        } else {
            "open"
        }
    }
}

struct InviteRow {
    id: i64,
    role: Role,
    note: String,
    created_at: i64,
    expires_at: i64,
    used_at: Option<i64>,
    used_by_email: Option<String>,
    revoked_at: Option<i64>,
}

impl From<InviteRow> for Invite {
    fn from(r: InviteRow) -> Self {
        Self {
            id: r.id,
            role: r.role,
            note: r.note,
            created_at: r.created_at,
            expires_at: r.expires_at,
            used_at: r.used_at,
            used_by_email: r.used_by_email,
            revoked_at: r.revoked_at,
        }
    }
}

/// Replaces any earlier setup token with a new one (by hash).
pub async fn replace_setup_token(
    db: &SqlitePool,
    token_hash: &str,
    ttl_secs: i64,
) -> Result<(), sqlx::Error> {
    let now = clock::now();
    let expires = now + ttl_secs;
    let mut tx = crate::db::begin_write(db).await?;
    sqlx::query!("delete from setup_tokens")
        .execute(&mut *tx)
        .await?;
    sqlx::query!(
        "insert into setup_tokens (token_hash, created_at, expires_at) values (?, ?, ?)",
        token_hash,
        now,
        expires
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await
}

/// Whether a setup token is valid now (unused, unexpired).
pub async fn setup_token_valid(
    db: impl SqliteExecutor<'_>,
    token_hash: &str,
) -> Result<bool, sqlx::Error> {
    let now = clock::now();
    let n = sqlx::query_scalar!(
        r#"select count(*) as "n: i64" from setup_tokens
           where token_hash = ? and used_at is null and expires_at > ?"#,
        token_hash,
        now
    )
    .fetch_one(db)
    .await?;
    Ok(n == 1)
}

/// Marks a setup token used; `false` when it was not valid (already used, expired, unknown).
pub async fn consume_setup_token(
    db: impl SqliteExecutor<'_>,
    token_hash: &str,
) -> Result<bool, sqlx::Error> {
    let now = clock::now();
    let done = sqlx::query!(
        "update setup_tokens set used_at = ? where token_hash = ? and used_at is null and expires_at > ?",
        now,
        token_hash,
        now
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn create_invite(
    db: impl SqliteExecutor<'_>,
    token_hash: &str,
    role: Role,
    note: &str,
    created_by: i64,
    ttl_secs: i64,
) -> Result<i64, sqlx::Error> {
    let now = clock::now();
    let expires = now + ttl_secs;
    let role = role.as_str();
    sqlx::query_scalar!(
        r#"insert into invites (token_hash, role, note, created_by, created_at, expires_at)
           values (?, ?, ?, ?, ?, ?) returning id as "id!: i64""#,
        token_hash,
        role,
        note,
        created_by,
        now,
        expires
    )
    .fetch_one(db)
    .await
}

pub async fn list_invites(db: impl SqliteExecutor<'_>) -> Result<Vec<Invite>, sqlx::Error> {
    let rows = sqlx::query_as!(
        InviteRow,
        r#"select i.id as "id!: i64", i.role as "role: Role", i.note, i.created_at, i.expires_at, i.used_at,
                  u.email as "used_by_email?", i.revoked_at
           from invites i left join users u on u.id = i.used_by
           order by i.created_at desc, i.id desc limit 200"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(Invite::from).collect())
}

/// The role of an open invite with this hash, if any.
pub async fn open_invite_role(
    db: impl SqliteExecutor<'_>,
    token_hash: &str,
) -> Result<Option<Role>, sqlx::Error> {
    let now = clock::now();
    let role = sqlx::query_scalar!(
        r#"select role as "role: Role" from invites
         where token_hash = ? and used_at is null and revoked_at is null and expires_at > ?"#,
        token_hash,
        now
    )
    .fetch_optional(db)
    .await?;
    Ok(role)
}

/// Marks an open invite used by `user_id`; `false` when it was no longer open.
pub async fn consume_invite(
    db: impl SqliteExecutor<'_>,
    token_hash: &str,
    user_id: i64,
) -> Result<bool, sqlx::Error> {
    let now = clock::now();
    let done = sqlx::query!(
        "update invites set used_at = ?, used_by = ?
         where token_hash = ? and used_at is null and revoked_at is null and expires_at > ?",
        now,
        user_id,
        token_hash,
        now
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes an invite that is still open; `false` when there was nothing to revoke.
pub async fn revoke_invite(db: impl SqliteExecutor<'_>, id: i64) -> Result<bool, sqlx::Error> {
    let now = clock::now();
    let done = sqlx::query!(
        "update invites set revoked_at = ? where id = ? and used_at is null and revoked_at is null",
        now,
        id
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Stores a password reset link for `user`, valid `ttl_secs`; earlier unused links of the
/// account stop working.
pub async fn create_reset(
    conn: &mut sqlx::SqliteConnection,
    hash: &str,
    user: i64,
    ttl_secs: i64,
) -> Result<(), sqlx::Error> {
    let now = clock::now();
    sqlx::query!(
        "update password_resets set used_at = ? where user_id = ? and used_at is null",
        now,
        user
    )
    .execute(&mut *conn)
    .await?;
    let expires = now + ttl_secs;
    sqlx::query!(
        "insert into password_resets (token_hash, user_id, created_at, expires_at) values (?, ?, ?, ?)",
        hash,
        user,
        now,
        expires
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Reset links created for `user` since `since`.
pub async fn resets_since(
    db: impl SqliteExecutor<'_>,
    user: i64,
    since: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!: i64" from password_resets where user_id = ? and created_at > ?"#,
        user,
        since
    )
    .fetch_one(db)
    .await
}

/// The account a reset link belongs to, while it is unused and unexpired.
pub async fn reset_user(
    db: impl SqliteExecutor<'_>,
    hash: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let now = clock::now();
    sqlx::query_scalar!(
        r#"select user_id as "user_id!: i64" from password_resets
           where token_hash = ? and used_at is null and expires_at > ?"#,
        hash,
        now
    )
    .fetch_optional(db)
    .await
}

/// Uses up a reset link; `None` if it was used, expired or unknown.
pub async fn consume_reset(
    db: impl SqliteExecutor<'_>,
    hash: &str,
) -> Result<Option<i64>, sqlx::Error> {
    let now = clock::now();
    sqlx::query_scalar!(
        r#"update password_resets set used_at = ?
           where token_hash = ? and used_at is null and expires_at > ?
           returning user_id as "user_id!: i64""#,
        now,
        hash,
        now
    )
    .fetch_optional(db)
    .await
}
