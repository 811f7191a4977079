//! "Try this round again": from the debrief, a new attempt of one round of a finished attempt
//! (same gauntlet version and mode), answered like any round; when it is submitted, the old and
//! the new answer side by side with their alignment hints.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::{Path, State},
    response::{IntoResponse, Redirect, Response},
};

use super::{
    error::{AppError, Result},
    extract::CurrentUser,
    layout::Chrome,
    practice::load_owned,
    round_view::{self, RoundView},
};
use crate::{clock, db, practice::Part, state::AppState};

/// `POST /attempts/{id}/rounds/{round}/retry`: starts a retry of one round of a finished attempt.
pub async fn start(
    CurrentUser(user): CurrentUser,
    State(state): State<AppState>,
    Path((id, round)): Path<(i64, u32)>,
) -> Result<Response> {
    let l = load_owned(&state, id, user.id).await?;
    if !l.gauntlet().rounds.iter().any(|r| r.number == round) {
        return Err(AppError::NotFound);
    }
    if l.attempt.finished_at.is_none() {
        return Err(AppError::Conflict(
            "Finish the attempt before retrying one of its rounds.".into(),
        ));
    }
    // a retry of a retry goes back to the attempt it came from
    let original = match l.attempt.retry_of {
        Some(of) if l.attempt.only_round.is_some() => load_owned(&state, of, user.id).await?,
        _ => l,
    };
    let mut tx = db::begin_write(&state.writer).await?;
    let new = db::attempts::create_retry(&mut tx, &original.attempt, i64::from(round)).await?;
    tx.commit().await?;
    tracing::info!(
        user = user.id,
        attempt = new,
        of = original.attempt.id,
        round,
        "round retry started"
    );
    Ok(Redirect::to(&format!("/attempts/{new}")).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/drills/compare.html")]
struct ComparePage {
    chrome: Chrome,
    title: String,
    original_id: i64,
    original_finished: String,
    retry_finished: String,
    round_number: u32,
    old: RoundView,
    new: RoundView,
}

impl ComparePage {
    fn change(&self) -> i64 {
        self.new.covered_percent() as i64 - self.old.covered_percent() as i64
    }
}

/// `GET /attempts/{id}/compare`: a finished retry beside the answer it retried.
pub async fn compare(
    CurrentUser(user): CurrentUser,
    chrome: Chrome,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let retry = load_owned(&state, id, user.id).await?;
    let (Some(round), Some(of)) = (retry.only_round(), retry.attempt.retry_of) else {
        return Err(AppError::NotFound);
    };
    if retry.current().is_some() {
        return Ok(Redirect::to(&format!("/attempts/{id}")).into_response());
    }
    let original = load_owned(&state, of, user.id).await?;
    let index = original
        .gauntlet()
        .rounds
        .iter()
        .position(|r| r.number == round)
        .ok_or(AppError::NotFound)?;
    let view = |l: &super::practice::Loaded| {
        let body = l.answer(round, Part::Main).map_or("", |a| a.body.as_str());
        let follow = l.answer(round, Part::FollowUp).map(|a| a.body.as_str());
        round_view::build(
            &l.pinned,
            index,
            body,
            follow,
            &l.pinned.align(index, body),
            Vec::new(),
        )
    };
    let old = view(&original);
    let mut new = view(&retry);
    // the guidance is shown once, under both answers
    new.guidance.clear();
    Ok(ComparePage {
        chrome,
        title: original.gauntlet().title.clone(),
        original_id: of,
        original_finished: original
            .attempt
            .finished_at
            .map(clock::format_datetime)
            .unwrap_or_default(),
        retry_finished: retry
            .attempt
            .finished_at
            .map(clock::format_datetime)
            .unwrap_or_default(),
        round_number: round,
        old,
        new,
    }
    .into_response())
}
