//! Live mock interviews over HTTP: starting a session from a gauntlet's overview, the
//! interviewer's console and its controls (each a CSRF-protected POST, recorded with who and
//! when), nudges, private notes, and the server-sent event streams of the console and of the
//! candidate's round page. The rules live in `crate::live`; the round page itself stays in
//! `practice`, which asks [`gate`] what a live session lets the candidate see.
//!
//! Only the session's interviewer and candidate reach any of it; for everyone else a session
//! does not exist (404).

use std::{convert::Infallible, sync::Arc, time::Duration};

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Json,
    extract::{Path, State},
    http::{HeaderMap, HeaderValue, StatusCode},
    response::{
        IntoResponse, Redirect, Response,
        sse::{Event as SseEvent, KeepAlive, Sse},
    },
};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;

use super::{
    account::MAX_EMAIL_CHARS,
    catalog::{LiveStartForm, overview_page},
    error::{AppError, Result},
    extract::{CurrentUser, RequireInterviewer, wants_json},
    form::StrictForm,
    layout::Chrome,
    round_view::{GuidanceBlock, guidance_blocks},
};
use crate::{
    align::PointKind,
    clock,
    content::Gauntlet,
    db::{self, attempts::Answer, live::LiveRow},
    library::Pinned,
    live::{
        self, Control, Phase, Progress, Session,
        hub::{Event, Kind, Refusal, Side},
    },
    practice::{self, Mode, Part, Step},
    state::AppState,
};

/// A session nobody joined expires this long after its start time.
const EXPIRES_AFTER_SECS: i64 = 2 * 3600;
/// How far ahead a session can be scheduled.
const MAX_SCHEDULE_AHEAD_SECS: i64 = 90 * 24 * 3600;
/// Keep-alive comments on idle streams (proxies close silent connections).
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// What the candidate has done in round `round` of `g`.
pub fn progress(g: &Gauntlet, answers: &[Answer], round: u32) -> Progress {
    let done = |part: Part| {
        answers.iter().any(|a| {
            a.round_number == i64::from(round)
                && a.part == part.as_str()
                && a.submitted_at.is_some()
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
                    part: a.part.parse().ok()?,
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

// ---- starting a session ---------------------------------------------------------------------

#[derive(Deserialize)]
pub struct StartForm {
    candidate_email: String,
    #[serde(default)]
    scheduled_at: String,
    /// The browser's offset from UTC in minutes (`Date.getTimezoneOffset`), for `scheduled_at`.
    #[serde(default)]
    tz_offset: String,
}

/// Parses `YYYY-MM-DDTHH:MM` (a `datetime-local` value) at `offset_minutes` west of UTC.
fn parse_local(value: &str, offset_minutes: i64) -> Option<i64> {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]");
    let t = time::PrimitiveDateTime::parse(value.trim(), &format).ok()?;
    Some(t.assume_utc().unix_timestamp() + offset_minutes * 60)
}

/// Checks the start form: the candidate's active account (not the interviewer's own) and the
/// optional start time; `Err` holds what the form shows.
async fn check_start(
    state: &AppState,
    form: &StartForm,
    interviewer: i64,
    now: i64,
) -> Result<std::result::Result<(db::users::User, Option<i64>), String>> {
    let email = form.candidate_email.trim();
    if email.is_empty() || email.chars().count() > MAX_EMAIL_CHARS {
        return Ok(Err(
            "Name the candidate by the email of their account.".into()
        ));
    }
    let scheduled_at = if form.scheduled_at.trim().is_empty() {
        None
    } else {
        let offset = form.tz_offset.trim().parse::<i64>().unwrap_or(0);
        if offset.abs() > 24 * 60 {
            return Err(AppError::BadRequest(
                "The time zone offset is not valid.".into(),
            ));
        }
        let Some(at) = parse_local(&form.scheduled_at, offset) else {
            return Ok(Err("Give the time as a date and a time of day.".into()));
        };
        if at > now + MAX_SCHEDULE_AHEAD_SECS || at < now - 3600 {
            return Ok(Err("Schedule the interview within the next 90 days.".into()));
        }
        Some(at)
    };
    let mut conn = state.db.get().await?;
    let Some(candidate) = db::users::by_email(&mut *conn, email)
        .await?
        .filter(|c| !c.disabled)
    else {
        return Ok(Err("No active account has that email. Invite the candidate first (Admin → Invites), then start the interview.".into()));
    };
    if candidate.id == interviewer {
        return Ok(Err(
            "You cannot interview yourself; name the candidate's account.".into(),
        ));
    }
    Ok(Ok((candidate, scheduled_at)))
}

/// `POST /gauntlets/{slug}/live`: an interviewer starts a live interview with a candidate; a
/// refused form comes back on the overview page with what was typed.
pub async fn start(
    RequireInterviewer(user): RequireInterviewer,
    chrome: Chrome,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    StrictForm(form): StrictForm<StartForm>,
) -> Result<Response> {
    let lib = state.content.current();
    let entry = lib.get(&slug).ok_or(AppError::NotFound)?;
    let g = &entry.gauntlet;
    let now = clock::now();
    let (candidate, scheduled_at) = match check_start(&state, &form, user.id, now).await? {
        Ok(ok) => ok,
        Err(problem) => {
            let typed = LiveStartForm {
                email: form.candidate_email,
                scheduled_at: form.scheduled_at,
                error: Some(problem),
            };
            let mut resp = overview_page(chrome, Arc::clone(g), typed).into_response();
            *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(resp);
        }
    };
    let expires_at = scheduled_at.unwrap_or(now).max(now) + EXPIRES_AFTER_SECS;
    let mut tx = db::begin_write(&state.writer).await?;
    db::versions::record(&mut tx, &g.slug, &g.version, &g.title, &entry.source).await?;
    let attempt = db::attempts::create(
        &mut tx,
        candidate.id,
        &g.slug,
        &g.version,
        Mode::Interview.as_str(),
    )
    .await?;
    let id = db::live::create(
        &mut tx,
        attempt,
        user.id,
        candidate.id,
        scheduled_at,
        expires_at,
    )
    .await?;
    db::live::record_control(&mut tx, id, user.id, "start", &candidate.display_name).await?;
    tx.commit().await?;
    tracing::info!(
        session = id,
        attempt,
        interviewer = user.id,
        "live interview started"
    );
    Ok(Redirect::to(&format!("/live/{id}")).into_response())
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
        .ok_or_else(|| {
            AppError::Internal(format!("gauntlet {}@{} is missing", row.slug, row.version))
        })?;
    Ok(Seen { row, pinned, side })
}

// ---- the console ---------------------------------------------------------------------------------

/// One note in the console.
pub struct NoteView {
    pub round: i64,
    pub quote: String,
    pub body: String,
    pub anchored: bool,
}

/// One recorded control in the console's log.
pub struct LogLine {
    pub who: String,
    pub action: String,
    pub detail: String,
    pub at: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/live/console.html")]
struct ConsolePage {
    chrome: Chrome,
    id: i64,
    attempt_id: i64,
    title: String,
    candidate: String,
    join_link: String,
    phase: &'static str,
    round: u32,
    round_count: u32,
    round_name: String,
    prompt: String,
    follow_up_question: Option<String>,
    follow_up: &'static str,
    allow_advance: bool,
    paused: bool,
    elapsed: i64,
    closed: bool,
    expired: bool,
    scheduled_at: Option<i64>,
    body: String,
    part: String,
    saved_label: String,
    guidance: Vec<GuidanceBlock>,
    hints: Option<Hints>,
    notes: Vec<NoteView>,
    log: Vec<LogLine>,
    nudge: String,
    error: Option<String>,
}

impl ConsolePage {
    fn when(&self, at: &i64) -> String {
        clock::format_datetime(*at)
    }

    /// The shared timer as the page was rendered (the script keeps it running).
    fn elapsed_label(&self) -> String {
        format!("{:02}:{:02}", self.elapsed / 60, self.elapsed % 60)
    }

    fn attempt_id(&self) -> i64 {
        self.attempt_id
    }
}

/// `GET /live/{id}`: the interviewer's console; the candidate's join link leads them to their
/// round page.
pub async fn console(
    CurrentUser(user): CurrentUser,
    chrome: Chrome,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let seen = load_seen(&state, id, user.id).await?;
    if seen.side == Side::Candidate {
        return Ok(Redirect::to(&format!("/attempts/{}", seen.row.attempt_id)).into_response());
    }
    Ok(console_page(&state, chrome, seen, None)
        .await?
        .into_response())
}

async fn console_page(
    state: &AppState,
    chrome: Chrome,
    seen: Seen,
    error: Option<String>,
) -> Result<ConsolePage> {
    let Seen { row, pinned, .. } = seen;
    let g = &pinned.gauntlet;
    let mut conn = state.db.get().await?;
    let answers = db::attempts::answers(&mut *conn, row.attempt_id).await?;
    let notes = db::live::notes(&mut *conn, row.id).await?;
    let log = db::live::controls(&mut *conn, row.id).await?;
    drop(conn);
    let now = clock::now();
    let s = row.session(round_count(g));
    let revealed = revealed_round(&row, &s);
    let shown = revealed.max(1);
    let index = g.rounds.iter().position(|r| r.number == shown).unwrap_or(0);
    let round = &g.rounds[index];
    let latest = latest_answer(&answers, revealed);
    let notes = notes
        .into_iter()
        .map(|n| {
            let text = answer_text(&answers, n.round_number);
            NoteView {
                anchored: practice::locate_quote(text, &n.quote, None).is_some(),
                round: n.round_number,
                quote: n.quote,
                body: n.body,
            }
        })
        .collect();
    Ok(ConsolePage {
        chrome,
        id: row.id,
        attempt_id: row.attempt_id,
        title: g.title.clone(),
        candidate: row.candidate_name.clone(),
        join_link: state.config.link(&format!("/live/{}", row.id)),
        phase: s.phase.as_str(),
        round: revealed,
        round_count: round_count(g),
        round_name: round.name.clone(),
        prompt: round.prompt.clone(),
        follow_up_question: round.follow_up.clone(),
        follow_up: s.follow_up.as_str(),
        allow_advance: s.allow_advance,
        paused: s.paused_at.is_some(),
        elapsed: s.elapsed(now),
        closed: row.ended_at.is_some(),
        expired: row.ended_at.is_none() && row.is_closed(now),
        scheduled_at: row.scheduled_at,
        body: latest.map(|a| a.body.clone()).unwrap_or_default(),
        part: latest
            .map(|a| a.part.clone())
            .unwrap_or_else(|| "main".into()),
        saved_label: latest
            .filter(|a| a.version > 0)
            .map(|a| clock::format_time(a.updated_at))
            .unwrap_or_default(),
        hints: latest
            .and_then(|a| hints(&pinned, u32::try_from(a.round_number).unwrap_or(0), &a.body)),
        guidance: if revealed > 0 {
            guidance_blocks(&pinned, index)
        } else {
            Vec::new()
        },
        notes,
        log: log
            .into_iter()
            .map(|c| LogLine {
                who: c.actor,
                action: c.action,
                detail: c.detail,
                at: clock::format_time(c.at),
            })
            .collect(),
        nudge: row.nudge.clone(),
        error,
    })
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
            .find(|a| a.round_number == i64::from(round) && a.part == part.as_str())
    };
    of(Part::FollowUp).or_else(|| of(Part::Main))
}

fn answer_text(answers: &[Answer], round: i64) -> &str {
    answers
        .iter()
        .find(|a| a.round_number == round && a.part == "main")
        .map_or("", |a| a.body.as_str())
}

// ---- controls --------------------------------------------------------------------------------------

#[derive(Deserialize)]
pub struct ControlForm {
    action: String,
}

/// Answers a console form: JSON for scripts, back to the console for plain forms.
fn done(json: bool, id: i64) -> Response {
    if json {
        Json(json!({"ok": true})).into_response()
    } else {
        Redirect::to(&format!("/live/{id}")).into_response()
    }
}

/// `POST /live/{id}/control`: reveal, pause, resume, follow-up, skip, allow, hold, end.
pub async fn control(
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StrictForm(form): StrictForm<ControlForm>,
) -> Result<Response> {
    let seen = load_seen(&state, id, user.id).await?;
    if seen.side != Side::Interviewer {
        return Err(AppError::NotFound);
    }
    let c: Control = form
        .action
        .parse()
        .map_err(|()| AppError::BadRequest("Unknown control.".into()))?;
    let g = &seen.pinned.gauntlet;
    let mut conn = state.db.get().await?;
    let answers = db::attempts::answers(&mut *conn, seen.row.attempt_id).await?;
    drop(conn);
    let mut s = seen.row.session(round_count(g));
    let now = clock::now();
    if c != Control::End && seen.row.is_closed(now) {
        return Err(AppError::Conflict(
            "This session is closed (ended, or expired before the candidate joined).".into(),
        ));
    }
    s.apply(c, progress(g, &answers, s.phase.round()), now)
        .map_err(|r| AppError::Conflict(r.0.into()))?;
    let mut tx = db::begin_write(&state.writer).await?;
    db::live::put_state(&mut tx, id, &s).await?;
    db::live::record_control(&mut tx, id, user.id, c.as_str(), "").await?;
    if c == Control::End {
        hand_over(&mut tx, &seen.row, g).await?;
    }
    tx.commit().await?;
    tracing::info!(session = id, actor = user.id, control = %c, "live control");
    if matches!(c, Control::Pause | Control::Resume) {
        state.live.publish(
            id,
            Event {
                kind: Kind::Timer,
                data: timer_json(&s, now).to_string(),
                console_only: false,
            },
        );
    }
    publish_state(&state, id);
    Ok(done(wants_json(&headers), id))
}

fn timer_json(s: &Session, now: i64) -> Value {
    json!({"elapsed": s.elapsed(now), "paused": s.paused_at.is_some(), "running": s.timer_started_at.is_some()})
}

/// The end of a session (in the caller's transaction): every step is submitted as it stands
/// (steps never reached stay empty), the attempt is finished and asked for review, the
/// interviewer's review is claimed, and the notes become its draft comments.
async fn hand_over(
    tx: &mut sqlx::SqliteConnection,
    row: &LiveRow,
    g: &Gauntlet,
) -> std::result::Result<(), sqlx::Error> {
    let mut finals = Vec::new();
    for step in practice::steps::steps(g) {
        let a = db::attempts::ensure_answer(
            &mut *tx,
            row.attempt_id,
            i64::from(step.round),
            step.part.as_str(),
        )
        .await?;
        if a.submitted_at.is_none() {
            db::attempts::submit(&mut *tx, &a, a.version, &a.body).await?;
        }
        if step.part == Part::Main {
            finals.push((i64::from(step.round), a.body));
        }
    }
    db::attempts::finish(&mut *tx, row.attempt_id).await?;
    db::attempts::set_review_requested(&mut *tx, row.attempt_id, true).await?;
    db::reviews::claim(&mut *tx, row.attempt_id, row.interviewer_id).await?;
    let review_id = sqlx::query_scalar!(
        r#"select id as "id!: i64" from reviews where attempt_id = ? and reviewer_id = ?"#,
        row.attempt_id,
        row.interviewer_id
    )
    .fetch_one(&mut *tx)
    .await?;
    for n in db::live::notes(&mut *tx, row.id).await? {
        let body = finals
            .iter()
            .find(|(r, _)| *r == n.round_number)
            .map_or("", |(_, b)| b.as_str());
        let (span, quote, text) = match practice::locate_quote(body, &n.quote, None) {
            Some((s, e)) => ((s, e), n.quote.clone(), n.body.clone()),
            None => {
                // the words were rewritten: the note goes on the answer's first word
                let end = body
                    .char_indices()
                    .find(|(_, c)| c.is_whitespace())
                    .map_or(body.len(), |(i, _)| i);
                if end == 0 {
                    continue;
                }
                (
                    (0, end),
                    body[..end].to_string(),
                    format!("(on words since rewritten: “{}”) {}", n.quote, n.body),
                )
            }
        };
        let span = (
            i64::try_from(span.0).unwrap_or(0),
            i64::try_from(span.1).unwrap_or(1),
        );
        db::reviews::add_comment(&mut *tx, review_id, n.round_number, span, &quote, &text).await?;
    }
    Ok(())
}

#[derive(Deserialize)]
pub struct NudgeForm {
    text: String,
}

/// `POST /live/{id}/nudge`: a short line shown on the candidate's page.
pub async fn nudge(
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StrictForm(form): StrictForm<NudgeForm>,
) -> Result<Response> {
    let seen = load_seen(&state, id, user.id).await?;
    if seen.side != Side::Interviewer {
        return Err(AppError::NotFound);
    }
    let now = clock::now();
    if seen.row.is_closed(now) {
        return Err(AppError::Conflict("This session is closed.".into()));
    }
    let text = live::check_nudge(&form.text).map_err(|r| AppError::Unprocessable(r.0.into()))?;
    let mut tx = db::begin_write(&state.writer).await?;
    db::live::set_nudge(&mut tx, id, text, now).await?;
    db::live::record_control(&mut tx, id, user.id, "nudge", text).await?;
    tx.commit().await?;
    state.live.publish(
        id,
        Event {
            kind: Kind::Nudge,
            data: json!({"text": text, "at": now}).to_string(),
            console_only: false,
        },
    );
    Ok(done(wants_json(&headers), id))
}

#[derive(Deserialize)]
pub struct NoteForm {
    round: String,
    quote: String,
    body: String,
}

/// `POST /live/{id}/notes`: a private note on words of the answer as it stands.
pub async fn add_note(
    CurrentUser(user): CurrentUser,
    headers: HeaderMap,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StrictForm(form): StrictForm<NoteForm>,
) -> Result<Response> {
    let seen = load_seen(&state, id, user.id).await?;
    if seen.side != Side::Interviewer {
        return Err(AppError::NotFound);
    }
    if seen.row.is_closed(clock::now()) {
        return Err(AppError::Conflict("This session is closed.".into()));
    }
    let round: u32 = form
        .round
        .trim()
        .parse()
        .ok()
        .filter(|r| seen.pinned.gauntlet.rounds.iter().any(|x| x.number == *r))
        .ok_or_else(|| AppError::BadRequest("Unknown round.".into()))?;
    let quote = form.quote.trim();
    let body = form.body.trim();
    if quote.is_empty() || body.is_empty() {
        return Err(AppError::Unprocessable(
            "Select words of the answer and write the note.".into(),
        ));
    }
    if practice::has_refused_control(quote) || practice::has_refused_control(body) {
        return Err(AppError::Unprocessable(
            "The note contains invisible control characters; remove them and add it again.".into(),
        ));
    }
    if quote.chars().count() > live::MAX_QUOTE || body.chars().count() > live::MAX_NOTE {
        return Err(AppError::Unprocessable(
            "A note is at most 2000 characters, on at most 500 characters of the answer.".into(),
        ));
    }
    let mut conn = state.db.get().await?;
    let answers = db::attempts::answers(&mut *conn, seen.row.attempt_id).await?;
    drop(conn);
    let text = answer_text(&answers, i64::from(round));
    let Some(span) = practice::locate_quote(text, quote, None) else {
        return Err(AppError::Unprocessable(
            "Those words are not in the answer (any more); select them again.".into(),
        ));
    };
    let mut tx = db::begin_write(&state.writer).await?;
    db::live::add_note(&mut tx, id, i64::from(round), quote, body).await?;
    tx.commit().await?;
    state.live.publish(
        id,
        Event {
            kind: Kind::Note,
            data: json!({"round": round, "quote": quote, "body": body, "span": [span.0, span.1]})
                .to_string(),
            console_only: true,
        },
    );
    Ok(done(wants_json(&headers), id))
}

// ---- event streams ---------------------------------------------------------------------------------

/// `GET /live/{id}/events`: the console's stream (the candidate may subscribe here too).
pub async fn console_events(
    CurrentUser(user): CurrentUser,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let seen = load_seen(&state, id, user.id).await?;
    stream(state, seen, user.id)
}

/// `GET /attempts/{id}/events`: the candidate's round page stream (404 unless the attempt is
/// the user's own and answered in a live session).
pub async fn attempt_events(
    CurrentUser(user): CurrentUser,
    State(state): State<AppState>,
    Path(attempt): Path<i64>,
) -> Result<Response> {
    let mut conn = state.db.get().await?;
    let row = db::live::for_attempt(&mut *conn, attempt)
        .await?
        .filter(|r| r.candidate_id == user.id)
        .ok_or(AppError::NotFound)?;
    drop(conn);
    let seen = load_seen(&state, row.id, user.id).await?;
    stream(state, seen, user.id)
}

/// What one subscriber's stream needs to turn hub events into its own server-sent events.
struct Feed {
    state: AppState,
    session: i64,
    attempt_id: i64,
    side: Side,
    pinned: Arc<Pinned>,
    next_id: u64,
}

impl Feed {
    fn event(&mut self, kind: &str, data: &str) -> SseEvent {
        self.next_id += 1;
        SseEvent::default()
            .event(kind)
            .id(self.next_id.to_string())
            .data(data)
    }

    /// The full picture for this side, from the database: state, round, timer, nudge,
    /// presence, and for the console the current text, its hints and the notes.
    async fn snapshot(&self) -> Result<Value> {
        let mut conn = self.state.db.get().await?;
        let row = db::live::get(&mut *conn, self.session)
            .await?
            .ok_or(AppError::NotFound)?;
        let answers = db::attempts::answers(&mut *conn, self.attempt_id).await?;
        let notes = if self.side == Side::Interviewer {
            db::live::notes(&mut *conn, self.session).await?
        } else {
            Vec::new()
        };
        drop(conn);
        let g = &self.pinned.gauntlet;
        let s = row.session(round_count(g));
        let now = clock::now();
        let p = progress(g, &answers, s.phase.round());
        let current = practice::current_step(g, &states(&answers));
        let mut v = json!({
            "phase": s.phase.as_str(),
            "round": revealed_round(&row, &s),
            "rounds": round_count(g),
            "follow_up": s.follow_up.as_str(),
            "allow_advance": s.allow_advance,
            "ended": row.ended_at.is_some(),
            "timer": timer_json(&s, now),
            "nudge": {"text": row.nudge, "at": row.nudge_at},
            "presence": presence_json(&self.state, self.session),
            "view": view_key(&s, p, current),
            "waiting": s.waiting_message(p),
        });
        if self.side == Side::Interviewer {
            let latest = latest_answer(&answers, revealed_round(&row, &s));
            v["answer"] = latest.map_or(Value::Null, |a| {
                json!({
                    "round": a.round_number, "part": a.part, "body": a.body,
                    "version": a.version, "saved_at": a.updated_at,
                    "saved_label": clock::format_time(a.updated_at),
                    "submitted": a.submitted_at.is_some(),
                })
            });
            v["hints"] = latest.map_or(Value::Null, |a| {
                self.hints(u32::try_from(a.round_number).unwrap_or(0), &a.body)
            });
            v["notes"] = notes
                .iter()
                .map(|n| {
                    let span = practice::locate_quote(
                        answer_text(&answers, n.round_number),
                        &n.quote,
                        None,
                    );
                    json!({"round": n.round_number, "quote": n.quote, "body": n.body,
                           "span": span.map(|(a, b)| [a, b])})
                })
                .collect();
            v["progress"] = json!({"main_done": p.main_done, "follow_up_done": p.follow_up_done, "has_follow_up": p.has_follow_up});
        }
        Ok(v)
    }

    /// The alignment hints of `body` against round `round`'s guidance, as JSON.
    fn hints(&self, round: u32, body: &str) -> Value {
        hints(&self.pinned, round, body).map_or(Value::Null, |h| {
            json!({"coverage": h.coverage, "covered": h.covered, "missed": h.missed, "flags": h.flags})
        })
    }

    /// The next server-sent event for `ev`, or `None` when this side does not get it.
    async fn render(&mut self, ev: &Event) -> Option<SseEvent> {
        if ev.console_only && self.side != Side::Interviewer {
            return None;
        }
        match ev.kind {
            Kind::State => {
                let snap = self.snapshot().await.ok()?;
                Some(self.event("state", &snap.to_string()))
            }
            Kind::Answer => {
                let mut v: Value = serde_json::from_str(&ev.data).ok()?;
                let round = v["round"].as_u64().and_then(|r| u32::try_from(r).ok())?;
                let hints = self.hints(round, v["body"].as_str().unwrap_or(""));
                v["hints"] = hints;
                Some(self.event("answer", &v.to_string()))
            }
            kind => Some(self.event(kind.as_str(), &ev.data)),
        }
    }
}

/// What the console's hints panel shows for an answer.
pub struct Hints {
    /// Key points found, as a whole percentage (`round_view::percent`, as the review page shows).
    pub coverage: usize,
    pub covered: Vec<String>,
    pub missed: Vec<String>,
    pub flags: Vec<String>,
}

/// The alignment hints of `body` against round `round`'s guidance (not cached: the text
/// changes with every save). The share is of key points (claims), as the review page counts.
fn hints(pinned: &Pinned, round: u32, body: &str) -> Option<Hints> {
    let index = pinned
        .gauntlet
        .rounds
        .iter()
        .position(|r| r.number == round)?;
    let a = pinned.guides()[index].align(body);
    let claims = || a.points.iter().filter(|p| p.kind == PointKind::Claim);
    let (found, all) = (claims().filter(|p| p.covered).count(), claims().count());
    let points = |covered: bool| {
        claims()
            .filter(|p| p.covered == covered)
            .map(|p| p.text.clone())
            .take(12)
            .collect()
    };
    Some(Hints {
        coverage: super::round_view::percent(found, all),
        covered: points(true),
        missed: points(false),
        flags: a
            .red_flags
            .iter()
            .map(|f| f.phrase.clone())
            .take(6)
            .collect(),
    })
}

fn presence_json(state: &AppState, session: i64) -> Value {
    let p = state.live.presence(session);
    json!({"interviewer": p.interviewer, "candidate": p.candidate})
}

/// The event stream of one subscriber: a snapshot first (also after every reconnect, whatever
/// its Last-Event-ID, and after falling behind), then the session's events as they happen.
fn stream(state: AppState, seen: Seen, user: i64) -> Result<Response> {
    let sub = state
        .live
        .subscribe(seen.row.id, seen.row.attempt_id, user, seen.side)
        .map_err(|r| match r {
            Refusal::TooMany => AppError::TooManyRequests { retry_after: 10 },
            Refusal::Closed => AppError::Unavailable("The server is restarting.".into()),
        })?;
    let feed = Feed {
        state,
        session: seen.row.id,
        attempt_id: seen.row.attempt_id,
        side: seen.side,
        pinned: seen.pinned,
        next_id: 0,
    };
    let events =
        futures_util::stream::unfold((feed, sub, true), |(mut feed, mut sub, first)| async move {
            if first {
                let snap = feed.snapshot().await.ok()?;
                let ev = feed.event("snapshot", &snap.to_string());
                return Some((Ok::<_, Infallible>(ev), (feed, sub, false)));
            }
            loop {
                match sub.rx.recv().await {
                    Ok(ev) => {
                        if let Some(out) = feed.render(&ev).await {
                            return Some((Ok(out), (feed, sub, false)));
                        }
                    }
                    Err(RecvError::Lagged(_)) => {
                        let snap = feed.snapshot().await.ok()?;
                        let ev = feed.event("snapshot", &snap.to_string());
                        return Some((Ok(ev), (feed, sub, false)));
                    }
                    Err(RecvError::Closed) => return None,
                }
            }
        });
    let mut resp = Sse::new(events)
        .keep_alive(KeepAlive::new().interval(KEEP_ALIVE))
        .into_response();
    // nginx would otherwise hold events back in its response buffer
    resp.headers_mut()
        .insert("x-accel-buffering", HeaderValue::from_static("no"));
    *resp.status_mut() = StatusCode::OK;
    Ok(resp)
}
