//! Admin: the user list, roles, author rights, disabling, signing out everywhere, sign-in locks
//! and deleting an account.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::{Path, State},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use tower_sessions::Session;

use crate::web::{
    error::{AppError, Result},
    extract::RequireAdmin,
    form::StrictForm,
    layout::Chrome,
};
use crate::{
    auth::session_store::stored_user,
    auth::{
        Role, session,
        throttle::{LockedName, RetryAfter},
    },
    clock,
    db::{self, users::User},
    state::AppState,
};

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
    let removal = db::users::preview(&mut conn, id, stored_user).await?;
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
    let (target, removal) =
        match db::users::remove(&mut tx, id, Some(me.id), &actor, stored_user).await {
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
