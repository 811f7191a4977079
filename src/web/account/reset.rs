//! Resetting a forgotten password through a mailed single-use link.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use tower_sessions::Session;

use crate::{
    auth::{password, session, tokens},
    db::{self, users},
    metrics,
    state::AppState,
    web::{
        error::{AppError, Result},
        extract::ClientIp,
        form::StrictForm,
        layout::Chrome,
    },
};

/// Reset mails sent to one account per hour at most (further requests get the same answer
/// and send nothing).
pub const RESETS_PER_HOUR: i64 = 3;

/// How long a reset link works.
const RESET_TTL_SECS: i64 = 3600;

/// The one answer to every reset request, whether or not the address has an account.
pub const RESET_SENT: &str = "If an active account uses that address, a link to choose a new password is on its way. It works once, for one hour.";

#[derive(Template, WebTemplate)]
#[template(path = "pages/forgot.html")]
struct ForgotPage {
    chrome: Chrome,
    sent: bool,
    mail: bool,
}

/// `GET /password/forgot`
pub async fn forgot_page(
    chrome: Chrome,
    session: Session,
    State(state): State<AppState>,
) -> Result<Response> {
    Ok(ForgotPage {
        chrome: chrome.with_csrf(&session).await?,
        sent: false,
        mail: state.config.mail.smtp_url.is_some(),
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct ForgotForm {
    email: String,
}

/// `POST /password/forgot`: the same page and status whether or not the address has an
/// account; counted like a sign-in attempt from the client's address, and at most
/// `RESETS_PER_HOUR` mails per account.
pub async fn forgot(
    chrome: Chrome,
    session: Session,
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    StrictForm(form): StrictForm<ForgotForm>,
) -> Result<Response> {
    if !state.config.password_login {
        return Ok(super::login::passwords_off());
    }
    if state.config.mail.smtp_url.is_none() {
        return Err(AppError::Conflict(
            "Password reset by mail is not set up on this site. Ask an admin to reset your password.".into(),
        ));
    }
    let account = users::normalise_email(&form.email);
    if let Err(r) = state.throttle.attempt(ip, &account) {
        metrics::bump(metrics::Counter::LoginThrottled);
        tracing::warn!(%ip, "password reset throttled");
        return Err(AppError::TooManyRequests { retry_after: r.0 });
    }
    let user = if account.len() > 254 {
        None
    } else {
        users::by_email(&mut *state.db.get().await?, &account).await?
    };
    let mut tx = db::begin_write(&state.writer).await?;
    if let Some(u) = user.filter(|u| !u.disabled) {
        let recent = db::tokens::resets_since(&mut *tx, u.id, crate::clock::now() - 3600).await?;
        if recent < RESETS_PER_HOUR {
            let token = tokens::random_token();
            db::tokens::create_reset(&mut tx, &tokens::hash_token(&token), u.id, RESET_TTL_SECS)
                .await?;
            let link = state.config.link(&format!("/password/reset/{token}"));
            let to = db::outbox::Recipient {
                id: u.id,
                email: u.email.clone(),
                display_name: u.display_name.clone(),
            };
            crate::notify::password_reset(&mut tx, &state.config, &to, &link).await?;
            tracing::info!(user = u.id, %ip, "password reset mail queued");
        } else {
            tracing::warn!(user = u.id, %ip, "password reset: hourly limit for the account reached");
        }
    }
    tx.commit().await?;
    state.outbox_wake.notify_one();
    Ok(ForgotPage {
        chrome: chrome.with_csrf(&session).await?,
        sent: true,
        mail: true,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/reset.html")]
struct ResetPage {
    chrome: Chrome,
    token: String,
    error: Option<String>,
}

fn reset_unusable() -> AppError {
    AppError::BadRequest(
        "This reset link has already been used, was replaced by a newer one, or has expired. Ask for a new one on the sign-in page.".into(),
    )
}

async fn reset_owner(state: &AppState, token: &str) -> Result<users::User> {
    if !tokens::looks_like_token(token) {
        return Err(reset_unusable());
    }
    let mut conn = state.db.get().await?;
    let id = db::tokens::reset_user(&mut *conn, &tokens::hash_token(token))
        .await?
        .ok_or_else(reset_unusable)?;
    users::by_id(&mut *conn, id)
        .await?
        .filter(|u| !u.disabled)
        .ok_or_else(reset_unusable)
}

/// `GET /password/reset/{token}`
pub async fn reset_page(
    chrome: Chrome,
    session: Session,
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response> {
    reset_owner(&state, &token).await?;
    Ok(ResetPage {
        chrome: chrome.with_csrf(&session).await?,
        token,
        error: None,
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct ResetForm {
    password: String,
    confirm: String,
}

/// `POST /password/reset/{token}`: sets the password, uses the link up and ends every session
/// of the account.
pub async fn reset(
    chrome: Chrome,
    session: Session,
    State(state): State<AppState>,
    Path(token): Path<String>,
    StrictForm(form): StrictForm<ResetForm>,
) -> Result<Response> {
    if !state.config.password_login {
        return Ok(super::login::passwords_off());
    }
    let user = reset_owner(&state, &token).await?;
    let problem = password::check_policy(&form.password, &user.email)
        .err()
        .or_else(|| {
            (form.password != form.confirm).then(|| "The two new passwords do not match.".into())
        });
    if let Some(problem) = problem {
        let mut resp = ResetPage {
            chrome: chrome.with_csrf(&session).await?,
            token,
            error: Some(problem),
        }
        .into_response();
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(resp);
    }
    let hash = state.passwords.hash(form.password).await?;
    let mut tx = db::begin_write(&state.writer).await?;
    if db::tokens::consume_reset(&mut *tx, &tokens::hash_token(&token)).await? != Some(user.id) {
        return Err(reset_unusable());
    }
    users::change_password(&mut *tx, user.id, &hash).await?;
    tx.commit().await?;
    tracing::info!(user = user.id, "password reset through a mailed link");
    session::flash(
        &session,
        "success",
        "Password changed. Sign in with the new one; every earlier session was signed out.",
    )
    .await?;
    Ok(Redirect::to("/login").into_response())
}
