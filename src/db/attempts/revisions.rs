//! The `answer_revisions` table as read back: kept texts for the export and the review page's
//! replay, the personal export's pages, and the bytes an account stores.

use sqlx::SqliteExecutor;

use crate::practice::Part;

/// One kept revision of an answer (the candidate's own export).
#[derive(Debug, Clone)]
pub struct Revision {
    pub id: i64,
    pub version: i64,
    pub body: String,
    pub kind: String,
    pub saved_at: i64,
}

/// Up to `limit` revisions of one answer after revision `after_id`, oldest first: the export
/// reads them a few at a time.
pub async fn revisions_after(
    db: impl SqliteExecutor<'_>,
    answer_id: i64,
    after_id: i64,
    limit: i64,
) -> Result<Vec<Revision>, sqlx::Error> {
    sqlx::query_as!(
        Revision,
        r#"select id as "id!", version, body, kind, saved_at from answer_revisions
           where answer_id = ? and id > ? order by id limit ?"#,
        answer_id,
        after_id,
        limit
    )
    .fetch_all(db)
    .await
}

/// Bytes a user's answers and their kept revisions take (the account storage limit): each text's
/// bytes plus 64 for its row, so that many tiny texts count too. Only the rows' headers are read
/// (`octet_length` of a column does not load the text), so this costs about one index step per
/// answer and revision.
pub async fn stored_bytes(db: impl SqliteExecutor<'_>, user_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"select (select coalesce(sum(octet_length(a.body) + 64), 0)
                   from attempts t join answers a on a.attempt_id = t.id
                   where t.user_id = ?1)
                + (select coalesce(sum(octet_length(r.body) + 64), 0)
                   from attempts t join answers a on a.attempt_id = t.id
                        join answer_revisions r on r.answer_id = a.id
                   where t.user_id = ?1) as "bytes!: i64""#,
        user_id
    )
    .fetch_one(db)
    .await
}

/// A text kept when a newer save overwrote it.
#[derive(Debug, Clone)]
pub struct KeptText {
    pub answer_id: i64,
    pub saved_at: i64,
    pub body: String,
}

/// The overwritten texts kept for every main answer of an attempt, oldest first per answer,
/// from each answer's first `per_answer` revisions (the review page's replay), in one query.
pub async fn overwritten_of_attempt(
    db: impl SqliteExecutor<'_>,
    attempt_id: i64,
    per_answer: i64,
) -> Result<Vec<KeptText>, sqlx::Error> {
    sqlx::query_as!(
        KeptText,
        r#"select answer_id as "answer_id!: i64", saved_at as "saved_at!: i64", body as "body!: String"
           from (select r.answer_id, r.saved_at, r.body, r.kind,
                        row_number() over (partition by r.answer_id order by r.id) as n
                 from answers a join answer_revisions r on r.answer_id = a.id
                 where a.attempt_id = ? and a.part = 'main')
           where n <= ? and kind = 'overwritten'
           order by answer_id, n"#,
        attempt_id,
        per_answer
    )
    .fetch_all(db)
    .await
}

/// One self-assessed round of any of a user's attempts.
#[derive(Debug, Clone)]
pub struct UserSelfLevel {
    pub attempt_id: i64,
    pub round_number: i64,
    pub level: i64,
    pub note: String,
}

/// Every self-assessed round of a user's attempts, by attempt and round (the export).
pub async fn self_levels_for_export(
    db: impl SqliteExecutor<'_>,
    user_id: i64,
) -> Result<Vec<UserSelfLevel>, sqlx::Error> {
    sqlx::query_as!(
        UserSelfLevel,
        r#"select s.attempt_id, s.round_number, s.level, s.note
           from self_assessments s join attempts a on a.id = s.attempt_id
           where a.user_id = ? order by s.attempt_id, s.round_number"#,
        user_id
    )
    .fetch_all(db)
    .await
}

/// Where a page of [`answers_page`] starts: after this attempt (by start time and id, newest
/// first) and this step of it (round, then the main answer before the follow-up).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnswerCursor {
    pub started_at: i64,
    pub attempt_id: i64,
    pub round_number: i64,
    pub part: String,
}

impl AnswerCursor {
    /// Before every answer.
    pub fn start() -> Self {
        Self {
            started_at: i64::MAX,
            attempt_id: i64::MAX,
            round_number: i64::MIN,
            part: String::new(),
        }
    }
}

/// An answer in the export's order, with its attempt's start and how many texts it keeps.
#[derive(Debug, Clone)]
pub struct ExportAnswer {
    pub attempt_id: i64,
    pub started_at: i64,
    pub answer: super::Answer,
    pub revisions: i64,
}

/// Up to `limit` answers of a user's attempts after `after`, in the order the export writes
/// them (attempts newest first, then by round, the main answer before the follow-up).
pub async fn answers_page(
    db: impl SqliteExecutor<'_>,
    user_id: i64,
    after: &AnswerCursor,
    limit: i64,
) -> Result<Vec<ExportAnswer>, sqlx::Error> {
    // the first page starts before every part name: '~' sorts after 'main' and 'follow_up'
    let part = if after.part.is_empty() {
        "~"
    } else {
        after.part.as_str()
    };
    let rows = sqlx::query!(
        r#"select t.id as "attempt_id!: i64", t.started_at, a.id as "id!: i64", a.round_number,
                  a.part as "part: Part", a.body, a.version, a.first_viewed_at, a.updated_at, a.submitted_at,
                  (select count(*) from answer_revisions r where r.answer_id = a.id) as "revisions!: i64"
           from attempts t join answers a on a.attempt_id = t.id
           where t.user_id = ?1
             and (t.started_at < ?2 or (t.started_at = ?2 and (t.id < ?3 or (t.id = ?3
                  and (a.round_number > ?4 or (a.round_number = ?4 and a.part < ?5))))))
           order by t.started_at desc, t.id desc, a.round_number, a.part desc
           limit ?6"#,
        user_id,
        after.started_at,
        after.attempt_id,
        after.round_number,
        part,
        limit
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ExportAnswer {
            attempt_id: r.attempt_id,
            started_at: r.started_at,
            answer: super::Answer {
                id: r.id,
                round_number: r.round_number,
                part: r.part,
                body: r.body,
                version: r.version,
                first_viewed_at: r.first_viewed_at,
                updated_at: r.updated_at,
                submitted_at: r.submitted_at,
            },
            revisions: r.revisions,
        })
        .collect())
}
