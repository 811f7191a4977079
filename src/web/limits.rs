//! Limits that hold for the whole service, outside the router: every request body arrives in
//! full within a total deadline (not a per-byte one), one client address has only a few slow
//! bodies in transit at once, and the request id a client sends is kept only when it is short
//! and plain.

use std::{
    net::{IpAddr, SocketAddr},
    time::{Duration, Instant},
};

use axum::{
    body::Body,
    extract::{ConnectInfo, Request, State},
    http::{HeaderValue, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use bytes::{Bytes, BytesMut};
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
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > LARGE_BODY) {
        return Refusal::TooLarge.response(json);
    }
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::from([127, 0, 0, 1]), |c| c.0.ip());
    // behind a trusted proxy, each forwarded client has its own slots
    let ip = client_address(peer, req.headers(), &state.config.trusted_proxies);
    let (parts, body) = req.into_parts();
    match read_in_time(body, &state, ip).await {
        Ok(bytes) => {
            next.run(Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(refusal) => refusal.response(json),
    }
}

/// Reads `body` to its end within `config.body_deadline`. A body not in within [`FAST`] takes
/// one of its address's slots until it is.
async fn read_in_time(mut body: Body, state: &AppState, ip: IpAddr) -> Result<Bytes, Refusal> {
    let started = Instant::now();
    let deadline = started + state.config.body_deadline;
    let mut buf = BytesMut::new();
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
                        return Err(Refusal::TooLarge);
                    }
                    buf.extend_from_slice(&data);
                }
            }
            Ok(Some(Err(_))) => return Err(Refusal::BrokeOff),
            Err(_) if slot.is_none() => {
                slot = Some(
                    state
                        .bodies
                        .enter(ip, BODIES_PER_ADDRESS)
                        .ok_or(Refusal::TooManySlow)?,
                );
            }
            Err(_) => return Err(Refusal::TooSlow(state.config.body_deadline.as_secs())),
        }
    }
    drop(slot);
    Ok(buf.freeze())
}

/// Why a body was refused before the router saw it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refusal {
    TooLarge,
    BrokeOff,
    /// The address already has [`BODIES_PER_ADDRESS`] slow bodies in transit.
    TooManySlow,
    /// Not in within the deadline, in seconds.
    TooSlow(u64),
}

impl Refusal {
    /// The reply, as JSON or a page. The rest of a refused body is never read, so the
    /// connection ends after it.
    fn response(self, json: bool) -> Response {
        let (status, title, text) = match self {
            Self::TooLarge => (
                StatusCode::PAYLOAD_TOO_LARGE,
                "Too large",
                "What you sent is larger than this page accepts.".to_string(),
            ),
            Self::BrokeOff => (
                StatusCode::BAD_REQUEST,
                "Upload broke off",
                "The request body broke off before it was complete. Send it again.".to_string(),
            ),
            Self::TooManySlow => (
                StatusCode::TOO_MANY_REQUESTS,
                "Too many slow requests",
                "Your address is already sending several slow requests. Wait a moment, then try again.".to_string(),
            ),
            Self::TooSlow(secs) => (
                StatusCode::REQUEST_TIMEOUT,
                "Too slow",
                format!(
                    "The request took longer than {secs} seconds to arrive, so it was dropped. Check your connection and send it again."
                ),
            ),
        };
        let mut resp = if json {
            json_error(super::error::AppError::BadRequest(text))
        } else {
            ErrorPage::new(status, title, text, None).into_response()
        };
        *resp.status_mut() = status;
        resp.headers_mut()
            .insert(header::CONNECTION, HeaderValue::from_static("close"));
        if self == Self::TooManySlow {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
        }
        resp
    }
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
    fn every_refusal_closes_the_connection_and_only_the_slow_one_says_when_to_retry() {
        for (refusal, status) in [
            (Refusal::TooLarge, StatusCode::PAYLOAD_TOO_LARGE),
            (Refusal::BrokeOff, StatusCode::BAD_REQUEST),
            (Refusal::TooManySlow, StatusCode::TOO_MANY_REQUESTS),
            (Refusal::TooSlow(20), StatusCode::REQUEST_TIMEOUT),
        ] {
            for json in [false, true] {
                let resp = refusal.response(json);
                assert_eq!(resp.status(), status, "{refusal:?} json={json}");
                assert_eq!(resp.headers()[header::CONNECTION], "close");
                assert_eq!(
                    resp.headers().contains_key(header::RETRY_AFTER),
                    refusal == Refusal::TooManySlow,
                    "{refusal:?}"
                );
            }
        }
    }

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
}
