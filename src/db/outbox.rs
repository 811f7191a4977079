//! The `outbox`, `notification_optouts` and `reminder_digests` tables: messages waiting to be
//! delivered, what each person turned off, and when each last got a reminder digest.

use sqlx::{SqliteConnection, SqliteExecutor};

use crate::clock;

/// A message to store (see `notify` for who composes them).
#[derive(Debug, Clone)]
pub struct NewMessage<'a> {
    /// `email` or `webhook`.
    pub channel: &'a str,
    pub kind: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub body_html: &'a str,
}

/// Stores a message for the sender; it is due at once.
pub async fn enqueue(db: impl SqliteExecutor<'_>, m: &NewMessage<'_>) -> Result<i64, sqlx::Error> {
    let now = clock::now();
    sqlx::query_scalar!(
        r#"insert into outbox (channel, kind, recipient, subject, body_text, body_html, created_at,
                               next_attempt_at)
           values (?, ?, ?, ?, ?, ?, ?, ?) returning id as "id!: i64""#,
        m.channel,
        m.kind,
        m.recipient,
        m.subject,
        m.body_text,
        m.body_html,
        now,
        now
    )
    .fetch_one(db)
    .await
}

/// A stored message.
#[derive(Debug, Clone)]
pub struct Message {
    pub id: i64,
    pub channel: String,
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub created_at: i64,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub sent_at: Option<i64>,
    pub failed_at: Option<i64>,
    pub last_error: String,
}

impl Message {
    /// "queued", "sent" or "failed".
    pub fn status(&self) -> &'static str {
        if self.sent_at.is_some() {
            "sent"
        } else if self.failed_at.is_some() {
            "failed"
        } else {
            "queued"
        }
    }
}

/// Messages due now, oldest first.
pub async fn due(db: impl SqliteExecutor<'_>, limit: i64) -> Result<Vec<Message>, sqlx::Error> {
    let now = clock::now();
    sqlx::query_as!(
        Message,
        r#"select id as "id!", channel, kind, recipient, subject, body_text, body_html, created_at,
                  attempts, next_attempt_at, sent_at, failed_at, last_error
           from outbox where sent_at is null and failed_at is null and next_attempt_at <= ?
           order by next_attempt_at, id limit ?"#,
        now,
        limit
    )
    .fetch_all(db)
    .await
}

/// When the next waiting message is due (`None`: nothing waits).
pub async fn next_due(db: impl SqliteExecutor<'_>) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select min(next_attempt_at) as "at?: i64" from outbox
           where sent_at is null and failed_at is null"#
    )
    .fetch_one(db)
    .await
}

pub async fn mark_sent(db: impl SqliteExecutor<'_>, id: i64) -> Result<(), sqlx::Error> {
    let now = clock::now();
    sqlx::query!(
        "update outbox set sent_at = ?, attempts = attempts + 1, last_error = '' where id = ?",
        now,
        id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Records a failed try: due again at `retry_at`, or failed for good when that is `None`.
pub async fn mark_attempt_failed(
    db: impl SqliteExecutor<'_>,
    id: i64,
    error: &str,
    retry_at: Option<i64>,
) -> Result<(), sqlx::Error> {
    let now = clock::now();
    let failed_at = retry_at.is_none().then_some(now);
    let next = retry_at.unwrap_or(now);
    sqlx::query!(
        "update outbox set attempts = attempts + 1, last_error = ?, next_attempt_at = ?,
                failed_at = ? where id = ?",
        error,
        next,
        failed_at,
        id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// The latest messages for the admin page.
pub async fn recent(db: impl SqliteExecutor<'_>, limit: i64) -> Result<Vec<Message>, sqlx::Error> {
    sqlx::query_as!(
        Message,
        r#"select id as "id!", channel, kind, recipient, subject, body_text, body_html, created_at,
                  attempts, next_attempt_at, sent_at, failed_at, last_error
           from outbox order by id desc limit ?"#,
        limit
    )
    .fetch_all(db)
    .await
}

/// How many messages are queued, sent and failed.
#[derive(Debug, Clone, Default)]
pub struct Counts {
    pub queued: i64,
    pub sent: i64,
    pub failed: i64,
}

pub async fn counts(db: impl SqliteExecutor<'_>) -> Result<Counts, sqlx::Error> {
    let row = sqlx::query!(
        r#"select coalesce(sum(sent_at is null and failed_at is null), 0) as "queued!: i64",
                  coalesce(sum(sent_at is not null), 0) as "sent!: i64",
                  coalesce(sum(failed_at is not null), 0) as "failed!: i64"
           from outbox"#
    )
    .fetch_one(db)
    .await?;
    Ok(Counts {
        queued: row.queued,
        sent: row.sent,
        failed: row.failed,
    })
}

/// Whether message `id` exists.
pub async fn exists(db: impl SqliteExecutor<'_>, id: i64) -> Result<bool, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select exists(select 1 from outbox where id = ?) as "e!: bool""#,
        id
    )
    .fetch_one(db)
    .await
}

/// Puts a failed message back in the queue, due at once.
pub async fn retry(db: impl SqliteExecutor<'_>, id: i64) -> Result<bool, sqlx::Error> {
    let now = clock::now();
    let done = sqlx::query!(
        "update outbox set failed_at = null, attempts = 0, next_attempt_at = ?
         where id = ? and failed_at is not null",
        now,
        id
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The kinds a person turned off.
pub async fn optouts(db: impl SqliteExecutor<'_>, user: i64) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "select kind from notification_optouts where user_id = ? order by kind",
        user
    )
    .fetch_all(db)
    .await
}

/// Replaces the kinds a person turned off.
pub async fn set_optouts(
    conn: &mut SqliteConnection,
    user: i64,
    kinds: &[&str],
) -> Result<(), sqlx::Error> {
    sqlx::query!("delete from notification_optouts where user_id = ?", user)
        .execute(&mut *conn)
        .await?;
    for kind in kinds {
        sqlx::query!(
            "insert into notification_optouts (user_id, kind) values (?, ?)",
            user,
            kind
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// A person who may get a message of some kind: active, and has not turned the kind off.
#[derive(Debug, Clone)]
pub struct Recipient {
    pub id: i64,
    pub email: String,
    pub display_name: String,
}

/// The person `user` if active and the kind is on for them.
pub async fn recipient(
    db: impl SqliteExecutor<'_>,
    user: i64,
    kind: &str,
) -> Result<Option<Recipient>, sqlx::Error> {
    sqlx::query_as!(
        Recipient,
        r#"select id as "id!", email, display_name from users
           where id = ? and disabled = 0
             and not exists (select 1 from notification_optouts o where o.user_id = users.id and o.kind = ?)"#,
        user,
        kind
    )
    .fetch_optional(db)
    .await
}

/// Every active interviewer and admin except `except`, who has the kind on.
pub async fn reviewers_wanting(
    db: impl SqliteExecutor<'_>,
    kind: &str,
    except: i64,
) -> Result<Vec<Recipient>, sqlx::Error> {
    sqlx::query_as!(
        Recipient,
        r#"select id as "id!", email, display_name from users
           where role in ('interviewer', 'admin') and disabled = 0 and id <> ?
             and not exists (select 1 from notification_optouts o where o.user_id = users.id and o.kind = ?)
           order by id"#,
        except,
        kind
    )
    .fetch_all(db)
    .await
}

/// One line of a reminder digest.
#[derive(Debug, Clone)]
pub struct Pending {
    pub user_id: i64,
    pub attempt_id: i64,
    pub slug: String,
    pub requested_at: i64,
    /// `true`: the person claimed it and has not submitted; `false`: nobody claimed it.
    pub claimed: bool,
}

/// What reminders would name, per person: requests nobody claimed since before `cutoff`
/// (for every interviewer, or for the assigned one) and claims not submitted since before
/// `cutoff` (for the claimer). Only people with reminders on and no digest since `digest_after`.
pub async fn pending_reminders(
    db: impl SqliteExecutor<'_>,
    cutoff: i64,
    digest_after: i64,
) -> Result<Vec<Pending>, sqlx::Error> {
    sqlx::query_as!(
        Pending,
        r#"select u.id as "user_id!", a.id as "attempt_id!", a.slug,
                  a.review_requested_at as "requested_at!: i64", 0 as "claimed!: bool"
           from attempts a join users u
             on u.role in ('interviewer', 'admin') and u.disabled = 0 and u.id <> a.user_id
                and (a.assigned_to is null or a.assigned_to = u.id)
           where a.review_requested_at is not null and a.review_requested_at < ?
             and not exists (select 1 from reviews r where r.attempt_id = a.id)
             and not exists (select 1 from notification_optouts o where o.user_id = u.id and o.kind = 'reminders')
             and not exists (select 1 from reminder_digests d where d.user_id = u.id and d.sent_at > ?)
           union all
           select u.id, a.id, a.slug, a.review_requested_at, 1
           from reviews r join attempts a on a.id = r.attempt_id join users u on u.id = r.reviewer_id
           where r.submitted_at is null and r.claimed_at < ? and u.disabled = 0
             and a.review_requested_at is not null
             and not exists (select 1 from notification_optouts o where o.user_id = u.id and o.kind = 'reminders')
             and not exists (select 1 from reminder_digests d where d.user_id = u.id and d.sent_at > ?)
           order by 1, 4"#,
        cutoff,
        digest_after,
        cutoff,
        digest_after
    )
    .fetch_all(db)
    .await
}

/// Notes that `user` got a digest now.
pub async fn digest_sent(db: impl SqliteExecutor<'_>, user: i64) -> Result<(), sqlx::Error> {
    let now = clock::now();
    sqlx::query!(
        "insert into reminder_digests (user_id, sent_at) values (?, ?)
         on conflict (user_id) do update set sent_at = excluded.sent_at",
        user,
        now
    )
    .execute(db)
    .await?;
    Ok(())
}
