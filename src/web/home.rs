//! The home page: what to do next, depending on who is signed in.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use tower_sessions::Session;

use super::{error::Result, layout::Chrome};
use crate::{auth::session, clock, db, state::AppState};

/// A finished attempt with submitted feedback the candidate has not opened yet.
pub struct NewFeedback {
    pub id: i64,
    pub title: String,
    pub reviews: i64,
}

/// An unfinished attempt, to resume from the home page.
pub struct InProgress {
    pub id: i64,
    pub title: String,
    pub started: String,
    pub answered: usize,
    pub rounds: usize,
}

/// An open live interview of the signed-in user, either side.
pub struct LiveLink {
    pub id: i64,
    pub with: String,
    pub title: String,
    pub as_candidate: bool,
    pub scheduled_at: Option<i64>,
    pub scheduled_label: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/home.html")]
pub struct HomePage {
    chrome: Chrome,
    gauntlets: usize,
    users: i64,
    open_invites: usize,
    content_problems: usize,
    in_progress: Vec<InProgress>,
    finished: usize,
    /// For interviewers: attempts waiting for a first claim, and their own drafts.
    unclaimed: usize,
    my_drafts: usize,
    /// Drills due today and what to practise next (signed-in users).
    drills: Option<super::drills::HomePanel>,
    live: Vec<LiveLink>,
    /// The account was just created: greet, do not welcome back.
    first_visit: bool,
    new_feedback: Vec<NewFeedback>,
}

/// `GET /`
pub async fn home(
    chrome: Chrome,
    session: Session,
    State(state): State<AppState>,
) -> Result<HomePage> {
    // the greeting is used up by a GET only (a HEAD shows nothing)
    let first_visit = chrome.user.is_some()
        && if chrome.head {
            session::peek_new_account(&session).await?
        } else {
            session::take_new_account(&session).await?
        };
    let mut conn = state.db.get().await?;
    let lib = state.content.current();
    let admin = chrome.user.as_ref().is_some_and(|u| u.is_admin());
    let (users, open_invites) = if admin {
        let invites = db::tokens::list_invites(&mut *conn).await?;
        (
            db::users::count(&mut *conn).await?,
            invites.iter().filter(|i| i.is_open()).count(),
        )
    } else {
        (0, 0)
    };
    let (mut unclaimed, mut my_drafts) = (0, 0);
    if let Some(u) = chrome.user.as_ref().filter(|u| u.is_interviewer()) {
        for row in db::reviews::queue(&mut *conn, u.id).await? {
            if row.reviewers.is_none() {
                unclaimed += 1;
            }
            if row.mine.is_some() && row.mine_submitted.is_none() {
                my_drafts += 1;
            }
        }
    }
    let mut in_progress = Vec::new();
    let mut new_feedback = Vec::new();
    let mut finished = 0;
    if let Some(u) = &chrome.user {
        let states = db::attempts::review_states_of_user(&mut *conn, u.id).await?;
        for a in db::attempts::for_user(&mut *conn, u.id).await? {
            if a.finished_at.is_some() {
                // a retried round is not a finished attempt of its own
                finished += usize::from(a.only_round.is_none());
                if let Some(st) = states
                    .iter()
                    .find(|s| s.attempt_id == a.id && s.new_feedback())
                    && let Some(p) = state
                        .content
                        .pinned(&mut *conn, &a.slug, &a.version)
                        .await?
                {
                    new_feedback.push(NewFeedback {
                        id: a.id,
                        title: p.gauntlet.title.clone(),
                        reviews: st.finals,
                    });
                }
                continue;
            }
            let Some(p) = state
                .content
                .pinned(&mut *conn, &a.slug, &a.version)
                .await?
            else {
                continue;
            };
            let answered = db::attempts::answers(&mut *conn, a.id)
                .await?
                .iter()
                .filter(|x| x.submitted_at.is_some() && x.part == "main")
                .count();
            in_progress.push(InProgress {
                id: a.id,
                title: p.gauntlet.title.clone(),
                started: clock::format_datetime(a.started_at),
                answered,
                rounds: p.gauntlet.rounds.len(),
            });
        }
    }
    let drills = match &chrome.user {
        Some(u) => Some(super::drills::home_panel(&state, &mut conn, u.id).await?),
        None => None,
    };
    let mut live = Vec::new();
    if let Some(u) = &chrome.user {
        let now = clock::now();
        for row in db::live::open_for_user(&mut *conn, u.id).await? {
            if row.is_closed(now) {
                continue;
            }
            let as_candidate = row.candidate_id == u.id;
            live.push(LiveLink {
                id: row.id,
                with: if as_candidate {
                    row.interviewer_name.clone()
                } else {
                    row.candidate_name.clone()
                },
                title: lib
                    .get(&row.slug)
                    .map_or_else(|| row.slug.clone(), |e| e.gauntlet.title.clone()),
                as_candidate,
                scheduled_at: row.scheduled_at,
                scheduled_label: row
                    .scheduled_at
                    .map(clock::format_datetime)
                    .unwrap_or_default(),
            });
        }
    }
    Ok(HomePage {
        live,
        drills,
        chrome,
        gauntlets: lib.iter().count(),
        users,
        open_invites,
        content_problems: lib.problems().len(),
        in_progress,
        finished,
        unclaimed,
        my_drafts,
        first_visit,
        new_feedback,
    })
}
