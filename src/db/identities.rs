//! The `oidc_identities` table (which account a person of the identity provider is) and the
//! site setting that lets such people join.

use sqlx::SqliteExecutor;

use crate::clock;

/// The settings key of "people from the identity provider may join".
const JOIN_KEY: &str = "oidc_join";

/// The account linked to `(issuer, subject)`.
pub async fn user_for(
    db: impl SqliteExecutor<'_>,
    issuer: &str,
    subject: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        "select user_id from oidc_identities where issuer = ? and subject = ?",
        issuer,
        subject
    )
    .fetch_optional(db)
    .await
}

/// Links `(issuer, subject)` to an account.
pub async fn link(
    db: impl SqliteExecutor<'_>,
    issuer: &str,
    subject: &str,
    user: i64,
) -> Result<(), sqlx::Error> {
    let now = clock::now();
    sqlx::query!(
        "insert into oidc_identities (issuer, subject, user_id, created_at, last_seen_at)
         values (?, ?, ?, ?, ?)",
        issuer,
        subject,
        user,
        now,
        now
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Records a sign-in of the identity.
pub async fn seen(
    db: impl SqliteExecutor<'_>,
    issuer: &str,
    subject: &str,
) -> Result<(), sqlx::Error> {
    let now = clock::now();
    sqlx::query!(
        "update oidc_identities set last_seen_at = ? where issuer = ? and subject = ?",
        now,
        issuer,
        subject
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Whether people from the identity provider may create an account by signing in (off
/// unless an admin turned it on).
pub async fn may_join(db: impl SqliteExecutor<'_>) -> Result<bool, sqlx::Error> {
    let v = sqlx::query_scalar!("select value from settings where key = ?", JOIN_KEY)
        .fetch_optional(db)
        .await?;
    Ok(v.as_deref() == Some("on"))
}

/// Turns joining through the identity provider on or off.
pub async fn set_may_join(db: impl SqliteExecutor<'_>, on: bool) -> Result<(), sqlx::Error> {
    super::settings::put(db, JOIN_KEY, if on { "on" } else { "off" }).await
}
