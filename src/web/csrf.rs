//! The CSRF guard in front of every route: unsafe methods must come from our own origin and
//! carry the session's token, in an `X-CSRF-Token` header (fetch) or a `_csrf` form field.
//! Visitors who are not signed in have no session (a page view writes nothing): their forms
//! carry the value of a visitor cookie instead, which the guard compares with the cookie sent
//! back (a double-submit token, on top of the origin check).

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
    visitor::VisitorToken,
};
use crate::{auth::session, config::Config, metrics, state::AppState};

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
    let reject = Rejection {
        json: wants_json(req.headers()),
        path: req.uri().path().to_string(),
    };
    if let Some(why) = foreign_origin(req.headers(), state.config.public_origin()) {
        return reject.answer(why, FOREIGN);
    }
    let expected = match expected_token(&session, req.headers(), &state.config, &reject).await {
        Ok(t) => t,
        Err(resp) => return resp,
    };
    match with_sent_token(req, &expected, &reject).await {
        Ok(req) => next.run(req).await,
        Err(resp) => resp,
    }
}

/// How the guard answers a request it refuses: counted, logged with the path, and told as
/// JSON to a fetch or as a page to a form.
struct Rejection {
    json: bool,
    path: String,
}

impl Rejection {
    fn answer(&self, why: &str, detail: &str) -> Response {
        metrics::bump(metrics::Counter::CsrfRejected);
        tracing::warn!(path = %self.path, reason = why, "csrf rejection");
        let err = AppError::Csrf(detail.to_string());
        if self.json {
            json_error(err)
        } else {
            err.into_response()
        }
    }
}

/// The token the request must carry: the session's, or for a visitor's form the visitor
/// cookie's. Without either, the refusal.
async fn expected_token(
    session: &Session,
    headers: &HeaderMap,
    config: &Config,
    reject: &Rejection,
) -> Result<String, Response> {
    match session::csrf_token(session).await {
        Ok(Some(t)) => Ok(t),
        // a visitor's form (sign-in, sign-up, invite, setup): the token is the visitor cookie
        Ok(None) if !reject.json && visitor_cookie(headers, config).is_some() => {
            Ok(visitor_cookie(headers, config).unwrap_or_default())
        }
        // a fetch from a page whose session has ended: say so, so the page can ask to sign in
        Ok(None) if reject.json => Err(json_error(AppError::SignInRequired {
            next: String::new(),
            json: true,
        })),
        Ok(None) => Err(reject.answer("no session token", EXPIRED)),
        Err(e) => Err(AppError::from(e).into_response()),
    }
}

/// The request back, its body intact, when the token it sends matches `expected`: in the
/// `X-CSRF-Token` header, or else the `_csrf` field of a urlencoded form.
async fn with_sent_token(
    req: Request,
    expected: &str,
    reject: &Rejection,
) -> Result<Request, Response> {
    let header_matches = req
        .headers()
        .get("x-csrf-token")
        .map(|sent| tokens_match(sent.as_bytes(), expected));
    match header_matches {
        Some(true) => return Ok(req),
        Some(false) => return Err(reject.answer("header token mismatch", EXPIRED)),
        None => {}
    }
    if !is_urlencoded(req.headers()) {
        return Err(reject.answer("no token", EXPIRED));
    }
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_FORM_BODY).await else {
        return Err(AppError::TooLarge.into_response());
    };
    let sent = form_urlencoded::parse(&bytes)
        .find(|(k, _)| k == "_csrf")
        .map(|(_, v)| v.into_owned());
    match sent {
        Some(t) if tokens_match(t.as_bytes(), expected) => {
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        _ => Err(reject.answer("form token mismatch", EXPIRED)),
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
    let token = VisitorToken::new(existing);
    req.extensions_mut().insert(token.clone());
    let mut resp = next.run(req).await;
    let secure = if state.config.is_https() {
        "; Secure"
    } else {
        ""
    };
    let name = visitor_cookie_name(&state.config);
    let made = token.peek().filter(|_| fresh && token.was_used());
    let cookie = if let Some(made) = made {
        Some(format!(
            "{name}={made}; Path=/; HttpOnly; SameSite=Lax{secure}"
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
