//! The `attempts`, `answers`, `answer_revisions` and `self_assessments` tables.

use sqlx::{SqliteConnection, SqliteExecutor};

use crate::{
    clock,
    db::users::{User, account_row},
    practice::{Mode, Part},
    role::Role,
};

mod assessments;
mod autosave;
mod revisions;

pub use assessments::*;
pub use autosave::*;
pub use revisions::*;

/// One attempt, as stored.
#[derive(Debug, Clone)]
pub struct Attempt {
    pub id: i64,
    pub user_id: i64,
    pub slug: String,
    pub version: String,
    pub mode: Mode,
    pub started_at: i64,
    pub finished_at: Option<i64>,
    pub review_requested_at: Option<i64>,
    /// The attempt this one retries ("Try this round again").
    pub retry_of: Option<i64>,
    /// A retry covers this round only.
    pub only_round: Option<i64>,
}

/// One answer (a round's main answer or its follow-up), as stored.
#[derive(Debug, Clone)]
pub struct Answer {
    pub id: i64,
    pub round_number: i64,
    pub part: Part,
    pub body: String,
    pub version: i64,
    pub first_viewed_at: i64,
    pub updated_at: i64,
    pub submitted_at: Option<i64>,
}

/// The outcome of saving a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SaveOutcome {
    Saved {
        version: i64,
        saved_at: i64,
    },
    /// Someone (another tab) saved since `base_version`: nothing was overwritten; the losing
    /// text is kept as a conflict revision.
    Conflict {
        current: String,
        version: i64,
    },
    /// The answer was already submitted and can no longer change.
    Submitted,
}

/// The outcome of submitting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitOutcome {
    Submitted,
    /// Submitted before with this exact text (a double click or a retry): nothing to do.
    AlreadySubmitted,
    Conflict {
        current: String,
        version: i64,
    },
    /// Submitted before with a different text.
    Immutable,
}

pub async fn create(
    conn: &mut SqliteConnection,
    user_id: i64,
    slug: &str,
    version: &str,
    mode: &str,
) -> Result<i64, sqlx::Error> {
    let now = clock::now();
    sqlx::query_scalar!(
        r#"insert into attempts (user_id, slug, version, mode, started_at)
           values (?, ?, ?, ?, ?) returning id as "id!: i64""#,
        user_id,
        slug,
        version,
        mode,
        now
    )
    .fetch_one(conn)
    .await
}

/// An attempt with its owner's account row and all its answers.
#[derive(Debug, Clone)]
pub struct AttemptWithAnswers {
    pub attempt: Attempt,
    /// The owner's account as it is now, read in the same statement as the attempt (the round
    /// page checks its caller's account with it, without a read of its own).
    pub owner: User,
    pub answers: Vec<Answer>,
    /// The live interview running for the attempt (not ended), if any: its id, so that pages
    /// load the session only when there is one.
    pub live_session: Option<i64>,
}

impl AttemptWithAnswers {
    /// About how many bytes this read holds (for `db::fresh_copies`' budget): its text, and a
    /// little for the rest.
    pub fn weight(&self) -> usize {
        let owner = &self.owner;
        let text: usize = self.answers.iter().map(|a| a.body.len() + 64).sum();
        512 + text + owner.email.len() + owner.display_name.len() + owner.password_hash.len()
    }
}

/// Starts a retry of one round of `of` (same gauntlet version and mode).
pub async fn create_retry(
    conn: &mut SqliteConnection,
    of: &Attempt,
    round: i64,
) -> Result<i64, sqlx::Error> {
    let now = clock::now();
    sqlx::query_scalar!(
        r#"insert into attempts (user_id, slug, version, mode, started_at, retry_of, only_round)
           values (?, ?, ?, ?, ?, ?, ?) returning id as "id!: i64""#,
        of.user_id,
        of.slug,
        of.version,
        of.mode,
        now,
        of.id,
        round
    )
    .fetch_one(conn)
    .await
}

/// An attempt, its owner's account row and all its answers in one query (the hot path of the
/// round and review pages). With `owner`, only that user's attempt is found.
pub async fn with_answers(
    db: impl SqliteExecutor<'_>,
    id: i64,
    owner: Option<i64>,
) -> Result<Option<AttemptWithAnswers>, sqlx::Error> {
    let mut rows = sqlx::query!(
        r#"select t.id as "id!", t.user_id, t.slug, t.version, t.mode as "mode: Mode", t.started_at,
                  t.finished_at, t.review_requested_at, t.retry_of, t.only_round,
                  u.email, u.display_name, u.password_hash, u.role as "role: Role",
                  u.disabled as "disabled: bool", u.auth_epoch, u.created_at,
                  u.can_author as "can_author: bool",
                  (select s.id from live_sessions s where s.attempt_id = t.id and s.ended_at is null)
                      as "live_session?: i64",
                  a.id as "answer_id?", a.round_number as "round_number?", a.part as "part?: Part",
                  a.body as "body?", a.version as "answer_version?",
                  a.first_viewed_at as "first_viewed_at?", a.updated_at as "updated_at?",
                  a.submitted_at as "submitted_at?"
           from attempts t join users u on u.id = t.user_id
                left join answers a on a.attempt_id = t.id
           where t.id = ?1 and (?2 is null or t.user_id = ?2)
           order by a.round_number, a.part desc"#,
        id,
        owner
    )
    .fetch_all(db)
    .await?;
    let Some(first) = rows.first_mut() else {
        return Ok(None);
    };
    let attempt = Attempt {
        id: first.id,
        user_id: first.user_id,
        slug: first.slug.clone(),
        version: first.version.clone(),
        mode: first.mode,
        started_at: first.started_at,
        finished_at: first.finished_at,
        review_requested_at: first.review_requested_at,
        retry_of: first.retry_of,
        only_round: first.only_round,
    };
    // the account's text moves out of the first row; the answers below need none of it
    let owner = account_row!(first, first.user_id);
    let live_session = first.live_session;
    let answers = rows
        .into_iter()
        .filter_map(|r| {
            Some(Answer {
                id: r.answer_id?,
                round_number: r.round_number?,
                part: r.part?,
                body: r.body?,
                version: r.answer_version?,
                first_viewed_at: r.first_viewed_at?,
                updated_at: r.updated_at?,
                submitted_at: r.submitted_at,
            })
        })
        .collect();
    Ok(Some(AttemptWithAnswers {
        attempt,
        owner,
        answers,
        live_session,
    }))
}

pub async fn for_user(
    db: impl SqliteExecutor<'_>,
    user_id: i64,
) -> Result<Vec<Attempt>, sqlx::Error> {
    sqlx::query_as!(
        Attempt,
        r#"select id as "id!", user_id, slug, version, mode as "mode: Mode", started_at, finished_at, review_requested_at,
                  retry_of, only_round
           from attempts where user_id = ? order by started_at desc, id desc"#,
        user_id
    )
    .fetch_all(db)
    .await
}

/// A user's attempt with its pinned version's title and how many main answers are submitted.
#[derive(Debug, Clone)]
pub struct AttemptSummary {
    pub attempt: Attempt,
    /// The title `gauntlet_versions` stored for the pinned version.
    pub title: String,
    pub answered: i64,
}

/// Every attempt of a user, newest first, with its title and progress, in one query (the home
/// and history pages).
pub async fn summaries_of_user(
    db: impl SqliteExecutor<'_>,
    user_id: i64,
) -> Result<Vec<AttemptSummary>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"select t.id as "id!", t.user_id, t.slug, t.version, t.mode as "mode: Mode", t.started_at, t.finished_at,
                  t.review_requested_at, t.retry_of, t.only_round, gv.title,
                  (select count(*) from answers a where a.attempt_id = t.id and a.part = 'main'
                     and a.submitted_at is not null) as "answered!: i64"
           from attempts t join gauntlet_versions gv on gv.slug = t.slug and gv.version = t.version
           where t.user_id = ? order by t.started_at desc, t.id desc"#,
        user_id
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| AttemptSummary {
            attempt: Attempt {
                id: r.id,
                user_id: r.user_id,
                slug: r.slug,
                version: r.version,
                mode: r.mode,
                started_at: r.started_at,
                finished_at: r.finished_at,
                review_requested_at: r.review_requested_at,
                retry_of: r.retry_of,
                only_round: r.only_round,
            },
            title: r.title,
            answered: r.answered,
        })
        .collect())
}

pub async fn answers(
    db: impl SqliteExecutor<'_>,
    attempt_id: i64,
) -> Result<Vec<Answer>, sqlx::Error> {
    sqlx::query_as!(
        Answer,
        r#"select id as "id!", round_number, part as "part: Part", body, version, first_viewed_at, updated_at, submitted_at
           from answers where attempt_id = ? order by round_number, part desc"#,
        attempt_id
    )
    .fetch_all(db)
    .await
}

/// The answer row for a step, created (and its first view recorded) on first sight.
pub async fn ensure_answer(
    conn: &mut SqliteConnection,
    attempt_id: i64,
    round: i64,
    part: &str,
) -> Result<Answer, sqlx::Error> {
    let now = clock::now();
    sqlx::query!(
        "insert into answers (attempt_id, round_number, part, first_viewed_at, updated_at)
         values (?, ?, ?, ?, ?) on conflict (attempt_id, round_number, part) do nothing",
        attempt_id,
        round,
        part,
        now,
        now
    )
    .execute(&mut *conn)
    .await?;
    sqlx::query_as!(
        Answer,
        r#"select id as "id!", round_number, part as "part: Part", body, version, first_viewed_at, updated_at, submitted_at
           from answers where attempt_id = ? and round_number = ? and part = ?"#,
        attempt_id,
        round,
        part
    )
    .fetch_one(conn)
    .await
}

/// Keeps a text that lost to a newer save (another tab saved first). Texts that a save
/// replaces are kept by the `answers_keep_overwritten` trigger.
async fn keep_losing_text(
    conn: &mut SqliteConnection,
    answer_id: i64,
    base_version: i64,
    body: &str,
) -> Result<(), sqlx::Error> {
    if body.is_empty() {
        return Ok(());
    }
    let now = clock::now();
    sqlx::query!(
        "insert into answer_revisions (answer_id, version, body, kind, saved_at)
         values (?, ?, ?, 'conflict', ?)",
        answer_id,
        base_version,
        body,
        now
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Saves a draft if nobody saved since `base_version`; the overwritten text is kept.
pub async fn save(
    conn: &mut SqliteConnection,
    answer: &Answer,
    base_version: i64,
    body: &str,
) -> Result<SaveOutcome, sqlx::Error> {
    if answer.submitted_at.is_some() {
        return Ok(SaveOutcome::Submitted);
    }
    if answer.version != base_version && answer.body == body {
        // the same text arrived twice (a save on leaving the page landing after the reload
        // read the answer, or a retry): nothing to write and nothing to choose between
        return Ok(SaveOutcome::Saved {
            version: answer.version,
            saved_at: answer.updated_at,
        });
    }
    if answer.version != base_version {
        keep_losing_text(conn, answer.id, base_version, body).await?;
        return Ok(SaveOutcome::Conflict {
            current: answer.body.clone(),
            version: answer.version,
        });
    }
    let now = clock::now();
    // the overwritten text is kept by the `answers_keep_overwritten` trigger
    let done = sqlx::query!(
        "update answers set body = ?, version = version + 1, updated_at = ?
         where id = ? and version = ? and submitted_at is null",
        body,
        now,
        answer.id,
        base_version
    )
    .execute(conn)
    .await?;
    debug_assert_eq!(
        done.rows_affected(),
        1,
        "checked inside the same write transaction"
    );
    Ok(SaveOutcome::Saved {
        version: base_version + 1,
        saved_at: now,
    })
}

/// Submits an answer with its final text; submitted answers never change again.
pub async fn submit(
    conn: &mut SqliteConnection,
    answer: &Answer,
    base_version: i64,
    body: &str,
) -> Result<SubmitOutcome, sqlx::Error> {
    if answer.submitted_at.is_some() {
        return Ok(if answer.body == body {
            SubmitOutcome::AlreadySubmitted
        } else {
            SubmitOutcome::Immutable
        });
    }
    if answer.version != base_version && answer.body != body {
        keep_losing_text(conn, answer.id, base_version, body).await?;
        return Ok(SubmitOutcome::Conflict {
            current: answer.body.clone(),
            version: answer.version,
        });
    }
    let now = clock::now();
    // the overwritten text is kept by the `answers_keep_overwritten` trigger
    sqlx::query!(
        "update answers set body = ?, version = version + 1, updated_at = ?, submitted_at = ?
         where id = ? and submitted_at is null",
        body,
        now,
        now,
        answer.id
    )
    .execute(conn)
    .await?;
    Ok(SubmitOutcome::Submitted)
}

/// Marks the attempt finished (idempotent).
pub async fn finish(conn: &mut SqliteConnection, attempt_id: i64) -> Result<(), sqlx::Error> {
    let now = clock::now();
    sqlx::query!(
        "update attempts set finished_at = ? where id = ? and finished_at is null",
        now,
        attempt_id
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes an unfinished attempt of this user; `false` if there was none.
pub async fn delete_unfinished(
    conn: &mut SqliteConnection,
    attempt_id: i64,
    user_id: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query!(
        "delete from attempts where id = ? and user_id = ? and finished_at is null",
        attempt_id,
        user_id
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Asks for a review (`true`) or withdraws the request (`false`); only finished attempts.
pub async fn set_review_requested(
    conn: &mut SqliteConnection,
    attempt_id: i64,
    requested: bool,
) -> Result<bool, sqlx::Error> {
    let at = requested.then(clock::now);
    let done = sqlx::query!(
        "update attempts set review_requested_at = ?, assigned_to = null, assigned_at = null
         where id = ? and finished_at is not null",
        at,
        attempt_id
    )
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
