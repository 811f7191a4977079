//! Admin: invite links, created (copied or mailed) and revoked.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::{Path, State},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use tower_sessions::Session;

use crate::web::{error::Result, extract::RequireAdmin, form::StrictForm, layout::Chrome};
use crate::{
    auth::{Role, accounts, session, tokens},
    clock,
    db::{self, tokens::Invite},
    notify,
    state::AppState,
};

/// The session key of the link just created, shown once: (link, role label, note).
const NEW_INVITE: &str = "new_invite";

#[derive(Template, WebTemplate)]
#[template(path = "pages/admin/invites.html")]
struct InvitesPage {
    chrome: Chrome,
    invites: Vec<Invite>,
    /// The link just created, with the role and note it was made for.
    new_link: Option<(String, String, String)>,
    error: Option<String>,
    note: String,
    email: String,
    /// Whether invites can go out by mail (`--smtp-url`).
    mail: bool,
}

impl InvitesPage {
    fn created(&self, i: &Invite) -> String {
        clock::format_datetime(i.created_at)
    }

    fn expires(&self, i: &Invite) -> String {
        clock::until(i.expires_at)
    }
}

/// `GET /admin/invites`
pub async fn invites_page(
    RequireAdmin(_): RequireAdmin,
    chrome: Chrome,
    session: Session,
    State(state): State<AppState>,
) -> Result<impl IntoResponse> {
    // shown once: a GET takes it; a HEAD (no body to show it in) and a page without one write
    // nothing to the session
    let mut new_link = session.get::<(String, String, String)>(NEW_INVITE).await?;
    if new_link.is_some() && !chrome.head {
        new_link = session
            .remove::<(String, String, String)>(NEW_INVITE)
            .await?;
    }
    Ok(InvitesPage {
        chrome,
        invites: db::tokens::list_invites(&mut *state.db.get().await?).await?,
        new_link,
        error: None,
        note: String::new(),
        email: String::new(),
        mail: state.config.mail.smtp_url.is_some(),
    })
}

#[derive(Deserialize)]
pub struct InviteForm {
    role: String,
    days: String,
    note: String,
    /// Optional: mail the link to this address (with `--smtp-url`).
    #[serde(default)]
    email: String,
}

/// The longest invite note accepted, in characters (Unicode scalar values).
pub const MAX_INVITE_NOTE_CHARS: usize = 200;

/// The invite's role and days, or what is wrong with the form (`note` trimmed, `email`
/// normalised; `mail` is whether the site can send mail).
fn check_invite(
    form: &InviteForm,
    note: &str,
    email: &str,
    mail: bool,
) -> std::result::Result<(Role, i64), &'static str> {
    let role: Option<Role> = form.role.parse().ok();
    let days: Option<i64> = form
        .days
        .trim()
        .parse()
        .ok()
        .filter(|d| (1..=30).contains(d));
    if !email.is_empty() && !mail {
        return Err(
            "Mail is not set up on this site (--smtp-url); leave the address empty and copy the link.",
        );
    }
    if !email.is_empty() && !accounts::mailable_email(email) {
        return Err("That does not look like an email address.");
    }
    let role = role.ok_or("Choose a role for the invite.")?;
    let days = days.ok_or("Choose how many days the link stays valid (1 to 30).")?;
    if note.chars().count() > MAX_INVITE_NOTE_CHARS {
        return Err("Keep the note under 200 characters.");
    }
    // one line: every control character (C0, DEL, C1) is refused, tab and newline too
    if note.chars().any(char::is_control) {
        return Err("The note cannot contain control characters.");
    }
    Ok((role, days))
}

/// `POST /admin/invites`: the link is shown once, on the next page; only its hash is stored.
pub async fn create_invite(
    RequireAdmin(me): RequireAdmin,
    chrome: Chrome,
    session: Session,
    State(state): State<AppState>,
    StrictForm(form): StrictForm<InviteForm>,
) -> Result<Response> {
    let note = form.note.trim();
    let email = db::users::normalise_email(&form.email);
    let mail = state.config.mail.smtp_url.is_some();
    let checked = check_invite(&form, note, &email, mail);
    let (role, days) = match checked {
        Ok(v) => v,
        Err(problem) => {
            let mut resp = InvitesPage {
                chrome,
                invites: db::tokens::list_invites(&mut *state.db.get().await?).await?,
                new_link: None,
                error: Some(problem.to_string()),
                note: form.note,
                email: form.email,
                mail,
            }
            .into_response();
            *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(resp);
        }
    };
    let token = tokens::random_token();
    let hash = tokens::hash_token(&token);
    let mut tx = db::begin_write(&state.writer).await?;
    db::tokens::create_invite(&mut *tx, &hash, role, note, me.id, days * 86_400).await?;
    let link = state.config.link(&format!("/invite/{token}"));
    if !email.is_empty() {
        notify::invite(&mut tx, &state.config, &email, &link, days).await?;
    }
    tx.commit().await?;
    state.outbox_wake.notify_one();
    tracing::info!(admin = me.id, role = %role, mailed = !email.is_empty(), "invite created");
    if !email.is_empty() {
        session::flash(
            &session,
            "success",
            format!("The invite is on its way to {email} (see Admin → Mail)."),
        )
        .await?;
    }
    session
        .insert(
            NEW_INVITE,
            (link, role.label().to_string(), note.to_string()),
        )
        .await?;
    Ok(Redirect::to("/admin/invites").into_response())
}

/// `POST /admin/invites/{id}/revoke`
pub async fn revoke_invite(
    RequireAdmin(me): RequireAdmin,
    session: Session,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let mut tx = db::begin_write(&state.writer).await?;
    let revoked = db::tokens::revoke_invite(&mut *tx, id).await?;
    tx.commit().await?;
    let msg = if revoked {
        tracing::info!(admin = me.id, invite = id, "invite revoked");
        (
            "success",
            "The invite link was revoked; it no longer works.",
        )
    } else {
        (
            "info",
            "That invite was already used, revoked or unknown; nothing changed.",
        )
    };
    session::flash(&session, msg.0, msg.1).await?;
    Ok(Redirect::to("/admin/invites").into_response())
}
