//! Live mock interviews over HTTP: starting a session from a gauntlet's overview, the
//! interviewer's console and its controls (each a CSRF-protected POST, recorded with who and
//! when), nudges, private notes, and the server-sent event streams of the console and of the
//! candidate's round page. The rules live in `crate::live`; the round page itself stays in
//! `practice`, which asks [`gate`] what a live session lets the candidate see.
//!
//! Only the session's interviewer and candidate reach any of it; for everyone else a session
//! does not exist (404).

mod console;
mod controls;
mod events;
mod invite;
mod open;
mod start;

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Json,
    response::{IntoResponse, Redirect, Response},
};
use serde_json::{Value, json};

use self::controls::hand_over;
pub use self::{
    console::console,
    controls::{add_note, control, nudge},
    events::{attempt_events, console_events},
    invite::{LiveInvites, invite_console},
    start::start,
};
use super::{
    error::{AppError, Result},
    layout::Chrome,
};
use crate::{
    clock,
    content::Gauntlet,
    content_store::Pinned,
    db::{self, attempts::Answer, live::LiveRow},
    live::{
        Control, Phase, Progress, Session,
        hub::{Event, Kind, Side},
    },
    practice::{self, Part, Step},
    state::AppState,
};

/// A session nobody joined expires this long after its start time.
const EXPIRES_AFTER_SECS: i64 = 2 * 3600;
/// How far ahead a session can be scheduled.
const MAX_SCHEDULE_AHEAD_SECS: i64 = 90 * 24 * 3600;

/// What the candidate has done in round `round` of `g`.
pub fn progress(g: &Gauntlet, answers: &[Answer], round: u32) -> Progress {
    let done = |part: Part| {
        answers.iter().any(|a| {
            a.round_number == i64::from(round) && a.part == part && a.submitted_at.is_some()
        })
    };
    Progress {
        main_done: done(Part::Main),
        has_follow_up: g
            .rounds
            .iter()
            .any(|r| r.number == round && r.follow_up.is_some()),
        follow_up_done: done(Part::FollowUp),
    }
}

/// What a live session lets the candidate's round page show.
pub enum Gate {
    /// Not live, or the step is open: the normal round page.
    Open,
    /// The candidate waits (lobby, between rounds, before the follow-up).
    Wait(Box<WaitingPage>),
}

/// The live session of attempt `attempt_id`, if it has one that is not over.
pub async fn running_for_attempt(
    conn: &mut sqlx::SqliteConnection,
    attempt_id: i64,
) -> Result<Option<LiveRow>> {
    Ok(db::live::for_attempt(&mut *conn, attempt_id)
        .await?
        .filter(|r| r.ended_at.is_none()))
}

/// The key of what the candidate's page shows: the page reloads when a `state` event names
/// another one.
fn view_key(s: &Session, p: Progress, current: Option<Step>) -> String {
    match (s.phase, s.waiting_message(p), current) {
        (Phase::Debrief, _, _) | (_, _, None) => "debrief".into(),
        (Phase::Lobby, _, _) => "lobby".into(),
        (Phase::Round(n), Some(_), _) => format!("wait-{n}-{}", s.follow_up.as_str()),
        (Phase::Round(_), None, Some(step)) => format!("{}-{}", step.round, step.part),
    }
}

/// The candidate's waiting page (lobby, between rounds).
#[derive(Template, WebTemplate)]
#[template(path = "pages/live/waiting.html")]
pub struct WaitingPage {
    chrome: Chrome,
    attempt_id: i64,
    title: String,
    interviewer: String,
    message: String,
    nudge: String,
    view: String,
    scheduled_at: Option<i64>,
    /// Nobody joined in time: the candidate may delete the attempt it left.
    expired: bool,
}

impl WaitingPage {
    fn when(&self, at: &i64) -> String {
        clock::format_datetime(*at)
    }
}

/// Decides what the candidate sees at `step` of a live attempt; a GET (`writes`) records their
/// first arrival, a HEAD writes nothing.
pub async fn gate(
    state: &AppState,
    chrome: &Chrome,
    row: &LiveRow,
    g: &Gauntlet,
    answers: &[Answer],
    step: Step,
    writes: bool,
) -> Result<Gate> {
    // a session nobody joined in time stays closed: arriving late does not open it
    let expired = row.is_closed(clock::now());
    if writes && !expired && row.joined_at.is_none() {
        let mut tx = db::begin_write(&state.writer).await?;
        db::live::mark_joined(&mut tx, row.id).await?;
        tx.commit().await?;
    }
    let s = row.session(round_count(g));
    let p = progress(g, answers, s.phase.round());
    if !expired && s.step_open(step) {
        return Ok(Gate::Open);
    }
    let message = if expired {
        "This live interview expired before anyone joined it. Ask the interviewer to start a new one."
    } else {
        s.waiting_message(p)
            .unwrap_or("The interviewer will open this step shortly.")
    };
    Ok(Gate::Wait(Box::new(WaitingPage {
        chrome: chrome.clone(),
        attempt_id: row.attempt_id,
        title: g.title.clone(),
        interviewer: row.interviewer_name.clone(),
        message: message.into(),
        nudge: row.nudge.clone(),
        view: view_key(&s, p, Some(step)),
        scheduled_at: row.scheduled_at.filter(|_| s.phase == Phase::Lobby),
        expired,
    })))
}

/// Refuses a save or submit of a step the live session has not opened.
pub fn check_step_open(row: &LiveRow, g: &Gauntlet, step: Step) -> Result<()> {
    if row.session(round_count(g)).step_open(step) {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "The interviewer has not opened this step yet; wait for it on the interview page."
                .into(),
        ))
    }
}

fn round_count(g: &Gauntlet) -> u32 {
    u32::try_from(g.rounds.len()).unwrap_or(u32::MAX)
}

/// After the candidate submitted in a live session: let the state machine move on (when the
/// interviewer allows advancing), end the session after the last step, and tell both sides.
pub async fn after_submit(state: &AppState, attempt_id: i64, user_id: i64) -> Result<()> {
    let mut conn = state.db.get().await?;
    let Some(row) = running_for_attempt(&mut conn, attempt_id).await? else {
        return Ok(());
    };
    let Some(pinned) = state
        .content
        .pinned(&mut *conn, &row.slug, &row.version)
        .await?
    else {
        return Ok(());
    };
    let answers = db::attempts::answers(&mut *conn, attempt_id).await?;
    drop(conn);
    let g = &pinned.gauntlet;
    let mut s = row.session(round_count(g));
    let finished = practice::current_step(g, &states(&answers)).is_none();
    let now = clock::now();
    let changed = if finished {
        s.apply(Control::End, Progress::default(), now).is_ok()
    } else {
        s.after_submit(progress(g, &answers, s.phase.round()), now)
    };
    if changed {
        let mut tx = db::begin_write(&state.writer).await?;
        db::live::put_state(&mut tx, row.id, &s).await?;
        let what = if finished { "finished" } else { "advance" };
        db::live::record_control(&mut tx, row.id, user_id, what, "").await?;
        if finished {
            hand_over(&mut tx, &row, g).await?;
        }
        tx.commit().await?;
    }
    publish_state(state, row.id);
    Ok(())
}

fn states(answers: &[Answer]) -> Vec<practice::StepState> {
    answers
        .iter()
        .filter_map(|a| {
            Some(practice::StepState {
                step: Step {
                    round: u32::try_from(a.round_number).ok()?,
                    part: a.part,
                },
                submitted: a.submitted_at.is_some(),
            })
        })
        .collect()
}

fn publish_state(state: &AppState, session: i64) {
    state.live.publish(
        session,
        Event {
            kind: Kind::State,
            data: String::new(),
            console_only: false,
        },
    );
}

/// Tells a watching console that the candidate's text was saved (called by the save handler
/// after the save committed).
pub fn publish_answer(
    state: &AppState,
    attempt_id: i64,
    step: (u32, &str),
    body: &str,
    version: i64,
    saved_at: i64,
) {
    let Some(session) = state.live.watched_session(attempt_id) else {
        return;
    };
    let data = json!({
        "round": step.0, "part": step.1, "body": body, "version": version,
        "saved_at": saved_at, "saved_label": clock::format_time(saved_at),
    });
    state.live.publish(
        session,
        Event {
            kind: Kind::Answer,
            data: data.to_string(),
            console_only: true,
        },
    );
}

// ---- loading with authorization ----------------------------------------------------------------

/// A session with its pinned gauntlet, seen by one of its two people.
struct Seen {
    row: LiveRow,
    pinned: Arc<Pinned>,
    side: Side,
}

/// Loads session `id` for `user`: their side, or 404 for anyone else.
async fn load_seen(state: &AppState, id: i64, user: i64) -> Result<Seen> {
    let mut conn = state.db.get().await?;
    let row = db::live::get(&mut *conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let side = if row.interviewer_id == user {
        Side::Interviewer
    } else if row.candidate_id == user {
        Side::Candidate
    } else {
        return Err(AppError::NotFound);
    };
    let pinned = state
        .content
        .pinned(&mut *conn, &row.slug, &row.version)
        .await?
        .ok_or_else(|| AppError::missing_version(&row.slug, &row.version))?;
    Ok(Seen { row, pinned, side })
}

/// The round the console shows: the one revealed, and after the end the last one revealed
/// (the row keeps its number).
fn revealed_round(row: &LiveRow, s: &Session) -> u32 {
    match s.phase {
        Phase::Debrief => u32::try_from(row.round).unwrap_or(0),
        phase => phase.round(),
    }
}

/// The answer the console shows: the revealed round's follow-up once it exists, else its main.
fn latest_answer(answers: &[Answer], round: u32) -> Option<&Answer> {
    let of = |part: Part| {
        answers
            .iter()
            .find(|a| a.round_number == i64::from(round) && a.part == part)
    };
    of(Part::FollowUp).or_else(|| of(Part::Main))
}

fn answer_text(answers: &[Answer], round: i64) -> &str {
    answers
        .iter()
        .find(|a| a.round_number == round && a.part == Part::Main)
        .map_or("", |a| a.body.as_str())
}

/// Answers a console form: JSON for scripts, back to the console for plain forms.
fn done(json: bool, id: i64) -> Response {
    if json {
        Json(json!({"ok": true})).into_response()
    } else {
        Redirect::to(&format!("/live/{id}")).into_response()
    }
}

fn timer_json(s: &Session, now: i64) -> Value {
    json!({"elapsed": s.elapsed(now), "paused": s.paused_at.is_some(), "running": s.timer_started_at.is_some()})
}
