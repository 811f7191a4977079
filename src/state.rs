//! The shared application state handed to every handler.

use std::{ops::Deref, sync::Arc};

use sqlx::SqlitePool;

use crate::{
    auth::{password::Passwords, throttle::LoginThrottle},
    config::Config,
    library::ContentStore,
    metrics::Metrics,
};

/// Cheap to clone: everything lives behind one `Arc`.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// What handlers reach through `AppState`.
pub struct Inner {
    pub db: SqlitePool,
    pub config: Config,
    pub content: ContentStore,
    pub passwords: Passwords,
    pub throttle: LoginThrottle,
    pub metrics: Metrics,
}

impl AppState {
    pub fn new(db: SqlitePool, config: Config, content: ContentStore) -> Self {
        let throttle = LoginThrottle::new(config.throttle.clone());
        Self(Arc::new(Inner {
            db,
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
