//! What the server-side session holds and the operations on it: sign in (new id, new CSRF
//! secret), sign out, the CSRF token and one-shot flash messages.

use serde::{Deserialize, Serialize};
use tower_sessions::Session;

use super::tokens::random_token;
use crate::clock;

/// The session key holding the signed-in account id.
pub(crate) const USER_ID: &str = "uid";
const EPOCH: &str = "epoch";
const STARTED: &str = "started";
const LAST_SEEN: &str = "seen";
/// `last seen` is rewritten at most this often, so reading pages does not turn into writes.
const SEEN_GRANULARITY_SECS: i64 = 60;
const CSRF: &str = "csrf";
const FLASH: &str = "flash";
/// Set when an account was just created, so the first home page greets rather than welcomes back.
const NEW_ACCOUNT: &str = "new_account";

/// A one-shot message shown on the next page.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    /// "success", "info" or "error".
    pub kind: String,
    pub message: String,
}

/// The signed-in user recorded in a session.
#[derive(Debug, Clone, Copy)]
pub struct SessionUser {
    pub user_id: i64,
    pub epoch: i64,
    pub started: i64,
    /// When the session was last used (to within a minute).
    pub last_seen: i64,
}

type Result<T> = std::result::Result<T, tower_sessions::session::Error>;

/// Signs a user in: a new session id (the old one is gone), a new CSRF secret. `auth_epoch`
/// is the account's current epoch; bumping it later ends this session.
pub async fn sign_in(session: &Session, user_id: i64, auth_epoch: i64) -> Result<()> {
    session.cycle_id().await?;
    session.insert(USER_ID, user_id).await?;
    session.insert(EPOCH, auth_epoch).await?;
    let now = clock::now();
    session.insert(STARTED, now).await?;
    session.insert(LAST_SEEN, now).await?;
    session.insert(CSRF, random_token()).await?;
    Ok(())
}

/// Ends the session on the server.
pub async fn sign_out(session: &Session) -> Result<()> {
    session.flush().await
}

/// The signed-in user, if the session has one.
pub async fn user(session: &Session) -> Result<Option<SessionUser>> {
    let Some(user_id) = session.get::<i64>(USER_ID).await? else {
        return Ok(None);
    };
    Ok(Some(SessionUser {
        user_id,
        epoch: session.get::<i64>(EPOCH).await?.unwrap_or(-1),
        started: session.get::<i64>(STARTED).await?.unwrap_or(0),
        last_seen: session.get::<i64>(LAST_SEEN).await?.unwrap_or(0),
    }))
}

/// Records activity; writes the session only when the stored time is a minute old or more.
pub async fn touch(session: &Session, user: &SessionUser, now: i64) -> Result<()> {
    if now - user.last_seen >= SEEN_GRANULARITY_SECS {
        session.insert(LAST_SEEN, now).await?;
    }
    Ok(())
}

/// The session's CSRF token, if it has one yet.
pub async fn csrf_token(session: &Session) -> Result<Option<String>> {
    session.get::<String>(CSRF).await
}

/// The session's CSRF token, creating the session and the token when needed (forms shown to
/// visitors who are not signed in, such as the sign-in form, need one too).
pub async fn ensure_csrf_token(session: &Session) -> Result<String> {
    if let Some(t) = session.get::<String>(CSRF).await? {
        return Ok(t);
    }
    let t = random_token();
    session.insert(CSRF, &t).await?;
    Ok(t)
}

/// Queues a message for the next page.
pub async fn flash(session: &Session, kind: &str, message: impl Into<String>) -> Result<()> {
    session
        .insert(
            FLASH,
            Flash {
                kind: kind.to_string(),
                message: message.into(),
            },
        )
        .await
}

/// Remembers that this session's account was just created.
pub async fn mark_new_account(session: &Session) -> Result<()> {
    session.insert(NEW_ACCOUNT, true).await
}

/// Whether the account was just created, left in place (for HEAD requests, which show nothing).
pub async fn peek_new_account(session: &Session) -> Result<bool> {
    Ok(session.get::<bool>(NEW_ACCOUNT).await?.unwrap_or(false))
}

/// Whether the account was just created (asked once: later visits are returning ones).
pub async fn take_new_account(session: &Session) -> Result<bool> {
    if session.get::<bool>(NEW_ACCOUNT).await?.is_none() {
        return Ok(false);
    }
    Ok(session.remove::<bool>(NEW_ACCOUNT).await?.unwrap_or(false))
}

/// The queued message, if any, left in place (for HEAD requests, which show nothing).
pub async fn peek_flash(session: &Session) -> Result<Option<Flash>> {
    session.get::<Flash>(FLASH).await
}

/// Takes the queued message, if any (so it shows once).
pub async fn take_flash(session: &Session) -> Result<Option<Flash>> {
    if session.get::<Flash>(FLASH).await?.is_none() {
        return Ok(None);
    }
    session.remove::<Flash>(FLASH).await
}
