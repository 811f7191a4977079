//! The CSRF guard in front of every route: unsafe methods must come from our own origin and
//! carry the session's token, in an `X-CSRF-Token` header (fetch) or a `_csrf` form field.
//! Visitors who are not signed in have no session (a page view writes nothing): their forms
//! carry the value of a visitor cookie instead, which the guard compares with the cookie sent
//! back (a double-submit token, on top of the origin check).

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use axum::{
    body::{Body, to_bytes},
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use super::{
    error::{AppError, json_error},
    extract::wants_json,
};
use crate::{
    auth::{session, tokens::random_token},
    config::Config,
    metrics,
    state::AppState,
};

/// The largest body the guard will read to find a form's `_csrf` field (the answer routes'
/// limit; smaller routes still enforce their own limit when the handler reads the body).
pub const MAX_FORM_BODY: usize = 1024 * 1024;

const EXPIRED: &str = "This form has expired or was opened in another session. Go back, reload the page and submit it again.";
const FOREIGN: &str =
    "This request came from another site, so it was refused. Open the site directly and try again.";

/// Middleware: rejects unsafe requests without a matching origin and token.
pub async fn guard(
    State(state): State<AppState>,
    session: Session,
    req: Request,
    next: Next,
) -> Response {
    // only methods a route can accept are checked; anything else (TRACE, made-up methods)
    // goes on to the router, which answers 405
    if !matches!(
        *req.method(),
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    ) {
        return next.run(req).await;
    }
    let json = wants_json(req.headers());
    let path = req.uri().path().to_string();
    let reject = move |why: &str, detail: &str| {
        metrics::bump(metrics::Counter::CsrfRejected);
        tracing::warn!(path = %path, reason = why, "csrf rejection");
        let err = AppError::Csrf(detail.to_string());
        if json {
            json_error(err)
        } else {
            err.into_response()
        }
    };
    if let Some(why) = foreign_origin(req.headers(), state.config.public_origin()) {
        return reject(why, FOREIGN);
    }
    let expected = match session::csrf_token(&session).await {
        Ok(Some(t)) => t,
        // a visitor's form (sign-in, sign-up, invite, setup): the token is the visitor cookie
        Ok(None) if !json && visitor_cookie(req.headers(), &state.config).is_some() => {
            visitor_cookie(req.headers(), &state.config).unwrap_or_default()
        }
        // a fetch from a page whose session has ended: say so, so the page can ask to sign in
        Ok(None) if json => {
            return json_error(AppError::SignInRequired {
                next: String::new(),
                json: true,
            });
        }
        Ok(None) => return reject("no session token", EXPIRED),
        Err(e) => return AppError::from(e).into_response(),
    };
    let header_token = req
        .headers()
        .get("x-csrf-token")
        .map(|v| v.as_bytes().to_vec());
    if let Some(sent) = header_token {
        if tokens_match(&sent, &expected) {
            return next.run(req).await;
        }
        return reject("header token mismatch", EXPIRED);
    }
    if !is_urlencoded(req.headers()) {
        return reject("no token", EXPIRED);
    }
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, MAX_FORM_BODY).await {
        Ok(b) => b,
        Err(_) => return AppError::TooLarge.into_response(),
    };
    let sent = form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == "_csrf")
        .map(|(_, v)| v.into_owned());
    match sent {
        Some(t) if tokens_match(t.as_bytes(), &expected) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        _ => reject("form token mismatch", EXPIRED),
    }
}

/// The token forms show to a visitor without a session, and whether a page used it (only then
/// does the response set the cookie).
#[derive(Debug, Clone)]
pub struct VisitorToken {
    value: String,
    used: Arc<AtomicBool>,
}

impl VisitorToken {
    /// The token, for a form on this page.
    pub fn value(&self) -> String {
        self.used.store(true, Ordering::Relaxed);
        self.value.clone()
    }
}

/// Middleware: hands pages the visitor token (from the cookie, or for a GET a new one that the
/// response then sets if the page put it in a form). Nothing is stored on the server.
pub async fn visitor(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let existing = visitor_cookie(req.headers(), &state.config);
    // a form re-shown after a post keeps the cookie's token; only pages make new ones
    let fresh = existing.is_none();
    if fresh && !matches!(*req.method(), Method::GET | Method::HEAD) {
        return next.run(req).await;
    }
    let token = VisitorToken {
        value: existing.unwrap_or_else(random_token),
        used: Arc::new(AtomicBool::new(false)),
    };
    req.extensions_mut().insert(token.clone());
    let mut resp = next.run(req).await;
    let secure = if state.config.is_https() {
        "; Secure"
    } else {
        ""
    };
    let name = visitor_cookie_name(&state.config);
    let cookie = if fresh && token.used.load(Ordering::Relaxed) {
        Some(format!(
            "{name}={}; Path=/; HttpOnly; SameSite=Lax{secure}",
            token.value
        ))
    } else if !fresh && starts_a_session(&resp, state.config.cookie_name()) {
        // signed in: the session's own token takes over, the visitor cookie goes
        Some(format!(
            "{name}=; Path=/; HttpOnly; SameSite=Lax{secure}; Max-Age=0"
        ))
    } else {
        None
    };
    if let Some(v) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// Whether the response sets the session cookie (a sign-in).
fn starts_a_session(resp: &Response, session_cookie: &str) -> bool {
    resp.headers().get_all(header::SET_COOKIE).iter().any(|v| {
        v.as_bytes()
            .strip_prefix(session_cookie.as_bytes())
            .is_some_and(|rest| rest.first() == Some(&b'=') && rest.get(1) != Some(&b';'))
    })
}

fn visitor_cookie_name(config: &Config) -> &'static str {
    if config.is_https() {
        "__Host-gauntlet_visitor"
    } else {
        "gauntlet_visitor"
    }
}

/// The visitor cookie's value, if the request carries a well-formed one.
fn visitor_cookie(headers: &HeaderMap, config: &Config) -> Option<String> {
    let name = visitor_cookie_name(config);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
        .filter(|v| {
            (32..=64).contains(&v.len())
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
}

/// Why the request's origin is not ours, if it is not.
fn foreign_origin(headers: &HeaderMap, ours: &str) -> Option<&'static str> {
    let site = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    if site == Some("cross-site") {
        return Some("sec-fetch-site cross-site");
    }
    match headers.get(header::ORIGIN).map(|v| v.to_str()) {
        None => None,
        // `Origin: null` is never a pass on its own: it falls through to the token check
        Some(Ok("null")) => None,
        Some(Ok(origin)) if origin.eq_ignore_ascii_case(ours) => None,
        Some(_) => Some("foreign origin"),
    }
}

fn is_urlencoded(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"))
}

fn tokens_match(sent: &[u8], expected: &str) -> bool {
    sent.len() == expected.len() && bool::from(sent.ct_eq(expected.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn origin_rules() {
        let ours = "http://127.0.0.1:3000";
        let mut h = HeaderMap::new();
        assert_eq!(foreign_origin(&h, ours), None);
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://127.0.0.1:3000"),
        );
        assert_eq!(foreign_origin(&h, ours), None);
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("http://evil.example"),
        );
        assert!(foreign_origin(&h, ours).is_some());
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert_eq!(foreign_origin(&h, ours), None);
        h.insert("sec-fetch-site", HeaderValue::from_static("cross-site"));
        assert!(foreign_origin(&h, ours).is_some());
    }

    #[test]
    fn token_comparison_is_exact() {
        assert!(tokens_match(b"abc", "abc"));
        assert!(!tokens_match(b"abd", "abc"));
        assert!(!tokens_match(b"ab", "abc"));
    }
}
