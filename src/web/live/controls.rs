//! The console's state-changing forms: pacing controls, nudges and private notes (each a
//! CSRF-protected POST, recorded with who and when), and the hand-over at the end.

use axum::{
    extract::{Path, State},
    http::HeaderMap,
    response::Response,
};
use serde::Deserialize;
use serde_json::json;

use super::{answer_text, done, load_seen, progress, publish_state, round_count, timer_json};
use crate::{
    clock,
    content::Gauntlet,
    db::{self, live::LiveRow},
    live::{
        self, Control,
        hub::{Event, Kind, Side},
    },
    practice::{self, Part},
    state::AppState,
    web::{
        error::{AppError, Result},
        extract::{CurrentUser, wants_json},
        form::StrictForm,
    },
};

#[derive(Deserialize)]
pub struct ControlForm {
    action: String,
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

/// The end of a session (in the caller's transaction): every step is submitted as it stands
/// (steps never reached stay empty), the attempt is finished and asked for review, the
/// interviewer's review is claimed, and the notes become its draft comments.
pub(super) async fn hand_over(
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
        if let Some((span, quote, text)) = placed_note(body, &n) {
            db::reviews::add_comment(&mut *tx, review_id, n.round_number, span, &quote, &text)
                .await?;
        }
    }
    Ok(())
}

/// Where note `n` goes as a draft comment on the final answer `body`: on its words, or when they
/// were rewritten on the answer's first word, saying so (`None` for an empty answer).
fn placed_note(body: &str, n: &db::live::Note) -> Option<((i64, i64), String, String)> {
    let (span, quote, text) = match practice::locate_quote(body, &n.quote, None) {
        Some(span) => (span, n.quote.clone(), n.body.clone()),
        None => {
            let end = body
                .char_indices()
                .find(|(_, c)| c.is_whitespace())
                .map_or(body.len(), |(i, _)| i);
            if end == 0 {
                return None;
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
    Some((span, quote, text))
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
    let (round, quote, body) = check_note(&form, &seen.pinned.gauntlet)?;
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

/// Checks a note's fields: a round of the gauntlet, and a quote and body within their limits.
fn check_note<'f>(form: &'f NoteForm, g: &Gauntlet) -> Result<(u32, &'f str, &'f str)> {
    let round: u32 = form
        .round
        .trim()
        .parse()
        .ok()
        .filter(|r| g.rounds.iter().any(|x| x.number == *r))
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
    Ok((round, quote, body))
}
