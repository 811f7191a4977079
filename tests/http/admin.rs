//! Admin pages: invites (create, accept, revoke, expiry), registration mode, content status.

use gauntlet::auth::Role;
use reqwest::StatusCode;

use crate::common::{PASSWORD, TestApp, csrf_from, db_fingerprint, location, post_form};

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

/// The row count of every table (sessions included), by name.
async fn row_counts(app: &TestApp) -> std::collections::BTreeMap<String, i64> {
    let tables: Vec<String> = sqlx::query_scalar(
        "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' \
         and name <> '_sqlx_migrations' order by name",
    )
    .fetch_all(app.pool())
    .await
    .unwrap();
    let mut out = std::collections::BTreeMap::new();
    for t in tables {
        let n: i64 = sqlx::query_scalar(&format!("select count(*) from \"{t}\""))
            .fetch_one(app.pool())
            .await
            .unwrap();
        out.insert(t, n);
    }
    out
}

async fn exec(app: &TestApp, sql: &str, binds: &[i64]) -> i64 {
    let mut q = sqlx::query(sql);
    for b in binds {
        q = q.bind(*b);
    }
    q.execute(app.pool()).await.unwrap().last_insert_rowid()
}

/// One finished attempt of `user` with a main answer and a follow-up, one overwritten text
/// and a self-assessment; `requested` asks for a review.
async fn attempt_of(app: &TestApp, user: i64, requested: bool) -> i64 {
    let (slug, version): (String, String) =
        sqlx::query_as("select slug, version from gauntlet_versions order by slug limit 1")
            .fetch_one(app.pool())
            .await
            .unwrap();
    let id: i64 = sqlx::query_scalar(
        "insert into attempts (user_id, slug, version, mode, started_at, finished_at, review_requested_at)
         values (?, ?, ?, 'study', 1, 2, ?) returning id",
    )
    .bind(user)
    .bind(slug)
    .bind(version)
    .bind(requested.then_some(3))
    .fetch_one(app.pool())
    .await
    .unwrap();
    for part in ["main", "follow_up"] {
        sqlx::query(
            "insert into answers (attempt_id, round_number, part, body, version, first_viewed_at, updated_at)
             values (?, 1, ?, 'first text', 1, 1, 1)",
        )
        .bind(id)
        .bind(part)
        .execute(app.pool())
        .await
        .unwrap();
    }
    // the trigger keeps the overwritten text as a revision
    exec(
        app,
        "update answers set body = 'second text', version = 2 where attempt_id = ? and part = 'main'",
        &[id],
    )
    .await;
    exec(
        app,
        "insert into self_assessments (attempt_id, round_number, level, updated_at) values (?, 1, 3, 1)",
        &[id],
    )
    .await;
    id
}

/// A review by `reviewer` on `attempt` with one rated round and one comment; `submitted`
/// also records an audited edit.
async fn review_of(app: &TestApp, attempt: i64, reviewer: i64, submitted: bool) -> i64 {
    let id = exec(
        app,
        "insert into reviews (attempt_id, reviewer_id, summary, claimed_at, updated_at, submitted_at)
         values (?, ?, 'solid', 4, 4, case when ? then 5 end)",
        &[attempt, reviewer, submitted as i64],
    )
    .await;
    exec(
        app,
        "insert into review_rounds (review_id, round_number, level) values (?, 1, 3)",
        &[id],
    )
    .await;
    exec(
        app,
        "insert into review_comments (review_id, round_number, span_start, span_end, quote, body, created_at)
         values (?, 1, 0, 6, 'second', 'good start', 5)",
        &[id],
    )
    .await;
    if submitted {
        exec(
            app,
            "insert into review_audit (review_id, actor_id, at, before, after) values (?, ?, 6, '{}', '{}')",
            &[id, reviewer],
        )
        .await;
    }
    id
}

#[tokio::test]
async fn t72_deleting_a_person_removes_exactly_their_data_and_keeps_their_reviews_of_others() {
    let app = TestApp::spawn().await;
    let (admin, admin_email) = app.signed_in(Role::Admin).await;
    let admin_id = app.user_id(&admin_email).await;
    // the person who leaves: an interviewer who also practised, signed in on two browsers
    let (_gone_client, gone_email) = app.signed_in(Role::Interviewer).await;
    let second = app.client();
    assert_eq!(
        crate::common::login(&app, &second, &gone_email, PASSWORD)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let gone = app.user_id(&gone_email).await;
    let (_other_client, other_email) = app.signed_in(Role::Candidate).await;
    let other = app.user_id(&other_email).await;

    let own = attempt_of(&app, gone, true).await;
    review_of(&app, own, admin_id, true).await; // a review of their attempt: goes with it
    let others = attempt_of(&app, other, true).await;
    let kept = review_of(&app, others, gone, true).await; // their review of someone else: stays
    let admins_review = review_of(&app, others, admin_id, true).await;
    let claimed = attempt_of(&app, other, true).await;
    review_of(&app, claimed, gone, false).await; // their unfinished claim: released
    exec(
        &app,
        "insert into invites (token_hash, role, created_by, created_at, expires_at, used_at, used_by)
         values ('h-used', 'interviewer', ?, 1, 9999999999, 2, ?)",
        &[admin_id, gone],
    )
    .await;
    exec(
        &app,
        "insert into invites (token_hash, role, created_by, created_at, expires_at)
         values ('h-open', 'candidate', ?, 1, 9999999999)",
        &[admin_id],
    )
    .await;
    // mail to them (it names their attempts) goes; mail to someone else stays
    for to in [gone_email.as_str(), "someone.else@example.com"] {
        sqlx::query(
            "insert into outbox (channel, kind, recipient, subject, body_text, created_at, next_attempt_at)
             values ('email', 'review_ready', ?, 'Your review is ready', 'Read it', 1, 1)",
        )
        .bind(to)
        .execute(app.pool())
        .await
        .unwrap();
    }
    let before = row_counts(&app).await;
    let sessions_of_gone = 2;

    // the confirmation step is a page (no JavaScript needed) listing what goes
    let page = admin
        .get(app.url(&format!("/admin/users/{gone}/delete")))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(page.contains(&gone_email));
    assert!(
        page.contains("1 attempt(s) with 2 answer(s) and 1 earlier version(s)"),
        "{page}"
    );
    assert!(
        page.contains("1 review(s) they wrote on other people"),
        "{page}"
    );
    assert!(page.contains(&format!("action=\"/admin/users/{gone}/delete\"")));
    assert!(page.contains("name=\"confirm\" value=\"delete\""));
    assert_eq!(
        row_counts(&app).await,
        before,
        "the confirmation page changed something"
    );

    let token = csrf_from(&page);
    let r = admin
        .post(app.url(&format!("/admin/users/{gone}/delete")))
        .form(&[("_csrf", token.as_str()), ("confirm", "delete")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/admin");
    let users = admin
        .get(app.url("/admin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        users.contains(&format!("{gone_email} was deleted")),
        "{users}"
    );
    assert!(!users.contains(&format!("href=\"/admin/users/{gone}/delete\"")));

    let after = row_counts(&app).await;
    let expected_change: &[(&str, i64)] = &[
        ("users", -1),
        ("attempts", -1),
        ("answers", -2),
        ("answer_revisions", -1),
        ("self_assessments", -1),
        // the admin's review of their attempt, and their unfinished claim
        ("reviews", -2),
        ("review_rounds", -2),
        ("review_comments", -2),
        // the admin's audit entry on the review of their attempt
        ("review_audit", -1),
        ("invites", -1),
        ("outbox", -1),
        ("tower_sessions", -sessions_of_gone),
        ("account_removals", 1),
    ];
    for (table, n) in &before {
        let change = expected_change
            .iter()
            .find(|(t, _)| t == table)
            .map_or(0, |(_, c)| *c);
        assert_eq!(after[table] - n, change, "{table}: {n} → {}", after[table]);
    }

    // their review of someone else's attempt is intact, without an author
    let (reviewer, summary, rounds, comments, audits): (Option<i64>, String, i64, i64, i64) =
        sqlx::query_as(
            "select reviewer_id, summary,
                    (select count(*) from review_rounds where review_id = r.id),
                    (select count(*) from review_comments where review_id = r.id),
                    (select count(*) from review_audit where review_id = r.id and actor_id is null)
             from reviews r where id = ?",
        )
        .bind(kept)
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(
        (reviewer, summary.as_str(), rounds, comments, audits),
        (None, "solid", 1, 1, 1)
    );
    let admins: i64 = sqlx::query_scalar("select reviewer_id from reviews where id = ?")
        .bind(admins_review)
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(admins, admin_id);
    let leftovers: i64 = sqlx::query_scalar(
        "select (select count(*) from attempts where user_id = ?1)
              + (select count(*) from reviews where reviewer_id = ?1)
              + (select count(*) from invites where used_by = ?1 or created_by = ?1 and used_at is null)",
    )
    .bind(gone)
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(leftovers, 0);
    let broken: Vec<(String,)> = sqlx::query_as("select \"table\" from pragma_foreign_key_check")
        .fetch_all(app.pool())
        .await
        .unwrap();
    assert!(broken.is_empty(), "{broken:?}");
    let integrity: String = sqlx::query_scalar("pragma integrity_check")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(integrity, "ok");

    // pages show the kept review as the former interviewer's, and the audit lists the removal
    let queue = admin
        .get(app.url("/reviews"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(queue.contains("former interviewer"), "{queue}");
    assert!(!queue.contains(&gone_email));
    let export = admin
        .get(app.url("/admin/export?format=json"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(export.contains("former interviewer") && !export.contains(&gone_email));
    let audit = admin
        .get(app.url("/admin/audit"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(audit.contains(&format!("#{gone}")), "{audit}");
    assert!(audit.contains(&format!("admin {admin_email}")));
    assert!(
        !audit.contains(&gone_email),
        "the audit keeps no email of the removed person"
    );
}

#[tokio::test]
async fn t73_deleting_needs_an_admin_a_token_and_the_confirmation_and_never_yourself() {
    let app = TestApp::spawn().await;
    let (admin, admin_email) = app.signed_in(Role::Admin).await;
    let admin_id = app.user_id(&admin_email).await;
    let (interviewer, _) = app.signed_in(Role::Interviewer).await;
    let (candidate, candidate_email) = app.signed_in(Role::Candidate).await;
    let target = app.user_id(&candidate_email).await;
    let path = format!("/admin/users/{target}/delete");
    let before = db_fingerprint(&app).await;

    for (client, who) in [(&interviewer, "interviewer"), (&candidate, "candidate")] {
        let page = client.get(app.url(&path)).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::FORBIDDEN, "{who} saw the page");
        let r = post_form(&app, client, "/", &path, &[("confirm", "delete")]).await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{who} deleted");
    }
    // an admin without the token, with a foreign origin, without the confirmation
    let r = admin
        .post(app.url(&path))
        .form(&[("confirm", "delete")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let token = crate::common::csrf(&app, &admin, "/admin").await;
    let r = admin
        .post(app.url(&path))
        .header("origin", "https://evil.example")
        .form(&[("_csrf", token.as_str()), ("confirm", "delete")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    for confirm in ["", "yes", "DELETE"] {
        let r = post_form(&app, &admin, "/admin", &path, &[("confirm", confirm)]).await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "confirm={confirm:?}"
        );
    }
    let r = post_form(&app, &admin, "/admin", &path, &[]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // not yourself (the last admin rule is checked from the command line, t74)
    let own = format!("/admin/users/{admin_id}/delete");
    let page = admin.get(app.url(&own)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::CONFLICT);
    let r = post_form(&app, &admin, "/admin", &own, &[("confirm", "delete")]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = post_form(
        &app,
        &admin,
        "/admin",
        "/admin/users/999999/delete",
        &[("confirm", "delete")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        db_fingerprint(&app).await,
        before,
        "a refused deletion changed something"
    );
    // the users page offers Delete for others only, as a link to the confirmation page
    let users = admin
        .get(app.url("/admin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(users.contains(&format!("href=\"{path}\"")));
    assert!(!users.contains(&format!("href=\"{own}\"")));
}

#[tokio::test]
async fn t75_a_deleted_persons_sessions_stop_at_once_even_when_their_id_is_given_again() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    // the newest account: SQLite hands its id to the next account created after it is gone
    let (gone_client, gone_email) = app.signed_in(Role::Interviewer).await;
    let gone = app.user_id(&gone_email).await;
    let page = gone_client.get(app.url("/history")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);

    let r = post_form(
        &app,
        &admin,
        "/admin",
        &format!("/admin/users/{gone}/delete"),
        &[("confirm", "delete")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // a new account now takes the same id, before the old session is used again
    let reused = app
        .create_user_with_email(Role::Admin, "newcomer@team.example")
        .await;
    assert_eq!(reused, gone, "the test needs the id to be reused");
    let epoch: i64 = sqlx::query_scalar("select auth_epoch from users where id = ?")
        .bind(reused)
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert!(
        epoch > 0,
        "a reused id starts past the removed account's epoch"
    );

    for path in ["/history", "/admin", "/reviews"] {
        let r = gone_client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path} still served");
        assert!(location(&r).starts_with("/login"), "{path}");
    }
    // and the newcomer signs in normally
    let fresh = app.client();
    let r = crate::common::login(&app, &fresh, "newcomer@team.example", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = fresh.get(app.url("/admin")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
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
        &[
            ("role", "interviewer"),
            ("days", "7"),
            ("note", "for <Ana>"),
        ],
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
        page.contains("note: <span data-new-note>for &#60;Ana&#62;</span>"),
        "the note is shown, escaped"
    );
    assert!(page.contains("expires in 7 days"), "rounded, not 6 days");
}
