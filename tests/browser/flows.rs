//! Candidate and interviewer steps the area modules share: starting and answering the seed
//! gauntlet, autosave status, stored answers and reviews, and key presses.

use std::time::{Duration, Instant};

use fantoccini::{Locator, wd::WindowHandle};

use crate::browser::Browser;
use crate::common::TestApp;
use crate::{sign_in, sign_out};

pub(crate) async fn start_seed(b: &Browser, app: &TestApp) -> String {
    b.goto(&app.url("/gauntlets/multi-region-kubernetes")).await;
    b.click(".start-panel button[type=submit]").await;
    b.wait_for_text("Round 1 of 5").await;
    b.path().await
}

pub(crate) async fn stored_body(app: &TestApp, round: u32, part: &str) -> String {
    sqlx::query_scalar(
        "select body from answers where round_number = ? and part = ? order by id desc limit 1",
    )
    .bind(round)
    .bind(part)
    .fetch_one(app.pool())
    .await
    .unwrap()
}

pub(crate) async fn wait_status(b: &Browser, text: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        // while a form post navigates, the element may briefly not exist: keep looking
        let s = match b.client.find(Locator::Css("[data-status]")).await {
            Ok(el) => el.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        if s.contains(text) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "status never showed {text:?}, last {s:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The six steps of the seed gauntlet: the round each is in (round 2 has the follow-up).
const SEED_STEPS: [u32; 6] = [1, 2, 2, 3, 4, 5];

/// Answers the six steps of the seed gauntlet with `texts`, submitting each; ends on the debrief.
pub(crate) async fn answer_seed(b: &Browser, texts: [&str; 6]) {
    for (i, (round, text)) in SEED_STEPS.iter().zip(texts).enumerate() {
        if i == 2 {
            b.wait_for_text("The interviewer follows up").await;
        } else {
            b.wait_for_text(&format!("Round {round} of 5")).await;
        }
        b.fill("#answer", text).await;
        b.click(".answer-actions button.primary").await;
    }
    b.wait_for_text("Debrief").await;
}

pub(crate) async fn answer_whole_seed(b: &Browser, app: &TestApp) {
    answer_seed(
        b,
        [
            "A Kubernetes cluster per region, Route 53 latency routing, a primary database in us-east-1 with regional read replicas.",
            "Promote the Aurora Global Database secondary; RPO under a second, RTO a few minutes including DNS TTL.",
            "Typically 50 to 200 ms, but I'd measure it under our own write load.",
            "Drop the replicas, put Redis in each region with a short TTL, daily backups; tell the business the RTO and RPO get worse.",
            "EU users get an EU primary and a geo-router; I'd involve legal counsel to confirm the requirement.",
            "Not worth it for a small team or one geography; multi-AZ gives 99.95%.",
        ],
    )
    .await;
    let html = b.html().await;
    assert!(
        html.contains("Key points")
            && html.contains("Trap Alert")
            && html.contains("Self-assessment")
    );
    assert_eq!(
        stored_body(app, 2, "follow_up").await,
        "Typically 50 to 200 ms, but I'd measure it under our own write load."
    );
    let finished: Option<i64> = sqlx::query_scalar("select finished_at from attempts")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert!(finished.is_some());
}

pub(crate) async fn press(b: &Browser, keys: &str) {
    b.client
        .active_element()
        .await
        .unwrap()
        .send_keys(keys)
        .await
        .unwrap();
}

/// The levels stored for the one review of the test, by round.
pub(crate) async fn review_levels(app: &TestApp) -> Vec<i64> {
    sqlx::query_scalar("select level from review_rounds order by round_number")
        .fetch_all(app.pool())
        .await
        .unwrap()
}

/// A candidate who answered the whole seed through this browser and asked for a review; the
/// browser is signed out afterwards. Returns the attempt id.
pub(crate) async fn requested_seed(b: &Browser, app: &TestApp, candidate: &str) -> String {
    sign_in(b, app, candidate).await;
    let attempt = start_seed(b, app).await;
    answer_whole_seed(b, app).await;
    b.click("form[action$='/review'] button[type=submit]").await;
    b.wait_for_text("Review requested").await;
    sign_out(b).await;
    attempt.trim_start_matches("/attempts/").to_string()
}

/// Opens `attempt` in a second tab of the same browser and switches to it at round 1. Returns
/// (the first tab, the second).
pub(crate) async fn second_tab(
    b: &Browser,
    app: &TestApp,
    attempt: &str,
) -> (WindowHandle, WindowHandle) {
    let first = b.client.window().await.unwrap();
    let second = b.client.new_window(true).await.unwrap().handle;
    b.client.switch_to_window(second.clone()).await.unwrap();
    b.goto(&app.url(attempt)).await;
    b.wait_for_text("Round 1 of 5").await;
    (first, second)
}

/// On the debrief: rates round 1 at level 3, saves the self-assessment and asks for a review.
pub(crate) async fn self_assess_and_request_review(b: &Browser) {
    b.click("input[name=level_1][value='3']").await;
    b.click("#self-assessment-form button[type=submit]").await;
    b.wait_for_text("Self-assessment saved").await;
    b.click("form[action$='/review'] button[type=submit]").await;
    b.wait_for_text("Review requested").await;
}

/// Claims attempt `id` for review as the signed-in interviewer and waits for the rubric.
pub(crate) async fn claim_review(b: &Browser, app: &TestApp, id: &str) {
    b.goto(&app.url(&format!("/reviews/{id}"))).await;
    b.client
        .execute(
            "document.querySelector(\"form[action$='/claim'] button\").click(); return true",
            vec![],
        )
        .await
        .unwrap();
    b.wait_for_text("Level for round 1").await;
}
