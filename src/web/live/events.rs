//! The server-sent event streams of the console and of the candidate's round page: a snapshot
//! first, then the session's events, each rendered for its side.

use std::{convert::Infallible, sync::Arc, time::Duration};

use axum::{
    extract::{Path, State},
    http::{HeaderValue, StatusCode},
    response::{
        IntoResponse, Response,
        sse::{Event as SseEvent, KeepAlive, Sse},
    },
};
use serde_json::{Value, json};
use tokio::sync::broadcast::error::RecvError;

use super::{
    Seen, answer_text, latest_answer, load_seen, progress, revealed_round, round_count, states,
    timer_json, view_key,
};
use crate::{
    align::PointKind,
    clock,
    content_store::Pinned,
    db,
    live::hub::{Event, Kind, Refusal, Side},
    practice,
    state::AppState,
    web::{
        error::{AppError, Result},
        extract::CurrentUser,
    },
};

/// Keep-alive comments on idle streams (proxies close silent connections).
const KEEP_ALIVE: Duration = Duration::from_secs(15);

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
pub(super) fn hints(pinned: &Pinned, round: u32, body: &str) -> Option<Hints> {
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
        coverage: crate::web::round_view::percent(found, all),
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
