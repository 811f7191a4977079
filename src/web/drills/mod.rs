//! Drills: the cards made from an attempt's misses (when the self-assessment is saved and when
//! a final review arrives), the drill page (answer, reveal, rate), dismissing cards, the home
//! panel ("N drills due today", what to practise next) and the History panel. The rules live in
//! `crate::drills`; this module only loads, renders and stores.
//!
//! Every card route loads the card through `db::drills::owned`, so another person's card is a
//! 404 whatever the route.

use super::error::{AppError, Result};
use crate::{
    content_store::Pinned,
    db::{self, drills::Card},
    drills::CardKind,
    state::AppState,
};

mod drill;
mod list;
mod making;
mod panels;

pub use drill::{dismiss, rate, restore, reveal, show};
pub use list::index;
pub use making::{cards_after_review, cards_for_attempt, store_cards};
pub use panels::{HistoryPanel, HomePanel, export_card, history_panel, home_panel};

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
        .ok_or_else(|| AppError::missing_version(&card.slug, &card.version))?;
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
