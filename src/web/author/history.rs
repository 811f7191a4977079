//! Authoring: the version history, diffs between versions and downloads.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::{Path, Query, State},
    http::header,
    response::{IntoResponse, Response},
};
use serde::Deserialize;

use crate::web::{
    error::{AppError, Result},
    extract::RequireAuthor,
    layout::Chrome,
};
use crate::{
    clock,
    content::diff::{DiffLine, diff_lines, has_changes},
    db::{self, authored::Publication},
    state::AppState,
};

#[derive(Template, WebTemplate)]
#[template(path = "pages/author/history.html")]
struct HistoryPage {
    chrome: Chrome,
    slug: String,
    publications: Vec<Publication>,
    unpublished_changes: bool,
}

impl HistoryPage {
    fn when(&self, p: &Publication) -> String {
        clock::format_datetime(p.published_at)
    }
}

/// `GET /author/gauntlets/{slug}/history`
pub async fn history(
    RequireAuthor(_): RequireAuthor,
    chrome: Chrome,
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<impl IntoResponse> {
    let mut conn = state.db.get().await?;
    let a = db::authored::get(&mut *conn, &slug)
        .await?
        .ok_or(AppError::NotFound)?;
    let publications = db::authored::publications(&mut *conn, &slug).await?;
    let unpublished_changes = match publications.first() {
        Some(p) => {
            db::authored::published_source(&mut *conn, &slug, p.number).await?
                != Some(a.draft.clone())
        }
        None => true,
    };
    Ok(HistoryPage {
        chrome,
        slug,
        publications,
        unpublished_changes,
    })
}

/// Which text: a published version's number, or the draft.
#[derive(Deserialize)]
pub struct VersionQuery {
    #[serde(default)]
    version: String,
}

#[derive(Deserialize)]
pub struct DiffQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

/// The text of `which` ("draft" or a version number) of an authored gauntlet, with its label.
async fn text_of(state: &AppState, slug: &str, which: &str) -> Result<(String, String)> {
    let mut conn = state.db.get().await?;
    if which.is_empty() || which == "draft" {
        let a = db::authored::get(&mut *conn, slug)
            .await?
            .ok_or(AppError::NotFound)?;
        return Ok(("draft".into(), a.draft));
    }
    let n: i64 = which
        .parse()
        .map_err(|_| AppError::BadRequest("Name a version number or \"draft\".".into()))?;
    let source = db::authored::published_source(&mut *conn, slug, n)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((format!("v{n}"), source))
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/author/diff.html")]
struct DiffPage {
    chrome: Chrome,
    slug: String,
    from: String,
    to: String,
    lines: Vec<DiffLine>,
    changed: bool,
}

/// `GET /author/gauntlets/{slug}/diff?from=1&to=2` (`draft` names the draft).
pub async fn diff(
    RequireAuthor(_): RequireAuthor,
    chrome: Chrome,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<DiffQuery>,
) -> Result<impl IntoResponse> {
    let (from, old) = text_of(&state, &slug, &q.from).await?;
    let (to, new) = text_of(&state, &slug, &q.to).await?;
    let lines = tokio::task::spawn_blocking(move || diff_lines(&old, &new))
        .await
        .map_err(|e| AppError::Internal(format!("diff stopped: {e}")))?;
    Ok(DiffPage {
        chrome,
        slug,
        from,
        to,
        changed: has_changes(&lines),
        lines,
    })
}

/// `GET /author/gauntlets/{slug}/download?version=N`: the Markdown as a file — the draft (or a
/// published version) of a browser gauntlet, or the current text of one managed in files.
pub async fn download(
    RequireAuthor(_): RequireAuthor,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    Query(q): Query<VersionQuery>,
) -> Result<Response> {
    let authored = db::authored::get(&mut *state.db.get().await?, &slug)
        .await?
        .is_some();
    let (label, source) = if authored {
        text_of(&state, &slug, &q.version).await?
    } else {
        let lib = state.content.current();
        let e = lib.get(&slug).ok_or(AppError::NotFound)?;
        ("current".to_string(), e.source.to_string())
    };
    // the slug is a-z0-9- only (checked at creation; file slugs are slugified)
    let name = if label == "draft" || label == "current" {
        format!("{slug}.md")
    } else {
        format!("{slug}-{label}.md")
    };
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/markdown; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        source,
    )
        .into_response())
}
