//! The home page: what to do next, depending on who is signed in.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use sqlx::SqliteConnection;
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
    let (unclaimed, my_drafts) = match chrome.user.as_ref().filter(|u| u.is_interviewer()) {
        Some(u) => review_work(&mut conn, u.id).await?,
        None => (0, 0),
    };
    let attempts = match &chrome.user {
        Some(u) => attempts_of(&state, &mut conn, u.id).await?,
        None => Attempts::default(),
    };
    let drills = match &chrome.user {
        Some(u) => Some(super::drills::home_panel(&state, &mut conn, u.id).await?),
        None => None,
    };
    let live = match &chrome.user {
        Some(u) => live_links(&lib, &mut conn, u.id).await?,
        None => Vec::new(),
    };
    Ok(HomePage {
        live,
        drills,
        chrome,
        gauntlets: lib.iter().count(),
        users,
        open_invites,
        content_problems: lib.problems().len(),
        in_progress: attempts.in_progress,
        finished: attempts.finished,
        unclaimed,
        my_drafts,
        first_visit,
        new_feedback: attempts.new_feedback,
    })
}

/// An interviewer's open work: requests nobody claimed, and their own unsubmitted drafts.
async fn review_work(conn: &mut SqliteConnection, me: i64) -> Result<(usize, usize)> {
    let (mut unclaimed, mut my_drafts) = (0, 0);
    for row in db::reviews::queue(&mut *conn, me).await? {
        if row.reviewers.is_none() {
            unclaimed += 1;
        }
        if row.mine.is_some() && row.mine_submitted.is_none() {
            my_drafts += 1;
        }
    }
    Ok((unclaimed, my_drafts))
}

/// The signed-in user's attempts as the home page counts them.
#[derive(Default)]
struct Attempts {
    in_progress: Vec<InProgress>,
    finished: usize,
    new_feedback: Vec<NewFeedback>,
}

/// The user's attempts in progress, finished ones and unread feedback: two queries whatever
/// the number of attempts (titles and answer counts come with the attempts).
async fn attempts_of(state: &AppState, conn: &mut SqliteConnection, user: i64) -> Result<Attempts> {
    let states = db::attempts::review_states_of_user(&mut *conn, user).await?;
    let mut out = Attempts::default();
    for s in db::attempts::summaries_of_user(&mut *conn, user).await? {
        let a = &s.attempt;
        if a.finished_at.is_some() {
            // a retried round is not a finished attempt of its own
            out.finished += usize::from(a.only_round.is_none());
            if let Some(st) = states
                .iter()
                .find(|st| st.attempt_id == a.id && st.new_feedback())
            {
                out.new_feedback.push(NewFeedback {
                    id: a.id,
                    title: s.title.clone(),
                    reviews: st.finals,
                });
            }
            continue;
        }
        // the round count needs the gauntlet itself (held in memory once loaded)
        let Some(p) = state
            .content
            .pinned(&mut *conn, &a.slug, &a.version)
            .await?
        else {
            continue;
        };
        out.in_progress.push(InProgress {
            id: a.id,
            title: s.title,
            started: clock::format_datetime(a.started_at),
            answered: usize::try_from(s.answered).unwrap_or(0),
            rounds: p.gauntlet.rounds.len(),
        });
    }
    Ok(out)
}

/// The user's open live interviews, either side.
async fn live_links(
    lib: &crate::content::Library,
    conn: &mut SqliteConnection,
    user: i64,
) -> Result<Vec<LiveLink>> {
    let now = clock::now();
    let mut live = Vec::new();
    for row in db::live::open_for_user(&mut *conn, user).await? {
        if row.is_closed(now) {
            continue;
        }
        let as_candidate = row.candidate_id == user;
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
    Ok(live)
}
