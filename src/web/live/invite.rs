//! A live interview for someone without an account: the start form makes an ordinary candidate
//! invite (`db::tokens`, single-use, expiring with the session) tied to the interview; the
//! interviewer sees the link once on the invite's page, and accepting it creates the account,
//! the attempt and the session together, landing the candidate in the interview.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::{Path, State},
    response::{IntoResponse, Redirect, Response},
};
use sqlx::{Sqlite, Transaction};
use tower_sessions::Session;

use super::open::open_session;
use crate::{
    auth::{Role, accounts, tokens},
    clock, db,
    state::AppState,
    web::{
        error::{AppError, Result},
        extract::CurrentUser,
        layout::Chrome,
    },
};

/// Where the server-side session keeps a new link until its page shows it, once.
const NEW_LINK: &str = "live_invite_link";

/// Makes the invite for `email` and ties it to a live interview of `gauntlet` (committing
/// `tx`); `made` is the interviewer, the start time and the expiry. Returns the invite's id.
pub(super) async fn create(
    state: &AppState,
    session: &Session,
    mut tx: Transaction<'static, Sqlite>,
    gauntlet: (&str, &str),
    email: &str,
    made: (i64, Option<i64>, i64),
) -> Result<i64> {
    let (interviewer, scheduled_at, expires_at) = made;
    let token = tokens::random_token();
    let ttl = (expires_at - clock::now()).max(1);
    let note = format!("Live interview: {email}");
    let invite = db::tokens::create_invite(
        &mut *tx,
        &tokens::hash_token(&token),
        Role::Candidate,
        &note,
        interviewer,
        ttl,
    )
    .await?;
    let id = db::live::create_invite(
        &mut tx,
        invite,
        interviewer,
        gauntlet,
        email,
        scheduled_at,
        expires_at,
    )
    .await?;
    tx.commit().await?;
    let link = state.config.link(&format!("/invite/{token}"));
    session.insert(NEW_LINK, (id, link)).await?;
    tracing::info!(
        live_invite = id,
        interviewer,
        "live interview invite created"
    );
    Ok(id)
}

/// Called when invite `token_hash` was accepted by the new account `user` (in the sign-up's
/// transaction): opens the live interview tied to it, if any, and returns where to land.
/// The live interviews' part of a sign-up through an invite (see `auth::accounts`).
#[derive(Debug)]
pub struct LiveInvites;

#[async_trait::async_trait]
impl accounts::InviteFollowUp for LiveInvites {
    async fn opened(
        &self,
        tx: &mut sqlx::SqliteConnection,
        token_hash: &str,
        user: i64,
    ) -> std::result::Result<Option<String>, sqlx::Error> {
        join_by_invite(tx, token_hash, user).await
    }

    async fn addressed_to(
        &self,
        conn: &mut sqlx::SqliteConnection,
        token_hash: &str,
    ) -> std::result::Result<Option<String>, sqlx::Error> {
        Ok(db::live::invite_to_claim(&mut *conn, token_hash)
            .await?
            .map(|pending| pending.email))
    }
}

async fn join_by_invite(
    tx: &mut sqlx::SqliteConnection,
    token_hash: &str,
    user: i64,
) -> std::result::Result<Option<String>, sqlx::Error> {
    let Some(pending) = db::live::invite_to_claim(&mut *tx, token_hash).await? else {
        return Ok(None);
    };
    if pending.expires_at <= clock::now() {
        return Ok(None);
    }
    let Some(candidate) = db::users::by_id(&mut *tx, user).await? else {
        return Ok(None);
    };
    let (id, attempt) = open_session(
        &mut *tx,
        (pending.interviewer_id, &candidate),
        (&pending.slug, &pending.version),
        pending.scheduled_at,
        pending.expires_at,
    )
    .await?;
    db::live::set_invite_session(&mut *tx, pending.id, id).await?;
    tracing::info!(
        session = id,
        attempt,
        live_invite = pending.id,
        "live invite accepted"
    );
    Ok(Some(format!("/attempts/{attempt}")))
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/live/invite.html")]
struct InvitePage {
    chrome: Chrome,
    id: i64,
    title: String,
    email: String,
    link: Option<String>,
    scheduled_at: Option<i64>,
    expires_at: i64,
    expired: bool,
}

impl InvitePage {
    fn when(&self, at: &i64) -> String {
        clock::format_datetime(*at)
    }
}

/// `GET /live/invites/{id}`: the interviewer's page for an interview waiting for its candidate
/// to sign up (the link shown once); once they have, the console. 404 for everyone else.
pub async fn invite_console(
    CurrentUser(user): CurrentUser,
    chrome: Chrome,
    session: Session,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let mut conn = state.db.get().await?;
    let pending = db::live::pending_invite(&mut *conn, id)
        .await?
        .filter(|p| p.interviewer_id == user.id)
        .ok_or(AppError::NotFound)?;
    if let Some(live) = pending.session_id {
        return Ok(Redirect::to(&format!("/live/{live}")).into_response());
    }
    let title = state
        .content
        .pinned(&mut *conn, &pending.slug, &pending.version)
        .await?
        .map_or_else(|| pending.slug.clone(), |p| p.gauntlet.title.clone());
    drop(conn);
    let link = match session.get::<(i64, String)>(NEW_LINK).await? {
        Some((for_id, link)) if for_id == id => {
            session.remove::<(i64, String)>(NEW_LINK).await?;
            Some(link)
        }
        _ => None,
    };
    Ok(InvitePage {
        chrome,
        id,
        title,
        email: pending.email,
        link,
        scheduled_at: pending.scheduled_at,
        expires_at: pending.expires_at,
        expired: pending.expires_at <= clock::now(),
    }
    .into_response())
}
