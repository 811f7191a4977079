//! Writing gauntlets in the browser (issue 19): who may author, the checker's refusals with
//! line numbers, draft conflicts, publishing versions that attempts pin, files read-only, and
//! the team's catalog (attempts, reviewed levels, "new").

use gauntlet::{
    auth::Role,
    db,
    web::routes::{self, Access},
};
use reqwest::{Client, StatusCode};

use crate::common::{
    PASSWORD, TestApp, csrf, db_fingerprint, get_page, location, login, post_form,
};

/// A one-round gauntlet the checker accepts; `prompt` is the interviewer's question.
fn gauntlet(title: &str, prompt: &str) -> String {
    format!(
        "# Interview Gauntlet: {title}

**Category:** Observability
**Difficulty:** L2
**Duration:** 10 minutes
**Domains:** Metrics

---

## Round 1: The Alert

**Interviewer:** \"{prompt}\"

### Strong Answer:

\"Check the error budget: 99.9% over 30 days allows 43 minutes, then page the owner.\"

### Common Weak Answers:

- \"Restart everything.\" — It hides the cause.

### What This Sequence Tested:

| Round | Skill Tested |
| --- | --- |
| 1 | Reading an SLO |
"
    )
}

/// A signed-in interviewer an admin gave the authoring permission.
async fn author(app: &TestApp) -> Client {
    let email = app.create_user(Role::Interviewer).await;
    let id: i64 = sqlx::query_scalar("select id from users where email = ?")
        .bind(&email)
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert!(
        db::users::set_can_author(app.writer(), id, true)
            .await
            .unwrap()
    );
    let client = app.client();
    assert_eq!(
        login(app, &client, &email, PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    client
}

/// The first `n` characters of `s`.
fn head(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// The hidden `base` revision of the editor form.
fn base_of(html: &str) -> String {
    let marker = "name=\"base\" value=\"";
    let start = html.find(marker).expect("editor has a base field") + marker.len();
    html[start..start + html[start..].find('"').unwrap()].to_string()
}

/// Creates a draft `slug` and saves `source` in it.
async fn draft(app: &TestApp, client: &Client, slug: &str, source: &str) {
    let r = post_form(app, client, "/author", "/author/new", &[("slug", slug)]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "create {slug}");
    assert_eq!(location(&r), format!("/author/gauntlets/{slug}"));
    let (_, html) = get_page(app, client, &format!("/author/gauntlets/{slug}")).await;
    let r = post_form(
        app,
        client,
        "/author",
        &format!("/author/gauntlets/{slug}/save"),
        &[("source", source), ("base", &base_of(&html))],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "save {slug}");
}

/// Publishes `source` from the editor; returns the response.
async fn publish(app: &TestApp, client: &Client, slug: &str, source: &str) -> reqwest::Response {
    let (_, html) = get_page(app, client, &format!("/author/gauntlets/{slug}")).await;
    post_form(
        app,
        client,
        "/author",
        &format!("/author/gauntlets/{slug}/publish"),
        &[("source", source), ("base", &base_of(&html))],
    )
    .await
}

async fn publications(app: &TestApp, slug: &str) -> i64 {
    sqlx::query_scalar("select count(*) from authored_publications where slug = ?")
        .bind(slug)
        .fetch_one(app.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn t97_candidates_and_interviewers_without_the_permission_never_reach_authoring() {
    let app = TestApp::spawn().await;
    let (candidate, _) = app.signed_in(Role::Candidate).await;
    let (interviewer, interviewer_email) = app.signed_in(Role::Interviewer).await;
    let before = db_fingerprint(&app).await;
    let author_routes: Vec<_> = routes::specs()
        .into_iter()
        .filter(|s| s.access == Access::Author)
        .collect();
    assert!(author_routes.len() >= 10);
    for spec in &author_routes {
        let path = spec.example_path();
        for (who, client) in [("candidate", &candidate), ("interviewer", &interviewer)] {
            let r = if spec.method == "GET" {
                client.get(app.url(&path)).send().await.unwrap()
            } else {
                let token = csrf(&app, client, "/").await;
                client
                    .post(app.url(&path))
                    .form(&[
                        ("_csrf", token.as_str()),
                        ("slug", "sneaky"),
                        ("source", "# x"),
                        ("base", "1"),
                    ])
                    .send()
                    .await
                    .unwrap()
            };
            assert_eq!(
                r.status(),
                StatusCode::FORBIDDEN,
                "{who} {} {path}",
                spec.method
            );
        }
    }
    assert_eq!(before, db_fingerprint(&app).await, "nothing changed");
    // no "Author" link for either
    for client in [&candidate, &interviewer] {
        let (_, home) = get_page(&app, client, "/catalog").await;
        assert!(!home.contains("href=\"/author\""));
    }

    // an admin grants the permission: the interviewer's next request may author; withdrawn, not
    let (admin, _) = app.signed_in(Role::Admin).await;
    let id: i64 = sqlx::query_scalar("select id from users where email = ?")
        .bind(&interviewer_email)
        .fetch_one(app.pool())
        .await
        .unwrap();
    let grant = |allowed: &'static str| {
        let (app, admin) = (&app, &admin);
        async move {
            post_form(
                app,
                admin,
                "/admin",
                &format!("/admin/users/{id}/author"),
                &[("allowed", allowed)],
            )
            .await
            .status()
        }
    };
    assert_eq!(grant("1").await, StatusCode::SEE_OTHER);
    let (status, html) = get_page(&app, &interviewer, "/author").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("href=\"/author\""), "nav link for authors");
    assert_eq!(grant("0").await, StatusCode::SEE_OTHER);
    assert_eq!(
        get_page(&app, &interviewer, "/author").await.0,
        StatusCode::FORBIDDEN
    );
    // candidates cannot be given the permission at all
    let cand_id: i64 = sqlx::query_scalar("select id from users where role = 'candidate'")
        .fetch_one(app.pool())
        .await
        .unwrap();
    let r = post_form(
        &app,
        &admin,
        "/admin",
        &format!("/admin/users/{cand_id}/author"),
        &[("allowed", "1")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        get_page(&app, &candidate, "/author").await.0,
        StatusCode::FORBIDDEN
    );
    // admins always may
    assert_eq!(get_page(&app, &admin, "/author").await.0, StatusCode::OK);
}

#[tokio::test]
async fn t99_invalid_markdown_is_refused_with_line_numbers_and_nothing_is_published() {
    let app = TestApp::spawn().await;
    let client = author(&app).await;
    let good = gauntlet("Budget Burn", "The error budget alert fired. What first?");
    draft(&app, &client, "budget-burn", &good).await;

    // the live checker: errors with line numbers, no preview, nothing stored
    let before = db_fingerprint(&app).await;
    let broken = good.replace("## Round 1: The Alert", "## Round one");
    let token = csrf(&app, &client, "/author").await;
    let r = client
        .post(app.url("/author/check"))
        .header("x-csrf-token", &token)
        .header("accept", "application/json")
        .form(&[("source", broken.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["ok"], false);
    let line = v["errors"][0]["line"].as_u64().expect("a line number");
    assert!(line >= 1, "{v}");
    assert!(v["preview"].is_null());
    let ok: serde_json::Value = client
        .post(app.url("/author/check"))
        .header("x-csrf-token", &token)
        .header("accept", "application/json")
        .form(&[("source", good.as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ok["ok"], true);
    let preview = ok["preview"].as_str().unwrap();
    assert!(preview.contains("The error budget alert fired. What first?"));
    assert!(preview.contains("The interviewer sees") && preview.contains("Key points"));
    assert_eq!(
        before,
        db_fingerprint(&app).await,
        "checking stores nothing"
    );

    // publishing a broken text: 422, the errors with their lines, the text kept, nothing saved
    let r = publish(&app, &client, "budget-burn", &broken).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(&format!("data-line=\"{line}\">line {line}</button>")),
        "{html}"
    );
    assert!(html.contains("Nothing was saved or published"));
    assert!(
        html.contains("## Round one"),
        "the author's text stays in the editor"
    );
    assert_eq!(
        before,
        db_fingerprint(&app).await,
        "nothing saved or published"
    );
    assert_eq!(publications(&app, "budget-burn").await, 0);
    let (status, _) = get_page(&app, &client, "/gauntlets/budget-burn").await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not in the catalog");

    // control characters and over-long texts are refused with the text kept
    let with_control = good.replace("What first?", "What\u{85} first?");
    let r = publish(&app, &client, "budget-burn", &with_control).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Line 12: remove the control character")
    );
    let long = format!("{good}{}", "x".repeat(80_001));
    let r = publish(&app, &client, "budget-burn", &long).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("at most 80000"));
    assert_eq!(before, db_fingerprint(&app).await);

    // a script in the Markdown never reaches the preview as markup
    let hostile = good.replace(
        "then page the owner.",
        "then page the owner. <script>alert(1)</script><img src=x onerror=alert(2)>",
    );
    let v: serde_json::Value = client
        .post(app.url("/author/check"))
        .header("x-csrf-token", &token)
        .header("accept", "application/json")
        .form(&[("source", hostile.as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let preview = v["preview"].as_str().expect("it parses");
    assert!(!preview.contains("<script"), "{preview}");
    assert!(!preview.contains("onerror"), "{preview}");
}

#[tokio::test]
async fn t98_two_authors_saving_one_draft_get_a_conflict_not_an_overwrite() {
    let app = TestApp::spawn().await;
    let (first, second) = (author(&app).await, author(&app).await);
    let text = gauntlet("Shared Draft", "Both of us edit this.");
    draft(&app, &first, "shared-draft", &text).await;
    // both open the editor at the same revision
    let (_, a) = get_page(&app, &first, "/author/gauntlets/shared-draft").await;
    let (_, b) = get_page(&app, &second, "/author/gauntlets/shared-draft").await;
    let base = base_of(&a);
    assert_eq!(base, base_of(&b));
    let mine = text.replace("Both of us edit this.", "The first author's question.");
    let theirs = text.replace("Both of us edit this.", "The second author's question.");
    let r = post_form(
        &app,
        &first,
        "/author",
        "/author/gauntlets/shared-draft/save",
        &[("source", mine.as_str()), ("base", base.as_str())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = post_form(
        &app,
        &second,
        "/author",
        "/author/gauntlets/shared-draft/save",
        &[("source", theirs.as_str()), ("base", base.as_str())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let html = r.text().await.unwrap();
    assert!(html.contains("Someone saved this draft after you opened it"));
    assert!(
        html.contains("The first author&#39;s question.")
            || html.contains("The first author&#x27;s question.")
    );
    assert!(
        html.contains("The second author&#39;s question.")
            || html.contains("The second author&#x27;s question.")
    );
    // the stored draft is the first save; the losing text is kept as a conflict revision
    let stored: String =
        sqlx::query_scalar("select draft from authored_gauntlets where slug = 'shared-draft'")
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(stored, mine);
    let kept: String = sqlx::query_scalar(
        "select draft from authored_draft_revisions where slug = 'shared-draft' and kind = 'conflict'",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(kept, theirs);
    // publishing from the stale form is the same conflict and publishes nothing
    let r = post_form(
        &app,
        &second,
        "/author",
        "/author/gauntlets/shared-draft/publish",
        &[("source", theirs.as_str()), ("base", base.as_str())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(publications(&app, "shared-draft").await, 0);
    // saving again from the conflict page (its base is the current revision) is deliberate
    let r = post_form(
        &app,
        &second,
        "/author",
        "/author/gauntlets/shared-draft/save",
        &[("source", theirs.as_str()), ("base", &base_of(&html))],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn t98_published_versions_are_pinned_by_attempts_and_listed_with_diffs() {
    let app = TestApp::spawn().await;
    let client = author(&app).await;
    let v1 = gauntlet("Pinned Versions", "Version one asks this.");
    draft(&app, &client, "pinned-versions", &v1).await;
    let r = publish(&app, &client, "pinned-versions", &v1).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(publications(&app, "pinned-versions").await, 1);

    // a candidate sees it in the catalog, marked new, and starts an attempt on v1
    let (candidate, _) = app.signed_in(Role::Candidate).await;
    let (_, catalog) = get_page(&app, &candidate, "/catalog").await;
    let card = &catalog[catalog.find("Pinned Versions").unwrap()..];
    assert!(head(card, 200).contains("New"), "{}", head(card, 200));
    assert!(
        !catalog.contains("data-team-stats"),
        "candidates see no team numbers"
    );
    let r = post_form(
        &app,
        &candidate,
        "/gauntlets/pinned-versions",
        "/gauntlets/pinned-versions/attempts",
        &[("mode", "interview")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let attempt = location(&r);
    assert!(
        get_page(&app, &candidate, &attempt)
            .await
            .1
            .contains("Version one asks this.")
    );

    // v2 is published; the old attempt still shows v1, a new one v2
    let v2 = v1.replace("Version one asks this.", "Version two asks this instead.");
    assert_eq!(
        publish(&app, &client, "pinned-versions", &v2)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(publications(&app, "pinned-versions").await, 2);
    let old = get_page(&app, &candidate, &attempt).await.1;
    assert!(old.contains("Version one asks this.") && !old.contains("Version two"));
    let (other, _) = app.signed_in(Role::Candidate).await;
    let r = post_form(
        &app,
        &other,
        "/gauntlets/pinned-versions",
        "/gauntlets/pinned-versions/attempts",
        &[("mode", "interview")],
    )
    .await;
    let fresh = get_page(&app, &other, &location(&r)).await.1;
    assert!(fresh.contains("Version two asks this instead."));

    // history, the diff between versions, downloads
    let (_, history) = get_page(&app, &client, "/author/gauntlets/pinned-versions/history").await;
    assert!(history.contains(">v1<") && history.contains(">v2<"));
    let (status, diff) = get_page(
        &app,
        &client,
        "/author/gauntlets/pinned-versions/diff?from=1&to=2",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(diff.contains("diff-removed") && diff.contains("Version one asks this."));
    assert!(diff.contains("diff-added") && diff.contains("Version two asks this instead."));
    let r = client
        .get(app.url("/author/gauntlets/pinned-versions/download?version=1"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename=\"pinned-versions-v1.md\""
    );
    assert_eq!(r.text().await.unwrap(), v1);

    // the team's catalog: attempts and the average reviewed level, for interviewers
    let (interviewer, _) = app.signed_in(Role::Interviewer).await;
    let attempt_id: i64 = attempt.trim_start_matches("/attempts/").parse().unwrap();
    let reviewer: i64 =
        sqlx::query_scalar("select id from users where role = 'interviewer' limit 1")
            .fetch_one(app.pool())
            .await
            .unwrap();
    sqlx::query(
        "insert into reviews (id, attempt_id, reviewer_id, claimed_at, updated_at, submitted_at)
         values (900, ?, ?, 1, 1, 1)",
    )
    .bind(attempt_id)
    .bind(reviewer)
    .execute(app.writer())
    .await
    .unwrap();
    sqlx::query("insert into review_rounds (review_id, round_number, level) values (900, 1, 3)")
        .execute(app.writer())
        .await
        .unwrap();
    let (_, catalog) = get_page(&app, &interviewer, "/catalog").await;
    let card = &catalog[catalog.find("Pinned Versions").unwrap()..];
    let stats = &card[card.find("data-team-stats").unwrap()..];
    assert!(
        stats.starts_with("data-team-stats>2 attempts · average reviewed level 3.0 (1 reviewed)"),
        "{}",
        head(stats, 120)
    );
    // the built-in gauntlets were loaded at start: not new
    let seed = &catalog[catalog.find("Multi-Region Kubernetes Deployment").unwrap()..];
    assert!(!head(seed, 120).contains("New"));

    // a restart (the start-up path: files loaded, then the stored publications joined) keeps
    // the newest published version and the drafts
    let restarted = gauntlet::content_store::ContentStore::load(None);
    restarted.record_current(app.writer()).await.unwrap();
    let lib = restarted.current();
    let entry = lib
        .get("pinned-versions")
        .expect("the browser gauntlet is back after a restart");
    assert!(entry.source.contains("Version two asks this instead."));
    assert!(!entry.origin.is_file_managed());
    let drafts: i64 = sqlx::query_scalar("select count(*) from authored_gauntlets")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(drafts, 1);
}

#[tokio::test]
async fn gauntlets_managed_in_files_are_read_only_and_duplicate_to_edit() {
    let app = TestApp::spawn().await;
    let client = author(&app).await;
    let seed = "multi-region-kubernetes";
    let (status, html) = get_page(&app, &client, &format!("/author/gauntlets/{seed}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("Managed in files") && html.contains("Duplicate to edit"));
    assert!(!html.contains("/save\""), "no save form");
    let before = db_fingerprint(&app).await;
    for action in ["save", "publish", "preview"] {
        let r = post_form(
            &app,
            &client,
            "/author",
            &format!("/author/gauntlets/{seed}/{action}"),
            &[("source", "# changed"), ("base", "0")],
        )
        .await;
        assert_eq!(r.status(), StatusCode::CONFLICT, "{action}");
    }
    assert_eq!(before, db_fingerprint(&app).await);
    // a taken slug keeps what was typed
    let r = post_form(
        &app,
        &client,
        &format!("/author/gauntlets/{seed}"),
        &format!("/author/gauntlets/{seed}/duplicate"),
        &[("new_slug", seed)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("already used"));
    let r = post_form(
        &app,
        &client,
        &format!("/author/gauntlets/{seed}"),
        &format!("/author/gauntlets/{seed}/duplicate"),
        &[("new_slug", "k8s-copy")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, copy) = get_page(&app, &client, "/author/gauntlets/k8s-copy").await;
    assert!(copy.contains("Draft, never published") && copy.contains("name=\"source\""));
    // a bad slug on the new-gauntlet form comes back with what was typed
    let r = post_form(
        &app,
        &client,
        "/author",
        "/author/new",
        &[("slug", "Bad Slug!")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("value=\"Bad Slug!\""));
}

#[tokio::test]
async fn pasted_page_text_becomes_a_draft_and_a_failed_import_keeps_the_text() {
    let app = TestApp::spawn().await;
    let client = author(&app).await;
    let page_text = include_str!("../fixtures/content/valid/minimal.txt");
    let r = post_form(
        &app,
        &client,
        "/author",
        "/author/import",
        &[("slug", "imported-minimal"), ("text", page_text)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, html) = get_page(&app, &client, "/author/gauntlets/imported-minimal").await;
    assert!(html.contains("Minimal Example") && html.contains("No errors: 2 rounds"));
    let md = client
        .get(app.url("/author/gauntlets/imported-minimal/download"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        md.starts_with("# Interview Gauntlet: Minimal Example"),
        "{md}"
    );

    // text the importer cannot read: 422, the errors with their lines, the pasted text kept
    let before = db_fingerprint(&app).await;
    let r = post_form(
        &app,
        &client,
        "/author",
        "/author/import",
        &[
            ("slug", "not-a-gauntlet"),
            ("text", "just some words\nand more"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("could not be imported") && html.contains("line "));
    assert!(html.contains("just some words\nand more</textarea>"));
    assert!(html.contains("value=\"not-a-gauntlet\""));
    assert_eq!(before, db_fingerprint(&app).await);
}
