//! The shared application state handed to every handler.

use std::{ops::Deref, sync::Arc};

use sqlx::SqlitePool;

use crate::{
    auth::{password::Passwords, throttle::LoginThrottle},
    config::Config,
    db::{drafts::DraftWriter, readers::Readers, reviews::PageStamp},
    library::ContentStore,
    metrics::Metrics,
    page_cache::{PageCache, Rendered},
    web::limits::BodiesInTransit,
};

/// Read connections at most.
const READERS: usize = 8;

/// Rendered review pages kept (about 70 KB each for the seed gauntlet).
const REVIEW_PAGES: usize = 64;

/// Cheap to clone: everything lives behind one `Arc`.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// What handlers reach through `AppState`.
pub struct Inner {
    /// Every read: `state.db.get().await?` gives a connection (see `db::readers`).
    pub db: Readers,
    /// Every write goes through this one connection (see `db::open_writer`).
    pub writer: SqlitePool,
    /// Autosaves, committed in groups on `writer`.
    pub drafts: DraftWriter,
    pub config: Config,
    pub content: ContentStore,
    pub passwords: Passwords,
    pub throttle: LoginThrottle,
    pub metrics: Metrics,
    /// Request bodies being received, per client address (`web::limits`).
    pub bodies: Arc<BodiesInTransit>,
    /// Rendered review pages (the part under the site chrome), by attempt, reader and the
    /// reader's CSRF token (which the page's forms carry).
    pub review_pages: PageCache<(i64, i64, String), PageStamp, Rendered>,
    /// Wakes the notification sender after a handler committed outbox rows.
    pub outbox_wake: Arc<tokio::sync::Notify>,
}

impl AppState {
    /// `db` is the pool that opened the database; the state reads through connections of its own
    /// made with the same options.
    pub fn new(db: &SqlitePool, writer: SqlitePool, config: Config, content: ContentStore) -> Self {
        let throttle = LoginThrottle::new(config.throttle.clone());
        Self(Arc::new(Inner {
            db: Readers::new(db.connect_options(), READERS),
            drafts: DraftWriter::start(writer.clone()),
            writer,
            config,
            content,
            passwords: Passwords::new(),
            throttle,
            metrics: Metrics::shared(),
            bodies: Arc::default(),
            review_pages: PageCache::new(REVIEW_PAGES),
            outbox_wake: Arc::default(),
        }))
    }
}

impl Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}
