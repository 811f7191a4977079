//! The visitor token: what forms show to someone without a session instead of the session's
//! CSRF token (made and checked in `csrf`), and whether a page used it.

use std::sync::{
    Arc, OnceLock,
    atomic::{AtomicBool, Ordering},
};

use crate::auth::tokens::random_token;

/// The token forms show to a visitor without a session, and whether a page used it (only then
/// does the response set the cookie). Clones share both.
#[derive(Debug, Clone)]
pub struct VisitorToken(Arc<Token>);

#[derive(Debug)]
struct Token {
    /// The cookie's token, or one made when a page first puts it in a form: most requests
    /// (signed in, or pages without a form) never need one, so they draw no random bytes.
    value: OnceLock<String>,
    used: AtomicBool,
}

impl VisitorToken {
    /// The token of the visitor's cookie (`None` without one), not yet put in any form.
    pub fn new(existing: Option<String>) -> Self {
        Self(Arc::new(Token {
            value: existing.map_or_else(OnceLock::new, OnceLock::from),
            used: AtomicBool::new(false),
        }))
    }

    /// The token, for a form on this page (made now if the visitor had none).
    pub fn value(&self) -> String {
        self.0.used.store(true, Ordering::Relaxed);
        self.0.value.get_or_init(random_token).clone()
    }

    /// Whether a page put the token in a form (then the response must set the cookie).
    pub fn was_used(&self) -> bool {
        self.0.used.load(Ordering::Relaxed)
    }

    /// The token, for the cookie (does not count as a use); `None` when the visitor had no
    /// cookie and no page asked for one.
    pub fn peek(&self) -> Option<&str> {
        self.0.value.get().map(String::as_str)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_is_made_only_when_a_form_asks_for_one_and_then_kept() {
        let fresh = VisitorToken::new(None);
        assert_eq!(fresh.peek(), None);
        assert!(!fresh.was_used());
        let shown = fresh.value();
        assert!(fresh.was_used());
        assert_eq!(fresh.clone().peek(), Some(shown.as_str()));
        assert_eq!(fresh.value(), shown, "one token per page");
        let kept = VisitorToken::new(Some("from-the-cookie".into()));
        assert_eq!(kept.peek(), Some("from-the-cookie"));
        assert_eq!(kept.value(), "from-the-cookie");
    }
}
