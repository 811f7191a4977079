//! What every page's layout needs (the "chrome": navigation by role, account menu, flash
//! message, CSRF token, asset URLs), gathered by one extractor, and the error page.

use askama::Template;
use askama_web::WebTemplate;
use axum::{extract::FromRequestParts, http::StatusCode, http::request::Parts};
use tower_sessions::Session;

use super::{assets, error::AppError, extract::CurrentUser};
use crate::{
    auth::{
        Role,
        session::{self, Flash},
    },
    db::users::User,
    state::AppState,
};

/// The signed-in user as the layout shows them.
#[derive(Debug, Clone)]
pub struct UserView {
    pub id: i64,
    pub name: String,
    pub email: String,
    pub role: Role,
}

impl UserView {
    pub fn is_interviewer(&self) -> bool {
        self.role >= Role::Interviewer
    }

    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }

    /// The first letter of the name, for the avatar.
    pub fn initial(&self) -> String {
        self.name
            .chars()
            .next()
            .map(|c| c.to_uppercase().collect())
            .unwrap_or_default()
    }
}

impl From<&User> for UserView {
    fn from(u: &User) -> Self {
        Self {
            id: u.id,
            name: u.display_name.clone(),
            email: u.email.clone(),
            role: u.role,
        }
    }
}

/// Layout data for one page.
#[derive(Debug, Clone)]
pub struct Chrome {
    pub user: Option<UserView>,
    /// The session's CSRF token ("" when the visitor has no session; forms then create one).
    pub csrf: String,
    pub flash: Option<Flash>,
    /// Which navigation entry is current: "home", "catalog", "admin", "account".
    pub section: &'static str,
    pub css: String,
    pub js: String,
    pub favicon: String,
}

impl Chrome {
    /// Chrome for pages rendered without a request (error pages).
    pub fn bare() -> Self {
        Self {
            user: None,
            csrf: String::new(),
            flash: None,
            section: "",
            css: assets::url("app.css"),
            js: assets::url("app.js"),
            favicon: assets::url("favicon.svg"),
        }
    }

    /// Makes sure the page has a CSRF token (for forms shown before sign-in).
    pub async fn with_csrf(mut self, session: &Session) -> Result<Self, AppError> {
        if self.csrf.is_empty() {
            self.csrf = session::ensure_csrf_token(session).await?;
        }
        Ok(self)
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
            <CurrentUser as axum::extract::OptionalFromRequestParts<AppState>>::from_request_parts(
                parts, state,
            )
            .await?;
        let session = Session::from_request_parts(parts, state)
            .await
            .map_err(|(_, m)| AppError::Internal(m.to_string()))?;
        let csrf = session::csrf_token(&session).await?.unwrap_or_default();
        let flash = session::take_flash(&session).await?;
        Ok(Self {
            user: user.as_ref().map(|u| UserView::from(&u.0)),
            csrf,
            flash,
            section: section_of(parts.uri.path()),
            ..Self::bare()
        })
    }
}

/// A friendly error page; 5xx pages show a correlation id that matches the log line.
#[derive(Template, WebTemplate)]
#[template(path = "pages/error.html")]
pub struct ErrorPage {
    pub chrome: Chrome,
    pub status: u16,
    pub title: &'static str,
    pub message: String,
    pub correlation: Option<String>,
}

impl ErrorPage {
    pub fn new(
        status: StatusCode,
        title: &'static str,
        message: String,
        correlation: Option<String>,
    ) -> Self {
        Self {
            chrome: Chrome::bare(),
            status: status.as_u16(),
            title,
            message,
            correlation,
        }
    }
}
