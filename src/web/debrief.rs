//! The candidate's debrief: each round's answer beside the guidance with alignment hints, the
//! self-assessment, the review request, and — once interviewers have submitted — their levels,
//! notes and trap flags per round, comments highlighted on the answer, and the self-assessment
//! beside each reviewer and their median (the self-assessment is locked from then on).

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
    extract::{CurrentUser, SessionAccount},
    form::StrictForm,
    layout::Chrome,
    practice::{Loaded, load_own, load_owned},
    round_view::{self, CommentInput, LEVELS, RoundView},
};
use crate::{
    assign,
    auth::session,
    clock,
    db::{
        self,
        reviews::{Comment, Review},
    },
    grading::{Rubric, visibility::Reader},
    notify,
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
    /// What each final reviewer wrote for this round (never their private note).
    pub reviewer_notes: Vec<ReviewerRound>,
}

/// One final reviewer's grade of one round, as the candidate reads it.
pub struct ReviewerRound {
    pub reviewer: String,
    pub level: Option<u8>,
    pub fell_into_trap: bool,
    pub comment: String,
}

impl DebriefRound {
    /// The median of the reviewers' levels (the mean of the middle two when there are two).
    pub fn median(&self) -> Option<f64> {
        let mut ls: Vec<f64> = self
            .reviewer_levels
            .iter()
            .map(|(_, l)| f64::from(*l))
            .collect();
        if ls.is_empty() {
            return None;
        }
        ls.sort_by(f64::total_cmp);
        let mid = ls.len() / 2;
        Some(if ls.len().is_multiple_of(2) {
            (ls[mid - 1] + ls[mid]) / 2.0
        } else {
            ls[mid]
        })
    }

    /// The median for display: "2", "2.5".
    pub fn median_label(&self) -> String {
        self.median().map(level_label).unwrap_or_default()
    }

    /// Self level against `other`, in words: "same", "you 1 higher", "you 0.5 lower".
    pub fn compare(&self, other: f64) -> String {
        compare(self.self_level as f64, other)
    }

    /// The self level against each reviewer: (reviewer, their level, in words).
    pub fn per_reviewer(&self) -> Vec<(String, u8, String)> {
        self.reviewer_levels
            .iter()
            .map(|(who, l)| (who.clone(), *l, self.compare(f64::from(*l))))
            .collect()
    }

    /// The self level against the reviewers' median, in words ("" without both).
    pub fn vs_median(&self) -> String {
        match self.median() {
            Some(m) if self.self_level > 0 => self.compare(m),
            _ => String::new(),
        }
    }
}

fn level_label(l: f64) -> String {
    if l.fract() == 0.0 {
        format!("{l:.0}")
    } else {
        format!("{l:.1}")
    }
}

/// `mine` against `theirs`, in words.
pub fn compare(mine: f64, theirs: f64) -> String {
    let d = mine - theirs;
    if d.abs() < 0.01 {
        "same".to_string()
    } else if d > 0.0 {
        format!("you {} higher", level_label(d))
    } else {
        format!("you {} lower", level_label(-d))
    }
}

/// Each round of the debrief: the shared round view with the final reviews' comments, the
/// self-assessment and what each final reviewer gave it.
fn debrief_rounds(
    l: &Loaded,
    self_levels: &[db::attempts::SelfLevel],
    finals: &[&(Review, Rubric)],
    comments: &[(String, Comment)],
) -> Vec<DebriefRound> {
    let rubrics: Vec<(String, Rubric)> = finals
        .iter()
        .map(|(r, rb)| (r.reviewer_name.clone(), rb.clone()))
        .collect();
    l.gauntlet()
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
                reviewer_notes: notes_for(&rubrics, r.number),
            }
        })
        .collect()
}

/// A final review as the candidate reads it.
pub struct ReviewView {
    pub reviewer: String,
    pub recommendation: Option<&'static str>,
    pub summary: String,
    pub submitted: String,
}

impl ReviewView {
    fn of(r: &Review) -> Self {
        Self {
            reviewer: r.reviewer_name.clone(),
            recommendation: r.recommendation().map(|x| x.label()),
            summary: r.summary.clone(),
            submitted: r
                .submitted_at
                .map(clock::format_datetime)
                .unwrap_or_default(),
        }
    }
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
    /// Reviews claimed (draft or final) and submitted.
    claimed: usize,
    submitted: usize,
    reviews: Vec<ReviewView>,
    /// Reviewers' levels are visible: the self-assessment can no longer change.
    self_locked: bool,
    levels: [(i64, &'static str, &'static str); 4],
}

/// `GET /attempts/{id}/debrief`. The account is checked with the row the attempt's query
/// brings (see [`load_own`]), before anything is written or shown.
pub async fn debrief(
    account: SessionAccount,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let (user, l) = load_own(&state, id, &account).await?;
    let chrome = account.chrome(&user).await?;
    if l.current().is_some() {
        return Ok(Redirect::to(&format!("/attempts/{id}")).into_response());
    }
    if l.attempt.only_round.is_some() {
        return Ok(Redirect::to(&l.finished_url()).into_response());
    }
    if !chrome.head {
        feedback_seen(&state, id).await?;
    }
    let mut conn = state.db.get().await?;
    let self_levels = db::attempts::self_assessment(&mut *conn, id).await?;
    // the reviews as the review page reads them (none until the attempt asks for a review)
    let all = db::reviews::page_read(&mut *conn, id, user.id)
        .await?
        .and_then(|read| read.page)
        .map(|(_, all)| all)
        .unwrap_or_default();
    drop(conn);
    // what the candidate may read: the grading rule shared with the review page
    let finals = Reader::Candidate.visible(&all.reviews, |(r, _)| r.state());
    let comments: Vec<_> = all
        .comments
        .into_iter()
        .filter_map(|c| {
            let (r, _) = finals.iter().find(|(r, _)| r.id == c.review_id)?;
            Some((r.reviewer_name.clone(), c))
        })
        .collect();
    let rounds = debrief_rounds(&l, &self_levels, &finals, &comments);
    let reviews = finals.iter().map(|(r, _)| ReviewView::of(r)).collect();
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
        claimed: all.reviews.len(),
        submitted: finals.len(),
        self_locked: !finals.is_empty(),
        reviews,
        levels: LEVELS,
    }
    .into_response())
}

/// Opening the debrief is reading the feedback: the home page stops announcing it. Marked
/// before the page reads the reviews, so feedback arriving meanwhile stays new (a HEAD request
/// does not call this: it writes nothing).
async fn feedback_seen(state: &AppState, id: i64) -> Result<()> {
    if db::attempts::feedback_unseen(&mut *state.db.get().await?, id).await? {
        let mut tx = db::begin_write(&state.writer).await?;
        db::attempts::mark_feedback_seen(&mut tx, id).await?;
        tx.commit().await?;
    }
    Ok(())
}

impl DebriefPage {
    /// Where the reviews stand, in one sentence.
    fn review_state(&self) -> String {
        let plural = |n: usize, one: &str, many: &str| {
            if n == 1 {
                format!("1 {one}")
            } else {
                format!("{n} {many}")
            }
        };
        match (self.claimed, self.submitted) {
            (0, _) => String::new(),
            (c, 0) => format!(
                "{} this attempt. Their levels and notes appear on this page when they submit.",
                if c == 1 {
                    "An interviewer is reviewing".to_string()
                } else {
                    format!("{c} interviewers are reviewing")
                }
            ),
            (c, s) if s < c => format!(
                "{s} of {c} claimed reviews submitted. The rest appear on this page when they are submitted."
            ),
            (_, s) => format!("{} in.", plural(s, "review", "reviews")),
        }
    }
}

fn notes_for(rubrics: &[(String, Rubric)], round: u32) -> Vec<ReviewerRound> {
    rubrics
        .iter()
        .filter_map(|(name, rb)| {
            rb.round(round).map(|g| ReviewerRound {
                reviewer: name.clone(),
                level: g.level,
                fell_into_trap: g.fell_into_trap,
                comment: g.comment.clone(),
            })
        })
        .collect()
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

/// The longest self-assessment note accepted, in characters (Unicode scalar values).
pub const MAX_NOTE_CHARS: usize = 2000;

/// The self-assessed rounds of a form: (round, level 1–4, note), rounds without a level left
/// out; notes of at most [`MAX_NOTE_CHARS`] characters without control characters.
fn self_levels_from_form(
    l: &Loaded,
    form: &std::collections::HashMap<String, String>,
) -> Result<Vec<(i64, i64, String)>> {
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
        if note.chars().count() > MAX_NOTE_CHARS {
            return Err(AppError::Unprocessable(format!(
                "Keep each note under {MAX_NOTE_CHARS} characters (round {}'s has {}).",
                r.number,
                note.chars().count()
            )));
        }
        if crate::practice::has_refused_control(&note) {
            return Err(AppError::Unprocessable(format!(
                "The note for round {} contains invisible control characters; remove them and save again.",
                r.number
            )));
        }
        rows.push((i64::from(r.number), level, note));
    }
    Ok(rows)
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
    let rows = self_levels_from_form(&l, &form)?;
    // the misses become drill cards when the debrief is done (duplicates merge)
    let cards = if l.attempt.only_round.is_none() {
        super::drills::cards_for_attempt(&l.pinned, &l.answers, &[])
    } else {
        Vec::new()
    };
    let mut tx = db::begin_write(&state.writer).await?;
    let reviews = db::reviews::for_attempt(&mut *tx, id).await?;
    if reviews.iter().any(|r| r.submitted_at.is_some()) {
        return Err(AppError::Conflict(
            "Your self-assessment is locked: reviewers' levels are visible now, so it stays as it was when they arrived.".into(),
        ));
    }
    for (round, level, note) in &rows {
        db::attempts::put_self_level(&mut tx, id, *round, *level, note).await?;
    }
    super::drills::store_cards(&mut tx, &state, user.id, &l.attempt, &cards).await?;
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
    if l.attempt.only_round.is_some() {
        return Err(AppError::Conflict(
            "A retried round is practice for you alone; ask for a review of a whole attempt."
                .into(),
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
    let changed = db::attempts::set_review_requested(&mut tx, id, requested).await?;
    if requested && changed {
        let settings = db::settings::load(&mut *tx).await?;
        let assigned =
            assign::on_request(&mut tx, &settings, id, user.id, &l.attempt.slug, &[]).await?;
        let title = l.gauntlet().title.clone();
        notify::review_requested(&mut tx, &state.config, id, user.id, &title, assigned).await?;
    }
    tx.commit().await?;
    state.outbox_wake.notify_one();
    let msg = if requested {
        "Review requested. Interviewers on this site can now read this attempt; you can withdraw the request until someone claims it."
    } else {
        "Review request withdrawn. This attempt is private to you again."
    };
    session::flash(&session, "success", msg).await?;
    Ok(Redirect::to(&format!("/attempts/{id}/debrief")).into_response())
}
