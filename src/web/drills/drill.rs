//! Drills: the drill page (answer, reveal, rate) and dismissing or restoring a card.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::{Path, State},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use tower_sessions::Session;

use super::{Loaded, load_card};
use crate::web::{
    error::{AppError, Result},
    extract::CurrentUser,
    form::{StrictForm, normalise_newlines},
    highlight::{Segment, segments},
    layout::Chrome,
    round_view::{GuidanceBlock, guidance_blocks},
};
use crate::{
    auth::session,
    db::{self, drills::Card},
    drills::{self, CardKind, MAX_ANSWER_CHARS, Rating, reveal},
    state::AppState,
};

#[derive(Template, WebTemplate)]
#[template(path = "pages/drills/drill.html")]
struct DrillPage {
    chrome: Chrome,
    id: i64,
    title: String,
    round_number: u32,
    round_name: String,
    testing: Option<String>,
    prompt: String,
    /// What to answer, without giving the missed part away.
    ask: String,
    kind: &'static str,
    answer: String,
    error: Option<String>,
    due_left: i64,
    max_chars: usize,
}

fn ask(kind: CardKind) -> String {
    match kind {
        CardKind::Point => "Your answer to this round missed a point a strong answer makes. Answer the question again in a few sentences, covering what a strong answer must not leave out.".into(),
        CardKind::Trap => "Your answer to this round fell into its trap. Answer the question again in a few sentences, the way you would without falling into it.".into(),
    }
}

fn drill_page(
    chrome: Chrome,
    l: &Loaded,
    answer: String,
    error: Option<String>,
    due_left: i64,
) -> DrillPage {
    let r = l.round();
    DrillPage {
        chrome,
        id: l.card.id,
        title: l.pinned.gauntlet.title.clone(),
        round_number: r.number,
        round_name: r.name.clone(),
        testing: r.testing.clone(),
        prompt: r.prompt.clone(),
        ask: ask(l.kind),
        kind: l.kind.as_str(),
        answer,
        error,
        due_left,
        max_chars: MAX_ANSWER_CHARS,
    }
}

/// `GET /drills/{id}`: the question, without the missed part.
pub async fn show(
    CurrentUser(user): CurrentUser,
    chrome: Chrome,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let l = load_card(&state, id, user.id).await?;
    let now = state.clock.now();
    let left = db::drills::count_due(
        &mut *state.db.get().await?,
        user.id,
        drills::end_of_day(now),
    )
    .await?;
    Ok(drill_page(chrome, &l, String::new(), None, left).into_response())
}

#[derive(Deserialize)]
pub struct RevealForm {
    #[serde(default)]
    answer: String,
}

/// A drill answer as stored: newlines normalised, trimmed, at most `MAX_ANSWER_CHARS`, no
/// control characters.
fn clean_answer(raw: &str) -> std::result::Result<String, String> {
    let a = normalise_newlines(raw.to_owned()).trim().to_string();
    if a.chars().count() > MAX_ANSWER_CHARS {
        return Err(format!(
            "Keep a drill answer to a few sentences: at most {MAX_ANSWER_CHARS} characters."
        ));
    }
    if let Err(p) = crate::practice::check_answer(&a) {
        return Err(p.message());
    }
    Ok(a)
}

/// One of the four rating buttons.
pub struct RateButton {
    pub number: i64,
    pub label: &'static str,
    pub interval: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/drills/reveal.html")]
struct RevealPage {
    chrome: Chrome,
    id: i64,
    title: String,
    round_number: u32,
    round_name: String,
    prompt: String,
    kind: &'static str,
    answer: String,
    answer_segments: Vec<Segment>,
    /// Point cards: the Strong Answer sentence(s) holding the missed point.
    strong: Option<String>,
    /// Trap cards: the phrase the first answer used ("" for the whole Trap Alert).
    phrase: String,
    /// Trap cards: the Trap Alert / Trap Question Variant guidance.
    guidance: Vec<GuidanceBlock>,
    /// What the alignment says about the new answer.
    verdict: String,
    verdict_good: bool,
    buttons: Vec<RateButton>,
    last_reviewed_at: i64,
    reps: i64,
}

fn buttons(state: &AppState, card: &Card, now: i64) -> Vec<RateButton> {
    let p = state.scheduler.preview(Some(card.last()), now);
    Rating::ALL
        .iter()
        .zip(p)
        .map(|(r, o)| RateButton {
            number: r.number(),
            label: r.label(),
            interval: drills::describe_interval(o.interval_secs),
        })
        .collect()
}

/// `POST /drills/{id}/reveal`: the missed part and the alignment of what was written. Changes
/// nothing (a POST so the answer never sits in a URL).
pub async fn reveal(
    CurrentUser(user): CurrentUser,
    chrome: Chrome,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StrictForm(form): StrictForm<RevealForm>,
) -> Result<Response> {
    let l = load_card(&state, id, user.id).await?;
    if l.card.dismissed_at.is_some() {
        return Err(AppError::Conflict(
            "This card is dismissed. Bring it back from the drills page to practise it.".into(),
        ));
    }
    let now = state.clock.now();
    let answer = match clean_answer(&form.answer) {
        Ok(a) => a,
        Err(msg) => {
            let mut resp =
                drill_page(chrome, &l, form.answer.clone(), Some(msg), 0).into_response();
            *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(resp);
        }
    };
    let alignment = l.pinned.align(l.index, &answer);
    let (strong, verdict, guidance) = match l.kind {
        CardKind::Point => {
            let (strong, v) = reveal::point(&l.card.key, l.round(), &alignment);
            (strong, v, Vec::new())
        }
        CardKind::Trap => {
            let blocks = guidance_blocks(&l.pinned, l.index)
                .into_iter()
                .filter(|b| b.tone == "trap")
                .collect();
            (None, reveal::trap(&l.card.key, &alignment), blocks)
        }
    };
    let r = l.round();
    Ok(RevealPage {
        id,
        title: l.pinned.gauntlet.title.clone(),
        round_number: r.number,
        round_name: r.name.clone(),
        prompt: r.prompt.clone(),
        kind: l.kind.as_str(),
        answer_segments: segments(&answer, Some(&verdict.alignment), &[], "d"),
        answer,
        strong,
        phrase: l.card.key.clone(),
        guidance,
        verdict: verdict.text,
        verdict_good: verdict.good,
        buttons: buttons(&state, &l.card, now),
        last_reviewed_at: l.card.last_reviewed_at,
        reps: l.card.reps,
        chrome,
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct RateForm {
    rating: String,
    #[serde(default)]
    answer: String,
    /// The card's last review time and count when the reveal was shown (a double submit guard).
    reviewed: String,
    reps: String,
}

/// `POST /drills/{id}/rate`: records the drill, moves the card, goes to the next due card.
pub async fn rate(
    CurrentUser(user): CurrentUser,
    session: Session,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StrictForm(form): StrictForm<RateForm>,
) -> Result<Response> {
    let l = load_card(&state, id, user.id).await?;
    let rating = form
        .rating
        .parse::<i64>()
        .ok()
        .and_then(Rating::from_number)
        .ok_or_else(|| {
            AppError::Unprocessable("Rate the drill Again, Hard, Good or Easy.".into())
        })?;
    let answer = clean_answer(&form.answer).map_err(AppError::Unprocessable)?;
    let (Ok(reviewed), Ok(reps)) = (form.reviewed.parse::<i64>(), form.reps.parse::<i64>()) else {
        return Err(AppError::Unprocessable(
            "The drill form is incomplete; open the card again.".into(),
        ));
    };
    if l.card.dismissed_at.is_some() {
        return Err(AppError::Conflict(
            "This card is dismissed. Bring it back from the drills page to practise it.".into(),
        ));
    }
    let now = state.clock.now();
    let outcome = state.scheduler.rate(Some(l.card.last()), rating, now);
    let mut tx = db::begin_write(&state.writer).await?;
    let done = db::drills::rate(
        &mut tx, id, user.id, reviewed, reps, rating, &answer, &outcome, now,
    )
    .await?;
    tx.commit().await?;
    if !done {
        return Err(AppError::Conflict(
            "This drill was already rated (in another tab?). Nothing was changed.".into(),
        ));
    }
    tracing::info!(
        user = user.id,
        card = id,
        rating = rating.number(),
        "drill rated"
    );
    let mut conn = state.db.get().await?;
    let next = db::drills::due(&mut *conn, user.id, drills::end_of_day(now)).await?;
    let note = drills::rated_note(rating, &outcome, next.len());
    session::flash(&session, "success", note).await?;
    // the next card, but not the same one straight away unless it is the only one left
    let to = next
        .iter()
        .find(|c| c.id != id && c.due_at <= now)
        .or_else(|| next.iter().find(|c| c.id != id))
        .map_or("/drills".to_string(), |c| format!("/drills/{}", c.id));
    Ok(Redirect::to(&to).into_response())
}

/// `POST /drills/{id}/dismiss`: "not relevant to me".
pub async fn dismiss(
    CurrentUser(user): CurrentUser,
    session: Session,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response> {
    set_dismissed(&state, &session, user.id, id, true).await
}

/// `POST /drills/{id}/restore`: bring a dismissed card back.
pub async fn restore(
    CurrentUser(user): CurrentUser,
    session: Session,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response> {
    set_dismissed(&state, &session, user.id, id, false).await
}

async fn set_dismissed(
    state: &AppState,
    session: &Session,
    user_id: i64,
    id: i64,
    dismiss: bool,
) -> Result<Response> {
    let now = state.clock.now();
    let mut tx = db::begin_write(&state.writer).await?;
    let found =
        db::drills::set_dismissed(&mut tx, id, user_id, dismiss.then_some(now), now).await?;
    if !found {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    let msg = if dismiss {
        "Card dismissed. It will not come up again; you can bring it back below."
    } else {
        "Card brought back. It keeps its schedule."
    };
    session::flash(session, "success", msg).await?;
    Ok(Redirect::to("/drills").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t96_drill_answers_are_bounded_and_clean() {
        assert_eq!(clean_answer("  a\r\nb  ").unwrap(), "a\nb");
        assert!(clean_answer(&"x".repeat(MAX_ANSWER_CHARS + 1)).is_err());
        assert!(clean_answer("a\u{0}b").is_err());
    }
}
