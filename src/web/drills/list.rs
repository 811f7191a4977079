//! Drills: the list of a person's cards, due and dismissed.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::State,
    response::{IntoResponse, Response},
};
use sqlx::SqliteConnection;

use crate::web::{error::Result, extract::CurrentUser, layout::Chrome};
use crate::{
    content_store::Pinned,
    db::{self, drills::Card},
    drills::{self, CardKind, reveal},
    state::AppState,
};

/// One card in a list.
pub struct CardRow {
    pub id: i64,
    pub title: String,
    pub round: String,
    pub kind: &'static str,
    pub what: String,
    pub due: String,
    pub due_now: bool,
    pub reps: i64,
    pub from_reviewer: bool,
}

/// Each card's place (from 1) among the person's cards of its gauntlet version, round and kind,
/// in the order they were made (which follows the Strong Answer and the Trap Alert).
fn ordinals(all: &[Card]) -> HashMap<i64, usize> {
    let mut sorted: Vec<&Card> = all.iter().collect();
    sorted.sort_by_key(|c| c.id);
    let mut seen: HashMap<(&str, &str, i64, &str), usize> = HashMap::new();
    sorted
        .into_iter()
        .map(|c| {
            let n = seen
                .entry((&c.slug, &c.version, c.round_number, &c.kind))
                .or_default();
            *n += 1;
            (c.id, *n)
        })
        .collect()
}

async fn rows(
    state: &AppState,
    conn: &mut SqliteConnection,
    cards: &[Card],
    ordinal: &HashMap<i64, usize>,
    now: i64,
) -> Result<Vec<CardRow>> {
    let mut titles: HashMap<(String, String), std::sync::Arc<Pinned>> = HashMap::new();
    let mut out = Vec::new();
    for c in cards {
        let k = (c.slug.clone(), c.version.clone());
        if !titles.contains_key(&k) {
            match state
                .content
                .pinned(&mut *conn, &c.slug, &c.version)
                .await?
            {
                Some(p) => {
                    titles.insert(k.clone(), p);
                }
                None => continue,
            }
        }
        let p = &titles[&k];
        let kind = CardKind::parse(&c.kind).unwrap_or(CardKind::Point);
        let round = p
            .gauntlet
            .rounds
            .iter()
            .find(|r| i64::from(r.number) == c.round_number)
            .map(|r| format!("Round {} · {}", r.number, r.name))
            .unwrap_or_default();
        out.push(CardRow {
            id: c.id,
            title: p.gauntlet.title.clone(),
            round,
            kind: kind.as_str(),
            what: reveal::describe(
                kind,
                &c.key,
                ordinal.get(&c.id).copied().unwrap_or(0),
                c.dismissed_at.is_some(),
            ),
            due: drills::due_label(c.due_at, now),
            due_now: c.due_at < drills::end_of_day(now),
            reps: c.reps,
            from_reviewer: c.sources.contains("reviewer"),
        });
    }
    Ok(out)
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/drills/index.html")]
struct IndexPage {
    chrome: Chrome,
    due: Vec<CardRow>,
    later: Vec<CardRow>,
    dismissed: Vec<CardRow>,
}

/// `GET /drills`: due today, later, dismissed.
pub async fn index(
    CurrentUser(user): CurrentUser,
    chrome: Chrome,
    State(state): State<AppState>,
) -> Result<Response> {
    let now = state.clock.now();
    let mut conn = state.db.get().await?;
    let all = db::drills::for_user(&mut *conn, user.id).await?;
    let ordinal = ordinals(&all);
    let (dismissed, open): (Vec<Card>, Vec<Card>) =
        all.into_iter().partition(|c| c.dismissed_at.is_some());
    let end = drills::end_of_day(now);
    let (due, later): (Vec<Card>, Vec<Card>) = open.into_iter().partition(|c| c.due_at < end);
    Ok(IndexPage {
        due: rows(&state, &mut conn, &due, &ordinal, now).await?,
        later: rows(&state, &mut conn, &later, &ordinal, now).await?,
        dismissed: rows(&state, &mut conn, &dismissed, &ordinal, now).await?,
        chrome,
    }
    .into_response())
}
