//! Rows of the threat matrix (RELIABILITY.md §1) that no area test covered: each test's name
//! starts with the row id(s) it covers; `docs/security.md` maps every row to its tests.

use gauntlet::{
    auth::Role,
    web::routes::{self, Access},
};
use reqwest::{Client, StatusCode};

use crate::{
    common::{
        PASSWORD, TestApp, csrf, csrf_from, db_fingerprint, location, login, post_form,
        session_ids, set_session_cookie, set_visitor_cookie,
    },
    practice::{answer_through, start},
};

const SEED: &str = "multi-region-kubernetes";

async fn user_id(app: &TestApp, email: &str) -> i64 {
    sqlx::query_scalar("select id from users where email = ?")
        .bind(email)
        .fetch_one(app.pool())
        .await
        .unwrap()
}

async fn text(client: &Client, url: String) -> String {
    client.get(url).send().await.unwrap().text().await.unwrap()
}

/// POSTs `fields` with the session's token.
async fn send(
    app: &TestApp,
    who: &Client,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    post_form(app, who, "/", path, fields).await
}

/// A finished seed attempt of a new candidate that asked for a review.
async fn requested_attempt(app: &TestApp) -> (Client, String, i64) {
    let (candidate, email) = app.signed_in(Role::Candidate).await;
    let id = start(app, &candidate, "interview").await;
    answer_through(app, &candidate, id, 5).await;
    let r = send(
        app,
        &candidate,
        &format!("/attempts/{id}/review"),
        &[("action", "request")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    (candidate, email, id)
}

/// Every field any form of the site reads, so a substituted request is not refused merely for
/// being incomplete.
const ALL_FIELDS: &[(&str, &str)] = &[
    ("body", "pwned"),
    ("base_version", "0"),
    ("action", "request"),
    ("level_1", "1"),
    ("level_2", "1"),
    ("level_3", "1"),
    ("level_4", "1"),
    ("level_5", "1"),
    ("recommendation", "not_yet"),
    ("summary", "pwned"),
    ("round", "1"),
    ("quote", "My answer"),
    ("role", "admin"),
    ("disabled", "1"),
    ("mode", "interview"),
    ("allowed", "1"),
];

/// A registry path with `{id}` set to `id` and every other parameter to a valid value.
fn fill(template: &str, id: &str, comment: i64) -> String {
    template
        .replace("{id}", id)
        .replace("{round}", "1")
        .replace("{part}", "main")
        .replace("{comment}", &comment.to_string())
}

#[tokio::test]
async fn t03_t04_ids_of_other_users_in_every_id_bearing_route_get_404_and_change_nothing() {
    let app = TestApp::spawn().await;
    // `requested` asked for a review; `private` did not
    let (_, _, requested) = requested_attempt(&app).await;
    let (other_candidate, _) = app.signed_in(Role::Candidate).await;
    let private = start(&app, &other_candidate, "interview").await;
    answer_through(&app, &other_candidate, private, 5).await;
    // interviewer X comments on the requested attempt; Y claims it too
    let (x, _) = app.signed_in(Role::Interviewer).await;
    let (y, _) = app.signed_in(Role::Interviewer).await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    for who in [&x, &y] {
        let r = send(&app, who, &format!("/reviews/{requested}/claim"), &[]).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
    }
    let r = send(
        &app,
        &x,
        &format!("/reviews/{requested}/comments"),
        &[
            ("round", "1"),
            ("quote", "My answer"),
            ("body", "X's comment"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let x_comment: i64 = sqlx::query_scalar("select max(id) from review_comments")
        .fetch_one(app.pool())
        .await
        .unwrap();
    let (third_candidate, _) = app.signed_in(Role::Candidate).await;

    let before = db_fingerprint(&app).await;
    let mut checked = 0;
    for spec in routes::specs() {
        if !spec.path.contains("{id}") {
            continue;
        }
        // (who, the foreign id) pairs for this route
        let mut cases: Vec<(&Client, &str, String)> = Vec::new();
        if spec.path.starts_with("/attempts/") {
            for (who, name) in [
                (&third_candidate, "another candidate"),
                (&x, "an interviewer"),
                (&admin, "an admin"),
            ] {
                cases.push((who, name, requested.to_string()));
                cases.push((who, name, private.to_string()));
            }
        } else if spec.path.starts_with("/reviews/") {
            // an attempt that did not ask for a review does not exist for reviewers (T04)
            for (who, name) in [(&y, "an interviewer"), (&admin, "an admin")] {
                cases.push((who, name, private.to_string()));
            }
        } else if spec.path.starts_with("/admin/users/") {
            cases.push((&admin, "an admin", "999999".to_string()));
        } else {
            continue;
        }
        for (who, name, id) in cases {
            let path = fill(spec.path, &id, x_comment);
            let r = if spec.method == "GET" {
                who.get(app.url(&path)).send().await.unwrap()
            } else {
                send(&app, who, &path, ALL_FIELDS).await
            };
            assert_eq!(
                r.status(),
                StatusCode::NOT_FOUND,
                "{} {path} as {name}",
                spec.method
            );
            let body = r.text().await.unwrap();
            assert!(
                !body.contains("My answer to round") && !body.contains("X&#39;s comment"),
                "{path} as {name} shows foreign data"
            );
            checked += 1;
        }
    }
    assert!(checked >= 30, "only {checked} substitutions");

    // an indirect id: Y deletes X's comment through Y's own review of the same attempt
    let r = send(
        &app,
        &y,
        &format!("/reviews/{requested}/comments/{x_comment}/delete"),
        &[],
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // a hidden field naming a round the gauntlet does not have
    let r = send(
        &app,
        &y,
        &format!("/reviews/{requested}/comments"),
        &[("round", "99"), ("quote", "My answer"), ("body", "hm")],
    )
    .await;
    assert!(
        matches!(
            r.status(),
            StatusCode::NOT_FOUND | StatusCode::UNPROCESSABLE_ENTITY
        ),
        "{}",
        r.status()
    );
    // malformed ids: a client error, never a 2xx or 5xx
    for bad in ["abc", "-1", "1e3", "99999999999999999999999", "1%00"] {
        for spec in routes::specs()
            .into_iter()
            .filter(|s| s.path.contains("{id}"))
        {
            let path = fill(spec.path, bad, 1);
            let r = if spec.method == "GET" {
                admin.get(app.url(&path)).send().await.unwrap()
            } else {
                send(&app, &admin, &path, ALL_FIELDS).await
            };
            // revoking an unknown invite id is a no-op redirect (see below)
            let no_op =
                spec.path == "/admin/invites/{id}/revoke" && r.status() == StatusCode::SEE_OTHER;
            assert!(
                r.status().is_client_error() || no_op,
                "{} {path}: {}",
                spec.method,
                r.status()
            );
        }
    }
    // revoking an invite that does not exist is a no-op (an admin sees every invite of the site)
    let r = send(&app, &admin, "/admin/invites/999999/revoke", &[]).await;
    assert!(matches!(
        r.status(),
        StatusCode::SEE_OTHER | StatusCode::NOT_FOUND
    ));
    assert_eq!(
        before,
        db_fingerprint(&app).await,
        "no row created or changed"
    );
}

#[tokio::test]
async fn t06_t29_extra_fields_cannot_set_role_owner_status_or_another_users_data() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let (victim, victim_email) = app.signed_in(Role::Candidate).await;
    let victim_id = user_id(&app, &victim_email).await;
    let victim_attempt = start(&app, &victim, "interview").await;
    let r = send(&app, &admin, "/admin/settings", &[("registration", "open")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let victim_row = || async {
        sqlx::query_as::<_, (String, String, String, i64, i64)>(
            "select email, role, password_hash, disabled, auth_epoch from users where id = ?",
        )
        .bind(victim_id)
        .fetch_one(app.pool())
        .await
        .unwrap()
    };
    let victim_before = victim_row().await;

    // sign-up with role, id and status fields
    let walkin = app.client();
    let token = csrf(&app, &walkin, "/register").await;
    let id_str = victim_id.to_string();
    let r = walkin
        .post(app.url("/register"))
        .form(&[
            ("_csrf", token.as_str()),
            ("email", "walkin@team.example"),
            ("name", "Walk In"),
            ("password", PASSWORD),
            ("confirm", PASSWORD),
            ("role", "admin"),
            ("team_id", "B"),
            ("user_id", id_str.as_str()),
            ("id", id_str.as_str()),
            ("auth_epoch", "0"),
            ("disabled", "0"),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        matches!(
            r.status(),
            StatusCode::SEE_OTHER | StatusCode::UNPROCESSABLE_ENTITY
        ),
        "{}",
        r.status()
    );
    let roles: Vec<String> =
        sqlx::query_scalar("select role from users where email = 'walkin@team.example'")
            .fetch_all(app.pool())
            .await
            .unwrap();
    assert!(roles.iter().all(|r| r == "candidate"), "{roles:?}");
    assert_ne!(
        user_id(&app, "walkin@team.example").await,
        victim_id,
        "a new row, not the victim's"
    );

    // a password change naming another user and a role
    let r = send(
        &app,
        &walkin,
        "/account/password",
        &[
            ("current", PASSWORD),
            ("password", "brand new lantern river"),
            ("confirm", "brand new lantern river"),
            ("user_id", &id_str),
            ("id", &id_str),
            ("email", &victim_email),
            ("role", "admin"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (email, role): (String, String) =
        sqlx::query_as("select email, role from users where email = 'walkin@team.example'")
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(
        (email.as_str(), role.as_str()),
        ("walkin@team.example", "candidate")
    );

    // an autosave naming another attempt, a version and a submission time
    let own = start(&app, &walkin, "interview").await;
    let r = walkin
        .post(app.url(&format!("/attempts/{own}/steps/1/main/save")))
        .header("x-csrf-token", csrf(&app, &walkin, "/").await)
        .header("accept", "application/json")
        .form(&[
            ("body", "mine"),
            ("base_version", "0"),
            ("attempt_id", &victim_attempt.to_string()),
            ("user_id", &id_str),
            ("version", "99"),
            ("submitted_at", "1"),
            ("round_number", "3"),
        ])
        .send()
        .await
        .unwrap();
    assert!(
        matches!(
            r.status(),
            StatusCode::OK | StatusCode::UNPROCESSABLE_ENTITY
        ),
        "{}",
        r.status()
    );
    let rows: Vec<(i64, i64, i64, Option<i64>)> =
        sqlx::query_as("select attempt_id, round_number, version, submitted_at from answers")
            .fetch_all(app.pool())
            .await
            .unwrap();
    assert!(
        rows.iter()
            .all(|(a, round, v, s)| *a == own && *round == 1 && *v <= 1 && s.is_none()),
        "{rows:?}"
    );

    // an admin's role form naming a second user: only the user in the path changes
    let (_, bystander) = app.signed_in(Role::Candidate).await;
    let bystander_id = user_id(&app, &bystander).await;
    let walkin_id = user_id(&app, "walkin@team.example").await;
    let r = send(
        &app,
        &admin,
        &format!("/admin/users/{walkin_id}/role"),
        &[
            ("role", "interviewer"),
            ("id", &bystander_id.to_string()),
            ("user_id", &id_str),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let bystander_role: String = sqlx::query_scalar("select role from users where id = ?")
        .bind(bystander_id)
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(bystander_role, "candidate");
    assert_eq!(
        victim_row().await,
        victim_before,
        "the victim's row is untouched"
    );
    // T29: no admin page has a field that sets another user's password
    for page in ["/admin", "/admin/invites", "/admin/settings"] {
        let html = text(&admin, app.url(page)).await;
        assert!(!html.contains("type=\"password\""), "{page}");
    }
}

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
async fn t15_no_get_or_head_changes_state_for_any_role_and_logout_needs_a_post() {
    let app = TestApp::spawn().await;
    let (candidate, _, id) = requested_attempt(&app).await;
    let (interviewer, _) = app.signed_in(Role::Interviewer).await;
    let r = send(&app, &interviewer, &format!("/reviews/{id}/claim"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (admin, _) = app.signed_in(Role::Admin).await;
    let anon = app.client();
    let home = text(&anon, app.url("/login")).await;
    let css = home
        .split("href=\"")
        .find(|s| s.starts_with("/static/app."))
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .unwrap();
    let paths: Vec<String> = routes::specs()
        .into_iter()
        .filter(|s| s.method == "GET")
        .map(|s| {
            if s.path == "/static/{file}" {
                return css.clone();
            }
            s.path
                .replace("{id}", &id.to_string())
                .replace("{slug}", SEED)
                .replace("{round}", "1")
                .replace("{token}", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
        })
        .collect();
    let before = db_fingerprint(&app).await;
    let sessions = session_ids(&app).await;
    let mut seen = 0;
    for (who, name) in [
        (&anon, "anonymous"),
        (&candidate, "candidate"),
        (&interviewer, "interviewer"),
        (&admin, "admin"),
    ] {
        for path in &paths {
            for head in [false, true] {
                let req = if head {
                    who.head(app.url(path))
                } else {
                    who.get(app.url(path))
                };
                let r = req.send().await.unwrap();
                assert!(
                    !r.status().is_server_error(),
                    "{name} {path}: {}",
                    r.status()
                );
                seen += 1;
            }
        }
        assert_eq!(
            before,
            db_fingerprint(&app).await,
            "GETs as {name} changed a table"
        );
    }
    assert!(seen > 100);
    assert_eq!(
        sessions,
        session_ids(&app).await,
        "no session created, rotated or ended"
    );
    for (who, name) in [(&anon, "anonymous"), (&candidate, "candidate")] {
        let r = who.get(app.url("/logout")).send().await.unwrap();
        assert_eq!(
            r.status(),
            StatusCode::METHOD_NOT_ALLOWED,
            "GET /logout as {name}"
        );
    }
    assert_eq!(
        candidate
            .get(app.url("/catalog"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK,
        "still signed in after GET /logout"
    );
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
        let signed_in = signed_in.split(';').next().unwrap();
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
    let captured = set_session_cookie(&r)
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
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
        let value = cookie_value(&cookie);
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
async fn t23_t24_unknown_wrong_password_and_disabled_look_identical_and_so_do_locked_names() {
    let app = TestApp::spawn().await;
    let real = app.create_user(Role::Candidate).await;
    let disabled = app.create_user(Role::Candidate).await;
    sqlx::query("update users set disabled = 1 where email = ?")
        .bind(&disabled)
        .execute(app.pool())
        .await
        .unwrap();
    let shape = |r: reqwest::Response, email: String| async move {
        let status = r.status();
        let mut names: Vec<String> = r
            .headers()
            .keys()
            .map(|k| k.as_str().to_string())
            .filter(|k| k != "x-request-id" && k != "date")
            .collect();
        names.sort();
        let mut body = r.text().await.unwrap();
        if body.contains("name=\"_csrf\"") {
            body = body.replace(&csrf_from(&body), "TOKEN");
        }
        let body = body.replace(&email, "EMAIL");
        (status, names, body)
    };
    let ghost = "ghost@team.example".to_string();
    let unknown = shape(
        login(&app, &app.client(), &ghost, "wrong password here").await,
        ghost.clone(),
    )
    .await;
    let wrong = shape(
        login(&app, &app.client(), &real, "wrong password here").await,
        real.clone(),
    )
    .await;
    let off = shape(
        login(&app, &app.client(), &disabled, PASSWORD).await,
        disabled.clone(),
    )
    .await;
    assert_eq!(unknown.0, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown, wrong, "unknown account vs wrong password");
    assert_eq!(
        unknown, off,
        "unknown account vs disabled account (right password)"
    );

    // ten failures lock a name whether it exists or not; the locked answers match, and the
    // right password does not get through
    let ghost2 = "ghost2@team.example".to_string();
    for _ in 0..10 {
        for email in [&real, &ghost2] {
            let r = login(&app, &app.client(), email, "wrong password here").await;
            assert!(matches!(
                r.status(),
                StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS
            ));
        }
    }
    // the seconds to wait may differ by one between the two
    let no_digits = |(s, h, b): (StatusCode, Vec<String>, String)| {
        (s, h, b.replace(|c: char| c.is_ascii_digit(), ""))
    };
    let locked_real = no_digits(
        shape(
            login(&app, &app.client(), &real, PASSWORD).await,
            real.clone(),
        )
        .await,
    );
    let locked_ghost = no_digits(
        shape(
            login(&app, &app.client(), &ghost2, PASSWORD).await,
            ghost2.clone(),
        )
        .await,
    );
    assert_eq!(
        locked_real.0,
        StatusCode::TOO_MANY_REQUESTS,
        "the right password is refused while locked"
    );
    assert_eq!(
        locked_real, locked_ghost,
        "locked account vs locked unknown name"
    );
}

/// Opens sign-up so new accounts can be made through the form.
async fn open_sign_up(app: &TestApp) {
    let (admin, _) = app.signed_in(Role::Admin).await;
    let r = send(app, &admin, "/admin/settings", &[("registration", "open")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

async fn register(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    let client = app.client();
    let token = csrf(app, &client, "/register").await;
    client
        .post(app.url("/register"))
        .form(&[
            ("_csrf", token.as_str()),
            ("email", email),
            ("name", "Policy Test"),
            ("password", password),
            ("confirm", password),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn t26_passwords_need_12_to_128_characters_any_unicode_and_not_common_or_personal() {
    let app = TestApp::spawn().await;
    open_sign_up(&app).await;
    let cases: Vec<(String, &str, bool, &str)> = vec![
        (
            "abcdefghijk".into(),
            "p1@team.example",
            false,
            "at least 12 characters",
        ),
        ("q7 wind lamp".into(), "p2@team.example", true, ""),
        ("abcdefgh".repeat(16), "p3@team.example", true, ""),
        (
            "abcdefgh".repeat(16) + "x",
            "p4@team.example",
            false,
            "at most 128",
        ),
        (
            "correct horse 🐎 battery".into(),
            "p5@team.example",
            true,
            "",
        ),
        (
            "日本語のパスワードです十二".into(),
            "p6@team.example",
            true,
            "",
        ),
        (
            "password1234".into(),
            "p7@team.example",
            false,
            "commonly used",
        ),
        (
            "marguerite-and-the-sea".into(),
            "marguerite@team.example",
            false,
            "your email",
        ),
        (
            "my gauntlet password".into(),
            "p8@team.example",
            false,
            "site&#39;s name",
        ),
    ];
    for (password, email, ok, message) in cases {
        let r = register(&app, email, &password).await;
        let status = r.status();
        let html = r.text().await.unwrap();
        if ok {
            assert_eq!(status, StatusCode::SEE_OTHER, "{password:?}: {html}");
        } else {
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{password:?}");
            assert!(
                html.contains(message) || html.contains(&message.replace("&#39;", "'")),
                "{password:?} lacks {message:?}"
            );
            assert!(
                html.contains(&format!("value=\"{email}\"")),
                "the email is kept"
            );
            let n: i64 = sqlx::query_scalar("select count(*) from users where email = ?")
                .bind(email)
                .fetch_one(app.pool())
                .await
                .unwrap();
            assert_eq!(n, 0);
        }
    }
}

#[tokio::test]
async fn t27_the_password_is_checked_exactly_as_typed() {
    let app = TestApp::spawn().await;
    open_sign_up(&app).await;
    let spaced = "  Tr4iling spaces here  ";
    let long: String = "Ab1 ".repeat(32); // 128 characters
    for (email, password, variants) in [
        (
            "p27a@team.example",
            spaced.to_string(),
            vec![
                spaced.trim().to_string(),
                spaced.trim_end().to_string(),
                spaced.to_uppercase(),
                spaced.to_lowercase(),
            ],
        ),
        (
            "p27b@team.example",
            long.clone(),
            vec![
                long[..127].to_string(),
                long[..72].to_string(),
                long.to_uppercase(),
            ],
        ),
    ] {
        let r = register(&app, email, &password).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{email}");
        for v in variants {
            let r = login(&app, &app.client(), email, &v).await;
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{email} with {v:?}");
        }
        let r = login(&app, &app.client(), email, &password).await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "{email} exactly as typed"
        );
    }
}

#[tokio::test]
async fn t28_hashes_are_argon2id_owasp_parameters_and_old_ones_are_upgraded_at_sign_in() {
    use argon2::{Algorithm, Argon2, Params, PasswordHasher, Version, password_hash::SaltString};
    let app = TestApp::spawn().await;
    open_sign_up(&app).await;
    let r = register(&app, "hash@team.example", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let stored = || async {
        sqlx::query_scalar::<_, String>(
            "select password_hash from users where email = 'hash@team.example'",
        )
        .fetch_one(app.pool())
        .await
        .unwrap()
    };
    let current = "$argon2id$v=19$m=19456,t=2,p=1$";
    assert!(stored().await.starts_with(current), "{}", stored().await);

    // an account hashed with older, weaker parameters
    let weak = Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(4096, 1, 1, None).unwrap(),
    )
    .hash_password(
        PASSWORD.as_bytes(),
        &SaltString::from_b64("c2FsdHNhbHRzYWx0c2FsdA").unwrap(),
    )
    .unwrap()
    .to_string();
    assert!(weak.starts_with("$argon2id$v=19$m=4096,t=1,p=1$"));
    let other = app.client();
    login(&app, &other, "hash@team.example", PASSWORD).await;
    sqlx::query("update users set password_hash = ? where email = 'hash@team.example'")
        .bind(&weak)
        .execute(app.pool())
        .await
        .unwrap();
    let wrong = login(
        &app,
        &app.client(),
        "hash@team.example",
        "not the password at all",
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(stored().await, weak, "a failed sign-in changes nothing");
    let r = login(&app, &app.client(), "hash@team.example", PASSWORD).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "the old hash still verifies"
    );
    let upgraded = stored().await;
    assert!(upgraded.starts_with(current), "re-hashed: {upgraded}");
    assert_eq!(
        other
            .get(app.url("/catalog"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK,
        "the upgrade does not end other sessions"
    );
    let r = login(&app, &app.client(), "hash@team.example", PASSWORD).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "and the new hash verifies"
    );
    assert_eq!(
        stored().await,
        upgraded,
        "no re-hash when the parameters are current"
    );
}

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
    let editing = text(&candidate, app.url(&format!("/attempts/{id}"))).await;
    assert_escaped(&editing, "the attempt page");
    assert!(
        editing.contains("{{7*7}}"),
        "template syntax in text stays text"
    );
    for round in 1..=5 {
        let r = crate::practice::submit(
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
            let r =
                crate::practice::submit(&app, &candidate, id, 2, "follow_up", &payload, 0).await;
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
    assert!(r.status().is_success() || r.status().is_redirection());
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
    let review = text(&x, app.url(&format!("/reviews/{id}"))).await;
    assert!(
        review.contains("&#60;script&#62;alert(1)") || review.contains("&lt;script&gt;alert(1)"),
        "the text is shown, escaped"
    );
    let debrief = text(&candidate, app.url(&format!("/attempts/{id}/debrief"))).await;
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

/// The lines of `templates/` and `src/` that turn escaping off, as `path: trimmed line`.
fn unescaped_spots() -> Vec<String> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else {
                out.push(path);
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    walk(&root.join("templates"), &mut files);
    walk(&root.join("src"), &mut files);
    files.sort();
    let mut hits = Vec::new();
    for file in files {
        let Ok(content) = std::fs::read_to_string(&file) else {
            continue;
        };
        let rel = file.strip_prefix(root).unwrap().display().to_string();
        for line in content.lines() {
            let squashed: String = line.chars().filter(|c| !c.is_whitespace()).collect();
            if squashed.contains("|safe")
                || squashed.contains("escape=\"none\"")
                || squashed.contains("ext=\"txt\"")
                || squashed.contains("PreEscaped")
                || squashed.contains("escape=\"txt\"")
            {
                hits.push(format!("{rel}: {}", line.trim()));
            }
        }
    }
    hits
}

#[test]
fn t33_escaping_is_turned_off_only_in_allowlisted_places() {
    let allow = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/safe-allowlist.txt"
    ))
    .unwrap();
    let allowed: Vec<&str> = allow
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    let hits = unescaped_spots();
    // this file names the patterns, so it matches itself; it lives under tests/, not src/
    for hit in &hits {
        assert!(
            allowed.contains(&hit.as_str()),
            "unescaped output outside the allowlist (review it, then add it to tests/fixtures/safe-allowlist.txt):\n{hit}"
        );
    }
    for a in &allowed {
        assert!(hits.iter().any(|h| h == a), "stale allowlist entry: {a}");
    }
    // every template that renders HTML has an .html name (askama picks the escaper by extension)
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut templates = Vec::new();
    let mut stack = vec![root.join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let src = std::fs::read_to_string(&path).unwrap();
                for line in src.lines().filter(|l| l.contains("#[template(")) {
                    templates.push((path.display().to_string(), line.trim().to_string()));
                }
            }
        }
    }
    assert!(templates.len() >= 10);
    for (file, line) in templates {
        assert!(
            line.contains(".html\""),
            "{file}: a template without an .html name: {line}"
        );
    }
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

/// Streams a chunked body of up to `total` bytes; returns the response head (or "" if the
/// server closed without one) and how many bytes were sent before the server stopped reading.
async fn stream_chunked(app: &TestApp, head: String, total: usize) -> (String, usize) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.base.trim_start_matches("http://").to_string();
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    let reader = tokio::spawn(async move {
        let mut buf = Vec::new();
        let _ = tokio::time::timeout(std::time::Duration::from_secs(30), rd.read_to_end(&mut buf))
            .await;
        String::from_utf8_lossy(&buf).to_string()
    });
    wr.write_all(head.as_bytes()).await.unwrap();
    let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "a".repeat(64 * 1024));
    let mut sent = 0;
    while sent < total {
        if wr.write_all(chunk.as_bytes()).await.is_err() {
            break;
        }
        sent += 64 * 1024;
        if reader.is_finished() {
            break;
        }
    }
    let _ = wr.write_all(b"0\r\n\r\n").await;
    let _ = wr.shutdown().await;
    (reader.await.unwrap(), sent)
}

/// Signs in on a client without a cookie store; returns the session cookie and CSRF token.
async fn raw_sign_in(app: &TestApp, email: &str) -> (String, String) {
    let c = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let p = c.get(app.url("/login")).send().await.unwrap();
    let pre = set_visitor_cookie(&p).expect("the sign-in form's visitor cookie");
    let t = csrf_from(&p.text().await.unwrap());
    let r = c
        .post(app.url("/login"))
        .header("cookie", &pre)
        .form(&[
            ("_csrf", t.as_str()),
            ("email", email),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cookie = set_session_cookie(&r)
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let home = c
        .get(app.url("/"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    (cookie, csrf_from(&home))
}

#[tokio::test]
async fn t38_chunked_bodies_without_a_length_get_413_and_the_answer_is_kept() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let id = start(&app, &client, "interview").await;
    let token = csrf(&app, &client, "/").await;
    let r = client
        .post(app.url(&format!("/attempts/{id}/steps/1/main/save")))
        .header("x-csrf-token", &token)
        .header("accept", "application/json")
        .form(&[("body", "the saved text"), ("base_version", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // a second session of the same candidate, on a raw client, for the raw requests
    let owner: String = sqlx::query_scalar(
        "select u.email from users u join attempts a on a.user_id = u.id where a.id = ?",
    )
    .bind(id)
    .fetch_one(app.pool())
    .await
    .unwrap();
    let (own_cookie, own_token) = raw_sign_in(&app, &owner).await;
    let raw_login = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = raw_login.get(app.url("/login")).send().await.unwrap();
    let pre = set_visitor_cookie(&page).expect("the sign-in form's visitor cookie");
    let login_token = csrf_from(&page.text().await.unwrap());

    // an answer route (1 MiB limit), a form route (64 KiB) and the sign-in form, each sent 50 MiB
    for (path, cookie, token) in [
        (
            format!("/attempts/{id}/steps/1/main/save"),
            &own_cookie,
            &own_token,
        ),
        ("/account/password".to_string(), &own_cookie, &own_token),
        ("/login".to_string(), &pre, &login_token),
    ] {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\nX-CSRF-Token: {token}\r\nAccept: application/json\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
        );
        let (resp, sent) = stream_chunked(&app, head, 50 * 1024 * 1024).await;
        assert!(
            resp.is_empty() || resp.starts_with("HTTP/1.1 413"),
            "{path}: {}",
            &resp[..resp.len().min(200)]
        );
        assert!(
            sent < 50 * 1024 * 1024,
            "{path}: the server read all 50 MiB"
        );
    }
    // with a length: one byte over the answer limit, and a sign-in body over the form limit
    let over = "b".repeat(1024 * 1024 + 1);
    let r = client
        .post(app.url(&format!("/attempts/{id}/steps/1/main/save")))
        .header("x-csrf-token", &token)
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(over)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let r = raw_login
        .post(app.url("/login"))
        .header("cookie", &pre)
        .form(&[
            ("_csrf", login_token.as_str()),
            ("email", "x@team.example"),
            ("password", &"p".repeat(70 * 1024)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let (body, version): (String, i64) =
        sqlx::query_as("select body, version from answers where attempt_id = ?")
            .bind(id)
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!((body.as_str(), version), ("the saved text", 1));
    assert_eq!(
        client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK,
        "still serving"
    );
}

async fn stored_bytes(app: &TestApp, attempt: i64) -> Vec<u8> {
    sqlx::query_scalar("select cast(body as blob) from answers where attempt_id = ?")
        .bind(attempt)
        .fetch_one(app.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn t40_tricky_unicode_round_trips_byte_identically_through_form_posts_and_autosaves() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let by_form = start(&app, &client, "interview").await;
    let by_fetch = start(&app, &client, "interview").await;
    let ten_thousand_lines: String = (0..10_000).map(|i| format!("{}\n", i % 10)).collect();
    let cases = [
        "family 👨‍👩‍👧‍👦 and flag 🏳️‍🌈 and skin tone 👋🏽".to_string(),
        "中文、日本語、한국어 — CJK text".to_string(),
        "RTL override \u{202E}txt.exe\u{202C} and isolate \u{2067}abc\u{2069}".to_string(),
        "combining: e\u{301} a\u{308}\u{304} Z\u{335}\u{31b}\u{353} and NFC é vs NFD e\u{301}"
            .to_string(),
        "tabs\tand\t\ttrailing spaces   \n  leading\n\n\nblank lines\n".to_string(),
        "zero width\u{200B}space, joiner\u{200D}, BOM \u{FEFF} and nbsp\u{00A0}".to_string(),
        "astral 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 and replacement char \u{FFFD} typed on purpose".to_string(),
        ten_thousand_lines,
    ];
    let mut version = 0;
    for text in &cases {
        let token = csrf(&app, &client, "/").await;
        let crlf = text.replace('\n', "\r\n");
        let r = client
            .post(app.url(&format!("/attempts/{by_form}/steps/1/main/save")))
            .form(&[
                ("_csrf", token.as_str()),
                ("body", crlf.as_str()),
                ("base_version", &version.to_string()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "form post of {:?}",
            &text[..text.len().min(40)]
        );
        let r = client
            .post(app.url(&format!("/attempts/{by_fetch}/steps/1/main/save")))
            .header("x-csrf-token", &token)
            .header("accept", "application/json")
            .form(&[
                ("body", text.as_str()),
                ("base_version", &version.to_string()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        version += 1;
        let (a, b) = (
            stored_bytes(&app, by_form).await,
            stored_bytes(&app, by_fetch).await,
        );
        assert_eq!(a, b, "form and fetch store the same bytes");
        assert_eq!(a, text.as_bytes(), "exactly the LF-normalised input");
    }
    // the page shows the last text back
    let page = text(&client, app.url(&format!("/attempts/{by_fetch}"))).await;
    assert!(page.contains("9\n0\n1\n"));
    // control characters other than tab and newline are refused
    for bad in [
        "nul \u{0} byte",
        "bell \u{7}",
        "escape \u{1b}[31m",
        "delete \u{7f}",
    ] {
        let token = csrf(&app, &client, "/").await;
        let r = client
            .post(app.url(&format!("/attempts/{by_fetch}/steps/1/main/save")))
            .header("x-csrf-token", &token)
            .header("accept", "application/json")
            .form(&[("body", bad), ("base_version", &version.to_string())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
    }
}

#[test]
fn t41_every_sql_string_in_src_is_a_literal() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![root];
    let mut calls = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let src = std::fs::read_to_string(&path).unwrap();
            assert!(
                !src.contains("QueryBuilder"),
                "{}: QueryBuilder builds SQL from strings",
                path.display()
            );
            for name in [
                "query",
                "query_as",
                "query_scalar",
                "query_with",
                "query_as_with",
                "query_scalar_with",
            ] {
                for (at, _) in src.match_indices(&format!("sqlx::{name}")) {
                    let rest = &src[at + "sqlx::".len() + name.len()..];
                    // skip turbofish, then the macro bang or the call's open paren
                    let rest = if rest.starts_with("::<") {
                        &rest[rest.find('>').unwrap() + 1..]
                    } else {
                        rest
                    };
                    let is_macro = rest.starts_with('!');
                    let rest = rest.strip_prefix('!').unwrap_or(rest);
                    let Some(mut args) = rest.strip_prefix('(') else {
                        continue;
                    };
                    if is_macro && name == "query_as" {
                        // `query_as!(Type, "sql", …)`
                        args = &args[args.find(',').unwrap() + 1..];
                    }
                    let first = args.trim_start();
                    assert!(
                        first.starts_with('"')
                            || first.starts_with("r\"")
                            || first.starts_with("r#\""),
                        "{}: SQL that is not a string literal: sqlx::{name}({}",
                        path.display(),
                        &first[..first.len().min(60)]
                    );
                    calls += 1;
                }
            }
        }
    }
    assert!(
        calls >= 20,
        "found only {calls} queries; is the scan still looking at src/?"
    );
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

#[tokio::test]
async fn t10_anonymous_fetches_get_401_json_and_anonymous_posts_change_nothing() {
    let app = TestApp::spawn().await;
    let anon = app.client();
    let token = csrf(&app, &anon, "/login").await;
    let before = db_fingerprint(&app).await;
    for spec in routes::specs()
        .into_iter()
        .filter(|s| s.access >= Access::SignedIn)
    {
        let path = spec.example_path();
        let r = if spec.method == "GET" {
            anon.get(app.url(&path))
                .header("accept", "application/json")
                .send()
                .await
                .unwrap()
        } else {
            anon.post(app.url(&path))
                .header("x-csrf-token", &token)
                .header("accept", "application/json")
                .form(&[("body", "x")])
                .send()
                .await
                .unwrap()
        };
        assert_eq!(
            r.status(),
            StatusCode::UNAUTHORIZED,
            "{} {}",
            spec.method,
            spec.path
        );
        assert!(r.headers().get("location").is_none());
        let v: serde_json::Value = r.json().await.unwrap();
        assert_eq!(v["error"], "signed_out", "{}", spec.path);
    }
    assert_eq!(before, db_fingerprint(&app).await);
}

#[test]
fn t50_no_fire_and_forget_tasks_outside_the_accept_loop() {
    // a handler that spawned its write could answer 2xx before the commit; only the server's
    // accept loop and background jobs (src/server.rs) spawn tasks, and the group-commit writer
    // (src/db/drafts.rs), which answers each caller only after the commit holding its draft
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stack = vec![root.join("src")];
    let mut files = 0;
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            files += 1;
            let rel = path.strip_prefix(root).unwrap().display().to_string();
            if rel == "src/server.rs" || rel == "src/db/drafts.rs" {
                continue;
            }
            let src = std::fs::read_to_string(&path).unwrap();
            let code = src.split("#[cfg(test)]").next().unwrap();
            for bad in ["tokio::spawn(", "task::spawn(", "spawn_local("] {
                assert!(!code.contains(bad), "{rel} uses {bad}");
            }
        }
    }
    assert!(files >= 20);
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
    let new = new.split(';').next().unwrap();
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

#[test]
fn the_threat_matrix_in_the_docs_lists_every_row_and_every_row_test() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/security.md")).unwrap();
    let matrix = &doc[doc
        .find("## Threat matrix")
        .expect("a threat matrix section")..];
    // rows T01–T110; later rows are added as their features land
    for n in 1..=110 {
        assert!(
            matrix.contains(&format!("\n| T{n:02} |")),
            "row T{n:02} missing"
        );
    }
    // every test it names exists
    let mut named = 0;
    for cell in matrix.split('`').skip(1).step_by(2) {
        let Some((file, func)) = cell.split_once("::") else {
            continue;
        };
        if !(file.ends_with(".rs")) {
            continue;
        }
        let src = std::fs::read_to_string(root.join(file)).unwrap_or_else(|_| panic!("{file}"));
        assert!(
            src.contains(&format!("fn {func}(")),
            "{file}::{func} does not exist"
        );
        named += 1;
    }
    assert!(named >= 60);
    // and every test named after a row is in the matrix
    let mut stack = vec![root.join("tests"), root.join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            // the browser suite is listed as a whole
            if path.extension().is_none_or(|e| e != "rs")
                || path.to_string_lossy().contains("browser")
            {
                continue;
            }
            let src = std::fs::read_to_string(&path).unwrap();
            for (at, _) in src.match_indices("fn t") {
                let name: String = src[at + 3..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                // `tNN_…` or `tNNN_…`
                let digits = name[1..].bytes().take_while(u8::is_ascii_digit).count();
                if (2..=3).contains(&digits) && name[1 + digits..].starts_with('_') {
                    assert!(
                        matrix.contains(&format!("::{name}`")),
                        "{name} is not in the matrix"
                    );
                }
            }
        }
    }
}

/// The value of a `Set-Cookie` header (`name=value; attributes` → `value`).
fn cookie_value(set_cookie: &str) -> String {
    let pair = set_cookie.split(';').next().unwrap_or_default();
    pair.split_once('=').map(|(_, v)| v.to_string()).unwrap()
}

#[tokio::test]
async fn t17_session_rows_are_keyed_by_a_hash_of_the_cookie_id() {
    let app = TestApp::spawn().await;
    let email = app.create_user(Role::Candidate).await;
    let client = app.client();
    let r = login(&app, &client, &email, PASSWORD).await;
    let cookie = set_session_cookie(&r).unwrap();
    let value = cookie_value(&cookie);
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
    let id = user_id(&app, &email).await;
    let page = text(&admin, app.url("/admin")).await;
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
