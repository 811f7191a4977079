//! Writing an answer: the autosave and the Save button, the two-tab conflict page, and the
//! final submit that moves the attempt on.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Json,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use serde_json::json;
use tower_sessions::Session;

use super::{
    AnswerForm, Loaded, REFUSED_SUBMIT, RefusedSubmit, already_submitted, check_live_step,
    check_storage, load_owned, parse_version, step_of,
};
use crate::{
    clock,
    db::{
        self,
        attempts::{Answer, SaveOutcome, SubmitOutcome},
        drafts::{Draft, Written},
    },
    practice::{
        self, Part, Step,
        steps::{self, AfterSubmit, Resubmit},
    },
    state::AppState,
    web::{
        error::{AppError, Result, json_error},
        extract::{CurrentUser, SessionAccount, wants_json},
        form::{Leaving, StrictForm},
        layout::Chrome,
        live,
    },
};

/// `POST /attempts/{id}/steps/{round}/{part}/save`: autosave (JSON) or the Save button. The
/// account is checked in the draft's write (see [`SessionAccount`]), or read first when that
/// write does not apply.
pub async fn save(
    account: SessionAccount,
    headers: HeaderMap,
    State(state): State<AppState>,
    Path((id, round, part)): Path<(i64, u32, String)>,
    Query(leaving): Query<Leaving>,
    form: Result<StrictForm<AnswerForm>, AppError>,
) -> Response {
    let json = wants_json(&headers);
    let result = save_inner(&state, &account, id, round, &part, form).await;
    if let Ok((SaveOutcome::Saved { version, saved_at }, Some(body))) = &result {
        // after the commit: a watching console shows the text within a second of the save
        live::publish_answer(&state, id, (round, &part), body, *version, *saved_at);
    }
    if leaving.is_quiet() {
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
            // a conflict comes from the careful path, which has read the account already
            let chrome = match account.verify(&state).await {
                Ok(user) => account.chrome(&user).await,
                Err(e) => Err(e),
            };
            match chrome {
                Ok(chrome) => conflict_page(chrome, id, round, &part, current, version, mine).await,
                Err(e) => e.into_response(),
            }
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
    account: &SessionAccount,
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
        user_id: account.user_id(),
        auth_epoch: account.auth_epoch(),
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
    // the careful path: the account first, as every other route reads it before its handler
    let user_id = account.verify(state).await?.id;
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

/// The answer of step (`round`, `part`) when it is already submitted.
fn submitted_answer<'a>(l: &'a Loaded, round: u32, part: &str) -> Option<&'a Answer> {
    let part = part.parse::<Part>().ok()?;
    l.answer(round, part).filter(|a| a.submitted_at.is_some())
}

/// Redirect-after-post for a refused submit: the round page shows the text and the reason, and
/// reloading it sends nothing again.
async fn refuse_submit(
    session: &Session,
    id: i64,
    step: Step,
    body: String,
    why: String,
) -> Result<Response> {
    let retry: RefusedSubmit = (id, step.round, step.part.as_str().to_string(), body, why);
    session.insert(REFUSED_SUBMIT, retry).await?;
    Ok(Redirect::to(&format!("/attempts/{id}#answer-error")).into_response())
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
    if let Some(done) = submitted_answer(&l, round, &part) {
        return match steps::resubmit(&done.body, &form.body) {
            Resubmit::SameText => Ok(Redirect::to(&format!("/attempts/{id}")).into_response()),
            Resubmit::Refused => Err(already_submitted()),
        };
    }
    let step = step_of(&l, round, &part)?;
    // in a live interview the step must be open
    check_live_step(&state, &l, step).await?;
    if let Some(why) = practice::submit_refusal(&form.body) {
        return refuse_submit(&session, id, step, form.body, why).await;
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
        SubmitOutcome::Immutable => return Err(already_submitted()),
        SubmitOutcome::Submitted | SubmitOutcome::AlreadySubmitted => {}
    }
    let next = steps::after_submit(l.gauntlet(), l.mode(), &l.states(), step, l.only_round());
    if next == AfterSubmit::Finished {
        db::attempts::finish(&mut tx, id).await?;
    }
    tx.commit().await?;
    if let Err(e) = live::after_submit(&state, id, user.id).await {
        // the submit stands; the session catches up at the next control or page view
        tracing::warn!(attempt = id, error = %e, "live session not advanced after a submit");
    }
    let to = match next {
        AfterSubmit::Finished => l.finished_url(),
        AfterSubmit::Guidance(round) => format!("/attempts/{id}/rounds/{round}/guidance"),
        AfterSubmit::NextStep(_) => format!("/attempts/{id}"),
    };
    Ok(Redirect::to(&to).into_response())
}
