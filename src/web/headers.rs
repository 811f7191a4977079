//! Security headers on every response (values from the reliability plan, section 3.8).

use axum::{
    extract::{Request, State},
    http::{HeaderName, HeaderValue, header},
    middleware::Next,
    response::Response,
};

use crate::state::AppState;

pub const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";
pub const PERMISSIONS: &str = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";
pub const HSTS: &str = "max-age=31536000; includeSubDomains";

/// The headers every response carries, as (lower-case name, value). The connection layer
/// (`server::connection`) writes the same list into hyper's own replies to unparsable requests.
pub const FIXED: [(&str, &str); 9] = [
    ("content-security-policy", CSP),
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "same-origin"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
    ("permissions-policy", PERMISSIONS),
    ("x-xss-protection", "0"),
    ("cache-control", "no-store"),
];

/// Middleware, outermost of the stack so that the limit, timeout and load-shedding replies get
/// them too: adds the fixed security headers; `Cache-Control: no-store` unless the handler chose a
/// cache policy (hashed static files).
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    for (name, value) in FIXED {
        if name == "cache-control" && h.contains_key(header::CACHE_CONTROL) {
            continue;
        }
        h.insert(
            HeaderName::from_static(name),
            HeaderValue::from_static(value),
        );
    }
    if state.config.is_https() {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
    h.remove(header::SERVER);
    resp
}
