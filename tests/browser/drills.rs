//! Retrying a round and drilling a trap from home, with the keyboard (JavaScript) and with
//! the buttons (without).

use gauntlet::auth::Role;

use crate::checks::check_page_widths;
use crate::flows::{answer_seed, press, start_seed};
use crate::{https_app, https_browser, sign_in};

/// A candidate who fell into round 2's trap retries the round, compares, then drills the trap
/// from home: reveal with Space and rate with 3 (JavaScript), or with the buttons (without).
async fn drill_flow(javascript: bool) {
    let app = https_app().await;
    let email = app.create_user(Role::Candidate).await;
    let b = https_browser(javascript).await;
    let mut report = Vec::new();
    sign_in(&b, &app, &email).await;
    start_seed(&b, &app).await;
    answer_seed(
        &b,
        [
            "One cluster per region.",
            "Aurora promotes the replica with zero data loss.",
            "Small.",
            "Cut the replicas.",
            "Keep EU data in the EU.",
            "When the team is small.",
        ],
    )
    .await;
    b.click("input[name=level_2][value='1']").await;
    b.click("#self-assessment-form button[type=submit]").await;
    b.wait_for_text("Self-assessment saved").await;

    // try round 2 again and compare
    b.click("form[action$='/rounds/2/retry'] button[type=submit]")
        .await;
    b.wait_for_text("Round 2 of 5").await;
    b.fill(
        "#answer",
        "Aurora Global Database: RPO under a second, RTO a few minutes; I'd measure the lag.",
    )
    .await;
    b.click(".answer-actions button.primary").await;
    b.wait_for_text("The interviewer follows up").await;
    b.fill("#answer", "50 to 200 ms, measured under our load.")
        .await;
    b.click(".answer-actions button.primary").await;
    b.wait_for_text("This try").await;
    let html = b.html().await;
    assert!(html.contains("zero data loss") && html.contains("First answer"));
    check_page_widths(&b, "compare", javascript, &mut report).await;

    // home → the due drill
    b.goto(&app.url("/")).await;
    b.wait_for_text("drill due today").await;
    check_page_widths(&b, "home", javascript, &mut report).await;
    b.click(".drills-home a.button.primary").await;
    b.wait_for_text("Your answer").await;
    assert!(
        !b.html().await.contains("bluffs here"),
        "nothing revealed yet"
    );
    check_page_widths(&b, "drill", javascript, &mut report).await;
    b.fill(
        "#drill-answer",
        "I would not promise zero data loss; replication is asynchronous.",
    )
    .await;
    if javascript {
        b.client
            .execute("document.activeElement.blur()", vec![])
            .await
            .unwrap();
        press(&b, " ").await;
    } else {
        b.click("[data-reveal]").await;
    }
    b.wait_for_text("How did it go?").await;
    let html = b.html().await;
    assert!(html.contains("bluffs here") && html.contains("3 · Good"));
    check_page_widths(&b, "reveal", javascript, &mut report).await;
    if javascript {
        press(&b, "3").await;
    } else {
        b.click("button[data-rate='3']").await;
    }
    b.wait_for_text("Good: next due").await;
    let rated: Vec<i64> = sqlx::query_scalar("select rating from drill_reviews")
        .fetch_all(app.pool())
        .await
        .unwrap();
    assert_eq!(rated, [3]);
    check_page_widths(&b, "drills", javascript, &mut report).await;
    b.goto(&app.url("/history")).await;
    b.wait_for_text("Drills done").await;
    check_page_widths(&b, "history", javascript, &mut report).await;
    b.close().await;
    assert!(report.is_empty(), "problems:\n{}", report.join("\n"));
}

#[tokio::test]
async fn a_candidate_retries_a_round_and_drills_a_trap_with_the_keyboard() {
    drill_flow(true).await;
}

#[tokio::test]
async fn the_drill_flow_works_without_javascript() {
    drill_flow(false).await;
}
