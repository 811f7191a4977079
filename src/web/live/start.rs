//! Starting a live interview from a gauntlet's overview page: the form naming the candidate (an
//! account, or an address that gets an invite link, see [`super::invite`]) and an optional
//! start time.

use std::sync::Arc;

use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use tower_sessions::Session;

use super::{EXPIRES_AFTER_SECS, MAX_SCHEDULE_AHEAD_SECS, invite, open::open_session};
use crate::{
    auth::accounts,
    clock, db,
    state::AppState,
    web::{
        account::MAX_EMAIL_CHARS,
        catalog::{LiveStartForm, overview_page},
        error::{AppError, Result},
        extract::RequireInterviewer,
        form::StrictForm,
        layout::Chrome,
    },
};

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

/// Who the start form names.
enum Candidate {
    /// An active account.
    Account(db::users::User),
    /// Nobody yet: an invite link signs them up into the session (the normalised address).
    Invite(String),
}

/// Checks the start form: the candidate's active account (not the interviewer's own) or an
/// address with no account, and the optional start time; `Err` holds what the form shows.
async fn check_start(
    state: &AppState,
    form: &StartForm,
    interviewer: i64,
    now: i64,
) -> Result<std::result::Result<(Candidate, Option<i64>), String>> {
    let email = db::users::normalise_email(&form.candidate_email);
    if email.is_empty() || email.chars().count() > MAX_EMAIL_CHARS {
        return Ok(Err("Name the candidate by their email address.".into()));
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
    let candidate = match db::users::by_email(&mut *conn, &email).await? {
        None if accounts::mailable_email(&email) => Candidate::Invite(email),
        None => return Ok(Err("That does not look like an email address.".into())),
        Some(c) if c.disabled => return Ok(Err("That account is disabled.".into())),
        Some(c) if c.id == interviewer => {
            return Ok(Err(
                "You cannot interview yourself; name the candidate's account.".into(),
            ));
        }
        Some(c) => Candidate::Account(c),
    };
    Ok(Ok((candidate, scheduled_at)))
}

/// `POST /gauntlets/{slug}/live`: an interviewer starts a live interview with a candidate; a
/// refused form comes back on the overview page with what was typed.
pub async fn start(
    RequireInterviewer(user): RequireInterviewer,
    chrome: Chrome,
    session: Session,
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
    let candidate = match candidate {
        Candidate::Account(c) => c,
        Candidate::Invite(email) => {
            let to = (g.slug.as_str(), g.version.as_str());
            let made = (user.id, scheduled_at, expires_at);
            let id = invite::create(&state, &session, tx, to, &email, made).await?;
            return Ok(Redirect::to(&format!("/live/invites/{id}")).into_response());
        }
    };
    let to = (g.slug.as_str(), g.version.as_str());
    let (id, attempt) =
        open_session(&mut tx, (user.id, &candidate), to, scheduled_at, expires_at).await?;
    tx.commit().await?;
    tracing::info!(
        session = id,
        attempt,
        interviewer = user.id,
        "live interview started"
    );
    Ok(Redirect::to(&format!("/live/{id}")).into_response())
}
