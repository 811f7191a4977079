//! The shared application state handed to every handler.

use std::{
    collections::HashSet,
    ops::Deref,
    sync::{Arc, Mutex},
};

use sqlx::SqlitePool;

use crate::{
    auth::{
        oidc::{self, Provider},
        password::Passwords,
        throttle::LoginThrottle,
    },
    config::Config,
    content_store::ContentStore,
    db::{
        attempts::AttemptWithAnswers, commit_watch::CommitWatch, drafts::DraftWriter,
        fresh_copies::FreshCopies, readers::Readers, reviews::PageRead,
    },
    in_transit::BodiesInTransit,
    live::hub::Hub,
    metrics::Metrics,
    page_cache::ReviewCache,
};

/// Read connections at most.
const READERS: usize = 8;

/// Bytes of round page reads, and of review page reads, kept between commits at most
/// (`AppState::round_reads`, `AppState::review_reads`).
const READS_BUDGET: usize = 8 * 1024 * 1024;

/// How often (in bytes of autosaves per account) the storage limit is checked: a tenth of the
/// limit, between 64 KB and 4 MB.
fn storage_check_every(limit: u64) -> u64 {
    (limit / 10).clamp(64 * 1024, 4 * 1024 * 1024)
}

/// Cheap to clone: everything lives behind one `Arc`.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// What handlers reach through `AppState`.
pub struct Inner {
    /// Every read: `state.db.get().await?` gives a connection (see `db::readers`).
    pub db: Readers,
    /// The round page's read of an attempt with its answers and owner, by (attempt, owner),
    /// served again while nothing is committed (see `db::fresh_copies`).
    pub round_reads: FreshCopies<(i64, i64), AttemptWithAnswers>,
    /// The review page's read (reader's account, page stamp, reviews), by (attempt, reader),
    /// served again while nothing is committed (see `db::fresh_copies`).
    pub review_reads: FreshCopies<(i64, i64), Arc<PageRead>>,
    /// Every write goes through this one connection (see `db::open_writer`).
    pub writer: SqlitePool,
    /// Autosaves, committed in groups on `writer`.
    pub drafts: DraftWriter,
    pub config: Config,
    pub content: ContentStore,
    pub passwords: Passwords,
    pub throttle: LoginThrottle,
    pub metrics: Metrics,
    /// Request bodies being received, per client address (`in_transit`, used by `web::limits`).
    pub bodies: Arc<BodiesInTransit>,
    /// Rendered review pages and their rounds (`web::review::cache`).
    pub review_pages: ReviewCache,
    /// Live interview sessions' event channels (`live::hub`).
    pub live: Arc<Hub>,
    /// Accounts whose personal export is being sent (one at a time per account).
    pub exports: ExportSlots,
    /// The clock drills are scheduled by (tests move it forward).
    pub clock: crate::clock::Clock,
    /// The FSRS scheduler for drill cards.
    pub scheduler: crate::drills::Scheduler,
    /// Wakes the notification sender after a handler committed outbox rows.
    pub outbox_wake: Arc<tokio::sync::Notify>,
    /// The identity provider people may sign in through (`--oidc-*`), when set up.
    pub oidc: Option<Provider>,
}

/// The accounts whose personal export is under way.
#[derive(Debug, Clone, Default)]
pub struct ExportSlots(Arc<Mutex<HashSet<i64>>>);

/// Held while one account's export is sent; frees the account's slot when dropped.
#[derive(Debug)]
pub struct ExportSlot {
    slots: ExportSlots,
    user: i64,
}

impl ExportSlots {
    /// The account's slot, or `None` while another export of it is under way.
    pub fn take(&self, user: i64) -> Option<ExportSlot> {
        self.lock().insert(user).then(|| ExportSlot {
            slots: self.clone(),
            user,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<i64>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Drop for ExportSlot {
    fn drop(&mut self) {
        self.slots.lock().remove(&self.user);
    }
}

impl AppState {
    /// `db` is the pool that opened the database; the state reads through connections of its own
    /// made with the same options.
    pub fn new(db: &SqlitePool, writer: SqlitePool, config: Config, content: ContentStore) -> Self {
        let throttle = LoginThrottle::new(config.throttle.clone());
        let oidc = config.oidc.clone().and_then(|c| {
            Provider::new(c, config.link(oidc::CALLBACK))
                .inspect_err(|e| tracing::error!(error = %e, "single sign-on is off"))
                .ok()
        });
        let options = db.connect_options();
        let watch = Arc::new(CommitWatch::new(options.get_filename()));
        Self(Arc::new(Inner {
            round_reads: FreshCopies::new(watch.clone(), READS_BUDGET, AttemptWithAnswers::weight),
            review_reads: FreshCopies::new(watch, READS_BUDGET, |read: &Arc<PageRead>| {
                read.weight()
            }),
            db: Readers::new(options, READERS),
            drafts: DraftWriter::start(
                writer.clone(),
                storage_check_every(config.max_account_storage),
            ),
            writer,
            config,
            content,
            passwords: Passwords::new(),
            throttle,
            metrics: Metrics::shared(),
            bodies: Arc::default(),
            review_pages: ReviewCache::default(),
            live: Arc::default(),
            exports: ExportSlots::default(),
            clock: crate::clock::Clock::default(),
            scheduler: crate::drills::Scheduler::new(),
            outbox_wake: Arc::default(),
            oidc,
        }))
    }
}

impl Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}
