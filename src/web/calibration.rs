//! For interviewers and admins: the calibration page (where reviewers disagree). The
//! interviewer kit is part of the catalog (`catalog::kit`).

use std::{collections::HashMap, sync::Arc};

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use super::{error::Result, extract::RequireInterviewer, layout::Chrome};
use crate::{
    content_store::Pinned,
    db,
    grading::calibration::{self, Agreement, Grade, TrapFlag, TrapSplit},
    state::AppState,
};

/// One attempt–round with two or more levels.
pub struct SpreadRow {
    pub attempt_id: i64,
    /// The gauntlet's title (its slug if that version is gone).
    pub gauntlet: String,
    pub round: u32,
    /// The round's name ("The Probe"), when the gauntlet version is known.
    pub round_name: String,
    pub levels: Vec<(String, u8)>,
    pub range: u8,
    /// When the reviewers disagree on "fell into the trap": who flagged it, who did not.
    pub trap_split: Option<(String, String)>,
}

/// One reviewer's calibration line.
pub struct ReviewerRow {
    pub name: String,
    /// Rounds this reviewer graded that someone else graded too.
    pub items: usize,
    pub pairs: usize,
    pub exact: String,
    pub kappa: String,
    pub mean: String,
    pub others_mean: String,
    /// Too few pairs to read much into this reviewer's numbers.
    pub few: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/review/calibration.html")]
struct CalibrationPage {
    chrome: Chrome,
    attempts: usize,
    overall: Agreement,
    spreads: Vec<SpreadRow>,
    reviewers: Vec<ReviewerRow>,
    /// Rounds whose reviewers disagree on the trap flag.
    trap_splits: usize,
    few_pairs: usize,
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
    let levels = db::reviews::final_levels(&mut *conn).await?;
    let (grades, flags) = grades_of(&levels);
    // each attempt's gauntlet version, for the titles and round names
    let (gauntlets, slugs) = pinned_by_attempt(&state, &mut conn, &levels).await?;
    let names: HashMap<i64, String> = db::users::list(&mut *conn)
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let name = |id: &i64| {
        names
            .get(id)
            .cloned()
            .unwrap_or_else(|| "former interviewer".into())
    };
    let splits: HashMap<(i64, u32), TrapSplit> = calibration::trap_splits(&flags)
        .into_iter()
        .map(|s| ((s.attempt, s.round), s))
        .collect();
    let join = |ids: &[i64]| ids.iter().map(&name).collect::<Vec<_>>().join(", ");
    let spreads = calibration::spreads(&grades)
        .into_iter()
        .map(|s| {
            let pinned = gauntlets.get(&s.attempt).and_then(Option::as_ref);
            SpreadRow {
                attempt_id: s.attempt,
                gauntlet: pinned.map_or_else(
                    || slugs.get(&s.attempt).cloned().unwrap_or_default(),
                    |p| p.gauntlet.title.clone(),
                ),
                round: s.round,
                round_name: pinned
                    .and_then(|p| p.gauntlet.rounds.iter().find(|r| r.number == s.round))
                    .map(|r| r.name.clone())
                    .unwrap_or_default(),
                levels: s.levels.iter().map(|(r, l)| (name(r), *l)).collect(),
                range: s.range,
                trap_split: splits
                    .get(&(s.attempt, s.round))
                    .map(|t| (join(&t.flagged), join(&t.not_flagged))),
            }
        })
        .collect();
    let reviewers = reviewer_rows(&grades, name);
    Ok(CalibrationPage {
        chrome,
        attempts: calibration::attempts_with_multiple_reviewers(&grades).len(),
        overall: calibration::agreement(&grades),
        spreads,
        reviewers,
        trap_splits: splits.len(),
        few_pairs: calibration::FEW_PAIRS,
    })
}

/// Every final round level as a grade, and every round's trap flag.
fn grades_of(levels: &[db::reviews::FinalLevel]) -> (Vec<Grade>, Vec<TrapFlag>) {
    let grades = levels
        .iter()
        .filter_map(|l| {
            Some(Grade {
                attempt: l.attempt_id,
                round: u32::try_from(l.round_number).ok()?,
                reviewer: l.reviewer_id,
                level: u8::try_from(l.level).ok()?,
            })
        })
        .collect();
    let flags = levels
        .iter()
        .filter_map(|l| {
            Some(TrapFlag {
                attempt: l.attempt_id,
                round: u32::try_from(l.round_number).ok()?,
                reviewer: l.reviewer_id,
                fell: l.fell_into_trap,
            })
        })
        .collect();
    (grades, flags)
}

/// Pinned gauntlets and slugs by attempt.
type PinnedByAttempt = (HashMap<i64, Option<Arc<Pinned>>>, HashMap<i64, String>);

/// Each graded attempt's pinned gauntlet (held in memory once loaded) and slug.
async fn pinned_by_attempt(
    state: &AppState,
    conn: &mut sqlx::SqliteConnection,
    levels: &[db::reviews::FinalLevel],
) -> Result<PinnedByAttempt> {
    let mut gauntlets: HashMap<i64, Option<Arc<Pinned>>> = HashMap::new();
    let mut slugs: HashMap<i64, String> = HashMap::new();
    for l in levels {
        if let std::collections::hash_map::Entry::Vacant(e) = gauntlets.entry(l.attempt_id) {
            e.insert(
                state
                    .content
                    .pinned(&mut *conn, &l.slug, &l.version)
                    .await?,
            );
            slugs.insert(l.attempt_id, l.slug.clone());
        }
    }
    Ok((gauntlets, slugs))
}

/// One row per reviewer: agreement with the others and mean levels.
fn reviewer_rows(grades: &[Grade], name: impl Fn(&i64) -> String) -> Vec<ReviewerRow> {
    let fmt_pct = |v: Option<f64>| v.map_or("—".into(), |x| format!("{:.0}%", x * 100.0));
    let fmt_num = |v: Option<f64>| v.map_or("—".into(), |x| format!("{x:.2}"));
    calibration::per_reviewer(grades)
        .into_iter()
        .map(|r| ReviewerRow {
            name: name(&r.reviewer),
            items: r.items,
            pairs: r.pairs,
            exact: fmt_pct(r.exact),
            kappa: fmt_num(r.kappa),
            mean: format!("{:.2}", r.mean_level),
            others_mean: format!("{:.2}", r.others_mean),
            few: r.pairs < calibration::FEW_PAIRS,
        })
        .collect()
}
