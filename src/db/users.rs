//! The `users` table.

use sqlx::SqliteExecutor;

use crate::{auth::Role, clock};

/// A stored account.
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub disabled: bool,
    pub auth_epoch: i64,
    pub created_at: i64,
}

struct UserRow {
    id: i64,
    email: String,
    display_name: String,
    password_hash: String,
    role: String,
    disabled: bool,
    auth_epoch: i64,
    created_at: i64,
}

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        Self {
            id: r.id,
            email: r.email,
            display_name: r.display_name,
            password_hash: r.password_hash,
            // the CHECK constraint guarantees a known role; fall back to the least privilege
            role: r.role.parse().unwrap_or(Role::Candidate),
            disabled: r.disabled,
            auth_epoch: r.auth_epoch,
            created_at: r.created_at,
        }
    }
}

/// What a new account needs.
#[derive(Debug)]
pub struct NewUser<'a> {
    pub email: &'a str,
    pub display_name: &'a str,
    pub password_hash: &'a str,
    pub role: Role,
}

/// Normalises an email for storage and lookup.
pub fn normalise_email(email: &str) -> String {
    email.trim().to_lowercase()
}

pub async fn count(db: impl SqliteExecutor<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(r#"select count(*) as "n: i64" from users"#)
        .fetch_one(db)
        .await
}

pub async fn by_id(db: impl SqliteExecutor<'_>, id: i64) -> Result<Option<User>, sqlx::Error> {
    let row = sqlx::query_as!(
        UserRow,
        r#"select id as "id!", email, display_name, password_hash, role, disabled as "disabled: bool",
                  auth_epoch, created_at
           from users where id = ?"#,
        id
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(User::from))
}

pub async fn by_email(
    db: impl SqliteExecutor<'_>,
    email: &str,
) -> Result<Option<User>, sqlx::Error> {
    let email = normalise_email(email);
    let row = sqlx::query_as!(
        UserRow,
        r#"select id as "id!", email, display_name, password_hash, role, disabled as "disabled: bool",
                  auth_epoch, created_at
           from users where email = ?"#,
        email
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(User::from))
}

pub async fn list(db: impl SqliteExecutor<'_>) -> Result<Vec<User>, sqlx::Error> {
    let rows = sqlx::query_as!(
        UserRow,
        r#"select id as "id!", email, display_name, password_hash, role, disabled as "disabled: bool",
                  auth_epoch, created_at
           from users order by disabled, role, email"#
    )
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(User::from).collect())
}

/// Inserts an account; a duplicate email is a unique violation (see `db::is_unique_violation`).
pub async fn insert(db: impl SqliteExecutor<'_>, new: &NewUser<'_>) -> Result<i64, sqlx::Error> {
    let now = clock::now();
    let email = normalise_email(new.email);
    let role = new.role.as_str();
    let id = sqlx::query_scalar!(
        r#"insert into users (email, display_name, password_hash, role, created_at, updated_at)
           values (?, ?, ?, ?, ?, ?) returning id as "id!: i64""#,
        email,
        new.display_name,
        new.password_hash,
        role,
        now,
        now
    )
    .fetch_one(db)
    .await?;
    Ok(id)
}

/// Changes a role and ends the user's sessions (privileges changed).
pub async fn set_role(
    db: impl SqliteExecutor<'_>,
    id: i64,
    role: Role,
) -> Result<bool, sqlx::Error> {
    let now = clock::now();
    let role = role.as_str();
    let done = sqlx::query!(
        "update users set role = ?, auth_epoch = auth_epoch + 1, updated_at = ? where id = ?",
        role,
        now,
        id
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Disables or re-enables an account; either way its existing sessions stop working.
pub async fn set_disabled(
    db: impl SqliteExecutor<'_>,
    id: i64,
    disabled: bool,
) -> Result<bool, sqlx::Error> {
    let now = clock::now();
    let done = sqlx::query!(
        "update users set disabled = ?, auth_epoch = auth_epoch + 1, updated_at = ? where id = ?",
        disabled,
        now,
        id
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Ends every session of the account (they carry the old epoch); `false` if there is no such user.
pub async fn end_sessions(db: impl SqliteExecutor<'_>, id: i64) -> Result<bool, sqlx::Error> {
    let now = clock::now();
    let done = sqlx::query!(
        "update users set auth_epoch = auth_epoch + 1, updated_at = ? where id = ?",
        now,
        id
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Replaces a password hash (e.g. after a parameter upgrade) without ending sessions.
pub async fn set_password_hash(
    db: impl SqliteExecutor<'_>,
    id: i64,
    hash: &str,
) -> Result<(), sqlx::Error> {
    let now = clock::now();
    sqlx::query!(
        "update users set password_hash = ?, updated_at = ? where id = ?",
        hash,
        now,
        id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// How many enabled admins there are (the last one cannot be demoted or disabled).
pub async fn active_admins(db: impl SqliteExecutor<'_>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select count(*) as "n: i64" from users where role = 'admin' and disabled = 0"#
    )
    .fetch_one(db)
    .await
}

/// Sets a new password hash and ends every existing session of the account.
pub async fn change_password(
    db: impl SqliteExecutor<'_>,
    id: i64,
    hash: &str,
) -> Result<i64, sqlx::Error> {
    let now = clock::now();
    sqlx::query_scalar!(
        r#"update users set password_hash = ?, auth_epoch = auth_epoch + 1, updated_at = ?
           where id = ? returning auth_epoch as "epoch!: i64""#,
        hash,
        now,
        id
    )
    .fetch_one(db)
    .await
}
