//! Interviewer review over HTTP: visibility, claims, the rubric, blind review, audit,
//! calibration, the kit, the export, and what the candidate reads afterwards.

use std::collections::HashMap;

use gauntlet::auth::Role;
use reqwest::{Client, StatusCode};

use crate::common::{
    TestApp,
    attempts::{answer_through, requested_attempt, start, submit},
    csrf, location, page_text, post_form,
};

pub(crate) async fn claim(app: &TestApp, who: &Client, id: i64) {
    let r = post_form(app, who, "/reviews", &format!("/reviews/{id}/claim"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "claim");
}

pub(crate) fn rubric(
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

pub(crate) async fn send(
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
        let queue = page_text(&app, &who, "/reviews").await;
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
    let queue = page_text(&app, &iris, "/reviews").await;
    let a = queue.find(&format!("/reviews/{first}\"")).unwrap();
    let b = queue.find(&format!("/reviews/{second}\"")).unwrap();
    assert!(a < b, "oldest request first");
    claim(&app, &iris, first).await;
    let queue = page_text(&app, &iris, "/reviews?show=unclaimed").await;
    assert!(
        !queue.contains(&format!("/reviews/{first}\""))
            && queue.contains(&format!("/reviews/{second}\""))
    );
    let (other, _) = app.signed_in(Role::Interviewer).await;
    let all = page_text(&app, &other, "/reviews").await;
    assert!(
        all.contains("Test Interviewer"),
        "who claimed it is visible"
    );
    let mine = page_text(&app, &iris, "/reviews?show=mine").await;
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
    let queue = page_text(&app, &iris, "/reviews?show=unclaimed").await;
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
    let before = page_text(&app, &y, &format!("/reviews/{id}")).await;
    for secret in ["X-SUMMARY-SECRET", "X-ROUND-COMMENT", "X-ANCHORED-COMMENT"] {
        assert!(
            !before.contains(secret),
            "Y sees {secret} before submitting"
        );
    }
    let fields = rubric(["2", "2", "2", "2", "2"], "not_yet", "Y summary");
    send(&app, &y, &format!("/reviews/{id}/submit"), &fields).await;
    let after = page_text(&app, &y, &format!("/reviews/{id}")).await;
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

async fn audit_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("select count(*) from review_audit")
        .fetch_one(app.pool())
        .await
        .unwrap()
}

/// Issue 13 point 12 and row T103: a submitted review is read-only until "Edit submitted
/// review"; autosave cannot touch it; "Save changes" sends the whole change set at once and
/// the audit log gets one row for it, shown as readable lines.
#[tokio::test]
async fn t103_a_submitted_review_changes_only_through_save_changes_with_one_audit_row_per_change_set()
 {
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
    let shown = page_text(&app, &x, &format!("/reviews/{id}")).await;
    assert!(shown.contains("Edit submitted review"));
    assert!(shown.contains("name=\"level_1\" value=\"3\" checked disabled"));
    assert!(!shown.contains("data-review-autosave") && !shown.contains("data-review-edit"));
    assert!(
        !shown.contains("set the level of the current round")
            && shown.contains("The grading keys work once you press"),
        "the keyboard help of a read-only review lists no grading keys"
    );
    assert!(
        shown.contains("data-keys-help data-js-only hidden"),
        "without JavaScript there is no keyboard button that does nothing"
    );
    assert!(
        !shown.contains("data-add-comment"),
        "no comment form outside edit mode"
    );

    // an autosave (from an old page or a script) is refused and changes nothing
    let mut autosave = vec![("_csrf".to_string(), csrf(&app, &x, "/").await)];
    autosave.extend(rubric(["3", "1", "3", "3", "3"], "almost", "half-typed"));
    let r = x
        .post(app.url(&format!("/reviews/{id}/save")))
        .header("Accept", "application/json")
        .form(&autosave)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("Edit submitted review"));
    let summary: String = sqlx::query_scalar("select summary from reviews")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(summary, "first");
    assert_eq!(audit_rows(&app).await, 0);

    // edit mode: live fields, no autosave, Save changes and Cancel
    let edit = page_text(&app, &x, &format!("/reviews/{id}?edit=1")).await;
    assert!(edit.contains("data-review-edit") && !edit.contains("data-review-autosave"));
    assert!(edit.contains("name=\"level_1\" value=\"3\" checked>"));
    assert!(edit.contains("Save changes") && edit.contains(">Cancel</a>"));
    assert!(
        edit.contains("set the level of the current round") && edit.contains("save the changes")
    );
    let missing = send(
        &app,
        &x,
        &format!("/reviews/{id}/submit"),
        &rubric(["3", "", "3", "3", "3"], "almost", "second"),
    )
    .await;
    assert_eq!(missing.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let kept = missing.text().await.unwrap();
    assert!(
        kept.contains("data-review-edit") && kept.contains("second"),
        "still in edit mode with the typed text"
    );
    assert_eq!(audit_rows(&app).await, 0);

    let saved = send(
        &app,
        &x,
        &format!("/reviews/{id}/submit"),
        &rubric(["3", "1", "3", "3", "4"], "almost", "changed my mind"),
    )
    .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&saved), format!("/reviews/{id}"));
    assert_eq!(audit_rows(&app).await, 1, "one row for the change set");
    let unchanged = send(
        &app,
        &x,
        &format!("/reviews/{id}/submit"),
        &rubric(["3", "1", "3", "3", "4"], "almost", "changed my mind"),
    )
    .await;
    assert_eq!(unchanged.status(), StatusCode::SEE_OTHER);
    assert_eq!(audit_rows(&app).await, 1, "saving no change adds no row");

    // a comment in edit mode stays in edit mode and is its own change set
    let comment = send(
        &app,
        &x,
        &format!("/reviews/{id}/comments"),
        &[
            ("round".into(), "3".into()),
            ("quote".into(), "round 3".into()),
            ("body".into(), "Say more about the TTL.".into()),
        ],
    )
    .await;
    assert!(location(&comment).starts_with(&format!("/reviews/{id}?edit=1#r3-c")));
    assert_eq!(audit_rows(&app).await, 2);

    let actor: String = sqlx::query_scalar(
        "select u.email from review_audit l join users u on u.id = l.actor_id limit 1",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(actor, email);
    let (admin, _) = app.signed_in(Role::Admin).await;
    let log = page_text(&app, &admin, "/admin/audit").await;
    for line in [
        "Round 2 level 3 → 1",
        "Round 5 level 3 → 4",
        "Recommendation Ready → Almost",
        "Summary changed to “changed my mind”",
        "Comment added on round 3 at “round 3”: “Say more about the TTL.”",
    ] {
        assert!(log.contains(line), "the audit log lacks {line:?}");
    }
    assert!(
        !log.contains("Round 1 level"),
        "unchanged rounds are not listed"
    );
}

/// Row T104: only the review's author can edit it; another interviewer's `?edit=1` shows no
/// edit mode and their posts change nothing; change lines are escaped, and only admins read
/// the audit log.
#[tokio::test]
async fn t104_only_the_author_edits_a_submitted_review_and_the_audit_lines_are_escaped_and_admin_only()
 {
    let app = TestApp::spawn().await;
    let (candidate, _, id) = requested_attempt(&app).await;
    let (x, _) = app.signed_in(Role::Interviewer).await;
    let (y, _) = app.signed_in(Role::Interviewer).await;
    claim(&app, &x, id).await;
    send(
        &app,
        &x,
        &format!("/reviews/{id}/submit"),
        &rubric(["3", "3", "3", "3", "3"], "ready", "first"),
    )
    .await;
    let theirs = page_text(&app, &y, &format!("/reviews/{id}?edit=1")).await;
    assert!(!theirs.contains("data-review-edit") && !theirs.contains("Save changes"));
    assert!(theirs.contains("Claim and start grading"));
    let r = send(
        &app,
        &y,
        &format!("/reviews/{id}/submit"),
        &rubric(["1", "1", "1", "1", "1"], "not_yet", "hijack"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(
        candidate
            .get(app.url(&format!("/reviews/{id}?edit=1")))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    send(
        &app,
        &x,
        &format!("/reviews/{id}/submit"),
        &rubric(
            ["3", "3", "3", "3", "3"],
            "ready",
            "<script>alert(1)</script>",
        ),
    )
    .await;
    assert_eq!(audit_rows(&app).await, 1);
    let summary: String = sqlx::query_scalar("select summary from reviews")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert!(
        summary.contains("<script>"),
        "the author's change was saved"
    );
    let (admin, _) = app.signed_in(Role::Admin).await;
    let log = page_text(&app, &admin, "/admin/audit").await;
    assert!(log.contains("Summary changed to “&#60;script&#62;alert(1)"));
    assert!(!log.contains("<script>alert(1)"));
    for who in [&x, &candidate] {
        assert_eq!(
            who.get(app.url("/admin/audit"))
                .send()
                .await
                .unwrap()
                .status(),
            StatusCode::FORBIDDEN
        );
    }
}

/// A review draft sent as the page is left (`?quiet=1`, as the autosave client's beacon does)
/// is saved and answered 204, not redirected to the whole review page; refused, it says why.
#[tokio::test]
async fn a_review_draft_sent_on_leaving_the_page_is_saved_without_a_page() {
    let app = TestApp::spawn().await;
    let (_, _, id) = requested_attempt(&app).await;
    let (x, _) = app.signed_in(Role::Interviewer).await;
    claim(&app, &x, id).await;
    let mut draft = vec![("_csrf".to_string(), csrf(&app, &x, "/").await)];
    draft.extend(rubric(["2", "", "", "", ""], "", "typed as I left"));
    let r = x
        .post(app.url(&format!("/reviews/{id}/save?quiet=1")))
        .form(&draft)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(r.text().await.unwrap().is_empty());
    let summary: String = sqlx::query_scalar("select summary from reviews")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(summary, "typed as I left");

    let mut wrong = vec![("_csrf".to_string(), csrf(&app, &x, "/").await)];
    wrong.extend(rubric(
        ["9", "", "", "", ""],
        "",
        "a level that does not exist",
    ));
    let r = x
        .post(app.url(&format!("/reviews/{id}/save?quiet=1")))
        .form(&wrong)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let summary: String = sqlx::query_scalar("select summary from reviews")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(
        summary, "typed as I left",
        "a refused draft changes nothing"
    );
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
    assert!(
        page_text(&app, &x, "/reviews")
            .await
            .contains("Test Candidate")
    );
    let r = post_form(
        &app,
        &admin,
        "/admin/settings",
        "/admin/settings",
        &[("registration", "invite"), ("blind_review", "on")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let queue = page_text(&app, &x, "/reviews").await;
    assert!(!queue.contains("Test Candidate"), "{queue}");
    assert!(queue.contains(&format!("Candidate #{id}")));
    let review = page_text(&app, &x, &format!("/reviews/{id}")).await;
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

    // the self-assessment is given before the review arrives (it locks then)
    post_form(
        &app,
        &candidate,
        &format!("/attempts/{id}/debrief"),
        &format!("/attempts/{id}/self-assessment"),
        &[("level_3", "4")],
    )
    .await;
    // nothing reaches the candidate before the review is submitted
    let debrief = page_text(&app, &candidate, &format!("/attempts/{id}/debrief")).await;
    assert!(!debrief.contains("Say more about the cache TTL"));
    assert!(
        debrief.contains("levels and notes appear beside yours as they come in")
            && !debrief.contains("ask for a review if you want one"),
        "once asked for, the page no longer suggests asking"
    );
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
    let debrief = page_text(&app, &candidate, &format!("/attempts/{id}/debrief")).await;
    assert!(debrief.contains("Say more about the cache TTL"));
    assert!(
        debrief.contains("hl-comment\""),
        "the quoted text is marked"
    );
    assert!(debrief.contains("Good structure; go deeper on data.") && debrief.contains("Almost"));
    assert!(
        debrief.contains("(you 1 higher)"),
        "the gap to the self-assessment is shown, per reviewer"
    );
}

#[tokio::test]
async fn t01_candidates_never_see_another_candidates_feedback() {
    let app = TestApp::spawn().await;
    let (owner, _, id) = requested_attempt(&app).await;
    let (x, _) = app.signed_in(Role::Interviewer).await;
    claim(&app, &x, id).await;
    send(
        &app,
        &x,
        &format!("/reviews/{id}/submit"),
        &rubric(["2", "2", "2", "2", "2"], "almost", "PRIVATE-FEEDBACK"),
    )
    .await;
    // the owner reads the feedback on the debrief and finds the attempt in their history
    let debrief = format!("/attempts/{id}/debrief");
    let own = owner.get(app.url(&debrief)).send().await.unwrap();
    assert_eq!(own.status(), StatusCode::OK);
    assert!(own.text().await.unwrap().contains("PRIVATE-FEEDBACK"));
    let link = format!("href=\"{debrief}\"");
    assert!(page_text(&app, &owner, "/history").await.contains(&link));
    // another candidate: the debrief is a 404 like an id that does not exist, the review pages
    // are refused, and their history does not list the attempt
    let (other, _) = app.signed_in(Role::Candidate).await;
    let r = other.get(app.url(&debrief)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let missing = other
        .get(app.url("/attempts/999999/debrief"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        r.text().await.unwrap(),
        missing.text().await.unwrap(),
        "the same 404 as a missing attempt"
    );
    for path in [format!("/reviews/{id}"), "/reviews".to_string()] {
        let r = other.get(app.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
        assert!(!r.text().await.unwrap().contains("PRIVATE-FEEDBACK"));
    }
    let history = other.get(app.url("/history")).send().await.unwrap();
    assert_eq!(history.status(), StatusCode::OK);
    let history = history.text().await.unwrap();
    assert!(
        !history.contains(&format!("/attempts/{id}")),
        "not in their history"
    );
    assert!(!history.contains("PRIVATE-FEEDBACK"));
}

/// Issue 13 point 13: calibration names the gauntlet and the round, shows where reviewers
/// disagree on the trap flag, warns about a small sample and gives each interviewer's n.
#[tokio::test]
async fn calibration_shows_agreement_names_trap_disagreement_and_the_sample_size() {
    let app = TestApp::spawn().await;
    let (_, _, id) = requested_attempt(&app).await;
    let (x, _) = app.signed_in(Role::Interviewer).await;
    let (y, _) = app.signed_in(Role::Interviewer).await;
    assert!(
        page_text(&app, &x, "/calibration")
            .await
            .contains("Nothing to compare yet")
    );
    for (who, levels, trap) in [
        (&x, ["3", "2", "3", "3", "2"], true),
        (&y, ["3", "3", "3", "1", "2"], false),
    ] {
        claim(&app, who, id).await;
        let mut fields = rubric(levels, "ready", "");
        if trap {
            fields.push(("trap_2".into(), "on".into()));
        }
        send(&app, who, &format!("/reviews/{id}/submit"), &fields).await;
    }
    let html = page_text(&app, &x, "/calibration").await;
    assert!(html.contains("exact agreement (5 pairs)"));
    assert!(html.contains("60%"), "3 of 5 rounds agree");
    assert!(
        html.contains("Multi-Region Kubernetes Deployment"),
        "the gauntlet is named"
    );
    assert!(html.contains("2 · The Probe"), "the round is named");
    assert!(html.contains("<span class=\"stat-number\">1</span><span class=\"stat-label\">rounds where reviewers disagree on the trap flag"));
    assert!(html.contains("flagged by Test Interviewer; not by Test Interviewer"));
    assert!(html.contains("Small sample:") && html.contains("from 5 pairs of grades"));
    assert!(html.contains("n (shared rounds)"));
    assert!(
        html.matches("<td data-label=\"n\">5</td><td data-label=\"Pairs\">5 <span class=\"badge badge-amber\">small sample</span>")
            .count()
            == 2,
        "each interviewer's n and pairs"
    );
}

/// Row T105: calibration is for interviewers and admins, never names the candidate, and
/// escapes the names it shows.
#[tokio::test]
async fn t105_calibration_is_for_interviewers_never_names_the_candidate_and_escapes_names() {
    let app = TestApp::spawn().await;
    let (candidate, _, id) = requested_attempt(&app).await;
    let (x, _) = app.signed_in(Role::Interviewer).await;
    let (y, _) = app.signed_in(Role::Interviewer).await;
    sqlx::query(
        "update users set display_name = '<b>Bo</b>' where id = (select max(id) from users)",
    )
    .execute(app.pool())
    .await
    .unwrap();
    for who in [&x, &y] {
        claim(&app, who, id).await;
        send(
            &app,
            who,
            &format!("/reviews/{id}/submit"),
            &rubric(["3", "3", "3", "3", "3"], "ready", ""),
        )
        .await;
    }
    let html = page_text(&app, &x, "/calibration").await;
    assert!(html.contains("&#60;b&#62;Bo"), "the name is shown, escaped");
    assert!(!html.contains("<b>Bo</b>"));
    assert!(
        !html.contains("Test Candidate"),
        "the candidate is not named"
    );
    assert_eq!(
        candidate
            .get(app.url("/calibration"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn the_interviewer_kit_shows_every_prompt_with_its_guidance() {
    let app = TestApp::spawn().await;
    let (x, _) = app.signed_in(Role::Interviewer).await;
    let kit = page_text(&app, &x, "/gauntlets/multi-region-kubernetes/kit").await;
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
        f.push(("comment_1".into(), "Clear, but \"why\" us-east-1?".into()));
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
    assert!(
        lines[1].ends_with(",\"Clear, but \"\"why\"\" us-east-1?\""),
        "the round's comment is the last cell, quoted: {}",
        lines[1]
    );
    assert!(
        lines[3].ends_with(','),
        "round 2 has no comment: {}",
        lines[3]
    );
    let (before_comment, _) = lines[1].rsplit_once(",\"Clear").unwrap();
    let first: Vec<&str> = before_comment.split(',').collect();
    assert_eq!(first.len(), gauntlet::export::COLUMNS.len() - 1);
    assert_eq!(first[0], id.to_string());
    assert_eq!(first[7], "1");
    assert_eq!(first[9], "final");
    assert_eq!(first[12], "2", "weak answer 2 flagged");
    assert_eq!(first[16], "3", "self level beside the reviewer's");
    assert_eq!(first[17], "ready", "the recommendation");
    assert!(
        first[5].ends_with('Z') && first[5].contains('T') && first[5].len() == 20,
        "ISO 8601 UTC: {}",
        first[5]
    );
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
    assert_eq!(
        json[0]["weak_answers"],
        serde_json::json!([2]),
        "typed, not a string"
    );
    assert_eq!(json[0]["level"], 3);
    assert_eq!(json[0]["recommendation"], "ready");
    assert_eq!(json[0]["round_comment"], "Clear, but \"why\" us-east-1?");
    assert_eq!(json[2]["round_comment"], "", "round 2 has none");
    assert!(json[0]["submitted_at"].as_str().unwrap().ends_with('Z'));
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
    page_text(&app, &x, &path).await; // shows (and so clears) the claim's flash message
    let first = page_text(&app, &x, &path).await;
    assert!(
        first == page_text(&app, &x, &path).await,
        "an unchanged page"
    );
    assert!(first.contains("Test Candidate"));
    // another reader has their own page: not claimed, no draft
    let other = page_text(&app, &y, &path).await;
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
            !page_text(&app, &x, &path).await.contains(shown),
            "{shown} before"
        );
        sqlx::query(sql).execute(&mut outside).await.unwrap();
        assert!(
            page_text(&app, &x, &path).await.contains(shown),
            "{shown} after: {sql}"
        );
    }
    sqlx::query("delete from review_comments")
        .execute(&mut outside)
        .await
        .unwrap();
    assert!(
        !page_text(&app, &x, &path)
            .await
            .contains("COMMENT-FROM-OUTSIDE")
    );
    // a withdrawn request is 404 at once, whatever was rendered before
    sqlx::query("update attempts set review_requested_at = null where id = ?")
        .bind(id)
        .execute(&mut outside)
        .await
        .unwrap();
    let gone = x.get(app.url(&path)).send().await.unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
}

/// The review page goes out as pieces (the kept body and its round blocks by reference, see
/// `gauntlet::pieces`): the response still declares its whole length, carries the page's
/// headers, and has every round's block once and no slot marker, kept or rendered afresh; and
/// it stays inside its size budget.
#[tokio::test]
async fn the_review_page_is_sent_whole_with_its_length_declared_and_under_64_kb() {
    let app = TestApp::spawn().await;
    let (_, _, id) = requested_attempt(&app).await;
    let (x, _) = app.signed_in(Role::Interviewer).await;
    claim(&app, &x, id).await;
    let path = format!("/reviews/{id}");
    for view in ["first", "kept", "edit"] {
        let url = if view == "edit" {
            app.url(&format!("{path}?edit=1"))
        } else {
            app.url(&path)
        };
        let resp = x.get(url).send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{view}");
        let headers = resp.headers().clone();
        assert_eq!(
            headers["content-type"], "text/html; charset=utf-8",
            "{view}"
        );
        assert!(headers.contains_key("content-security-policy"), "{view}");
        let declared: usize = headers["content-length"].to_str().unwrap().parse().unwrap();
        let body = resp.text().await.unwrap();
        assert_eq!(declared, body.len(), "{view}");
        assert!(body.starts_with("<!doctype html>"), "{view}");
        assert!(body.trim_end().ends_with("</html>"), "{view}");
        assert_eq!(body.matches("data-round-card=").count(), 5, "{view}");
        assert_eq!(body.matches(gauntlet::pieces::SLOT).count(), 0, "{view}");
        // the size budget (docs/performance.md, eighth session): a page over 64 KB leaves
        // loopback TCP as two segments; a five-round attempt with short answers stays under
        assert!(body.len() < 64 * 1024, "{view}: {} bytes", body.len());
    }
}

/// Issue 13 point 14: once every claimed review is submitted the attempt moves from "Waiting
/// for review" to "Reviewed" (no primary Claim button), and the weak-answer flags name the
/// weak answer they stand for.
#[tokio::test]
async fn a_fully_reviewed_attempt_leaves_waiting_and_weak_flags_show_their_text() {
    let app = TestApp::spawn().await;
    let (_, _, id) = requested_attempt(&app).await;
    let (x, _) = app.signed_in(Role::Interviewer).await;
    let (y, _) = app.signed_in(Role::Interviewer).await;
    let waiting_part = |html: &str| {
        let start = html.find("id=\"waiting-h\"").expect("a waiting section");
        let end = html.find("id=\"reviewed-h\"").unwrap_or(html.len());
        html[start..end].to_string()
    };
    let link = format!("/reviews/{id}\"");
    assert!(waiting_part(&page_text(&app, &y, "/reviews").await).contains(&link));

    claim(&app, &x, id).await;
    let review = page_text(&app, &x, &format!("/reviews/{id}")).await;
    assert!(
        review.contains("Resembles weak answer 1: &#34;Run one big cluster across regions.&#34;")
            || review.contains("Resembles weak answer 1: \"Run one big cluster across regions.\""),
        "the weak answer's short text is shown"
    );
    assert!(review.contains("Resembles weak answer 3: No mention of the data layer"));
    send(
        &app,
        &x,
        &format!("/reviews/{id}/submit"),
        &rubric(["3", "3", "3", "3", "3"], "ready", "done"),
    )
    .await;
    let queue = page_text(&app, &y, "/reviews").await;
    assert!(
        !waiting_part(&queue).contains(&link),
        "a fully reviewed attempt is not waiting"
    );
    let reviewed = &queue[queue.find("id=\"reviewed-h\"").expect("a reviewed section")..];
    assert!(reviewed.contains(&link) && reviewed.contains("Add a review"));
    assert!(!reviewed.contains(">Claim<"), "no primary Claim for it");
    let unclaimed = page_text(&app, &y, "/reviews?show=unclaimed").await;
    assert!(!unclaimed.contains(&link));

    // a second claim in progress puts it back under waiting until that one is submitted too
    claim(&app, &y, id).await;
    assert!(waiting_part(&page_text(&app, &y, "/reviews").await).contains(&link));
}

#[tokio::test]
async fn an_ordinary_attempt_replays_each_answer_through_its_saved_texts_with_pauses_marked() {
    let app = TestApp::spawn().await;
    let (candidate, _) = app.signed_in(Role::Candidate).await;
    let id = start(&app, &candidate, "interview").await;
    page_text(&app, &candidate, &format!("/attempts/{id}")).await;
    let drafts = [
        "First draft.",
        "First draft, second thought.",
        "First draft, second thought, third.",
    ];
    for (base, body) in drafts.iter().enumerate() {
        let token = csrf(&app, &candidate, "/").await;
        let r = candidate
            .post(app.url(&format!("/attempts/{id}/steps/1/main/save")))
            .header("x-csrf-token", token)
            .header("accept", "application/json")
            .form(&[("body", *body), ("base_version", &base.to_string())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{body}");
    }
    let r = submit(&app, &candidate, id, 1, "main", "The final text.", 3).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for round in 2..=5 {
        let r = submit(&app, &candidate, id, round, "main", "Short.", 0).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        if round == 2 {
            let r = submit(&app, &candidate, id, 2, "follow_up", "Short.", 0).await;
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
    // ten minutes passed between the first and the second draft
    sqlx::query("update answer_revisions set saved_at = saved_at - 600 where body = ?")
        .bind(drafts[0])
        .execute(app.writer())
        .await
        .unwrap();
    let (interviewer, _) = app.signed_in(Role::Interviewer).await;
    let html = page_text(&app, &interviewer, &format!("/reviews/{id}")).await;
    let replay = &html[html.find("data-replay>").expect("a replay on round 1")..];
    let replay = &replay[..replay.find("</details>").unwrap()];
    let at = |text: &str| {
        replay
            .find(&format!(">{text}</div>"))
            .unwrap_or_else(|| panic!("{text:?} in the replay"))
    };
    assert!(at(drafts[0]) < at(drafts[1]) && at(drafts[1]) < at(drafts[2]));
    assert!(at(drafts[2]) < at("The final text."));
    assert!(replay.contains("4 saved texts"), "{replay}");
    assert!(replay.contains("paused 10 min"), "the pause is marked");
    assert_eq!(
        html.matches("data-replay>").count(),
        1,
        "answers saved once have nothing to replay"
    );
}

/// Issue 13, points 2–5: what the candidate reads once reviews arrive.
#[tokio::test]
async fn the_candidate_reads_every_reviewers_notes_and_levels_and_the_self_assessment_locks() {
    let app = TestApp::spawn().await;
    let (candidate, _, id) = requested_attempt(&app).await;
    post_form(
        &app,
        &candidate,
        &format!("/attempts/{id}/debrief"),
        &format!("/attempts/{id}/self-assessment"),
        &[("level_1", "3"), ("level_2", "3")],
    )
    .await;
    let (x, _) = app.signed_in(Role::Interviewer).await;
    let (y, _) = app.signed_in(Role::Interviewer).await;
    claim(&app, &x, id).await;
    claim(&app, &y, id).await;
    let debrief = page_text(&app, &candidate, &format!("/attempts/{id}/debrief")).await;
    assert!(
        debrief.contains("2 interviewers are reviewing this attempt"),
        "{debrief}"
    );
    let mut f = rubric(["3", "2", "3", "3", "2"], "ready", "Clear on routing.");
    f.push(("comment_1".into(), "ROUND-ONE-NOTE for you".into()));
    f.push(("private_1".into(), "PRIVATE-NOTE ask about TTLs".into()));
    f.push(("trap_2".into(), "on".into()));
    let r = send(&app, &x, &format!("/reviews/{id}/submit"), &f).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // one of two in: the state says so, home announces it until the debrief is opened
    let history = page_text(&app, &candidate, "/history").await;
    assert!(history.contains("Reviewed (1 of 2)") && history.contains("new feedback"));
    let home = page_text(&app, &candidate, "/").await;
    assert!(
        home.contains("New feedback on Multi-Region Kubernetes"),
        "{home}"
    );
    let debrief = page_text(&app, &candidate, &format!("/attempts/{id}/debrief")).await;
    assert!(debrief.contains("1 of 2 claimed reviews submitted"));
    assert!(!debrief.contains("An interviewer is reviewing"));
    assert!(debrief.contains("Reviewer&#39;s note") || debrief.contains("Reviewer's note"));
    assert!(debrief.contains("ROUND-ONE-NOTE for you"));
    assert!(
        debrief.contains("fell into the trap"),
        "the trap flag of round 2"
    );
    assert!(
        !debrief.contains("PRIVATE-NOTE"),
        "private notes stay private"
    );
    let home = page_text(&app, &candidate, "/").await;
    assert!(!home.contains("New feedback on"), "opened: no longer new");

    // the second review: self vs each reviewer and vs the median
    let r = send(
        &app,
        &y,
        &format!("/reviews/{id}/submit"),
        &rubric(["2", "2", "2", "2", "2"], "almost", ""),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        page_text(&app, &candidate, "/")
            .await
            .contains("New feedback on")
    );
    let debrief = page_text(&app, &candidate, &format!("/attempts/{id}/debrief")).await;
    assert!(debrief.contains("2 reviews in."), "{debrief}");
    // round 1: self 3, reviewers 3 and 2, median 2.5
    let round1 = debrief
        .split("<th scope=\"row\" role=\"rowheader\"><a href=\"#round-1\">")
        .nth(1)
        .and_then(|s| s.split("</tr>").next())
        .unwrap();
    assert!(
        round1.contains("(same)") && round1.contains("(you 1 higher)"),
        "{round1}"
    );
    assert!(
        round1.contains("2.5") && round1.contains("you 0.5 higher"),
        "{round1}"
    );
    assert!(!history.contains("Review requested"));
    assert!(
        page_text(&app, &candidate, "/history")
            .await
            .contains(">Reviewed<")
    );

    // the self-assessment is locked now: the form is gone and a post changes nothing
    assert!(!debrief.contains("id=\"self-assessment-form\"") && debrief.contains("Locked"));
    let before = crate::common::db_fingerprint(&app).await;
    let r = post_form(
        &app,
        &candidate,
        &format!("/attempts/{id}/debrief"),
        &format!("/attempts/{id}/self-assessment"),
        &[("level_1", "1")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(before, crate::common::db_fingerprint(&app).await);

    // the other interviewer reads the private note, the candidate never does
    let review = page_text(&app, &y, &format!("/reviews/{id}")).await;
    assert!(review.contains("PRIVATE-NOTE ask about TTLs"));
    let export = page_text(&app, &candidate, "/account/export.json").await;
    assert!(!export.contains("PRIVATE-NOTE"));
}

/// T100: a reviewer's private note reaches other interviewers only — never the candidate's
/// debrief, their personal export, another candidate, or the grading export.
#[tokio::test]
async fn t100_private_notes_never_reach_the_candidate_or_any_export() {
    let app = TestApp::spawn().await;
    let (candidate, _, id) = requested_attempt(&app).await;
    let (x, _) = app.signed_in(Role::Interviewer).await;
    claim(&app, &x, id).await;
    let mut f = rubric(["3", "2", "3", "3", "2"], "ready", "SUMMARY-FOR-ALL");
    f.push(("comment_1".into(), "NOTE-FOR-CANDIDATE".into()));
    f.push(("private_1".into(), "PRIVATE-<b>x</b>-NOTE".into()));
    let r = send(&app, &x, &format!("/reviews/{id}/submit"), &f).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let debrief = page_text(&app, &candidate, &format!("/attempts/{id}/debrief")).await;
    assert!(debrief.contains("NOTE-FOR-CANDIDATE") && debrief.contains("SUMMARY-FOR-ALL"));
    let export = page_text(&app, &candidate, "/account/export.json").await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let grades = page_text(&app, &admin, "/admin/export?format=json").await;
    let grades_csv = page_text(&app, &admin, "/admin/export?format=csv").await;
    for (what, text) in [
        ("debrief", &debrief),
        ("personal export", &export),
        ("grading export", &grades),
        ("grading csv", &grades_csv),
    ] {
        assert!(!text.contains("PRIVATE-"), "{what} shows the private note");
    }
    assert!(
        grades.contains("NOTE-FOR-CANDIDATE") && grades_csv.contains("NOTE-FOR-CANDIDATE"),
        "the grading export carries the round's comment the candidate reads"
    );
    // another candidate cannot open the debrief at all
    let (other, _) = app.signed_in(Role::Candidate).await;
    let r = other
        .get(app.url(&format!("/attempts/{id}/debrief")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // a second interviewer reads it, escaped
    let (y, _) = app.signed_in(Role::Interviewer).await;
    claim(&app, &y, id).await;
    let r = send(
        &app,
        &y,
        &format!("/reviews/{id}/submit"),
        &rubric(["2", "2", "2", "2", "2"], "almost", ""),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let review = page_text(&app, &y, &format!("/reviews/{id}")).await;
    assert!(
        review.contains("PRIVATE-&#60;b&#62;x&#60;/b&#62;-NOTE"),
        "{review}"
    );
    assert!(!review.contains("PRIVATE-<b>"));
}

/// T101: once a review is submitted the self-assessment cannot change — not by the form (gone)
/// nor by a hand-made post — so the comparison with the reviewers stays honest.
#[tokio::test]
async fn t101_the_self_assessment_is_locked_on_the_server_once_a_review_is_in() {
    let app = TestApp::spawn().await;
    let (candidate, _, id) = requested_attempt(&app).await;
    let path = format!("/attempts/{id}/self-assessment");
    let debrief = format!("/attempts/{id}/debrief");
    let r = post_form(&app, &candidate, &debrief, &path, &[("level_1", "3")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "open before any review");
    let (x, _) = app.signed_in(Role::Interviewer).await;
    claim(&app, &x, id).await;
    // a claimed draft shows nothing to the candidate, so the self-assessment stays open
    let r = post_form(&app, &candidate, &debrief, &path, &[("level_1", "2")]).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "open while only a draft exists"
    );
    let r = send(
        &app,
        &x,
        &format!("/reviews/{id}/submit"),
        &rubric(["3", "2", "3", "3", "2"], "ready", ""),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // (opening the debrief marks the new review as read: done before the fingerprint)
    page_text(&app, &candidate, &debrief).await;
    let before = crate::common::db_fingerprint(&app).await;
    for form in [
        vec![("level_1", "4")],
        vec![("level_1", "2"), ("note_1", "changed")],
        vec![("level_2", "1")],
    ] {
        let r = post_form(&app, &candidate, &debrief, &path, &form).await;
        assert_eq!(r.status(), StatusCode::CONFLICT, "{form:?}");
    }
    assert_eq!(before, crate::common::db_fingerprint(&app).await);
    let level: i64 = sqlx::query_scalar(
        "select level from self_assessments where attempt_id = ? and round_number = 1",
    )
    .bind(id)
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(level, 2);
    let html = page_text(&app, &candidate, &debrief).await;
    assert!(!html.contains("id=\"self-assessment-form\"") && html.contains("Locked"));
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
    let html = page_text(&app, &x, &format!("/reviews/{id}")).await;

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
