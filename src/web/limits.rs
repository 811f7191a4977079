//! Limits that hold for the whole service, outside the router: every request body arrives in
//! full within a total deadline (not a per-byte one), one client address has only a few slow
//! bodies in transit at once, and the request id a client sends is kept only when it is short
//! and plain.

use std::{
    collections::HashMap,
    net::{IpAddr, SocketAddr},
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{
    body::Body,
    extract::{ConnectInfo, Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use bytes::BytesMut;
use http_body_util::BodyExt;

use super::{
    LARGE_BODY,
    error::{ErrorPage, json_error},
    extract::{client_address, wants_json},
};
use crate::state::AppState;

/// Slow bodies one address may be sending at once: most bodies are in within [`FAST`] and
/// never count, so many honest clients behind one NAT or proxy do not add up.
pub const BODIES_PER_ADDRESS: usize = 8;

/// A body still arriving after this long counts as slow.
const FAST: Duration = Duration::from_millis(250);

/// Counts the bodies in transit per client address.
#[derive(Debug, Default)]
pub struct BodiesInTransit {
    per_address: Mutex<HashMap<IpAddr, usize>>,
}

impl BodiesInTransit {
    fn enter(self: &Arc<Self>, ip: IpAddr, max: usize) -> Option<InTransit> {
        let mut map = self.per_address.lock().unwrap_or_else(|p| p.into_inner());
        let n = map.entry(ip).or_default();
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(InTransit {
            counts: Arc::clone(self),
            ip,
        })
    }
}

/// One body in transit; leaves the count when dropped.
struct InTransit {
    counts: Arc<BodiesInTransit>,
    ip: IpAddr,
}

impl Drop for InTransit {
    fn drop(&mut self) {
        let mut map = self
            .counts
            .per_address
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(n) = map.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

/// Middleware: reads a request's whole body (at most [`LARGE_BODY`]) before anything else sees
/// it, within `config.body_deadline` in all; at most [`BODIES_PER_ADDRESS`] slow ones at once
/// per client address. Requests without a body pass straight through.
pub async fn read_body_in_time(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    if !has_body(&req) {
        return next.run(req).await;
    }
    let json = wants_json(req.headers());
    let refuse = |status: StatusCode, title: &'static str, text: &str| -> Response {
        let mut resp = if json {
            let mut r = json_error(super::error::AppError::BadRequest(text.to_string()));
            *r.status_mut() = status;
            r
        } else {
            let mut r = ErrorPage::new(status, title, text.to_string(), None).into_response();
            *r.status_mut() = status;
            r
        };
        // the rest of a refused body is never read: end the connection after this reply
        resp.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        resp
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > LARGE_BODY) {
        return refuse(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Too large",
            "What you sent is larger than this page accepts.",
        );
    }
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([127, 0, 0, 1]), |c| c.0.ip());
    // behind a trusted proxy, each forwarded client has its own slots
    let ip = client_address(peer, req.headers(), &state.config.trusted_proxies);
    let (parts, mut body) = req.into_parts();
    let started = Instant::now();
    let deadline = started + state.config.body_deadline;
    let mut buf = BytesMut::new();
    // a body that is not in within FAST takes one of its address's slots until it is
    let mut slot = None;
    loop {
        let until = if slot.is_none() {
            started + FAST
        } else {
            deadline
        };
        match tokio::time::timeout_at(until.into(), body.frame()).await {
            Ok(None) => break,
            Ok(Some(Ok(frame))) => {
                if let Ok(data) = frame.into_data() {
                    if buf.len() + data.len() > LARGE_BODY {
                        return refuse(
                            StatusCode::PAYLOAD_TOO_LARGE,
                            "Too large",
                            "What you sent is larger than this page accepts.",
                        );
                    }
                    buf.extend_from_slice(&data);
                }
            }
            Ok(Some(Err(_))) => {
                return refuse(
                    StatusCode::BAD_REQUEST,
                    "Upload broke off",
                    "The request body broke off before it was complete. Send it again.",
                );
            }
            Err(_) if slot.is_none() => match state.bodies.enter(ip, BODIES_PER_ADDRESS) {
                Some(s) => slot = Some(s),
                None => {
                    let mut resp = refuse(
                        StatusCode::TOO_MANY_REQUESTS,
                        "Too many slow requests",
                        "Your address is already sending several slow requests. Wait a moment, then try again.",
                    );
                    resp.headers_mut()
                        .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
                    return resp;
                }
            },
            Err(_) => {
                return refuse(
                    StatusCode::REQUEST_TIMEOUT,
                    "Too slow",
                    &format!(
                        "The request took longer than {} seconds to arrive, so it was dropped. Check your connection and send it again.",
                        state.config.body_deadline.as_secs()
                    ),
                );
            }
        }
    }
    drop(slot);
    next.run(Request::from_parts(parts, Body::from(buf.freeze())))
        .await
}

fn has_body(req: &Request) -> bool {
    let h = req.headers();
    h.contains_key(header::TRANSFER_ENCODING)
        || h.get(header::CONTENT_LENGTH)
            .is_some_and(|v| v.as_bytes() != b"0")
}

/// Middleware: drops an `X-Request-Id` that is not 1–64 characters of `[A-Za-z0-9_-]` (or that
/// comes more than once), so the request-id layer makes one of its own instead.
pub async fn plain_request_id(mut req: Request, next: Next) -> Response {
    let ids = req.headers().get_all("x-request-id");
    let mut count = 0;
    let mut ok = true;
    for v in ids {
        count += 1;
        ok &= is_plain_id(v.as_bytes());
    }
    if count > 1 || !ok {
        req.headers_mut().remove("x-request-id");
    }
    next.run(req).await
}

fn is_plain_id(id: &[u8]) -> bool {
    (1..=64).contains(&id.len())
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t70_only_short_plain_request_ids_are_kept() {
        assert!(is_plain_id(b"abc-DEF_123"));
        assert!(is_plain_id(&[b'a'; 64]));
        assert!(!is_plain_id(&[b'a'; 65]));
        assert!(!is_plain_id(b""));
        assert!(!is_plain_id(b"a b"));
        assert!(!is_plain_id(b"id\x1b[31m"));
        assert!(!is_plain_id("é".as_bytes()));
    }

    #[test]
    fn an_address_has_a_few_bodies_in_transit_at_most() {
        let counts = Arc::new(BodiesInTransit::default());
        let ip = IpAddr::from([127, 0, 0, 2]);
        let held: Vec<_> = (0..3).filter_map(|_| counts.enter(ip, 3)).collect();
        assert_eq!(held.len(), 3);
        assert!(counts.enter(ip, 3).is_none());
        assert!(counts.enter(IpAddr::from([127, 0, 0, 3]), 3).is_some());
        drop(held);
        assert!(counts.enter(ip, 3).is_some());
        assert!(counts.per_address.lock().unwrap().len() <= 1);
    }
}
