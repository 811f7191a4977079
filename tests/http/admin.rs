//! Admin pages: invites (create, accept, revoke, expiry), registration mode, content status.

use gauntlet::auth::Role;
use reqwest::StatusCode;

use crate::common::{PASSWORD, TestApp, csrf_from, location, post_form};

async fn create_invite(app: &TestApp, admin: &reqwest::Client, role: &str) -> String {
    let r = post_form(
        app,
        admin,
        "/admin/invites",
        "/admin/invites",
        &[("role", role), ("days", "7"), ("note", "for a test")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = admin
        .get(app.url("/admin/invites"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = page.find("/invite/").expect("new link shown once");
    let token: String = page[start + 8..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    let again = admin
        .get(app.url("/admin/invites"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!again.contains(&token), "the link is shown only once");
    format!("/invite/{token}")
}

async fn accept(app: &TestApp, path: &str, email: &str) -> (reqwest::Client, reqwest::Response) {
    let client = app.client();
    let fields = [
        ("email", email),
        ("name", "Invited Person"),
        ("password", PASSWORD),
        ("confirm", PASSWORD),
    ];
    let r = post_form(app, &client, path, path, &fields).await;
    (client, r)
}

#[tokio::test]
async fn t29_an_invite_creates_an_account_with_its_role_and_works_once() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let link = create_invite(&app, &admin, "interviewer").await;
    let (client, r) = accept(&app, &link, "iris@team.example").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let home = client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("Review queue"), "interviewer home");
    assert!(
        !home.contains("href=\"/admin\""),
        "no admin link for interviewers"
    );

    let second = app.client().get(app.url(&link)).send().await.unwrap();
    assert_eq!(
        second.status(),
        StatusCode::BAD_REQUEST,
        "a used link shows an explanation"
    );
    assert!(second.text().await.unwrap().contains("already been used"));
    let invites = admin
        .get(app.url("/admin/invites"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(invites.contains("Used") && invites.contains("iris@team.example"));
}

#[tokio::test]
async fn t29_a_revoked_or_expired_invite_does_not_work() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let revoked = create_invite(&app, &admin, "candidate").await;
    let id: i64 = sqlx::query_scalar("select max(id) from invites")
        .fetch_one(app.pool())
        .await
        .unwrap();
    let r = post_form(
        &app,
        &admin,
        "/admin/invites",
        &format!("/admin/invites/{id}/revoke"),
        &[],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = app.client().get(app.url(&revoked)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    let expired = create_invite(&app, &admin, "candidate").await;
    sqlx::query("update invites set expires_at = 0")
        .execute(app.pool())
        .await
        .unwrap();
    let r = app.client().get(app.url(&expired)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Ask an admin for a new one")
    );
}

#[tokio::test]
async fn a_registration_form_with_errors_keeps_what_was_typed() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let link = create_invite(&app, &admin, "candidate").await;
    let client = app.client();
    let fields = [
        ("email", "keep@team.example"),
        ("name", "Kept Name"),
        ("password", "short"),
        ("confirm", "short"),
    ];
    let r = post_form(&app, &client, &link, &link, &fields).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("value=\"keep@team.example\"") && html.contains("value=\"Kept Name\""));
    assert!(html.contains("at least 12 characters"));
    let n: i64 = sqlx::query_scalar("select count(*) from users where email = 'keep@team.example'")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn t06_open_sign_up_is_off_by_default_and_only_creates_candidates() {
    let app = TestApp::spawn().await;
    let anon = app.client();
    assert_eq!(
        anon.get(app.url("/register"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    let (admin, _) = app.signed_in(Role::Admin).await;
    let r = post_form(
        &app,
        &admin,
        "/admin/settings",
        "/admin/settings",
        &[("registration", "open")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = anon.get(app.url("/register")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let token = csrf_from(&page.text().await.unwrap());
    let r = anon
        .post(app.url("/register"))
        .form(&[
            ("_csrf", token.as_str()),
            ("email", "walkin@team.example"),
            ("name", "Walk In"),
            ("password", PASSWORD),
            ("confirm", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let role: String =
        sqlx::query_scalar("select role from users where email = 'walkin@team.example'")
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(
        role, "candidate",
        "open sign-up only ever creates candidates"
    );
}

#[tokio::test]
async fn the_last_admin_cannot_be_demoted() {
    let app = TestApp::spawn().await;
    let (admin, email) = app.signed_in(Role::Admin).await;
    let other = app.create_user(Role::Admin).await;
    let other_id: i64 = sqlx::query_scalar("select id from users where email = ?")
        .bind(&other)
        .fetch_one(app.pool())
        .await
        .unwrap();
    sqlx::query("update users set disabled = 1 where id = ?")
        .bind(other_id)
        .execute(app.pool())
        .await
        .unwrap();
    let me: i64 = sqlx::query_scalar("select id from users where email = ?")
        .bind(&email)
        .fetch_one(app.pool())
        .await
        .unwrap();
    // an admin cannot change their own role through the page (no control), and the API refuses
    // demoting the only active admin
    let r = post_form(
        &app,
        &admin,
        "/admin",
        &format!("/admin/users/{me}/role"),
        &[("role", "candidate")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn content_status_lists_loaded_gauntlets_and_reload_works() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let page = admin
        .get(app.url("/admin/content"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Multi-Region Kubernetes Deployment"));
    let r = post_form(&app, &admin, "/admin/content", "/admin/content/reload", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/admin/content");
    let page = admin
        .get(app.url("/admin/content"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Reloaded:"));
}

#[tokio::test]
async fn a_content_folder_overrides_built_ins_and_a_broken_file_is_listed_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let seed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/content/multi-region-kubernetes.md"
    ))
    .unwrap();
    std::fs::write(
        dir.path().join("multi-region-kubernetes.md"),
        seed.replace(
            "# Interview Gauntlet: Multi-Region Kubernetes Deployment",
            "# Interview Gauntlet: Multi-Region Kubernetes (team edition)",
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("broken.md"),
        "# Interview Gauntlet: Broken\n\n## Round 1: The Opening\n\nNo prompt here.\n",
    )
    .unwrap();
    let app = TestApp::spawn_with(crate::common::Options {
        content_dir: Some(dir.path().to_path_buf()),
        ..Default::default()
    })
    .await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let catalog = admin
        .get(app.url("/catalog"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(catalog.contains("Multi-Region Kubernetes (team edition)"));
    assert!(
        !catalog.contains("Multi-Region Kubernetes Deployment"),
        "overridden by slug"
    );
    assert!(catalog.contains("Kafka"), "the other built-ins still load");
    let status = admin
        .get(app.url("/admin/content"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(status.contains("Files with errors (1)"));
    assert!(
        status.contains("broken.md:3: "),
        "file:line of the round without a prompt"
    );
    let home = admin
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains("1 content file needs attention"));
}

#[tokio::test]
async fn the_new_link_banner_names_the_role_and_note_and_a_fresh_7_day_link_says_7_days() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let r = post_form(
        &app,
        &admin,
        "/admin/invites",
        "/admin/invites",
        &[("role", "interviewer"), ("days", "7"), ("note", "for <Ana>")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = admin
        .get(app.url("/admin/invites"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("role: <strong data-new-role>Interviewer</strong>"),
        "{page}"
    );
    assert!(
        page.contains("note: <span data-new-note>for &#60;Ana&#62;</span>")
            || page.contains("note: <span data-new-note>for &lt;Ana&gt;</span>"),
        "the note is shown, escaped"
    );
    assert!(page.contains("expires in 7 days"), "rounded, not 6 days");
}
