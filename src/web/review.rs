//! Interviewer review: the queue, claiming, the aligned review page with the rubric, drafts
//! (autosaved), submitting, editing a submitted review (an explicit mode whose change set reaches
//! the candidate and the audit log on "Save changes"), and comments anchored to spans.
//!
//! Only attempts whose candidate asked for a review exist here: anything else is a 404. Other
//! reviewers' reviews are shown only to someone who has submitted their own.

use std::{collections::HashMap, sync::Arc};

use askama::Template;
use askama_web::WebTemplate;
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
    error::{AppError, Result, json_error},
    extract::{RequireInterviewer, wants_json},
    form::StrictForm,
    layout::Chrome,
    round_view::{self, CommentInput, LEVELS, RoundView},
};
use crate::{
    auth::session,
    clock,
    db::{
        self,
        attempts::{Answer, Attempt, AttemptWithAnswers},
        readers::Reader,
        reviews::{QueueRow, Review},
        users::User,
    },
    grading::{Recommendation, Rubric, RubricShape, rubric::RoundGrade},
    library::Pinned,
    page_cache::Rendered,
    practice::{Part, replay},
    state::AppState,
};

/// One attempt in the queue.
pub struct QueueItem {
    pub attempt_id: i64,
    pub title: String,
    pub candidate: String,
    pub finished: String,
    pub requested: String,
    pub reviewers: String,
    pub final_reviews: i64,
    /// Who the request is assigned to: "you", a name, or empty.
    pub assigned: String,
    /// "unclaimed", "mine", "mine-done" or "others".
    pub state: &'static str,
}

impl QueueItem {
    /// Submitted reviews and no claim still in progress: nothing is waiting any more (another
    /// interviewer may still add a review, which is not the queue's main job).
    fn is_reviewed(final_reviews: i64, claims: i64) -> bool {
        final_reviews > 0 && claims == final_reviews
    }
}

#[derive(Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    show: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/review/queue.html")]
struct QueuePage {
    chrome: Chrome,
    /// Attempts that still wait for a (first or claimed) review.
    waiting: Vec<QueueItem>,
    /// Attempts whose every claimed review is submitted.
    reviewed: Vec<QueueItem>,
    show: String,
    total: usize,
}

fn candidate_label(blind: bool, row: &QueueRow) -> String {
    if blind {
        format!("Candidate #{}", row.attempt_id)
    } else {
        row.candidate.clone()
    }
}

/// `GET /reviews?show=unclaimed|mine|done`: attempts that asked for a review, oldest first.
pub async fn queue(
    RequireInterviewer(me): RequireInterviewer,
    chrome: Chrome,
    State(state): State<AppState>,
    Query(q): Query<QueueQuery>,
) -> Result<impl IntoResponse> {
    let mut conn = state.db.get().await?;
    let blind = db::settings::load(&mut *conn).await?.blind_review;
    let rows = db::reviews::queue(&mut *conn, me.id).await?;
    let total = rows.len();
    let (mut waiting, mut reviewed) = (Vec::new(), Vec::new());
    for row in rows {
        let done = QueueItem::is_reviewed(row.final_reviews, row.claims);
        let st = match (row.mine, row.mine_submitted, row.reviewers.is_some()) {
            (Some(_), Some(_), _) => "mine-done",
            (Some(_), None, _) => "mine",
            (None, _, false) => "unclaimed",
            (None, _, true) => "others",
        };
        let keep = match q.show.as_str() {
            "unclaimed" => st == "unclaimed",
            "mine" => st == "mine",
            "done" => st == "mine-done" || row.final_reviews > 0,
            _ => true,
        };
        if !keep {
            continue;
        }
        let title = state
            .content
            .pinned(&mut *conn, &row.slug, &row.version)
            .await?
            .map_or_else(|| row.slug.clone(), |p| p.gauntlet.title.clone());
        let list = if done { &mut reviewed } else { &mut waiting };
        list.push(QueueItem {
            attempt_id: row.attempt_id,
            title,
            candidate: candidate_label(blind, &row),
            finished: row
                .finished_at
                .map(clock::format_datetime)
                .unwrap_or_default(),
            requested: clock::format_datetime(row.requested_at),
            reviewers: row.reviewers.clone().unwrap_or_default(),
            final_reviews: row.final_reviews,
            assigned: match (row.assignee_id, &row.assignee) {
                (Some(id), _) if id == me.id => "you".to_string(),
                (_, Some(name)) => name.clone(),
                _ => String::new(),
            },
            state: st,
        });
    }
    Ok(QueuePage {
        chrome,
        waiting,
        reviewed,
        show: q.show,
        total,
    })
}

/// The attempt with its answers, if it asked for a review (otherwise 404, whoever asks).
async fn requested_attempt(conn: &mut SqliteConnection, id: i64) -> Result<AttemptWithAnswers> {
    db::attempts::with_answers(conn, id, None)
        .await?
        .filter(|a| a.attempt.review_requested_at.is_some())
        .ok_or(AppError::NotFound)
}

/// `POST /reviews/{id}/claim`
pub async fn claim(
    RequireInterviewer(me): RequireInterviewer,
    session: Session,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let requested = requested_attempt(&mut *state.db.get().await?, id).await?;
    if requested.attempt.user_id == me.id {
        return Err(AppError::Conflict(
            "You cannot review your own attempt.".into(),
        ));
    }
    let mut tx = db::begin_write(&state.writer).await?;
    let claimed = db::reviews::claim(&mut tx, id, me.id).await?;
    tx.commit().await?;
    if !claimed {
        // the candidate withdrew the request after the check above
        return Err(AppError::Conflict(
            "The candidate withdrew this review request just now, so nothing was claimed.".into(),
        ));
    }
    tracing::info!(reviewer = me.id, attempt = id, "review claimed");
    session::flash(
        &session,
        "success",
        "Claimed. The candidate can no longer withdraw the request.",
    )
    .await?;
    Ok(Redirect::to(&format!("/reviews/{id}")).into_response())
}

/// `POST /reviews/{id}/release`: gives a claim back (only before submitting).
pub async fn release(
    RequireInterviewer(me): RequireInterviewer,
    session: Session,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response> {
    requested_attempt(&mut *state.db.get().await?, id).await?;
    let mut tx = db::begin_write(&state.writer).await?;
    let released = db::reviews::release(&mut tx, id, me.id).await?;
    tx.commit().await?;
    let msg = if released {
        "Released; your draft for this attempt was discarded."
    } else {
        "Nothing to release: a submitted review stays."
    };
    session::flash(&session, "info", msg).await?;
    Ok(Redirect::to("/reviews").into_response())
}

/// One round of the review page: the shared view plus this reviewer's grade.
pub struct ReviewRound {
    pub v: RoundView,
    pub grade: RoundGrade,
    pub others: Vec<(String, u8)>,
    /// Other reviewers' private notes on this round: (reviewer, note).
    pub private_notes: Vec<(String, String)>,
    /// How the answer was written, one frame per kept text (empty when saved only once).
    pub replay: Vec<ReplayFrame>,
}

/// One step of an answer's replay slider.
pub struct ReplayFrame {
    /// When the text was saved, as the page shows it ("earlier" for the oldest kept text).
    pub label: String,
    /// Unix seconds, for the reader's local time (0 when unknown).
    pub at: i64,
    pub body: String,
    /// "paused 3 min" when the writer stopped before this text, else empty.
    pub pause: String,
}

/// Kept texts read for one answer's replay at most (the store keeps the newest 20 overwritten
/// texts and every text that lost a conflict).
const REPLAY_ROWS: i64 = 200;

/// The replay frames of one answer from its kept texts.
async fn replay_of(conn: &mut SqliteConnection, a: &Answer) -> Result<Vec<ReplayFrame>> {
    let kept: Vec<(i64, String)> = db::attempts::revisions_after(&mut *conn, a.id, 0, REPLAY_ROWS)
        .await?
        .into_iter()
        .filter(|r| r.kind == "overwritten")
        .map(|r| (r.saved_at, r.body))
        .collect();
    if kept.is_empty() {
        return Ok(Vec::new());
    }
    Ok(replay::frames(&kept, &a.body, a.updated_at)
        .into_iter()
        .map(|f| ReplayFrame {
            label: f.at.map_or_else(|| "earlier".into(), clock::format_time),
            at: f.at.unwrap_or(0),
            body: f.body,
            pause: f
                .pause_before
                .map(|s| format!("paused {} min", (s + 30) / 60))
                .unwrap_or_default(),
        })
        .collect())
}

/// Another reviewer's final review, shown once mine is submitted.
pub struct OtherReview {
    pub reviewer: String,
    pub recommendation: Option<&'static str>,
    pub summary: String,
}

/// The review page: the site chrome around a rendered body (reused while unchanged).
#[derive(Template, WebTemplate)]
#[template(path = "pages/review/review.html")]
struct ReviewPage {
    chrome: Chrome,
    rendered: Arc<Rendered>,
}

#[derive(Template)]
#[template(path = "pages/review/review_body.html")]
struct ReviewBody<'a> {
    /// Only the CSRF token is used here (the forms carry it); the page renders the rest.
    chrome: &'a Chrome,
    attempt_id: i64,
    /// Where this page's comment forms post (`/reviews/{id}`).
    comment_base: String,
    title: String,
    candidate: String,
    finished: String,
    claimed: bool,
    submitted: Option<String>,
    /// A submitted review opened with "Edit submitted review": the fields are live and nothing
    /// is saved until "Save changes".
    editing: bool,
    /// A submitted review shown read-only (not in edit mode).
    locked: bool,
    rounds: Vec<ReviewRound>,
    recommendation: String,
    summary: String,
    others: Vec<OtherReview>,
    levels: [(i64, &'static str, &'static str); 4],
    recommendations: [Recommendation; 4],
    error: Option<String>,
}

impl ReviewBody<'_> {
    /// Whether weak answer `index0` (0-based) is flagged for round `r`.
    fn weak_checked(&self, r: &ReviewRound, index0: &usize) -> bool {
        u32::try_from(index0 + 1).is_ok_and(|k| r.grade.weak_answers.contains(&k))
    }

    /// The short text of round `r`'s weak answer `index0` (0-based), for its flag's label.
    fn weak_label<'r>(&self, r: &'r ReviewRound, index0: &usize) -> &'r str {
        r.v.weak_labels.get(*index0).map_or("", String::as_str)
    }

    /// Whether level `n` is the chosen level of round `r`.
    fn level_checked(&self, r: &ReviewRound, n: &i64) -> bool {
        r.grade.level.map(i64::from) == Some(*n)
    }
}

#[derive(Deserialize)]
pub struct PageQuery {
    /// Present (`?edit=1`): open a submitted review in edit mode.
    edit: Option<String>,
}

/// `GET /reviews/{id}` (`?edit=1`: edit mode for a submitted review)
pub async fn page(
    RequireInterviewer(me): RequireInterviewer,
    chrome: Chrome,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(q): Query<PageQuery>,
) -> Result<Response> {
    let view = View {
        draft: None,
        error: None,
        editing: q.edit.is_some(),
    };
    Ok(render_page(&state, chrome, &me, id, view)
        .await?
        .into_response())
}

/// How the review page is shown: a rejected rubric to show again, an error, edit mode.
struct View {
    draft: Option<Rubric>,
    error: Option<String>,
    editing: bool,
}

async fn pinned_of(
    state: &AppState,
    conn: &mut SqliteConnection,
    a: &Attempt,
) -> Result<Arc<Pinned>> {
    state
        .content
        .pinned(conn, &a.slug, &a.version)
        .await?
        .ok_or_else(|| {
            AppError::Internal(format!(
                "gauntlet version {}@{} is missing",
                a.slug, a.version
            ))
        })
}

/// The review page. A plain view reuses the body rendered before while the attempt's page
/// stamp is unchanged; a page showing a rejected draft or an error is always built afresh.
async fn render_page(
    state: &AppState,
    chrome: Chrome,
    me: &User,
    id: i64,
    view: View,
) -> Result<ReviewPage> {
    let mut conn = state.db.get().await?;
    let cacheable =
        view.draft.is_none() && view.error.is_none() && !view.editing && !chrome.csrf.is_empty();
    if !cacheable {
        let rendered = Arc::new(render_body(state, conn, &chrome, me, id, view).await?);
        return Ok(ReviewPage { chrome, rendered });
    }
    // read before the page's data: a change in between only makes the entry look stale
    let stamp = db::reviews::page_stamp(&mut *conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let key = (id, me.id, chrome.csrf.clone());
    let rendered = match state.review_pages.get(&key, &stamp) {
        Some(rendered) => rendered,
        None => {
            let plain = View {
                draft: None,
                error: None,
                editing: false,
            };
            let rendered = Arc::new(render_body(state, conn, &chrome, me, id, plain).await?);
            state.review_pages.put(key, stamp, rendered.clone());
            rendered
        }
    };
    Ok(ReviewPage { chrome, rendered })
}

/// Loads everything the review page shows (on `conn`, given back before rendering) and renders
/// the body.
async fn render_body(
    state: &AppState,
    mut conn: Reader<'_>,
    chrome: &Chrome,
    me: &User,
    id: i64,
    view: View,
) -> Result<Rendered> {
    let View {
        draft,
        error,
        editing,
    } = view;
    let AttemptWithAnswers {
        attempt,
        owner_name: candidate,
        answers,
    } = requested_attempt(&mut conn, id).await?;
    let pinned = pinned_of(state, &mut conn, &attempt).await?;
    let reviews = db::reviews::for_attempt(&mut *conn, id).await?;
    let mine = reviews.iter().find(|r| r.reviewer_id == me.id);
    let my_rubric = match (&draft, mine) {
        (Some(d), _) => Some(d.clone()),
        (None, Some(r)) => Some(db::reviews::rubric(&mut *conn, r).await?),
        (None, None) => None,
    };
    let mine_final = mine.is_some_and(|r| r.submitted_at.is_some());
    // others' reviews (levels and comments) only after submitting my own
    let visible: Vec<&Review> = reviews
        .iter()
        .filter(|r| r.reviewer_id == me.id || (mine_final && r.submitted_at.is_some()))
        .collect();
    let mut comments = Vec::new();
    if !visible.is_empty() {
        for c in db::reviews::comments_for_attempt(&mut *conn, id).await? {
            if let Some(r) = visible.iter().find(|r| r.id == c.review_id) {
                comments.push((r.reviewer_name.clone(), r.reviewer_id == me.id, c));
            }
        }
    }
    let mut other_rubrics = Vec::new();
    for r in visible.iter().filter(|r| r.reviewer_id != me.id) {
        other_rubrics.push((
            r.reviewer_name.clone(),
            db::reviews::rubric(&mut *conn, r).await?,
        ));
    }
    let mut replays = Vec::new();
    for a in answers.iter().filter(|a| a.part == Part::Main.as_str()) {
        replays.push((a.round_number, replay_of(&mut conn, a).await?));
    }
    let answer_of = |n: u32, part: Part| {
        answers
            .iter()
            .find(|a| a.round_number == i64::from(n) && a.part == part.as_str())
            .map(|a| a.body.as_str())
    };
    let rounds = pinned
        .gauntlet
        .rounds
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let body = answer_of(r.number, Part::Main).unwrap_or("");
            let cs = comments
                .iter()
                .filter(|(_, _, c)| c.round_number == i64::from(r.number))
                .filter_map(|(author, mine, c)| CommentInput::from_stored(c, author, *mine))
                .collect();
            let v = round_view::build(
                &pinned,
                i,
                body,
                answer_of(r.number, Part::FollowUp),
                &pinned.align(i, body),
                cs,
            );
            let grade = my_rubric
                .as_ref()
                .and_then(|rb| rb.round(r.number).cloned())
                .unwrap_or(RoundGrade {
                    round: r.number,
                    level: None,
                    fell_into_trap: false,
                    weak_answers: Vec::new(),
                    comment: String::new(),
                    private_note: String::new(),
                });
            let others = other_rubrics
                .iter()
                .filter_map(|(name, rb)| {
                    rb.round(r.number)
                        .and_then(|g| g.level)
                        .map(|l| (name.clone(), l))
                })
                .collect();
            let replay = replays
                .iter_mut()
                .find(|(n, _)| *n == i64::from(r.number))
                .map(|(_, f)| std::mem::take(f))
                .unwrap_or_default();
            let private_notes = other_rubrics
                .iter()
                .filter_map(|(name, rb)| {
                    rb.round(r.number)
                        .filter(|g| !g.private_note.is_empty())
                        .map(|g| (name.clone(), g.private_note.clone()))
                })
                .collect();
            ReviewRound {
                v,
                grade,
                others,
                replay,
                private_notes,
            }
        })
        .collect();
    let others = reviews
        .iter()
        .filter(|r| mine_final && r.reviewer_id != me.id && r.submitted_at.is_some())
        .map(|r| OtherReview {
            reviewer: r.reviewer_name.clone(),
            recommendation: r.recommendation().map(|x| x.label()),
            summary: r.summary.clone(),
        })
        .collect();
    let blind = db::settings::load(&mut *conn).await?.blind_review;
    drop(conn);
    let editing = editing && mine_final;
    let body = ReviewBody {
        chrome,
        attempt_id: id,
        comment_base: format!("/reviews/{id}"),
        title: pinned.gauntlet.title.clone(),
        candidate: if blind {
            format!("Candidate #{id}")
        } else {
            candidate
        },
        finished: attempt
            .finished_at
            .map(clock::format_datetime)
            .unwrap_or_default(),
        claimed: mine.is_some(),
        submitted: mine
            .and_then(|r| r.submitted_at)
            .map(clock::format_datetime),
        editing,
        locked: mine_final && !editing,
        rounds,
        recommendation: my_rubric
            .as_ref()
            .and_then(|r| r.recommendation)
            .map(|r| r.as_str().to_string())
            .unwrap_or_default(),
        summary: my_rubric.map(|r| r.summary).unwrap_or_default(),
        others,
        levels: LEVELS,
        recommendations: Recommendation::ALL,
        error,
    };
    Ok(Rendered {
        title: body.title.clone(),
        body: body
            .render()
            .map_err(|e| AppError::Internal(format!("review page: {e}")))?,
    })
}

/// The reviewer's own review of a requested attempt, or 409 if they have not claimed it.
async fn my_review(state: &AppState, me: &User, id: i64) -> Result<(Review, RubricShape)> {
    let mut conn = state.db.get().await?;
    let attempt = requested_attempt(&mut conn, id).await?.attempt;
    let review = db::reviews::for_attempt(&mut *conn, id)
        .await?
        .into_iter()
        .find(|r| r.reviewer_id == me.id)
        .ok_or_else(|| AppError::Conflict("Claim this attempt before grading it.".into()))?;
    let pinned = pinned_of(state, &mut conn, &attempt).await?;
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
async fn store(state: &AppState, me: &User, review: &Review, rubric: &Rubric) -> Result<bool> {
    let mut tx = db::begin_write(&state.writer).await?;
    let mut changed = true;
    if review.submitted_at.is_some() {
        let before = db::reviews::rubric(&mut *tx, review).await?;
        changed = &before != rubric;
        if changed {
            db::reviews::audit(
                &mut tx,
                review.id,
                me.id,
                &before.to_json(),
                &rubric.to_json(),
            )
            .await?;
        }
    }
    db::reviews::save_rubric(&mut tx, review.id, rubric).await?;
    tx.commit().await?;
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
        store(&state, &me, &review, &rubric).await?;
        Ok::<_, AppError>(rubric)
    }
    .await;
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
    let changed = store(&state, &me, &review, &rubric).await?;
    if editing {
        let msg = if changed {
            "Changes saved. The candidate sees them now, and the audit log lists what changed."
        } else {
            "Nothing changed, so nothing was saved."
        };
        session::flash(&session, "success", msg).await?;
        return Ok(Redirect::to(&format!("/reviews/{id}")).into_response());
    }
    let trap_rounds: Vec<u32> = rubric
        .rounds
        .iter()
        .filter(|g| g.fell_into_trap)
        .map(|g| g.round)
        .collect();
    let mut tx = db::begin_write(&state.writer).await?;
    let first = db::reviews::submit(&mut tx, review.id).await?;
    // a final review turns the attempt's misses and the flagged traps into the candidate's cards
    super::drills::cards_after_review(&state, &mut tx, id, &trap_rounds).await?;
    if first {
        let owner = requested_attempt(&mut tx, id).await?.attempt;
        let title = crate::notify::title_of(&state, &owner.slug);
        crate::notify::review_ready(&mut tx, &state.config, id, owner.user_id, &title).await?;
    }
    tx.commit().await?;
    state.outbox_wake.notify_one();
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
    if form.quote.trim().chars().count() > MAX_COMMENT_CHARS {
        return Err(AppError::Unprocessable(format!(
            "Quote at most {MAX_COMMENT_CHARS} characters of the answer."
        )));
    }
    let answer = db::attempts::answers(&mut *state.db.get().await?, id)
        .await?
        .into_iter()
        .find(|a| a.round_number == i64::from(round) && a.part == Part::Main.as_str())
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
