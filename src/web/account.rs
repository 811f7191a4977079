//! Signing in and out, first-run setup of the admin, accepting an invite, open sign-up,
//! changing one's password, resetting it through a mailed link, and one's notification
//! settings.

use std::net::IpAddr;

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::{Path, Query, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use tower_sessions::Session;

use super::{
    error::{AppError, ErrorPage, Result},
    extract::ClientIp,
    form::StrictForm,
    layout::Chrome,
};
use crate::{
    auth::{
        Role, password, session,
        throttle::{PasswordCheck, RetryAfter},
        tokens,
    },
    db::{self, settings::RegistrationMode, users},
    metrics,
    state::AppState,
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
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    email: String,
    password: String,
}

const BAD_LOGIN: &str = "That email and password do not match an active account.";

/// `GET /login`
pub async fn login_page(
    chrome: Chrome,
    session: Session,
    State(state): State<AppState>,
    Query(q): Query<NextQuery>,
) -> Result<Response> {
    if chrome.user.is_some() {
        return Ok(Redirect::to(&safe_next(q.next.as_deref())).into_response());
    }
    let open = db::settings::load(&mut *state.db.get().await?)
        .await?
        .registration
        == RegistrationMode::Open;
    Ok(LoginPage {
        chrome: chrome.with_csrf(&session).await?,
        next: safe_next(q.next.as_deref()),
        email: String::new(),
        error: None,
        open_registration: open,
        forgot: state.config.mail.smtp_url.is_some(),
    }
    .into_response())
}

/// `POST /login`: throttled per address (failures only) and per account name; one message for
/// every failure.
pub async fn login(
    chrome: Chrome,
    session: Session,
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Query(q): Query<NextQuery>,
    StrictForm(form): StrictForm<LoginForm>,
) -> Result<Response> {
    let next = safe_next(q.next.as_deref());
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
            let open = db::settings::load(&mut *state.db.get().await?)
                .await?
                .registration
                == RegistrationMode::Open;
            let mut resp = LoginPage {
                chrome: chrome.with_csrf(&session).await?,
                next,
                email: form.email,
                error: Some(BAD_LOGIN.into()),
                open_registration: open,
                forgot: state.config.mail.smtp_url.is_some(),
            }
            .into_response();
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

/// Only same-site relative paths are followed after sign-in; anything else goes home.
pub fn safe_next(next: Option<&str>) -> String {
    let Some(n) = next else { return "/".into() };
    let ok = n.starts_with('/')
        && !n.starts_with("//")
        && !n.starts_with("/\\")
        && !n.chars().any(|c| c.is_control() || c == '\\')
        && n.len() <= 2000;
    if ok { n.to_string() } else { "/".into() }
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/register.html")]
struct RegisterPage {
    chrome: Chrome,
    heading: String,
    intro: String,
    action: String,
    email: String,
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

/// Where a new account comes from.
enum Grant {
    Setup(String),
    Invite(String),
    Open,
}

impl Grant {
    fn action(&self) -> String {
        match self {
            Self::Setup(t) => format!("/setup/{t}"),
            Self::Invite(t) => format!("/invite/{t}"),
            Self::Open => "/register".into(),
        }
    }

    fn heading(&self, role: Role) -> (String, String) {
        match self {
            Self::Setup(_) => (
                "Set up Gauntlet".into(),
                "Create the first admin account. This link works once; after that, invite your team from the admin pages.".into(),
            ),
            Self::Invite(_) => (
                "Join Gauntlet".into(),
                format!("You have been invited as {}. Choose how you will sign in.", article(role)),
            ),
            Self::Open => (
                "Create an account".into(),
                "Sign up as a candidate to practise interview gauntlets.".into(),
            ),
        }
    }
}

fn article(role: Role) -> &'static str {
    match role {
        Role::Admin => "an admin",
        Role::Interviewer => "an interviewer",
        Role::Candidate => "a candidate",
    }
}

async fn grant_role(state: &AppState, grant: &Grant) -> Result<Option<Role>> {
    let mut conn = state.db.get().await?;
    Ok(match grant {
        Grant::Setup(t) => {
            let valid = tokens::looks_like_token(t)
                && db::tokens::setup_token_valid(&mut *conn, &tokens::hash_token(t)).await?
                && users::count(&mut *conn).await? == 0;
            valid.then_some(Role::Admin)
        }
        Grant::Invite(t) if tokens::looks_like_token(t) => {
            db::tokens::open_invite_role(&mut *conn, &tokens::hash_token(t)).await?
        }
        Grant::Invite(_) => None,
        Grant::Open => (db::settings::load(&mut *conn).await?.registration
            == RegistrationMode::Open)
            .then_some(Role::Candidate),
    })
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

async fn show_register(
    chrome: Chrome,
    session: &Session,
    state: &AppState,
    grant: Grant,
) -> Result<Response> {
    let role = grant_role(state, &grant)
        .await?
        .ok_or_else(|| link_unusable(&grant))?;
    let (heading, intro) = grant.heading(role);
    Ok(RegisterPage {
        chrome: chrome.with_csrf(session).await?,
        heading,
        intro,
        action: grant.action(),
        email: String::new(),
        name: String::new(),
        error: None,
    }
    .into_response())
}

async fn do_register(
    chrome: Chrome,
    session: &Session,
    state: &AppState,
    grant: Grant,
    ip: IpAddr,
    form: RegisterForm,
) -> Result<Response> {
    let role = grant_role(state, &grant)
        .await?
        .ok_or_else(|| link_unusable(&grant))?;
    let refused = |chrome: Chrome, form: RegisterForm, error: String, status: StatusCode| {
        let (heading, intro) = grant.heading(role);
        let mut resp = RegisterPage {
            chrome,
            heading,
            intro,
            action: grant.action(),
            email: form.email,
            name: form.name,
            error: Some(error),
        }
        .into_response();
        *resp.status_mut() = status;
        resp
    };
    // open sign-up is limited per address; links (setup, invites) are single-use anyway
    let ticket = match grant {
        Grant::Open => match state.throttle.signup(ip) {
            Ok(t) => Some(t),
            Err(wait) => {
                tracing::warn!(%ip, "sign-up throttled");
                let error = format!(
                    "Too many accounts were created from your network recently. Try again in {}.",
                    wait.in_words()
                );
                let chrome = chrome.with_csrf(session).await?;
                let mut resp = refused(chrome, form, error, StatusCode::TOO_MANY_REQUESTS);
                retry_after(&mut resp, wait);
                return Ok(resp);
            }
        },
        _ => None,
    };
    let email = users::normalise_email(&form.email);
    let name = form.name.trim().to_string();
    let problem = validate_registration(&email, &name, &form.password, &form.confirm);
    if let Some(t) = ticket.filter(|_| problem.is_some()) {
        // a typo costs nothing; asking about an existing address does
        state.throttle.signup_refund(t);
    }
    let problem = match problem {
        Some(p) => Some(p),
        None if users::by_email(&mut *state.db.get().await?, &email)
            .await?
            .is_some() =>
        {
            Some("An account with that email already exists. Sign in instead.".to_string())
        }
        None => None,
    };
    if let Some(error) = problem {
        let chrome = chrome.with_csrf(session).await?;
        return Ok(refused(
            chrome,
            form,
            error,
            StatusCode::UNPROCESSABLE_ENTITY,
        ));
    }
    let hash = state.passwords.hash(form.password).await?;
    let mut tx = db::begin_write(&state.writer).await?;
    let new = users::NewUser {
        email: &email,
        display_name: &name,
        password_hash: &hash,
        role,
    };
    let id = match users::insert(&mut *tx, &new).await {
        Ok(id) => id,
        Err(e) if db::is_unique_violation(&e) => {
            return Err(AppError::Conflict(
                "An account with that email already exists. Sign in instead.".into(),
            ));
        }
        Err(e) => return Err(e.into()),
    };
    let mut landing = "/".to_string();
    let consumed = match &grant {
        Grant::Setup(t) => {
            users::count(&mut *tx).await? == 1
                && db::tokens::consume_setup_token(&mut *tx, &tokens::hash_token(t)).await?
        }
        Grant::Invite(t) => {
            let hash = tokens::hash_token(t);
            let used = db::tokens::consume_invite(&mut *tx, &hash, id).await?;
            // an invite tied to a live interview opens it: the new account lands there
            if used && let Some(to) = super::live::join_by_invite(&mut tx, &hash, id).await? {
                landing = to;
            }
            used
        }
        Grant::Open => true,
    };
    if !consumed {
        tx.rollback().await?;
        return Err(link_unusable(&grant));
    }
    tx.commit().await?;
    tracing::info!(user = id, role = %role, "account created");
    let user = users::by_id(&mut *state.db.get().await?, id)
        .await?
        .ok_or(AppError::NotFound)?;
    session::sign_in(session, user.id, user.auth_epoch).await?;
    session::mark_new_account(session).await?;
    session::flash(
        session,
        "success",
        format!("Welcome, {name}. Your account is ready."),
    )
    .await?;
    Ok(Redirect::to(&landing).into_response())
}

fn retry_after(resp: &mut Response, wait: RetryAfter) {
    if let Ok(v) = HeaderValue::from_str(&wait.0.to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
}
/// The longest display name accepted, in characters (Unicode scalar values).
pub const MAX_NAME_CHARS: usize = 80;
/// The longest email address accepted, in characters.
pub const MAX_EMAIL_CHARS: usize = 254;

/// Checks the sign-up fields; the message says what to fix.
pub fn validate_registration(
    email: &str,
    name: &str,
    password: &str,
    confirm: &str,
) -> Option<String> {
    let at = email.find('@');
    if email.chars().count() > MAX_EMAIL_CHARS
        || at.is_none_or(|i| i == 0 || i == email.len() - 1)
        || email.contains(|c: char| c.is_whitespace() || c.is_control())
    {
        return Some("Enter a valid email address, like ana@example.com.".into());
    }
    if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
        return Some(format!(
            "Enter a display name of 1 to {MAX_NAME_CHARS} characters."
        ));
    }
    // every control character, C0, DEL and C1, and here tab and newline too (one line)
    if name.chars().any(char::is_control) {
        return Some("The display name cannot contain control characters.".into());
    }
    if let Err(e) = password::check_policy(password, email) {
        return Some(e);
    }
    if password != confirm {
        return Some("The two passwords do not match.".into());
    }
    None
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

#[derive(Template, WebTemplate)]
#[template(path = "pages/password.html")]
struct PasswordPage {
    chrome: Chrome,
    error: Option<String>,
}

/// `GET /account/password`
pub async fn password_page(_: super::extract::CurrentUser, chrome: Chrome) -> impl IntoResponse {
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
    super::extract::CurrentUser(user): super::extract::CurrentUser,
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
            return Ok(resp);
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
            let mut resp = ErrorPage::new(
                StatusCode::UNAUTHORIZED,
                "Signed out",
                "The current password was wrong too many times in a row, so this session has ended. Sign in again to change your password.".into(),
                None,
            )
            .into_response();
            *resp.status_mut() = StatusCode::UNAUTHORIZED;
            return Ok(resp);
        }
        tracing::info!(user = user.id, %ip, "password change: current password wrong");
        return refuse(chrome, "Your current password is not right.".into());
    }
    state.throttle.password_ok(ticket, user.id);
    if let Err(problem) = password::check_policy(&form.password, &user.email) {
        return refuse(chrome, problem);
    }
    if form.password != form.confirm {
        return refuse(chrome, "The two new passwords do not match.".into());
    }
    let hash = state.passwords.hash(form.password).await?;
    let mut tx = db::begin_write(&state.writer).await?;
    let epoch = users::change_password(&mut *tx, user.id, &hash).await?;
    tx.commit().await?;
    session::sign_in(&session, user.id, epoch).await?;
    tracing::info!(user = user.id, "password changed");
    session::flash(
        &session,
        "success",
        "Password changed. Every other session of your account was signed out.",
    )
    .await?;
    Ok(Redirect::to("/").into_response())
}

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

/// One switch on the notifications page.
pub struct KindRow {
    pub key: &'static str,
    pub label: &'static str,
    pub on: bool,
}

/// One gauntlet an interviewer may opt into.
pub struct CategoryRow {
    pub slug: String,
    pub title: String,
    pub on: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/notifications.html")]
struct NotificationsPage {
    chrome: Chrome,
    kinds: Vec<KindRow>,
    categories: Vec<CategoryRow>,
    mail: bool,
}

/// `GET /account/notifications`
pub async fn notifications_page(
    super::extract::CurrentUser(user): super::extract::CurrentUser,
    chrome: Chrome,
    State(state): State<AppState>,
) -> Result<impl IntoResponse> {
    let mut conn = state.db.get().await?;
    let off = db::outbox::optouts(&mut *conn, user.id).await?;
    let kinds = crate::notify::OPTIONAL_KINDS
        .iter()
        .map(|(key, label)| KindRow {
            key,
            label,
            on: !off.iter().any(|k| k == key),
        })
        .collect();
    let categories = if user.role == Role::Candidate {
        Vec::new()
    } else {
        let mine = db::reviews::categories(&mut *conn, user.id).await?;
        state
            .content
            .current()
            .iter()
            .map(|e| CategoryRow {
                slug: e.gauntlet.slug.clone(),
                title: e.gauntlet.title.clone(),
                on: mine.contains(&e.gauntlet.slug),
            })
            .collect()
    };
    Ok(NotificationsPage {
        chrome,
        kinds,
        categories,
        mail: state.config.mail.smtp_url.is_some(),
    })
}

/// `POST /account/notifications`: fields `on_<kind>` and, for interviewers, `cat_<slug>`;
/// anything else is refused.
pub async fn save_notifications(
    super::extract::CurrentUser(user): super::extract::CurrentUser,
    session: Session,
    State(state): State<AppState>,
    StrictForm(form): StrictForm<std::collections::HashMap<String, String>>,
) -> Result<Response> {
    let library = state.content.current();
    let mut categories = Vec::new();
    for key in form.keys() {
        if key == "_csrf" {
            continue;
        }
        if let Some(kind) = key.strip_prefix("on_")
            && crate::notify::OPTIONAL_KINDS
                .iter()
                .any(|(k, _)| *k == kind)
        {
            continue;
        }
        if let Some(slug) = key.strip_prefix("cat_")
            && user.role != Role::Candidate
            && library.get(slug).is_some()
        {
            categories.push(slug.to_string());
            continue;
        }
        return Err(AppError::Unprocessable(
            "The form had a field this page does not have; reload it and try again.".into(),
        ));
    }
    categories.sort();
    let off: Vec<&str> = crate::notify::OPTIONAL_KINDS
        .iter()
        .map(|(k, _)| *k)
        .filter(|k| !form.contains_key(&format!("on_{k}")))
        .collect();
    let mut tx = db::begin_write(&state.writer).await?;
    db::outbox::set_optouts(&mut tx, user.id, &off).await?;
    if user.role != Role::Candidate {
        db::reviews::set_categories(&mut tx, user.id, &categories).await?;
    }
    tx.commit().await?;
    tracing::info!(user = user.id, "notification settings changed");
    session::flash(&session, "success", "Notification settings saved.").await?;
    Ok(Redirect::to("/account/notifications").into_response())
}

/// `GET /account/csrf.json`: the session's current token, for a page whose token went stale
/// after the candidate signed in again in another tab.
pub async fn csrf_token(
    _: super::extract::CurrentUser,
    session: Session,
) -> Result<axum::Json<serde_json::Value>> {
    let token = session::ensure_csrf_token(&session).await?;
    Ok(axum::Json(serde_json::json!({ "csrf": token })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t43_next_accepts_only_local_paths() {
        for bad in [
            "http://example.com",
            "//example.com",
            "\\\\example.com",
            "/\\example.com",
            "http:///example.com",
            "javascript:alert(1)",
            "/\nfoo",
            "https://x",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(Some("/attempts/5?tab=2")), "/attempts/5?tab=2");
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn registration_validation_explains_problems() {
        assert!(
            validate_registration("nope", "Ana", "long enough pass", "long enough pass").is_some()
        );
        assert!(
            validate_registration("ana@x.io", "", "long enough pass", "long enough pass").is_some()
        );
        assert!(
            validate_registration("ana@x.io", "Ana", "long enough pass", "different pass!!")
                .is_some()
        );
        assert!(
            validate_registration("ana@x.io", "Ana", "long enough pass", "long enough pass")
                .is_none()
        );
    }

    #[test]
    fn t63_names_and_emails_refuse_c0_and_c1_controls() {
        let ok = |email: &str, name: &str| {
            validate_registration(email, name, "long enough pass", "long enough pass").is_none()
        };
        assert!(ok("ana@x.io", "Ana Lúcia 👩‍💻"));
        for c in [
            '\u{0}', '\t', '\n', '\u{1b}', '\u{7f}', '\u{80}', '\u{85}', '\u{9b}', '\u{9f}',
        ] {
            assert!(
                !ok("ana@x.io", &format!("Ana{c}Lu")),
                "U+{:04X} in a name",
                c as u32
            );
            assert!(
                !ok(&format!("ana{c}@x.io"), "Ana"),
                "U+{:04X} in an email",
                c as u32
            );
        }
        assert!(ok("ana@x.io", &"é".repeat(MAX_NAME_CHARS)));
        assert!(!ok("ana@x.io", &"é".repeat(MAX_NAME_CHARS + 1)));
    }
}
