//! First-run setup of the admin, accepting an invite and open sign-up: the forms, and the
//! answers to what `auth::accounts::register` decided.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use tower_sessions::Session;

use super::retry_after;
use crate::{
    auth::{
        Role,
        accounts::{self, Grant, RegisterError, Registration},
        session,
    },
    state::AppState,
    web::{
        error::{AppError, Result},
        extract::ClientIp,
        form::StrictForm,
        layout::Chrome,
        live,
    },
};

#[derive(Template, WebTemplate)]
#[template(path = "pages/register.html")]
struct RegisterPage {
    chrome: Chrome,
    heading: String,
    intro: String,
    action: String,
    email: String,
    /// The invite is for `email` only: the field is read-only.
    email_bound: bool,
    name: String,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct RegisterForm {
    email: String,
    name: String,
    password: String,
    confirm: String,
}

fn action(grant: &Grant) -> String {
    match grant {
        Grant::Setup(t) => format!("/setup/{t}"),
        Grant::Invite(t) => format!("/invite/{t}"),
        Grant::Open => "/register".into(),
    }
}

fn heading(grant: &Grant, role: Role) -> (String, String) {
    match grant {
        Grant::Setup(_) => (
            "Set up Gauntlet".into(),
            "Create the first admin account. This link works once; after that, invite your team from the admin pages.".into(),
        ),
        Grant::Invite(_) => (
            "Join Gauntlet".into(),
            format!("You have been invited as {}. Choose how you will sign in.", article(role)),
        ),
        Grant::Open => (
            "Create an account".into(),
            "Sign up as a candidate to practise interview gauntlets.".into(),
        ),
    }
}

fn article(role: Role) -> &'static str {
    match role {
        Role::Admin => "an admin",
        Role::Interviewer => "an interviewer",
        Role::Candidate => "a candidate",
    }
}

fn link_unusable(grant: &Grant) -> AppError {
    match grant {
        Grant::Setup(_) => AppError::BadRequest(
            "This setup link has already been used or has expired. Sign in, or restart the server with an empty database to get a new link.".into(),
        ),
        Grant::Invite(_) => AppError::BadRequest(
            "This invite link has already been used, was revoked, or has expired. Ask an admin for a new one.".into(),
        ),
        Grant::Open => AppError::Forbidden,
    }
}

async fn role_or_unusable(state: &AppState, grant: &Grant) -> Result<Role> {
    accounts::grant_role(&state.db, grant)
        .await?
        .ok_or_else(|| link_unusable(grant))
}

async fn show_register(
    chrome: Chrome,
    session: &Session,
    state: &AppState,
    grant: Grant,
) -> Result<Response> {
    let role = role_or_unusable(state, &grant).await?;
    let (heading, intro) = heading(&grant, role);
    let bound = accounts::bound_address(deps(state), &grant).await?;
    Ok(RegisterPage {
        chrome: chrome.with_csrf(session).await?,
        heading,
        intro,
        action: action(&grant),
        email_bound: bound.is_some(),
        email: bound.unwrap_or_default(),
        name: String::new(),
        error: None,
    }
    .into_response())
}

/// What the account use cases need from the running site.
fn deps(state: &AppState) -> accounts::Deps<'_> {
    accounts::Deps {
        db: &state.db,
        writer: &state.writer,
        passwords: &state.passwords,
        throttle: &state.throttle,
        invite_follow_up: Some(&live::LiveInvites),
    }
}

/// Hands the form to the use case; a problem to fix shows the form again with what was typed.
async fn do_register(
    chrome: Chrome,
    session: &Session,
    state: &AppState,
    grant: Grant,
    ip: std::net::IpAddr,
    form: RegisterForm,
) -> Result<Response> {
    let (email, name) = (form.email.clone(), form.name.clone());
    let typed = Registration {
        email: form.email,
        name: form.name,
        password: form.password,
        confirm: form.confirm,
    };
    let (error, status, wait) = match accounts::register(deps(state), &grant, ip, typed).await {
        Ok(done) => return welcome(session, done.user, done.landing).await,
        Err(RegisterError::Throttled(wait)) => {
            tracing::warn!(%ip, "sign-up throttled");
            let error = format!(
                "Too many accounts were created from your network recently. Try again in {}.",
                wait.in_words()
            );
            (error, StatusCode::TOO_MANY_REQUESTS, Some(wait))
        }
        Err(RegisterError::Invalid(error)) => (error, StatusCode::UNPROCESSABLE_ENTITY, None),
        Err(RegisterError::Unusable) => return Err(link_unusable(&grant)),
        Err(RegisterError::Exists) => {
            return Err(AppError::Conflict(accounts::EMAIL_TAKEN.into()));
        }
        Err(RegisterError::Db(e)) => return Err(e.into()),
        Err(RegisterError::Hashing(b)) => return Err(b.into()),
    };
    let role = role_or_unusable(state, &grant).await?;
    let (heading, intro) = heading(&grant, role);
    let bound = accounts::bound_address(deps(state), &grant).await?;
    let mut resp = RegisterPage {
        chrome: chrome.with_csrf(session).await?,
        heading,
        intro,
        action: action(&grant),
        email_bound: bound.is_some(),
        email: bound.unwrap_or(email),
        name,
        error: Some(error),
    }
    .into_response();
    *resp.status_mut() = status;
    if let Some(wait) = wait {
        retry_after(&mut resp, wait);
    }
    Ok(resp)
}

async fn welcome(
    session: &Session,
    user: crate::db::users::User,
    landing: Option<String>,
) -> Result<Response> {
    session::sign_in(session, user.id, user.auth_epoch).await?;
    session::mark_new_account(session).await?;
    session::flash(
        session,
        "success",
        format!("Welcome, {}. Your account is ready.", user.display_name),
    )
    .await?;
    Ok(Redirect::to(landing.as_deref().unwrap_or("/")).into_response())
}

/// `GET /setup/{token}`
pub async fn setup_page(
    chrome: Chrome,
    session: Session,
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response> {
    show_register(chrome, &session, &state, Grant::Setup(token)).await
}

/// `POST /setup/{token}`
pub async fn setup(
    chrome: Chrome,
    session: Session,
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    StrictForm(form): StrictForm<RegisterForm>,
) -> Result<Response> {
    do_register(chrome, &session, &state, Grant::Setup(token), ip, form).await
}

/// `GET /invite/{token}`
pub async fn invite_page(
    chrome: Chrome,
    session: Session,
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response> {
    show_register(chrome, &session, &state, Grant::Invite(token)).await
}

/// `POST /invite/{token}`
pub async fn accept_invite(
    chrome: Chrome,
    session: Session,
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(token): Path<String>,
    StrictForm(form): StrictForm<RegisterForm>,
) -> Result<Response> {
    do_register(chrome, &session, &state, Grant::Invite(token), ip, form).await
}

/// `GET /register` (open registration only)
pub async fn register_page(
    chrome: Chrome,
    session: Session,
    State(state): State<AppState>,
) -> Result<Response> {
    show_register(chrome, &session, &state, Grant::Open).await
}

/// `POST /register` (open registration only; limited per client address)
pub async fn register(
    chrome: Chrome,
    session: Session,
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    StrictForm(form): StrictForm<RegisterForm>,
) -> Result<Response> {
    do_register(chrome, &session, &state, Grant::Open, ip, form).await
}
