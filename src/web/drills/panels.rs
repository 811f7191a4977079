//! Drills: the home panel ("N drills due today", what to practise next), the History panel and
//! a card in the data export.

use sqlx::SqliteConnection;

use crate::web::error::Result;
use crate::{
    content::library::Library,
    db::attempts::{Attempt, LevelPoint},
    db::{self, drills::Card},
    drills::{
        self, Rating,
        next::{self, Observation},
    },
    state::AppState,
};

/// The home page's drills panel.
pub struct HomePanel {
    pub due_today: i64,
    pub first_due: Option<i64>,
    pub next: Option<next::Suggestion>,
}

/// What the home page shows about drills for `user_id`.
pub async fn home_panel(
    state: &AppState,
    conn: &mut SqliteConnection,
    user_id: i64,
) -> Result<HomePanel> {
    let now = state.clock.now();
    let due = db::drills::due(&mut *conn, user_id, drills::end_of_day(now)).await?;
    let lib = state.content.current();
    let attempts = db::attempts::for_user(&mut *conn, user_id).await?;
    let levels: Vec<_> = db::attempts::self_levels_of_user(&mut *conn, user_id)
        .await?
        .into_iter()
        .chain(db::attempts::reviewed_levels_of_user(&mut *conn, user_id).await?)
        .collect();
    let observations = observations(&lib, &levels);
    let open: Vec<String> = db::drills::for_user(&mut *conn, user_id)
        .await?
        .iter()
        .filter(|c| c.dismissed_at.is_none())
        .filter_map(|c| {
            let g = &lib.get(&c.slug)?.gauntlet;
            g.rounds
                .iter()
                .find(|r| i64::from(r.number) == c.round_number)
                .map(|r| r.name.clone())
        })
        .collect();
    let choices = choices(&lib, &attempts);
    Ok(HomePanel {
        due_today: i64::try_from(due.len()).unwrap_or(i64::MAX),
        first_due: due.first().map(|c| c.id),
        next: next::suggest(&observations, &open, &choices, now),
    })
}

/// What the levels (self-assessed and reviewed) say about each kind of round and skill.
fn observations(lib: &Library, levels: &[LevelPoint]) -> Vec<Observation> {
    levels
        .iter()
        .filter_map(|lp| {
            let g = &lib.get(&lp.slug)?.gauntlet;
            let r = g
                .rounds
                .iter()
                .find(|r| i64::from(r.number) == lp.round_number)?;
            Some(Observation {
                round_kind: r.name.clone(),
                skill: g.skill_for(r.number).map(str::to_string),
                level: lp.level as f64,
            })
        })
        .collect()
}

/// Every gauntlet of the library as a choice for "what next", with the person's last attempt.
fn choices(lib: &Library, attempts: &[Attempt]) -> Vec<next::Choice> {
    lib.iter()
        .map(|e| {
            let g = &e.gauntlet;
            next::Choice {
                slug: g.slug.clone(),
                title: g.title.clone(),
                rounds: g
                    .rounds
                    .iter()
                    .map(|r| (r.name.clone(), g.skill_for(r.number).map(str::to_string)))
                    .collect(),
                last_attempt: attempts
                    .iter()
                    .filter(|a| a.slug == g.slug)
                    .map(|a| a.started_at)
                    .max(),
            }
        })
        .collect()
}

/// History's drills panel.
pub struct HistoryPanel {
    pub cards: usize,
    pub done: usize,
    pub retention: Option<u32>,
    pub streak: u32,
    pub done_today: usize,
}

/// What History shows about drills for `user_id`.
pub async fn history_panel(
    state: &AppState,
    conn: &mut SqliteConnection,
    user_id: i64,
) -> Result<HistoryPanel> {
    let log: Vec<(Rating, i64)> = db::drills::reviews_of_user(&mut *conn, user_id)
        .await?
        .into_iter()
        .filter_map(|r| Some((Rating::from_number(r.rating)?, r.reviewed_at)))
        .collect();
    let cards = db::drills::for_user(&mut *conn, user_id)
        .await?
        .iter()
        .filter(|c| c.dismissed_at.is_none())
        .count();
    let p = drills::progress::progress(&log, state.clock.now());
    Ok(HistoryPanel {
        cards,
        done: p.done,
        retention: p.retention.map(|r| (r * 100.0).round() as u32),
        streak: p.streak,
        done_today: p.done_today,
    })
}

/// One card of the personal export's `drill_cards`, with its review log.
pub fn export_card(c: &Card, reviews: &[db::drills::Review]) -> serde_json::Value {
    let log: Vec<_> = reviews
        .iter()
        .map(|r| {
            serde_json::json!({
                "rating": Rating::from_number(r.rating).map(Rating::label),
                "answer": r.answer,
                "reviewed_at": r.reviewed_at,
                "interval_secs": r.interval_secs,
                "due_at": r.due_at,
            })
        })
        .collect();
    serde_json::json!({
        "id": c.id,
        "gauntlet": c.slug,
        "gauntlet_version": c.version,
        "round": c.round_number,
        "kind": c.kind,
        "key": c.key,
        "sources": c.sources.split(',').collect::<Vec<_>>(),
        "attempt_id": c.attempt_id,
        "stability": c.stability,
        "difficulty": c.difficulty,
        "due_at": c.due_at,
        "reps": c.reps,
        "lapses": c.lapses,
        "dismissed_at": c.dismissed_at,
        "created_at": c.created_at,
        "reviews": log,
    })
}
