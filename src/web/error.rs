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
use crate::{
    auth::{password::HashError, tokens::short_id},
    db::{DbError, Failure},
};

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
    /// A database failure, classified once in `db` (storage full and locked are 503s).
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("session store: {0}")]
    Session(#[from] tower_sessions::session::Error),
    #[error("internal: {0}")]
    Internal(String),
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        Self::Db(DbError::from(e))
    }
}

impl From<HashError> for AppError {
    fn from(e: HashError) -> Self {
        match e {
            HashError::Busy => Self::Unavailable(e.to_string()),
            HashError::Failed(m) => Self::Internal(format!("password hashing: {m}")),
        }
    }
}

impl From<crate::content_store::ReloadError> for AppError {
    fn from(e: crate::content_store::ReloadError) -> Self {
        match e {
            crate::content_store::ReloadError::Db(e) => e.into(),
            other => Self::Internal(other.to_string()),
        }
    }
}

/// How one error is answered: every variant is described once, here, and both the HTML page
/// and the JSON body are built from it.
struct Described {
    status: StatusCode,
    /// The JSON `error` code.
    code: &'static str,
    /// The page's title.
    title: &'static str,
    /// What the user reads; never internal details.
    message: String,
    /// Seconds for a Retry-After header.
    retry_after: Option<u64>,
}

impl AppError {
    /// A gauntlet version a stored row names (an attempt, a drill card, a live session) that
    /// was never stored: rows only name stored versions, so this is a fault of ours.
    pub fn missing_version(slug: &str, version: &str) -> Self {
        Self::Internal(format!("gauntlet version {slug}@{version} is missing"))
    }

    /// The kind of a database failure (the session store's too).
    fn failure(&self) -> Option<Failure> {
        match self {
            Self::Db(e) => Some(e.failure()),
            Self::Session(e) if e.to_string().contains("database is locked") => {
                Some(Failure::Locked)
            }
            _ => None,
        }
    }

    fn describe(&self) -> Described {
        use StatusCode as S;
        let d = |status, code, title, message: String| Described {
            status,
            code,
            title,
            message,
            retry_after: None,
        };
        let retry = |mut d: Described, secs| {
            d.retry_after = Some(secs);
            d
        };
        match self {
            Self::SignInRequired { .. } => d(
                S::UNAUTHORIZED,
                "signed_out",
                "Sign in required",
                "Please sign in to continue.".into(),
            ),
            Self::Forbidden => d(
                S::FORBIDDEN,
                "forbidden",
                "Not allowed",
                "Your account does not have access to this page. If you think it should, ask an admin of this site.".into(),
            ),
            Self::Csrf(m) => d(S::FORBIDDEN, "csrf", "Form expired", m.clone()),
            Self::NotFound => d(
                S::NOT_FOUND,
                "not_found",
                "Page not found",
                "There is nothing at this address. It may have moved, or the link may be incomplete.".into(),
            ),
            Self::BadRequest(m) => d(S::BAD_REQUEST, "bad_request", "That didn't work", m.clone()),
            Self::Unprocessable(m) => {
                d(S::UNPROCESSABLE_ENTITY, "invalid", "That didn't work", m.clone())
            }
            Self::Conflict(m) => d(S::CONFLICT, "conflict", "That didn't work", m.clone()),
            Self::TooLarge => d(
                S::PAYLOAD_TOO_LARGE,
                "too_large",
                "Too large",
                "What you sent is larger than this page accepts.".into(),
            ),
            Self::UnsupportedMediaType => d(
                S::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Unsupported request",
                "This address expects a form submission.".into(),
            ),
            Self::StorageLimit(m) => d(
                S::PAYLOAD_TOO_LARGE,
                "storage_limit",
                "Storage limit reached",
                m.clone(),
            ),
            Self::Unavailable(m) => retry(
                d(S::SERVICE_UNAVAILABLE, "unavailable", "Try again shortly", m.clone()),
                5,
            ),
            Self::TooManyRequests { retry_after } => retry(
                d(
                    S::TOO_MANY_REQUESTS,
                    "too_many_requests",
                    "Too many attempts",
                    format!("Too many sign-in attempts. Wait {retry_after} seconds, then try again."),
                ),
                *retry_after,
            ),
            Self::Busy(m) => retry(
                d(S::TOO_MANY_REQUESTS, "busy", "Already under way", m.clone()),
                5,
            ),
            Self::Db(_) | Self::Session(_) | Self::Internal(_) => match self.failure() {
                Some(Failure::StorageFull) => retry(
                    d(
                        S::SERVICE_UNAVAILABLE,
                        "storage_full",
                        "Storage full",
                        "The server's disk is full, so nothing was saved. Your text is still in the page; try again in a minute and tell an admin.".into(),
                    ),
                    30,
                ),
                Some(Failure::Locked) => retry(
                    d(
                        S::SERVICE_UNAVAILABLE,
                        "database_busy",
                        "Database busy",
                        "The database is locked by another program (a backup or maintenance task, for example), so nothing was saved. Your text is still in the page; try again in a few seconds.".into(),
                    ),
                    5,
                ),
                _ => d(
                    S::INTERNAL_SERVER_ERROR,
                    "internal",
                    "Something went wrong",
                    "An unexpected error stopped this request. Nothing was changed. Try again; if it keeps happening, give an admin the reference below.".into(),
                ),
            },
        }
    }

    /// Counts database failures and logs every server-side error under a fresh correlation id,
    /// which the answer shows; `None` for client errors.
    fn record(&self, status: StatusCode) -> Option<String> {
        if let Self::Db(e) = self {
            crate::metrics::bump(if e.failure() == Failure::StorageFull {
                crate::metrics::Counter::StorageFull
            } else {
                crate::metrics::Counter::DbError
            });
        }
        if !status.is_server_error() {
            return None;
        }
        let id = short_id();
        match self {
            Self::Unavailable(m) => tracing::warn!(correlation = %id, "unavailable: {m}"),
            other if other.failure() == Some(Failure::Locked) => {
                tracing::warn!(correlation = %id, error = %other, "database locked")
            }
            other => tracing::error!(correlation = %id, error = %other, "request failed"),
        }
        Some(id)
    }

    /// The answer, as a page for browsers or as JSON (`{"error", "message", "reference"}`) for
    /// fetch clients. Signed-out browsers are sent to the sign-in page instead.
    fn respond(self, json: bool) -> Response {
        if let Self::SignInRequired { next, json: false } = &self
            && !json
        {
            return Redirect::to(&format!("/login?next={}", encode_query(next))).into_response();
        }
        let d = self.describe();
        let correlation = self.record(d.status);
        let mut resp = if json || matches!(self, Self::SignInRequired { json: true, .. }) {
            let message = match self {
                Self::SignInRequired { .. } => {
                    "Your session has ended. Sign in again; your text is kept in this page.".into()
                }
                _ => d.message,
            };
            let mut body = json!({"error": d.code, "message": message});
            if let Some(id) = &correlation {
                body["reference"] = json!(id);
            }
            (d.status, Json(body)).into_response()
        } else {
            let shown = ShownError {
                title: d.title,
                message: d.message.clone(),
                correlation: correlation.clone(),
            };
            let mut page =
                ErrorPage::new(d.status, d.title, d.message, correlation).into_response();
            page.extensions_mut().insert(shown);
            page
        };
        *resp.status_mut() = d.status;
        if let Some(secs) = d.retry_after
            && let Ok(v) = HeaderValue::from_str(&secs.to_string())
        {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
        resp
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        self.respond(false)
    }
}

/// A JSON error body for fetch clients: `{"error": code, "message": text}` with the status.
pub fn json_error(err: AppError) -> Response {
    err.respond(true)
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
