//! Browser tests in real headless Chromium against the real server.

#[path = "common/browser.rs"]
mod browser;
#[path = "common/mod.rs"]
mod common;

use browser::Browser;
use common::{PASSWORD, TestApp};

async fn sign_out(b: &Browser) {
    b.click(".account-menu summary").await;
    b.click(".account-menu button[type=submit]").await;
    b.wait_for_text("Sign in").await;
}

async fn register(b: &Browser, link: &str, email: &str, name: &str) {
    b.goto(link).await;
    b.fill("#email", email).await;
    b.fill("#name", name).await;
    b.fill("#password", PASSWORD).await;
    b.fill("#confirm", PASSWORD).await;
    b.click("form.stack button[type=submit]").await;
    b.wait_for_text(&format!("Welcome back, {name}")).await;
}

async fn new_invite(b: &Browser, app: &TestApp, role: &str) -> String {
    b.goto(&app.url("/admin/invites")).await;
    b.click(&format!("#role option[value={role}]")).await;
    b.click("form.form-row button[type=submit]").await;
    b.wait_for_text("Invite link created").await;
    b.value("#new-link").await
}

#[tokio::test]
async fn a_new_team_sets_up_the_site_invites_people_and_each_lands_on_their_home() {
    let app = TestApp::spawn().await;
    let setup = app.running().setup_link.clone().unwrap();
    let b = Browser::start(true).await;

    register(&b, &setup, "ana@team.example", "Ana Admin").await;
    assert!(
        b.html().await.contains("href=\"/admin\""),
        "admins see the admin section"
    );

    let interviewer_link = new_invite(&b, &app, "interviewer").await;
    let candidate_link = new_invite(&b, &app, "candidate").await;
    assert!(interviewer_link.starts_with(&app.base) && candidate_link.contains("/invite/"));
    sign_out(&b).await;

    register(
        &b,
        &interviewer_link,
        "iris@team.example",
        "Iris Interviewer",
    )
    .await;
    let home = b.html().await;
    assert!(home.contains("Review queue") && !home.contains("href=\"/admin\""));
    sign_out(&b).await;

    register(&b, &candidate_link, "cai@team.example", "Cai Candidate").await;
    let home = b.html().await;
    assert!(home.contains("No attempts yet") && !home.contains("Review queue"));
    sign_out(&b).await;

    // and each can sign in again through the form, landing on their own home page
    b.goto(&app.url("/login")).await;
    b.fill("#email", "iris@team.example").await;
    b.fill("#password", PASSWORD).await;
    b.click("form.stack button[type=submit]").await;
    b.wait_for_text("Welcome back, Iris Interviewer").await;
    assert_eq!(b.path().await, "/");
    b.close().await;
}

#[tokio::test]
async fn sign_in_and_catalog_filters_work_without_javascript() {
    let app = TestApp::spawn().await;
    let email = app.create_user(gauntlet::auth::Role::Candidate).await;
    let b = Browser::start(false).await;
    b.goto(&app.url("/catalog?category=Debugging")).await;
    b.wait_for_text("Sign in").await;
    b.fill("#email", &email).await;
    b.fill("#password", PASSWORD).await;
    b.click("form.stack button[type=submit]").await;
    b.wait_for_text("Filter gauntlets").await;
    assert_eq!(b.path().await, "/catalog", "returned to the page asked for");
    b.fill("#q", "kafka").await;
    b.click(".filters button[type=submit]").await;
    b.wait_for_text("of").await;
    let html = b.html().await;
    assert!(html.contains("Kafka"));
    assert!(!html.contains("Multi-Region Kubernetes Deployment"));
    b.close().await;
}
