//! The one error type handlers return, and how each kind is shown: a friendly page for
//! browsers, JSON for fetch clients, a correlation id for anything unexpected.

use axum::{
    Json,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use serde_json::json;

use askama::Template;
use askama_web::WebTemplate;

use super::layout::Chrome;
use crate::{auth::tokens::short_id, db::Failure};

pub type Result<T, E = AppError> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not signed in: browsers go to the sign-in page, fetch clients get 401 JSON.
    #[error("sign-in required")]
    SignInRequired { next: String, json: bool },
    #[error("forbidden")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("bad request: {0}")]
    BadRequest(String),
    #[error("payload too large")]
    TooLarge,
    #[error("unsupported media type")]
    UnsupportedMediaType,
    #[error("unprocessable: {0}")]
    Unprocessable(String),
    #[error("conflict: {0}")]
    Conflict(String),
    /// Temporarily unable (hashing slots full, disk full): 503 with Retry-After.
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error("too many attempts")]
    TooManyRequests { retry_after: u64 },
    /// The account's storage limit (`--max-account-storage-mb`): 413 with what to do.
    #[error("storage limit: {0}")]
    StorageLimit(String),
    /// One at a time (an export of the same account is under way): 429 with Retry-After.
    #[error("busy: {0}")]
    Busy(String),
    #[error("csrf: {0}")]
    Csrf(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error("session store: {0}")]
    Session(#[from] tower_sessions::session::Error),
    #[error("internal: {0}")]
    Internal(String),
}

impl From<crate::auth::password::Busy> for AppError {
    fn from(b: crate::auth::password::Busy) -> Self {
        Self::Unavailable(b.to_string())
    }
}

impl AppError {
    /// The kind of a database failure (the session store's too), classified once in `db`.
    fn failure(&self) -> Option<Failure> {
        match self {
            Self::Db(e) => Some(crate::db::classify(e)),
            Self::Session(e) if e.to_string().contains("database is locked") => {
                Some(Failure::Locked)
            }
            _ => None,
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::SignInRequired { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::Csrf(_) => StatusCode::FORBIDDEN,
            Self::NotFound => StatusCode::NOT_FOUND,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Self::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Self::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::TooManyRequests { .. } | Self::Busy(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::StorageLimit(_) => StatusCode::PAYLOAD_TOO_LARGE,
            _ if matches!(self.failure(), Some(Failure::StorageFull | Failure::Locked)) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Self::Db(_) | Self::Session(_) | Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Title and explanation shown to the user; never internal details.
    fn user_text(&self) -> (&'static str, String) {
        match self {
            Self::SignInRequired { .. } => ("Sign in required", "Please sign in to continue.".into()),
            Self::Forbidden => (
                "Not allowed",
                "Your account does not have access to this page. If you think it should, ask an admin of this site.".into(),
            ),
            Self::NotFound => (
                "Page not found",
                "There is nothing at this address. It may have moved, or the link may be incomplete.".into(),
            ),
            Self::BadRequest(m) | Self::Unprocessable(m) | Self::Conflict(m) => {
                ("That didn't work", m.clone())
            }
            Self::TooLarge => ("Too large", "What you sent is larger than this page accepts.".into()),
            Self::UnsupportedMediaType => (
                "Unsupported request",
                "This address expects a form submission.".into(),
            ),
            Self::Unavailable(m) => ("Try again shortly", m.clone()),
            Self::TooManyRequests { retry_after } => (
                "Too many attempts",
                format!("Too many sign-in attempts. Wait {retry_after} seconds, then try again."),
            ),
            Self::Csrf(m) => ("Form expired", m.clone()),
            Self::StorageLimit(m) => ("Storage limit reached", m.clone()),
            Self::Busy(m) => ("Already under way", m.clone()),
            _ if self.failure() == Some(Failure::StorageFull) => (
                "Storage full",
                "The server's disk is full, so nothing was saved. Your text is still in the page; try again in a minute and tell an admin.".into(),
            ),
            _ if self.failure() == Some(Failure::Locked) => (
                "Database busy",
                "The database is locked by another program (a backup or maintenance task, for example), so nothing was saved. Your text is still in the page; try again in a few seconds.".into(),
            ),
            Self::Db(_) | Self::Session(_) | Self::Internal(_) => (
                "Something went wrong",
                "An unexpected error stopped this request. Nothing was changed. Try again; if it keeps happening, give an admin the reference below.".into(),
            ),
        }
    }

    /// Tells clients when to retry a 429 or 503.
    fn add_retry_after(&self, resp: &mut Response) {
        let retry = match self {
            Self::TooManyRequests { retry_after } => Some(*retry_after),
            Self::Unavailable(_) | Self::Busy(_) => Some(5),
            _ => match self.failure() {
                Some(Failure::StorageFull) => Some(30),
                Some(Failure::Locked) => Some(5),
                _ => None,
            },
        };
        if let Some(secs) = retry
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }

    fn json_code(&self) -> &'static str {
        match self {
            Self::SignInRequired { .. } => "signed_out",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::BadRequest(_) => "bad_request",
            Self::TooLarge => "too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::Unprocessable(_) => "invalid",
            Self::Conflict(_) => "conflict",
            Self::Unavailable(_) => "unavailable",
            Self::TooManyRequests { .. } => "too_many_requests",
            Self::Csrf(_) => "csrf",
            Self::StorageLimit(_) => "storage_limit",
            Self::Busy(_) => "busy",
            _ if self.failure() == Some(Failure::StorageFull) => "storage_full",
            _ if self.failure() == Some(Failure::Locked) => "database_busy",
            Self::Db(_) | Self::Session(_) | Self::Internal(_) => "internal",
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let Self::SignInRequired { next, json: false } = &self {
            return Redirect::to(&format!("/login?next={}", encode_query(next))).into_response();
        }
        let status = self.status();
        let correlation = status.is_server_error().then(short_id);
        if let Self::Db(e) = &self {
            crate::metrics::bump(if crate::db::is_storage_full(e) {
                crate::metrics::Counter::StorageFull
            } else {
                crate::metrics::Counter::DbError
            });
        }
        if let Some(id) = &correlation {
            match &self {
                Self::Unavailable(m) => tracing::warn!(correlation = %id, "unavailable: {m}"),
                other if other.failure() == Some(Failure::Locked) => {
                    tracing::warn!(correlation = %id, error = %other, "database locked")
                }
                other => tracing::error!(correlation = %id, error = %other, "request failed"),
            }
        }
        let (title, message) = self.user_text();
        let mut resp = if let Self::SignInRequired { json: true, .. } = &self {
            (status, Json(json!({"error": "signed_out", "message": "Your session has ended. Sign in again; your text is kept in this page."}))).into_response()
        } else {
            let shown = ShownError {
                title,
                message: message.clone(),
                correlation: correlation.clone(),
            };
            let mut page = ErrorPage::new(status, title, message, correlation).into_response();
            page.extensions_mut().insert(shown);
            page
        };
        *resp.status_mut() = status;
        self.add_retry_after(&mut resp);
        resp
    }
}

/// A JSON error body for fetch clients: `{"error": code, "message": text}` with the status.
pub fn json_error(err: AppError) -> Response {
    if matches!(err, AppError::SignInRequired { .. }) {
        return AppError::SignInRequired {
            next: String::new(),
            json: true,
        }
        .into_response();
    }
    let status = err.status();
    let (_, message) = err.user_text();
    let code = err.json_code();
    if let AppError::Db(e) = &err {
        crate::metrics::bump(if crate::db::is_storage_full(e) {
            crate::metrics::Counter::StorageFull
        } else {
            crate::metrics::Counter::DbError
        });
    }
    let mut body = json!({"error": code, "message": message});
    if status.is_server_error() {
        let id = short_id();
        if err.failure() == Some(Failure::Locked) {
            tracing::warn!(correlation = %id, error = %err, "database locked");
        } else {
            tracing::error!(correlation = %id, error = %err, "request failed");
        }
        body["reference"] = json!(id);
    }
    let mut resp = (status, Json(body)).into_response();
    err.add_retry_after(&mut resp);
    resp
}

/// Percent-encodes a path for use as a query value.
pub fn encode_query(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
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

/// What an error page said, kept on the response: the page is rendered where the request is
/// no longer at hand, so [`with_user_chrome`] renders it again with the visitor's own layout.
#[derive(Debug, Clone)]
pub struct ShownError {
    title: &'static str,
    message: String,
    correlation: Option<String>,
}

/// Error pages for a signed-in user show their navigation and account menu (not "Sign in").
/// The request's parts are kept aside and read again only when the answer is an error page.
pub async fn with_user_chrome(
    axum::extract::State(state): axum::extract::State<crate::state::AppState>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    use axum::extract::FromRequestParts;
    let (parts, body) = req.into_parts();
    let mut kept = axum::http::Request::builder()
        .method(parts.method.clone())
        .uri(parts.uri.clone())
        .body(())
        .map(|r| r.into_parts().0)
        .ok();
    if let Some(k) = kept.as_mut() {
        k.headers = parts.headers.clone();
        k.extensions = parts.extensions.clone();
    }
    let resp = next
        .run(axum::extract::Request::from_parts(parts, body))
        .await;
    let (Some(shown), Some(mut kept)) = (resp.extensions().get::<ShownError>().cloned(), kept)
    else {
        return resp;
    };
    let Ok(chrome) = Chrome::from_request_parts(&mut kept, &state).await else {
        return resp;
    };
    if chrome.user.is_none() {
        return resp;
    }
    let status = resp.status();
    let (mut parts, _) = resp.into_parts();
    let page = ErrorPage {
        chrome,
        status: status.as_u16(),
        title: shown.title,
        message: shown.message,
        correlation: shown.correlation,
    }
    .into_response();
    let (new_parts, new_body) = page.into_parts();
    if let Some(ct) = new_parts.headers.get(header::CONTENT_TYPE) {
        parts.headers.insert(header::CONTENT_TYPE, ct.clone());
    }
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, new_body)
}
