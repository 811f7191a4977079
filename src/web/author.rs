//! Writing gauntlets in the browser (admins, and interviewers with the authoring permission):
//! the list, new and imported drafts, the editor with the checker's errors and a preview of
//! every round as the candidate and the interviewer see it, saving drafts with conflict
//! detection, publishing versions, the version history with diffs, and downloads. Gauntlets
//! managed in files (built-in or the content folder) are read-only here, with "duplicate to edit".

use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    Json,
    extract::{Path, Query, State},
    http::{StatusCode, header},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::json;
use tower_sessions::Session;

use super::{
    error::{AppError, Result},
    extract::RequireAuthor,
    form::StrictForm,
    layout::Chrome,
    round_view::{GuidanceBlock, tone},
};
use crate::{
    align::{LibraryStats, PointKind, RoundGuide},
    auth::session,
    clock,
    content::{
        ContentError, Gauntlet, SectionKind,
        diff::{DiffLine, diff_lines, has_changes},
        import_page_text_mapped, markdown_to_html,
        parse::slug_from_file_name,
        parse_gauntlet,
    },
    db::{
        self,
        authored::{Authored, Publication, SaveOutcome, Summary},
    },
    practice::answer::has_refused_control,
    state::AppState,
};

/// The longest gauntlet source (or pasted page text) accepted, in characters (code points):
/// over four times the longest gauntlet in the library, and small enough that even astral
/// characters (12 bytes each once form-encoded) fit in the form body limit.
pub const MAX_SOURCE_CHARS: usize = 80_000;
/// Slug length bounds, in characters.
pub const MIN_SLUG_CHARS: usize = 3;
pub const MAX_SLUG_CHARS: usize = 64;

/// The text a new gauntlet starts from: the shape the checker expects, to be filled in.
const STARTER: &str = "# Interview Gauntlet: Untitled

**Category:** System Design
**Difficulty:** L2
**Duration:** 15-20 minutes
**Domains:** Example

---

## Round 1: The Opening

**Interviewer:** \"Write the first question here.\"

### Strong Answer:

\"What a strong candidate says, with concrete numbers and commands.\"

### Common Weak Answers:

- \"A typical weak answer.\" — Why it falls short.

### What This Sequence Tested:

| Round | Skill Tested |
| --- | --- |
| 1 | The skill round 1 tests |
";

/// Why a slug is refused, if it is.
fn slug_problem(slug: &str) -> Option<String> {
    let n = slug.chars().count();
    if !(MIN_SLUG_CHARS..=MAX_SLUG_CHARS).contains(&n) || slug_from_file_name(slug) != slug {
        return Some(format!(
            "Choose a slug of {MIN_SLUG_CHARS} to {MAX_SLUG_CHARS} characters: lowercase letters, digits and dashes, e.g. \"payments-outage\"."
        ));
    }
    None
}

/// Why a gauntlet's text (or pasted page text) is refused before the checker reads it, if it
/// is: over the size limit (in code points), or holding a control character other than tab and
/// newline.
fn source_problem(text: &str) -> Option<String> {
    let n = text.chars().count();
    if n > MAX_SOURCE_CHARS {
        return Some(format!(
            "The text has {n} characters; at most {MAX_SOURCE_CHARS} are accepted. Split the gauntlet or shorten it."
        ));
    }
    let line = text.split('\n').position(has_refused_control)?;
    Some(format!(
        "Line {}: remove the control character (only tabs and newlines are allowed).",
        line + 1
    ))
}

/// Parses a browser gauntlet's source under its fixed slug.
fn parse_as(slug: &str, source: &str) -> std::result::Result<Gauntlet, Vec<ContentError>> {
    parse_gauntlet(&format!("{slug}.md"), source).map(|mut g| {
        g.slug = slug.to_string();
        g
    })
}

// ---- preview ------------------------------------------------------------------------------

/// One round of the preview: the candidate's side and the interviewer's side.
pub struct PreviewRound {
    pub number: u32,
    pub name: String,
    pub prompt: String,
    pub follow_up: Option<String>,
    pub testing: Option<String>,
    pub skill: Option<String>,
    pub guidance: Vec<GuidanceBlock>,
    /// Key points the alignment engine derives from the strong answer (claims, then terms).
    pub claims: Vec<String>,
    pub terms: Vec<String>,
}

/// The preview of a whole gauntlet, rendered as its own fragment (the page embeds it; the
/// check route returns it for the live preview).
#[derive(Template)]
#[template(path = "components/author_preview.html")]
pub struct Preview {
    pub title: String,
    pub meta: Vec<String>,
    pub domains: Vec<String>,
    pub rounds: Vec<PreviewRound>,
}

impl Preview {
    fn of(g: &Gauntlet, stats: &LibraryStats) -> Self {
        let rounds = g
            .rounds
            .iter()
            .map(|r| {
                let points = RoundGuide::new(r, stats).align("").points;
                let (claims, terms): (Vec<_>, Vec<_>) =
                    points.into_iter().partition(|p| p.kind == PointKind::Claim);
                PreviewRound {
                    number: r.number,
                    name: r.name.clone(),
                    prompt: r.prompt.clone(),
                    follow_up: r.follow_up.clone(),
                    testing: r.testing.clone(),
                    skill: g.skill_for(r.number).map(str::to_string),
                    guidance: r
                        .sections
                        .iter()
                        .filter(|s| s.kind() != SectionKind::FollowUp || r.follow_up.is_none())
                        .map(|s| GuidanceBlock {
                            label: s.label.clone(),
                            tone: tone(s.kind()),
                            html: Arc::from(markdown_to_html(&s.markdown)),
                        })
                        .collect(),
                    claims: claims.into_iter().map(|p| p.text).collect(),
                    terms: terms.into_iter().map(|p| p.text).collect(),
                }
            })
            .collect();
        Self {
            title: g.title.clone(),
            meta: [&g.category, &g.difficulty, &g.duration]
                .into_iter()
                .flatten()
                .cloned()
                .collect(),
            domains: g.domains.clone(),
            rounds,
        }
    }

    fn html(&self) -> Result<String> {
        self.render()
            .map_err(|e| AppError::Internal(format!("preview template: {e}")))
    }
}

/// The checker's verdict on a source and, when it parses, the preview.
struct Checked {
    errors: Vec<ContentError>,
    preview: Option<String>,
    summary: String,
}

fn check_source(slug: &str, source: &str, stats: &LibraryStats) -> Result<Checked> {
    match parse_as(slug, source) {
        Ok(g) => Ok(Checked {
            errors: Vec::new(),
            summary: format!(
                "No errors: {} rounds. This is what candidates and interviewers will see.",
                g.rounds.len()
            ),
            preview: Some(Preview::of(&g, stats).html()?),
        }),
        Err(errors) => Ok(Checked {
            summary: format!(
                "{} {} to fix before publishing.",
                errors.len(),
                if errors.len() == 1 { "error" } else { "errors" }
            ),
            errors,
            preview: None,
        }),
    }
}

// ---- the list -----------------------------------------------------------------------------

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

// ---- the editor ---------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "pages/author/editor.html")]
struct EditorPage {
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
    notice: Option<String>,
    /// The slug in the "duplicate" form.
    dup_slug: String,
}

impl EditorPage {
    fn published(&self) -> i64 {
        self.publications.first().map_or(0, |p| p.number)
    }
}

/// Builds the editor for `slug` with `source` in the text area.
async fn editor_page(
    state: &AppState,
    chrome: Chrome,
    slug: &str,
    shown: Option<(String, i64)>,
    theirs: Option<String>,
) -> Result<EditorPage> {
    let mut conn = state.db.get().await?;
    let authored: Option<Authored> = db::authored::get(&mut *conn, slug).await?;
    let stats = state.content.stats();
    match authored {
        Some(a) => {
            let publications = db::authored::publications(&mut *conn, slug).await?;
            let (source, revision) = shown.unwrap_or((a.draft.clone(), a.revision));
            let checked = check_source(slug, &source, &stats)?;
            let title = parse_as(slug, &source).map_or_else(|_| slug.to_string(), |g| g.title);
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
                updated: format!(
                    "Draft saved {}{}",
                    clock::format_datetime(a.updated_at),
                    if a.updated_by.is_empty() {
                        String::new()
                    } else {
                        format!(" by {}", a.updated_by)
                    }
                ),
            })
        }
        None => {
            let lib = state.content.current();
            let entry = lib.get(slug).ok_or(AppError::NotFound)?;
            let preview = Some(Preview::of(&entry.gauntlet, &stats).html()?);
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
    }
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

// ---- history, diff, download ----------------------------------------------------------------

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_lowercase_dashes_and_bounded() {
        assert!(slug_problem("payments-outage").is_none());
        assert!(slug_problem("ab").is_some());
        assert!(slug_problem("Payments").is_some());
        assert!(slug_problem("a/b-c").is_some());
        assert!(slug_problem("-lead").is_some());
        assert!(slug_problem(&"x".repeat(MAX_SLUG_CHARS + 1)).is_some());
    }

    #[test]
    fn t99_sources_over_the_limit_or_with_controls_are_refused_with_the_line() {
        assert!(source_problem("# Title\n\tindented\n").is_none());
        let why = source_problem("one\ntwo\u{0085}\nthree").unwrap();
        assert!(why.starts_with("Line 2:"), "{why}");
        assert!(source_problem("a\u{7}").unwrap().starts_with("Line 1:"));
        let long = "é".repeat(MAX_SOURCE_CHARS);
        assert!(
            source_problem(&long).is_none(),
            "counted in code points, not bytes"
        );
        assert!(source_problem(&format!("{long}x")).is_some());
    }

    #[test]
    fn the_starter_text_passes_the_checker() {
        let g = parse_as("starter", STARTER).expect("the starter parses");
        assert_eq!(g.slug, "starter");
        let stats = LibraryStats::from_gauntlets([&g]);
        let p = Preview::of(&g, &stats);
        assert_eq!(p.rounds.len(), 1);
        assert!(!p.rounds[0].claims.is_empty());
        let html = p.html().expect("renders");
        assert!(html.contains("Write the first question here."));
    }
}
