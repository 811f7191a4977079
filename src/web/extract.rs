//! Request extractors: the signed-in user (checked against the database on every request),
//! role guards, the client address, and the layout's chrome.

use std::net::{IpAddr, SocketAddr};

use axum::{
    extract::{ConnectInfo, FromRequestParts, OptionalFromRequestParts},
    http::{HeaderMap, Method, header, request::Parts},
};
use tower_sessions::Session;

use super::{
    error::AppError,
    layout::{Chrome, UserView},
};
use crate::{
    auth::{Role, session},
    clock,
    db::users::{self, User},
    state::AppState,
};

/// The signed-in, enabled user whose session is still valid.
#[derive(Debug, Clone)]
pub struct CurrentUser(pub User);

/// A signed-in interviewer or admin.
#[derive(Debug, Clone)]
pub struct RequireInterviewer(pub User);

/// A signed-in admin.
#[derive(Debug, Clone)]
pub struct RequireAdmin(pub User);

/// Whether the client wants JSON errors (fetch and autosave requests) rather than pages.
pub fn wants_json(headers: &HeaderMap) -> bool {
    headers.contains_key("x-csrf-token")
        || headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|a| a.contains("application/json") && !a.contains("text/html"))
}

async fn session_of(parts: &mut Parts, state: &AppState) -> Result<Session, AppError> {
    Session::from_request_parts(parts, state)
        .await
        .map_err(|(_, msg)| AppError::Internal(format!("session layer missing: {msg}")))
}

/// Loads the session's user and checks it is still allowed in: enabled, same auth epoch (no
/// role change or disable since sign-in), within the absolute lifetime and not idle too long.
async fn load_user(parts: &mut Parts, state: &AppState) -> Result<Option<User>, AppError> {
    let session = session_of(parts, state).await?;
    let Some(su) = session::user(&session).await? else {
        return Ok(None);
    };
    let user = users::by_id(&mut *state.db.get().await?, su.user_id).await?;
    let now = clock::now();
    let absolute = state.config.absolute_timeout.as_secs() as i64;
    let idle = state.config.idle_timeout.as_secs() as i64;
    let valid = user.as_ref().is_some_and(|u| {
        !u.disabled
            && u.auth_epoch == su.epoch
            && now - su.started < absolute
            && now - su.last_seen < idle
    });
    if !valid {
        session::sign_out(&session).await?;
        return Ok(None);
    }
    // HEAD never writes, not even the session's last-seen time
    if parts.method != Method::HEAD {
        session::touch(&session, &su, now).await?;
    }
    Ok(user)
}

fn sign_in_required(parts: &Parts) -> AppError {
    let next = parts
        .uri
        .path_and_query()
        .map_or("/".to_string(), |p| p.as_str().to_string());
    AppError::SignInRequired {
        next,
        json: wants_json(&parts.headers),
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        if let Some(u) = parts.extensions.get::<CurrentUser>() {
            return Ok(u.clone());
        }
        let user = load_user(parts, state)
            .await?
            .ok_or_else(|| sign_in_required(parts))?;
        let current = CurrentUser(user);
        parts.extensions.insert(current.clone());
        Ok(current)
    }
}

impl OptionalFromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, AppError> {
        match <CurrentUser as FromRequestParts<AppState>>::from_request_parts(parts, state).await {
            Ok(u) => Ok(Some(u)),
            Err(AppError::SignInRequired { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

async fn require(parts: &mut Parts, state: &AppState, min: Role) -> Result<User, AppError> {
    let CurrentUser(user) =
        <CurrentUser as FromRequestParts<AppState>>::from_request_parts(parts, state).await?;
    if user.role < min {
        tracing::warn!(user = user.id, path = %parts.uri.path(), "authorization failure");
        return Err(AppError::Forbidden);
    }
    Ok(user)
}

impl FromRequestParts<AppState> for RequireInterviewer {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        require(parts, state, Role::Interviewer).await.map(Self)
    }
}

impl FromRequestParts<AppState> for RequireAdmin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        require(parts, state, Role::Admin).await.map(Self)
    }
}

/// The client's address, from the socket (no forwarded headers are trusted).
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub IpAddr);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        let ip = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([127, 0, 0, 1]), |c| c.0.ip());
        Ok(Self(ip))
    }
}

fn section_of(path: &str) -> &'static str {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or("");
    match first {
        "" => "home",
        "catalog" | "gauntlets" => "catalog",
        "history" | "attempts" => "history",
        "admin" => "admin",
        "reviews" | "calibration" => "reviews",
        "account" => "account",
        _ => "",
    }
}

impl FromRequestParts<AppState> for Chrome {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let user =
            <CurrentUser as OptionalFromRequestParts<AppState>>::from_request_parts(parts, state)
                .await?;
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, m)| AppError::Internal(m.to_string()))?;
        let csrf = session::csrf_token(&session).await?.unwrap_or_default();
        // a HEAD response has no body to show the message in: it stays for the next page
        let flash = if parts.method == Method::HEAD {
            session::peek_flash(&session).await?
        } else {
            session::take_flash(&session).await?
        };
        Ok(Self {
            user: user.as_ref().map(|u| UserView::from(&u.0)),
            csrf,
            flash,
            section: section_of(parts.uri.path()),
            head: parts.method == Method::HEAD,
            ..Self::bare()
        })
    }
}
