//! What the review page keeps between views, and why that is correct.
//!
//! - **Whole bodies** (`pages`), by attempt, reader and CSRF token, each with the page stamp it
//!   was rendered at (`db::reviews::page_read`). A kept body is right only while every table
//!   the page shows either moves that stamp through a trigger on every insert, update and
//!   delete, or cannot change under a requested attempt. [`TABLES_SHOWN`] lists them; the test
//!   below fails when the page reads a table that is not listed, or when a listed table lost
//!   its triggers. A page reading a new table needs that table's triggers (a migration) first.
//! - **Rendered rounds** (`rounds`), keyed by a hash of everything a round's block shows (the
//!   pinned version, the answers, the visible comments, the reader's token), so they need no
//!   stamp: after a grading save the page is rebuilt around the same round blocks, and the
//!   hints of an answer are rendered once.
//! - **Rendered grading parts** (`forms`), each round's replay, rubric fields and comment form,
//!   keyed the same way by everything they show (`round_form`): a grading save renders again
//!   only the rounds whose grade it moved.
//! - **The page's read** (`AppState::review_reads`, outside this cache): the reader's account,
//!   the stamp and the reviews, served again only while nothing at all has been committed to
//!   the database (`db::fresh_copies`), so it needs no trigger of its own.
//! - **Fixed parts** (`submitted`), by attempt: the attempt, its answers and kept texts (the
//!   `Kept::Fixed` tables) with the candidate's name, kept while the request time and the
//!   users' counter in the stamp are unchanged. A grading save moves neither, so the first
//!   view after it reads only the reviews and comments again.

use std::sync::Arc;

use bytes::Bytes;
use sha2::{Digest, Sha256};

use crate::page_cache::PageCache;
pub use crate::page_cache::{Rendered, ReviewCache};

/// How a table's changes reach a kept review page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kept {
    /// Triggers on insert, update and delete move `attempts.review_rev` or a `change_counters`
    /// row, both in the stamp.
    ByTrigger,
    /// What the page shows of it cannot change while the attempt asks for a review: its
    /// answers are submitted (and so are their kept texts), a pinned version is never
    /// rewritten, and the attempt's request time is in the stamp itself.
    Fixed,
    /// Read by a query the page shares with other pages, but nothing of it reaches this page
    /// (so its changes need not move the stamp).
    NotShown,
}

/// Every table the review page's body is built from, and the ones its queries read without
/// showing (`page::load` reads nothing else).
pub const TABLES_SHOWN: &[(&str, Kept)] = &[
    ("attempts", Kept::Fixed),
    ("answers", Kept::Fixed),
    ("answer_revisions", Kept::Fixed),
    ("gauntlet_versions", Kept::Fixed),
    ("users", Kept::ByTrigger),
    ("settings", Kept::ByTrigger),
    ("reviews", Kept::ByTrigger),
    ("review_rounds", Kept::ByTrigger),
    ("review_comments", Kept::ByTrigger),
    // `db::attempts::with_answers` names the running live session for the practice pages
    ("live_sessions", Kept::NotShown),
];

impl ReviewCache {
    /// The round block rendered for `key`, or `render`'s result (then kept).
    pub fn round<E>(
        &self,
        key: RoundKey,
        render: impl FnOnce() -> Result<String, E>,
    ) -> Result<Bytes, E> {
        kept_or_rendered(&self.rounds, key, render)
    }

    /// The round's grading part rendered for `key`, or `render`'s result (then kept).
    pub fn form<E>(
        &self,
        key: RoundKey,
        render: impl FnOnce() -> Result<String, E>,
    ) -> Result<Bytes, E> {
        kept_or_rendered(&self.forms, key, render)
    }
}

fn kept_or_rendered<E>(
    cache: &PageCache<[u8; 32], (), Bytes>,
    key: RoundKey,
    render: impl FnOnce() -> Result<String, E>,
) -> Result<Bytes, E> {
    let key = key.finish();
    if let Some(piece) = cache.get(&key, &()) {
        return Ok(Bytes::clone(&piece));
    }
    let piece = Bytes::from(render()?);
    cache.put(key, (), Arc::new(piece.clone()));
    Ok(piece)
}

/// A hash of everything one round's block shows; fields are written with their lengths, so
/// no two different inputs write the same bytes.
#[derive(Default)]
pub struct RoundKey(Sha256);

impl RoundKey {
    /// Adds a text.
    pub fn text(mut self, s: &str) -> Self {
        self.0.update((s.len() as u64).to_le_bytes());
        self.0.update(s.as_bytes());
        self
    }

    /// Adds a number.
    pub fn number(mut self, n: i64) -> Self {
        self.0.update(n.to_le_bytes());
        self
    }

    fn finish(self) -> [u8; 32] {
        self.0.finalize().into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_keys_differ_when_any_field_moves_between_neighbours() {
        let a = RoundKey::default().text("ab").text("c").finish();
        let b = RoundKey::default().text("a").text("bc").finish();
        assert_ne!(a, b);
        assert_eq!(a, RoundKey::default().text("ab").text("c").finish());
        assert_ne!(
            RoundKey::default().number(1).finish(),
            RoundKey::default().number(2).finish()
        );
    }

    #[test]
    fn a_round_block_is_rendered_once_per_key() {
        let cache = ReviewCache::default();
        let mut renders = 0;
        for _ in 0..3 {
            let block = cache
                .round(RoundKey::default().text("answer"), || {
                    renders += 1;
                    Ok::<_, ()>("<p>block</p>".to_string())
                })
                .unwrap();
            assert_eq!(&block[..], b"<p>block</p>");
        }
        assert_eq!(renders, 1);
    }
}
