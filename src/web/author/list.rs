//! Authoring: the list of gauntlets, and new, imported and duplicated drafts.

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;

use super::editor::editor_page;
use super::{STARTER, slug_problem, source_problem};
use crate::web::{
    error::{AppError, Result},
    extract::RequireAuthor,
    form::StrictForm,
    layout::Chrome,
};
use crate::{
    clock,
    content::{ContentError, import_page_text_mapped},
    db::{self, authored::Summary},
    state::AppState,
};

/// A gauntlet managed in files, as the list shows it.
pub struct ManagedRow {
    pub slug: String,
    pub title: String,
    pub origin: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/author/index.html")]
struct IndexPage {
    chrome: Chrome,
    authored: Vec<Summary>,
    managed: Vec<ManagedRow>,
    kept: Kept,
    error: Option<String>,
}

/// What the forms of the list page send back after a refusal, so nothing typed is lost.
#[derive(Default)]
struct Kept {
    new_slug: String,
    import_slug: String,
    import_text: String,
    /// Errors of a failed import, with page-text line numbers.
    import_errors: Vec<ContentError>,
}

impl IndexPage {
    fn updated(&self, s: &Summary) -> String {
        clock::format_datetime(s.updated_at)
    }
}

async fn index_page(
    state: &AppState,
    chrome: Chrome,
    kept: Kept,
    error: Option<String>,
) -> Result<IndexPage> {
    let authored = db::authored::list(&mut *state.db.get().await?).await?;
    let lib = state.content.current();
    let managed = lib
        .iter()
        .filter(|e| e.origin.is_file_managed())
        .map(|e| ManagedRow {
            slug: e.gauntlet.slug.clone(),
            title: e.gauntlet.title.clone(),
            origin: e.origin.to_string(),
        })
        .collect();
    Ok(IndexPage {
        chrome,
        authored,
        managed,
        kept,
        error,
    })
}

/// `GET /author`
pub async fn index(
    RequireAuthor(_): RequireAuthor,
    chrome: Chrome,
    State(state): State<AppState>,
) -> Result<impl IntoResponse> {
    index_page(&state, chrome, Default::default(), None).await
}

#[derive(Deserialize)]
pub struct NewForm {
    slug: String,
}

/// Why a draft was not created: the status and a message for the form.
type Refusal = (StatusCode, String);

/// Creates a draft under a new slug; `Some` explains a refusal (nothing was stored).
async fn create_draft(
    state: &AppState,
    slug: &str,
    source: &str,
    user: i64,
) -> Result<Option<Refusal>> {
    if let Some(p) = slug_problem(slug).or_else(|| source_problem(source)) {
        return Ok(Some((StatusCode::UNPROCESSABLE_ENTITY, p)));
    }
    if state.content.current().get(slug).is_some() {
        return Ok(Some((
            StatusCode::CONFLICT,
            format!(
                "The slug \"{slug}\" is already used by a gauntlet in the library; choose another."
            ),
        )));
    }
    let mut tx = db::begin_write(&state.writer).await?;
    if !db::authored::create(&mut tx, slug, source, user).await? {
        return Ok(Some((
            StatusCode::CONFLICT,
            format!(
                "A gauntlet with the slug \"{slug}\" is already being written; choose another."
            ),
        )));
    }
    tx.commit().await?;
    tracing::info!(user, slug, "gauntlet draft created");
    Ok(None)
}

/// `POST /author/new`: a new draft from the starter text.
pub async fn create(
    RequireAuthor(me): RequireAuthor,
    chrome: Chrome,
    State(state): State<AppState>,
    StrictForm(form): StrictForm<NewForm>,
) -> Result<Response> {
    let slug = form.slug.trim();
    match create_draft(&state, slug, STARTER, me.id).await? {
        None => Ok(Redirect::to(&format!("/author/gauntlets/{slug}")).into_response()),
        Some((status, msg)) => {
            let kept = Kept {
                new_slug: form.slug.clone(),
                ..Kept::default()
            };
            let page = index_page(&state, chrome, kept, Some(msg)).await?;
            Ok((status, page).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct ImportForm {
    slug: String,
    text: String,
}

/// `POST /author/import`: page text (copied from a rendered gauntlet page) converted by the
/// importer into a new draft. Import errors come back with page-text line numbers.
pub async fn import(
    RequireAuthor(me): RequireAuthor,
    chrome: Chrome,
    State(state): State<AppState>,
    StrictForm(form): StrictForm<ImportForm>,
) -> Result<Response> {
    let slug = form.slug.trim().to_string();
    let refusal = match source_problem(&form.text) {
        Some(p) => Some(((StatusCode::UNPROCESSABLE_ENTITY, p), Vec::new())),
        None => match import_page_text_mapped(&form.text) {
            Ok(imported) => create_draft(&state, &slug, &imported.markdown, me.id)
                .await?
                .map(|r| (r, Vec::new())),
            Err(errors) => Some((
                (
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "The page text could not be imported; nothing was created.".to_string(),
                ),
                errors,
            )),
        },
    };
    match refusal {
        None => Ok(Redirect::to(&format!("/author/gauntlets/{slug}")).into_response()),
        Some(((status, msg), import_errors)) => {
            let kept = Kept {
                import_slug: form.slug,
                import_text: form.text,
                import_errors,
                ..Kept::default()
            };
            let page = index_page(&state, chrome, kept, Some(msg)).await?;
            Ok((status, page).into_response())
        }
    }
}

#[derive(Deserialize)]
pub struct DuplicateForm {
    new_slug: String,
}

/// `POST /author/gauntlets/{slug}/duplicate`: a new draft holding a copy of a gauntlet (the
/// way to change one managed in files).
pub async fn duplicate(
    RequireAuthor(me): RequireAuthor,
    chrome: Chrome,
    State(state): State<AppState>,
    Path(slug): Path<String>,
    StrictForm(form): StrictForm<DuplicateForm>,
) -> Result<Response> {
    let source = match db::authored::get(&mut *state.db.get().await?, &slug).await? {
        Some(a) => a.draft,
        None => state
            .content
            .current()
            .get(&slug)
            .map(|e| e.source.to_string())
            .ok_or(AppError::NotFound)?,
    };
    let new_slug = form.new_slug.trim();
    match create_draft(&state, new_slug, &source, me.id).await? {
        None => Ok(Redirect::to(&format!("/author/gauntlets/{new_slug}")).into_response()),
        Some((status, msg)) => {
            let mut page = editor_page(&state, chrome, &slug, None, None).await?;
            page.notice = Some(msg);
            page.dup_slug = form.new_slug;
            Ok((status, page).into_response())
        }
    }
}
