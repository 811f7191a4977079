//! Interviewer review: the queue, claiming, the aligned review page with the rubric, drafts
//! (autosaved), submitting, editing a submitted review (an explicit mode whose change set reaches
//! the candidate and the audit log on "Save changes"), and comments anchored to spans.
//!
//! Only attempts whose candidate asked for a review exist here: anything else is a 404. Other
//! reviewers' reviews are shown only to someone who has submitted their own.

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::{Path, Query, State},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use sqlx::SqliteConnection;
use tower_sessions::Session;

use super::{
    error::{AppError, Result},
    extract::RequireInterviewer,
    layout::Chrome,
};
use crate::{
    auth::session,
    clock,
    content_store::Pinned,
    db::{
        self,
        attempts::{Attempt, AttemptWithAnswers},
        reviews::QueueRow,
    },
    state::AppState,
};

pub mod cache;
mod grade;
mod load;
mod page;
mod round_form;

pub use cache::ReviewCache;
pub use grade::{MAX_COMMENT_CHARS, add_comment, delete_comment, save, submit};
pub use page::page;

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
    pub state: QueueState,
}

/// Where an attempt in the queue stands for the interviewer reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueState {
    /// Nobody claimed it.
    Unclaimed,
    /// The reader's review is in progress.
    Mine,
    /// The reader's review is submitted.
    MineDone,
    /// Others claimed it; the reader has not.
    Others,
}

impl QueueState {
    fn of(row: &QueueRow) -> Self {
        match (row.mine, row.mine_submitted, row.reviewers.is_some()) {
            (Some(_), Some(_), _) => Self::MineDone,
            (Some(_), None, _) => Self::Mine,
            (None, _, false) => Self::Unclaimed,
            (None, _, true) => Self::Others,
        }
    }
}

/// The queue's tabs (`?show=`); anything else shows everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QueueFilter {
    All,
    Unclaimed,
    Mine,
    Done,
}

impl QueueFilter {
    const TABS: [(Self, &'static str, &'static str); 4] = [
        (Self::All, "/reviews", "All"),
        (Self::Unclaimed, "/reviews?show=unclaimed", "Unclaimed"),
        (Self::Mine, "/reviews?show=mine", "Mine in progress"),
        (Self::Done, "/reviews?show=done", "Done"),
    ];

    fn from_query(show: &str) -> Self {
        match show {
            "unclaimed" => Self::Unclaimed,
            "mine" => Self::Mine,
            "done" => Self::Done,
            _ => Self::All,
        }
    }

    /// Whether an attempt in `state` with `final_reviews` submitted reviews is shown.
    fn keeps(self, state: QueueState, final_reviews: i64) -> bool {
        match self {
            Self::All => true,
            Self::Unclaimed => state == QueueState::Unclaimed,
            Self::Mine => state == QueueState::Mine,
            Self::Done => state == QueueState::MineDone || final_reviews > 0,
        }
    }
}

/// One tab of the queue: where it leads, what it says, whether it is the one shown.
pub struct QueueTab {
    pub href: &'static str,
    pub label: String,
    pub current: bool,
}

fn tabs(shown: QueueFilter, total: usize) -> Vec<QueueTab> {
    QueueFilter::TABS
        .iter()
        .map(|&(filter, href, label)| QueueTab {
            href,
            label: if filter == QueueFilter::All {
                format!("{label} ({total})")
            } else {
                label.to_string()
            },
            current: filter == shown,
        })
        .collect()
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
    tabs: Vec<QueueTab>,
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
    let filter = QueueFilter::from_query(&q.show);
    let (mut waiting, mut reviewed) = (Vec::new(), Vec::new());
    for row in rows {
        let done = QueueItem::is_reviewed(row.final_reviews, row.claims);
        let st = QueueState::of(&row);
        if !filter.keeps(st, row.final_reviews) {
            continue;
        }
        let list = if done { &mut reviewed } else { &mut waiting };
        list.push(QueueItem {
            attempt_id: row.attempt_id,
            title: row.title.clone(),
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
        tabs: tabs(filter, total),
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

/// The pinned gauntlet version an attempt answered, from memory or (on a miss) through a read
/// connection of its own: callers let theirs go first, so no handler holds two.
async fn pinned_of(state: &AppState, a: &Attempt) -> Result<Arc<Pinned>> {
    state
        .content
        .pinned_from(&state.db, &a.slug, &a.version)
        .await?
        .ok_or_else(|| AppError::missing_version(&a.slug, &a.version))
}
