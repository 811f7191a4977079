//! Interviewer review over HTTP: visibility, claims, the rubric, blind review, audit,
//! calibration, the kit, the export, and what the candidate reads afterwards.

use std::collections::HashMap;

use gauntlet::auth::Role;
use reqwest::{Client, StatusCode};

use crate::{
    common::{TestApp, csrf, location, post_form},
    practice::{answer_through, start, submit},
};

/// A candidate with a finished seed attempt that asked for a review.
async fn requested_attempt(app: &TestApp) -> (Client, String, i64) {
    let (candidate, email) = app.signed_in(Role::Candidate).await;
    let id = start(app, &candidate, "interview").await;
    answer_through(app, &candidate, id, 5).await;
    let r = post_form(
        app,
        &candidate,
        "/",
        &format!("/attempts/{id}/review"),
        &[("action", "request")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    (candidate, email, id)
}

async fn claim(app: &TestApp, who: &Client, id: i64) {
    let r = post_form(app, who, "/reviews", &format!("/reviews/{id}/claim"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "claim");
}

fn rubric(
    levels: [&'static str; 5],
    rec: &'static str,
    summary: &'static str,
) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = levels
        .iter()
        .enumerate()
        .map(|(i, l)| (format!("level_{}", i + 1), l.to_string()))
        .collect();
    v.push(("recommendation".into(), rec.into()));
    v.push(("summary".into(), summary.into()));
    v
}

async fn send(
    app: &TestApp,
    who: &Client,
    path: &str,
    fields: &[(String, String)],
) -> reqwest::Response {
    let token = csrf(app, who, "/").await;
    let mut all = vec![("_csrf".to_string(), token)];
    all.extend_from_slice(fields);
    who.post(app.url(path)).form(&all).send().await.unwrap()
}

async fn page(app: &TestApp, who: &Client, path: &str) -> String {
    who.get(app.url(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

#[tokio::test]
async fn t04_an_attempt_that_did_not_ask_for_review_is_invisible_to_interviewers() {
    let app = TestApp::spawn().await;
    let (candidate, _) = app.signed_in(Role::Candidate).await;
    let id = start(&app, &candidate, "interview").await;
    answer_through(&app, &candidate, id, 5).await;
    for role in [Role::Interviewer, Role::Admin] {
        let (who, _) = app.signed_in(role).await;
        assert_eq!(
            who.get(app.url(&format!("/reviews/{id}")))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::NOT_FOUND
        );
        let queue = page(&app, &who, "/reviews").await;
        assert!(queue.contains("No attempts are waiting for review"));
        let r = post_form(&app, &who, "/reviews", &format!("/reviews/{id}/claim"), &[]).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
}

#[tokio::test]
async fn the_queue_lists_requests_oldest_first_with_who_claimed_them() {
    let app = TestApp::spawn().await;
    let (_, _, first) = requested_attempt(&app).await;
    let (_, _, second) = requested_attempt(&app).await;
    let (iris, _) = app.signed_in(Role::Interviewer).await;
    let queue = page(&app, &iris, "/reviews").await;
    let a = queue.find(&format!("/reviews/{first}\"")).unwrap();
    let b = queue.find(&format!("/reviews/{second}\"")).unwrap();
    assert!(a < b, "oldest request first");
    claim(&app, &iris, first).await;
    let queue = page(&app, &iris, "/reviews?show=unclaimed").await;
    assert!(
        !queue.contains(&format!("/reviews/{first}\""))
            && queue.contains(&format!("/reviews/{second}\""))
    );
    let (other, _) = app.signed_in(Role::Interviewer).await;
    let all = page(&app, &other, "/reviews").await;
    assert!(
        all.contains("Test Interviewer"),
        "who claimed it is visible"
    );
    let mine = page(&app, &iris, "/reviews?show=mine").await;
    assert!(mine.contains(&format!("/reviews/{first}\"")));
    // release gives it back
    let r = post_form(
        &app,
        &iris,
        "/reviews",
        &format!("/reviews/{first}/release"),
        &[],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let queue = page(&app, &iris, "/reviews?show=unclaimed").await;
    assert!(queue.contains(&format!("/reviews/{first}\"")));
}

#[tokio::test]
async fn a_candidate_cannot_withdraw_once_an_interviewer_claimed() {
    let app = TestApp::spawn().await;
    let (candidate, _, id) = requested_attempt(&app).await;
    let (iris, _) = app.signed_in(Role::Interviewer).await;
    claim(&app, &iris, id).await;
    let r = post_form(
        &app,
        &candidate,
        "/",
        &format!("/attempts/{id}/review"),
        &[("action", "withdraw")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn t07_an_interviewer_cannot_read_anothers_review_before_submitting_their_own() {
    let app = TestApp::spawn().await;
    let (_, _, id) = requested_attempt(&app).await;
    let (x, _) = app.signed_in(Role::Interviewer).await;
    let (y, _) = app.signed_in(Role::Interviewer).await;
    claim(&app, &x, id).await;
    let mut fields = rubric(["3", "2", "3", "3", "2"], "almost", "X-SUMMARY-SECRET");
    fields.push(("comment_1".into(), "X-ROUND-COMMENT".into()));
    assert_eq!(
        send(&app, &x, &format!("/reviews/{id}/submit"), &fields)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let c = send(
        &app,
        &x,
        &format!("/reviews/{id}/comments"),
        &[
            ("round".into(), "1".into()),
            ("quote".into(), "My answer".into()),
            ("body".into(), "X-ANCHORED-COMMENT".into()),
        ],
    )
    .await;
    assert_eq!(c.status(), StatusCode::SEE_OTHER);

    claim(&app, &y, id).await;
    let before = page(&app, &y, &format!("/reviews/{id}")).await;
    for secret in ["X-SUMMARY-SECRET", "X-ROUND-COMMENT", "X-ANCHORED-COMMENT"] {
        assert!(
            !before.contains(secret),
            "Y sees {secret} before submitting"
        );
    }
    let fields = rubric(["2", "2", "2", "2", "2"], "not_yet", "Y summary");
    send(&app, &y, &format!("/reviews/{id}/submit"), &fields).await;
    let after = page(&app, &y, &format!("/reviews/{id}")).await;
    assert!(after.contains("X-SUMMARY-SECRET") && after.contains("X-ANCHORED-COMMENT"));
}

#[tokio::test]
async fn t46_submitting_needs_every_level_and_a_double_submit_changes_nothing() {
    let app = TestApp::spawn().await;
    let (_, _, id) = requested_attempt(&app).await;
    let (x, _) = app.signed_in(Role::Interviewer).await;
    claim(&app, &x, id).await;
    let partial = rubric(["3", "", "3", "3", "3"], "ready", "s");
    let r = send(&app, &x, &format!("/reviews/{id}/submit"), &partial).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(html.contains("Give a level for round 2"));
    assert!(
        html.contains("value=\"3\" checked"),
        "what was chosen is kept"
    );
    let full = rubric(["3", "2", "3", "3", "3"], "ready", "s");
    send(&app, &x, &format!("/reviews/{id}/submit"), &full).await;
    let first: i64 = sqlx::query_scalar("select submitted_at from reviews")
        .fetch_one(app.pool())
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let again = send(&app, &x, &format!("/reviews/{id}/submit"), &full).await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    let second: i64 = sqlx::query_scalar("select submitted_at from reviews")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(first, second);
    let audits: i64 = sqlx::query_scalar("select count(*) from review_audit")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(audits, 0, "an identical resubmit is not a change");
}

#[tokio::test]
async fn edits_after_submitting_are_recorded_in_the_audit_log() {
    let app = TestApp::spawn().await;
    let (_, _, id) = requested_attempt(&app).await;
    let (x, email) = app.signed_in(Role::Interviewer).await;
    claim(&app, &x, id).await;
    send(
        &app,
        &x,
        &format!("/reviews/{id}/submit"),
        &rubric(["3", "3", "3", "3", "3"], "ready", "first"),
    )
    .await;
    send(
        &app,
        &x,
        &format!("/reviews/{id}/save"),
        &rubric(["3", "1", "3", "3", "3"], "almost", "changed my mind"),
    )
    .await;
    let (actor, before, after): (String, String, String) = sqlx::query_as(
        "select u.email, l.before, l.after from review_audit l join users u on u.id = l.actor_id",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(actor, email);
    assert!(
        before.contains("\"ready\"")
            && after.contains("\"almost\"")
            && after.contains("changed my mind")
    );
    let (admin, _) = app.signed_in(Role::Admin).await;
    let log = page(&app, &admin, "/admin/audit").await;
    assert!(log.contains(&email) && log.contains("changed my mind"));
}

#[tokio::test]
async fn t49_two_interviewers_saving_at_once_never_mix_their_rubrics() {
    let app = TestApp::spawn().await;
    let (_, _, id) = requested_attempt(&app).await;
    let (x, _) = app.signed_in(Role::Interviewer).await;
    let (y, _) = app.signed_in(Role::Interviewer).await;
    claim(&app, &x, id).await;
    claim(&app, &y, id).await;
    let tx = csrf(&app, &x, "/").await;
    let ty = csrf(&app, &y, "/").await;
    let mut tasks = Vec::new();
    for i in 0..10 {
        for (client, token, level) in [(x.clone(), tx.clone(), "1"), (y.clone(), ty.clone(), "4")] {
            let url = app.url(&format!("/reviews/{id}/save"));
            let summary = format!("{level}-{i}");
            tasks.push(tokio::spawn(async move {
                let mut f: Vec<(String, String)> = (1..=5)
                    .map(|n| (format!("level_{n}"), level.to_string()))
                    .collect();
                f.push(("summary".into(), summary));
                f.push(("_csrf".into(), token));
                client
                    .post(url)
                    .header("accept", "application/json")
                    .form(&f)
                    .send()
                    .await
                    .unwrap()
                    .status()
            }));
        }
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), StatusCode::OK);
    }
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(
        "select r.reviewer_id, r.summary, rr.level from reviews r join review_rounds rr on rr.review_id = r.id",
    )
    .fetch_all(app.pool())
    .await
    .unwrap();
    let mut by_reviewer: HashMap<i64, Vec<(String, i64)>> = HashMap::new();
    for (rev, summary, level) in rows {
        by_reviewer.entry(rev).or_default().push((summary, level));
    }
    assert_eq!(by_reviewer.len(), 2);
    for rows in by_reviewer.values() {
        assert_eq!(rows.len(), 5);
        let level = rows[0].1;
        assert!(
            rows.iter()
                .all(|(s, l)| *l == level && s.starts_with(&level.to_string())),
            "mixed rubric: {rows:?}"
        );
    }
}

#[tokio::test]
async fn blind_review_hides_the_candidates_identity() {
    let app = TestApp::spawn().await;
    let (_, _, id) = requested_attempt(&app).await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let (x, _) = app.signed_in(Role::Interviewer).await;
    assert!(page(&app, &x, "/reviews").await.contains("Test Candidate"));
    let r = post_form(
        &app,
        &admin,
        "/admin/settings",
        "/admin/settings",
        &[("registration", "invite"), ("blind_review", "on")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let queue = page(&app, &x, "/reviews").await;
    assert!(!queue.contains("Test Candidate"), "{queue}");
    assert!(queue.contains(&format!("Candidate #{id}")));
    let review = page(&app, &x, &format!("/reviews/{id}")).await;
    assert!(!review.contains("Test Candidate"));
}

#[tokio::test]
async fn a_comment_is_anchored_to_the_quoted_words_and_the_candidate_sees_feedback() {
    let app = TestApp::spawn().await;
    let (candidate, _, id) = requested_attempt(&app).await;
    let (x, _) = app.signed_in(Role::Interviewer).await;
    claim(&app, &x, id).await;
    let missing = send(
        &app,
        &x,
        &format!("/reviews/{id}/comments"),
        &[
            ("round".into(), "3".into()),
            ("quote".into(), "words that are not there".into()),
            ("body".into(), "hm".into()),
        ],
    )
    .await;
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let ok = send(
        &app,
        &x,
        &format!("/reviews/{id}/comments"),
        &[
            ("round".into(), "3".into()),
            ("quote".into(), "round 3".into()),
            ("body".into(), "Say more about the cache TTL.".into()),
        ],
    )
    .await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    assert!(location(&ok).contains("#r3-c"));
    let (start, end): (i64, i64) =
        sqlx::query_as("select span_start, span_end from review_comments")
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(
        &"My answer to round 3."[start as usize..end as usize],
        "round 3"
    );

    // nothing reaches the candidate before the review is submitted
    let debrief = page(&app, &candidate, &format!("/attempts/{id}/debrief")).await;
    assert!(!debrief.contains("Say more about the cache TTL"));
    send(
        &app,
        &x,
        &format!("/reviews/{id}/submit"),
        &rubric(
            ["2", "2", "3", "2", "2"],
            "almost",
            "Good structure; go deeper on data.",
        ),
    )
    .await;
    post_form(
        &app,
        &candidate,
        &format!("/attempts/{id}/debrief"),
        &format!("/attempts/{id}/self-assessment"),
        &[("level_3", "4")],
    )
    .await;
    let debrief = page(&app, &candidate, &format!("/attempts/{id}/debrief")).await;
    assert!(debrief.contains("Say more about the cache TTL"));
    assert!(debrief.contains("class=\"hl-comment\"") || debrief.contains("hl-comment\""));
    assert!(debrief.contains("Good structure; go deeper on data.") && debrief.contains("Almost"));
    assert!(
        debrief.contains("you rated 1 higher"),
        "the gap to the self-assessment is shown"
    );
}

#[tokio::test]
async fn t01_candidates_never_see_another_candidates_feedback() {
    let app = TestApp::spawn().await;
    let (_, _, id) = requested_attempt(&app).await;
    let (x, _) = app.signed_in(Role::Interviewer).await;
    claim(&app, &x, id).await;
    send(
        &app,
        &x,
        &format!("/reviews/{id}/submit"),
        &rubric(["2", "2", "2", "2", "2"], "almost", "PRIVATE-FEEDBACK"),
    )
    .await;
    let (other, _) = app.signed_in(Role::Candidate).await;
    for path in [
        format!("/attempts/{id}/debrief"),
        format!("/reviews/{id}"),
        "/reviews".to_string(),
        "/history".to_string(),
    ] {
        let r = other.get(app.url(&path)).send().await.unwrap();
        assert!(
            r.status() == StatusCode::NOT_FOUND
                || r.status() == StatusCode::FORBIDDEN
                || r.status() == StatusCode::OK,
            "{path}"
        );
        assert!(
            !r.text().await.unwrap().contains("PRIVATE-FEEDBACK"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn calibration_shows_agreement_once_two_reviews_are_in() {
    let app = TestApp::spawn().await;
    let (_, _, id) = requested_attempt(&app).await;
    let (x, _) = app.signed_in(Role::Interviewer).await;
    let (y, _) = app.signed_in(Role::Interviewer).await;
    assert!(
        page(&app, &x, "/calibration")
            .await
            .contains("Nothing to compare yet")
    );
    for (who, levels) in [
        (&x, ["3", "2", "3", "3", "2"]),
        (&y, ["3", "3", "3", "1", "2"]),
    ] {
        claim(&app, who, id).await;
        send(
            &app,
            who,
            &format!("/reviews/{id}/submit"),
            &rubric(levels, "ready", ""),
        )
        .await;
    }
    let html = page(&app, &x, "/calibration").await;
    assert!(html.contains("exact agreement (5 pairs)"));
    assert!(html.contains("60%"), "3 of 5 rounds agree");
}

#[tokio::test]
async fn the_interviewer_kit_shows_every_prompt_with_its_guidance() {
    let app = TestApp::spawn().await;
    let (x, _) = app.signed_in(Role::Interviewer).await;
    let kit = page(&app, &x, "/gauntlets/multi-region-kubernetes/kit").await;
    for needle in [
        "Design a multi-region Kubernetes",
        "primary database is in us-east-1",
        "Just use a CDN",
        "zero data loss",
        "What this sequence tests",
        "Follow-up question",
    ] {
        assert!(kit.contains(needle), "kit lacks {needle:?}");
    }
    let (c, _) = app.signed_in(Role::Candidate).await;
    assert_eq!(
        c.get(app.url("/gauntlets/multi-region-kubernetes/kit"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_export_has_one_row_per_attempt_round_and_reviewer() {
    let app = TestApp::spawn().await;
    let (candidate, _, id) = requested_attempt(&app).await;
    post_form(
        &app,
        &candidate,
        &format!("/attempts/{id}/debrief"),
        &format!("/attempts/{id}/self-assessment"),
        &[("level_1", "3")],
    )
    .await;
    let (x, _) = app.signed_in(Role::Interviewer).await;
    let (y, _) = app.signed_in(Role::Interviewer).await;
    for who in [&x, &y] {
        claim(&app, who, id).await;
        let mut f = rubric(["3", "2", "3", "3", "2"], "ready", "");
        f.push(("trap_2".into(), "on".into()));
        f.push(("weak_1_2".into(), "on".into()));
        send(&app, who, &format!("/reviews/{id}/submit"), &f).await;
    }
    let (admin, _) = app.signed_in(Role::Admin).await;
    let csv = admin
        .get(app.url("/admin/export?format=csv"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], gauntlet::export::COLUMNS.join(","));
    assert_eq!(lines.len(), 1 + 5 * 2, "5 rounds × 2 reviewers");
    let first: Vec<&str> = lines[1].split(',').collect();
    assert_eq!(first.len(), gauntlet::export::COLUMNS.len());
    assert_eq!(first[0], id.to_string());
    assert_eq!(first[7], "1");
    assert_eq!(first[9], "final");
    assert_eq!(first[12], "2", "weak answer 2 flagged");
    assert_eq!(first[16], "3", "self level beside the reviewer's");
    let json: serde_json::Value = admin
        .get(app.url("/admin/export?format=json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(json.as_array().unwrap().len(), 10);
    assert_eq!(json[2]["fell_into_trap"], true);
}

/// The review page's body is rendered once and reused; a write from anywhere (here: another
/// process's connection, as the command line would open) that changes what it shows is seen on
/// the next view.
#[tokio::test]
async fn a_reused_review_page_shows_every_change_made_by_any_writer() {
    use sqlx::Connection;
    let app = TestApp::spawn().await;
    let (_, _, id) = requested_attempt(&app).await;
    let (x, _) = app.signed_in(Role::Interviewer).await;
    let (y, _) = app.signed_in(Role::Interviewer).await;
    claim(&app, &x, id).await;
    let path = format!("/reviews/{id}");
    page(&app, &x, &path).await; // shows (and so clears) the claim's flash message
    let first = page(&app, &x, &path).await;
    assert!(first == page(&app, &x, &path).await, "an unchanged page");
    assert!(first.contains("Test Candidate"));
    // another reader has their own page: not claimed, no draft
    let other = page(&app, &y, &path).await;
    assert!(
        other.contains("Claim and start grading") && !first.contains("Claim and start grading")
    );

    let mut outside = sqlx::SqliteConnection::connect_with(&gauntlet::db::connect_options(
        &app.db_path,
        gauntlet::db::Create::Never,
    ))
    .await
    .unwrap();
    let cases: [(&str, &str); 5] = [
        (
            "update reviews set summary = 'SUMMARY-FROM-OUTSIDE'",
            "SUMMARY-FROM-OUTSIDE",
        ),
        (
            "insert into review_rounds (review_id, round_number, comment) \
             select id, 2, 'ROUND-NOTE-FROM-OUTSIDE' from reviews",
            "ROUND-NOTE-FROM-OUTSIDE",
        ),
        (
            "insert into review_comments (review_id, round_number, span_start, span_end, quote, body, created_at) \
             select id, 3, 0, 2, 'My', 'COMMENT-FROM-OUTSIDE', 0 from reviews",
            "COMMENT-FROM-OUTSIDE",
        ),
        (
            "update users set display_name = 'RENAMED-CANDIDATE' where role = 'candidate'",
            "RENAMED-CANDIDATE",
        ),
        (
            "update settings set value = 'on' where key = 'blind_review'",
            "Candidate #",
        ),
    ];
    for (sql, shown) in cases {
        assert!(
            !page(&app, &x, &path).await.contains(shown),
            "{shown} before"
        );
        sqlx::query(sql).execute(&mut outside).await.unwrap();
        assert!(
            page(&app, &x, &path).await.contains(shown),
            "{shown} after: {sql}"
        );
    }
    sqlx::query("delete from review_comments")
        .execute(&mut outside)
        .await
        .unwrap();
    assert!(!page(&app, &x, &path).await.contains("COMMENT-FROM-OUTSIDE"));
    // a withdrawn request is 404 at once, whatever was rendered before
    sqlx::query("update attempts set review_requested_at = null where id = ?")
        .bind(id)
        .execute(&mut outside)
        .await
        .unwrap();
    let gone = x.get(app.url(&path)).send().await.unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}

/// The seed answers of issue 14: a confident wrong claim in round 2 and its follow-up.
const BLUFF_ROUND_2: &str = "Failover is automatic, and the app uses the cluster endpoint so it \
    will reconnect on its own. The RPO is zero.";
const BLUFF_FOLLOW_UP: &str = "Basically zero, it's effectively synchronous.";

/// The rounds' "N of M key points found (P%)" headings: (N, M, P) in page order.
fn point_counts(html: &str) -> Vec<(usize, usize, usize)> {
    const FOUND: &str = " key points found (";
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find(FOUND) {
        let head = &rest[..i];
        let head = &head[head.rfind('>').expect("heading span") + 1..];
        let (n, m) = head.trim().split_once(" of ").expect("N of M");
        let tail = &rest[i + FOUND.len()..];
        let p = &tail[..tail.find('%').expect("percent")];
        out.push((
            n.trim().parse().unwrap(),
            m.trim().parse().unwrap(),
            p.parse().unwrap(),
        ));
        rest = tail;
    }
    out
}

#[tokio::test]
async fn the_review_page_flags_the_follow_up_and_its_counts_add_up() {
    let app = TestApp::spawn().await;
    let (candidate, _) = app.signed_in(Role::Candidate).await;
    let id = start(&app, &candidate, "interview").await;
    for round in 1..=5 {
        let body = if round == 2 {
            BLUFF_ROUND_2.to_string()
        } else {
            format!("My answer to round {round}.")
        };
        let r = submit(&app, &candidate, id, round, "main", &body, 0).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "round {round}");
        if round == 2 {
            let r = submit(&app, &candidate, id, 2, "follow_up", BLUFF_FOLLOW_UP, 0).await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
        }
    }
    let r = post_form(
        &app,
        &candidate,
        "/",
        &format!("/attempts/{id}/review"),
        &[("action", "request")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (x, _) = app.signed_in(Role::Interviewer).await;
    claim(&app, &x, id).await;
    let html = page(&app, &x, &format!("/reviews/{id}")).await;

    // the follow-up answer is aligned: its bluff is marked and listed with a reason
    let follow = html
        .split("data-follow-up=\"2\"")
        .nth(1)
        .expect("the follow-up answer block");
    let follow = &follow[..follow.find("</ul>").expect("its flag list")];
    assert!(follow.contains("<mark class=\"hl-flag\""), "{follow}");
    assert!(follow.contains("Red flags in the follow-up answer to round 2"));
    assert!(follow.contains("effectively synchronous") || follow.contains("Basically zero"));
    assert!(follow.contains("— "), "every flag has a reason");

    // the main answer's confident wrong claims are flagged, never credited
    let round2 = html
        .split("aria-label=\"Alignment hints for round 2\"")
        .nth(1)
        .expect("round 2 hints");
    let round2 = &round2[..round2.find("</section>").unwrap()];
    assert!(round2.contains("Failover is automatic"), "{round2}");
    assert!(round2.contains("RPO is zero"), "{round2}");

    // every heading counts key points only, and its percentage is exactly N of M
    let counts = point_counts(&html);
    assert_eq!(counts.len(), 5, "one heading per round");
    for (n, m, p) in counts {
        assert!(n <= m && m > 0);
        assert_eq!(p, (n * 100 + m / 2) / m, "{n} of {m} shown as {p}%");
    }
    let listed = round2.matches("<li class=\"pt-").count();
    let (_, m, _) = point_counts(&html)[1];
    assert_eq!(
        listed, m,
        "the heading counts exactly the listed key points"
    );
}
