//! Operations endpoints: health (checks the database), Prometheus metrics, and the embedded
//! static files (long-cached under content-hashed names).

use std::net::SocketAddr;

use axum::{
    Json,
    extract::{ConnectInfo, Path, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;
use subtle::ConstantTimeEq;

use super::{assets, error::AppError};
use crate::state::AppState;

/// `GET /healthz`: 200 when the database answers, 503 otherwise.
pub async fn healthz(State(state): State<AppState>) -> Response {
    let answer = match state.db.get().await {
        Ok(mut conn) => {
            sqlx::query_scalar::<_, i64>("select 1")
                .fetch_one(&mut *conn)
                .await
        }
        Err(e) => Err(e),
    };
    match answer {
        Ok(_) => Json(json!({"status": "ok", "database": "ok"})).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "unavailable", "database": "error"})),
            )
                .into_response()
        }
    }
}

/// `GET /metrics`: Prometheus text format, for loopback clients that came straight to the
/// socket (no proxy's forwarded headers) or for a bearer token equal to `--metrics-token`.
pub async fn metrics(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    if !may_scrape(peer, &headers, state.config.metrics_token.as_deref()) {
        return (
            StatusCode::FORBIDDEN,
            "Metrics are served to loopback clients, or with the bearer token set by --metrics-token (Authorization: Bearer <token>).\n",
        )
            .into_response();
    }
    let mut resp = state.metrics.render().into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    resp
}

/// Whether a scrape may read the metrics.
fn may_scrape(peer: SocketAddr, headers: &HeaderMap, token: Option<&str>) -> bool {
    if let Some(token) = token.filter(|t| !t.is_empty()) {
        let sent = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or("");
        if sent.len() == token.len() && bool::from(sent.as_bytes().ct_eq(token.as_bytes())) {
            return true;
        }
    }
    // a reverse proxy on the same host connects from loopback too: what it forwards is not local
    let forwarded =
        headers.contains_key("x-forwarded-for") || headers.contains_key(header::FORWARDED);
    peer.ip().is_loopback() && !forwarded
}

/// `GET /static/{file}`: only exact hashed names are served (see `assets`).
pub async fn static_file(
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    assets::respond(&file, &headers).ok_or(AppError::NotFound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t52_metrics_are_for_loopback_or_the_token() {
        let local: SocketAddr = "127.0.0.1:5000".parse().unwrap();
        let remote: SocketAddr = "192.0.2.7:5000".parse().unwrap();
        let none = HeaderMap::new();
        assert!(may_scrape(local, &none, None));
        assert!(!may_scrape(remote, &none, None));
        let mut proxied = HeaderMap::new();
        proxied.insert("x-forwarded-for", HeaderValue::from_static("192.0.2.9"));
        assert!(!may_scrape(local, &proxied, None), "through a local proxy");
        let mut bearer = HeaderMap::new();
        bearer.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer s3cret-token"),
        );
        assert!(may_scrape(remote, &bearer, Some("s3cret-token")));
        assert!(!may_scrape(remote, &bearer, Some("s3cret-tokem")));
        assert!(!may_scrape(remote, &bearer, None));
        assert!(
            !may_scrape(remote, &none, Some("")),
            "an empty token opens nothing"
        );
    }
}
