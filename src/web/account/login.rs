//! Signing in with a password (or the way to the identity provider) and signing out.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::{Query, State},
    http::{HeaderValue, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use tower_sessions::Session;

use super::{NextQuery, safe_next};
use crate::{
    auth::{password, session},
    db::{self, settings::RegistrationMode, users},
    metrics,
    state::AppState,
    web::{
        error::{AppError, ErrorPage, Result},
        extract::ClientIp,
        form::StrictForm,
        layout::Chrome,
    },
};

#[derive(Template, WebTemplate)]
#[template(path = "pages/login.html")]
struct LoginPage {
    chrome: Chrome,
    next: String,
    email: String,
    error: Option<String>,
    open_registration: bool,
    /// Whether "forgot your password?" is offered (mail is set up).
    forgot: bool,
    /// The identity provider's name, when single sign-on is set up.
    sso: Option<String>,
    /// Whether the password form is offered (`--password-login`).
    password_login: bool,
}

impl LoginPage {
    async fn new(
        chrome: Chrome,
        session: &Session,
        state: &AppState,
        next: String,
    ) -> Result<Self> {
        let open = db::settings::load(&mut *state.db.get().await?)
            .await?
            .registration
            == RegistrationMode::Open;
        Ok(Self {
            chrome: chrome.with_csrf(session).await?,
            next,
            email: String::new(),
            error: None,
            open_registration: open,
            forgot: state.config.mail.smtp_url.is_some() && state.config.password_login,
            sso: state.oidc.as_ref().map(|p| p.name().to_string()),
            password_login: state.config.password_login,
        })
    }
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
}

const BAD_LOGIN: &str = "That email and password do not match an active account.";

/// The answer to a password sign-in (or reset) while `--password-login off`.
pub(super) fn passwords_off() -> Response {
    let status = StatusCode::FORBIDDEN;
    let mut resp = ErrorPage::new(
        status,
        "Password sign-in is off",
        "This site signs people in through its identity provider only. Use the single sign-on button on the sign-in page.".into(),
        None,
    )
    .into_response();
    *resp.status_mut() = status;
    resp
}

/// `GET /login`
pub async fn login_page(
    chrome: Chrome,
    session: Session,
    State(state): State<AppState>,
    Query(q): Query<NextQuery>,
) -> Result<Response> {
    if chrome.user.is_some() {
        return Ok(Redirect::to(&safe_next(q.next())).into_response());
    }
    let next = safe_next(q.next());
    Ok(LoginPage::new(chrome, &session, &state, next)
        .await?
        .into_response())
}

/// `POST /login`: throttled per address (failures only) and per account name; one message for
/// every failure. Refused while password sign-in is off.
pub async fn login(
    chrome: Chrome,
    session: Session,
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Query(q): Query<NextQuery>,
    StrictForm(form): StrictForm<LoginForm>,
) -> Result<Response> {
    if !state.config.password_login {
        return Ok(passwords_off());
    }
    let next = safe_next(q.next());
    let account = users::normalise_email(&form.email);
    let ticket = match state.throttle.attempt(ip, &account) {
        Ok(t) => t,
        Err(r) => {
            metrics::bump(metrics::Counter::LoginThrottled);
            tracing::warn!(%ip, "sign-in throttled");
            return Err(AppError::TooManyRequests { retry_after: r.0 });
        }
    };
    let user = if form.password.chars().count() > password::MAX_LEN || account.len() > 254 {
        None
    } else {
        users::by_email(&mut *state.db.get().await?, &account).await?
    };
    let stored = user.as_ref().map(|u| u.password_hash.clone());
    let typed = form.password.clone();
    let ok = state.passwords.verify(form.password, stored).await?;
    match user {
        Some(u) if ok && !u.disabled => {
            state.throttle.success(ticket, &account);
            if password::needs_rehash(&u.password_hash) {
                upgrade_hash(&state, u.id, typed).await;
            }
            session::sign_in(&session, u.id, u.auth_epoch).await?;
            tracing::info!(user = u.id, %ip, "signed in");
            Ok(Redirect::to(&next).into_response())
        }
        _ => {
            state.throttle.failure(&account);
            metrics::bump(metrics::Counter::LoginFailed);
            tracing::info!(%ip, "sign-in failed");
            let mut page = LoginPage::new(chrome, &session, &state, next).await?;
            page.email = form.email;
            page.error = Some(BAD_LOGIN.into());
            let mut resp = page.into_response();
            *resp.status_mut() = StatusCode::UNAUTHORIZED;
            Ok(resp)
        }
    }
}

/// Re-hashes a password that was stored with older parameters (the sign-in goes ahead even if
/// this fails; the next sign-in tries again). Other sessions are not affected.
async fn upgrade_hash(state: &AppState, user: i64, typed: String) {
    let result = async {
        let hash = state.passwords.hash(typed).await?;
        let mut tx = db::begin_write(&state.writer).await?;
        users::set_password_hash(&mut *tx, user, &hash).await?;
        tx.commit().await?;
        Ok::<_, AppError>(())
    }
    .await;
    match result {
        Ok(()) => tracing::info!(user, "password hash upgraded to the current parameters"),
        Err(e) => tracing::warn!(user, error = %e, "password hash upgrade failed"),
    }
}

/// `POST /logout`: ends the session on the server and asks the browser to forget it.
pub async fn logout(session: Session) -> Result<Response> {
    session::sign_out(&session).await?;
    let mut resp = Redirect::to("/login").into_response();
    resp.headers_mut().insert(
        "clear-site-data",
        HeaderValue::from_static("\"cache\", \"cookies\", \"storage\""),
    );
    Ok(resp)
}
