//! Group commit for autosaves: drafts that arrive while a commit is under way are written
//! together in the next transaction, so many candidates share one fsync. Each caller is answered
//! only after the transaction holding its draft has committed (`synchronous=FULL`), so an
//! acknowledged save is as durable as one committed alone.

use sqlx::SqlitePool;
use tokio::sync::{mpsc, oneshot};

use super::attempts::{self, SaveOutcome};

/// Drafts written in one transaction at most.
const MAX_BATCH: usize = 64;
/// Drafts waiting for the writer at most; beyond that callers wait to enqueue.
const QUEUE: usize = 1024;

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

type Reply = oneshot::Sender<(Draft, Result<Option<SaveOutcome>, sqlx::Error>)>;

/// What became of a draft.
#[derive(Debug)]
pub enum Written {
    Saved(SaveOutcome),
    /// It did not apply (no row yet, a conflict, submitted, not the user's): the draft comes
    /// back for the careful path ([`attempts::save`]), which tells these apart.
    NotApplied(Draft),
}

/// The handle handlers use; cheap to clone.
#[derive(Debug, Clone)]
pub struct DraftWriter {
    queue: mpsc::Sender<(Draft, Reply)>,
}

impl DraftWriter {
    /// Starts the writing task on `writer` (the site's single write connection).
    pub fn start(writer: SqlitePool) -> Self {
        let (queue, rx) = mpsc::channel(QUEUE);
        tokio::spawn(run(writer, rx));
        Self { queue }
    }

    /// Saves a draft, answering once the transaction holding it has committed.
    pub async fn save(&self, draft: Draft) -> Result<Written, sqlx::Error> {
        let (tx, rx) = oneshot::channel();
        self.queue
            .send((draft, tx))
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let (draft, outcome) = rx.await.map_err(|_| sqlx::Error::PoolClosed)?;
        Ok(match outcome? {
            Some(saved) => Written::Saved(saved),
            None => Written::NotApplied(draft),
        })
    }
}

async fn run(writer: SqlitePool, mut rx: mpsc::Receiver<(Draft, Reply)>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let jobs: Vec<(Draft, Reply)> = std::mem::take(&mut batch);
        match write_batch(&writer, &jobs).await {
            Ok(outcomes) => {
                for ((draft, reply), outcome) in jobs.into_iter().zip(outcomes) {
                    let _ = reply.send((draft, Ok(outcome)));
                }
            }
            Err(e) => {
                // nothing of this batch was committed; every caller hears it
                tracing::warn!(error = %e, drafts = jobs.len(), "autosave batch failed");
                for (draft, reply) in jobs {
                    let _ = reply.send((draft, Err(copy_error(&e))));
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

/// `sqlx::Error` is not `Clone`; callers need the kind (storage full or not) and the message.
fn copy_error(e: &sqlx::Error) -> sqlx::Error {
    if super::is_storage_full(e) {
        return sqlx::Error::Protocol(format!("{}: {e}", super::STORAGE_FULL));
    }
    sqlx::Error::Protocol(e.to_string())
}
