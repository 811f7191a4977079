//! A candidate's history: every attempt, and a chart of levels per round kind over time.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::{extract::State, response::IntoResponse};
use sqlx::SqliteConnection;

use super::{error::Result, extract::CurrentUser, layout::Chrome};
use crate::{clock, db, practice::Mode, state::AppState};

/// The export of all the candidate's own data (routed as `history::export`).
pub use super::personal_export::export;

/// One attempt row in the history table.
pub struct AttemptRow {
    pub id: i64,
    pub title: String,
    pub started: String,
    pub mode: &'static str,
    pub status: String,
    /// Submitted feedback not opened yet.
    pub new_feedback: bool,
    pub finished: bool,
    pub self_levels: String,
    pub reviewed_levels: String,
    /// For a retry ("Try this round again"): the round it covers.
    pub retried_round: Option<i64>,
}

/// One small chart: the levels for one round position (Opening, Probe, …), one column per
/// attempt in time order, the self-assessment and each reviewer's level stacked in it.
pub struct Chart {
    pub name: String,
    pub columns: Vec<Column>,
    /// SVG polyline points through the self-assessed dots.
    pub line: String,
    /// The chart in words, for screen readers.
    pub summary: String,
}

/// One attempt's column in a chart.
pub struct Column {
    /// Centre of the column, in SVG units.
    pub x: f64,
    /// "#1", "#2", … in time order (the table says which attempt it is).
    pub tick: String,
    pub date: String,
    pub title: String,
    pub self_level: Option<i64>,
    pub reviewer_levels: Vec<i64>,
    pub dots: Vec<Dot>,
}

impl Column {
    pub fn reviewers_label(&self) -> String {
        if self.reviewer_levels.is_empty() {
            "—".into()
        } else {
            self.reviewer_levels
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        }
    }
}

/// A dot on a chart; `x`, `y` in SVG units. Hollow for self-assessed, filled for reviewed.
pub struct Dot {
    pub x: f64,
    pub y: f64,
    pub level: i64,
    pub label: String,
    pub reviewed: bool,
}

/// The chart's geometry (SVG units): the plot area and the room for axis labels.
pub const CHART_W: f64 = 300.0;
pub const CHART_H: f64 = 140.0;
const LEFT: f64 = 34.0;
const RIGHT: f64 = 290.0;
const TOP: f64 = 10.0;
const BOTTOM: f64 = 100.0;

/// The y of level `l` (1–4).
fn level_y(l: f64) -> f64 {
    BOTTOM - (BOTTOM - TOP) * (l - 1.0) / 3.0
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/history.html")]
struct HistoryPage {
    chrome: Chrome,
    rows: Vec<AttemptRow>,
    charts: Vec<Chart>,
    /// Drills done, retention and streak.
    drills: Option<super::drills::HistoryPanel>,
}

impl HistoryPage {
    /// The y of each level's grid line, for the template: (level, y).
    fn grid(&self) -> Vec<(i64, f64)> {
        (1..=4).map(|l| (l, level_y(l as f64))).collect()
    }
}

/// `GET /history`
pub async fn history(
    CurrentUser(user): CurrentUser,
    chrome: Chrome,
    State(state): State<AppState>,
) -> Result<impl IntoResponse> {
    let mut conn = state.db.get().await?;
    let attempts = db::attempts::summaries_of_user(&mut *conn, user.id).await?;
    let levels = db::attempts::self_levels_of_user(&mut *conn, user.id).await?;
    let reviewed = db::attempts::reviewed_levels_of_user(&mut *conn, user.id).await?;
    let review_states = db::attempts::review_states_of_user(&mut *conn, user.id).await?;
    let rows = attempts
        .iter()
        .map(|s| attempt_row(s, &levels, &reviewed, &review_states))
        .collect();
    let charts = charts(&state, &mut conn, &attempts, &levels, &reviewed).await?;
    let drills = Some(super::drills::history_panel(&state, &mut conn, user.id).await?);
    Ok(HistoryPage {
        drills,
        chrome,
        rows,
        charts,
    })
}

/// One row of the history table.
fn attempt_row(
    s: &db::attempts::AttemptSummary,
    levels: &[db::attempts::LevelPoint],
    reviewed: &[db::attempts::LevelPoint],
    review_states: &[db::attempts::ReviewState],
) -> AttemptRow {
    let a = &s.attempt;
    let mine: Vec<String> = levels
        .iter()
        .filter(|l| l.attempt_id == a.id)
        .map(|l| l.level.to_string())
        .collect();
    let rs = review_states.iter().find(|st| st.attempt_id == a.id);
    AttemptRow {
        id: a.id,
        title: s.title.clone(),
        started: clock::format_datetime(a.started_at),
        mode: if a.mode == Mode::Study {
            "Study"
        } else {
            "Interview"
        },
        status: status_of(a, rs),
        new_feedback: rs.is_some_and(db::attempts::ReviewState::new_feedback),
        finished: a.finished_at.is_some(),
        retried_round: a.only_round,
        reviewed_levels: reviewed_summary(reviewed, a.id),
        self_levels: if mine.is_empty() {
            "—".into()
        } else {
            mine.join(" · ")
        },
    }
}

/// One chart per round position name (every gauntlet escalates through the same five kinds),
/// from the self-assessed and reviewed levels. Round names come from the pinned gauntlets,
/// held in memory once loaded; attempts without a level need none.
async fn charts(
    state: &AppState,
    conn: &mut SqliteConnection,
    attempts: &[db::attempts::AttemptSummary],
    levels: &[db::attempts::LevelPoint],
    reviewed: &[db::attempts::LevelPoint],
) -> Result<Vec<Chart>> {
    let mut by_name: BTreeMap<(u32, String), Vec<ChartPoint>> = BTreeMap::new();
    let tagged = levels
        .iter()
        .map(|l| (l, false))
        .chain(reviewed.iter().map(|l| (l, true)));
    for (l, is_review) in tagged {
        let Some(s) = attempts.iter().find(|s| s.attempt.id == l.attempt_id) else {
            continue;
        };
        let a = &s.attempt;
        let Some(pinned) = state
            .content
            .pinned(&mut *conn, &a.slug, &a.version)
            .await?
        else {
            continue;
        };
        let Some(round) = pinned
            .gauntlet
            .rounds
            .iter()
            .find(|r| i64::from(r.number) == l.round_number)
        else {
            continue;
        };
        let name = round.name.trim_start_matches("The ").to_string();
        by_name
            .entry((round.number, name))
            .or_default()
            .push(ChartPoint {
                attempt: l.attempt_id,
                attempt_at: a.finished_at.unwrap_or(a.started_at),
                title: s.title.clone(),
                level: l.level,
                reviewed: is_review,
            });
    }
    Ok(by_name
        .into_iter()
        .map(|((_, name), points)| chart(name, points))
        .collect())
}

/// An attempt's status in words, with where its reviews stand.
fn status_of(a: &db::attempts::Attempt, rs: Option<&db::attempts::ReviewState>) -> String {
    match (a.finished_at, a.review_requested_at, rs) {
        (None, _, _) => "In progress".into(),
        (Some(_), _, Some(s)) if s.finals > 0 && s.finals < s.claimed => {
            format!("Reviewed ({} of {})", s.finals, s.claimed)
        }
        (Some(_), _, Some(s)) if s.finals > 0 => "Reviewed".into(),
        (Some(_), _, Some(s)) if s.claimed > 0 => "In review".into(),
        (Some(_), Some(_), _) => "Review requested".into(),
        (Some(_), None, _) => "Finished".into(),
    }
}

/// One level to plot.
struct ChartPoint {
    attempt: i64,
    attempt_at: i64,
    title: String,
    level: i64,
    reviewed: bool,
}

/// Per round, the reviewers' mean level ("2 · 3.5 · …"), or a dash before any review.
fn reviewed_summary(reviewed: &[db::attempts::LevelPoint], attempt: i64) -> String {
    let mut by_round: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for l in reviewed.iter().filter(|l| l.attempt_id == attempt) {
        by_round.entry(l.round_number).or_default().push(l.level);
    }
    if by_round.is_empty() {
        return "—".into();
    }
    by_round
        .values()
        .map(|ls| {
            let mean = ls.iter().sum::<i64>() as f64 / ls.len() as f64;
            if mean.fract() == 0.0 {
                format!("{mean:.0}")
            } else {
                format!("{mean:.1}")
            }
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Column `i` of `n`: one attempt's self dot and reviewers' dots.
fn column(i: usize, n: usize, (id, at, title): (i64, i64, &str), points: &[ChartPoint]) -> Column {
    let x = if n <= 1 {
        (LEFT + RIGHT) / 2.0
    } else {
        LEFT + 16.0 + (RIGHT - LEFT - 32.0) * i as f64 / (n - 1) as f64
    };
    let mine: Vec<&ChartPoint> = points.iter().filter(|p| p.attempt == id).collect();
    let self_level = mine.iter().find(|p| !p.reviewed).map(|p| p.level);
    let reviewer_levels: Vec<i64> = mine
        .iter()
        .filter(|p| p.reviewed)
        .map(|p| p.level)
        .collect();
    let tick = format!("#{}", i + 1);
    let date = clock::format_date(at);
    let mut dots = Vec::new();
    for level in 1..=4 {
        let here: Vec<&&ChartPoint> = mine.iter().filter(|p| p.level == level).collect();
        let k = here.len() as f64;
        for (j, p) in here.iter().enumerate() {
            let who = if p.reviewed { "a reviewer" } else { "you" };
            dots.push(Dot {
                x: x + (j as f64 - (k - 1.0) / 2.0) * 9.0,
                y: level_y(level as f64),
                level,
                reviewed: p.reviewed,
                label: format!("{tick} {title} ({date}): {who}, level {level}"),
            });
        }
    }
    Column {
        x,
        tick,
        date,
        title: title.to_string(),
        self_level,
        reviewer_levels,
        dots,
    }
}

/// One column per attempt (oldest left), the self dot and the reviewers' dots stacked in it;
/// dots of equal level sit side by side so none hides another.
fn chart(name: String, mut points: Vec<ChartPoint>) -> Chart {
    points.sort_by_key(|p| (p.attempt_at, p.attempt, p.reviewed, p.level));
    let mut order: Vec<(i64, i64, String)> = Vec::new();
    for p in &points {
        if !order.iter().any(|(id, _, _)| *id == p.attempt) {
            order.push((p.attempt, p.attempt_at, p.title.clone()));
        }
    }
    let columns: Vec<Column> = order
        .iter()
        .enumerate()
        .map(|(i, (id, at, title))| column(i, order.len(), (*id, *at, title), &points))
        .collect();
    let line = columns
        .iter()
        .filter_map(|c| {
            c.self_level
                .map(|l| format!("{:.1},{:.1}", c.x, level_y(l as f64)))
        })
        .collect::<Vec<_>>()
        .join(" ");
    let summary = columns
        .iter()
        .map(|c| {
            format!(
                "attempt {} ({}): you {}, reviewers {}",
                c.tick,
                c.date,
                c.self_level.map_or("—".to_string(), |l| l.to_string()),
                c.reviewers_label()
            )
        })
        .collect::<Vec<_>>()
        .join("; ");
    Chart {
        summary: format!("{name}, level 1 to 4 by attempt: {summary}"),
        name,
        columns,
        line,
    }
}
