//! The `reviews`, `review_rounds`, `review_comments` and `review_audit` tables.

use sqlx::{SqliteConnection, SqliteExecutor};

use crate::{
    clock,
    grading::{
        Recommendation, RoundGrade, Rubric,
        rubric::{format_weak_list, parse_weak_list},
    },
};

/// An attempt in the review queue.
#[derive(Debug, Clone)]
pub struct QueueRow {
    pub attempt_id: i64,
    pub slug: String,
    pub version: String,
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
        r#"select a.id as "attempt_id!", a.slug, a.version, u.display_name as candidate,
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
           where a.review_requested_at is not null
           order by a.review_requested_at, a.id"#,
        me,
        me
    )
    .fetch_all(db)
    .await
}

/// How many reviews (draft or final) an attempt has.
pub async fn count_for_attempt(
    db: impl SqliteExecutor<'_>,
    attempt_id: i64,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select count(*) as "n!: i64" from reviews where attempt_id = ?"#,
        attempt_id
    )
    .fetch_one(db)
    .await
}

/// Claims the attempt for `reviewer` (idempotent), but only while it still asks for a review
/// and is not the reviewer's own; `false` when it does not. The check and the claim are one
/// statement inside the caller's write transaction, so a withdrawal cannot land between them.
pub async fn claim(
    conn: &mut SqliteConnection,
    attempt_id: i64,
    reviewer: i64,
) -> Result<bool, sqlx::Error> {
    let now = clock::now();
    sqlx::query!(
        "insert into reviews (attempt_id, reviewer_id, claimed_at, updated_at)
         select ?1, ?2, ?3, ?3 where exists
             (select 1 from attempts
              where id = ?1 and review_requested_at is not null and user_id <> ?2)
         on conflict (attempt_id, reviewer_id) do nothing",
        attempt_id,
        reviewer,
        now,
    )
    .execute(&mut *conn)
    .await?;
    let held = sqlx::query_scalar!(
        r#"select count(*) as "n!: i64" from reviews where attempt_id = ? and reviewer_id = ?"#,
        attempt_id,
        reviewer
    )
    .fetch_one(conn)
    .await?;
    Ok(held > 0)
}

/// Releases a claim whose review was never submitted; `false` if there was nothing to release.
pub async fn release(
    conn: &mut SqliteConnection,
    attempt_id: i64,
    reviewer: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "delete from reviews where attempt_id = ? and reviewer_id = ? and submitted_at is null",
        attempt_id,
        reviewer
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// A stored review.
#[derive(Debug, Clone)]
pub struct Review {
    pub id: i64,
    pub attempt_id: i64,
    /// 0 when the reviewer's account was removed (then the name is "former interviewer").
    pub reviewer_id: i64,
    pub reviewer_name: String,
    pub reviewer_email: String,
    pub recommendation: Option<String>,
    pub summary: String,
    pub claimed_at: i64,
    pub updated_at: i64,
    pub submitted_at: Option<i64>,
}

impl Review {
    pub fn recommendation(&self) -> Option<Recommendation> {
        self.recommendation
            .as_deref()
            .and_then(Recommendation::parse)
    }
}

/// What an attempt's review page shows besides its answers (which are all submitted, so fixed),
/// as revision numbers kept by triggers: while the stamp is unchanged, so is the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageStamp {
    review_rev: i64,
    requested_at: i64,
    users: i64,
    settings: i64,
}

/// The review page stamp of an attempt that asked for a review (`None` otherwise).
pub async fn page_stamp(
    db: impl SqliteExecutor<'_>,
    attempt_id: i64,
) -> Result<Option<PageStamp>, sqlx::Error> {
    sqlx::query_as!(
        PageStamp,
        r#"select a.review_rev, a.review_requested_at as "requested_at!",
                  (select n from change_counters where name = 'users') as "users!: i64",
                  (select n from change_counters where name = 'settings') as "settings!: i64"
           from attempts a where a.id = ? and a.review_requested_at is not null"#,
        attempt_id
    )
    .fetch_optional(db)
    .await
}

/// Every review of an attempt, oldest claim first.
pub async fn for_attempt(
    db: impl SqliteExecutor<'_>,
    attempt_id: i64,
) -> Result<Vec<Review>, sqlx::Error> {
    sqlx::query_as!(
        Review,
        r#"select r.id as "id!", r.attempt_id, coalesce(r.reviewer_id, 0) as "reviewer_id!: i64",
                  coalesce(u.display_name, 'former interviewer') as "reviewer_name!: String",
                  coalesce(u.email, '') as "reviewer_email!: String", r.recommendation, r.summary,
                  r.claimed_at, r.updated_at, r.submitted_at
           from reviews r left join users u on u.id = r.reviewer_id
           where r.attempt_id = ? order by r.claimed_at, r.id"#,
        attempt_id
    )
    .fetch_all(db)
    .await
}

struct RoundRow {
    round_number: i64,
    level: Option<i64>,
    fell_into_trap: bool,
    weak_answers: String,
    comment: String,
    private_note: String,
}

/// The rubric stored for a review (rounds without a row are absent).
pub async fn rubric(db: impl SqliteExecutor<'_>, review: &Review) -> Result<Rubric, sqlx::Error> {
    let rows = sqlx::query_as!(
        RoundRow,
        r#"select round_number, level, fell_into_trap as "fell_into_trap: bool", weak_answers, comment,
                  private_note
           from review_rounds where review_id = ? order by round_number"#,
        review.id
    )
    .fetch_all(db)
    .await?;
    Ok(Rubric {
        rounds: rows
            .into_iter()
            .map(|r| RoundGrade {
                round: u32::try_from(r.round_number).unwrap_or(0),
                level: r.level.and_then(|l| u8::try_from(l).ok()),
                fell_into_trap: r.fell_into_trap,
                weak_answers: parse_weak_list(&r.weak_answers),
                comment: r.comment,
                private_note: r.private_note,
            })
            .collect(),
        recommendation: review.recommendation(),
        summary: review.summary.clone(),
    })
}

/// Replaces the review's rubric (inside the caller's write transaction).
pub async fn save_rubric(
    conn: &mut SqliteConnection,
    review_id: i64,
    rubric: &Rubric,
) -> Result<(), sqlx::Error> {
    let now = clock::now();
    let rec = rubric.recommendation.map(Recommendation::as_str);
    sqlx::query!(
        "update reviews set recommendation = ?, summary = ?, updated_at = ? where id = ?",
        rec,
        rubric.summary,
        now,
        review_id
    )
    .execute(&mut *conn)
    .await?;
    for r in &rubric.rounds {
        let level = r.level.map(i64::from);
        let weak = format_weak_list(&r.weak_answers);
        sqlx::query!(
            "insert into review_rounds (review_id, round_number, level, fell_into_trap, weak_answers, comment,
                                        private_note)
             values (?, ?, ?, ?, ?, ?, ?)
             on conflict (review_id, round_number) do update set level = excluded.level,
                fell_into_trap = excluded.fell_into_trap, weak_answers = excluded.weak_answers,
                comment = excluded.comment, private_note = excluded.private_note",
            review_id,
            r.round,
            level,
            r.fell_into_trap,
            weak,
            r.comment,
            r.private_note
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Marks the review final; `false` if it already was (a double submit changes nothing).
pub async fn submit(conn: &mut SqliteConnection, review_id: i64) -> Result<bool, sqlx::Error> {
    let now = clock::now();
    let done = sqlx::query!(
        "update reviews set submitted_at = ? where id = ? and submitted_at is null",
        now,
        review_id
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records a change to a submitted review.
pub async fn audit(
    conn: &mut SqliteConnection,
    review_id: i64,
    actor: i64,
    before: &str,
    after: &str,
) -> Result<(), sqlx::Error> {
    let now = clock::now();
    sqlx::query!(
        "insert into review_audit (review_id, actor_id, at, before, after) values (?, ?, ?, ?, ?)",
        review_id,
        actor,
        now,
        before,
        after
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// A comment anchored to a span of a round's answer.
#[derive(Debug, Clone)]
pub struct Comment {
    pub id: i64,
    pub review_id: i64,
    pub round_number: i64,
    pub span_start: i64,
    pub span_end: i64,
    pub quote: String,
    pub body: String,
}

/// Every comment on an attempt, from all its reviews (callers pick the ones the reader may see).
pub async fn comments_for_attempt(
    db: impl SqliteExecutor<'_>,
    attempt_id: i64,
) -> Result<Vec<Comment>, sqlx::Error> {
    sqlx::query_as!(
        Comment,
        r#"select c.id as "id!", c.review_id, c.round_number, c.span_start, c.span_end, c.quote, c.body
           from review_comments c join reviews r on r.id = c.review_id
           where r.attempt_id = ? order by c.round_number, c.span_start, c.id"#,
        attempt_id
    )
    .fetch_all(db)
    .await
}

pub async fn add_comment(
    conn: &mut SqliteConnection,
    review_id: i64,
    round: i64,
    span: (i64, i64),
    quote: &str,
    body: &str,
) -> Result<i64, sqlx::Error> {
    let now = clock::now();
    sqlx::query_scalar!(
        r#"insert into review_comments (review_id, round_number, span_start, span_end, quote, body, created_at)
           values (?, ?, ?, ?, ?, ?, ?) returning id as "id!: i64""#,
        review_id,
        round,
        span.0,
        span.1,
        quote,
        body,
        now
    )
    .fetch_one(conn)
    .await
}

/// Deletes one of the review's own comments.
pub async fn delete_comment(
    conn: &mut SqliteConnection,
    review_id: i64,
    comment_id: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "delete from review_comments where id = ? and review_id = ?",
        comment_id,
        review_id
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One audit entry, for the admin page.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub id: i64,
    pub review_id: i64,
    pub attempt_id: i64,
    pub actor: String,
    pub at: i64,
    pub before: String,
    pub after: String,
}

pub async fn audit_log(db: impl SqliteExecutor<'_>) -> Result<Vec<AuditEntry>, sqlx::Error> {
    sqlx::query_as!(
        AuditEntry,
        r#"select l.id as "id!", l.review_id, r.attempt_id,
                  coalesce(u.email, 'former interviewer') as "actor!: String", l.at, l.before, l.after
           from review_audit l join reviews r on r.id = l.review_id left join users u on u.id = l.actor_id
           order by l.id desc limit 500"#
    )
    .fetch_all(db)
    .await
}

/// Every final level, for calibration.
#[derive(Debug, Clone)]
pub struct FinalLevel {
    pub attempt_id: i64,
    /// The attempt's gauntlet and its pinned version (for names on the calibration page).
    pub slug: String,
    pub version: String,
    /// Minus the review id when the reviewer's account was removed (each counts on its own).
    pub reviewer_id: i64,
    pub round_number: i64,
    pub level: i64,
    pub fell_into_trap: bool,
}

pub async fn final_levels(db: impl SqliteExecutor<'_>) -> Result<Vec<FinalLevel>, sqlx::Error> {
    sqlx::query_as!(
        FinalLevel,
        r#"select r.attempt_id, a.slug, a.version, coalesce(r.reviewer_id, -r.id) as "reviewer_id!: i64",
                  rr.round_number, rr.level as "level!: i64", rr.fell_into_trap as "fell_into_trap: bool"
           from review_rounds rr join reviews r on r.id = rr.review_id join attempts a on a.id = r.attempt_id
           where r.submitted_at is not null and rr.level is not null
           order by r.attempt_id, rr.round_number, r.reviewer_id"#
    )
    .fetch_all(db)
    .await
}

/// One export row as stored: attempt × round × reviewer (`crate::export` turns it into the
/// documented columns).
#[derive(Debug, Clone)]
pub struct ExportRow {
    pub attempt_id: i64,
    pub candidate_email: String,
    pub gauntlet: String,
    pub gauntlet_version: String,
    pub mode: String,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub round_number: i64,
    pub reviewer_email: String,
    pub review_status: String,
    pub level: Option<i64>,
    pub fell_into_trap: bool,
    pub weak_answers: String,
    pub comment_count: i64,
    pub claimed_at: i64,
    pub submitted_at: Option<i64>,
    pub self_level: Option<i64>,
    pub recommendation: Option<String>,
    pub summary: String,
}

pub async fn export_rows(db: impl SqliteExecutor<'_>) -> Result<Vec<ExportRow>, sqlx::Error> {
    sqlx::query_as!(
        ExportRow,
        r#"select a.id as "attempt_id!", cu.email as candidate_email, a.slug as gauntlet,
                  a.version as gauntlet_version, a.mode, a.started_at, a.finished_at,
                  rr.round_number, coalesce(ru.email, 'former interviewer') as "reviewer_email!: String",
                  case when r.submitted_at is null then 'draft' else 'final' end as "review_status!: String",
                  rr.level, rr.fell_into_trap as "fell_into_trap: bool", rr.weak_answers,
                  (select count(*) from review_comments c where c.review_id = r.id and c.round_number = rr.round_number) as "comment_count!: i64",
                  r.claimed_at, r.submitted_at,
                  (select s.level from self_assessments s where s.attempt_id = a.id and s.round_number = rr.round_number) as "self_level?: i64",
                  r.recommendation, r.summary
           from review_rounds rr
           join reviews r on r.id = rr.review_id
           join attempts a on a.id = r.attempt_id
           join users cu on cu.id = a.user_id
           left join users ru on ru.id = r.reviewer_id
           order by a.id, rr.round_number, ru.email"#
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
