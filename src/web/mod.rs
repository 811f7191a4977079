//! The HTTP layer: one module per area, the route registry, and the middleware stack.

pub mod account;
pub mod admin;
pub mod assets;
pub mod author;
pub mod calibration;
pub mod catalog;
pub mod csrf;
pub mod debrief;
pub mod drills;
pub mod error;
pub mod extract;
pub mod form;
pub mod headers;
pub mod highlight;
pub mod history;
pub mod home;
pub mod layout;
pub mod limits;
pub mod live;
pub mod ops;

pub mod personal_export;
pub mod practice;
pub mod retry;
pub mod review;
pub mod round_view;
pub mod routes;
pub mod sso;
pub mod visitor;

use std::time::Instant;

use axum::{
    Router,
    body::HttpBody as _,
    error_handling::HandleErrorLayer,
    extract::{DefaultBodyLimit, MatchedPath, Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
};
use tower::ServiceBuilder;
use tower_http::{
    catch_panic::CatchPanicLayer,
    request_id::{MakeRequestId, PropagateRequestIdLayer, RequestId, SetRequestIdLayer},
    timeout::TimeoutLayer,
    trace::TraceLayer,
};
use tower_sessions::{Expiry, SessionManagerLayer, cookie::SameSite};

use crate::{
    auth::{session_store::CachedStore, tokens::short_id},
    config::Config,
    state::AppState,
};

/// Body limit for ordinary forms.
pub const SMALL_BODY: usize = 64 * 1024;
/// Hard cap for any request body (answer routes allow this much).
pub const LARGE_BODY: usize = csrf::MAX_FORM_BODY;
/// Requests handled at once before new ones are shed with 503.
const MAX_IN_FLIGHT: usize = 256;

/// The whole application: routes, sessions, CSRF, limits, headers, tracing.
pub fn app(state: AppState, sessions: CachedStore) -> Router {
    let cfg = &state.config;
    let request_id = axum::http::HeaderName::from_static("x-request-id");
    // `Router::layer` wraps each route on its own: what follows holds per request
    let router = routes::table()
        .into_router(state.clone())
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            error::with_user_chrome,
        ))
        .layer(middleware::from_fn_with_state(state.clone(), csrf::guard))
        .layer(session_layer(sessions, cfg))
        .layer(middleware::from_fn(session_save_failed))
        // outside the session layer, so it sees the session cookie a sign-in sets
        .layer(middleware::from_fn_with_state(state.clone(), csrf::visitor))
        .layer(middleware::from_fn_with_state(state.clone(), track))
        .layer(DefaultBodyLimit::max(SMALL_BODY))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            cfg.request_timeout,
        ))
        .layer(
            ServiceBuilder::new()
                .layer(CatchPanicLayer::custom(panic_response))
                .layer(SetRequestIdLayer::new(request_id.clone(), RandomId))
                .layer(TraceLayer::new_for_http().make_span_with(request_span))
                .layer(PropagateRequestIdLayer::new(request_id)),
        )
        .with_state(state.clone());
    // and these hold for the whole service at once: one in-flight limit, the body rules, and
    // the security headers on every reply, the limits' own included
    let service = ServiceBuilder::new()
        .layer(middleware::from_fn_with_state(
            state.clone(),
            headers::security_headers,
        ))
        .layer(middleware::from_fn(limits::plain_request_id))
        .layer(HandleErrorLayer::new(|_: tower::BoxError| async {
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [("retry-after", "2")],
                "The server is busy; try again in a moment.",
            )
        }))
        .load_shed()
        .concurrency_limit(MAX_IN_FLIGHT)
        .layer(middleware::from_fn_with_state(
            state,
            limits::read_body_in_time,
        ))
        .service(router);
    Router::new().fallback_service(service)
}

/// The session cookie: HttpOnly, SameSite=Lax, Secure under https, for the browser session.
fn session_layer(sessions: CachedStore, cfg: &Config) -> SessionManagerLayer<CachedStore> {
    SessionManagerLayer::new(sessions)
        .with_name(cfg.cookie_name())
        .with_secure(cfg.is_https())
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        // a browser-session cookie; idle and absolute lifetimes are enforced on the server
        // (`extract::load_user`), and the row is written only when something changes
        .with_expiry(Expiry::OnSessionEnd)
}

/// The log span of one request: its id, method and route.
fn request_span(req: &Request) -> tracing::Span {
    let id = req
        .extensions()
        .get::<RequestId>()
        .and_then(|id| id.header_value().to_str().ok())
        .unwrap_or("-");
    // the route template, never the raw path: setup and invite links carry their secret in
    // the path
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str);
    tracing::info_span!("request", id, method = %req.method(), route)
}

async fn not_found() -> Response {
    error::AppError::NotFound.into_response()
}

/// The session layer answers a bare, empty 500 when it cannot save a session: the database is
/// locked by another program (or full), since the store does nothing else that can fail. That
/// becomes a 503 with Retry-After and a page (or JSON) saying so, like any other such failure.
async fn session_save_failed(req: Request, next: Next) -> Response {
    let json = extract::wants_json(req.headers());
    let resp = next.run(req).await;
    let bare = resp.status() == StatusCode::INTERNAL_SERVER_ERROR
        && !resp.headers().contains_key(header::CONTENT_TYPE)
        && resp.body().size_hint().exact() == Some(0);
    if !bare {
        return resp;
    }
    let err = error::AppError::Unavailable(
        "Your session could not be saved just now: the database is busy (locked by another program) or full. Nothing was changed; try again in a few seconds.".into(),
    );
    if json {
        error::json_error(err)
    } else {
        err.into_response()
    }
}

/// Records request counts and latencies by route template (never by raw path).
async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let resp = next.run(req).await;
    state
        .metrics
        .observe(&method, &route, resp.status().as_u16(), started.elapsed());
    resp
}

/// A panic in a handler becomes a 500 page with a correlation id; the process keeps serving.
fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let id = short_id();
    tracing::error!(correlation = %id, "handler panicked");
    let mut resp = error::ErrorPage::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "An unexpected error stopped this request. Try again; if it keeps happening, give an admin the reference below.".into(),
        Some(id),
    )
    .into_response();
    *resp.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    resp
}

#[derive(Clone, Copy)]
struct RandomId;

impl MakeRequestId for RandomId {
    fn make_request_id<B>(&mut self, _: &axum::http::Request<B>) -> Option<RequestId> {
        HeaderValue::from_str(&short_id()).ok().map(RequestId::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_becomes_a_500_page_with_a_correlation_id() {
        let resp = panic_response(Box::new("boom"));
        assert_eq!(resp.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(resp.into_body(), 1 << 20)
            .await
            .unwrap();
        let html = String::from_utf8(body.to_vec()).unwrap();
        assert!(html.contains("Something went wrong") && html.contains("Reference: <code>"));
        assert!(!html.contains("boom"), "no panic details in the page");
    }
}
