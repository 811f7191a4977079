//! The candidate's debrief: each round's answer beside the guidance with alignment hints, the
//! self-assessment, the review request, and — once interviewers have submitted — their levels,
//! comments highlighted on the answer, and the gap to the self-assessment.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::{Path, State},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use tower_sessions::Session;

use super::{
    error::{AppError, Result},
    extract::CurrentUser,
    form::StrictForm,
    layout::Chrome,
    practice::load_owned,
    round_view::{self, CommentInput, LEVELS, RoundView},
};
use crate::{
    auth::session,
    clock,
    db::{self, reviews::Review},
    grading::Rubric,
    practice::{Mode, Part},
    state::AppState,
};

/// One round of the debrief.
pub struct DebriefRound {
    pub v: RoundView,
    pub self_level: i64,
    pub self_note: String,
    /// Each final reviewer's level for this round: (reviewer, level).
    pub reviewer_levels: Vec<(String, u8)>,
}

/// A final review as the candidate reads it.
pub struct ReviewView {
    pub reviewer: String,
    pub recommendation: Option<&'static str>,
    pub summary: String,
    pub submitted: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/practice/debrief.html")]
struct DebriefPage {
    chrome: Chrome,
    attempt_id: i64,
    /// Comment forms are not shown to candidates; the shared round block still names it.
    comment_base: String,
    title: String,
    mode: Mode,
    finished: String,
    rounds: Vec<DebriefRound>,
    review_requested: bool,
    review_claimed: bool,
    reviews: Vec<ReviewView>,
    levels: [(i64, &'static str, &'static str); 4],
}

/// `GET /attempts/{id}/debrief`
pub async fn debrief(
    CurrentUser(user): CurrentUser,
    chrome: Chrome,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let l = load_owned(&state, id, user.id).await?;
    if l.current().is_some() {
        return Ok(Redirect::to(&format!("/attempts/{id}")).into_response());
    }
    let mut conn = state.db.get().await?;
    let self_levels = db::attempts::self_assessment(&mut *conn, id).await?;
    let all_reviews = db::reviews::for_attempt(&mut *conn, id).await?;
    let finals: Vec<&Review> = all_reviews
        .iter()
        .filter(|r| r.submitted_at.is_some())
        .collect();
    let mut rubrics = Vec::new();
    for r in &finals {
        rubrics.push((
            r.reviewer_name.clone(),
            db::reviews::rubric(&mut *conn, r).await?,
        ));
    }
    let mut comments = Vec::new();
    if !finals.is_empty() {
        // only final reviews' comments reach the candidate
        for c in db::reviews::comments_for_attempt(&mut *conn, id).await? {
            if let Some(r) = finals.iter().find(|r| r.id == c.review_id) {
                comments.push((r.reviewer_name.clone(), c));
            }
        }
    }
    drop(conn);
    let rounds = l
        .gauntlet()
        .rounds
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let body = l
                .answer(r.number, Part::Main)
                .map_or("", |a| a.body.as_str());
            let follow = l.answer(r.number, Part::FollowUp).map(|a| a.body.as_str());
            let round_comments = comments
                .iter()
                .filter(|(_, c)| c.round_number == i64::from(r.number))
                .filter_map(|(author, c)| CommentInput::from_stored(c, author, false))
                .collect();
            let mine = self_levels
                .iter()
                .find(|s| s.round_number == i64::from(r.number));
            DebriefRound {
                v: round_view::build(
                    &l.pinned,
                    i,
                    body,
                    follow,
                    &l.pinned.align(i, body),
                    round_comments,
                ),
                self_level: mine.map_or(0, |m| m.level),
                self_note: mine.map(|m| m.note.clone()).unwrap_or_default(),
                reviewer_levels: levels_for(&rubrics, r.number),
            }
        })
        .collect();
    let reviews = finals
        .iter()
        .map(|r| ReviewView {
            reviewer: r.reviewer_name.clone(),
            recommendation: r.recommendation().map(|x| x.label()),
            summary: r.summary.clone(),
            submitted: r
                .submitted_at
                .map(clock::format_datetime)
                .unwrap_or_default(),
        })
        .collect();
    Ok(DebriefPage {
        chrome,
        attempt_id: id,
        comment_base: String::new(),
        title: l.gauntlet().title.clone(),
        mode: l.mode(),
        finished: l
            .attempt
            .finished_at
            .map(clock::format_datetime)
            .unwrap_or_default(),
        rounds,
        review_requested: l.attempt.review_requested_at.is_some(),
        review_claimed: !all_reviews.is_empty(),
        reviews,
        levels: LEVELS,
    }
    .into_response())
}

impl DebriefPage {
    /// Self level minus the reviewers' mean, rounded (positive: the candidate rated higher).
    fn gap(&self, r: &DebriefRound) -> i64 {
        if r.reviewer_levels.is_empty() {
            return 0;
        }
        let sum: i64 = r.reviewer_levels.iter().map(|(_, l)| i64::from(*l)).sum();
        let mean = sum as f64 / r.reviewer_levels.len() as f64;
        (r.self_level as f64 - mean).round() as i64
    }
}

fn levels_for(rubrics: &[(String, Rubric)], round: u32) -> Vec<(String, u8)> {
    rubrics
        .iter()
        .filter_map(|(name, rb)| {
            rb.round(round)
                .and_then(|g| g.level)
                .map(|l| (name.clone(), l))
        })
        .collect()
}

/// `POST /attempts/{id}/self-assessment`: `level_N` (1–4) and `note_N` per round.
pub async fn save_self_assessment(
    CurrentUser(user): CurrentUser,
    session: Session,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StrictForm(form): StrictForm<std::collections::HashMap<String, String>>,
) -> Result<Response> {
    let l = load_owned(&state, id, user.id).await?;
    if l.current().is_some() {
        return Err(AppError::Conflict(
            "Finish every round before assessing yourself.".into(),
        ));
    }
    let mut rows = Vec::new();
    for r in &l.gauntlet().rounds {
        let level = form
            .get(&format!("level_{}", r.number))
            .map(String::as_str)
            .unwrap_or("");
        let note = form
            .get(&format!("note_{}", r.number))
            .map(|s| s.trim().to_string())
            .unwrap_or_default();
        if level.is_empty() {
            continue;
        }
        let level: i64 = level
            .parse()
            .ok()
            .filter(|l| (1..=4).contains(l))
            .ok_or_else(|| AppError::Unprocessable("Levels go from 1 to 4.".into()))?;
        if note.chars().count() > 2000 {
            return Err(AppError::Unprocessable(
                "Keep each note under 2,000 characters.".into(),
            ));
        }
        rows.push((i64::from(r.number), level, note));
    }
    let mut tx = db::begin_write(&state.writer).await?;
    for (round, level, note) in &rows {
        db::attempts::put_self_level(&mut tx, id, *round, *level, note).await?;
    }
    tx.commit().await?;
    session::flash(
        &session,
        "success",
        format!(
            "Self-assessment saved for {} of {} rounds.",
            rows.len(),
            l.gauntlet().rounds.len()
        ),
    )
    .await?;
    Ok(Redirect::to(&format!("/attempts/{id}/debrief#self-assessment")).into_response())
}

#[derive(Deserialize)]
pub struct ReviewForm {
    action: String,
}

/// `POST /attempts/{id}/review`: ask for a review, or withdraw the request.
pub async fn review_request(
    CurrentUser(user): CurrentUser,
    session: Session,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StrictForm(form): StrictForm<ReviewForm>,
) -> Result<Response> {
    let l = load_owned(&state, id, user.id).await?;
    if l.attempt.finished_at.is_none() {
        return Err(AppError::Conflict(
            "Finish the attempt before asking for a review.".into(),
        ));
    }
    let requested = match form.action.as_str() {
        "request" => true,
        "withdraw" => false,
        _ => {
            return Err(AppError::Unprocessable(
                "Choose to request or withdraw.".into(),
            ));
        }
    };
    let mut tx = db::begin_write(&state.writer).await?;
    if !requested && db::reviews::count_for_attempt(&mut *tx, id).await? > 0 {
        return Err(AppError::Conflict(
            "An interviewer has already claimed this review, so it can no longer be withdrawn."
                .into(),
        ));
    }
    db::attempts::set_review_requested(&mut tx, id, requested).await?;
    tx.commit().await?;
    let msg = if requested {
        "Review requested. Interviewers on this site can now read this attempt; you can withdraw the request until someone claims it."
    } else {
        "Review request withdrawn. This attempt is private to you again."
    };
    session::flash(&session, "success", msg).await?;
    Ok(Redirect::to(&format!("/attempts/{id}/debrief")).into_response())
}
