//! Drills: the cards made from an attempt's misses (when the self-assessment is saved and when
//! a final review arrives), the drill page (answer, reveal, rate), dismissing cards, the home
//! panel ("N drills due today", what to practise next) and the History panel. The rules live in
//! `crate::drills`; this module only loads, renders and stores.
//!
//! Every card route loads the card through `db::drills::owned`, so another person's card is a
//! 404 whatever the route.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::{
    extract::{Path, State},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use sqlx::SqliteConnection;
use tower_sessions::Session;

use super::{
    error::{AppError, Result},
    extract::CurrentUser,
    form::{StrictForm, normalise_newlines},
    highlight::{Segment, segments},
    layout::Chrome,
    round_view::{GuidanceBlock, guidance_blocks},
};
use crate::{
    align::Alignment,
    auth::session,
    clock,
    content::SectionKind,
    db::{self, attempts::Answer, drills::Card},
    drills::{
        self, CardKind, MAX_ANSWER_CHARS, NewCard, Rating, WHOLE_TRAP, cards,
        next::{self, Observation},
    },
    library::Pinned,
    practice::Part,
    state::AppState,
};

// ---------------------------------------------------------------------------------------------
// Making cards

/// The cards an attempt's answers produce: every round's alignment, plus the rounds a
/// reviewer flagged as "fell into the trap".
pub fn cards_for_attempt(
    pinned: &Pinned,
    answers: &[Answer],
    reviewer_trap_rounds: &[u32],
) -> Vec<NewCard> {
    let mut out = Vec::new();
    for (i, r) in pinned.gauntlet.rounds.iter().enumerate() {
        let Some(a) = answers
            .iter()
            .find(|a| a.round_number == i64::from(r.number) && a.part == Part::Main.as_str())
        else {
            continue;
        };
        if a.submitted_at.is_none() {
            continue;
        }
        let alignment = pinned.align(i, &a.body);
        out.extend(cards::from_alignment(r.number, &alignment));
        if reviewer_trap_rounds.contains(&r.number) {
            out.extend(cards::from_reviewer_trap(r.number, &alignment));
        }
    }
    cards::merge(out)
}

/// Stores new cards for `user_id` inside the caller's write transaction (duplicates merge).
pub async fn store_cards(
    conn: &mut SqliteConnection,
    state: &AppState,
    user_id: i64,
    attempt: &db::attempts::Attempt,
    new: &[NewCard],
) -> Result<()> {
    let now = state.clock.now();
    for c in new {
        let first = state.scheduler.rate(None, c.kind.initial_rating(), now);
        db::drills::upsert(
            conn,
            user_id,
            &attempt.slug,
            &attempt.version,
            attempt.id,
            c,
            &first,
            now,
        )
        .await?;
    }
    Ok(())
}

/// Cards for a finally reviewed attempt: loads the attempt (of any owner; the caller has
/// checked the reviewer may see it) and stores its cards for the candidate.
pub async fn cards_after_review(
    state: &AppState,
    conn: &mut SqliteConnection,
    attempt_id: i64,
    reviewer_trap_rounds: &[u32],
) -> Result<()> {
    let Some(a) = db::attempts::with_answers(&mut *conn, attempt_id, None).await? else {
        return Ok(());
    };
    if a.attempt.only_round.is_some() {
        return Ok(());
    }
    let Some(pinned) = state
        .content
        .pinned(&mut *conn, &a.attempt.slug, &a.attempt.version)
        .await?
    else {
        return Ok(());
    };
    let new = cards_for_attempt(&pinned, &a.answers, reviewer_trap_rounds);
    store_cards(conn, state, a.attempt.user_id, &a.attempt, &new).await
}

// ---------------------------------------------------------------------------------------------
// Reading cards

/// A card with what the pages need from its gauntlet.
struct Loaded {
    card: Card,
    kind: CardKind,
    pinned: std::sync::Arc<Pinned>,
    index: usize,
}

impl Loaded {
    fn round(&self) -> &crate::content::Round {
        &self.pinned.gauntlet.rounds[self.index]
    }
}

async fn load_card(state: &AppState, id: i64, user_id: i64) -> Result<Loaded> {
    let mut conn = state.db.get().await?;
    let card = db::drills::owned(&mut *conn, id, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let pinned = state
        .content
        .pinned(&mut *conn, &card.slug, &card.version)
        .await?
        .ok_or_else(|| {
            AppError::Internal(format!(
                "gauntlet version {}@{} is missing",
                card.slug, card.version
            ))
        })?;
    let index = pinned
        .gauntlet
        .rounds
        .iter()
        .position(|r| i64::from(r.number) == card.round_number)
        .ok_or_else(|| AppError::Internal(format!("card {id} names a missing round")))?;
    let kind = CardKind::parse(&card.kind)
        .ok_or_else(|| AppError::Internal(format!("card {id} has kind {}", card.kind)))?;
    Ok(Loaded {
        card,
        kind,
        pinned,
        index,
    })
}

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

/// What a card is about, without giving the missed part away (`ordinal`: the card's place among
/// the person's cards of the same round and kind, so the rows of one round differ), or with it
/// for a dismissed card (`shown`).
fn describe(kind: CardKind, key: &str, ordinal: usize, shown: bool) -> String {
    let what = match kind {
        CardKind::Point => format!("Strong-answer point {ordinal} you missed"),
        CardKind::Trap if key == WHOLE_TRAP => {
            "The round's trap (flagged by a reviewer)".to_string()
        }
        CardKind::Trap => format!("Trap {ordinal} you fell into"),
    };
    if shown && !key.is_empty() {
        format!("{what}: “{key}”")
    } else {
        what
    }
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
            what: describe(
                kind,
                &c.key,
                ordinal.get(&c.id).copied().unwrap_or(0),
                c.dismissed_at.is_some(),
            ),
            due: if c.due_at <= now {
                "due now".to_string()
            } else if c.due_at < drills::end_of_day(now) {
                "due later today".to_string()
            } else {
                format!(
                    "due {} (in {})",
                    clock::format_date(c.due_at),
                    drills::describe_interval(c.due_at - now)
                )
            },
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

// ---------------------------------------------------------------------------------------------
// The drill

#[derive(Template, WebTemplate)]
#[template(path = "pages/drills/drill.html")]
struct DrillPage {
    chrome: Chrome,
    id: i64,
    title: String,
    round_number: u32,
    round_name: String,
    testing: Option<String>,
    prompt: String,
    /// What to answer, without giving the missed part away.
    ask: String,
    kind: &'static str,
    answer: String,
    error: Option<String>,
    due_left: i64,
    max_chars: usize,
}

fn ask(kind: CardKind) -> String {
    match kind {
        CardKind::Point => "Your answer to this round missed a point a strong answer makes. Answer the question again in a few sentences, covering what a strong answer must not leave out.".into(),
        CardKind::Trap => "Your answer to this round fell into its trap. Answer the question again in a few sentences, the way you would without falling into it.".into(),
    }
}

fn drill_page(
    chrome: Chrome,
    l: &Loaded,
    answer: String,
    error: Option<String>,
    due_left: i64,
) -> DrillPage {
    let r = l.round();
    DrillPage {
        chrome,
        id: l.card.id,
        title: l.pinned.gauntlet.title.clone(),
        round_number: r.number,
        round_name: r.name.clone(),
        testing: r.testing.clone(),
        prompt: r.prompt.clone(),
        ask: ask(l.kind),
        kind: l.kind.as_str(),
        answer,
        error,
        due_left,
        max_chars: MAX_ANSWER_CHARS,
    }
}

/// `GET /drills/{id}`: the question, without the missed part.
pub async fn show(
    CurrentUser(user): CurrentUser,
    chrome: Chrome,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response> {
    let l = load_card(&state, id, user.id).await?;
    let now = state.clock.now();
    let left = db::drills::count_due(
        &mut *state.db.get().await?,
        user.id,
        drills::end_of_day(now),
    )
    .await?;
    Ok(drill_page(chrome, &l, String::new(), None, left).into_response())
}

#[derive(Deserialize)]
pub struct RevealForm {
    #[serde(default)]
    answer: String,
}

/// A drill answer as stored: newlines normalised, trimmed, at most `MAX_ANSWER_CHARS`, no
/// control characters.
fn clean_answer(raw: &str) -> std::result::Result<String, String> {
    let a = normalise_newlines(raw).trim().to_string();
    if a.chars().count() > MAX_ANSWER_CHARS {
        return Err(format!(
            "Keep a drill answer to a few sentences: at most {MAX_ANSWER_CHARS} characters."
        ));
    }
    if let Err(p) = crate::practice::check_answer(&a) {
        return Err(p.message());
    }
    Ok(a)
}

/// One of the four rating buttons.
pub struct RateButton {
    pub number: i64,
    pub label: &'static str,
    pub interval: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "pages/drills/reveal.html")]
struct RevealPage {
    chrome: Chrome,
    id: i64,
    title: String,
    round_number: u32,
    round_name: String,
    prompt: String,
    kind: &'static str,
    answer: String,
    answer_segments: Vec<Segment>,
    /// Point cards: the Strong Answer sentence(s) holding the missed point.
    strong: Option<String>,
    /// Trap cards: the phrase the first answer used ("" for the whole Trap Alert).
    phrase: String,
    /// Trap cards: the Trap Alert / Trap Question Variant guidance.
    guidance: Vec<GuidanceBlock>,
    /// What the alignment says about the new answer.
    verdict: String,
    verdict_good: bool,
    buttons: Vec<RateButton>,
    last_reviewed_at: i64,
    reps: i64,
}

/// The sentence(s) of `text` around `[start, end)`.
fn sentence_around(text: &str, span: [usize; 2]) -> Option<String> {
    let [start, end] = span;
    if start >= end
        || end > text.len()
        || !text.is_char_boundary(start)
        || !text.is_char_boundary(end)
    {
        return None;
    }
    let is_stop = |c: char| matches!(c, '.' | '!' | '?' | '\n');
    let from = text[..start]
        .char_indices()
        .rev()
        .find(|(_, c)| is_stop(*c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let to = text[end..]
        .char_indices()
        .find(|(_, c)| is_stop(*c))
        .map_or(text.len(), |(i, c)| end + i + c.len_utf8());
    Some(text[from..to].trim().to_string())
}

/// The reveal for a point card: the Strong Answer sentence and the new answer's alignment
/// against that one point.
fn reveal_point(l: &Loaded, alignment: &Alignment) -> (Option<String>, Alignment, String, bool) {
    let norm = cards::normal_key(&l.card.key);
    let hit = alignment
        .points
        .iter()
        .find(|p| cards::normal_key(&p.text) == norm);
    let strong = hit
        .and_then(|p| {
            let section = l.round().section(SectionKind::StrongAnswer)?;
            let text = match p.item {
                Some(i) => section.items.get(i)?.as_str(),
                None => section.text.as_str(),
            };
            sentence_around(text, p.guidance_span)
        })
        .or_else(|| Some(l.card.key.clone()));
    let only = Alignment {
        coverage: alignment.coverage,
        points: hit.cloned().into_iter().collect(),
        weak_matches: Vec::new(),
        red_flags: Vec::new(),
    };
    let (verdict, good) = match hit {
        Some(p) if p.covered => (
            "Your new answer covers this point (the matching words are highlighted).".to_string(),
            true,
        ),
        Some(p) if p.score > 0.0 => (
            format!(
                "Your new answer touches this point but does not cover it ({}% of its weight found).",
                (p.score * 100.0).round()
            ),
            false,
        ),
        _ => (
            "Your new answer does not cover this point yet.".to_string(),
            false,
        ),
    };
    (strong, only, verdict, good)
}

/// The reveal for a trap card: whether the new answer falls into the same trap again.
fn reveal_trap(l: &Loaded, alignment: &Alignment) -> (Alignment, String, bool) {
    let norm = cards::normal_key(&l.card.key);
    let found: Vec<_> = alignment
        .red_flags
        .iter()
        .filter(|f| !f.missing_hedge && !f.answer_spans.is_empty())
        .filter(|f| l.card.key == WHOLE_TRAP || cards::normal_key(&f.phrase) == norm)
        .cloned()
        .collect();
    let (verdict, good) = if found.is_empty() {
        (
            if l.card.key == WHOLE_TRAP {
                "No warned-against phrase found in your new answer. Check it against the Trap Alert yourself.".to_string()
            } else {
                format!("Your new answer no longer says “{}”.", l.card.key)
            },
            true,
        )
    } else {
        (
            "Your new answer still uses a phrase the Trap Alert warns against (highlighted)."
                .to_string(),
            false,
        )
    };
    let only = Alignment {
        coverage: alignment.coverage,
        points: Vec::new(),
        weak_matches: Vec::new(),
        red_flags: found,
    };
    (only, verdict, good)
}

fn buttons(state: &AppState, card: &Card, now: i64) -> Vec<RateButton> {
    let p = state.scheduler.preview(Some(card.last()), now);
    Rating::ALL
        .iter()
        .zip(p)
        .map(|(r, o)| RateButton {
            number: r.number(),
            label: r.label(),
            interval: drills::describe_interval(o.interval_secs),
        })
        .collect()
}

/// `POST /drills/{id}/reveal`: the missed part and the alignment of what was written. Changes
/// nothing (a POST so the answer never sits in a URL).
pub async fn reveal(
    CurrentUser(user): CurrentUser,
    chrome: Chrome,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StrictForm(form): StrictForm<RevealForm>,
) -> Result<Response> {
    let l = load_card(&state, id, user.id).await?;
    if l.card.dismissed_at.is_some() {
        return Err(AppError::Conflict(
            "This card is dismissed. Bring it back from the drills page to practise it.".into(),
        ));
    }
    let now = state.clock.now();
    let answer = match clean_answer(&form.answer) {
        Ok(a) => a,
        Err(msg) => {
            let mut resp =
                drill_page(chrome, &l, form.answer.clone(), Some(msg), 0).into_response();
            *resp.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
            return Ok(resp);
        }
    };
    let alignment = l.pinned.align(l.index, &answer);
    let (strong, only, verdict, good, guidance) = match l.kind {
        CardKind::Point => {
            let (s, only, v, g) = reveal_point(&l, &alignment);
            (s, only, v, g, Vec::new())
        }
        CardKind::Trap => {
            let (only, v, g) = reveal_trap(&l, &alignment);
            let blocks = guidance_blocks(&l.pinned, l.index)
                .into_iter()
                .filter(|b| b.tone == "trap")
                .collect();
            (None, only, v, g, blocks)
        }
    };
    let r = l.round();
    Ok(RevealPage {
        id,
        title: l.pinned.gauntlet.title.clone(),
        round_number: r.number,
        round_name: r.name.clone(),
        prompt: r.prompt.clone(),
        kind: l.kind.as_str(),
        answer_segments: segments(&answer, Some(&only), &[], "d"),
        answer,
        strong,
        phrase: l.card.key.clone(),
        guidance,
        verdict,
        verdict_good: good,
        buttons: buttons(&state, &l.card, now),
        last_reviewed_at: l.card.last_reviewed_at,
        reps: l.card.reps,
        chrome,
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct RateForm {
    rating: String,
    #[serde(default)]
    answer: String,
    /// The card's last review time and count when the reveal was shown (a double submit guard).
    reviewed: String,
    reps: String,
}

/// `POST /drills/{id}/rate`: records the drill, moves the card, goes to the next due card.
pub async fn rate(
    CurrentUser(user): CurrentUser,
    session: Session,
    State(state): State<AppState>,
    Path(id): Path<i64>,
    StrictForm(form): StrictForm<RateForm>,
) -> Result<Response> {
    let l = load_card(&state, id, user.id).await?;
    let rating = form
        .rating
        .parse::<i64>()
        .ok()
        .and_then(Rating::from_number)
        .ok_or_else(|| {
            AppError::Unprocessable("Rate the drill Again, Hard, Good or Easy.".into())
        })?;
    let answer = clean_answer(&form.answer).map_err(AppError::Unprocessable)?;
    let (Ok(reviewed), Ok(reps)) = (form.reviewed.parse::<i64>(), form.reps.parse::<i64>()) else {
        return Err(AppError::Unprocessable(
            "The drill form is incomplete; open the card again.".into(),
        ));
    };
    if l.card.dismissed_at.is_some() {
        return Err(AppError::Conflict(
            "This card is dismissed. Bring it back from the drills page to practise it.".into(),
        ));
    }
    let now = state.clock.now();
    let outcome = state.scheduler.rate(Some(l.card.last()), rating, now);
    let mut tx = db::begin_write(&state.writer).await?;
    let done = db::drills::rate(
        &mut tx, id, user.id, reviewed, reps, rating, &answer, &outcome, now,
    )
    .await?;
    tx.commit().await?;
    if !done {
        return Err(AppError::Conflict(
            "This drill was already rated (in another tab?). Nothing was changed.".into(),
        ));
    }
    tracing::info!(
        user = user.id,
        card = id,
        rating = rating.number(),
        "drill rated"
    );
    let mut conn = state.db.get().await?;
    let next = db::drills::due(&mut *conn, user.id, drills::end_of_day(now)).await?;
    session::flash(
        &session,
        "success",
        format!(
            "{}: next due {} ({}).{}",
            rating.label(),
            clock::format_date(outcome.due_at),
            if outcome.interval_secs == 0 {
                "later today".to_string()
            } else {
                format!("in {}", drills::describe_interval(outcome.interval_secs))
            },
            match next.len() {
                0 => " No more drills due today.".to_string(),
                1 => " 1 more due today.".to_string(),
                n => format!(" {n} more due today."),
            }
        ),
    )
    .await?;
    // the next card, but not the same one straight away unless it is the only one left
    let to = next
        .iter()
        .find(|c| c.id != id && c.due_at <= now)
        .or_else(|| next.iter().find(|c| c.id != id))
        .map_or("/drills".to_string(), |c| format!("/drills/{}", c.id));
    Ok(Redirect::to(&to).into_response())
}

/// `POST /drills/{id}/dismiss`: "not relevant to me".
pub async fn dismiss(
    CurrentUser(user): CurrentUser,
    session: Session,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response> {
    set_dismissed(&state, &session, user.id, id, true).await
}

/// `POST /drills/{id}/restore`: bring a dismissed card back.
pub async fn restore(
    CurrentUser(user): CurrentUser,
    session: Session,
    State(state): State<AppState>,
    Path(id): Path<i64>,
) -> Result<Response> {
    set_dismissed(&state, &session, user.id, id, false).await
}

async fn set_dismissed(
    state: &AppState,
    session: &Session,
    user_id: i64,
    id: i64,
    dismiss: bool,
) -> Result<Response> {
    let now = state.clock.now();
    let mut tx = db::begin_write(&state.writer).await?;
    let found =
        db::drills::set_dismissed(&mut tx, id, user_id, dismiss.then_some(now), now).await?;
    if !found {
        return Err(AppError::NotFound);
    }
    tx.commit().await?;
    let msg = if dismiss {
        "Card dismissed. It will not come up again; you can bring it back below."
    } else {
        "Card brought back. It keeps its schedule."
    };
    session::flash(session, "success", msg).await?;
    Ok(Redirect::to("/drills").into_response())
}

// ---------------------------------------------------------------------------------------------
// Home and History panels

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
    let mut observations = Vec::new();
    let levels = db::attempts::self_levels_of_user(&mut *conn, user_id)
        .await?
        .into_iter()
        .chain(db::attempts::reviewed_levels_of_user(&mut *conn, user_id).await?);
    for lp in levels {
        if let Some(e) = lib.get(&lp.slug) {
            let g = &e.gauntlet;
            if let Some(r) = g
                .rounds
                .iter()
                .find(|r| i64::from(r.number) == lp.round_number)
            {
                observations.push(Observation {
                    round_kind: r.name.clone(),
                    skill: g.skill_for(r.number).map(str::to_string),
                    level: lp.level as f64,
                });
            }
        }
    }
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
    let choices: Vec<next::Choice> = lib
        .iter()
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
        .collect();
    Ok(HomePanel {
        due_today: i64::try_from(due.len()).unwrap_or(i64::MAX),
        first_due: due.first().map(|c| c.id),
        next: next::suggest(&observations, &open, &choices, now),
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sentence_around_a_clause_is_the_whole_sentence() {
        let t = "First we fail over. Then we drain the pools and lower the TTL. Done";
        let start = t.find("drain").unwrap();
        let s = sentence_around(t, [start, start + 5]).unwrap();
        assert_eq!(s, "Then we drain the pools and lower the TTL.");
        assert_eq!(sentence_around(t, [5, 3]), None);
    }

    #[test]
    fn t96_drill_answers_are_bounded_and_clean() {
        assert_eq!(clean_answer("  a\r\nb  ").unwrap(), "a\nb");
        assert!(clean_answer(&"x".repeat(MAX_ANSWER_CHARS + 1)).is_err());
        assert!(clean_answer("a\u{0}b").is_err());
    }
}
