//! Grading on the review page: the rubric draft (autosaved), submitting, edit mode's change
//! sets (audited), and comments anchored to spans of an answer.

use std::collections::HashMap;

use axum::{
    Json,
    extract::{Path, Query, State},
    http::HeaderMap,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::json;
use sqlx::SqliteConnection;
use tower_sessions::Session;

use super::{
    page::{View, render_page},
    pinned_of, requested_attempt,
};
use crate::{
    auth::session,
    clock,
    db::{self, reviews::Review, users::User},
    grading::{Rubric, RubricShape},
    practice::Part,
    state::AppState,
    web::{
        error::{AppError, Result, json_error},
        extract::{RequireInterviewer, wants_json},
        form::{Leaving, StrictForm},
        layout::Chrome,
    },
};

/// The reviewer's own review of a requested attempt, or 409 if they have not claimed it.
async fn my_review(state: &AppState, me: &User, id: i64) -> Result<(Review, RubricShape)> {
    let mut conn = state.db.get().await?;
    let attempt = requested_attempt(&mut conn, id).await?.attempt;
    let review = db::reviews::for_attempt(&mut *conn, id)
        .await?
        .into_iter()
        .find(|r| r.reviewer_id == me.id)
        .ok_or_else(|| AppError::Conflict("Claim this attempt before grading it.".into()))?;
    drop(conn);
    let pinned = pinned_of(state, &attempt).await?;
    let shape = RubricShape {
        rounds: pinned
            .gauntlet
            .rounds
            .iter()
            .map(|r| (r.number, u32::try_from(r.weak_answers().len()).unwrap_or(0)))
            .collect(),
    };
    Ok((review, shape))
}

/// Saves the rubric; after submission the change set is written to the audit log as one row.
/// `false` when a submitted review did not change.
async fn store(
    tx: &mut SqliteConnection,
    me: &User,
    review: &Review,
    rubric: &Rubric,
) -> Result<bool> {
    let mut changed = true;
    if review.submitted_at.is_some() {
        let before = db::reviews::rubric(&mut *tx, review).await?;
        changed = &before != rubric;
        if changed {
            db::reviews::audit(tx, review.id, me.id, &before.to_json(), &rubric.to_json()).await?;
        }
    }
    db::reviews::save_rubric(tx, review.id, rubric).await?;
    Ok(changed)
}

/// `POST /reviews/{id}/save`: the draft (autosave JSON or the Save button). A submitted review
/// is changed only through edit mode's "Save changes" (`submit`), so its candidate never sees
/// half-made edits and the audit log gets one row per change set.
pub async fn save(
    RequireInterviewer(me): RequireInterviewer,
    chrome: Chrome,
    headers: HeaderMap,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(leaving): Query<Leaving>,
    StrictForm(form): StrictForm<HashMap<String, String>>,
) -> Response {
    let json = wants_json(&headers);
    let result = async {
        let (review, shape) = my_review(&state, &me, id).await?;
        if review.submitted_at.is_some() {
            return Err(AppError::Conflict(
                "This review is submitted: open “Edit submitted review” and press “Save changes” to change it.".into(),
            ));
        }
        let rubric = Rubric::from_form(&form, &shape).map_err(AppError::Unprocessable)?;
        let mut tx = db::begin_write(&state.writer).await?;
        store(&mut tx, &me, &review, &rubric).await?;
        tx.commit().await?;
        Ok::<_, AppError>(rubric)
    }
    .await;
    if leaving.is_quiet() {
        // sent as the page was left: nobody reads the answer
        return match result {
            Ok(_) => axum::http::StatusCode::NO_CONTENT.into_response(),
            Err(e) => json_error(e),
        };
    }
    match (result, json) {
        (Ok(_), true) => {
            let now = clock::now();
            Json(json!({"saved_at": now, "saved_label": clock::format_time(now)})).into_response()
        }
        (Ok(_), false) => Redirect::to(&format!("/reviews/{id}#rubric")).into_response(),
        (Err(e), true) => json_error(e),
        (Err(AppError::Unprocessable(msg)), false) => {
            let view = View {
                draft: None,
                error: Some(msg),
                editing: false,
            };
            match render_page(&state, chrome, &me, id, view).await {
                Ok(page) => {
                    let mut resp = page.into_response();
                    *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
                    resp
                }
                Err(e) => e.into_response(),
            }
        }
        (Err(e), false) => e.into_response(),
    }
}

/// `POST /reviews/{id}/submit`: makes the review final (idempotent); for a submitted review
/// this is edit mode's "Save changes": the whole change set at once, one audit row.
pub async fn submit(
    RequireInterviewer(me): RequireInterviewer,
    chrome: Chrome,
    session: Session,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StrictForm(form): StrictForm<HashMap<String, String>>,
) -> Result<Response> {
    let (review, shape) = my_review(&state, &me, id).await?;
    let rubric = Rubric::from_form(&form, &shape).map_err(AppError::Unprocessable)?;
    let editing = review.submitted_at.is_some();
    if let Some(missing) = rubric.missing_for_submit() {
        let view = View {
            draft: Some(rubric),
            error: Some(missing),
            editing,
        };
        let mut resp = render_page(&state, chrome, &me, id, view)
            .await?
            .into_response();
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(resp);
    }
    let trap_rounds: Vec<u32> = rubric
        .rounds
        .iter()
        .filter(|g| g.fell_into_trap)
        .map(|g| g.round)
        .collect();
    let mut tx = db::begin_write(&state.writer).await?;
    let changed = store(&mut tx, &me, &review, &rubric).await?;
    let first = !editing && db::reviews::submit(&mut tx, review.id).await?;
    // a final review turns the attempt's misses and the flagged traps into the candidate's
    // cards; an edit that flags another trap adds its card (cards already made keep their
    // schedule)
    if changed {
        crate::web::drills::cards_after_review(&state, &mut tx, id, &trap_rounds).await?;
    }
    if first {
        let owner = requested_attempt(&mut tx, id).await?.attempt;
        let title = crate::notify::title_of(&state, &owner.slug);
        crate::notify::review_ready(&mut tx, &state.config, id, owner.user_id, &title).await?;
    }
    tx.commit().await?;
    state.outbox_wake.notify_one();
    if editing {
        let msg = if changed {
            "Changes saved. The candidate sees them now, and the audit log lists what changed."
        } else {
            "Nothing changed, so nothing was saved."
        };
        session::flash(&session, "success", msg).await?;
        return Ok(Redirect::to(&format!("/reviews/{id}")).into_response());
    }
    if first {
        tracing::info!(reviewer = me.id, attempt = id, "review submitted");
        session::flash(&session, "success", "Review submitted. The candidate can read it now, and you can see the other reviews of this attempt.").await?;
    }
    Ok(Redirect::to(&format!("/reviews/{id}")).into_response())
}

/// The longest anchored comment (and quote) accepted, in characters (Unicode scalar values).
pub const MAX_COMMENT_CHARS: usize = 2000;

#[derive(Deserialize)]
pub struct CommentForm {
    round: String,
    quote: String,
    #[serde(default)]
    hint: String,
    body: String,
}

/// A comment of 1 to [`MAX_COMMENT_CHARS`] characters without control characters, quoting at
/// most as many.
fn check_comment(body: &str, quote: &str) -> Result<()> {
    if body.is_empty() || body.chars().count() > MAX_COMMENT_CHARS {
        return Err(AppError::Unprocessable(format!(
            "Write a comment of 1 to {MAX_COMMENT_CHARS} characters (this one has {}).",
            body.chars().count()
        )));
    }
    if crate::practice::has_refused_control(body) {
        return Err(AppError::Unprocessable(
            "The comment contains invisible control characters; remove them and save again.".into(),
        ));
    }
    if quote.chars().count() > MAX_COMMENT_CHARS {
        return Err(AppError::Unprocessable(format!(
            "Quote at most {MAX_COMMENT_CHARS} characters of the answer."
        )));
    }
    Ok(())
}

/// `POST /reviews/{id}/comments`: a comment anchored to the quoted words of a round's answer.
pub async fn add_comment(
    RequireInterviewer(me): RequireInterviewer,
    session: Session,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StrictForm(form): StrictForm<CommentForm>,
) -> Result<Response> {
    let (review, shape) = my_review(&state, &me, id).await?;
    let round: u32 = form
        .round
        .parse()
        .ok()
        .filter(|n| shape.rounds.iter().any(|(r, _)| r == n))
        .ok_or(AppError::NotFound)?;
    let body = form.body.trim();
    check_comment(body, form.quote.trim())?;
    let answer = db::attempts::answers(&mut *state.db.get().await?, id)
        .await?
        .into_iter()
        .find(|a| a.round_number == i64::from(round) && a.part == Part::Main)
        .map(|a| a.body)
        .unwrap_or_default();
    let quote = form.quote.trim();
    let hint = form.hint.trim().parse::<usize>().ok();
    let (start, end) = crate::practice::locate_quote(&answer, quote, hint).ok_or_else(|| {
        AppError::Unprocessable(format!(
            "The words “{quote}” are not in the answer to round {round}. Select them in the answer (or copy them exactly) and try again."
        ))
    })?;
    let mut tx = db::begin_write(&state.writer).await?;
    let cid = db::reviews::add_comment(
        &mut tx,
        review.id,
        i64::from(round),
        (start as i64, end as i64),
        quote,
        body,
    )
    .await?;
    if review.submitted_at.is_some() {
        let after =
            json!({"comment": cid, "round": round, "quote": quote, "body": body}).to_string();
        db::reviews::audit(&mut tx, review.id, me.id, "{}", &after).await?;
    }
    tx.commit().await?;
    session::flash(&session, "success", "Comment added.").await?;
    Ok(Redirect::to(&format!(
        "/reviews/{id}{}#r{round}-c{cid}",
        edit_mode(&review)
    ))
    .into_response())
}

/// `POST /reviews/{id}/comments/{comment}/delete`: only the reviewer's own comments.
pub async fn delete_comment(
    RequireInterviewer(me): RequireInterviewer,
    session: Session,
    State(state): State<AppState>,
    Path((id, comment)): Path<(i64, i64)>,
) -> Result<Response> {
    let (review, _) = my_review(&state, &me, id).await?;
    let mut tx = db::begin_write(&state.writer).await?;
    if !db::reviews::delete_comment(&mut tx, review.id, comment).await? {
        return Err(AppError::NotFound);
    }
    if review.submitted_at.is_some() {
        let before = json!({"comment": comment}).to_string();
        db::reviews::audit(&mut tx, review.id, me.id, &before, "{}").await?;
    }
    tx.commit().await?;
    session::flash(&session, "success", "Comment deleted.").await?;
    Ok(Redirect::to(&format!("/reviews/{id}{}", edit_mode(&review))).into_response())
}

/// The query that keeps a submitted review in edit mode after a comment is added or deleted.
fn edit_mode(review: &Review) -> &'static str {
    if review.submitted_at.is_some() {
        "?edit=1"
    } else {
        ""
    }
}
