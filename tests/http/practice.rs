//! Candidate practice over HTTP: visibility of later rounds, autosave rules, immutability,
//! ownership, concurrency, study mode, debrief, review requests and export.

use gauntlet::{auth::Role, web::routes};
use reqwest::{Client, StatusCode};

use crate::common::{
    TestApp,
    attempts::{SEED, answer_through, autosave, save_url, start, submit},
    csrf, location, post_form,
};

async fn stored(app: &TestApp, id: i64, round: u32, part: &str) -> (String, i64, Option<i64>) {
    sqlx::query_as("select body, version, submitted_at from answers where attempt_id = ? and round_number = ? and part = ?")
        .bind(id)
        .bind(round)
        .bind(part)
        .fetch_one(app.pool())
        .await
        .unwrap()
}

/// Texts from the seed that must not appear before their time.
const LATER_PROMPT: &str = "primary database is in us-east-1";
const GUIDANCE: [&str; 4] = [
    "separate Kubernetes cluster in each region",
    "Just use a CDN",
    "zero data loss",
    "Skill Tested",
];

#[tokio::test]
async fn t07_no_later_prompt_or_guidance_reaches_the_candidate_before_its_time() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let id = start(&app, &client, "interview").await;
    let round1 = client
        .get(app.url(&format!("/attempts/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(round1.contains("Design a multi-region Kubernetes deployment"));

    let mut crawled = 0;
    for spec in routes::specs().into_iter().filter(|s| s.method == "GET") {
        let mut paths = vec![
            spec.example_path()
                .replace("/attempts/1", &format!("/attempts/{id}")),
        ];
        if spec.path.contains("{round}") {
            paths = (1..=5)
                .map(|n| format!("/attempts/{id}/rounds/{n}/guidance"))
                .collect();
        }
        if spec.path.contains("{slug}") {
            paths = vec![format!("/gauntlets/{SEED}")];
        }
        for path in paths {
            let r = client.get(app.url(&path)).send().await.unwrap();
            let body = r.text().await.unwrap();
            crawled += 1;
            assert!(
                !body.contains(LATER_PROMPT),
                "{path} shows round 2's prompt"
            );
            for g in GUIDANCE {
                assert!(!body.contains(g), "{path} leaks guidance {g:?}");
            }
        }
    }
    assert!(crawled >= 10);
    // nor can a later step be saved, submitted or probed
    let r = autosave(&app, &client, id, 2, "main", "sneaky", 0).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = submit(&app, &client, id, 3, "main", "sneaky", 0).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = client
        .get(app.url(&format!("/attempts/{id}/debrief")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        location(&r),
        format!("/attempts/{id}"),
        "no debrief before the end"
    );
}

#[tokio::test]
async fn the_follow_up_comes_right_after_round_two_before_round_three() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let id = start(&app, &client, "interview").await;
    submit(&app, &client, id, 1, "main", "one", 0).await;
    submit(&app, &client, id, 2, "main", "two", 0).await;
    let page = client
        .get(app.url(&format!("/attempts/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("The interviewer follows up"));
    assert!(page.contains("replication lag between us-east-1 and eu-west-1"));
    assert!(
        !page.contains("cross-region database replication costs"),
        "round 3 not yet"
    );
    submit(&app, &client, id, 2, "follow_up", "50-200ms", 0).await;
    let page = client
        .get(app.url(&format!("/attempts/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("cross-region database replication costs"));
    assert!(page.contains("Round 3 of 5"));
}

#[tokio::test]
async fn t47_t48_a_stale_revision_gets_409_and_nothing_is_overwritten() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let id = start(&app, &client, "interview").await;
    client
        .get(app.url(&format!("/attempts/{id}")))
        .send()
        .await
        .unwrap();
    // two tabs loaded version 0; tab B saves first
    let b = autosave(&app, &client, id, 1, "main", "text from tab B", 0).await;
    assert_eq!(b.status(), StatusCode::OK);
    let v: serde_json::Value = b.json().await.unwrap();
    assert_eq!(v["version"], 1);
    // tab A still thinks it is on version 0
    let a = autosave(&app, &client, id, 1, "main", "text from tab A", 0).await;
    assert_eq!(a.status(), StatusCode::CONFLICT);
    let v: serde_json::Value = a.json().await.unwrap();
    assert_eq!(v["theirs"], "text from tab B");
    assert_eq!(v["version"], 1);
    assert_eq!(stored(&app, id, 1, "main").await.0, "text from tab B");
    let kept: String =
        sqlx::query_scalar("select body from answer_revisions where kind = 'conflict'")
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(
        kept, "text from tab A",
        "the losing text stays in the revision history"
    );
    // and after choosing, A saves on top of B's version
    let a2 = autosave(&app, &client, id, 1, "main", "text from tab A", 1).await;
    assert_eq!(a2.status(), StatusCode::OK);
    let overwritten: i64 = sqlx::query_scalar("select count(*) from answer_revisions where kind = 'overwritten' and body = 'text from tab B'")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(
        overwritten, 1,
        "every overwritten text stays in the history"
    );
}

#[tokio::test]
async fn t19_an_expired_session_gets_401_json_not_a_redirect() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let id = start(&app, &client, "interview").await;
    let token = csrf(&app, &client, "/").await;
    // the server ends every session of the account (as a role change or disable does)
    sqlx::query("update users set auth_epoch = auth_epoch + 1")
        .execute(app.pool())
        .await
        .unwrap();
    let r = client
        .post(app.url(&save_url(id, 1, "main")))
        .header("x-csrf-token", token)
        .header("accept", "application/json")
        .form(&[("body", "typed while signed out"), ("base_version", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.headers().get("location").is_none(), "never a redirect");
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"], "signed_out");
}

#[tokio::test]
async fn t19_a_signed_out_autosave_with_a_valid_token_gets_401_json() {
    let app = TestApp::spawn().await;
    let (client, email) = app.signed_in(Role::Candidate).await;
    let id = start(&app, &client, "interview").await;
    let token = csrf(&app, &client, "/").await;
    // the account's sessions end (e.g. the idle timeout or an admin action) but the session row
    // and its CSRF token survive: the autosave is authenticated as nobody
    sqlx::query("update users set auth_epoch = auth_epoch + 1 where email = ?")
        .bind(&email)
        .execute(app.pool())
        .await
        .unwrap();
    let r = client
        .post(app.url(&save_url(id, 1, "main")))
        .header("x-csrf-token", token)
        .header("accept", "application/json")
        .form(&[("body", "typed while signed out"), ("base_version", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"], "signed_out");
}

#[tokio::test]
async fn t39_invalid_utf8_is_refused_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let id = start(&app, &client, "interview").await;
    autosave(&app, &client, id, 1, "main", "good text", 0).await;
    let token = csrf(&app, &client, "/").await;
    let r = client
        .post(app.url(&save_url(id, 1, "main")))
        .header("x-csrf-token", token)
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .body("body=%FF%FEok%C0%AF&base_version=1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        stored(&app, id, 1, "main").await,
        ("good text".to_string(), 1, None)
    );
}

#[tokio::test]
async fn t40_crlf_and_lf_saves_store_identical_bytes() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let a = start(&app, &client, "interview").await;
    let b = start(&app, &client, "interview").await;
    let text = "line one\r\nline two\r\n\r\n— ünïcødé 👩‍💻\ttab";
    // a plain form post (browsers send CRLF) …
    let token = csrf(&app, &client, "/").await;
    let r = client
        .post(app.url(&save_url(a, 1, "main")))
        .form(&[
            ("_csrf", token.as_str()),
            ("body", text),
            ("base_version", "0"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // … and an autosave (fetch sends LF)
    autosave(&app, &client, b, 1, "main", &text.replace("\r\n", "\n"), 0).await;
    let sa = stored(&app, a, 1, "main").await.0;
    let sb = stored(&app, b, 1, "main").await.0;
    assert_eq!(sa.as_bytes(), sb.as_bytes());
    assert_eq!(sa, text.replace("\r\n", "\n"));
}

#[tokio::test]
async fn t38_t40_an_answer_over_50000_characters_or_with_nul_gets_422_and_the_old_text_is_kept() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let id = start(&app, &client, "interview").await;
    autosave(&app, &client, id, 1, "main", "the saved version", 0).await;
    let long = "é".repeat(50_001);
    let r = autosave(&app, &client, id, 1, "main", &long, 1).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: serde_json::Value = r.json().await.unwrap();
    assert!(v["message"].as_str().unwrap().contains("50000"));
    let ok = autosave(&app, &client, id, 1, "main", &"é".repeat(50_000), 1).await;
    assert_eq!(
        ok.status(),
        StatusCode::OK,
        "exactly at the limit is fine, even at 2 bytes a char"
    );
    let nul = autosave(&app, &client, id, 1, "main", "a\u{0}b", 2).await;
    assert_eq!(nul.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(stored(&app, id, 1, "main").await.1, 2);
}

#[tokio::test]
async fn t08_submitted_answers_are_immutable() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let id = start(&app, &client, "interview").await;
    let r = submit(&app, &client, id, 1, "main", "final words", 0).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let again = submit(&app, &client, id, 1, "main", "final words", 1).await;
    assert_eq!(
        again.status(),
        StatusCode::SEE_OTHER,
        "a retry with the same text is harmless"
    );
    let changed = submit(&app, &client, id, 1, "main", "second thoughts", 1).await;
    assert_eq!(changed.status(), StatusCode::CONFLICT);
    let save = autosave(&app, &client, id, 1, "main", "second thoughts", 1).await;
    assert_eq!(save.status(), StatusCode::CONFLICT);
    assert_eq!(stored(&app, id, 1, "main").await.0, "final words");
}

#[tokio::test]
async fn t01_t02_another_candidates_attempt_is_404_on_every_attempt_route() {
    let app = TestApp::spawn().await;
    let (owner, _) = app.signed_in(Role::Candidate).await;
    let id = start(&app, &owner, "study").await;
    answer_through(&app, &owner, id, 5).await;
    let others = [
        (app.signed_in(Role::Candidate).await.0, "/"),
        (app.signed_in(Role::Interviewer).await.0, "/"),
        (app.signed_in(Role::Admin).await.0, "/"),
    ];
    let before = crate::common::db_fingerprint(&app).await;
    for (other, token_page) in others {
        let token = csrf(&app, &other, token_page).await;
        for spec in routes::specs()
            .into_iter()
            .filter(|s| s.path.starts_with("/attempts/"))
        {
            let call = |attempt: i64| {
                let path = spec
                    .example_path()
                    .replace("/attempts/1", &format!("/attempts/{attempt}"));
                let (other, token, url) = (other.clone(), token.clone(), app.url(&path));
                async move {
                    let r = if spec.method == "GET" {
                        other.get(url).send().await.unwrap()
                    } else {
                        other
                            .post(url)
                            .form(&[
                                ("_csrf", token.as_str()),
                                ("body", "x"),
                                ("base_version", "0"),
                                ("action", "request"),
                                ("level_1", "4"),
                            ])
                            .send()
                            .await
                            .unwrap()
                    };
                    (r.status(), r.text().await.unwrap())
                }
            };
            let (status, body) = call(id).await;
            assert_eq!(
                status,
                StatusCode::NOT_FOUND,
                "{} {}",
                spec.method,
                spec.path
            );
            assert!(!body.contains("My answer to round"));
            // the same answer as for an attempt that does not exist at all
            let (missing_status, missing_body) = call(999_999).await;
            assert_eq!(
                (status, body),
                (missing_status, missing_body),
                "{} {}",
                spec.method,
                spec.path
            );
        }
    }
    assert_eq!(
        before,
        crate::common::db_fingerprint(&app).await,
        "no answer, self-assessment or review request changed"
    );
    let n: i64 = sqlx::query_scalar("select count(*) from self_assessments")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn t46_twenty_parallel_submits_of_one_round_record_one_submission() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let id = start(&app, &client, "interview").await;
    client
        .get(app.url(&format!("/attempts/{id}")))
        .send()
        .await
        .unwrap();
    let token = csrf(&app, &client, "/").await;
    let url = app.url(&format!("/attempts/{id}/steps/1/main/submit"));
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (client, url, token) = (client.clone(), url.clone(), token.clone());
            tokio::spawn(async move {
                client
                    .post(url)
                    .form(&[
                        ("_csrf", token.as_str()),
                        ("body", "the one answer"),
                        ("base_version", "0"),
                    ])
                    .send()
                    .await
                    .unwrap()
                    .status()
            })
        })
        .collect();
    let mut accepted = 0;
    for t in tasks {
        let status = t.await.unwrap();
        assert!(
            status == StatusCode::SEE_OTHER || status == StatusCode::CONFLICT,
            "{status}"
        );
        accepted += usize::from(status == StatusCode::SEE_OTHER);
    }
    assert!(accepted >= 1, "one of the submits goes through");
    let (body, version, submitted) = stored(&app, id, 1, "main").await;
    assert_eq!(body, "the one answer");
    assert_eq!(version, 1, "one transition");
    assert!(submitted.is_some());
    let rows: i64 = sqlx::query_scalar("select count(*) from answers where attempt_id = ?")
        .bind(id)
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(rows, 1);
}

#[tokio::test]
async fn study_mode_shows_a_rounds_guidance_right_after_it_is_submitted() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let id = start(&app, &client, "study").await;
    let r = submit(&app, &client, id, 1, "main", "one", 0).await;
    assert_eq!(location(&r), format!("/attempts/{id}/rounds/1/guidance"));
    let page = client
        .get(app.url(&location(&r)))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Just use a CDN") && page.contains("Continue to round 2"));
    let later = client
        .get(app.url(&format!("/attempts/{id}/rounds/2/guidance")))
        .send()
        .await
        .unwrap();
    assert_eq!(later.status(), StatusCode::NOT_FOUND);

    let interview = start(&app, &client, "interview").await;
    let r = submit(&app, &client, interview, 1, "main", "one", 0).await;
    assert_eq!(location(&r), format!("/attempts/{interview}"));
    let hidden = client
        .get(app.url(&format!("/attempts/{interview}/rounds/1/guidance")))
        .send()
        .await
        .unwrap();
    assert_eq!(
        hidden.status(),
        StatusCode::NOT_FOUND,
        "interview mode keeps guidance for the end"
    );
}

#[tokio::test]
async fn the_debrief_aligns_answers_with_guidance_and_takes_a_self_assessment() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let id = start(&app, &client, "interview").await;
    answer_through(&app, &client, id, 5).await;
    let r = client
        .get(app.url(&format!("/attempts/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), format!("/attempts/{id}/debrief"));
    let html = client
        .get(app.url(&format!("/attempts/{id}/debrief")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for needle in [
        "Strong Answer",
        "Common Weak Answers",
        "Trap Alert",
        "Trap Question Variant",
        "The Senior Signal",
        "Skill: Database failover mechanics",
        "Key points",
        "My answer to round 3.",
        "then ask for a review if you want one",
    ] {
        assert!(html.contains(needle), "debrief lacks {needle:?}");
    }
    let r = post_form(
        &app,
        &client,
        &format!("/attempts/{id}/debrief"),
        &format!("/attempts/{id}/self-assessment"),
        &[
            ("level_1", "3"),
            ("note_1", "missed the data layer"),
            ("level_2", "2"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let levels: Vec<(i64, i64)> = sqlx::query_as("select round_number, level from self_assessments where attempt_id = ? order by round_number").bind(id).fetch_all(app.pool()).await.unwrap();
    assert_eq!(levels, vec![(1, 3), (2, 2)]);
    let bad = post_form(
        &app,
        &client,
        &format!("/attempts/{id}/debrief"),
        &format!("/attempts/{id}/self-assessment"),
        &[("level_1", "9")],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let history = client
        .get(app.url("/history"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(history.contains("<svg") && history.contains("Opening") && history.contains("3 · 2"));
}

#[tokio::test]
async fn a_review_can_be_requested_and_withdrawn_and_unfinished_attempts_deleted() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let id = start(&app, &client, "interview").await;
    let early = post_form(
        &app,
        &client,
        "/",
        &format!("/attempts/{id}/review"),
        &[("action", "request")],
    )
    .await;
    assert_eq!(
        early.status(),
        StatusCode::CONFLICT,
        "only finished attempts"
    );
    answer_through(&app, &client, id, 5).await;
    let requested = || async {
        sqlx::query_scalar::<_, Option<i64>>(
            "select review_requested_at from attempts where id = ?",
        )
        .bind(id)
        .fetch_one(app.pool())
        .await
        .unwrap()
    };
    post_form(
        &app,
        &client,
        "/",
        &format!("/attempts/{id}/review"),
        &[("action", "request")],
    )
    .await;
    assert!(requested().await.is_some());
    post_form(
        &app,
        &client,
        "/",
        &format!("/attempts/{id}/review"),
        &[("action", "withdraw")],
    )
    .await;
    assert!(requested().await.is_none());

    let finished_delete =
        post_form(&app, &client, "/", &format!("/attempts/{id}/delete"), &[]).await;
    assert_eq!(finished_delete.status(), StatusCode::CONFLICT);
    let unfinished = start(&app, &client, "interview").await;
    let home = client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(home.contains(&format!("/attempts/{unfinished}")) && home.contains("Resume"));
    let r = post_form(
        &app,
        &client,
        "/",
        &format!("/attempts/{unfinished}/delete"),
        &[],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let n: i64 = sqlx::query_scalar("select count(*) from attempts where id = ?")
        .bind(unfinished)
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn the_export_holds_every_attempt_answer_and_revision() {
    let app = TestApp::spawn().await;
    let (client, email) = app.signed_in(Role::Candidate).await;
    let id = start(&app, &client, "interview").await;
    autosave(&app, &client, id, 1, "main", "draft one", 0).await;
    autosave(&app, &client, id, 1, "main", "draft two", 1).await;
    let r = client
        .get(app.url("/account/export.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("attachment")
    );
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["user"]["email"], email.as_str());
    let answer = &v["attempts"][0]["answers"][0];
    assert_eq!(answer["body"], "draft two");
    assert_eq!(answer["revisions"][0]["body"], "draft one");
}

#[tokio::test]
async fn an_attempt_keeps_its_pinned_version_after_the_content_changes() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let id = start(&app, &client, "interview").await;
    // the attempt pinned a version that is no longer the live one (the file changed since)
    let source: String = sqlx::query_scalar("select source from gauntlet_versions where slug = ?")
        .bind(SEED)
        .fetch_one(app.pool())
        .await
        .unwrap();
    let old = source.replace(
        "Design a multi-region Kubernetes deployment",
        "Design an OLD multi-region deployment",
    );
    sqlx::query("insert into gauntlet_versions (slug, version, title, source, first_seen_at) values (?, 'old-version', 'Old', ?, 0)")
        .bind(SEED)
        .bind(old)
        .execute(app.pool())
        .await
        .unwrap();
    sqlx::query("update attempts set version = 'old-version' where id = ?")
        .bind(id)
        .execute(app.pool())
        .await
        .unwrap();
    let page = client
        .get(app.url(&format!("/attempts/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Design an OLD multi-region deployment"),
        "the attempt shows the text it pinned"
    );
}

async fn cap_database(app: &TestApp, pages: Option<i64>) {
    let limit = pages.unwrap_or(1_073_741_823);
    // every write goes through the app's one writer connection
    sqlx::query(&format!("pragma max_page_count = {limit}"))
        .execute(app.writer())
        .await
        .unwrap();
}

#[tokio::test]
async fn t45_a_full_disk_gets_503_keeps_the_saved_text_and_recovers_without_restart() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let id = start(&app, &client, "interview").await;
    assert_eq!(
        autosave(&app, &client, id, 1, "main", "first draft", 0)
            .await
            .status(),
        StatusCode::OK
    );
    let pages: i64 = sqlx::query_scalar("pragma page_count")
        .fetch_one(app.pool())
        .await
        .unwrap();
    cap_database(&app, Some(pages)).await;
    let big = "a long answer that no longer fits. ".repeat(1200);
    let r = autosave(&app, &client, id, 1, "main", &big, 1).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.headers().contains_key("retry-after"));
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"], "storage_full");
    assert!(v["message"].as_str().unwrap().contains("disk is full"));
    // pages keep being served while writes fail
    assert_eq!(
        client
            .get(app.url(&format!("/attempts/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(stored(&app, id, 1, "main").await.0, "first draft");
    cap_database(&app, None).await;
    let r = autosave(&app, &client, id, 1, "main", &big, 1).await;
    let status = r.status();
    assert_eq!(
        status,
        StatusCode::OK,
        "recovers without a restart: {}",
        r.text().await.unwrap()
    );
    let check: String = sqlx::query_scalar("pragma integrity_check")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(check, "ok");
}

#[tokio::test]
async fn without_javascript_a_save_conflict_gives_back_the_typed_text_and_keeping_it_saves_it() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let id = start(&app, &client, "interview").await;
    let page = format!("/attempts/{id}");
    let url = save_url(id, 1, "main");
    // tab A saves, tab B saves on top, tab A saves again from its stale version
    let a = post_form(
        &app,
        &client,
        &page,
        &url,
        &[("body", "first from A"), ("base_version", "0")],
    )
    .await;
    assert_eq!(a.status(), StatusCode::SEE_OTHER);
    let b = post_form(
        &app,
        &client,
        &page,
        &url,
        &[("body", "from B"), ("base_version", "1")],
    )
    .await;
    assert_eq!(b.status(), StatusCode::SEE_OTHER);
    let typed = "\nA's <longer> text & more";
    let r = post_form(
        &app,
        &client,
        &format!("/attempts/{id}"),
        &save_url(id, 1, "main"),
        &[("body", typed), ("base_version", "1")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let page = r.text().await.unwrap();
    // the box holds exactly what was typed (a newline after the tag keeps a leading newline)
    assert!(
        page.contains(
            "name=\"body\" rows=\"12\">\n\nA&#39;s &#60;longer&#62; text &#38; more</textarea>"
        ),
        "the typed text is in the box: {page}"
    );
    assert!(
        page.contains("from B"),
        "the saved version is shown beside it"
    );
    assert_eq!(
        stored(&app, id, 1, "main").await.0,
        "from B",
        "nothing overwritten yet"
    );
    // "Keep my text" posts the box with the version shown on the page
    let version = page
        .split("name=\"base_version\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let kept = post_form(
        &app,
        &client,
        &format!("/attempts/{id}"),
        &save_url(id, 1, "main"),
        &[("body", typed), ("base_version", &version)],
    )
    .await;
    assert_eq!(kept.status(), StatusCode::SEE_OTHER);
    assert_eq!(stored(&app, id, 1, "main").await.0, typed);
}

/// Issue 13 point 7: a save that lands after a reload read the page (the same text from the
/// same stale version) is no conflict: the page's next save with that text just succeeds.
#[tokio::test]
async fn the_same_text_saved_again_from_a_stale_version_is_no_conflict_and_keeps_no_copy() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let id = start(&app, &client, "interview").await;
    let first = autosave(&app, &client, id, 1, "main", "typed before the reload", 0).await;
    assert_eq!(first.status(), StatusCode::OK);
    let again = autosave(&app, &client, id, 1, "main", "typed before the reload", 0).await;
    assert_eq!(again.status(), StatusCode::OK, "the same text twice");
    let v: serde_json::Value = again.json().await.unwrap();
    assert_eq!(v["version"], 1, "the current version, to continue from");
    let conflicts: i64 =
        sqlx::query_scalar("select count(*) from answer_revisions where kind = 'conflict'")
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(conflicts, 0);
    // a different text from the stale version still conflicts
    let other = autosave(&app, &client, id, 1, "main", "something else", 0).await;
    assert_eq!(other.status(), StatusCode::CONFLICT);
    // the round page never offers the browser a form to restore from its cache
    let html = client
        .get(app.url(&format!("/attempts/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("class=\"answer-form\" autocomplete=\"off\""));
    assert!(html.contains("value=\"1\" data-version autocomplete=\"off\""));
}

/// Issue 13 point 8: without JavaScript the conflict page shows what differs word by word.
#[tokio::test]
async fn the_conflict_page_shows_a_word_level_diff() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let id = start(&app, &client, "interview").await;
    let page = format!("/attempts/{id}");
    let url = save_url(id, 1, "main");
    post_form(
        &app,
        &client,
        &page,
        &url,
        &[
            ("body", "one cluster per region and a CDN"),
            ("base_version", "0"),
        ],
    )
    .await;
    let r = post_form(
        &app,
        &client,
        &page,
        &url,
        &[
            ("body", "one cluster per region and Route 53"),
            ("base_version", "0"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(
            "data-diff>one cluster per region and <del>a CDN</del><ins>Route 53</ins></div>"
        ),
        "{html}"
    );
    assert!(html.contains("Edit it into a merge"));
}

/// Issue 13 point 9: a refused submit redirects (reloading sends nothing again); the round
/// page shows the typed text and why. The hints match the step and hold without JavaScript.
#[tokio::test]
async fn a_refused_submit_redirects_back_with_the_text_and_the_reason() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let id = start(&app, &client, "interview").await;
    let r = submit(&app, &client, id, 1, "main", "   \n  ", 0).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), format!("/attempts/{id}#answer-error"));
    let html = client
        .get(app.url(&format!("/attempts/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("Write an answer before submitting"));
    let long = "x".repeat(50_001);
    let r = submit(&app, &client, id, 1, "main", &long, 0).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = client
        .get(app.url(&format!("/attempts/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("50000") && html.contains(&long),
        "the text comes back"
    );
    let again = client
        .get(app.url(&format!("/attempts/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!again.contains("50000 characters"), "shown once");
    // hints: the promise of autosave is only made with JavaScript; round 2's main answer leads
    // to its follow-up; round 5 is the last
    assert!(again.contains("<span data-js-only hidden>Your text is saved automatically"));
    assert!(again.contains("<span data-no-js>Press Save to keep a draft.</span>"));
    answer_through(&app, &client, id, 1).await;
    let r2 = client
        .get(app.url(&format!("/attempts/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(r2.contains("follow-up question appears after you submit"));
    for round in 2..=4 {
        submit(&app, &client, id, round, "main", "an answer", 0).await;
        if round == 2 {
            submit(&app, &client, id, 2, "follow_up", "a follow-up", 0).await;
        }
    }
    let r5 = client
        .get(app.url(&format!("/attempts/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(r5.contains("Round 5 of 5") && r5.contains("this is the last round"));
    assert!(!r5.contains("the next round appears"));
}

/// Issue 13 point 9: error pages keep a signed-in user's navigation (no "Sign in").
#[tokio::test]
async fn error_pages_show_a_signed_in_user_their_own_menu() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    for (path, status) in [
        ("/no-such-page", StatusCode::NOT_FOUND),
        ("/admin", StatusCode::FORBIDDEN),
        ("/attempts/999999", StatusCode::NOT_FOUND),
    ] {
        let r = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), status, "{path}");
        let html = r.text().await.unwrap();
        assert!(
            html.contains("class=\"account-menu\"") && !html.contains(">Sign in</a>"),
            "{path}: {html}"
        );
    }
    let anonymous = app
        .client()
        .get(app.url("/no-such-page"))
        .send()
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::NOT_FOUND);
    assert!(anonymous.text().await.unwrap().contains(">Sign in</a>"));
}

/// T102: the text of a refused submit waits in its author's session only: another person never
/// sees it, it shows only on the step it was typed for, escaped, once (the next page of any
/// attempt uses it up, so an old refusal never replaces newer text), and a HEAD request does
/// not use it up.
#[tokio::test]
async fn t102_a_refused_submit_is_shown_only_to_its_author_on_its_step_once() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let id = start(&app, &client, "interview").await;
    let other_attempt = start(&app, &client, "study").await;
    let typed = format!("<script>alert(1)</script>{}", "y".repeat(50_001));
    let r = submit(&app, &client, id, 1, "main", &typed, 0).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let show = |c: &Client, attempt: i64| {
        let url = app.url(&format!("/attempts/{attempt}"));
        let c = c.clone();
        async move { c.get(url).send().await.unwrap().text().await.unwrap() }
    };
    // another candidate, and the same person on another attempt: nothing of it
    let (stranger, _) = app.signed_in(Role::Candidate).await;
    let r = stranger
        .get(app.url(&format!("/attempts/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // a HEAD leaves it for the page
    let head = client
        .head(app.url(&format!("/attempts/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    let html = show(&client, id).await;
    assert!(html.contains("the limit is 50000"), "the reason is shown");
    assert!(html.contains("&#60;script&#62;alert(1)&#60;/script&#62;yyyy"));
    assert!(!html.contains("<script>alert(1)"));
    let again = show(&client, id).await;
    assert!(!again.contains("yyyyyyyy"), "shown once");
    // refused again, then another attempt's page is opened: it never shows there
    let r = submit(&app, &client, id, 1, "main", &typed, 0).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let elsewhere = show(&client, other_attempt).await;
    assert!(elsewhere.contains("Round 1 of 5"));
    assert!(!elsewhere.contains("yyyyyyyy") && !elsewhere.contains("the limit is 50000"));
}
