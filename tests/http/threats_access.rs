//! Threat rows about who may reach what (T03, T04, T06, T10, T15, T29): foreign and
//! missing ids in every id-bearing route, extra form fields, anonymous requests, and GET/HEAD
//! requests that must change nothing.

use gauntlet::{
    auth::Role,
    web::routes::{self, Access},
};
use reqwest::{Client, StatusCode};

use crate::{
    common::{
        PASSWORD, TestApp,
        attempts::{SEED, answer_through, requested_attempt, start},
        csrf, db_fingerprint, page_text, session_ids,
    },
    threats::send,
};

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
    let victim_id = app.user_id(&victim_email).await;
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
        app.user_id("walkin@team.example").await,
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
    let bystander_id = app.user_id(&bystander).await;
    let walkin_id = app.user_id("walkin@team.example").await;
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
        let html = page_text(&app, &admin, page).await;
        assert!(!html.contains("type=\"password\""), "{page}");
    }
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
    let home = page_text(&app, &anon, "/login").await;
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
