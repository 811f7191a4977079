//! Admin: the audit of changed reviews and removed accounts, and the data export.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::State,
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use crate::web::{
    error::{AppError, Result},
    extract::RequireAdmin,
    layout::Chrome,
};
use crate::{
    clock,
    db::{self},
    state::AppState,
};

/// One audit entry as the admin page shows it.
pub struct AuditRow {
    pub at: String,
    pub actor: String,
    pub attempt_id: i64,
    pub review_id: i64,
    /// What changed, one line each ("Round 5 level 2 → 3").
    pub changes: Vec<String>,
    pub before: String,
    pub after: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/admin/audit.html")]
struct AuditPage {
    chrome: Chrome,
    rows: Vec<AuditRow>,
    removals: Vec<RemovalRow>,
}

/// One account removal as the audit page shows it.
pub struct RemovalRow {
    pub at: String,
    pub actor: String,
    pub subject_id: i64,
    pub role: String,
    pub detail: String,
}

/// `GET /admin/audit`: every change made to a review after it was submitted.
pub async fn audit_page(
    RequireAdmin(_): RequireAdmin,
    chrome: Chrome,
    State(state): State<AppState>,
) -> Result<impl IntoResponse> {
    let mut conn = state.db.get().await?;
    let removals = db::users::removals(&mut *conn)
        .await?
        .into_iter()
        .map(|e| RemovalRow {
            at: clock::format_datetime(e.at),
            actor: e.actor,
            subject_id: e.subject_id,
            role: e.role,
            detail: e.detail,
        })
        .collect();
    let rows = db::reviews::audit_log(&mut *conn)
        .await?
        .into_iter()
        .map(|e| AuditRow {
            at: clock::format_datetime(e.at),
            actor: e.actor,
            attempt_id: e.attempt_id,
            review_id: e.review_id,
            changes: crate::grading::changes::audit_changes(&e.before, &e.after),
            before: e.before,
            after: e.after,
        })
        .collect();
    Ok(AuditPage {
        chrome,
        rows,
        removals,
    })
}

#[derive(Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    format: String,
}

/// `GET /admin/export?format=csv|json`: the grading export as a download.
pub async fn export(
    RequireAdmin(me): RequireAdmin,
    State(state): State<AppState>,
    axum::extract::Query(q): axum::extract::Query<ExportQuery>,
) -> Result<Response> {
    let rows = db::reviews::export_rows(&mut *state.db.get().await?).await?;
    let (body, ct, name) = match q.format.as_str() {
        "" | "csv" => (
            crate::export::to_csv(&rows),
            "text/csv; charset=utf-8",
            "gauntlet-grades.csv",
        ),
        "json" => (
            crate::export::to_json(&rows).map_err(|e| AppError::Internal(e.to_string()))?,
            "application/json",
            "gauntlet-grades.json",
        ),
        _ => {
            return Err(AppError::BadRequest(
                "Choose format=csv or format=json.".into(),
            ));
        }
    };
    tracing::info!(
        admin = me.id,
        rows = rows.len(),
        "grading export downloaded"
    );
    let disposition = format!("attachment; filename=\"{name}\"");
    let mut resp = body.into_response();
    let h = resp.headers_mut();
    h.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static(ct),
    );
    if let Ok(v) = axum::http::HeaderValue::from_str(&disposition) {
        h.insert(axum::http::header::CONTENT_DISPOSITION, v);
    }
    Ok(resp)
}
