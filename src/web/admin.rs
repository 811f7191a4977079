//! Admin pages: users (role, disable, delete, sign-in locks), invite links (copied or mailed),
//! site settings (registration, blind review, reviewer assignment), the mail outbox, the
//! "waiting longest" view and
//! content status.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::{Path, State},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use tower_sessions::Session;

use super::{
    error::{AppError, Result},
    extract::RequireAdmin,
    form::StrictForm,
    layout::Chrome,
};
use crate::{
    auth::{
        Role, session,
        throttle::{LockedName, RetryAfter},
        tokens,
    },
    clock,
    content::ContentError,
    db::{
        self,
        outbox::{Counts, Message},
        reviews::Waiting,
        settings::{AssignmentMode, MAX_ASSIGNMENT_HOURS, RegistrationMode},
        tokens::Invite,
        users::User,
    },
    notify,
    state::AppState,
};

/// The session key of the link just created, shown once: (link, role label, note).
const NEW_INVITE: &str = "new_invite";

#[derive(Template, WebTemplate)]
#[template(path = "pages/admin/users.html")]
struct UsersPage {
    chrome: Chrome,
    users: Vec<User>,
    me: i64,
    /// Sign-in names locked now (at most `LOCKS_SHOWN`), and how many there are in all.
    locked: Vec<LockedName>,
    locked_total: usize,
}

/// Locked names listed on the users page; a flood of guessed names shows as a count.
const LOCKS_SHOWN: usize = 50;

impl UsersPage {
    fn created(&self, u: &User) -> String {
        clock::format_date(u.created_at)
    }

    fn lock_left(&self, l: &LockedName) -> String {
        RetryAfter(l.seconds_left).in_words()
    }

    /// Whether a locked name belongs to an account (locks apply to unknown names too).
    fn is_account(&self, l: &LockedName) -> bool {
        self.users.iter().any(|u| u.email == l.name)
    }
}

/// `GET /admin`
pub async fn users_page(
    RequireAdmin(me): RequireAdmin,
    chrome: Chrome,
    State(state): State<AppState>,
) -> Result<impl IntoResponse> {
    let mut locked = state.throttle.locked_names();
    let locked_total = locked.len();
    locked.truncate(LOCKS_SHOWN);
    Ok(UsersPage {
        chrome,
        users: db::users::list(&mut *state.db.get().await?).await?,
        me: me.id,
        locked,
        locked_total,
    })
}

#[derive(Deserialize)]
pub struct UnlockForm {
    name: String,
}

/// `POST /admin/locks/unlock`: lifts the sign-in lock on a name (after the person proved who
/// they are some other way); the lock would end by itself within an hour.
pub async fn unlock(
    RequireAdmin(me): RequireAdmin,
    session: Session,
    State(state): State<AppState>,
    StrictForm(form): StrictForm<UnlockForm>,
) -> Result<Response> {
    if form.name.trim().is_empty() || form.name.len() > 254 {
        return Err(AppError::Unprocessable(
            "Choose a locked sign-in name from the list.".into(),
        ));
    }
    // the list's button sends the name exactly as it is locked; a typed one is normalised
    let typed = db::users::normalise_email(&form.name);
    let (name, unlocked) = if state.throttle.unlock(&form.name) {
        (form.name, true)
    } else {
        let unlocked = state.throttle.unlock(&typed);
        (typed, unlocked)
    };
    if !unlocked {
        session::flash(
            &session,
            "info",
            format!("{name} is not locked (the lock may have ended); nothing changed."),
        )
        .await?;
        return Ok(Redirect::to("/admin").into_response());
    }
    match db::users::by_email(&mut *state.db.get().await?, &name).await? {
        Some(u) => tracing::info!(
            admin = me.id,
            user = u.id,
            "sign-in lock lifted by an admin"
        ),
        None => tracing::info!(
            admin = me.id,
            name = ?name,
            "sign-in lock on an unknown name lifted by an admin"
        ),
    }
    session::flash(&session, "success", format!("{name} can sign in again.")).await?;
    Ok(Redirect::to("/admin").into_response())
}

#[derive(Deserialize)]
pub struct RoleForm {
    role: String,
}

/// `POST /admin/users/{id}/role`
pub async fn set_role(
    RequireAdmin(me): RequireAdmin,
    session: Session,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StrictForm(form): StrictForm<RoleForm>,
) -> Result<Response> {
    let role: Role = form.role.parse().map_err(AppError::Unprocessable)?;
    let mut tx = db::begin_write(&state.writer).await?;
    let target = db::users::by_id(&mut *tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if target.role == Role::Admin
        && role != Role::Admin
        && db::users::active_admins(&mut *tx).await? <= 1
    {
        return Err(AppError::Conflict(
            "This is the only active admin. Make someone else an admin first.".into(),
        ));
    }
    db::users::set_role(&mut *tx, id, role).await?;
    tx.commit().await?;
    tracing::info!(admin = me.id, user = id, role = %role, "role changed");
    let msg = format!(
        "{} is now {}. Their sessions were ended; they sign in again with the new role.",
        target.email,
        role.label().to_lowercase()
    );
    session::flash(&session, "success", msg).await?;
    Ok(Redirect::to("/admin").into_response())
}

#[derive(Deserialize)]
pub struct AuthorForm {
    allowed: String,
}

/// `POST /admin/users/{id}/author`: gives an interviewer the authoring permission (writing
/// gauntlets in the browser) or takes it back. Admins always have it; candidates cannot.
pub async fn set_author(
    RequireAdmin(me): RequireAdmin,
    session: Session,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StrictForm(form): StrictForm<AuthorForm>,
) -> Result<Response> {
    let allowed = match form.allowed.as_str() {
        "1" | "true" => true,
        "0" | "false" => false,
        _ => return Err(AppError::Unprocessable("Choose allow or withdraw.".into())),
    };
    let mut tx = db::begin_write(&state.writer).await?;
    let target = db::users::by_id(&mut *tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if target.role != Role::Interviewer {
        return Err(AppError::Unprocessable(
            "Only interviewers take the authoring permission: admins always have it, candidates never do."
                .into(),
        ));
    }
    db::users::set_can_author(&mut *tx, id, allowed).await?;
    tx.commit().await?;
    tracing::info!(
        admin = me.id,
        user = id,
        allowed,
        "authoring permission changed"
    );
    let msg = if allowed {
        format!("{} can now write gauntlets in the browser.", target.email)
    } else {
        format!("{} can no longer write gauntlets.", target.email)
    };
    session::flash(&session, "success", msg).await?;
    Ok(Redirect::to("/admin").into_response())
}

#[derive(Deserialize)]
pub struct StatusForm {
    disabled: String,
}

/// `POST /admin/users/{id}/status`: disable (ends their sessions) or enable.
pub async fn set_status(
    RequireAdmin(me): RequireAdmin,
    session: Session,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StrictForm(form): StrictForm<StatusForm>,
) -> Result<Response> {
    let disabled = match form.disabled.as_str() {
        "1" | "true" => true,
        "0" | "false" => false,
        _ => return Err(AppError::Unprocessable("Choose disable or enable.".into())),
    };
    if disabled && id == me.id {
        return Err(AppError::Conflict(
            "You cannot disable your own account.".into(),
        ));
    }
    let mut tx = db::begin_write(&state.writer).await?;
    let target = db::users::by_id(&mut *tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if disabled
        && target.role == Role::Admin
        && !target.disabled
        && db::users::active_admins(&mut *tx).await? <= 1
    {
        return Err(AppError::Conflict("This is the only active admin.".into()));
    }
    db::users::set_disabled(&mut *tx, id, disabled).await?;
    tx.commit().await?;
    tracing::info!(admin = me.id, user = id, disabled, "account status changed");
    let msg = if disabled {
        format!("{} is disabled and signed out everywhere.", target.email)
    } else {
        format!("{} can sign in again.", target.email)
    };
    session::flash(&session, "success", msg).await?;
    Ok(Redirect::to("/admin").into_response())
}

/// `POST /admin/users/{id}/sign-out`: ends every session of another account (a lost laptop,
/// a shared computer); the person can sign in again.
pub async fn sign_out_everywhere(
    RequireAdmin(me): RequireAdmin,
    session: Session,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response> {
    if id == me.id {
        return Err(AppError::Conflict(
            "To end your own sessions, change your password or sign out.".into(),
        ));
    }
    let mut tx = db::begin_write(&state.writer).await?;
    let target = db::users::by_id(&mut *tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    db::users::end_sessions(&mut *tx, id).await?;
    tx.commit().await?;
    tracing::info!(admin = me.id, user = id, "sessions ended by an admin");
    session::flash(
        &session,
        "success",
        format!("{} is signed out everywhere.", target.email),
    )
    .await?;
    Ok(Redirect::to("/admin").into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/admin/delete_user.html")]
struct DeleteUserPage {
    chrome: Chrome,
    target: User,
    removal: db::users::Removal,
}

/// Why the web page refuses to delete an account, before anything is written.
fn delete_refusal(me: &User, id: i64) -> Option<AppError> {
    (id == me.id).then(|| {
        AppError::Conflict(
            "You cannot delete your own account here; ask another admin, or use `gauntlet user delete`."
                .into(),
        )
    })
}

/// `GET /admin/users/{id}/delete`: the confirmation step (a page, so it works without
/// JavaScript), listing what goes and what stays.
pub async fn delete_user_page(
    RequireAdmin(me): RequireAdmin,
    chrome: Chrome,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<impl IntoResponse> {
    if let Some(refusal) = delete_refusal(&me, id) {
        return Err(refusal);
    }
    let mut conn = state.db.get().await?;
    let target = db::users::by_id(&mut *conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let removal = db::users::preview(&mut conn, id).await?;
    Ok(DeleteUserPage {
        chrome,
        target,
        removal,
    })
}

#[derive(Deserialize)]
pub struct DeleteForm {
    /// "delete", sent only by the confirmation page's form.
    confirm: Option<String>,
}

/// `POST /admin/users/{id}/delete`: removes the account and its data (see `db::users::remove`);
/// their sessions stop working at once (the account is gone, and an id SQLite hands out again
/// starts with a newer epoch). The last active admin cannot be deleted.
pub async fn delete_user(
    RequireAdmin(me): RequireAdmin,
    session: Session,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StrictForm(form): StrictForm<DeleteForm>,
) -> Result<Response> {
    if let Some(refusal) = delete_refusal(&me, id) {
        return Err(refusal);
    }
    let mut tx = db::begin_write(&state.writer).await?;
    if db::users::by_id(&mut *tx, id).await?.is_none() {
        return Err(AppError::NotFound);
    }
    if form.confirm.as_deref() != Some("delete") {
        return Err(AppError::Unprocessable(
            "Confirm the deletion on its confirmation page.".into(),
        ));
    }
    let actor = format!("admin {}", me.email);
    let (target, removal) = match db::users::remove(&mut tx, id, Some(me.id), &actor).await {
        Ok(done) => done,
        Err(db::users::RemoveError::NotFound) => return Err(AppError::NotFound),
        Err(db::users::RemoveError::LastAdmin) => {
            return Err(AppError::Conflict(
                "This is the only active admin. Make someone else an admin first.".into(),
            ));
        }
        Err(db::users::RemoveError::Db(e)) => return Err(e.into()),
    };
    tx.commit().await?;
    tracing::info!(
        admin = me.id,
        user = id,
        role = %target.role,
        attempts = removal.attempts,
        reviews_kept = removal.reviews_kept,
        "account deleted"
    );
    session::flash(
        &session,
        "success",
        format!(
            "{} was deleted with {} attempt(s); {} review(s) they wrote stay as \"former interviewer\".",
            target.email, removal.attempts, removal.reviews_kept
        ),
    )
    .await?;
    Ok(Redirect::to("/admin").into_response())
}

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

/// A single address `local@domain`, one line, at most 254 characters (the mail library checks
/// it again before sending).
pub fn plausible_email(s: &str) -> bool {
    s.chars().count() <= super::account::MAX_EMAIL_CHARS
        && !s.chars().any(|c| c.is_control() || c.is_whitespace())
        && s.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.contains('@')
        })
        && s.parse::<lettre::Address>().is_ok()
}

/// The longest invite note accepted, in characters (Unicode scalar values).
pub const MAX_INVITE_NOTE_CHARS: usize = 200;

/// `POST /admin/invites`: the link is shown once, on the next page; only its hash is stored.
pub async fn create_invite(
    RequireAdmin(me): RequireAdmin,
    chrome: Chrome,
    session: Session,
    State(state): State<AppState>,
    StrictForm(form): StrictForm<InviteForm>,
) -> Result<Response> {
    let role: Option<Role> = form.role.parse().ok();
    let days: Option<i64> = form
        .days
        .trim()
        .parse()
        .ok()
        .filter(|d| (1..=30).contains(d));
    let note = form.note.trim();
    let email = db::users::normalise_email(&form.email);
    let problem = match (role, days) {
        _ if !email.is_empty() && state.config.mail.smtp_url.is_none() => Some(
            "Mail is not set up on this site (--smtp-url); leave the address empty and copy the link.",
        ),
        _ if !email.is_empty() && !plausible_email(&email) => {
            Some("That does not look like an email address.")
        }
        (None, _) => Some("Choose a role for the invite."),
        (_, None) => Some("Choose how many days the link stays valid (1 to 30)."),
        _ if note.chars().count() > MAX_INVITE_NOTE_CHARS => {
            Some("Keep the note under 200 characters.")
        }
        // one line: every control character (C0, DEL, C1) is refused, tab and newline too
        _ if note.chars().any(char::is_control) => {
            Some("The note cannot contain control characters.")
        }
        _ => None,
    };
    let (Some(role), Some(days), None) = (role, days, problem) else {
        let mut resp = InvitesPage {
            chrome,
            invites: db::tokens::list_invites(&mut *state.db.get().await?).await?,
            new_link: None,
            error: problem.map(str::to_string),
            note: form.note,
            email: form.email,
            mail: state.config.mail.smtp_url.is_some(),
        }
        .into_response();
        *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(resp);
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

#[derive(Template, WebTemplate)]
#[template(path = "pages/admin/settings.html")]
struct SettingsPage {
    chrome: Chrome,
    open_registration: bool,
    blind_review: bool,
    assignment: &'static str,
    assignment_hours: i64,
    assignment_categories: bool,
    /// The identity provider's name, when single sign-on is set up.
    sso_name: Option<String>,
    oidc_join: bool,
}

/// `GET /admin/settings`
pub async fn settings_page(
    RequireAdmin(_): RequireAdmin,
    chrome: Chrome,
    State(state): State<AppState>,
) -> Result<impl IntoResponse> {
    let mut conn = state.db.get().await?;
    let s = db::settings::load(&mut *conn).await?;
    let oidc_join = db::identities::may_join(&mut *conn).await?;
    Ok(SettingsPage {
        chrome,
        open_registration: s.registration == RegistrationMode::Open,
        blind_review: s.blind_review,
        assignment: s.assignment.as_str(),
        assignment_hours: s.assignment_hours,
        assignment_categories: s.assignment_categories,
        sso_name: state.oidc.as_ref().map(|p| p.name().to_string()),
        oidc_join,
    })
}

#[derive(Deserialize)]
pub struct SettingsForm {
    registration: String,
    blind_review: Option<String>,
    /// Absent on forms from before assignment existed: manual.
    #[serde(default)]
    assignment: Option<String>,
    #[serde(default)]
    assignment_hours: Option<String>,
    #[serde(default)]
    assignment_categories: Option<String>,
    #[serde(default)]
    oidc_join: Option<String>,
}

/// `POST /admin/settings`
pub async fn save_settings(
    RequireAdmin(me): RequireAdmin,
    session: Session,
    State(state): State<AppState>,
    StrictForm(form): StrictForm<SettingsForm>,
) -> Result<Response> {
    let registration = RegistrationMode::parse(&form.registration).ok_or_else(|| {
        AppError::Unprocessable("Choose invite-only or open registration.".into())
    })?;
    let assignment = AssignmentMode::parse(form.assignment.as_deref().unwrap_or("manual"))
        .ok_or_else(|| {
            AppError::Unprocessable(
                "Choose manual claiming, round-robin or least-loaded assignment.".into(),
            )
        })?;
    let assignment_hours = match form.assignment_hours.as_deref().map(str::trim) {
        None | Some("") => 24,
        Some(h) => h
            .parse::<i64>()
            .ok()
            .filter(|h| (1..=MAX_ASSIGNMENT_HOURS).contains(h))
            .ok_or_else(|| {
                AppError::Unprocessable(format!(
                    "Give the hours before an assignment moves on as a whole number from 1 to {MAX_ASSIGNMENT_HOURS}."
                ))
            })?,
    };
    let settings = db::settings::Settings {
        registration,
        blind_review: form.blind_review.as_deref() == Some("on"),
        assignment,
        assignment_hours,
        assignment_categories: form.assignment_categories.as_deref() == Some("on"),
    };
    let mut tx = db::begin_write(&state.writer).await?;
    db::settings::save(&mut tx, &settings).await?;
    if state.oidc.is_some() {
        db::identities::set_may_join(&mut *tx, form.oidc_join.as_deref() == Some("on")).await?;
    }
    tx.commit().await?;
    tracing::info!(admin = me.id, "settings changed");
    session::flash(&session, "success", "Settings saved.").await?;
    Ok(Redirect::to("/admin/settings").into_response())
}

/// One loaded gauntlet as the content page lists it.
pub struct ContentRow {
    pub slug: String,
    pub title: String,
    pub rounds: usize,
    pub origin: String,
    pub version: String,
}

/// One broken file and its `file:line: message` errors.
pub struct ProblemRow {
    pub file: String,
    pub lines: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/admin/content.html")]
struct ContentPage {
    chrome: Chrome,
    rows: Vec<ContentRow>,
    problems: Vec<ProblemRow>,
    dir: Option<String>,
}

/// `GET /admin/content`
pub async fn content_page(
    RequireAdmin(_): RequireAdmin,
    chrome: Chrome,
    State(state): State<AppState>,
) -> Result<impl IntoResponse> {
    let lib = state.content.current();
    let rows = lib
        .iter()
        .map(|e| ContentRow {
            slug: e.gauntlet.slug.clone(),
            title: e.gauntlet.title.clone(),
            rounds: e.gauntlet.rounds.len(),
            origin: e.origin.to_string(),
            version: e.gauntlet.version.chars().take(12).collect(),
        })
        .collect();
    let problems = lib
        .problems()
        .iter()
        .map(|p| ProblemRow {
            file: p.file.clone(),
            lines: p
                .errors
                .iter()
                .map(|e: &ContentError| e.display_in(&p.file))
                .collect(),
        })
        .collect();
    Ok(ContentPage {
        chrome,
        rows,
        problems,
        dir: state.content.dir().map(|d| d.display().to_string()),
    })
}

/// `POST /admin/content/reload`
pub async fn reload_content(
    RequireAdmin(me): RequireAdmin,
    session: Session,
    State(state): State<AppState>,
) -> Result<Response> {
    let s = state.content.reload(&state.writer).await?;
    tracing::info!(
        admin = me.id,
        gauntlets = s.gauntlets,
        broken = s.broken_files,
        "content reloaded"
    );
    let msg = match s.broken_files {
        0 => format!("Reloaded: {} gauntlets, no problems.", s.gauntlets),
        n => format!(
            "Reloaded: {} gauntlets; {n} file(s) have errors, listed below.",
            s.gauntlets
        ),
    };
    let kind = if s.broken_files == 0 {
        "success"
    } else {
        "error"
    };
    session::flash(&session, kind, msg).await?;
    Ok(Redirect::to("/admin/content").into_response())
}

/// One audit entry as the admin page shows it.
pub struct AuditRow {
    pub at: String,
    pub actor: String,
    pub attempt_id: i64,
    pub review_id: i64,
    /// What changed, one line each ("Round 5 level 2 → 3").
    pub changes: Vec<String>,
    pub before: String,
    pub after: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/admin/audit.html")]
struct AuditPage {
    chrome: Chrome,
    rows: Vec<AuditRow>,
    removals: Vec<RemovalRow>,
}

/// One account removal as the audit page shows it.
pub struct RemovalRow {
    pub at: String,
    pub actor: String,
    pub subject_id: i64,
    pub role: String,
    pub detail: String,
}

/// `GET /admin/audit`: every change made to a review after it was submitted.
pub async fn audit_page(
    RequireAdmin(_): RequireAdmin,
    chrome: Chrome,
    State(state): State<AppState>,
) -> Result<impl IntoResponse> {
    let mut conn = state.db.get().await?;
    let removals = db::users::removals(&mut *conn)
        .await?
        .into_iter()
        .map(|e| RemovalRow {
            at: clock::format_datetime(e.at),
            actor: e.actor,
            subject_id: e.subject_id,
            role: e.role,
            detail: e.detail,
        })
        .collect();
    let rows = db::reviews::audit_log(&mut *conn)
        .await?
        .into_iter()
        .map(|e| AuditRow {
            at: clock::format_datetime(e.at),
            actor: e.actor,
            attempt_id: e.attempt_id,
            review_id: e.review_id,
            changes: crate::grading::changes::audit_changes(&e.before, &e.after),
            before: e.before,
            after: e.after,
        })
        .collect();
    Ok(AuditPage {
        chrome,
        rows,
        removals,
    })
}

#[derive(Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    format: String,
}

/// `GET /admin/export?format=csv|json`: the grading export as a download.
pub async fn export(
    RequireAdmin(me): RequireAdmin,
    State(state): State<AppState>,
    axum::extract::Query(q): axum::extract::Query<ExportQuery>,
) -> Result<Response> {
    let rows = db::reviews::export_rows(&mut *state.db.get().await?).await?;
    let (body, ct, name) = match q.format.as_str() {
        "" | "csv" => (
            crate::export::to_csv(&rows),
            "text/csv; charset=utf-8",
            "gauntlet-grades.csv",
        ),
        "json" => (
            crate::export::to_json(&rows).map_err(|e| AppError::Internal(e.to_string()))?,
            "application/json",
            "gauntlet-grades.json",
        ),
        _ => {
            return Err(AppError::BadRequest(
                "Choose format=csv or format=json.".into(),
            ));
        }
    };
    tracing::info!(
        admin = me.id,
        rows = rows.len(),
        "grading export downloaded"
    );
    let disposition = format!("attachment; filename=\"{name}\"");
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static(ct),
    );
    if let Ok(v) = axum::http::HeaderValue::from_str(&disposition) {
        h.insert(axum::http::header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/admin/mail.html")]
struct MailPage {
    chrome: Chrome,
    counts: Counts,
    messages: Vec<Message>,
    smtp: bool,
    webhook: bool,
}

impl MailPage {
    fn when(&self, ts: &i64) -> String {
        clock::format_datetime(*ts)
    }
}

/// Messages listed on the mail page.
const MAIL_SHOWN: i64 = 200;

/// `GET /admin/mail`: queued, sent and failed notifications.
pub async fn mail_page(
    RequireAdmin(_): RequireAdmin,
    chrome: Chrome,
    State(state): State<AppState>,
) -> Result<impl IntoResponse> {
    let mut conn = state.db.get().await?;
    Ok(MailPage {
        chrome,
        counts: db::outbox::counts(&mut *conn).await?,
        messages: db::outbox::recent(&mut *conn, MAIL_SHOWN).await?,
        smtp: state.config.mail.smtp_url.is_some(),
        webhook: state.config.mail.webhook_url.is_some(),
    })
}

/// `POST /admin/mail/{id}/retry`: puts a failed message back in the queue (404 for an
/// unknown id; a message that has not failed is left alone).
pub async fn retry_mail(
    RequireAdmin(me): RequireAdmin,
    session: Session,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let mut tx = db::begin_write(&state.writer).await?;
    if !db::outbox::exists(&mut *tx, id).await? {
        return Err(AppError::NotFound);
    }
    let again = db::outbox::retry(&mut *tx, id).await?;
    tx.commit().await?;
    state.outbox_wake.notify_one();
    let msg = if again {
        tracing::info!(
            admin = me.id,
            message = id,
            "failed notification queued again"
        );
        ("success", "Queued again; the sender tries it now.")
    } else {
        (
            "info",
            "That message has not failed (or does not exist); nothing changed.",
        )
    };
    session::flash(&session, msg.0, msg.1).await?;
    Ok(Redirect::to("/admin/mail").into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/admin/waiting.html")]
struct WaitingPage {
    chrome: Chrome,
    rows: Vec<Waiting>,
}

impl WaitingPage {
    fn waited(&self, w: &Waiting) -> String {
        let secs = (clock::now() - w.requested_at).max(0);
        match secs {
            s if s < 3600 => format!("{} min", s / 60),
            s if s < 2 * 86_400 => format!("{} h", s / 3600),
            s => format!("{} days", s / 86_400),
        }
    }
}

/// `GET /admin/waiting`: review requests without a final review, the longest-waiting first.
pub async fn waiting_page(
    RequireAdmin(_): RequireAdmin,
    chrome: Chrome,
    State(state): State<AppState>,
) -> Result<impl IntoResponse> {
    Ok(WaitingPage {
        chrome,
        rows: db::reviews::waiting_longest(&mut *state.db.get().await?).await?,
    })
}
