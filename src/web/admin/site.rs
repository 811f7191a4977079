//! Admin: site settings (registration, blind review, reviewer assignment) and the content status
//! page with its reload.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::State,
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
    auth::session,
    content::ContentError,
    db::{
        self,
        settings::{AssignmentMode, MAX_ASSIGNMENT_HOURS, RegistrationMode},
    },
    state::AppState,
};

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
