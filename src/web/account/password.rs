//! Changing one's password while signed in.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use tower_sessions::Session;

use super::retry_after;
use crate::{
    auth::{password, session, throttle::PasswordCheck},
    db::{self, users},
    metrics,
    state::AppState,
    web::{
        error::{ErrorPage, Result},
        extract::ClientIp,
        form::StrictForm,
        layout::Chrome,
    },
};

#[derive(Template, WebTemplate)]
#[template(path = "pages/password.html")]
struct PasswordPage {
    chrome: Chrome,
    error: Option<String>,
}

/// `GET /account/password`
pub async fn password_page(
    _: crate::web::extract::CurrentUser,
    chrome: Chrome,
) -> impl IntoResponse {
    PasswordPage {
        chrome,
        error: None,
    }
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current: String,
    password: String,
    confirm: String,
}

/// `POST /account/password`: ends every other session; this one continues under a new id.
/// Wrong current passwords count like failed sign-ins from the client's address, and ten in a
/// row end this session (a borrowed or stolen session cannot guess its way to the password).
pub async fn change_password(
    crate::web::extract::CurrentUser(user): crate::web::extract::CurrentUser,
    chrome: Chrome,
    session: Session,
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    StrictForm(form): StrictForm<PasswordForm>,
) -> Result<Response> {
    let refuse = |chrome: Chrome, msg: String| {
        let mut resp = PasswordPage {
            chrome,
            error: Some(msg),
        }
        .into_response();
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        Ok(resp)
    };
    let ticket = match state.throttle.password_check(ip) {
        Ok(t) => t,
        Err(wait) => {
            metrics::bump(metrics::Counter::LoginThrottled);
            tracing::warn!(user = user.id, %ip, "password check throttled");
            return Ok(throttled(chrome, wait));
        }
    };
    if form.current.chars().count() > password::MAX_LEN
        || !state
            .passwords
            .verify(form.current, Some(user.password_hash.clone()))
            .await?
    {
        metrics::bump(metrics::Counter::LoginFailed);
        if state.throttle.password_wrong(user.id) == PasswordCheck::EndSession {
            tracing::warn!(
                user = user.id,
                %ip,
                "current password wrong too often; session ended"
            );
            session::sign_out(&session).await?;
            return Ok(session_ended());
        }
        tracing::info!(user = user.id, %ip, "password change: current password wrong");
        return refuse(chrome, "Your current password is not right.".into());
    }
    state.throttle.password_ok(ticket, user.id);
    let problem = password::check_policy(&form.password, &user.email)
        .err()
        .or_else(|| {
            (form.password != form.confirm).then(|| "The two new passwords do not match.".into())
        });
    if let Some(problem) = problem {
        return refuse(chrome, problem);
    }
    store(&state, &session, user.id, form.password).await
}

fn throttled(chrome: Chrome, wait: crate::auth::throttle::RetryAfter) -> Response {
    let mut resp = PasswordPage {
        chrome,
        error: Some(format!(
            "Too many wrong passwords from your network. Try again in {}.",
            wait.in_words()
        )),
    }
    .into_response();
    *resp.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    retry_after(&mut resp, wait);
    resp
}

fn session_ended() -> Response {
    let mut resp = ErrorPage::new(
        StatusCode::UNAUTHORIZED,
        "Signed out",
        "The current password was wrong too many times in a row, so this session has ended. Sign in again to change your password.".into(),
        None,
    )
    .into_response();
    *resp.status_mut() = StatusCode::UNAUTHORIZED;
    resp
}

/// Sets the new password; this session goes on under the new epoch.
async fn store(state: &AppState, session: &Session, user: i64, new: String) -> Result<Response> {
    let hash = state.passwords.hash(new).await?;
    let mut tx = db::begin_write(&state.writer).await?;
    let epoch = users::change_password(&mut *tx, user, &hash).await?;
    tx.commit().await?;
    session::sign_in(session, user, epoch).await?;
    tracing::info!(user, "password changed");
    session::flash(
        session,
        "success",
        "Password changed. Every other session of your account was signed out.",
    )
    .await?;
    Ok(Redirect::to("/").into_response())
}
