//! The shared application state handed to every handler.

use std::{ops::Deref, sync::Arc};

use sqlx::SqlitePool;

use crate::{
    auth::{password::Passwords, throttle::LoginThrottle},
    config::Config,
    db::drafts::DraftWriter,
    library::ContentStore,
    metrics::Metrics,
};

/// Cheap to clone: everything lives behind one `Arc`.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// What handlers reach through `AppState`.
pub struct Inner {
    /// Reads (several connections).
    pub db: SqlitePool,
    /// Every write goes through this one connection (see `db::open_writer`).
    pub writer: SqlitePool,
    /// Autosaves, committed in groups on `writer`.
    pub drafts: DraftWriter,
    pub config: Config,
    pub content: ContentStore,
    pub passwords: Passwords,
    pub throttle: LoginThrottle,
    pub metrics: Metrics,
}

impl AppState {
    pub fn new(db: SqlitePool, writer: SqlitePool, config: Config, content: ContentStore) -> Self {
        let throttle = LoginThrottle::new(config.throttle.clone());
        Self(Arc::new(Inner {
            db,
            drafts: DraftWriter::start(writer.clone()),
            writer,
            config,
            content,
            passwords: Passwords::new(),
            throttle,
            metrics: Metrics::default(),
        }))
    }
}

impl Deref for AppState {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.0
    }
}
