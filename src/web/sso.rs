//! Single sign-on over HTTP: `GET /auth/oidc/start` sends the browser to the identity
//! provider with the request kept in the session (a link, not a form: the pages' CSP
//! `form-action 'self'` would stop a form's redirect to the provider; starting signs nobody in,
//! and the state ties the callback to this session); `GET /auth/oidc/callback` takes it back and
//! signs the person in. The checks live in `auth::oidc`, the account rules in
//! `auth::accounts::sso`; every refusal is a page that says what happened and creates nothing.

use axum::{
    extract::{Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use tower_sessions::Session;

use super::{
    account::{NextQuery, safe_next},
    error::{AppError, ErrorPage, Result},
    extract::ClientIp,
};
use crate::{
    auth::{
        accounts::sso::{self, SsoError},
        oidc::{OidcError, Pending, Provider},
        session,
    },
    clock, metrics,
    state::AppState,
};

/// The session key of the sign-in under way.
const PENDING: &str = "oidc_pending";
/// The longest `code` or `state` accepted in the callback, in characters.
pub const MAX_PARAM_CHARS: usize = 2048;

fn provider(state: &AppState) -> Result<&Provider> {
    state.oidc.as_ref().ok_or(AppError::NotFound)
}

/// `GET /auth/oidc/start?next=…`
pub async fn start(
    session: Session,
    State(state): State<AppState>,
    Query(q): Query<NextQuery>,
) -> Result<Response> {
    let provider = provider(&state)?;
    let next = safe_next(q.next());
    match provider.begin(next, clock::now()).await {
        Ok((url, pending)) => {
            session.insert(PENDING, pending).await?;
            Ok(Redirect::to(&url).into_response())
        }
        Err(e) => Ok(refusal(&e.into())),
    }
}

#[derive(Deserialize)]
pub struct Callback {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// `GET /auth/oidc/callback?code=…&state=…` (or `?error=…` when the provider refused).
pub async fn callback(
    session: Session,
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Query(q): Query<Callback>,
) -> Result<Response> {
    let provider = provider(&state)?;
    // used once, whatever happens next
    let pending: Option<Pending> = session.remove(PENDING).await?;
    let outcome = finish(&state, provider, pending, q).await;
    match outcome {
        Ok(user) => {
            session::sign_in(&session, user.0.id, user.0.auth_epoch).await?;
            tracing::info!(user = user.0.id, %ip, "signed in through single sign-on");
            Ok(Redirect::to(&user.1).into_response())
        }
        Err(e) => {
            metrics::bump(metrics::Counter::LoginFailed);
            tracing::warn!(%ip, error = %e, "single sign-on refused");
            Ok(refusal(&e))
        }
    }
}

/// Why a callback signed nobody in.
#[derive(Debug, thiserror::Error)]
enum Refused {
    #[error(transparent)]
    Oidc(#[from] OidcError),
    #[error(transparent)]
    Account(#[from] SsoError),
}

async fn finish(
    state: &AppState,
    provider: &Provider,
    pending: Option<Pending>,
    q: Callback,
) -> std::result::Result<(crate::db::users::User, String), Refused> {
    if let Some(error) = q.error {
        return Err(OidcError::Refused(clip(&error)).into());
    }
    let pending = pending.ok_or(OidcError::WrongState)?;
    let (Some(code), Some(st)) = (q.code, q.state) else {
        return Err(OidcError::WrongState.into());
    };
    if [&code, &st]
        .iter()
        .any(|v| v.chars().count() > MAX_PARAM_CHARS || v.chars().any(char::is_control))
    {
        return Err(OidcError::WrongState.into());
    }
    let next = pending.next.clone();
    let who = provider.finish(pending, &code, &st, clock::now()).await?;
    let user = sso::sign_in(&state.writer, &who).await?;
    Ok((user, next))
}

/// A provider's error code as it may be shown: short and printable.
fn clip(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).take(100).collect()
}

fn refusal(e: &Refused) -> Response {
    let (status, title, message) = explain(e);
    let mut resp = ErrorPage::new(status, title, message, None).into_response();
    *resp.status_mut() = status;
    resp
}

fn explain(e: &Refused) -> (StatusCode, &'static str, String) {
    let again = "Start again from the sign-in page.";
    let bad = StatusCode::BAD_REQUEST;
    match e {
        Refused::Oidc(OidcError::Unreachable(_)) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "Identity provider unreachable",
            "The identity provider cannot be reached right now. Try again in a few minutes; if you have a password for this site, sign in with it on the sign-in page.".into(),
        ),
        Refused::Oidc(OidcError::WrongState) => (
            bad,
            "Sign-in expired or not started here",
            format!("This answer from the identity provider does not belong to a sign-in this browser started in the last ten minutes. {again}"),
        ),
        Refused::Oidc(OidcError::Nonce) => (
            bad,
            "Sign-in token replayed",
            format!("The identity provider's token was issued for another sign-in. {again}"),
        ),
        Refused::Oidc(OidcError::Signature) => (
            bad,
            "Token signature invalid",
            "The token's signature does not match the identity provider's keys, so it was not accepted. Ask an admin to check the provider set-up.".into(),
        ),
        Refused::Oidc(OidcError::Audience) => (
            bad,
            "Token meant for another site",
            "The identity provider issued this token for a different application. Ask an admin to check the client id.".into(),
        ),
        Refused::Oidc(OidcError::Expired) => (
            bad,
            "Token expired",
            format!("The identity provider's token had already expired (check that the clocks agree). {again}"),
        ),
        Refused::Oidc(OidcError::Issuer) => (
            bad,
            "Token from another issuer",
            "The token was not issued by the configured identity provider.".into(),
        ),
        Refused::Oidc(OidcError::Refused(code)) => (
            StatusCode::FORBIDDEN,
            "Identity provider said no",
            format!("The identity provider did not sign you in ({code}). {again}"),
        ),
        Refused::Oidc(OidcError::Invalid(_)) => (
            StatusCode::BAD_GATEWAY,
            "Unusable answer from the identity provider",
            format!("The identity provider's answer could not be used. {again}"),
        ),
        Refused::Account(a) => account_refusal(a),
    }
}

fn account_refusal(e: &SsoError) -> (StatusCode, &'static str, String) {
    let no = StatusCode::FORBIDDEN;
    match e {
        SsoError::Disabled => (
            no,
            "Account disabled",
            "Your account on this site is disabled. Ask an admin to re-enable it.".into(),
        ),
        SsoError::JoiningOff => (
            no,
            "No account here yet",
            "You are not a member of this site yet, and people from the identity provider cannot join by themselves. Ask an admin for an invite, or to let people from the identity provider join.".into(),
        ),
        SsoError::NoEmail => (
            no,
            "No email address",
            "The identity provider did not share a usable email address, which a new account needs. Ask an admin to check the provider set-up (the email scope).".into(),
        ),
        SsoError::Unverified => (
            StatusCode::CONFLICT,
            "Email not verified",
            "An account here already uses your email address, but the identity provider did not say it verified that address, so the two were not linked. Sign in with your password, or ask an admin.".into(),
        ),
        SsoError::Db(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            "Try again",
            "The sign-in could not be saved just now. Try again in a moment.".into(),
        ),
    }
}
