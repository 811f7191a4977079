//! Accounts over HTTP: signing in and out (`login`), first-run setup, invites and open
//! sign-up (`register`), changing one's password (`password`), resetting it through a mailed
//! link (`reset`) and one's notification settings (`notifications`). The rules live in
//! `auth::accounts`; these handlers translate HTTP to them and back.

mod login;
mod notifications;
mod password;
mod register;
mod reset;

use axum::{
    http::{HeaderValue, header},
    response::Response,
};
use serde::Deserialize;

pub use self::{
    login::{login, login_page, logout},
    notifications::{csrf_token, notifications_page, save_notifications},
    password::{change_password, password_page},
    register::{accept_invite, invite_page, register, register_page, setup, setup_page},
    reset::{RESET_SENT, RESETS_PER_HOUR, forgot, forgot_page, reset, reset_page},
};
pub use crate::auth::accounts::{MAX_EMAIL_CHARS, MAX_NAME_CHARS};
use crate::auth::throttle::RetryAfter;

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

impl NextQuery {
    pub fn next(&self) -> Option<&str> {
        self.next.as_deref()
    }
}

/// Only same-site relative paths are followed after sign-in; anything else goes home.
pub fn safe_next(next: Option<&str>) -> String {
    let Some(n) = next else { return "/".into() };
    let ok = n.starts_with('/')
        && !n.starts_with("//")
        && !n.starts_with("/\\")
        && !n.chars().any(|c| c.is_control() || c == '\\')
        && n.len() <= 2000;
    if ok { n.to_string() } else { "/".into() }
}

fn retry_after(resp: &mut Response, wait: RetryAfter) {
    if let Ok(v) = HeaderValue::from_str(&wait.0.to_string()) {
        resp.headers_mut().insert(header::RETRY_AFTER, v);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t43_next_accepts_only_local_paths() {
        for bad in [
            "http://example.com",
            "//example.com",
            "\\\\example.com",
            "/\\example.com",
            "http:///example.com",
            "javascript:alert(1)",
            "/\nfoo",
            "https://x",
            "",
        ] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(safe_next(Some("/attempts/5?tab=2")), "/attempts/5?tab=2");
        assert_eq!(safe_next(None), "/");
    }
}
