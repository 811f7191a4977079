//! Threat rows about what the server sends back (T31, T36, T42, T43, T45): escaped
//! markup, security headers on every route, traversal paths, bad redirect targets and
//! database errors without internals.

use gauntlet::{auth::Role, web::routes};
use reqwest::StatusCode;

use crate::{
    common::{
        PASSWORD, TestApp,
        attempts::{start, submit},
        csrf, location, login, page_text,
    },
    threats::send,
};

const XSS: [&str; 5] = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(1)>",
    "'><svg onload=alert(1)>",
    "</textarea><script>alert(2)</script>",
    "{{7*7}}",
];

fn assert_escaped(html: &str, page: &str) {
    for raw in [
        "<script>alert",
        "<img src=x onerror",
        "<svg onload",
        "</textarea><script>",
        "\" autofocus onfocus",
    ] {
        assert!(!html.contains(raw), "{page} contains {raw:?} unescaped");
    }
}

#[tokio::test]
async fn t31_markup_in_answers_comments_summaries_and_names_is_escaped_on_every_page() {
    let app = TestApp::spawn().await;
    let payload = XSS.join(" ");
    let name = "<script>alert(3)</script>\" autofocus onfocus=alert(1) x=\"";
    let (candidate, email) = app.signed_in(Role::Candidate).await;
    let (x, x_email) = app.signed_in(Role::Interviewer).await;
    for e in [&email, &x_email] {
        sqlx::query("update users set display_name = ? where email = ?")
            .bind(name)
            .bind(e)
            .execute(app.pool())
            .await
            .unwrap();
    }
    let id = start(&app, &candidate, "interview").await;
    // the payload as a draft: the editing page shows it inside a textarea
    let token = csrf(&app, &candidate, "/").await;
    let r = candidate
        .post(app.url(&format!("/attempts/{id}/steps/1/main/save")))
        .header("x-csrf-token", token)
        .header("accept", "application/json")
        .form(&[("body", payload.as_str()), ("base_version", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let editing = page_text(&app, &candidate, &format!("/attempts/{id}")).await;
    assert_escaped(&editing, "the attempt page");
    assert!(
        editing.contains("{{7*7}}"),
        "template syntax in text stays text"
    );
    for round in 1..=5 {
        let r = submit(
            &app,
            &candidate,
            id,
            round,
            "main",
            &payload,
            if round == 1 { 1 } else { 0 },
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "round {round}");
        if round == 2 {
            let r = submit(&app, &candidate, id, 2, "follow_up", &payload, 0).await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
        }
    }
    let r = send(
        &app,
        &candidate,
        &format!("/attempts/{id}/review"),
        &[("action", "request")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        send(&app, &x, &format!("/reviews/{id}/claim"), &[])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let r = send(
        &app,
        &x,
        &format!("/reviews/{id}/comments"),
        &[
            ("round", "1"),
            ("quote", "<script>alert(1)</script>"),
            ("body", &payload),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let mut fields: Vec<(&str, &str)> = vec![
        ("level_1", "2"),
        ("level_2", "2"),
        ("level_3", "2"),
        ("level_4", "2"),
        ("level_5", "2"),
        ("recommendation", "almost"),
        ("summary", &payload),
        ("comment_1", &payload),
    ];
    let r = send(&app, &x, &format!("/reviews/{id}/submit"), &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // an edit after submitting (edit mode's Save changes) puts the payload into the audit log too
    fields[6] = ("summary", "<script>alert(4)</script> edited");
    let r = send(&app, &x, &format!("/reviews/{id}/submit"), &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "the edit is saved");
    let summary: String = sqlx::query_scalar("select summary from reviews where attempt_id = ?")
        .bind(id)
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(summary, "<script>alert(4)</script> edited");
    let (admin, _) = app.signed_in(Role::Admin).await;
    let mut pages = 0;
    for (who, path) in [
        (&candidate, format!("/attempts/{id}/debrief")),
        (&candidate, "/history".to_string()),
        (&candidate, "/".to_string()),
        (&x, "/reviews".to_string()),
        (&x, format!("/reviews/{id}")),
        (&x, "/calibration".to_string()),
        (&x, "/".to_string()),
        (&admin, "/admin".to_string()),
        (&admin, "/admin/audit".to_string()),
        (&admin, format!("/reviews/{id}")),
        (&admin, "/admin/invites".to_string()),
    ] {
        let r = who.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let html = r.text().await.unwrap();
        assert_escaped(&html, &path);
        pages += 1;
    }
    let review = page_text(&app, &x, &format!("/reviews/{id}")).await;
    assert!(
        review.contains("&#60;script&#62;alert(1)"),
        "the text is shown, escaped"
    );
    let debrief = page_text(&app, &candidate, &format!("/attempts/{id}/debrief")).await;
    assert!(debrief.contains("{{7*7}}"));
    assert!(pages >= 10);
    // JSON and CSV carry the text as data, with their own content types
    let export = candidate
        .get(app.url("/account/export.json"))
        .send()
        .await
        .unwrap();
    assert!(
        export.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    assert_eq!(export.headers()["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn t36_every_route_carries_the_security_headers_for_every_role_and_status() {
    let app = TestApp::spawn().await;
    let anon = app.client();
    let (candidate, _) = app.signed_in(Role::Candidate).await;
    let (interviewer, _) = app.signed_in(Role::Interviewer).await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let mut statuses = std::collections::BTreeSet::new();
    for (who, name) in [
        (&anon, "anonymous"),
        (&candidate, "candidate"),
        (&interviewer, "interviewer"),
        (&admin, "admin"),
    ] {
        for spec in routes::specs() {
            let url = app.url(&spec.example_path());
            // GETs as they are; unsafe routes without a token (403 from the guard)
            let r = if spec.method == "GET" {
                who.get(url).send().await.unwrap()
            } else {
                who.post(url).form(&[("x", "1")]).send().await.unwrap()
            };
            statuses.insert(r.status().as_u16());
            let what = format!("{name} {} {}", spec.method, spec.path);
            let h = r.headers();
            for (header, value) in [
                ("x-frame-options", "DENY"),
                ("x-content-type-options", "nosniff"),
                ("referrer-policy", "same-origin"),
                ("cross-origin-opener-policy", "same-origin"),
                ("cross-origin-resource-policy", "same-origin"),
            ] {
                assert_eq!(
                    h.get(header).map(|v| v.to_str().unwrap()),
                    Some(value),
                    "{what}: {header}"
                );
            }
            let csp = h["content-security-policy"].to_str().unwrap();
            assert!(
                csp.contains("frame-ancestors 'none'")
                    && !csp.contains("unsafe-inline")
                    && !csp.contains("unsafe-eval"),
                "{what}: {csp}"
            );
            assert!(
                h.get("server").is_none() && h.get("x-powered-by").is_none(),
                "{what}"
            );
            if let Some(ct) = h.get("content-type").map(|v| v.to_str().unwrap()) {
                if ct.starts_with("text/") || ct.starts_with("application/json") {
                    assert!(
                        ct.contains("charset=utf-8") || ct == "application/json",
                        "{what}: {ct}"
                    );
                }
                if ct.starts_with("text/html") || ct.starts_with("application/json") {
                    assert_eq!(h["cache-control"], "no-store", "{what}");
                }
            }
            assert!(
                h.get("strict-transport-security").is_none(),
                "{what}: no HSTS on plain HTTP"
            );
        }
    }
    for s in [200, 303, 403, 404] {
        assert!(
            statuses.contains(&s),
            "status {s} not exercised: {statuses:?}"
        );
    }
}

#[tokio::test]
async fn t42_traversal_and_file_disclosure_paths_anywhere_get_404() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Admin).await;
    for path in [
        "/static/foo/c:/windows/win.ini",
        "/static/..%5c..%5cCargo.toml",
        "/static/%c0%ae%c0%ae/etc/passwd",
        "/static/app.css%00.js",
        "/static/.env",
        "/static/Cargo.toml",
        "/../Cargo.toml",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/gauntlets/..%2f..%2fCargo.toml",
        "/gauntlets/%2e%2e%2f%2e%2e%2fetc%2fpasswd/kit",
        "/.git/config",
        "/gauntlet.db",
        "/content/multi-region-kubernetes.md",
        "/templates/layouts/base.html",
        "/src/main.rs",
    ] {
        let r = client.get(app.url(path)).send().await.unwrap();
        assert!(
            matches!(r.status(), StatusCode::NOT_FOUND | StatusCode::BAD_REQUEST),
            "{path}: {}",
            r.status()
        );
        let body = r.text().await.unwrap();
        for leak in [
            "root:",
            "[core]",
            "[package]",
            "SQLite format",
            "fn main",
            "# Interview Gauntlet",
        ] {
            assert!(!body.contains(leak), "{path} shows {leak:?}");
        }
    }
}

#[tokio::test]
async fn t43_django_bad_urls_after_sign_in_go_home_and_good_ones_are_kept() {
    let app = TestApp::spawn().await;
    let email = app.create_user(Role::Candidate).await;
    let bad = [
        "http://example.com",
        "http:///example.com",
        "https://example.com",
        "ftp://example.com",
        r"\\example.com",
        r"\\\example.com",
        r"/\\/example.com",
        r"\\\example.com",
        r"\\//example.com",
        r"/\/example.com",
        r"\/example.com",
        r"/\example.com",
        "http:///example.com",
        r"http:/\//example.com",
        r"http:\/example.com",
        r"http:/\example.com",
        "javascript:alert('XSS')",
        "\njavascript:alert(x)",
        "java\nscript:alert(x)",
        "\x08//example.com",
        r"http://otherserver\@example.com",
        r"http:\\testserver\@example.com",
        r"http://testserver\me:pass@example.com",
        r"http://testserver\@example.com",
        r"http:\\testserver\confirm\me@example.com",
        "http:999999999",
        "ftp:9999999999",
        "\n",
        "http://[2001:cdba:0000:0000:0000:0000:3257:9652/",
        "http://2001:cdba:0000:0000:0000:0000:3257:9652]/",
        "//example.com",
        "///example.com",
        "/\t/example.com",
        "/\r\n/example.com",
        "https:/example.com",
        "data:text/html,<script>alert(1)</script>",
    ];
    let good = [
        "/attempts/5?tab=2",
        "/gauntlets/x?tab=2#r3",
        "/history",
        "/reviews?show=mine",
    ];
    for (next, expected) in bad
        .iter()
        .map(|b| (*b, "/"))
        .chain(good.iter().map(|g| (*g, *g)))
    {
        let client = app.client();
        let token = csrf(&app, &client, "/login").await;
        let encoded: String = form_urlencoded::byte_serialize(next.as_bytes()).collect();
        let r = client
            .post(format!("{}?next={encoded}", app.url("/login")))
            .form(&[
                ("_csrf", token.as_str()),
                ("email", email.as_str()),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "next={next:?}");
        let expected = expected.split('#').next().unwrap();
        assert_eq!(
            location(&r).split('#').next().unwrap(),
            expected,
            "next={next:?}"
        );
    }
    // already signed in: the sign-in page redirects the same way
    let client = app.client();
    login(&app, &client, &email, PASSWORD).await;
    let r = client
        .get(app.url("/login?next=%2F%2Fevil.example"))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), "/");
}

#[tokio::test]
async fn t45_a_database_error_shows_a_reference_and_no_internals() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let id = start(&app, &client, "interview").await;
    let token = csrf(&app, &client, "/").await;
    sqlx::query("drop table settings")
        .execute(app.pool())
        .await
        .unwrap();
    sqlx::query("alter table answers rename to answers_gone")
        .execute(app.pool())
        .await
        .unwrap();
    let page = app.client().get(app.url("/login")).send().await.unwrap();
    let json = client
        .post(app.url(&format!("/attempts/{id}/steps/1/main/save")))
        .header("x-csrf-token", &token)
        .header("accept", "application/json")
        .form(&[("body", "x"), ("base_version", "0")])
        .send()
        .await
        .unwrap();
    for (r, kind) in [(page, "page"), (json, "json")] {
        assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR, "{kind}");
        let body = r.text().await.unwrap();
        for leak in [
            "sqlx",
            "SQLITE",
            "sqlite",
            "no such table",
            "settings",
            "answers_gone",
            "src/",
            "panicked",
            ".rs:",
            "stack backtrace",
            "at /",
        ] {
            assert!(!body.contains(leak), "{kind} shows {leak:?}: {body}");
        }
        if kind == "json" {
            let v: serde_json::Value = serde_json::from_str(&body).unwrap();
            assert_eq!(v["error"], "internal");
            assert_eq!(v["reference"].as_str().unwrap().len(), 16);
        } else {
            assert!(body.contains("Reference: <code>"), "{body}");
        }
    }
    // other pages keep working
    assert_eq!(
        client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
}
