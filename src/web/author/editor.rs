//! Authoring: the editor, with live checking and preview, saving drafts with conflict detection
//! and publishing versions.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Json,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;

use super::preview::{Preview, check_source};
use super::{parse_as, source_problem};
use crate::web::{
    error::{AppError, Result},
    extract::RequireAuthor,
    form::StrictForm,
    layout::Chrome,
};
use crate::{
    align::LibraryStats,
    auth::session,
    clock,
    content::ContentError,
    db::{
        self,
        authored::{Authored, Publication, SaveOutcome},
    },
    state::AppState,
};

#[derive(Template, WebTemplate)]
#[template(path = "pages/author/editor.html")]
pub(super) struct EditorPage {
    chrome: Chrome,
    slug: String,
    title: String,
    /// Managed in files: read-only, with "duplicate to edit".
    read_only: bool,
    origin: String,
    source: String,
    revision: i64,
    /// Whether `errors`/`summary` come from a check of `source`.
    checked: bool,
    errors: Vec<ContentError>,
    summary: String,
    preview: Option<String>,
    publications: Vec<Publication>,
    /// A save conflict: the text saved meanwhile (the editor keeps the author's own).
    theirs: Option<String>,
    updated: String,
    /// Why the last request was refused (the text stays in the editor).
    pub(super) notice: Option<String>,
    /// The slug in the "duplicate" form.
    pub(super) dup_slug: String,
}

impl EditorPage {
    fn published(&self) -> i64 {
        self.publications.first().map_or(0, |p| p.number)
    }
}

/// Builds the editor for `slug` with `source` in the text area.
pub(super) async fn editor_page(
    state: &AppState,
    chrome: Chrome,
    slug: &str,
    shown: Option<(String, i64)>,
    theirs: Option<String>,
) -> Result<EditorPage> {
    let mut conn = state.db.get().await?;
    let authored: Option<Authored> = db::authored::get(&mut *conn, slug).await?;
    let stats = state.content.stats();
    let Some(a) = authored else {
        return managed_page(state, chrome, slug, &stats);
    };
    let publications = db::authored::publications(&mut *conn, slug).await?;
    let (source, revision) = shown.unwrap_or((a.draft.clone(), a.revision));
    let checked = check_source(slug, &source, &stats)?;
    let title = parse_as(slug, &source).map_or_else(|_| slug.to_string(), |g| g.title);
    let by = if a.updated_by.is_empty() {
        String::new()
    } else {
        format!(" by {}", a.updated_by)
    };
    Ok(EditorPage {
        chrome,
        slug: slug.to_string(),
        title,
        read_only: false,
        origin: "written in the browser".into(),
        source,
        revision,
        checked: true,
        errors: checked.errors,
        summary: checked.summary,
        preview: checked.preview,
        publications,
        theirs,
        notice: None,
        dup_slug: format!("{slug}-copy"),
        updated: format!("Draft saved {}{by}", clock::format_datetime(a.updated_at)),
    })
}

/// The read-only page of a gauntlet managed in files (built-in or the content folder).
fn managed_page(
    state: &AppState,
    chrome: Chrome,
    slug: &str,
    stats: &LibraryStats,
) -> Result<EditorPage> {
    let lib = state.content.current();
    let entry = lib.get(slug).ok_or(AppError::NotFound)?;
    let preview = Some(Preview::of(&entry.gauntlet, stats).html()?);
    Ok(EditorPage {
        chrome,
        slug: slug.to_string(),
        title: entry.gauntlet.title.clone(),
        read_only: true,
        origin: entry.origin.to_string(),
        source: entry.source.to_string(),
        revision: 0,
        checked: false,
        errors: Vec::new(),
        summary: String::new(),
        preview,
        publications: Vec::new(),
        theirs: None,
        updated: String::new(),
        notice: None,
        dup_slug: format!("{slug}-copy"),
    })
}

/// `GET /author/gauntlets/{slug}`
pub async fn editor(
    RequireAuthor(_): RequireAuthor,
    chrome: Chrome,
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<impl IntoResponse> {
    editor_page(&state, chrome, &slug, None, None).await
}

#[derive(Deserialize)]
pub struct SourceForm {
    source: String,
    #[serde(default)]
    base: String,
}

impl SourceForm {
    fn base(&self) -> Result<i64> {
        self.base.parse().map_err(|_| {
            AppError::Unprocessable("The form lost its draft revision; reload the page.".into())
        })
    }
}

/// The gauntlet must be one written in the browser (not one managed in files).
async fn require_authored(state: &AppState, slug: &str) -> Result<()> {
    if db::authored::get(&mut *state.db.get().await?, slug)
        .await?
        .is_some()
    {
        return Ok(());
    }
    if state.content.current().get(slug).is_some() {
        return Err(AppError::Conflict(
            "This gauntlet is managed in files and is read-only here: duplicate it to edit a copy."
                .into(),
        ));
    }
    Err(AppError::NotFound)
}

/// The editor again with `source` kept and the reason it was refused (nothing was saved).
async fn refused(
    state: &AppState,
    chrome: Chrome,
    slug: &str,
    source: String,
    base: i64,
    why: String,
) -> Result<Response> {
    let mut page = editor_page(state, chrome, slug, Some((source, base)), None).await?;
    page.notice = Some(why);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

/// `POST /author/gauntlets/{slug}/preview`: the "Check" button without JavaScript: the editor
/// again with the checker's errors and the preview of the text sent (nothing is saved).
pub async fn preview(
    RequireAuthor(_): RequireAuthor,
    chrome: Chrome,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    StrictForm(form): StrictForm<SourceForm>,
) -> Result<Response> {
    require_authored(&state, &slug).await?;
    let base = form.base()?;
    if let Some(why) = source_problem(&form.source) {
        return refused(&state, chrome, &slug, form.source, base, why).await;
    }
    let page = editor_page(&state, chrome, &slug, Some((form.source, base)), None).await?;
    let status = if page.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, page).into_response())
}

#[derive(Deserialize)]
pub struct CheckForm {
    source: String,
}

/// `POST /author/check`: the checker for the live editor: errors with line numbers and the
/// preview's HTML, as JSON. Changes nothing.
pub async fn check(
    RequireAuthor(_): RequireAuthor,
    State(state): State<AppState>,
    StrictForm(form): StrictForm<CheckForm>,
) -> Result<Response> {
    if let Some(why) = source_problem(&form.source) {
        return Err(AppError::Unprocessable(why));
    }
    let checked = check_source("preview", &form.source, &state.content.stats())?;
    let errors: Vec<_> = checked
        .errors
        .iter()
        .map(|e| json!({"line": e.line, "message": e.message}))
        .collect();
    Ok(Json(json!({
        "ok": checked.errors.is_empty(),
        "errors": errors,
        "summary": checked.summary,
        "preview": checked.preview,
    }))
    .into_response())
}

/// Shows the conflict: the author's text stays in the editor, the other text beside it, and
/// the base moves to the current revision so that saving again is a deliberate choice.
async fn conflict_page(
    state: &AppState,
    chrome: Chrome,
    slug: &str,
    mine: String,
    current: String,
    revision: i64,
) -> Result<Response> {
    let page = editor_page(state, chrome, slug, Some((mine, revision)), Some(current)).await?;
    Ok((StatusCode::CONFLICT, page).into_response())
}

/// `POST /author/gauntlets/{slug}/save`: saves the draft (checked or not) if nobody saved it
/// since the revision the form started from.
pub async fn save(
    RequireAuthor(me): RequireAuthor,
    chrome: Chrome,
    session: Session,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    StrictForm(form): StrictForm<SourceForm>,
) -> Result<Response> {
    require_authored(&state, &slug).await?;
    let base = form.base()?;
    if let Some(why) = source_problem(&form.source) {
        return refused(&state, chrome, &slug, form.source, base, why).await;
    }
    let mut tx = db::begin_write(&state.writer).await?;
    let outcome = db::authored::save(&mut tx, &slug, base, &form.source, me.id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    match outcome {
        SaveOutcome::Saved { revision } => {
            tracing::info!(user = me.id, slug, revision, "gauntlet draft saved");
            session::flash(&session, "success", "Draft saved.").await?;
            Ok(Redirect::to(&format!("/author/gauntlets/{slug}")).into_response())
        }
        SaveOutcome::Conflict { current, revision } => {
            conflict_page(&state, chrome, &slug, form.source, current, revision).await
        }
    }
}

/// `POST /author/gauntlets/{slug}/publish`: checks the text; with errors nothing is saved or
/// published and the errors come back with their lines. Otherwise saves it as the draft (same
/// conflict rule as saving) and records it as the next version; attempts already started keep
/// the version they pinned.
pub async fn publish(
    RequireAuthor(me): RequireAuthor,
    chrome: Chrome,
    session: Session,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    StrictForm(form): StrictForm<SourceForm>,
) -> Result<Response> {
    require_authored(&state, &slug).await?;
    let base = form.base()?;
    if let Some(why) = source_problem(&form.source) {
        return refused(&state, chrome, &slug, form.source, base, why).await;
    }
    let g = match parse_as(&slug, &form.source) {
        Ok(g) => g,
        Err(errors) => {
            let why = format!(
                "Not published: the checker found {} {}. Nothing was saved or published.",
                errors.len(),
                if errors.len() == 1 { "error" } else { "errors" }
            );
            return refused(&state, chrome, &slug, form.source, base, why).await;
        }
    };
    if state
        .content
        .current()
        .get(&slug)
        .is_some_and(|e| e.origin.is_file_managed())
    {
        return Err(AppError::Conflict(format!(
            "A gauntlet managed in files now uses the slug \"{slug}\"; duplicate this one under another slug to publish it."
        )));
    }
    let mut tx = db::begin_write(&state.writer).await?;
    let outcome = db::authored::save(&mut tx, &slug, base, &form.source, me.id)
        .await?
        .ok_or(AppError::NotFound)?;
    if let SaveOutcome::Conflict { current, revision } = outcome {
        tx.commit().await?;
        return conflict_page(&state, chrome, &slug, form.source, current, revision).await;
    }
    let number =
        db::authored::publish(&mut tx, &slug, &g.version, &g.title, &form.source, me.id).await?;
    tx.commit().await?;
    state.content.refresh_authored(&state.writer).await?;
    let msg = match number {
        Some(n) => {
            tracing::info!(user = me.id, slug, number = n, version = %g.version, "gauntlet published");
            format!("Published version {n}. New attempts use it; earlier attempts keep theirs.")
        }
        None => "This exact text is already published; nothing new to publish.".to_string(),
    };
    session::flash(&session, "success", msg).await?;
    Ok(Redirect::to(&format!("/author/gauntlets/{slug}")).into_response())
}
