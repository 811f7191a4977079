//! Drills: making cards from an attempt's misses (when the self-assessment is saved and when a
//! final review arrives) and storing them in the caller's transaction.

use sqlx::SqliteConnection;

use crate::web::error::Result;
use crate::{
    content_store::Pinned,
    db::{self, attempts::Answer},
    drills::{NewCard, cards},
    practice::Part,
    state::AppState,
};

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
            .find(|a| a.round_number == i64::from(r.number) && a.part == Part::Main)
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
