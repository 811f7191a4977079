//! The autosave's own statements: one draft, or a whole batch of them, written only over the
//! version the candidate's page last saw, without a read first.

use sqlx::SqliteExecutor;

use super::SaveOutcome;
use crate::clock;

/// The common autosave in one statement: the draft of an existing, unsubmitted answer of
/// `owner`'s attempt (the account's id and the auth epoch of the writer's session), saved only
/// if nobody saved since `base_version` and the account is enabled and still has that epoch.
/// `None` when that does not hold (no such row yet, a conflict, already submitted, not the
/// user's, an account disabled or changed): the caller then takes the careful path
/// ([`save`](super::save)), which tells these apart. Checking the account here, in the write
/// that would change the answer, is what lets the autosave route skip its own read of the
/// account row; the rule is the one `web::extract` applies to every other request, and a
/// change to it changes both.
///
/// An unsubmitted answer row exists only for the attempt's current step (rows are created when
/// a step is reached), so this cannot write to a step the candidate has not reached. A single
/// write statement takes the write lock before reading, like `BEGIN IMMEDIATE`.
pub async fn save_draft(
    db: impl SqliteExecutor<'_>,
    attempt_id: i64,
    owner: (i64, i64),
    step: (i64, &str),
    base_version: i64,
    body: &str,
) -> Result<Option<SaveOutcome>, sqlx::Error> {
    let now = clock::now();
    let (round, part) = step;
    let (user_id, auth_epoch) = owner;
    let version = sqlx::query_scalar!(
        "update answers set body = ?, version = version + 1, updated_at = ?
         where attempt_id = ? and round_number = ? and part = ? and version = ?
           and submitted_at is null
           and exists (select 1 from attempts join users on users.id = attempts.user_id
                       where attempts.id = ? and attempts.user_id = ?
                         and users.disabled = 0 and users.auth_epoch = ?)
         returning version",
        body,
        now,
        attempt_id,
        round,
        part,
        base_version,
        attempt_id,
        user_id,
        auth_epoch
    )
    .fetch_optional(db)
    .await?;
    Ok(version.map(|version| SaveOutcome::Saved {
        version,
        saved_at: now,
    }))
}

/// An answer written by [`save_drafts`], with its new version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedDraft {
    pub attempt_id: i64,
    pub round_number: i64,
    pub part: String,
    pub version: i64,
    pub saved_at: i64,
}

/// Many autosaves in one statement, each under the rules of [`save_draft`]: `drafts` is a JSON
/// array of `{"a": attempt id, "u": user id, "e": auth epoch, "r": round, "p": part, "v": base
/// version, "b": body}`, at most one per answer (two drafts of one answer would race for the
/// same row). The drafts that applied come back; the others did not change anything. One
/// statement instead of one per draft: the writer hands SQLite the whole batch at once.
pub async fn save_drafts(
    db: impl SqliteExecutor<'_>,
    drafts: &str,
) -> Result<Vec<SavedDraft>, sqlx::Error> {
    let now = clock::now();
    sqlx::query_as!(
        SavedDraft,
        r#"update answers set body = d.body, version = answers.version + 1, updated_at = ?
         from (select value ->> 'a' as attempt_id, value ->> 'u' as user_id,
                      value ->> 'e' as auth_epoch, value ->> 'r' as round_number,
                      value ->> 'p' as part,
                      value ->> 'v' as base_version, value ->> 'b' as body
               from json_each(?)) as d
         where answers.attempt_id = d.attempt_id and answers.round_number = d.round_number
           and answers.part = d.part and answers.version = d.base_version
           and answers.submitted_at is null
           and exists (select 1 from attempts join users on users.id = attempts.user_id
                       where attempts.id = d.attempt_id and attempts.user_id = d.user_id
                         and users.disabled = 0 and users.auth_epoch = d.auth_epoch)
         returning answers.attempt_id as "attempt_id!", answers.round_number as "round_number!",
                   answers.part as "part!", answers.version as "version!",
                   answers.updated_at as "saved_at!""#,
        now,
        drafts
    )
    .fetch_all(db)
    .await
}
