//! Setup link, sign-in and sign-out, sessions, throttling and account states.

use gauntlet::auth::Role;
use reqwest::StatusCode;

use crate::common::{
    self, Options, PASSWORD, TestApp, cookie_pair, csrf, location, login, post_form,
    set_session_cookie,
};

fn setup_path(app: &TestApp) -> String {
    let link = app
        .running()
        .setup_link
        .clone()
        .expect("fresh database prints a setup link");
    link.strip_prefix(&app.base)
        .expect("link on this site")
        .to_string()
}

#[tokio::test]
async fn t29_setup_link_creates_the_first_admin_once() {
    let app = TestApp::spawn().await;
    let path = setup_path(&app);
    let client = app.client();
    let page = client.get(app.url(&path)).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let fields = [
        ("email", "first@team.example"),
        ("name", "First Admin"),
        ("password", PASSWORD),
        ("confirm", PASSWORD),
    ];
    let resp = post_form(&app, &client, &path, &path, &fields).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let home = client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        home.contains("<h1>Welcome, First Admin</h1>") && home.contains("href=\"/admin\""),
        "the first visit is not a welcome back"
    );
    let again = client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(again.contains("Welcome back, First Admin"));

    // the same link a second time: refused, and no second account appears
    let other = app.client();
    let again = other.get(app.url(&path)).send().await.unwrap();
    assert_eq!(again.status(), StatusCode::BAD_REQUEST);
    assert!(again.text().await.unwrap().contains("already been used"));
    let users: i64 = sqlx::query_scalar("select count(*) from users")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(users, 1);
}

#[tokio::test]
async fn setup_link_expires() {
    let app = TestApp::spawn().await;
    let path = setup_path(&app);
    sqlx::query("update setup_tokens set expires_at = 0")
        .execute(app.pool())
        .await
        .unwrap();
    let resp = app.client().get(app.url(&path)).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn t29_no_setup_link_once_users_exist_and_no_default_credentials() {
    let app = TestApp::spawn().await;
    app.create_user(Role::Candidate).await;
    let path = setup_path(&app);
    let resp = app.client().get(app.url(&path)).send().await.unwrap();
    assert_eq!(
        resp.status(),
        StatusCode::BAD_REQUEST,
        "setup only while there are no users"
    );
    let client = app.client();
    for (email, pw) in [
        ("admin", "admin"),
        ("admin@localhost", "password"),
        ("root", "root"),
    ] {
        let r = login(&app, &client, email, pw).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
}

#[tokio::test]
async fn t18_login_and_logout_end_the_session_on_the_server() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let home = client.get(app.url("/")).send().await.unwrap();
    assert_eq!(home.status(), StatusCode::OK);
    let cookie_before = client.get(app.url("/catalog")).send().await.unwrap();
    assert_eq!(cookie_before.status(), StatusCode::OK);

    let token = csrf(&app, &client, "/").await;
    let out = client
        .post(app.url("/logout"))
        .form(&[("_csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert!(out.headers().get("clear-site-data").is_some());
    let after = client.get(app.url("/catalog")).send().await.unwrap();
    assert_eq!(after.status(), StatusCode::SEE_OTHER);
    assert!(location(&after).starts_with("/login?next="));
}

#[tokio::test]
async fn t17_t20_the_session_id_changes_at_login_and_cookie_attributes_are_strict() {
    let app = TestApp::spawn().await;
    let email = app.create_user(Role::Candidate).await;
    // cookies by hand: a planted (fixated) session id rides along with the visitor cookie
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = client.get(app.url("/login")).send().await.unwrap();
    assert!(
        set_session_cookie(&page).is_none(),
        "viewing the sign-in form stores no session (T55)"
    );
    let visitor = common::set_visitor_cookie(&page).expect("the form's visitor cookie");
    let token = common::csrf_from(&page.text().await.unwrap());
    let planted = "gauntlet_session=AAAAAAAAAAAAAAAAAAAAAA";
    let resp = client
        .post(app.url("/login"))
        .header("cookie", format!("{visitor}; {planted}"))
        .form(&[
            ("_csrf", token.as_str()),
            ("email", email.as_str()),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let after = set_session_cookie(&resp).expect("login sets a new cookie");
    assert_ne!(planted, cookie_pair(&after), "session id rotated");
    let lower = after.to_lowercase();
    assert!(lower.contains("httponly"));
    assert!(lower.contains("samesite=lax"));
    assert!(lower.contains("path=/"));
    assert!(!lower.contains("domain="));
    assert!(
        !lower.contains("secure"),
        "plain-http dev site cannot use Secure"
    );
    // the new id signs in, the planted one does not
    let r = client
        .get(app.url("/catalog"))
        .header("cookie", cookie_pair(&after))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = client
        .get(app.url("/catalog"))
        .header("cookie", planted)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn t20_cookies_are_secure_with_host_prefix_behind_https() {
    let app = TestApp::spawn_with(Options {
        public_url: Some("https://gauntlet.example.com".into()),
        ..Options::default()
    })
    .await;
    let email = app.create_user(Role::Candidate).await;
    // cookies by hand: a client's store would not send Secure cookies over the test's plain HTTP
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(
        page.headers()["strict-transport-security"],
        "max-age=31536000; includeSubDomains"
    );
    let visitor = page
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("__Host-gauntlet_visitor="))
        .expect("the form's visitor cookie has the __Host- prefix")
        .to_string();
    assert!(visitor.to_lowercase().contains("; secure"));
    let token = common::csrf_from(&page.text().await.unwrap());
    let r = client
        .post(app.url("/login"))
        .header("cookie", cookie_pair(&visitor))
        .header("origin", "https://gauntlet.example.com")
        .form(&[
            ("_csrf", token.as_str()),
            ("email", email.as_str()),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cookie = set_session_cookie(&r).unwrap();
    assert!(cookie.starts_with("__Host-gauntlet="));
    assert!(cookie.to_lowercase().contains("; secure"));
}

#[tokio::test]
async fn t24_unknown_user_and_wrong_password_get_identical_responses() {
    let app = TestApp::spawn().await;
    let email = app.create_user(Role::Candidate).await;
    let a = login(&app, &app.client(), &email, "not the right password").await;
    let b = login(
        &app,
        &app.client(),
        "nobody@team.example",
        "not the right password",
    )
    .await;
    assert_eq!(a.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(a.status(), b.status());
    let strip = |s: String, email: &str| {
        s.replace(email, "EMAIL")
            .replace(&common::csrf_from(&s), "TOKEN")
    };
    let body_a = strip(a.text().await.unwrap(), &email);
    let body_b = strip(b.text().await.unwrap(), "nobody@team.example");
    assert_eq!(body_a, body_b);
}

#[tokio::test]
async fn t23_throttling_returns_429_with_retry_after() {
    let app = TestApp::spawn_with(Options {
        real_throttle: true,
        ..Options::default()
    })
    .await;
    let client = app.client();
    let mut statuses = Vec::new();
    for i in 0..7 {
        // a forged X-Forwarded-For (the peer is no trusted proxy) does not spread the count
        let token = csrf(&app, &client, "/login").await;
        let r = client
            .post(app.url("/login"))
            .header("x-forwarded-for", format!("203.0.113.{i}"))
            .header("x-real-ip", format!("198.51.100.{i}"))
            .form(&[
                ("_csrf", token.as_str()),
                ("email", &format!("guess{i}@team.example")),
                ("password", "wrong password here"),
            ])
            .send()
            .await
            .unwrap();
        statuses.push((r.status(), r.headers().get("retry-after").cloned()));
    }
    assert!(
        statuses[..6]
            .iter()
            .all(|(s, _)| *s == StatusCode::UNAUTHORIZED)
    );
    let (last, retry) = &statuses[6];
    assert_eq!(*last, StatusCode::TOO_MANY_REQUESTS);
    let secs: u64 = retry.as_ref().unwrap().to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&secs));
}

#[tokio::test]
async fn t23_an_account_name_is_locked_after_ten_failures_even_when_unknown() {
    let app = TestApp::spawn().await;
    let client = app.client();
    for _ in 0..10 {
        let r = login(&app, &client, "ghost@team.example", "wrong password here").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = login(&app, &client, "ghost@team.example", "wrong password here").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
}

#[tokio::test]
async fn t09_a_disabled_users_existing_session_stops_working() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let (candidate, email) = app.signed_in(Role::Candidate).await;
    assert_eq!(
        candidate
            .get(app.url("/catalog"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    let id: i64 = sqlx::query_scalar("select id from users where email = ?")
        .bind(&email)
        .fetch_one(app.pool())
        .await
        .unwrap();
    let r = post_form(
        &app,
        &admin,
        "/admin",
        &format!("/admin/users/{id}/status"),
        &[("disabled", "1")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let after = candidate.get(app.url("/catalog")).send().await.unwrap();
    assert_eq!(
        after.status(),
        StatusCode::SEE_OTHER,
        "disabled user is signed out"
    );
    let again = login(&app, &app.client(), &email, PASSWORD).await;
    assert_eq!(
        again.status(),
        StatusCode::UNAUTHORIZED,
        "and cannot sign in"
    );
}

#[tokio::test]
async fn t09_a_role_change_ends_the_users_sessions() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let (user, email) = app.signed_in(Role::Candidate).await;
    let id: i64 = sqlx::query_scalar("select id from users where email = ?")
        .bind(&email)
        .fetch_one(app.pool())
        .await
        .unwrap();
    let r = post_form(
        &app,
        &admin,
        "/admin",
        &format!("/admin/users/{id}/role"),
        &[("role", "interviewer")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        user.get(app.url("/catalog")).send().await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
    let role: String = sqlx::query_scalar("select role from users where id = ?")
        .bind(id)
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(role, "interviewer");
}

#[tokio::test]
async fn t19_sessions_past_the_absolute_lifetime_are_refused() {
    let app = TestApp::spawn_with(Options {
        absolute_timeout: Some(std::time::Duration::from_secs(2)),
        ..Options::default()
    })
    .await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let r = client.get(app.url("/catalog")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn t19_idle_sessions_end_and_page_views_do_not_write_the_session() {
    let app = TestApp::spawn_with(Options {
        idle_timeout: Some(std::time::Duration::from_secs(2)),
        ..Options::default()
    })
    .await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let expiry = || async {
        sqlx::query_scalar::<_, String>(
            "select cast(expiry_date as text) || hex(data) from tower_sessions",
        )
        .fetch_all(app.pool())
        .await
        .unwrap()
    };
    let before = expiry().await;
    for _ in 0..3 {
        assert_eq!(
            client
                .get(app.url("/catalog"))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::OK
        );
    }
    assert_eq!(
        before,
        expiry().await,
        "reading pages does not rewrite the session row"
    );
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    let r = client.get(app.url("/catalog")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "idle too long");
}

#[tokio::test]
async fn t43_next_parameter_only_redirects_within_the_site() {
    let app = TestApp::spawn().await;
    let email = app.create_user(Role::Candidate).await;
    for (next, expected) in [
        ("/gauntlets/x?tab=2", "/gauntlets/x?tab=2"),
        ("//evil.example", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ] {
        let client = app.client();
        let token = csrf(&app, &client, "/login").await;
        let url = format!("{}?next={}", app.url("/login"), urlencode(next));
        let r = client
            .post(url)
            .form(&[
                ("_csrf", token.as_str()),
                ("email", email.as_str()),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(location(&r), expected, "next={next:?}");
    }
}

fn urlencode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn t21_changing_the_password_signs_out_other_sessions_and_rotates_this_one() {
    let app = TestApp::spawn().await;
    let email = app.create_user(Role::Candidate).await;
    let here = app.client();
    login(&app, &here, &email, PASSWORD).await;
    let elsewhere = app.client();
    login(&app, &elsewhere, &email, PASSWORD).await;
    let wrong = post_form(
        &app,
        &here,
        "/account/password",
        "/account/password",
        &[
            ("current", "not my password"),
            ("password", "new river lantern"),
            ("confirm", "new river lantern"),
        ],
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        wrong
            .text()
            .await
            .unwrap()
            .contains("current password is not right")
    );
    let r = post_form(
        &app,
        &here,
        "/account/password",
        "/account/password",
        &[
            ("current", PASSWORD),
            ("password", "new river lantern"),
            ("confirm", "new river lantern"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        here.get(app.url("/catalog")).send().await.unwrap().status(),
        StatusCode::OK,
        "this session continues"
    );
    assert_eq!(
        elsewhere
            .get(app.url("/catalog"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::SEE_OTHER,
        "the other one ended"
    );
    assert_eq!(
        login(&app, &app.client(), &email, PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        login(&app, &app.client(), &email, "new river lantern")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
}
