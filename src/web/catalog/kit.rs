//! The interviewer kit: a whole gauntlet with all its guidance on one printable page, reached
//! from the gauntlet's overview.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};

use crate::{
    state::AppState,
    web::{
        error::{AppError, Result},
        extract::RequireInterviewer,
        layout::Chrome,
        round_view::{GuidanceBlock, guidance_blocks},
    },
};

/// One round of the kit.
pub struct KitRound {
    pub number: u32,
    pub name: String,
    pub prompt: String,
    pub testing: Option<String>,
    pub follow_up: Option<String>,
    pub skill: Option<String>,
    pub guidance: Vec<GuidanceBlock>,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/catalog/kit.html")]
struct KitPage {
    chrome: Chrome,
    title: String,
    meta: Vec<(&'static str, String)>,
    rounds: Vec<KitRound>,
    skills: Vec<(u32, String)>,
}

/// `GET /gauntlets/{slug}/kit`: every prompt with all its guidance, printable.
pub async fn kit(
    RequireInterviewer(_): RequireInterviewer,
    chrome: Chrome,
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<impl axum::response::IntoResponse> {
    let lib = state.content.current();
    let entry = lib.get(&slug).ok_or(AppError::NotFound)?;
    let g = &entry.gauntlet;
    let pinned = state
        .content
        .pinned(&mut *state.db.get().await?, &g.slug, &g.version)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut meta = Vec::new();
    for (label, v) in [
        ("Category", &g.category),
        ("Difficulty", &g.difficulty),
        ("Duration", &g.duration),
    ] {
        if let Some(v) = v {
            meta.push((label, v.clone()));
        }
    }
    if !g.domains.is_empty() {
        meta.push(("Domains", g.domains.join(", ")));
    }
    let rounds = g
        .rounds
        .iter()
        .enumerate()
        .map(|(i, r)| KitRound {
            number: r.number,
            name: r.name.clone(),
            prompt: r.prompt.clone(),
            testing: r.testing.clone(),
            follow_up: r.follow_up.clone(),
            skill: g.skill_for(r.number).map(str::to_string),
            guidance: guidance_blocks(&pinned, i),
        })
        .collect();
    Ok(KitPage {
        chrome,
        title: g.title.clone(),
        meta,
        rounds,
        skills: g
            .skills
            .iter()
            .map(|s| (s.round, s.skill.clone()))
            .collect(),
    })
}
