//! Operations endpoints: health (checks the database), Prometheus metrics, and the embedded
//! static files (long-cached under content-hashed names).

use axum::{
    Json,
    extract::{Path, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;

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

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let mut resp = state.metrics.render().into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    resp
}

/// `GET /static/{file}`: only exact hashed names are served.
pub async fn static_file(Path(file): Path<String>) -> Result<Response, AppError> {
    let (body, content_type) = assets::find(&file).ok_or(AppError::NotFound)?;
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=31536000, immutable"),
    );
    Ok(resp)
}
