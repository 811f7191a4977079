//! Browser tests in real headless Chromium against the real server, over HTTPS (RELIABILITY.md
//! §5): the app runs behind a test TLS front with an `https://` public URL, so the production
//! cookie (`__Host-`, Secure) and origin checks are what the browser meets. One test binary; each
//! area is a module, and the helpers below, in `flows` and in `checks` are shared.

#[path = "../common/browser.rs"]
mod browser;
#[path = "../common/mod.rs"]
mod common;
#[path = "../common/tls.rs"]
mod tls;

mod author;
mod checks;
mod drills;
mod flows;
mod layout;
mod live;
mod practice;
mod reviews;
mod security;
mod sso;
mod team;

use std::time::{Duration, Instant};

use browser::{Browser, BrowserOptions};
use common::{Options, PASSWORD, TestApp};

/// The app behind the test TLS front (`app.url` gives https URLs).
pub(crate) async fn https_app() -> TestApp {
    tls::spawn_https(Options::default()).await.0
}

/// Chromium for the HTTPS tests: trusts the self-signed certificate, leaves dialogs open.
pub(crate) async fn https_browser(javascript: bool) -> Browser {
    Browser::start_with(BrowserOptions {
        javascript,
        https: true,
        keep_dialogs_open: true,
    })
    .await
}

/// Signs out through the account menu.
pub(crate) async fn sign_out(b: &Browser) {
    b.click(".account-menu summary").await;
    b.click(".account-menu button[type=submit]").await;
    b.wait_for_text("Sign in").await;
}

/// Signs in through the form in this browser.
pub(crate) async fn sign_in(b: &Browser, app: &TestApp, email: &str) {
    b.goto(&app.url("/login")).await;
    b.fill("#email", email).await;
    b.fill("#password", PASSWORD).await;
    b.click("form.stack button[type=submit]").await;
    b.wait_for_text("Welcome back").await;
}

/// Polls `cond` (which may also assert) until it is true, or fails with `what` after 20 s.
pub(crate) async fn wait_until<F, Fut>(what: &str, mut cond: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if cond().await {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Runs `script` (which returns a value) in the page.
pub(crate) async fn js(b: &Browser, script: &str) -> serde_json::Value {
    b.client.execute(script, vec![]).await.unwrap()
}
