//! The `reviews`, `review_rounds`, `review_comments` and `review_audit` tables.

use sqlx::{SqliteConnection, SqliteExecutor};

mod assignment;
mod page;
mod reports;

pub use assignment::*;
pub use page::{AttemptReviews, PageRead, PageStamp, page_read};
pub use reports::*;

use crate::{
    clock,
    db::attempts::{Answer, Attempt, KeptText},
    grading::{
        Recommendation, RoundGrade, Rubric,
        rubric::{format_weak_list, parse_weak_list},
        visibility::ReviewState,
    },
};

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
    /// What the visibility rule needs to know of this review.
    pub fn state(&self) -> ReviewState {
        ReviewState {
            reviewer_id: self.reviewer_id,
            submitted: self.submitted_at.is_some(),
        }
    }

    pub fn recommendation(&self) -> Option<Recommendation> {
        self.recommendation
            .as_deref()
            .and_then(Recommendation::parse)
    }
}

/// What a requested attempt's review page shows that cannot change while the request stands
/// (the attempt, its submitted answers and their kept texts), with the candidate's name: right
/// while [`PageStamp::submitted_part`] is unchanged.
pub struct SubmittedWork {
    pub attempt: Attempt,
    pub candidate: String,
    pub answers: Vec<Answer>,
    /// Overwritten texts of the main answers, oldest first per answer (the replay).
    pub kept: Vec<KeptText>,
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

impl From<RoundRow> for RoundGrade {
    fn from(r: RoundRow) -> Self {
        RoundGrade {
            round: u32::try_from(r.round_number).unwrap_or(0),
            level: r.level.and_then(|l| u8::try_from(l).ok()),
            fell_into_trap: r.fell_into_trap,
            weak_answers: parse_weak_list(&r.weak_answers),
            comment: r.comment,
            private_note: r.private_note,
        }
    }
}

/// The rubric of `review` from its stored rounds (rounds without a row are absent).
fn rubric_of(review: &Review, rounds: Vec<RoundGrade>) -> Rubric {
    Rubric {
        rounds,
        recommendation: review.recommendation(),
        summary: review.summary.clone(),
    }
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
    Ok(rubric_of(
        review,
        rows.into_iter().map(RoundGrade::from).collect(),
    ))
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
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Comment {
    pub id: i64,
    pub review_id: i64,
    pub round_number: i64,
    pub span_start: i64,
    pub span_end: i64,
    pub quote: String,
    pub body: String,
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
