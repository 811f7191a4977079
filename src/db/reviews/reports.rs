//! Reports over all reviews: the admin's audit log, final levels for calibration and the
//! CSV export's rows.

use sqlx::SqliteExecutor;

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
    /// The reviewer's comment on the round, as the candidate reads it (never the private note).
    pub round_comment: String,
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
                  r.recommendation, r.summary, rr.comment as round_comment
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
