//! For interviewers and admins: the calibration page (where reviewers disagree) and the
//! interviewer kit (a whole gauntlet with all its guidance on one printable page).

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};

use super::{
    error::{AppError, Result},
    extract::RequireInterviewer,
    layout::Chrome,
    round_view::{GuidanceBlock, guidance_blocks},
};
use crate::{
    db,
    grading::calibration::{self, Agreement, Grade},
    state::AppState,
};

/// One attempt–round with two or more levels.
pub struct SpreadRow {
    pub attempt_id: i64,
    pub round: u32,
    pub levels: Vec<(String, u8)>,
    pub range: u8,
}

/// One reviewer's calibration line.
pub struct ReviewerRow {
    pub name: String,
    pub pairs: usize,
    pub exact: String,
    pub kappa: String,
    pub mean: String,
    pub others_mean: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/review/calibration.html")]
struct CalibrationPage {
    chrome: Chrome,
    attempts: usize,
    overall: Agreement,
    spreads: Vec<SpreadRow>,
    reviewers: Vec<ReviewerRow>,
}

impl CalibrationPage {
    fn pct(&self, v: &Option<f64>) -> String {
        v.map_or("—".into(), |x| format!("{:.0}%", x * 100.0))
    }

    fn num(&self, v: &Option<f64>) -> String {
        v.map_or("—".into(), |x| format!("{x:.2}"))
    }
}

/// `GET /calibration`
pub async fn calibration(
    RequireInterviewer(_): RequireInterviewer,
    chrome: Chrome,
    State(state): State<AppState>,
) -> Result<impl axum::response::IntoResponse> {
    let mut conn = state.db.get().await?;
    let grades: Vec<Grade> = db::reviews::final_levels(&mut *conn)
        .await?
        .into_iter()
        .filter_map(|l| {
            Some(Grade {
                attempt: l.attempt_id,
                round: u32::try_from(l.round_number).ok()?,
                reviewer: l.reviewer_id,
                level: u8::try_from(l.level).ok()?,
            })
        })
        .collect();
    let names: HashMap<i64, String> = db::users::list(&mut *conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let name = |id: &i64| names.get(id).cloned().unwrap_or_else(|| format!("#{id}"));
    let spreads = calibration::spreads(&grades)
        .into_iter()
        .map(|s| SpreadRow {
            attempt_id: s.attempt,
            round: s.round,
            levels: s.levels.iter().map(|(r, l)| (name(r), *l)).collect(),
            range: s.range,
        })
        .collect();
    let fmt_pct = |v: Option<f64>| v.map_or("—".into(), |x| format!("{:.0}%", x * 100.0));
    let fmt_num = |v: Option<f64>| v.map_or("—".into(), |x| format!("{x:.2}"));
    let reviewers = calibration::per_reviewer(&grades)
        .into_iter()
        .map(|r| ReviewerRow {
            name: name(&r.reviewer),
            pairs: r.pairs,
            exact: fmt_pct(r.exact),
            kappa: fmt_num(r.kappa),
            mean: format!("{:.2}", r.mean_level),
            others_mean: format!("{:.2}", r.others_mean),
        })
        .collect();
    Ok(CalibrationPage {
        chrome,
        attempts: calibration::attempts_with_multiple_reviewers(&grades).len(),
        overall: calibration::agreement(&grades),
        spreads,
        reviewers,
    })
}

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
#[template(path = "pages/review/kit.html")]
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
