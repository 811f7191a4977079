//! The `users` table.

use sqlx::SqliteExecutor;

use crate::{clock, role::Role};

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
    /// The authoring permission an admin granted (counts only for interviewers).
    pub can_author: bool,
}

impl User {
    /// Whether this account may write gauntlets in the browser: admins, and interviewers an
    /// admin gave the authoring permission.
    pub fn may_author(&self) -> bool {
        self.role == Role::Admin || (self.role == Role::Interviewer && self.can_author)
    }
}

struct UserRow {
    id: i64,
    email: String,
    display_name: String,
    password_hash: String,
    role: Role,
    disabled: bool,
    auth_epoch: i64,
    created_at: i64,
    can_author: bool,
}

/// A [`User`] from a query's record holding the account's columns under their own names (as
/// [`by_id`] selects them) and its id in `$id`: for a statement that reads the account row
/// beside what a page shows (`db::attempts::with_answers`, `db::reviews::page_read`). The
/// text columns are moved out of `$r` (a mutable place), which keeps empty strings.
macro_rules! account_row {
    ($r:expr, $id:expr) => {
        $crate::db::users::User {
            id: $id,
            email: ::std::mem::take(&mut $r.email),
            display_name: ::std::mem::take(&mut $r.display_name),
            password_hash: ::std::mem::take(&mut $r.password_hash),
            role: $r.role,
            disabled: $r.disabled,
            auth_epoch: $r.auth_epoch,
            created_at: $r.created_at,
            can_author: $r.can_author,
        }
    };
}
pub(crate) use account_row;

impl From<UserRow> for User {
    fn from(mut r: UserRow) -> Self {
        // an unknown stored role is a decoding error, never a silent default
        account_row!(r, r.id)
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
        r#"select id as "id!", email, display_name, password_hash, role as "role: Role", disabled as "disabled: bool",
                  auth_epoch, created_at, can_author as "can_author: bool"
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
        r#"select id as "id!", email, display_name, password_hash, role as "role: Role", disabled as "disabled: bool",
                  auth_epoch, created_at, can_author as "can_author: bool"
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
        r#"select id as "id!", email, display_name, password_hash, role as "role: Role", disabled as "disabled: bool",
                  auth_epoch, created_at, can_author as "can_author: bool"
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

/// Grants or withdraws the authoring permission (no session ends: the permission is read from
/// the account on every request).
pub async fn set_can_author(
    db: impl SqliteExecutor<'_>,
    id: i64,
    allowed: bool,
) -> Result<bool, sqlx::Error> {
    let now = clock::now();
    let done = sqlx::query!(
        "update users set can_author = ?, updated_at = ? where id = ?",
        allowed,
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

/// What removing an account took with it.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Removal {
    pub attempts: i64,
    pub answers: i64,
    pub revisions: i64,
    /// Reviews of the person's attempts (by anyone) and the person's unfinished claims.
    pub reviews_removed: i64,
    /// Submitted reviews the person wrote on other people's attempts: kept, anonymised.
    pub reviews_kept: i64,
    pub sessions: i64,
    pub invites: i64,
}

/// Why an account cannot be removed.
#[derive(Debug, thiserror::Error)]
pub enum RemoveError {
    #[error("no such account")]
    NotFound,
    #[error("this is the only active admin; make someone else an admin first")]
    LastAdmin,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Removes an account and everything that is theirs: attempts with their answers, revisions,
/// self-assessments and the reviews of them; their unfinished review claims; their sessions and
/// invites (the one they joined with, and unused ones they made), and mail addressed to them;
/// their drill cards, live sessions, notification settings and reset links go with the account
/// (foreign keys). Submitted reviews they wrote on other people's attempts stay, with no
/// reviewer (shown as "former interviewer"). The only active admin cannot be removed. Writes a row to `account_removals` (no email or name).
/// Run it inside a write transaction (`db::begin_write`).
pub async fn remove(
    conn: &mut sqlx::SqliteConnection,
    id: i64,
    actor_id: Option<i64>,
    actor: &str,
    owner: SessionOwner,
) -> Result<(User, Removal), RemoveError> {
    let user = by_id(&mut *conn, id).await?.ok_or(RemoveError::NotFound)?;
    if user.role == Role::Admin && !user.disabled && active_admins(&mut *conn).await? <= 1 {
        return Err(RemoveError::LastAdmin);
    }
    let r = preview(&mut *conn, id, owner).await?;
    remove_belongings(conn, &user, owner).await?;
    log_removal(conn, &user, actor_id, actor, &r).await?;
    // the foreign keys do the rest: attempts → answers → revisions, self-assessments and reviews
    // of them cascade; reviews and audit entries they wrote elsewhere keep a null author
    sqlx::query!("delete from users where id = ?", id)
        .execute(&mut *conn)
        .await?;
    Ok((user, r))
}

/// Deletes what the foreign keys do not take with the account: its unfinished review claims on
/// other people's attempts, its invites, mail addressed to it and its sessions.
async fn remove_belongings(
    conn: &mut sqlx::SqliteConnection,
    user: &User,
    owner: SessionOwner,
) -> Result<(), sqlx::Error> {
    let id = user.id;
    sqlx::query!(
        "delete from reviews where reviewer_id = ? and submitted_at is null
           and attempt_id not in (select id from attempts where user_id = ?)",
        id,
        id
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query!(
        "delete from invites where used_by = ? or (created_by = ? and used_at is null)",
        id,
        id
    )
    .execute(&mut *conn)
    .await?;
    // mail addressed to them, sent or waiting, holds their address and their attempts' titles
    sqlx::query!(
        "delete from outbox where channel = 'email' and recipient = ?",
        user.email
    )
    .execute(&mut *conn)
    .await?;
    for row_id in session_rows(&mut *conn, id, owner).await? {
        sqlx::query("delete from tower_sessions where id = ?")
            .bind(row_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Writes the `account_removals` row: who removed whom, with the counts (no email or name).
async fn log_removal(
    conn: &mut sqlx::SqliteConnection,
    user: &User,
    actor_id: Option<i64>,
    actor: &str,
    r: &Removal,
) -> Result<(), sqlx::Error> {
    let id = user.id;
    let role = user.role.as_str();
    let now = clock::now();
    let detail = serde_json::to_string(r).unwrap_or_default();
    sqlx::query!(
        "insert into account_removals (at, actor_id, actor, subject_id, auth_epoch, role, detail)
         values (?, ?, ?, ?, ?, ?, ?)",
        now,
        actor_id,
        actor,
        id,
        user.auth_epoch,
        role,
        detail
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// What removing the account would take (the confirmation page shows it; `remove` logs it).
pub async fn preview(
    conn: &mut sqlx::SqliteConnection,
    id: i64,
    owner: SessionOwner,
) -> Result<Removal, sqlx::Error> {
    Ok(Removal {
        attempts: sqlx::query_scalar!(
            r#"select count(*) as "n!: i64" from attempts where user_id = ?"#,
            id
        )
        .fetch_one(&mut *conn)
        .await?,
        answers: sqlx::query_scalar!(
            r#"select count(*) as "n!: i64" from answers
               where attempt_id in (select id from attempts where user_id = ?)"#,
            id
        )
        .fetch_one(&mut *conn)
        .await?,
        revisions: sqlx::query_scalar!(
            r#"select count(*) as "n!: i64" from answer_revisions where answer_id in
               (select n.id from answers n join attempts a on a.id = n.attempt_id where a.user_id = ?)"#,
            id
        )
        .fetch_one(&mut *conn)
        .await?,
        // reviews of their attempts (by anyone) and their own unfinished claims elsewhere
        reviews_removed: sqlx::query_scalar!(
            r#"select count(*) as "n!: i64" from reviews r join attempts a on a.id = r.attempt_id
               where a.user_id = ? or (r.reviewer_id = ? and r.submitted_at is null)"#,
            id,
            id
        )
        .fetch_one(&mut *conn)
        .await?,
        reviews_kept: sqlx::query_scalar!(
            r#"select count(*) as "n!: i64" from reviews r join attempts a on a.id = r.attempt_id
               where r.reviewer_id = ? and a.user_id <> ? and r.submitted_at is not null"#,
            id,
            id
        )
        .fetch_one(&mut *conn)
        .await?,
        sessions: session_rows(&mut *conn, id, owner).await?.len() as i64,
        invites: sqlx::query_scalar!(
            r#"select count(*) as "n!: i64" from invites
               where used_by = ? or (created_by = ? and used_at is null)"#,
            id,
            id
        )
        .fetch_one(&mut *conn)
        .await?,
    })
}

/// Reads the account a stored session row belongs to. The session store owns the rows' format,
/// so callers pass its reader (`auth::session_store::stored_user`).
pub type SessionOwner = fn(&[u8]) -> Option<i64>;

/// The stored session rows of an account. Rows are keyed by a hash of the cookie, so the
/// account is read from each row's record. The table belongs to the session store and may not
/// exist yet in a database that was never served.
async fn session_rows(
    conn: &mut sqlx::SqliteConnection,
    id: i64,
    owner: SessionOwner,
) -> Result<Vec<String>, sqlx::Error> {
    let exists: i64 = sqlx::query_scalar(
        "select count(*) from sqlite_schema where type = 'table' and name = 'tower_sessions'",
    )
    .fetch_one(&mut *conn)
    .await?;
    if exists == 0 {
        return Ok(Vec::new());
    }
    let rows: Vec<(String, Vec<u8>)> = sqlx::query_as("select id, data from tower_sessions")
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows
        .into_iter()
        .filter(|(_, data)| owner(data) == Some(id))
        .map(|(row_id, _)| row_id)
        .collect())
}

/// One entry of the account-removal log, for the admin audit page.
#[derive(Debug, Clone)]
pub struct RemovalEntry {
    pub at: i64,
    pub actor: String,
    pub subject_id: i64,
    pub role: String,
    pub detail: String,
}

/// The newest account removals first.
pub async fn removals(db: impl SqliteExecutor<'_>) -> Result<Vec<RemovalEntry>, sqlx::Error> {
    sqlx::query_as!(
        RemovalEntry,
        r#"select at, actor, subject_id, role, detail from account_removals
           order by id desc limit 200"#
    )
    .fetch_all(db)
    .await
}
