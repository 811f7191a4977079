//! Threat rows about tokens and sessions (T12, T14, T17, T18, T20, T21, T116, T118–T120):
//! foreign form tokens, login CSRF, fixation, sign-out, session id strength, revocation, and the
//! routes that check the account in their own statement (the autosave, the round and review
//! pages).

use gauntlet::{
    auth::Role,
    web::routes::{self, AccountCheck},
};
use reqwest::{Client, StatusCode};

use crate::{
    common::{
        PASSWORD, TestApp,
        attempts::{requested_attempt, save_url, save_with, start},
        cookie_pair, cookie_value, csrf, csrf_from, db_fingerprint, get_page, location, login,
        page_text, session_ids, set_session_cookie, set_visitor_cookie,
    },
    threats::raw_sign_in,
};

/// A settings change carrying `token` (as the form field, then as the header) is refused.
async fn settings_refuse_token(app: &TestApp, client: &Client, token: &str, what: &str) {
    let by_form = client
        .post(app.url("/admin/settings"))
        .form(&[("_csrf", token), ("registration", "open")]);
    let by_header = client
        .post(app.url("/admin/settings"))
        .header("x-csrf-token", token)
        .form(&[("registration", "open")]);
    for (how, req) in [("form field", by_form), ("header", by_header)] {
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{what} ({how})");
    }
}

#[tokio::test]
async fn t12_another_users_token_and_the_pre_login_token_are_refused() {
    let app = TestApp::spawn().await;
    let (a, _) = app.signed_in(Role::Admin).await;
    let (b, _) = app.signed_in(Role::Admin).await;
    let token_b = csrf(&app, &b, "/").await;
    let token_a = csrf(&app, &a, "/").await;
    let email = app.create_user(Role::Admin).await;
    let before = db_fingerprint(&app).await;
    assert_ne!(token_a, token_b);
    settings_refuse_token(&app, &a, &token_b, "B's token in A's session").await;

    // the token of the sign-in page stops working at sign-in: the secret rotates
    let c = app.client();
    let pre = csrf(&app, &c, "/login").await;
    let r = c
        .post(app.url("/login"))
        .form(&[
            ("_csrf", pre.as_str()),
            ("email", email.as_str()),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let post = csrf(&app, &c, "/").await;
    assert_ne!(pre, post, "a new CSRF secret at sign-in");
    settings_refuse_token(&app, &c, &pre, "pre-login token after login").await;
    assert_eq!(before, db_fingerprint(&app).await, "nothing changed");
}

#[tokio::test]
async fn t14_a_sign_in_without_the_form_token_is_refused_and_signs_no_one_in() {
    let app = TestApp::spawn().await;
    let email = app.create_user(Role::Candidate).await;
    // a client with a pre-session (it loaded the form) and one without any cookie
    let with_session = app.client();
    csrf(&app, &with_session, "/login").await;
    for client in [with_session, app.client()] {
        let r = client
            .post(app.url("/login"))
            .form(&[("email", email.as_str()), ("password", PASSWORD)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert!(set_session_cookie(&r).is_none(), "no session cookie issued");
        let r = client
            .post(app.url("/login"))
            .form(&[
                ("_csrf", "forged"),
                ("email", email.as_str()),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        let after = client.get(app.url("/catalog")).send().await.unwrap();
        assert_eq!(after.status(), StatusCode::SEE_OTHER, "still anonymous");
    }
    let signed_in: i64 = sqlx::query_scalar(
        "select count(*) from tower_sessions where instr(hex(data), 'A3756964') > 0",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(signed_in, 0, "no authenticated session was stored");
}

#[tokio::test]
async fn t17_a_client_chosen_session_id_is_never_adopted() {
    let app = TestApp::spawn().await;
    let email = app.create_user(Role::Candidate).await;
    let raw = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    // well-formed ids (22 base64url characters = 128 bits), chosen by the attacker
    for chosen in ["AAAAAAAAAAAAAAAAAAAAAA", "ZmFrZS1zZXNzaW9uLWlkMQ"] {
        let cookie = format!("gauntlet_session={chosen}");
        let page = raw
            .get(app.url("/login"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert!(
            set_session_cookie(&page).is_none_or(|c| !c.contains(chosen)),
            "the chosen id was adopted"
        );
        let visitor = set_visitor_cookie(&page).expect("the form's visitor cookie");
        let token = csrf_from(&page.text().await.unwrap());
        // sign in presenting the chosen id and not the form's cookie: refused, nothing adopted
        let r = raw
            .post(app.url("/login"))
            .header("cookie", &cookie)
            .form(&[
                ("_csrf", token.as_str()),
                ("email", email.as_str()),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::FORBIDDEN,
            "the token belongs to another visitor"
        );
        // sign in properly, still presenting the chosen id: a new id is issued
        let r = raw
            .post(app.url("/login"))
            .header("cookie", format!("{visitor}; {cookie}"))
            .form(&[
                ("_csrf", token.as_str()),
                ("email", email.as_str()),
                ("password", PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let signed_in = set_session_cookie(&r).unwrap();
        let signed_in = cookie_pair(&signed_in);
        assert_ne!(signed_in, cookie, "rotated at sign-in");
        assert!(!signed_in.contains(chosen));
        let stale = raw
            .get(app.url("/catalog"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(
            stale.status(),
            StatusCode::SEE_OTHER,
            "the chosen id signs nobody in"
        );
        let ids = session_ids(&app).await;
        assert!(
            !ids.iter().any(|i| i == chosen),
            "the chosen id is not stored"
        );
    }
}

#[tokio::test]
async fn t18_sign_out_expires_the_cookie_clears_site_data_and_a_replayed_cookie_is_anonymous() {
    let app = TestApp::spawn().await;
    let email = app.create_user(Role::Candidate).await;
    let client = app.client();
    let r = login(&app, &client, &email, PASSWORD).await;
    let captured = cookie_pair(&set_session_cookie(&r).unwrap()).to_string();
    let rows = session_ids(&app).await.len();
    let token = csrf(&app, &client, "/").await;
    let out = client
        .post(app.url("/logout"))
        .form(&[("_csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&out), "/login");
    assert_eq!(
        out.headers()["clear-site-data"],
        "\"cache\", \"cookies\", \"storage\""
    );
    let expired = set_session_cookie(&out).expect("the cookie is expired");
    let lower = expired.to_lowercase();
    assert!(
        lower.contains("max-age=0") || lower.contains("expires=thu, 01 jan 1970"),
        "{expired}"
    );
    assert_eq!(
        session_ids(&app).await.len(),
        rows - 1,
        "the row is deleted"
    );
    let replay = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    for path in ["/catalog", "/history", "/account/password"] {
        let r = replay
            .get(app.url(path))
            .header("cookie", &captured)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        assert!(location(&r).starts_with("/login?next="));
    }
}

#[tokio::test]
async fn t20_fifty_sign_ins_get_fifty_distinct_128_bit_session_ids() {
    use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
    let app = TestApp::spawn().await;
    let email = app.create_user(Role::Candidate).await;
    let mut ids = std::collections::HashSet::new();
    for _ in 0..50 {
        let client = app.client();
        let r = login(&app, &client, &email, PASSWORD).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let cookie = set_session_cookie(&r).unwrap();
        let value = cookie_value(&cookie).to_string();
        let bytes = URL_SAFE_NO_PAD.decode(&value).expect("base64url id");
        assert!(bytes.len() >= 16, "at least 128 bits: {value}");
        let lower = cookie.to_lowercase();
        assert!(
            !lower.contains("max-age") && !lower.contains("expires"),
            "non-persistent"
        );
        assert!(ids.insert(value), "a repeated session id");
    }
    assert_eq!(ids.len(), 50);
}

#[tokio::test]
async fn t21_a_password_change_gives_this_session_a_new_id_and_the_old_one_is_dead() {
    let app = TestApp::spawn().await;
    let email = app.create_user(Role::Candidate).await;
    let (cookie, token) = raw_sign_in(&app, &email).await;
    let raw = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = raw
        .post(app.url("/account/password"))
        .header("cookie", &cookie)
        .form(&[
            ("_csrf", token.as_str()),
            ("current", PASSWORD),
            ("password", "another quiet harbour"),
            ("confirm", "another quiet harbour"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let new = set_session_cookie(&r).expect("a new session id");
    let new = cookie_pair(&new);
    assert_ne!(new, cookie);
    for (c, expected) in [
        (cookie.as_str(), StatusCode::SEE_OTHER),
        (new, StatusCode::OK),
    ] {
        let r = raw
            .get(app.url("/catalog"))
            .header("cookie", c)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), expected, "{c}");
    }
}

#[tokio::test]
async fn t17_session_rows_are_keyed_by_a_hash_of_the_cookie_id() {
    let app = TestApp::spawn().await;
    let email = app.create_user(Role::Candidate).await;
    let client = app.client();
    let r = login(&app, &client, &email, PASSWORD).await;
    let cookie = set_session_cookie(&r).unwrap();
    let value = cookie_value(&cookie).to_string();
    let ids = session_ids(&app).await;
    assert!(!ids.is_empty());
    assert!(
        !ids.contains(&value),
        "a copy of the database holds no usable cookie"
    );
    let id: tower_sessions::session::Id = value.parse().unwrap();
    let stored = gauntlet::auth::session_store::stored_id(&id).to_string();
    assert!(ids.contains(&stored), "the row is the id's hash");
}

#[tokio::test]
async fn t21_an_admin_signs_a_person_out_everywhere() {
    let app = TestApp::spawn().await;
    let email = app.create_user(Role::Candidate).await;
    let (s1, s2) = (app.client(), app.client());
    for c in [&s1, &s2] {
        let r = login(&app, c, &email, PASSWORD).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let (admin, _) = app.signed_in(Role::Admin).await;
    let id = app.user_id(&email).await;
    let page = page_text(&app, &admin, "/admin").await;
    assert!(page.contains(&format!("/admin/users/{id}/sign-out")));
    let token = csrf(&app, &admin, "/admin").await;
    let r = admin
        .post(app.url(&format!("/admin/users/{id}/sign-out")))
        .form(&[("_csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for c in [&s1, &s2] {
        let r = c.get(app.url("/catalog")).send().await.unwrap();
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "signed out on every client"
        );
    }
    let r = admin.get(app.url("/admin")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "the admin's own session stays");
    let again = app.client();
    assert_eq!(
        login(&app, &again, &email, PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    let r = again.get(app.url("/catalog")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "they can sign in again");
    let r = admin
        .post(app.url("/admin/users/999999/sign-out"))
        .form(&[("_csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

/// The autosave reads no account row before its write: the write applies only for an enabled
/// account of the session's epoch. A disable or a role change made behind the server's back
/// (here straight in the database) still stops the next autosave, JSON or form, changes
/// nothing and ends the session.
#[tokio::test]
async fn t116_an_autosave_after_a_disable_or_an_epoch_change_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let in_statement: Vec<(&str, &str)> = routes::specs()
        .into_iter()
        .filter(|s| s.account == AccountCheck::InStatement)
        .map(|s| (s.method, s.path))
        .collect();
    assert_eq!(
        in_statement,
        [
            ("GET", "/attempts/{id}"),
            ("POST", "/attempts/{id}/steps/{round}/{part}/save"),
            ("GET", "/attempts/{id}/debrief"),
            ("GET", "/reviews/{id}"),
        ],
        "each route that checks the account in its own statement needs its own test (T116, T118, T119, T121)"
    );
    let changes = [
        ("update users set disabled = 1 where id = ?", true),
        (
            "update users set auth_epoch = auth_epoch + 1 where id = ?",
            false,
        ),
    ];
    for (change, json) in changes {
        let (client, email) = app.signed_in(Role::Candidate).await;
        let user = app.user_id(&email).await;
        let attempt = start(&app, &client, "study").await;
        let token = csrf(&app, &client, &format!("/attempts/{attempt}")).await;
        let url = save_url(attempt, 1, "main");
        let first = save_with(&app, &client, &token, &url, "saved before the change", 0).await;
        assert_eq!(first.status(), StatusCode::OK, "{change}");
        let before = changed_behind_the_server(&app, change, user).await;
        let r = if json {
            save_with(&app, &client, &token, &url, "written after the change", 1).await
        } else {
            client
                .post(app.url(&url))
                .form(&[
                    ("_csrf", token.as_str()),
                    ("body", "written after the change"),
                    ("base_version", "1"),
                ])
                .send()
                .await
                .unwrap()
        };
        if json {
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{change}");
            let v: serde_json::Value = r.json().await.unwrap();
            assert_eq!(v["error"], "signed_out", "{change}");
        } else {
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "{change}");
            assert!(location(&r).starts_with("/login?next="), "{change}");
        }
        assert_eq!(before, db_fingerprint(&app).await, "{change}");
        let body: String = sqlx::query_scalar(
            "select body from answers where attempt_id = ? and round_number = 1 and part = 'main'",
        )
        .bind(attempt)
        .fetch_one(app.pool())
        .await
        .unwrap();
        assert_eq!(body, "saved before the change", "{change}");
        let after = client.get(app.url("/catalog")).send().await.unwrap();
        assert_eq!(
            after.status(),
            StatusCode::SEE_OTHER,
            "session ended: {change}"
        );
    }
}

/// The round page reads no account row before its query: the attempt's query brings its
/// owner's row and the handler checks it first. A disable or a role change made behind the
/// server's back (here straight in the database) still stops the next view of the round page,
/// GET or HEAD, of the caller's attempt or of one they do not own: the sign-in redirect, no
/// write (a first view would start the round's timer), the session ended. Without a change the
/// page shows and another candidate's attempt stays a 404.
#[tokio::test]
async fn t118_the_round_page_after_a_disable_or_an_epoch_change_signs_out_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let (other, _) = app.signed_in(Role::Candidate).await;
    let foreign = start(&app, &other, "interview").await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let own = start(&app, &client, "interview").await;
    let shown = page_text(&app, &client, &format!("/attempts/{own}")).await;
    assert!(shown.contains("Round 1"), "{shown}");
    for id in [foreign, foreign + 1000] {
        let r = client
            .get(app.url(&format!("/attempts/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "attempt {id}");
    }

    for change in ACCOUNT_CHANGES {
        for (target, method) in [("own", "GET"), ("own", "HEAD"), ("foreign", "GET")] {
            let (client, email) = app.signed_in(Role::Candidate).await;
            let user = app.user_id(&email).await;
            // not viewed yet: the first GET would create the round's answer row
            let attempt = start(&app, &client, "interview").await;
            let id = if target == "own" { attempt } else { foreign };
            let before = changed_behind_the_server(&app, change, user).await;
            let url = app.url(&format!("/attempts/{id}"));
            let r = match method {
                "HEAD" => client.head(url).send().await.unwrap(),
                _ => client.get(url).send().await.unwrap(),
            };
            let case = format!("{change}: {method} of the {target} attempt");
            signed_out_and_unchanged(&app, &client, &r, &before, &case).await;
        }
    }
}

/// The review page reads no account row before its stamp: the stamp's statement brings the
/// reader's row and the handler checks it first, by the route layer's rule and the registry's
/// interviewer role. A candidate is refused (403) whether the attempt exists or not; a disable
/// or a role change made straight in the database stops the next view, even of a page kept
/// from an earlier view, with the sign-in redirect, no write and the session ended.
#[tokio::test]
async fn t119_the_review_page_checks_its_readers_account_and_role_with_the_stamp() {
    let app = TestApp::spawn().await;
    let (candidate, _, id) = requested_attempt(&app).await;
    let missing = id + 1000;
    for target in [id, missing] {
        let (status, _) = get_page(&app, &candidate, &format!("/reviews/{target}")).await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "a candidate, attempt {target}"
        );
    }
    let (reader, _) = app.signed_in(Role::Interviewer).await;
    let (status, _) = get_page(&app, &reader, &format!("/reviews/{missing}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    for change in ACCOUNT_CHANGES {
        for target in [id, missing] {
            let (client, email) = app.signed_in(Role::Interviewer).await;
            let user = app.user_id(&email).await;
            // shown (and kept) before the change
            let (status, page) = get_page(&app, &client, &format!("/reviews/{id}")).await;
            assert_eq!(status, StatusCode::OK, "{change}");
            assert!(page.contains("Claim"), "{change}: {page}");
            let before = changed_behind_the_server(&app, change, user).await;
            let r = client
                .get(app.url(&format!("/reviews/{target}")))
                .send()
                .await
                .unwrap();
            let case = format!("{change}: the review page of attempt {target}");
            signed_out_and_unchanged(&app, &client, &r, &before, &case).await;
        }
    }
}

/// The debrief reads no account row before its query: the attempt's query brings its owner's
/// row and the handler checks it before anything else, before it records that the feedback
/// was read too. A disable or a role change made straight in the database stops the next view
/// of the debrief, of the caller's attempt or another's: the sign-in redirect, no write (the
/// feedback stays unread), the session ended. Without a change a HEAD records nothing, a GET
/// shows the page and records the feedback as read, and another candidate's attempt stays a
/// 404.
#[tokio::test]
async fn t121_the_debrief_after_a_disable_or_an_epoch_change_signs_out_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let (_, _, foreign) = requested_attempt(&app).await;
    // feedback waiting on an attempt: the debrief's first view records it as read (a write)
    let feedback_arrives = |id: i64| {
        sqlx::query("update attempts set feedback_rev = feedback_rev + 1 where id = ?")
            .bind(id)
            .execute(app.pool())
    };
    let unseen = |id: i64| {
        sqlx::query_scalar::<_, bool>(
            "select feedback_rev <> feedback_seen_rev from attempts where id = ?",
        )
        .bind(id)
        .fetch_one(app.pool())
    };
    let (client, _, own) = requested_attempt(&app).await;
    feedback_arrives(own).await.unwrap();
    let head = client
        .head(app.url(&format!("/attempts/{own}/debrief")))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert!(unseen(own).await.unwrap(), "a HEAD records nothing");
    let (status, page) = get_page(&app, &client, &format!("/attempts/{own}/debrief")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Key points"), "{page}");
    assert!(
        !unseen(own).await.unwrap(),
        "the view recorded the feedback as read"
    );
    let (status, _) = get_page(&app, &client, &format!("/attempts/{foreign}/debrief")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    for change in ACCOUNT_CHANGES {
        for target in ["own", "foreign"] {
            let (client, email, own) = requested_attempt(&app).await;
            let user = app.user_id(&email).await;
            feedback_arrives(own).await.unwrap();
            let id = if target == "own" { own } else { foreign };
            let before = changed_behind_the_server(&app, change, user).await;
            let r = client
                .get(app.url(&format!("/attempts/{id}/debrief")))
                .send()
                .await
                .unwrap();
            let case = format!("{change}: the debrief of the {target} attempt");
            signed_out_and_unchanged(&app, &client, &r, &before, &case).await;
            assert!(
                unseen(own).await.unwrap(),
                "{case}: the feedback stays unread"
            );
        }
    }
}

/// The round page serves its read of the attempt, answers and owner from memory while nothing
/// has been committed since (`db::fresh_copies`), without taking a read connection. Anything
/// committed by anyone, here by the tests' own connections as another program would, is seen
/// by the very next view: a changed answer is shown, and a disable or an epoch change signs out
/// with nothing written.
#[tokio::test]
async fn t120_a_round_page_kept_between_commits_never_outlives_a_commit_made_anywhere() {
    let app = TestApp::spawn().await;
    let served = || app.running().state.round_reads.served();
    for change in ACCOUNT_CHANGES {
        let (client, email) = app.signed_in(Role::Candidate).await;
        let user = app.user_id(&email).await;
        let id = start(&app, &client, "interview").await;
        let url = format!("/attempts/{id}");
        // the first view starts the round's timer (a commit); the two after it read nothing new
        for _ in 0..3 {
            page_text(&app, &client, &url).await;
        }
        // a kept view uses no read connection: it is served while every one is held
        let readers = &app.running().state.db;
        let mut held = Vec::new();
        while readers.available() > 0 {
            held.push(readers.get().await.unwrap());
        }
        let kept = served();
        let view = page_text(&app, &client, &url);
        let shown = tokio::time::timeout(std::time::Duration::from_secs(20), view)
            .await
            .expect("a kept view waited for a read connection");
        assert!(shown.contains("Round 1"));
        assert_eq!(
            served(),
            kept + 1,
            "{change}: a view with no commit since is kept"
        );
        drop(held);

        sqlx::query(
            "update answers set body = 'Changed by another program', version = version + 1 \
             where attempt_id = ?",
        )
        .bind(id)
        .execute(app.pool())
        .await
        .unwrap();
        let shown = page_text(&app, &client, &url).await;
        assert!(
            shown.contains("Changed by another program"),
            "{change}: {shown}"
        );
        assert_eq!(served(), kept + 1, "{change}: read again after the commit");
        page_text(&app, &client, &url).await;
        assert_eq!(served(), kept + 2, "{change}: kept again");

        let before = changed_behind_the_server(&app, change, user).await;
        let r = client.get(app.url(&url)).send().await.unwrap();
        let case = format!("{change}: a round page kept before it");
        signed_out_and_unchanged(&app, &client, &r, &before, &case).await;
    }
}

/// The review page's read (the reader's account, the stamp, the reviews) is kept the same way:
/// a grade saved or an account changed by another program is seen by the very next view.
#[tokio::test]
async fn t120_a_review_page_kept_between_commits_never_outlives_a_commit_made_anywhere() {
    let app = TestApp::spawn().await;
    let (_, _, id) = requested_attempt(&app).await;
    let served = || app.running().state.review_reads.served();
    let url = format!("/reviews/{id}");
    for change in ACCOUNT_CHANGES {
        let (client, email) = app.signed_in(Role::Interviewer).await;
        let user = app.user_id(&email).await;
        let (status, _) = get_page(&app, &client, &url).await;
        assert_eq!(status, StatusCode::OK, "{change}");
        let kept = served();
        let (_, page) = get_page(&app, &client, &url).await;
        assert!(page.contains("Claim and start grading"), "{change}: {page}");
        assert_eq!(
            served(),
            kept + 1,
            "{change}: a view with no commit since is kept"
        );

        // another program claims the review for this reader: the next view shows it claimed
        sqlx::query(
            "insert into reviews (attempt_id, reviewer_id, claimed_at, updated_at) \
             values (?, ?, 0, 0)",
        )
        .bind(id)
        .bind(user)
        .execute(app.pool())
        .await
        .unwrap();
        let (_, page) = get_page(&app, &client, &url).await;
        assert!(
            !page.contains("Claim and start grading"),
            "{change}: claimed behind the server: {page}"
        );
        assert!(page.contains("Submit review"), "{change}: {page}");

        let before = changed_behind_the_server(&app, change, user).await;
        let r = client.get(app.url(&url)).send().await.unwrap();
        let case = format!("{change}: a review page kept before it");
        signed_out_and_unchanged(&app, &client, &r, &before, &case).await;
        sqlx::query("delete from reviews where reviewer_id = ?")
            .bind(user)
            .execute(app.pool())
            .await
            .unwrap();
    }
}

/// `r` answered a session whose account was disabled or changed: the sign-in redirect, the
/// database as it was `before` the request, and the session ended (the next page asks for a
/// sign-in too).
async fn signed_out_and_unchanged(
    app: &TestApp,
    client: &Client,
    r: &reqwest::Response,
    before: &[(String, String)],
    case: &str,
) {
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{case}");
    assert!(location(r).starts_with("/login?next="), "{case}");
    assert_eq!(before, db_fingerprint(app).await, "{case}");
    let after = client.get(app.url("/catalog")).send().await.unwrap();
    assert_eq!(
        after.status(),
        StatusCode::SEE_OTHER,
        "session ended: {case}"
    );
}

/// The two changes made to an account behind the server's back that must end its sessions:
/// disabling it, and moving its epoch (as a role change or a password reset does).
const ACCOUNT_CHANGES: [&str; 2] = [
    "update users set disabled = 1 where id = ?",
    "update users set auth_epoch = auth_epoch + 1 where id = ?",
];

/// Runs `change` (a statement whose one parameter is the account's id) straight in the
/// database, as another program would, and returns the database's fingerprint after it.
async fn changed_behind_the_server(
    app: &TestApp,
    change: &str,
    user: i64,
) -> Vec<(String, String)> {
    sqlx::query(change)
        .bind(user)
        .execute(app.writer())
        .await
        .unwrap();
    db_fingerprint(app).await
}
