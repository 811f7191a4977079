//! Candidate practice: start an attempt, answer the rounds one at a time (with autosave and the
//! trap follow-ups), study-mode guidance, deleting an unfinished attempt. The debrief is in
//! `debrief`.
//!
//! Every route loads the attempt through `load_owned`, so another user's attempt is a 404, and
//! the round page only ever receives the steps the candidate has reached.

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Json,
    extract::{Path, Query, State},
    http::{HeaderMap, Method, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::json;
use sqlx::SqliteConnection;
use tower_sessions::Session;

use super::{
    error::{AppError, Result, json_error},
    extract::{CurrentUser, wants_json},
    form::StrictForm,
    layout::Chrome,
    live,
    round_view::{GuidanceBlock, guidance_blocks},
};
use crate::{
    auth::session,
    clock,
    config::Config,
    content::{Gauntlet, Round},
    db::{
        self,
        attempts::{Answer, Attempt, SaveOutcome, SubmitOutcome},
        drafts::{Draft, Written},
    },
    library::Pinned,
    practice::{self, Mode, Part, Step, StepState},
    state::AppState,
};

/// An attempt of the signed-in user with its pinned gauntlet and answers.
pub struct Loaded {
    pub attempt: Attempt,
    pub pinned: Arc<Pinned>,
    pub answers: Vec<Answer>,
}

impl Loaded {
    pub fn gauntlet(&self) -> &Gauntlet {
        &self.pinned.gauntlet
    }

    pub fn mode(&self) -> Mode {
        self.attempt.mode.parse().unwrap_or(Mode::Interview)
    }

    pub fn states(&self) -> Vec<StepState> {
        self.answers
            .iter()
            .filter_map(|a| {
                Some(StepState {
                    step: Step {
                        round: u32::try_from(a.round_number).ok()?,
                        part: a.part.parse().ok()?,
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
        practice::steps::current_step_in(self.gauntlet(), states, self.only_round())
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
            .find(|a| a.round_number == i64::from(round) && a.part == part.as_str())
    }
}

/// Loads an attempt only if it belongs to `user_id` (otherwise 404: its existence is not confirmed).
pub async fn load_owned(state: &AppState, id: i64, user_id: i64) -> Result<Loaded> {
    let mut conn = state.db.get().await?;
    let db::attempts::AttemptWithAnswers {
        attempt, answers, ..
    } = db::attempts::with_answers(&mut *conn, id, Some(user_id))
        .await?
        .ok_or(AppError::NotFound)?;
    let pinned = state
        .content
        .pinned(&mut *conn, &attempt.slug, &attempt.version)
        .await?
        .ok_or_else(|| {
            AppError::Internal(format!(
                "gauntlet version {}@{} is missing",
                attempt.slug, attempt.version
            ))
        })?;
    Ok(Loaded {
        attempt,
        pinned,
        answers,
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

/// A finished round shown as context above the current one.
pub struct ContextRound {
    pub number: u32,
    pub name: String,
    pub prompt: String,
    pub answer: String,
    pub follow_up: Option<(String, String)>,
    /// Rendered guidance, when the mode allows it already (study mode).
    pub guidance: Vec<GuidanceBlock>,
}

/// The progress strip: one entry per round.
pub struct Progress {
    pub number: u32,
    pub name: String,
    /// "done", "current" or "todo".
    pub state: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/practice/round.html")]
struct RoundPage {
    chrome: Chrome,
    attempt_id: i64,
    title: String,
    mode: Mode,
    progress: Vec<Progress>,
    context: Vec<ContextRound>,
    round_number: u32,
    round_count: usize,
    round_name: String,
    prompt: String,
    /// The follow-up question, when this step is the follow-up.
    follow_up: Option<String>,
    /// When this step is the follow-up: the round's own answer, shown above it.
    own_answer: Option<String>,
    body: String,
    version: i64,
    part: &'static str,
    round_started: i64,
    attempt_started: i64,
    round_budget_secs: i64,
    total_budget_secs: i64,
    saved_at: Option<String>,
    error: Option<String>,
    /// In a live interview: who runs it and the last nudge (the page subscribes to events).
    live: Option<LiveBar>,
    /// What submitting leads to, for the hint under the form.
    next_hint: &'static str,
}

impl RoundPage {
    fn live_view(&self) -> String {
        format!("{}-{}", self.round_number, self.part)
    }

    fn save_url(&self) -> String {
        format!(
            "/attempts/{}/steps/{}/{}/save",
            self.attempt_id, self.round_number, self.part
        )
    }

    fn submit_url(&self) -> String {
        format!(
            "/attempts/{}/steps/{}/{}/submit",
            self.attempt_id, self.round_number, self.part
        )
    }

    fn started_label(&self) -> String {
        clock::format_datetime(self.round_started)
    }

    fn budget_minutes(&self) -> i64 {
        self.round_budget_secs / 60
    }
}

fn budgets(g: &Gauntlet) -> (i64, i64) {
    let total = i64::from(g.duration_minutes().unwrap_or(20)) * 60;
    let rounds = i64::try_from(g.rounds.len().max(1)).unwrap_or(1);
    (total / rounds, total)
}

fn progress(g: &Gauntlet, states: &[StepState], current: Option<Step>) -> Vec<Progress> {
    g.rounds
        .iter()
        .map(|r| Progress {
            number: r.number,
            name: r.name.clone(),
            state: if current.is_some_and(|c| c.round == r.number) {
                "current"
            } else if practice::steps::round_done(g, states, r.number) {
                "done"
            } else {
                "todo"
            },
        })
        .collect()
}

fn context_rounds(l: &Loaded, current: Step) -> Vec<ContextRound> {
    let g = l.gauntlet();
    let states = l.states();
    g.rounds
        .iter()
        .enumerate()
        .filter(|(_, r)| {
            r.number != current.round && practice::steps::round_done(g, &states, r.number)
        })
        .map(|(i, r)| ContextRound {
            number: r.number,
            name: r.name.clone(),
            prompt: r.prompt.clone(),
            answer: l
                .answer(r.number, Part::Main)
                .map(|a| a.body.clone())
                .unwrap_or_default(),
            follow_up: r.follow_up.clone().map(|q| {
                let a = l
                    .answer(r.number, Part::FollowUp)
                    .map(|a| a.body.clone())
                    .unwrap_or_default();
                (q, a)
            }),
            guidance: if practice::steps::guidance_visible(g, l.mode(), &states, r.number) {
                guidance_blocks(&l.pinned, i)
            } else {
                Vec::new()
            },
        })
        .collect()
}

/// The session key of a submit that was refused (422): the page shown after the redirect puts
/// the typed text back with the reason, so reloading it posts nothing again.
const REFUSED_SUBMIT: &str = "refused_submit";

/// A refused submit: (attempt, round, part, typed text, why).
type RefusedSubmit = (i64, u32, String, String, String);

/// `GET /attempts/{id}`: the current step, or the debrief once every step is submitted.
///
/// The first GET of a step starts its timer (the answer row records when it was first viewed)
/// and a GET after the last step marks the attempt finished. A HEAD request (axum answers HEAD
/// with the GET handler) writes neither: it sees the same page, with the timer shown from now.
pub async fn show(
    CurrentUser(user): CurrentUser,
    chrome: Chrome,
    session: Session,
    method: Method,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let writes = method == Method::GET;
    let mut l = load_owned(&state, id, user.id).await?;
    let Some(step) = l.current() else {
        if writes && l.attempt.finished_at.is_none() {
            let mut tx = db::begin_write(&state.writer).await?;
            db::attempts::finish(&mut tx, id).await?;
            tx.commit().await?;
        }
        return Ok(Redirect::to(&l.finished_url()).into_response());
    };
    let mut conn = state.db.get().await?;
    let live_row = live::running_for_attempt(&mut conn, id).await?;
    drop(conn);
    if let Some(row) = &live_row
        && let live::Gate::Wait(page) =
            live::gate(&state, &chrome, row, l.gauntlet(), &l.answers, step, writes).await?
    {
        return Ok(page.into_response());
    }
    if writes && l.answer(step.round, step.part).is_none() {
        let mut tx = db::begin_write(&state.writer).await?;
        let a = db::attempts::ensure_answer(&mut tx, id, i64::from(step.round), step.part.as_str())
            .await?;
        tx.commit().await?;
        l.answers.push(a);
    }
    // a refused submit is shown once, by a GET (a HEAD leaves it for the page it precedes)
    let refused = session.get::<RefusedSubmit>(REFUSED_SUBMIT).await?;
    if refused.is_some() && writes {
        session.remove::<RefusedSubmit>(REFUSED_SUBMIT).await?;
    }
    let (body, error) = match refused {
        Some((a, round, part, body, why))
            if a == id && round == step.round && part == step.part.as_str() =>
        {
            (Some(body), Some(why))
        }
        _ => (None, None),
    };
    let mut page = round_page(chrome, &l, step, body, error);
    page.live = live_row.map(|row| LiveBar {
        interviewer: row.interviewer_name,
        nudge: row.nudge,
    });
    Ok(page.into_response())
}

/// The live session's part of the round page.
pub struct LiveBar {
    pub interviewer: String,
    pub nudge: String,
}

fn round_page(
    chrome: Chrome,
    l: &Loaded,
    step: Step,
    body: Option<String>,
    error: Option<String>,
) -> RoundPage {
    let g = l.gauntlet();
    let round: &Round = g
        .rounds
        .iter()
        .find(|r| r.number == step.round)
        .expect("current step names a round of the gauntlet");
    let answer = l.answer(step.round, step.part);
    let (round_budget_secs, total_budget_secs) = budgets(g);
    let states = l.states();
    RoundPage {
        chrome,
        attempt_id: l.attempt.id,
        title: g.title.clone(),
        mode: l.mode(),
        progress: progress(g, &states, Some(step))
            .into_iter()
            .filter(|p| l.only_round().is_none_or(|r| r == p.number))
            .collect(),
        context: context_rounds(l, step),
        round_number: round.number,
        round_count: g.rounds.len(),
        round_name: round.name.clone(),
        prompt: round.prompt.clone(),
        follow_up: (step.part == Part::FollowUp)
            .then(|| round.follow_up.clone())
            .flatten(),
        own_answer: (step.part == Part::FollowUp)
            .then(|| l.answer(step.round, Part::Main).map(|a| a.body.clone()))
            .flatten(),
        body: body.unwrap_or_else(|| answer.map(|a| a.body.clone()).unwrap_or_default()),
        version: answer.map_or(0, |a| a.version),
        part: step.part.as_str(),
        round_started: l
            .answer(step.round, Part::Main)
            .map_or(clock::now(), |a| a.first_viewed_at),
        attempt_started: l.attempt.started_at,
        round_budget_secs,
        total_budget_secs,
        saved_at: answer
            .filter(|a| a.version > 0)
            .map(|a| clock::format_time(a.updated_at)),
        error,
        live: None,
        next_hint: if step.part == Part::Main && round.follow_up.is_some() {
            "the interviewer's follow-up question appears after you submit"
        } else if g.rounds.last().is_some_and(|r| r.number == round.number) {
            "this is the last round: your debrief follows"
        } else {
            "the next round appears after you submit"
        },
    }
}

#[derive(Deserialize)]
pub struct SaveQuery {
    quiet: Option<String>,
}

#[derive(Deserialize)]
pub struct AnswerForm {
    body: String,
    base_version: String,
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
            Err(AppError::Conflict(
                "This answer was already submitted and can no longer change.".into(),
            ))
        }
        _ => Err(AppError::NotFound),
    }
}

/// In a live interview, only the steps the interviewer has opened can be written; returns the
/// live part of the round page (for a page shown again after a refused submit).
async fn check_live_step(state: &AppState, l: &Loaded, step: Step) -> Result<Option<LiveBar>> {
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

/// `POST /attempts/{id}/steps/{round}/{part}/save`: autosave (JSON) or the Save button.
pub async fn save(
    CurrentUser(user): CurrentUser,
    chrome: Chrome,
    headers: HeaderMap,
    State(state): State<AppState>,
    Path((id, round, part)): Path<(i64, u32, String)>,
    Query(q): Query<SaveQuery>,
    form: Result<StrictForm<AnswerForm>, AppError>,
) -> Response {
    let json = wants_json(&headers);
    let result = save_inner(&state, user.id, id, round, &part, form).await;
    if let Ok((SaveOutcome::Saved { version, saved_at }, Some(body))) = &result {
        // after the commit: a watching console shows the text within a second of the save
        live::publish_answer(&state, id, (round, &part), body, *version, *saved_at);
    }
    if q.quiet.is_some() {
        // a save sent while the page is being left: nobody reads the answer
        return match result {
            Ok((SaveOutcome::Saved { .. }, _)) => StatusCode::NO_CONTENT.into_response(),
            Ok(_) => StatusCode::CONFLICT.into_response(),
            Err(e) => json_error(e),
        };
    }
    match (result, json) {
        (Ok((SaveOutcome::Saved { version, saved_at }, _)), true) => {
            Json(json!({"version": version, "saved_at": saved_at, "saved_label": clock::format_time(saved_at)})).into_response()
        }
        // the round page shows "Saved hh:mm:ss" from the stored time
        (Ok((SaveOutcome::Saved { .. }, _)), false) => {
            Redirect::to(&format!("/attempts/{id}")).into_response()
        }
        (Ok((SaveOutcome::Conflict { current, version }, _)), true) => (
            StatusCode::CONFLICT,
            Json(json!({
                "error": "conflict",
                "message": "This answer was changed in another tab or window since you loaded it.",
                "theirs": current,
                "version": version,
            })),
        )
            .into_response(),
        // the text typed in this tab goes back into the box: it was not saved anywhere
        (Ok((SaveOutcome::Conflict { current, version }, mine)), false) => {
            conflict_page(chrome, id, round, &part, current, version, mine).await
        }
        (Ok((SaveOutcome::Submitted, _)), j) => {
            let e = AppError::Conflict("This answer was already submitted and can no longer change.".into());
            if j { json_error(e) } else { e.into_response() }
        }
        (Err(e), true) => json_error(e),
        (Err(e), false) => e.into_response(),
    }
}

async fn save_inner(
    state: &AppState,
    user_id: i64,
    id: i64,
    round: u32,
    part: &str,
    form: Result<StrictForm<AnswerForm>, AppError>,
) -> Result<(SaveOutcome, Option<String>)> {
    let StrictForm(form) = form?;
    let parsed: Part = part.parse().map_err(|()| AppError::NotFound)?;
    practice::check_answer(&form.body).map_err(|p| AppError::Unprocessable(p.message()))?;
    let base = parse_version(&form.base_version)?;
    let draft = Draft {
        attempt_id: id,
        user_id,
        round: i64::from(round),
        part: parsed.as_str(),
        base_version: base,
        body: form.body,
    };
    // a copy for the live console, only when someone watches this attempt
    let watched = state.live.watched_session(id).map(|_| draft.body.clone());
    let draft = match state.drafts.save(draft).await? {
        Written::Saved(saved) => return Ok((saved, watched)),
        Written::NotApplied(draft) => draft,
    };
    let l = load_owned(state, id, user_id).await?;
    let step = step_of(&l, round, part)?;
    check_live_step(state, &l, step).await?;
    let mut tx = db::begin_write(&state.writer).await?;
    check_storage(&mut tx, &state.config, user_id, draft.body.len()).await?;
    let answer =
        db::attempts::ensure_answer(&mut tx, id, i64::from(step.round), step.part.as_str()).await?;
    let outcome = db::attempts::save(&mut tx, &answer, base, &draft.body).await?;
    tx.commit().await?;
    Ok((outcome, Some(draft.body)))
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/practice/conflict.html")]
struct ConflictPage {
    chrome: Chrome,
    attempt_id: i64,
    save_url: String,
    mine: String,
    theirs: String,
    /// The saved text against the typed one, word by word.
    diff: Vec<practice::diff::Piece>,
    version: i64,
    message: String,
}

async fn conflict_page(
    chrome: Chrome,
    id: i64,
    round: u32,
    part: &str,
    theirs: String,
    version: i64,
    mine: Option<String>,
) -> Response {
    let mine = mine.unwrap_or_default();
    let page = ConflictPage {
        chrome,
        attempt_id: id,
        save_url: format!("/attempts/{id}/steps/{round}/{part}/save"),
        diff: practice::diff::word_diff(&theirs, &mine),
        mine,
        theirs,
        version,
        message: "This answer was changed in another tab or window after you loaded it, so your text was not saved over it. Keep one of the two texts, or edit your text into a merge and keep that.".into(),
    };
    let mut resp = page.into_response();
    *resp.status_mut() = StatusCode::CONFLICT;
    resp
}

/// `POST /attempts/{id}/steps/{round}/{part}/submit`: final text; then the next step.
pub async fn submit(
    CurrentUser(user): CurrentUser,
    chrome: Chrome,
    session: Session,
    State(state): State<AppState>,
    Path((id, round, part)): Path<(i64, u32, String)>,
    StrictForm(form): StrictForm<AnswerForm>,
) -> Result<Response> {
    let l = load_owned(&state, id, user.id).await?;
    let already = part
        .parse::<Part>()
        .ok()
        .and_then(|p| l.answer(round, p))
        .filter(|a| a.submitted_at.is_some());
    if let Some(done) = already {
        // a double click or a retry with the same text lands where the first submit did
        return if done.body == form.body {
            Ok(Redirect::to(&format!("/attempts/{id}")).into_response())
        } else {
            Err(AppError::Conflict(
                "This answer was already submitted and can no longer change.".into(),
            ))
        };
    }
    let step = step_of(&l, round, &part)?;
    // in a live interview the step must be open
    check_live_step(&state, &l, step).await?;
    let refused = match practice::check_answer(&form.body) {
        Err(problem) => Some(problem.message()),
        Ok(()) if form.body.trim().is_empty() => Some("Write an answer before submitting. If you want to skip the round, say so in a sentence — interviewers read that too.".to_string()),
        Ok(()) => None,
    };
    if let Some(why) = refused {
        // redirect-after-post: the round page shows the text and the reason, and reloading it
        // sends nothing again
        let retry: RefusedSubmit = (
            id,
            step.round,
            step.part.as_str().to_string(),
            form.body,
            why,
        );
        session.insert(REFUSED_SUBMIT, retry).await?;
        return Ok(Redirect::to(&format!("/attempts/{id}#answer-error")).into_response());
    }
    let base = parse_version(&form.base_version)?;
    let mut tx = db::begin_write(&state.writer).await?;
    check_storage(&mut tx, &state.config, user.id, form.body.len()).await?;
    let answer =
        db::attempts::ensure_answer(&mut tx, id, i64::from(step.round), step.part.as_str()).await?;
    let outcome = db::attempts::submit(&mut tx, &answer, base, &form.body).await?;
    match outcome {
        SubmitOutcome::Conflict { current, version } => {
            tx.commit().await?;
            return Ok(
                conflict_page(chrome, id, round, &part, current, version, Some(form.body)).await,
            );
        }
        SubmitOutcome::Immutable => {
            return Err(AppError::Conflict(
                "This answer was already submitted and can no longer change.".into(),
            ));
        }
        SubmitOutcome::Submitted | SubmitOutcome::AlreadySubmitted => {}
    }
    // what comes next, judged on the state after this submit
    let mut states = l.states();
    states.retain(|s| s.step != step);
    states.push(StepState {
        step,
        submitted: true,
    });
    let next = l.current_in(&states);
    if next.is_none() {
        db::attempts::finish(&mut tx, id).await?;
    }
    tx.commit().await?;
    if let Err(e) = live::after_submit(&state, id, user.id).await {
        // the submit stands; the session catches up at the next control or page view
        tracing::warn!(attempt = id, error = %e, "live session not advanced after a submit");
    }
    let round_finished = next.is_none_or(|n| n.round != step.round);
    let to = if next.is_none() {
        l.finished_url()
    } else if l.mode() == Mode::Study && round_finished {
        format!("/attempts/{id}/rounds/{round}/guidance")
    } else {
        format!("/attempts/{id}")
    };
    Ok(Redirect::to(&to).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/practice/guidance.html")]
struct GuidancePage {
    chrome: Chrome,
    attempt_id: i64,
    title: String,
    round: ContextRound,
    skill: Option<String>,
    next_round: Option<u32>,
}

/// `GET /attempts/{id}/rounds/{n}/guidance`: study mode, after the round is submitted.
pub async fn round_guidance(
    CurrentUser(user): CurrentUser,
    chrome: Chrome,
    State(state): State<AppState>,
    Path((id, n)): Path<(i64, u32)>,
) -> Result<Response> {
    let l = load_owned(&state, id, user.id).await?;
    let g = l.gauntlet();
    let states = l.states();
    let Some(index) = g.rounds.iter().position(|r| r.number == n) else {
        return Err(AppError::NotFound);
    };
    if !practice::steps::guidance_visible(g, l.mode(), &states, n) {
        return Err(AppError::NotFound);
    }
    let r = &g.rounds[index];
    let round = ContextRound {
        number: r.number,
        name: r.name.clone(),
        prompt: r.prompt.clone(),
        answer: l
            .answer(n, Part::Main)
            .map(|a| a.body.clone())
            .unwrap_or_default(),
        follow_up: r.follow_up.clone().map(|q| {
            (
                q,
                l.answer(n, Part::FollowUp)
                    .map(|a| a.body.clone())
                    .unwrap_or_default(),
            )
        }),
        guidance: guidance_blocks(&l.pinned, index),
    };
    Ok(GuidancePage {
        chrome,
        attempt_id: id,
        title: g.title.clone(),
        skill: g.skill_for(n).map(str::to_string),
        next_round: l.current().map(|s| s.round),
        round,
    }
    .into_response())
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
