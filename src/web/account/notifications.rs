//! One's notification settings, and the session's CSRF token for pages whose token went stale.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::State,
    response::{IntoResponse, Redirect, Response},
};
use tower_sessions::Session;

use crate::{
    auth::{Role, session},
    db,
    state::AppState,
    web::{
        error::{AppError, Result},
        form::StrictForm,
        layout::Chrome,
    },
};

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
    crate::web::extract::CurrentUser(user): crate::web::extract::CurrentUser,
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
    crate::web::extract::CurrentUser(user): crate::web::extract::CurrentUser,
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
    _: crate::web::extract::CurrentUser,
    session: Session,
) -> Result<axum::Json<serde_json::Value>> {
    let token = session::ensure_csrf_token(&session).await?;
    Ok(axum::Json(serde_json::json!({ "csrf": token })))
}
