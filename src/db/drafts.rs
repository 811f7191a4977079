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
    /// The auth epoch the writer's session was signed in under: the draft applies only while
    /// the account is enabled and still has it.
    pub auth_epoch: i64,
    pub round: i64,
    pub part: &'static str,
    pub base_version: i64,
    pub body: String,
}

impl Draft {
    /// The answer this draft writes: attempt, round and part.
    fn answer(&self) -> (i64, i64, &'static str) {
        (self.attempt_id, self.round, self.part)
    }

    /// Whether `saved` is this draft's answer.
    fn writes(&self, saved: &attempts::SavedDraft) -> bool {
        (saved.attempt_id, saved.round_number, saved.part.as_str()) == self.answer()
    }

    /// Writes this draft on `db` (see [`attempts::save_draft`]).
    async fn apply(
        &self,
        db: impl sqlx::SqliteExecutor<'_>,
    ) -> Result<Option<SaveOutcome>, sqlx::Error> {
        let step = (self.round, self.part);
        attempts::save_draft(
            db,
            self.attempt_id,
            (self.user_id, self.auth_epoch),
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
    /// It did not apply (no row yet, a conflict, submitted, not the user's, an account disabled
    /// or changed since the session began), or the account is due a storage check: the draft
    /// comes back for the careful path ([`attempts::save`]), which tells these apart.
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
                // a batch statement runs to its end (or ends with COMMIT), after which SQLite
                // checkpoints by itself
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
    let drafts: Vec<&Draft> = jobs.iter().map(|(d, _)| d).collect();
    let (together, later) = first_per_answer(&drafts);
    let batch = as_json(&drafts, &together)?;
    let mut outcomes: Vec<Option<SaveOutcome>> = vec![None; drafts.len()];
    if later.is_empty() {
        // one statement is its own transaction (and takes the write lock first, as BEGIN
        // IMMEDIATE would): one trip to the connection, not three
        let saved = attempts::save_drafts(writer, &batch).await?;
        fill(&mut outcomes, &drafts, &together, &saved);
        return Ok(outcomes);
    }
    let mut tx = super::begin_write(writer).await?;
    let saved = attempts::save_drafts(&mut *tx, &batch).await?;
    fill(&mut outcomes, &drafts, &together, &saved);
    // a second draft of the same answer in this batch, in the order they came
    for i in later {
        outcomes[i] = drafts[i].apply(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(outcomes)
}

/// Sets the outcome of each draft at `indices` from the rows the batch statement returned.
fn fill(
    outcomes: &mut [Option<SaveOutcome>],
    drafts: &[&Draft],
    indices: &[usize],
    saved: &[attempts::SavedDraft],
) {
    for &i in indices {
        outcomes[i] = saved
            .iter()
            .find(|s| drafts[i].writes(s))
            .map(|s| SaveOutcome::Saved {
                version: s.version,
                saved_at: s.saved_at,
            });
    }
}

/// Splits a batch into the first draft of each answer (written together) and the later
/// drafts of an answer already in the batch (written one by one after them).
fn first_per_answer(drafts: &[&Draft]) -> (Vec<usize>, Vec<usize>) {
    let mut seen = std::collections::HashSet::new();
    (0..drafts.len()).partition(|&i| seen.insert(drafts[i].answer()))
}

/// The drafts at `indices` in the shape [`attempts::save_drafts`] reads.
fn as_json(drafts: &[&Draft], indices: &[usize]) -> Result<String, sqlx::Error> {
    #[derive(serde::Serialize)]
    struct Row<'a> {
        a: i64,
        u: i64,
        e: i64,
        r: i64,
        p: &'a str,
        v: i64,
        b: &'a str,
    }
    let rows: Vec<Row<'_>> = indices
        .iter()
        .map(|&i| {
            let d = drafts[i];
            Row {
                a: d.attempt_id,
                u: d.user_id,
                e: d.auth_epoch,
                r: d.round,
                p: d.part,
                v: d.base_version,
                b: &d.body,
            }
        })
        .collect();
    serde_json::to_string(&rows).map_err(|e| sqlx::Error::Encode(Box::new(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(user_id: i64, bytes: usize) -> Draft {
        Draft {
            attempt_id: 1,
            user_id,
            auth_epoch: 0,
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

    /// Two candidates' attempts, each at round 1: attempt 1 (user 1) with a main answer
    /// reading "old" and an empty follow-up, attempt 2 (user 2) with an empty main answer.
    async fn two_attempts() -> (tempfile::TempDir, SqlitePool) {
        let dir = tempfile::tempdir().unwrap();
        let pool = crate::db::open(&dir.path().join("d.db"), crate::db::Create::IfMissing)
            .await
            .unwrap();
        sqlx::raw_sql(
            "insert into users (id, email, display_name, password_hash, role, created_at, updated_at)
             values (1, 'a@x.test', 'A', 'x', 'candidate', 0, 0),
                    (2, 'b@x.test', 'B', 'x', 'candidate', 0, 0);
             insert into gauntlet_versions (slug, version, title, source, first_seen_at)
             values ('g', 'v1', 'G', '', 0);
             insert into attempts (id, user_id, slug, version, mode, started_at)
             values (1, 1, 'g', 'v1', 'study', 0), (2, 2, 'g', 'v1', 'study', 0);
             insert into answers (attempt_id, round_number, part, body, version,
                                  first_viewed_at, updated_at)
             values (1, 1, 'main', 'old', 0, 0, 0), (1, 1, 'follow_up', '', 0, 0, 0),
                    (2, 1, 'main', '', 0, 0, 0);",
        )
        .execute(&pool)
        .await
        .unwrap();
        (dir, pool)
    }

    /// A writer's job: a round-1 draft of `attempt` by `(user, auth epoch)` over `base_version`.
    fn job(
        attempt_id: i64,
        (user_id, auth_epoch): (i64, i64),
        part: &'static str,
        base_version: i64,
        body: &str,
    ) -> (Draft, Reply) {
        let (tx, _) = oneshot::channel();
        let draft = Draft {
            attempt_id,
            user_id,
            auth_epoch,
            round: 1,
            part,
            base_version,
            body: body.into(),
        };
        (draft, tx)
    }

    /// A draft applies only while its account is enabled and has the draft's auth epoch, alone
    /// or in a batch: the write itself is the autosave's account check.
    #[tokio::test]
    async fn a_draft_of_a_disabled_or_changed_account_does_not_apply() {
        let (_dir, pool) = two_attempts().await;
        sqlx::raw_sql(
            "update users set auth_epoch = 3 where id = 1;
             update users set disabled = 1 where id = 2;",
        )
        .execute(&pool)
        .await
        .unwrap();
        let saved = |outcomes: Vec<Option<SaveOutcome>>| -> Vec<bool> {
            outcomes.iter().map(Option::is_some).collect()
        };
        // alone: a stale epoch, then a disabled account
        for one in [
            job(1, (1, 2), "main", 0, "text"),
            job(2, (2, 0), "main", 0, "text"),
        ] {
            assert_eq!(saved(write_batch(&pool, &[one]).await.unwrap()), [false]);
        }
        // in a batch: only the draft of the enabled account at its current epoch applies
        let jobs = [
            job(1, (1, 2), "main", 0, "text"),
            job(1, (1, 3), "follow_up", 0, "text"),
            job(2, (2, 0), "main", 0, "text"),
        ];
        assert_eq!(
            saved(write_batch(&pool, &jobs).await.unwrap()),
            [false, true, false]
        );
        let bodies: Vec<String> =
            sqlx::query_scalar("select body from answers order by attempt_id, part")
                .fetch_all(&pool)
                .await
                .unwrap();
        assert_eq!(
            bodies,
            ["text", "old", ""],
            "follow_up, main of 1, main of 2"
        );
    }

    /// A batch writes the first draft of each answer in one statement and any later draft of
    /// the same answer after it, in order; drafts that do not apply change nothing.
    #[tokio::test]
    async fn a_batch_saves_each_answer_in_order_and_skips_what_does_not_apply() {
        // a text that JSON escapes, stored exactly as typed
        const TRICKY: &str = "follow-up: \"quoted\", a\\b, ünïcødé 🚀\n\tindented";
        let (_dir, pool) = two_attempts().await;
        let d = |attempt_id, user_id, part, base_version, body: &str| {
            job(attempt_id, (user_id, 0), part, base_version, body)
        };
        let jobs = vec![
            d(1, 1, "main", 0, "first"),
            d(1, 1, "main", 1, "second, after the first"),
            d(1, 1, "main", 1, "third, from a stale tab"),
            d(1, 1, "follow_up", 0, TRICKY),
            d(2, 1, "main", 0, "not user 1's attempt"),
            d(2, 2, "main", 5, "a version that never was"),
        ];
        let versions: Vec<Option<i64>> = write_batch(&pool, &jobs)
            .await
            .unwrap()
            .into_iter()
            .map(|o| match o {
                Some(SaveOutcome::Saved { version, .. }) => Some(version),
                _ => None,
            })
            .collect();
        assert_eq!(versions, [Some(1), Some(2), None, Some(1), None, None]);
        let rows: Vec<(i64, String, String, i64)> = sqlx::query_as(
            "select attempt_id, part, body, version from answers order by attempt_id, part",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        assert_eq!(
            rows,
            [
                (1, "follow_up".into(), TRICKY.into(), 1),
                (1, "main".into(), "second, after the first".into(), 2),
                (2, "main".into(), String::new(), 0),
            ]
        );
        let kept: Vec<String> = sqlx::query_scalar("select body from answer_revisions order by id")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(kept, ["old", "first"], "each overwritten text is kept");
    }

    /// A batch with no answer twice is one statement in its own transaction, and SQLite's
    /// automatic checkpoint still runs after it: a long run of such batches keeps reusing the
    /// WAL file instead of growing it.
    #[tokio::test]
    async fn the_wal_stays_bounded_under_a_long_run_of_batches() {
        let (dir, pool) = two_attempts().await;
        let wal = dir.path().join("d.db-wal");
        let text = "a fairly long answer line. ".repeat(120);
        let mut largest = 0;
        for version in 0..1200 {
            let jobs = [
                job(1, (1, 0), "main", version, &format!("{version} {text}")),
                job(2, (2, 0), "main", version, &format!("{version} {text}")),
            ];
            let outcomes = write_batch(&pool, &jobs).await.unwrap();
            assert!(outcomes.iter().all(Option::is_some), "batch {version}");
            largest = largest.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
        }
        // 1,200 batches write about 20 MB of WAL frames; checkpoints keep reusing the file
        assert!(largest < 8 * 1024 * 1024, "WAL grew to {largest} bytes");
    }
}
