//! Candidate practice: start an attempt, answer the rounds one at a time (with autosave and the
//! trap follow-ups), study-mode guidance, deleting an unfinished attempt. The debrief is in
//! `debrief`.
//!
//! Every route loads the attempt through `load_owned`, so another user's attempt is a 404, and
//! the round page only ever receives the steps the candidate has reached.

mod answer;
mod guidance;
mod round;

pub use answer::{save, submit};
pub use guidance::round_guidance;
pub use round::{ContextRound, LiveBar, Progress, show};

use std::sync::Arc;

use axum::{
    extract::{Path, State},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use sqlx::SqliteConnection;
use tower_sessions::Session;

use crate::{
    auth::session,
    clock,
    config::Config,
    content::Gauntlet,
    content_store::Pinned,
    db::{
        self,
        attempts::{Answer, Attempt},
        users::User,
    },
    practice::{Mode, Part, Step, StepState, steps},
    state::AppState,
    web::{
        error::{AppError, Result},
        extract::{CurrentUser, SessionAccount},
        form::StrictForm,
        live,
    },
};

/// An attempt of the signed-in user with its pinned gauntlet and answers.
pub struct Loaded {
    pub attempt: Attempt,
    pub pinned: Arc<Pinned>,
    pub answers: Vec<Answer>,
    /// The live interview running for the attempt, if any (`db::attempts::with_answers`).
    pub live_session: Option<i64>,
}

impl Loaded {
    pub fn gauntlet(&self) -> &Gauntlet {
        &self.pinned.gauntlet
    }

    pub fn mode(&self) -> Mode {
        self.attempt.mode
    }

    pub fn states(&self) -> Vec<StepState> {
        self.answers
            .iter()
            .filter_map(|a| {
                Some(StepState {
                    step: Step {
                        round: u32::try_from(a.round_number).ok()?,
                        part: a.part,
                    },
                    submitted: a.submitted_at.is_some(),
                })
            })
            .collect()
    }

    pub fn current(&self) -> Option<Step> {
        self.current_in(&self.states())
    }

    /// The current step given these step states; a retry covers its one round only.
    pub fn current_in(&self, states: &[StepState]) -> Option<Step> {
        steps::current_step_in(self.gauntlet(), states, self.only_round())
    }

    /// The one round a retry covers.
    pub fn only_round(&self) -> Option<u32> {
        self.attempt.only_round.and_then(|r| u32::try_from(r).ok())
    }

    /// Where a finished attempt is read: the debrief, or for a retry the comparison.
    pub fn finished_url(&self) -> String {
        if self.attempt.only_round.is_some() {
            format!("/attempts/{}/compare", self.attempt.id)
        } else {
            format!("/attempts/{}/debrief", self.attempt.id)
        }
    }

    pub fn answer(&self, round: u32, part: Part) -> Option<&Answer> {
        self.answers
            .iter()
            .find(|a| a.round_number == i64::from(round) && a.part == part)
    }
}

/// Loads an attempt only if it belongs to `user_id` (otherwise 404: its existence is not confirmed).
pub async fn load_owned(state: &AppState, id: i64, user_id: i64) -> Result<Loaded> {
    let read = db::attempts::with_answers(&mut *state.db.get().await?, id, Some(user_id))
        .await?
        .ok_or(AppError::NotFound)?;
    with_pinned(state, read).await
}

/// Loads the caller's own attempt for a route that checks the account in its own statement
/// ([`AccountCheck::InStatement`](crate::web::routes::AccountCheck)): the attempt's query
/// brings its owner's account row, which is checked as the route layer would
/// ([`SessionAccount::check`]) before anything else is done. When the caller owns no such
/// attempt, the account is read and checked on its own first, so a disabled or changed account
/// is signed out rather than told 404. The read is served from memory while nothing was
/// committed since it last ran (`AppState::round_reads`), so the check sees the row as it is.
pub async fn load_own(
    state: &AppState,
    id: i64,
    account: &SessionAccount,
) -> Result<(User, Loaded)> {
    let owner = account.user_id();
    // a read connection only when the kept read is stale: under load a kept read does not
    // wait for a connection it does not use
    let read = async {
        let mut conn = state.db.get().await?;
        db::attempts::with_answers(&mut *conn, id, Some(owner)).await
    };
    let Some(read) = state.round_reads.get_or_read((id, owner), read).await? else {
        account.verify(state).await?;
        return Err(AppError::NotFound);
    };
    let user = account.check(state, Some(read.owner.clone())).await?;
    Ok((user, with_pinned(state, read).await?))
}

/// The loaded attempt around its pinned gauntlet version (read from the database only when it
/// is not in memory).
async fn with_pinned(state: &AppState, read: db::attempts::AttemptWithAnswers) -> Result<Loaded> {
    let db::attempts::AttemptWithAnswers {
        attempt,
        answers,
        live_session,
        ..
    } = read;
    let pinned = state
        .content
        .pinned_from(&state.db, &attempt.slug, &attempt.version)
        .await?
        .ok_or_else(|| AppError::missing_version(&attempt.slug, &attempt.version))?;
    Ok(Loaded {
        attempt,
        pinned,
        answers,
        live_session,
    })
}

/// Refuses (413) when the account already stores its limit (`--max-account-storage-mb`), or
/// when `adding` more bytes would take it past. Checked where it is cheap: starting an
/// attempt, submitting, and the careful save path (which the autosave writer also sends each
/// account to regularly, see `db::drafts`), inside the write transaction that then writes, so
/// requests sent at once cannot all pass the check before any of them wrote.
pub async fn check_storage(
    tx: &mut SqliteConnection,
    config: &Config,
    user_id: i64,
    adding: usize,
) -> Result<()> {
    let used = db::attempts::stored_bytes(&mut *tx, user_id).await?;
    let used = u64::try_from(used).unwrap_or(0);
    let limit = config.max_account_storage;
    if used < limit && used.saturating_add(adding as u64) <= limit {
        return Ok(());
    }
    let mb = |b: u64| format!("{:.1}", b as f64 / crate::config::MB as f64);
    let limit_mb = config.max_account_storage_mb();
    tracing::warn!(user = user_id, used, limit, "account storage limit reached");
    Err(AppError::StorageLimit(if adding == 0 {
        format!(
            "Your account stores {} MB of answers and their saved versions, the most this site allows per account ({limit_mb} MB, set with --max-account-storage-mb). Delete unfinished attempts you no longer need, or ask an admin to raise the limit; then start again.",
            mb(used)
        )
    } else {
        format!(
            "Saving this would take your account past the {limit_mb} MB this site allows per account (set with --max-account-storage-mb); it stores {} MB now. Nothing was saved, and your text is still in the page. Delete unfinished attempts you no longer need or shorten the text, or ask an admin to raise the limit.",
            mb(used)
        )
    }))
}

#[derive(Deserialize)]
pub struct StartForm {
    mode: String,
}

/// `POST /gauntlets/{slug}/attempts`: pins the current version and starts at round 1.
pub async fn start(
    CurrentUser(user): CurrentUser,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    StrictForm(form): StrictForm<StartForm>,
) -> Result<Response> {
    let mode: Mode = form
        .mode
        .parse()
        .map_err(|()| AppError::Unprocessable("Choose Interview or Study mode.".into()))?;
    let lib = state.content.current();
    let entry = lib.get(&slug).ok_or(AppError::NotFound)?;
    let g = &entry.gauntlet;
    let mut tx = db::begin_write(&state.writer).await?;
    check_storage(&mut tx, &state.config, user.id, 0).await?;
    // normally recorded at load already; this keeps the pin valid whatever happened since
    db::versions::record(&mut tx, &g.slug, &g.version, &g.title, &entry.source).await?;
    let id = db::attempts::create(&mut tx, user.id, &g.slug, &g.version, mode.as_str()).await?;
    tx.commit().await?;
    tracing::info!(user = user.id, attempt = id, slug = %g.slug, "attempt started");
    Ok(Redirect::to(&format!("/attempts/{id}")).into_response())
}

/// The session key of a submit that was refused (422): the page shown after the redirect puts
/// the typed text back with the reason, so reloading it posts nothing again.
const REFUSED_SUBMIT: &str = "refused_submit";

/// A refused submit: (attempt, round, part, typed text, why).
type RefusedSubmit = (i64, u32, String, String, String);

#[derive(Deserialize)]
pub struct AnswerForm {
    body: String,
    base_version: String,
}

fn already_submitted() -> AppError {
    AppError::Conflict("This answer was already submitted and can no longer change.".into())
}

/// Resolves `{round}/{part}` to the attempt's current step; anything else is not reachable.
fn step_of(l: &Loaded, round: u32, part: &str) -> Result<Step> {
    let part: Part = part.parse().map_err(|()| AppError::NotFound)?;
    let step = Step { round, part };
    match l.current() {
        Some(current) if current == step => Ok(step),
        _ if l
            .answer(round, part)
            .is_some_and(|a| a.submitted_at.is_some()) =>
        {
            Err(already_submitted())
        }
        _ => Err(AppError::NotFound),
    }
}

/// In a live interview, only the steps the interviewer has opened can be written; returns the
/// live part of the round page (for a page shown again after a refused submit).
async fn check_live_step(state: &AppState, l: &Loaded, step: Step) -> Result<Option<LiveBar>> {
    if l.live_session.is_none() {
        return Ok(None);
    }
    let mut conn = state.db.get().await?;
    let Some(row) = live::running_for_attempt(&mut conn, l.attempt.id).await? else {
        return Ok(None);
    };
    live::check_step_open(&row, l.gauntlet(), step)?;
    Ok(Some(LiveBar {
        interviewer: row.interviewer_name,
        nudge: row.nudge,
    }))
}

fn parse_version(s: &str) -> Result<i64> {
    s.trim().parse().map_err(|_| {
        AppError::BadRequest("The form was missing its revision number; reload the page.".into())
    })
}

/// `POST /attempts/{id}/delete`: only unfinished attempts can be deleted.
pub async fn delete(
    CurrentUser(user): CurrentUser,
    session: Session,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let l = load_owned(&state, id, user.id).await?;
    if l.attempt.finished_at.is_some() {
        return Err(AppError::Conflict(
            "Finished attempts are kept; only unfinished ones can be deleted.".into(),
        ));
    }
    let mut conn = state.db.get().await?;
    let now = clock::now();
    // a session that expired before anyone joined no longer holds the attempt
    if live::running_for_attempt(&mut conn, id)
        .await?
        .is_some_and(|row| !row.is_closed(now))
    {
        return Err(AppError::Conflict(
            "This attempt is a live interview under way; the interviewer ends it.".into(),
        ));
    }
    drop(conn);
    let mut tx = db::begin_write(&state.writer).await?;
    db::attempts::delete_unfinished(&mut tx, id, user.id).await?;
    tx.commit().await?;
    session::flash(
        &session,
        "success",
        format!(
            "The unfinished attempt at {} was deleted.",
            l.gauntlet().title
        ),
    )
    .await?;
    Ok(Redirect::to("/").into_response())
}
