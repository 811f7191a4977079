//! Group commit for autosaves: drafts that arrive while a commit is under way are written
//! together in the next transaction, so many candidates share one fsync. Each caller is answered
//! only after the transaction holding its draft has committed (`synchronous=FULL`), so an
//! acknowledged save is as durable as one committed alone.
//!
//! The writer also checkpoints the WAL: SQLite checkpoints by itself only when a statement
//! runs to its end, and the one-statement autosave (`UPDATE … RETURNING`, ended by a reset
//! after its row) never does, so a site busy with single autosaves would grow the WAL without
//! end. After every `CHECKPOINT_AFTER` of them, a PASSIVE checkpoint runs on this connection
//! (it never waits for readers; what they still use is copied by a later one).
//!
//! The account storage limit is checked on the careful path, not here: after every
//! `check_every` bytes of drafts from one account, its next draft is sent back to the careful
//! path, which checks the limit before saving. So an account can exceed its limit by at most
//! `check_every` bytes between checks, however many answers it writes to.

use std::collections::HashMap;

use sqlx::SqlitePool;
use tokio::sync::{mpsc, oneshot};

use super::{
    DbError,
    attempts::{self, SaveOutcome},
};

/// Drafts written in one transaction at most.
const MAX_BATCH: usize = 64;
/// Drafts waiting for the writer at most; beyond that callers wait to enqueue.
const QUEUE: usize = 1024;
/// Single-statement autosaves between two checkpoints: each writes a few pages to the WAL, so
/// it stays within a few MB.
const CHECKPOINT_AFTER: u32 = 200;
/// Accounts whose unchecked bytes are remembered at most; past that every count is forgotten
/// at once (see `Unchecked::add`).
const ACCOUNTS_TRACKED: usize = 10_000;

/// One autosave of an existing, unsubmitted answer (see [`attempts::save_draft`]).
#[derive(Debug, Clone)]
pub struct Draft {
    pub attempt_id: i64,
    pub user_id: i64,
    pub round: i64,
    pub part: &'static str,
    pub base_version: i64,
    pub body: String,
}

impl Draft {
    /// Writes this draft on `db` (see [`attempts::save_draft`]).
    async fn apply(
        &self,
        db: impl sqlx::SqliteExecutor<'_>,
    ) -> Result<Option<SaveOutcome>, sqlx::Error> {
        let step = (self.round, self.part);
        attempts::save_draft(
            db,
            self.attempt_id,
            self.user_id,
            step,
            self.base_version,
            &self.body,
        )
        .await
    }
}

type Reply = oneshot::Sender<(Draft, Result<Option<SaveOutcome>, DbError>)>;

/// What became of a draft.
#[derive(Debug)]
pub enum Written {
    Saved(SaveOutcome),
    /// It did not apply (no row yet, a conflict, submitted, not the user's), or the account is
    /// due a storage check: the draft comes back for the careful path ([`attempts::save`]),
    /// which tells these apart.
    NotApplied(Draft),
}

/// The handle handlers use; cheap to clone.
#[derive(Debug, Clone)]
pub struct DraftWriter {
    queue: mpsc::Sender<(Draft, Reply)>,
}

impl DraftWriter {
    /// Starts the writing task on `writer` (the site's single write connection); every
    /// `check_every` bytes of drafts from one account, one is sent back for a storage check.
    pub fn start(writer: SqlitePool, check_every: u64) -> Self {
        let (queue, rx) = mpsc::channel(QUEUE);
        tokio::spawn(run(writer, rx, Unchecked::new(check_every)));
        Self { queue }
    }

    /// Saves a draft, answering once the transaction holding it has committed.
    pub async fn save(&self, draft: Draft) -> Result<Written, DbError> {
        let (tx, rx) = oneshot::channel();
        self.queue
            .send((draft, tx))
            .await
            .map_err(|_| DbError::from(sqlx::Error::PoolClosed))?;
        let (draft, outcome) = rx
            .await
            .map_err(|_| DbError::from(sqlx::Error::PoolClosed))?;
        Ok(match outcome? {
            Some(saved) => Written::Saved(saved),
            None => Written::NotApplied(draft),
        })
    }
}

/// Bytes of drafts saved per account since its last storage check.
struct Unchecked {
    every: u64,
    bytes: HashMap<i64, u64>,
}

impl Unchecked {
    fn new(every: u64) -> Self {
        Self {
            every,
            bytes: HashMap::new(),
        }
    }

    /// Counts a draft; `false` when its account is due a check (the count starts again).
    fn add(&mut self, draft: &Draft) -> bool {
        if self.bytes.len() >= ACCOUNTS_TRACKED && !self.bytes.contains_key(&draft.user_id) {
            // a forgotten count lets that account write up to `every` more before its check;
            // it takes this many accounts writing at once to get there
            self.bytes.clear();
        }
        let seen = self.bytes.entry(draft.user_id).or_insert(0);
        *seen += draft.body.len() as u64;
        if *seen > self.every {
            *seen = 0;
            return false;
        }
        true
    }
}

async fn run(writer: SqlitePool, mut rx: mpsc::Receiver<(Draft, Reply)>, mut unchecked: Unchecked) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut uncheckpointed = 0;
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let mut jobs: Vec<(Draft, Reply)> = Vec::with_capacity(batch.len());
        for (draft, reply) in batch.drain(..) {
            if unchecked.add(&draft) {
                jobs.push((draft, reply));
            } else {
                // due a storage check: the careful path checks the limit, then saves
                let _ = reply.send((draft, Ok(None)));
            }
        }
        if jobs.is_empty() {
            continue;
        }
        let single = jobs.len() == 1;
        match write_batch(&writer, &jobs).await {
            Ok(outcomes) => {
                for ((draft, reply), outcome) in jobs.into_iter().zip(outcomes) {
                    let _ = reply.send((draft, Ok(outcome)));
                }
                // a batch ends with COMMIT, after which SQLite checkpoints by itself
                if single {
                    uncheckpointed += 1;
                    if uncheckpointed >= CHECKPOINT_AFTER {
                        uncheckpointed = 0;
                        super::checkpoint(&writer).await;
                    }
                }
            }
            Err(e) => {
                // nothing of this batch was committed; every caller hears it
                tracing::warn!(error = %e, drafts = jobs.len(), "autosave batch failed");
                let e = DbError::from(e);
                for (draft, reply) in jobs {
                    let _ = reply.send((draft, Err(e.clone())));
                }
            }
        }
    }
}

async fn write_batch(
    writer: &SqlitePool,
    jobs: &[(Draft, Reply)],
) -> Result<Vec<Option<SaveOutcome>>, sqlx::Error> {
    if let [(d, _)] = jobs {
        // alone: one statement is its own transaction (and takes the write lock first)
        return Ok(vec![d.apply(writer).await?]);
    }
    let mut tx = super::begin_write(writer).await?;
    let mut outcomes = Vec::with_capacity(jobs.len());
    for (d, _) in jobs {
        outcomes.push(d.apply(&mut *tx).await?);
    }
    tx.commit().await?;
    Ok(outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(user_id: i64, bytes: usize) -> Draft {
        Draft {
            attempt_id: 1,
            user_id,
            round: 1,
            part: "main",
            base_version: 0,
            body: "a".repeat(bytes),
        }
    }

    #[test]
    fn each_account_is_sent_for_a_storage_check_after_every_so_many_bytes() {
        let mut unchecked = Unchecked::new(100);
        assert!(unchecked.add(&draft(1, 60)));
        assert!(unchecked.add(&draft(2, 60)), "counted per account");
        assert!(!unchecked.add(&draft(1, 60)), "account 1 passed 100 bytes");
        assert!(unchecked.add(&draft(1, 60)), "and starts counting again");
        assert!(!unchecked.add(&draft(2, 60)));
        assert!(!unchecked.add(&draft(3, 101)), "one draft over the mark");
    }
}
