//! The visitor token: what forms show to someone without a session instead of the session's
//! CSRF token (made and checked in `csrf`), and whether a page used it.

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

/// The token forms show to a visitor without a session, and whether a page used it (only then
/// does the response set the cookie).
#[derive(Debug, Clone)]
pub struct VisitorToken {
    value: String,
    used: Arc<AtomicBool>,
}

impl VisitorToken {
    /// A token not yet put in any form.
    pub fn new(value: String) -> Self {
        Self {
            value,
            used: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The token, for a form on this page.
    pub fn value(&self) -> String {
        self.used.store(true, Ordering::Relaxed);
        self.value.clone()
    }

    /// Whether a page put the token in a form (then the response must set the cookie).
    pub fn was_used(&self) -> bool {
        self.used.load(Ordering::Relaxed)
    }

    /// The token, for the cookie (does not count as a use).
    pub fn peek(&self) -> &str {
        &self.value
    }
}
