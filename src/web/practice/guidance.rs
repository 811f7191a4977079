//! Study mode: a round's guidance, right after the candidate submits it.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::{Path, State},
    response::{IntoResponse, Response},
};

use super::{load_owned, round::ContextRound};
use crate::{
    practice::{Part, steps},
    state::AppState,
    web::{
        error::{AppError, Result},
        extract::CurrentUser,
        layout::Chrome,
        round_view::guidance_blocks,
    },
};

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
    if !steps::guidance_visible(g, l.mode(), &states, n) {
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
