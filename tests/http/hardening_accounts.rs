//! Accounts hardening (issue 12, rows T56–T60): the password-change check is throttled, only
//! failed sign-ins count against an address (trusted reverse proxies name the client), admins
//! lift sign-in locks, open sign-up is limited per address, and a session deleted from the
//! database stops working.

use std::time::Duration;

use gauntlet::auth::Role;
use reqwest::{Client, StatusCode};

use crate::common::{
    Options, PASSWORD, TestApp, csrf, csrf_from, location, login, post_form, session_ids,
};

const WRONG: &str = "not my password at all";

async fn change_password(app: &TestApp, client: &Client, current: &str) -> reqwest::Response {
    let new = "a brand new passphrase here";
    post_form(
        app,
        client,
        "/account/password",
        "/account/password",
        &[("current", current), ("password", new), ("confirm", new)],
    )
    .await
}

/// A sign-in with a wrong password, with extra request headers.
async fn failed_login(
    app: &TestApp,
    client: &Client,
    email: &str,
    headers: &[(&str, &str)],
) -> reqwest::Response {
    let token = csrf(app, client, "/login").await;
    let mut req = client.post(app.url("/login"));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    req.form(&[
        ("_csrf", token.as_str()),
        ("email", email),
        ("password", WRONG),
    ])
    .send()
    .await
    .unwrap()
}

/// An open sign-up from a fresh browser.
async fn sign_up(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    let fields = [
        ("email", email),
        ("name", "Walk In"),
        ("password", password),
        ("confirm", password),
    ];
    post_form(app, &app.client(), "/register", "/register", &fields).await
}

fn retry_after(r: &reqwest::Response) -> u64 {
    r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn t56_ten_wrong_current_passwords_end_the_session_and_nothing_changes() {
    let app = TestApp::spawn().await;
    let (client, email) = app.signed_in(Role::Candidate).await;
    let hash_before: String = sqlx::query_scalar("select password_hash from users where email = ?")
        .bind(&email)
        .fetch_one(app.pool())
        .await
        .unwrap();
    for i in 0..9 {
        let r = change_password(&app, &client, WRONG).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "guess {i}");
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("current password is not right")
        );
    }
    let r = client
        .get(app.url("/account/password"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "nine wrong guesses: still signed in"
    );
    let r = change_password(&app, &client, WRONG).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let page = r.text().await.unwrap();
    assert!(page.contains("this session has ended"), "{page}");
    let r = client.get(app.url("/catalog")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "the session is over");
    assert!(location(&r).starts_with("/login"));
    let hash_after: String = sqlx::query_scalar("select password_hash from users where email = ?")
        .bind(&email)
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(hash_before, hash_after, "the password did not change");

    // the owner signs in again and changes the password with the right one
    let r = login(&app, &client, &email, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = change_password(&app, &client, WRONG).await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a new session starts a new count"
    );
    let r = change_password(&app, &client, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn t56_wrong_current_passwords_use_the_addresses_sign_in_budget() {
    let app = TestApp::spawn_with(Options {
        real_throttle: true,
        ..Options::default()
    })
    .await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    for i in 0..6 {
        let r = change_password(&app, &client, WRONG).await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "guess {i}");
    }
    // the seventh in a minute is refused before the password is even checked
    let r = change_password(&app, &client, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!((1..=60).contains(&retry_after(&r)));
    let page = r.text().await.unwrap();
    assert!(page.contains("Too many wrong passwords") && page.contains("Try again in"));
    // and the same address's sign-ins share the budget
    let other = app.client();
    let r = failed_login(&app, &other, "someone@team.example", &[]).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn t57_twelve_people_sign_in_from_one_address_and_failures_are_still_throttled() {
    let app = TestApp::spawn_with(Options {
        real_throttle: true,
        ..Options::default()
    })
    .await;
    for i in 0..12 {
        let email = app.create_user(Role::Candidate).await;
        let client = app.client();
        let r = login(&app, &client, &email, PASSWORD).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in {i} of 12");
    }
    let client = app.client();
    for i in 0..6 {
        let r = failed_login(&app, &client, &format!("guess{i}@team.example"), &[]).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "failure {i}");
    }
    let r = failed_login(&app, &client, "guess9@team.example", &[]).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!((1..=60).contains(&retry_after(&r)));
}

#[tokio::test]
async fn t57_behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget() {
    let app = TestApp::spawn_with(Options {
        real_throttle: true,
        trusted_proxies: vec!["127.0.0.0/8"],
        ..Options::default()
    })
    .await;
    let client = app.client();
    let xff = |v: &'static str| [("x-forwarded-for", v)];
    for i in 0..6 {
        let r = failed_login(&app, &client, "a@team.example", &xff("203.0.113.1")).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "failure {i}");
    }
    let r = failed_login(&app, &client, "a@team.example", &xff("203.0.113.1")).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // another client behind the same proxy is not affected
    let r = failed_login(&app, &client, "b@team.example", &xff("203.0.113.2")).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    // what a client writes at the left of the header changes nothing: the proxy appended the
    // right-most entry
    let forged = xff("198.51.100.50, 203.0.113.1");
    let r = failed_login(&app, &client, "c@team.example", &forged).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // a chain of trusted proxies is skipped
    let chained = xff("203.0.113.1, 127.0.0.5");
    let r = failed_login(&app, &client, "d@team.example", &chained).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // RFC 7239 Forwarded works too
    let fwd = [("forwarded", "for=203.0.113.1;proto=https")];
    let r = failed_login(&app, &client, "e@team.example", &fwd).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // and a good sign-in from the throttled client's neighbour goes through
    let email = app.create_user(Role::Candidate).await;
    let token = csrf(&app, &client, "/login").await;
    let r = client
        .post(app.url("/login"))
        .header("x-forwarded-for", "203.0.113.3")
        .form(&[
            ("_csrf", token.as_str()),
            ("email", email.as_str()),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn t57_forwarded_headers_from_a_peer_that_is_not_trusted_are_ignored() {
    let app = TestApp::spawn_with(Options {
        real_throttle: true,
        trusted_proxies: vec!["10.0.0.0/8", "2001:db8::/32"],
        ..Options::default()
    })
    .await;
    let client = app.client();
    let mut statuses = Vec::new();
    for i in 0..7 {
        let spoof = format!("203.0.113.{i}");
        let fwd = format!("for={spoof}");
        let r = failed_login(
            &app,
            &client,
            &format!("g{i}@team.example"),
            &[("x-forwarded-for", &spoof), ("forwarded", &fwd)],
        )
        .await;
        statuses.push(r.status());
    }
    assert!(statuses[..6].iter().all(|s| *s == StatusCode::UNAUTHORIZED));
    assert_eq!(
        statuses[6],
        StatusCode::TOO_MANY_REQUESTS,
        "counted against the socket's address"
    );
}

#[tokio::test]
async fn t58_an_admin_sees_locked_names_and_unlocks_one() {
    let app = TestApp::spawn().await;
    let email = app.create_user(Role::Candidate).await;
    let client = app.client();
    for name in [email.as_str(), "ghost@team.example"] {
        for _ in 0..10 {
            let r = failed_login(&app, &client, name, &[]).await;
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        }
    }
    let r = login(&app, &client, &email, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "locked");
    assert!(retry_after(&r) <= 3600, "a lock never exceeds an hour");

    let (admin, _) = app.signed_in(Role::Admin).await;
    let page = admin
        .get(app.url("/admin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let locks = &page[page.find("Locked sign-in names").expect("a locks section")..];
    assert!(locks.contains(&format!("value=\"{email}\"")));
    assert!(locks.contains("value=\"ghost@team.example\""));
    assert!(locks.contains("No such account"));
    assert!(locks.contains("action=\"/admin/locks/unlock\""));

    // only admins, only with the token
    let (candidate, _) = app.signed_in(Role::Candidate).await;
    let r = post_form(
        &app,
        &candidate,
        "/",
        "/admin/locks/unlock",
        &[("name", &email)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = admin
        .post(app.url("/admin/locks/unlock"))
        .form(&[("name", email.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = login(&app, &app.client(), &email, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "still locked");

    let r = post_form(
        &app,
        &admin,
        "/admin",
        "/admin/locks/unlock",
        &[("name", &email)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/admin");
    let page = admin
        .get(app.url("/admin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(&format!("{email} can sign in again.")));
    let locks = &page[page.find("Locked sign-in names").unwrap()..];
    assert!(!locks.contains(&format!("value=\"{email}\"")));
    assert!(
        locks.contains("value=\"ghost@team.example\""),
        "only that name"
    );
    let r = login(&app, &app.client(), &email, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "signs in again");

    // a name that is not locked, and a name that is not a name
    let r = post_form(
        &app,
        &admin,
        "/admin",
        "/admin/locks/unlock",
        &[("name", &email)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = admin
        .get(app.url("/admin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("is not locked"));
    let r = post_form(
        &app,
        &admin,
        "/admin",
        "/admin/locks/unlock",
        &[("name", " ")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // a name typed by hand is normalised like a sign-in name
    let typed = [("name", " GHOST@Team.Example ")];
    let r = post_form(&app, &admin, "/admin", "/admin/locks/unlock", &typed).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = admin
        .get(app.url("/admin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("ghost@team.example can sign in again."));
    assert!(page.contains("No sign-in name is locked."));
}

#[tokio::test]
async fn t59_open_sign_up_is_limited_per_address_and_the_form_is_kept() {
    let app = TestApp::spawn_with(Options {
        real_throttle: true,
        ..Options::default()
    })
    .await;
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
    // a typo does not use up the allowance
    let r = sign_up(&app, "typo@team.example", "short").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    for i in 0..10 {
        let r = sign_up(&app, &format!("walkin{i}@team.example"), PASSWORD).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-up {i}");
    }
    let r = sign_up(&app, "one.more@team.example", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait = retry_after(&r);
    assert!((3500..=3600).contains(&wait), "{wait}");
    let page = r.text().await.unwrap();
    assert!(page.contains("Too many accounts were created from your network recently"));
    assert!(page.contains("Try again in 60 minutes"), "says when");
    assert!(page.contains("value=\"one.more@team.example\"") && page.contains("value=\"Walk In\""));
    assert!(!page.contains(PASSWORD), "passwords are not sent back");
    csrf_from(&page);
    let n: i64 = sqlx::query_scalar("select count(*) from users where role = 'candidate'")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(n, 10);
}

#[tokio::test]
async fn t60_a_session_deleted_from_the_database_stops_working() {
    let app = TestApp::spawn_with(Options {
        session_recheck: Some(Duration::ZERO),
        ..Options::default()
    })
    .await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let (other, _) = app.signed_in(Role::Candidate).await;
    for c in [&client, &other] {
        let r = c.get(app.url("/catalog")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    // an operator deletes one session row behind the process's back
    let ids = session_ids(&app).await;
    let token = csrf(&app, &client, "/").await;
    let mut gone = None;
    for id in &ids {
        let row: Vec<u8> = sqlx::query_scalar("select data from tower_sessions where id = ?")
            .bind(id)
            .fetch_one(app.pool())
            .await
            .unwrap();
        if row.windows(token.len()).any(|w| w == token.as_bytes()) {
            gone = Some(id.clone());
        }
    }
    let gone = gone.expect("the row holding this client's token");
    sqlx::query("delete from tower_sessions where id = ?")
        .bind(&gone)
        .execute(app.pool())
        .await
        .unwrap();
    let r = client.get(app.url("/catalog")).send().await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "the deleted session is over"
    );
    assert!(location(&r).starts_with("/login"));
    let r = client
        .get(app.url("/account/csrf.json"))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(
        !session_ids(&app).await.contains(&gone),
        "and its row does not come back"
    );
    let r = other.get(app.url("/catalog")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "other sessions are untouched");
}
