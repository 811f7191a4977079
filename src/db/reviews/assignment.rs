//! Who reviews what: the review queue, assigning requests to interviewers (their load and
//! categories), and requests waiting too long.

use sqlx::{SqliteConnection, SqliteExecutor};

use crate::clock;

/// An attempt in the review queue.
#[derive(Debug, Clone)]
pub struct QueueRow {
    pub attempt_id: i64,
    pub slug: String,
    pub version: String,
    /// The pinned version's title (as `gauntlet_versions` stored it).
    pub title: String,
    pub candidate: String,
    pub finished_at: Option<i64>,
    pub requested_at: i64,
    /// Display names of everyone who claimed it, comma-separated.
    pub reviewers: Option<String>,
    pub final_reviews: i64,
    /// Reviews claimed (draft or final).
    pub claims: i64,
    pub mine: Option<i64>,
    pub mine_submitted: Option<i64>,
    /// The interviewer the request is assigned to (Admin → Settings), if any.
    pub assignee_id: Option<i64>,
    pub assignee: Option<String>,
}

/// All attempts that asked for a review, oldest request first.
pub async fn queue(db: impl SqliteExecutor<'_>, me: i64) -> Result<Vec<QueueRow>, sqlx::Error> {
    sqlx::query_as!(
        QueueRow,
        r#"select a.id as "attempt_id!", a.slug, a.version, gv.title, u.display_name as candidate,
                  a.finished_at, a.review_requested_at as "requested_at!",
                  (select group_concat(coalesce(ru.display_name, 'former interviewer'), ', ') from reviews r left join users ru on ru.id = r.reviewer_id
                    where r.attempt_id = a.id) as "reviewers?: String",
                  (select count(*) from reviews r where r.attempt_id = a.id and r.submitted_at is not null) as "final_reviews!: i64",
                  (select count(*) from reviews r where r.attempt_id = a.id) as "claims!: i64",
                  (select r.id from reviews r where r.attempt_id = a.id and r.reviewer_id = ?) as "mine?: i64",
                  (select r.submitted_at from reviews r where r.attempt_id = a.id and r.reviewer_id = ?) as "mine_submitted?: i64",
                  a.assigned_to as "assignee_id?: i64",
                  (select x.display_name from users x where x.id = a.assigned_to) as "assignee?: String"
           from attempts a join users u on u.id = a.user_id
                join gauntlet_versions gv on gv.slug = a.slug and gv.version = a.version
           where a.review_requested_at is not null
           order by a.review_requested_at, a.id"#,
        me,
        me
    )
    .fetch_all(db)
    .await
}

/// An interviewer who may be assigned a review, with the open work they hold.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub id: i64,
    /// Claimed and unsubmitted reviews plus assigned, unclaimed requests.
    pub load: i64,
    /// Whether they opted into the gauntlet's category.
    pub opted_in: bool,
}

/// Active interviewers other than the attempt's owner, by id, with their load.
pub async fn assignable(
    db: impl SqliteExecutor<'_>,
    owner: i64,
    slug: &str,
) -> Result<Vec<Candidate>, sqlx::Error> {
    sqlx::query_as!(
        Candidate,
        r#"select u.id as "id!",
                  (select count(*) from reviews r where r.reviewer_id = u.id and r.submitted_at is null)
                  + (select count(*) from attempts a where a.assigned_to = u.id
                       and a.review_requested_at is not null
                       and not exists (select 1 from reviews r where r.attempt_id = a.id)) as "load!: i64",
                  exists (select 1 from interviewer_categories c where c.user_id = u.id and c.slug = ?) as "opted_in!: bool"
           from users u
           where u.role = 'interviewer' and u.disabled = 0 and u.id <> ?
           order by u.id"#,
        slug,
        owner
    )
    .fetch_all(db)
    .await
}

/// Assigns a requested attempt to `reviewer` from now.
pub async fn assign(
    db: impl SqliteExecutor<'_>,
    attempt_id: i64,
    reviewer: i64,
) -> Result<(), sqlx::Error> {
    let now = clock::now();
    sqlx::query!(
        "update attempts set assigned_to = ?, assigned_at = ? where id = ? and review_requested_at is not null",
        reviewer,
        now,
        attempt_id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// An assigned request nobody has started.
#[derive(Debug, Clone)]
pub struct Stale {
    pub attempt_id: i64,
    pub owner: i64,
    pub slug: String,
    pub assigned_to: i64,
}

/// Assigned requests that nobody claimed since before `cutoff`.
pub async fn stale_assignments(
    db: impl SqliteExecutor<'_>,
    cutoff: i64,
) -> Result<Vec<Stale>, sqlx::Error> {
    sqlx::query_as!(
        Stale,
        r#"select a.id as "attempt_id!", a.user_id as owner, a.slug, a.assigned_to as "assigned_to!: i64"
           from attempts a
           where a.review_requested_at is not null and a.assigned_to is not null and a.assigned_at < ?
             and not exists (select 1 from reviews r where r.attempt_id = a.id)
           order by a.assigned_at, a.id"#,
        cutoff
    )
    .fetch_all(db)
    .await
}

/// A request still waiting for a final review, for the admin's "waiting longest" view.
#[derive(Debug, Clone)]
pub struct Waiting {
    pub attempt_id: i64,
    pub slug: String,
    pub candidate: String,
    pub requested_at: i64,
    pub assignee: Option<String>,
    pub reviewers: Option<String>,
}

/// Requests without a final review, the longest-waiting first.
pub async fn waiting_longest(db: impl SqliteExecutor<'_>) -> Result<Vec<Waiting>, sqlx::Error> {
    sqlx::query_as!(
        Waiting,
        r#"select a.id as "attempt_id!", a.slug, u.display_name as candidate,
                  a.review_requested_at as "requested_at!: i64",
                  (select x.display_name from users x where x.id = a.assigned_to) as "assignee?: String",
                  (select group_concat(coalesce(ru.display_name, 'former interviewer'), ', ')
                     from reviews r left join users ru on ru.id = r.reviewer_id
                    where r.attempt_id = a.id) as "reviewers?: String"
           from attempts a join users u on u.id = a.user_id
           where a.review_requested_at is not null
             and not exists (select 1 from reviews r where r.attempt_id = a.id and r.submitted_at is not null)
           order by a.review_requested_at, a.id limit 200"#
    )
    .fetch_all(db)
    .await
}

/// The gauntlets an interviewer opted into.
pub async fn categories(
    db: impl SqliteExecutor<'_>,
    user: i64,
) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar!(
        "select slug from interviewer_categories where user_id = ? order by slug",
        user
    )
    .fetch_all(db)
    .await
}

/// Replaces the gauntlets an interviewer opted into.
pub async fn set_categories(
    conn: &mut SqliteConnection,
    user: i64,
    slugs: &[String],
) -> Result<(), sqlx::Error> {
    sqlx::query!("delete from interviewer_categories where user_id = ?", user)
        .execute(&mut *conn)
        .await?;
    for slug in slugs {
        sqlx::query!(
            "insert into interviewer_categories (user_id, slug) values (?, ?)",
            user,
            slug
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
