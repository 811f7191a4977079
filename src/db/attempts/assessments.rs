//! What is known of finished attempts: self-assessments, levels over time (the history chart),
//! where an attempt's reviews stand for its candidate, and per-gauntlet statistics.

use sqlx::{SqliteConnection, SqliteExecutor};

use crate::clock;

/// One self-assessed round.
#[derive(Debug, Clone)]
pub struct SelfLevel {
    pub round_number: i64,
    pub level: i64,
    pub note: String,
}

pub async fn self_assessment(
    db: impl SqliteExecutor<'_>,
    attempt_id: i64,
) -> Result<Vec<SelfLevel>, sqlx::Error> {
    sqlx::query_as!(
        SelfLevel,
        "select round_number, level, note from self_assessments where attempt_id = ? order by round_number",
        attempt_id
    )
    .fetch_all(db)
    .await
}

pub async fn put_self_level(
    conn: &mut SqliteConnection,
    attempt_id: i64,
    round: i64,
    level: i64,
    note: &str,
) -> Result<(), sqlx::Error> {
    let now = clock::now();
    sqlx::query!(
        "insert into self_assessments (attempt_id, round_number, level, note, updated_at)
         values (?, ?, ?, ?, ?)
         on conflict (attempt_id, round_number)
         do update set level = excluded.level, note = excluded.note, updated_at = excluded.updated_at",
        attempt_id,
        round,
        level,
        note,
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Every self-assessed level of a user, with the attempt's gauntlet and finish time (history chart).
#[derive(Debug, Clone)]
pub struct LevelPoint {
    pub attempt_id: i64,
    pub slug: String,
    pub version: String,
    pub round_number: i64,
    pub level: i64,
    pub at: i64,
}

pub async fn self_levels_of_user(
    db: impl SqliteExecutor<'_>,
    user_id: i64,
) -> Result<Vec<LevelPoint>, sqlx::Error> {
    sqlx::query_as!(
        LevelPoint,
        r#"select a.id as "attempt_id!", a.slug, a.version, s.round_number, s.level,
                  coalesce(a.finished_at, a.started_at) as "at!: i64"
           from self_assessments s join attempts a on a.id = s.attempt_id
           where a.user_id = ? order by coalesce(a.finished_at, a.started_at), a.id, s.round_number"#,
        user_id
    )
    .fetch_all(db)
    .await
}

/// Every level interviewers gave a user's attempts in submitted reviews (history chart).
pub async fn reviewed_levels_of_user(
    db: impl SqliteExecutor<'_>,
    user_id: i64,
) -> Result<Vec<LevelPoint>, sqlx::Error> {
    sqlx::query_as!(
        LevelPoint,
        r#"select a.id as "attempt_id!", a.slug, a.version, rr.round_number, rr.level as "level!: i64",
                  r.submitted_at as "at!: i64"
           from review_rounds rr join reviews r on r.id = rr.review_id join attempts a on a.id = r.attempt_id
           where a.user_id = ? and r.submitted_at is not null and rr.level is not null
           order by r.submitted_at, a.id, rr.round_number"#,
        user_id
    )
    .fetch_all(db)
    .await
}

/// Attempts and reviewed levels of one gauntlet (every version), for the team's catalog.
#[derive(Debug, Clone)]
pub struct GauntletStats {
    pub slug: String,
    pub attempts: i64,
    /// Attempts with at least one submitted review.
    pub reviewed: i64,
    /// The mean of every round level in submitted reviews (`None`: nothing reviewed yet).
    pub average_level: Option<f64>,
}

pub async fn stats_by_gauntlet(
    db: impl SqliteExecutor<'_>,
) -> Result<Vec<GauntletStats>, sqlx::Error> {
    sqlx::query_as!(
        GauntletStats,
        r#"select a.slug as "slug!", count(*) as "attempts!: i64",
                  (select count(distinct r.attempt_id) from reviews r join attempts b on b.id = r.attempt_id
                   where b.slug = a.slug and r.submitted_at is not null) as "reviewed!: i64",
                  (select avg(rr.level) from review_rounds rr join reviews r on r.id = rr.review_id
                   join attempts b on b.id = r.attempt_id
                   where b.slug = a.slug and r.submitted_at is not null and rr.level is not null)
                      as "average_level?: f64"
           from attempts a group by a.slug order by a.slug"#
    )
    .fetch_all(db)
    .await
}

/// Where an attempt's reviews stand, as its candidate sees them.
#[derive(Debug, Clone)]
pub struct ReviewState {
    pub attempt_id: i64,
    /// Reviews claimed (draft or final).
    pub claimed: i64,
    /// Reviews submitted.
    pub finals: i64,
    /// Changes to what the candidate reads of the submitted reviews (moved by triggers).
    pub feedback_rev: i64,
    /// `feedback_rev` when the candidate last opened the debrief.
    pub seen_rev: i64,
}

impl ReviewState {
    /// Submitted feedback the candidate has not opened since it arrived or changed.
    pub fn new_feedback(&self) -> bool {
        self.finals > 0 && self.feedback_rev != self.seen_rev
    }
}

/// The review state of every attempt of a user that has any review.
pub async fn review_states_of_user(
    db: impl SqliteExecutor<'_>,
    user_id: i64,
) -> Result<Vec<ReviewState>, sqlx::Error> {
    sqlx::query_as!(
        ReviewState,
        r#"select a.id as "attempt_id!", count(r.id) as "claimed!: i64",
                  count(r.submitted_at) as "finals!: i64",
                  a.feedback_rev as "feedback_rev!: i64",
                  a.feedback_seen_rev as "seen_rev!: i64"
           from attempts a join reviews r on r.attempt_id = a.id
           where a.user_id = ?
           group by a.id"#,
        user_id
    )
    .fetch_all(db)
    .await
}

/// Whether the attempt's feedback changed since the candidate last opened it.
pub async fn feedback_unseen(
    db: impl SqliteExecutor<'_>,
    attempt_id: i64,
) -> Result<bool, sqlx::Error> {
    let unseen = sqlx::query_scalar!(
        r#"select feedback_rev <> feedback_seen_rev as "unseen!: bool" from attempts where id = ?"#,
        attempt_id
    )
    .fetch_optional(db)
    .await?;
    Ok(unseen.unwrap_or(false))
}

/// Records that the candidate opened the attempt's feedback as it stands now (nothing is
/// written when that was recorded already). Called before the feedback is read, so a review
/// arriving in between is announced again rather than missed.
pub async fn mark_feedback_seen(
    conn: &mut SqliteConnection,
    attempt_id: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "update attempts set feedback_seen_rev = feedback_rev
         where id = ? and feedback_seen_rev <> feedback_rev",
        attempt_id
    )
    .execute(conn)
    .await?;
    Ok(())
}
