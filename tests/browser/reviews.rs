//! Reviews in the browser: an interviewer grading with the keyboard, the scorecard bar and
//! its shortcuts (issue 13 point 11), and what a candidate reads of two reviews on the debrief,
//! history and home at desktop and phone width; the review page without JavaScript.

use gauntlet::auth::Role;

use crate::browser::Browser;
use crate::checks::in_view;
use crate::common::TestApp;
use crate::flows::{
    answer_whole_seed, claim_review, press, requested_seed, review_levels,
    self_assess_and_request_review, start_seed,
};
use crate::{https_app, https_browser, js, sign_in, sign_out, wait_until};

#[tokio::test]
async fn an_interviewer_grades_with_the_keyboard_and_the_candidate_reads_the_result() {
    let app = https_app().await;
    let candidate = app.create_user(Role::Candidate).await;
    let interviewer = app.create_user(Role::Interviewer).await;
    let b = https_browser(true).await;

    // the candidate answers the seed, self-assesses round 1 as 4, and asks for a review
    sign_in(&b, &app, &candidate).await;
    start_seed(&b, &app).await;
    answer_whole_seed(&b, &app).await;
    b.click("input[name=level_1][value='4']").await;
    b.click("#self-assessment-form button[type=submit]").await;
    b.wait_for_text("Self-assessment saved").await;
    b.click("form[action$='/review'] button[type=submit]").await;
    b.wait_for_text("Review requested").await;
    let debrief = b.path().await;
    sign_out(&b).await;

    // the interviewer works from the queue without the mouse: Tab to the claim button, Enter
    sign_in(&b, &app, &interviewer).await;
    b.goto(&app.url("/reviews")).await;
    b.wait_for_text("Claim").await;
    b.client
        .execute(
            "document.querySelector(\"form[action$='/claim'] button\").focus()",
            vec![],
        )
        .await
        .unwrap();
    press(&b, "\u{E007}").await; // Enter
    b.wait_for_text("Level for round 1").await;
    // focus the first round card, then j/k and 1–4 grade every round
    b.client
        .execute(
            "document.querySelector('[data-round-card]').focus()",
            vec![],
        )
        .await
        .unwrap();
    for (i, level) in ["2", "3", "3", "2", "3"].iter().enumerate() {
        press(&b, level).await;
        if i < 4 {
            press(&b, "j").await;
        }
    }
    // c opens the comment form of the current round (5); the words are typed, not clicked
    press(&b, "k").await;
    press(&b, "k").await;
    press(&b, "k").await;
    press(&b, "k").await; // back on round 1
    press(&b, "c").await;
    press(&b, "Route 53 latency routing").await;
    press(&b, "\t").await;
    press(&b, "Good: you named the routing layer.").await;
    press(&b, "\t").await;
    press(&b, "\u{E007}").await;
    b.wait_for_text("Comment added").await;
    // the overall verdict and submit, still by keyboard
    b.client
        .execute(
            "document.querySelector('input[name=recommendation][value=almost]').focus()",
            vec![],
        )
        .await
        .unwrap();
    press(&b, " ").await;
    b.client
        .execute(
            "document.querySelector('#rubric button.primary').focus()",
            vec![],
        )
        .await
        .unwrap();
    press(&b, "\u{E007}").await;
    b.wait_for_text("Review submitted").await;
    let levels = review_levels(&app).await;
    assert_eq!(levels, vec![2, 3, 3, 2, 3]);
    sign_out(&b).await;

    // the candidate sees the highlighted comment and the gap to their self-assessment
    sign_in(&b, &app, &candidate).await;
    b.goto(&app.url(&debrief)).await;
    b.wait_for_text("Reviews (1)").await;
    let html = b.html().await;
    assert!(html.contains("Good: you named the routing layer."));
    let marked = b
        .client
        .execute(
            "return Array.from(document.querySelectorAll('mark.hl-comment')).map(m => m.textContent).join('')",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(marked.as_str(), Some("Route 53 latency routing"));
    // self 4 against the one reviewer's 2 on round 1, per reviewer and against the median
    let row = b.text(".gap-table tbody tr").await;
    let row = row.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        row.contains("2 (you 2 higher)") && row.ends_with("you 2 higher"),
        "{row}"
    );
    b.close().await;
}

#[tokio::test]
async fn the_scorecard_shows_each_keys_effect_and_the_comment_form_opens_beside_the_selection() {
    let app = https_app().await;
    let candidate = app.create_user(Role::Candidate).await;
    let interviewer = app.create_user(Role::Interviewer).await;
    let b = https_browser(true).await;
    let id = requested_seed(&b, &app, &candidate).await;

    sign_in(&b, &app, &interviewer).await;
    claim_review(&b, &app, &id).await;
    assert!(
        in_view(&b, "[data-scorecard]").await,
        "the bar is in the window"
    );
    js(&b, "document.querySelector('[data-round-card]').focus()").await;
    press(&b, "j").await;
    press(&b, "3").await;
    press(&b, "t").await;
    assert_eq!(b.text("[data-sc-round]").await, "Round 2 of 5");
    assert_eq!(b.text("[data-sc-level]").await, "Level: 3 Strong");
    assert_eq!(b.text("[data-sc-trap]").await, "Trap: fell into it");
    wait_until("the draft to be saved", || async {
        b.text("[data-review-status-bar]")
            .await
            .starts_with("Draft saved")
    })
    .await;
    assert!(
        in_view(&b, "[data-scorecard]").await,
        "the save status is in the window"
    );
    let trap_stored: i64 =
        sqlx::query_scalar("select fell_into_trap from review_rounds where round_number = 2")
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(trap_stored, 1);
    for level in ["2", "2", "3"] {
        press(&b, "j").await;
        press(&b, level).await;
    }
    press(&b, "k").await;
    assert_eq!(b.text("[data-sc-round]").await, "Round 4 of 5");
    assert_eq!(b.text("[data-sc-level]").await, "Level: 2 Partial");
    assert_eq!(b.text("[data-sc-trap]").await, "Trap: not flagged");
    for _ in 0..3 {
        press(&b, "k").await;
    }
    press(&b, "2").await;
    assert_eq!(b.text("[data-sc-round]").await, "Round 1 of 5");
    assert_eq!(b.text("[data-sc-trap]").await, "", "round 1 has no trap");

    // r goes to the recommendation (arrow keys choose), m to the summary
    press(&b, "r").await;
    assert_eq!(
        js(&b, "return document.activeElement.name").await.as_str(),
        Some("recommendation")
    );
    press(&b, " ").await;
    assert_eq!(b.text("[data-sc-rec]").await, "Recommendation: Not yet");
    press(&b, "\u{E014}").await; // arrow right
    assert_eq!(b.text("[data-sc-rec]").await, "Recommendation: Almost");
    press(&b, "m").await;
    assert_eq!(
        js(&b, "return document.activeElement.id").await.as_str(),
        Some("summary")
    );
    press(&b, "Clear about failover.").await;

    // selecting words in round 3's answer opens its comment form right below them
    let gap = js(
        &b,
        "const answer = document.querySelector('[data-answer=\"3\"]');
         const walker = document.createTreeWalker(answer, NodeFilter.SHOW_TEXT);
         const node = walker.nextNode();
         const range = document.createRange();
         range.setStart(node, 0);
         range.setEnd(node, 'Drop the replicas'.length);
         const sel = window.getSelection();
         sel.removeAllRanges();
         sel.addRange(range);
         answer.dispatchEvent(new MouseEvent('mouseup', { bubbles: true }));
         const form = answer.closest('[data-round-card]').querySelector('details[data-add-comment]');
         return form.getBoundingClientRect().top - range.getBoundingClientRect().bottom;",
    )
    .await
    .as_f64()
    .unwrap();
    assert!(
        (0.0..=40.0).contains(&gap),
        "the form is {gap} px below the selection"
    );
    assert_eq!(b.value("#quote-3").await, "Drop the replicas");
    assert_eq!(
        js(&b, "return document.activeElement.id").await.as_str(),
        Some("cbody-3")
    );
    press(&b, "Why drop them?").await;
    press(&b, "\u{E007}").await; // Enter in the text area: a new line, not a submit
    press(&b, "\u{E00C}").await; // Escape closes it
    assert_eq!(
        js(
            &b,
            "return document.querySelector('#round-3 details[data-add-comment]').open"
        )
        .await,
        serde_json::Value::Bool(false)
    );

    // Shift+S submits after a confirmation; dismissing it submits nothing
    press(&b, "S").await;
    let asked = b.open_dialog().await.expect("a confirmation");
    assert!(asked.contains("Submit this review?"), "{asked}");
    b.client.dismiss_alert().await.unwrap();
    assert!(b.html().await.contains("badge-amber\">Draft"));
    press(&b, "S").await;
    b.open_dialog().await.expect("a confirmation");
    b.client.accept_alert().await.unwrap();
    b.wait_for_text("Review submitted").await;
    assert_eq!(review_levels(&app).await, vec![2, 3, 2, 2, 3]);
    let summary: String = sqlx::query_scalar("select summary from reviews")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(summary, "Clear about failover.");

    // the submitted review is read-only: its keyboard help lists no grading keys
    press(&b, "?").await;
    let help = b.text("#keys-help").await;
    assert!(
        help.contains("next / previous round") && !help.contains("set the level"),
        "{help}"
    );
    b.shot("review-keys-help-read-only-1280").await;
    b.phone(true).await;
    assert!(!b.overflows().await, "the help fits a phone");
    b.shot("review-keys-help-read-only-390").await;
    b.phone(false).await;

    // edit mode: keys change the page, nothing is saved until Save changes
    b.goto(&app.url(&format!("/reviews/{id}?edit=1"))).await;
    b.wait_for_text("Editing the submitted review").await;
    js(&b, "document.querySelector('[data-round-card]').focus()").await;
    press(&b, "4").await;
    assert_eq!(b.text("[data-sc-level]").await, "Level: 4 Senior signal");
    assert!(
        b.text("[data-review-status-bar]")
            .await
            .contains("when you press Save changes")
    );
    assert_eq!(
        review_levels(&app).await,
        vec![2, 3, 2, 2, 3],
        "not saved yet"
    );
    press(&b, "S").await;
    assert!(
        b.open_dialog()
            .await
            .expect("a confirmation")
            .contains("Save these changes?")
    );
    b.client.accept_alert().await.unwrap();
    b.wait_for_text("Changes saved").await;
    assert_eq!(review_levels(&app).await, vec![4, 3, 2, 2, 3]);
    let audits: i64 = sqlx::query_scalar("select count(*) from review_audit")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(audits, 1);
    b.close().await;
}

/// A submitted review of the candidate's only attempt by a new interviewer, written straight to
/// the database: `levels` per round, `trap` on round 2, a note on round 1 and a private note.
async fn submitted_review(app: &TestApp, name: &str, levels: [i64; 5], trap: bool) {
    let email = format!("{}@team.example", name.to_lowercase().replace(' ', "."));
    let reviewer = app.create_user_with_email(Role::Interviewer, &email).await;
    sqlx::query("update users set display_name = ? where id = ?")
        .bind(name)
        .bind(reviewer)
        .execute(app.writer())
        .await
        .unwrap();
    let attempt: i64 = sqlx::query_scalar("select id from attempts order by id desc limit 1")
        .fetch_one(app.pool())
        .await
        .unwrap();
    let now = gauntlet::clock::now();
    let review: i64 = sqlx::query_scalar(
        "insert into reviews (attempt_id, reviewer_id, recommendation, summary, claimed_at, updated_at, submitted_at)
         values (?, ?, 'almost', 'Good structure.', ?, ?, ?) returning id",
    )
    .bind(attempt)
    .bind(reviewer)
    .bind(now)
    .bind(now)
    .bind(now)
    .fetch_one(app.writer())
    .await
    .unwrap();
    for (i, level) in levels.iter().enumerate() {
        let round = i as i64 + 1;
        sqlx::query(
            "insert into review_rounds (review_id, round_number, level, fell_into_trap, comment, private_note)
             values (?, ?, ?, ?, ?, ?)",
        )
        .bind(review)
        .bind(round)
        .bind(level)
        .bind(trap && round == 2)
        .bind(if round == 1 { format!("{name} says: name the routing layer.") } else { String::new() })
        .bind(format!("PRIVATE from {name}"))
        .execute(app.writer())
        .await
        .unwrap();
    }
}

/// The centres of the dots of the first chart on the history page: (x, class).
async fn chart_dots(b: &Browser) -> Vec<(f64, String)> {
    let v = b
        .client
        .execute(
            "return Array.from(document.querySelector('figure.chart svg').querySelectorAll('circle'))
               .map(c => [c.getAttribute('cx'), c.getAttribute('class')])",
            vec![],
        )
        .await
        .unwrap();
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p[0].as_str().unwrap().parse().unwrap(),
                p[1].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_candidate_reads_two_reviews_on_the_debrief_history_and_home_at_desktop_and_phone_width()
{
    let app = https_app().await;
    let email = app.create_user(Role::Candidate).await;
    let b = https_browser(true).await;
    sign_in(&b, &app, &email).await;
    start_seed(&b, &app).await;
    answer_whole_seed(&b, &app).await;
    self_assess_and_request_review(&b).await;
    let debrief = b.path().await;
    submitted_review(&app, "Ana Reviewer", [3, 2, 3, 3, 2], true).await;
    submitted_review(&app, "Ben Reviewer", [2, 2, 2, 2, 2], false).await;

    // home announces the feedback until it is opened
    b.goto(&app.url("/")).await;
    b.wait_for_text("New feedback on").await;
    b.shot("home-feedback-1280").await;
    b.click(".new-feedback a.button").await;
    b.wait_for_text("Reviews (2)").await;
    assert_eq!(b.path().await, debrief);
    let state = b.text(".reviews-summary > p.muted").await;
    assert_eq!(state, "2 reviews in.");
    let note = b.text("#round-1 .reviewer-notes").await;
    // the label is styled in capitals; what matters is that it is there
    assert!(
        note.to_lowercase().contains("reviewer's note")
            && note.contains("Ana Reviewer says: name the routing layer."),
        "{note}"
    );
    let trap = b.text("#round-2 .reviewer-notes").await;
    assert!(trap.contains("fell into the trap") && trap.contains("avoided the trap"));
    assert!(!b.html().await.contains("PRIVATE from"));
    // cells break lines where the layout wraps them: compare the words
    let row = b.text(".gap-table tbody tr").await;
    let row = row.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        row.contains("Ana Reviewer 3 (same)") && row.contains("Ben Reviewer 2 (you 1 higher)"),
        "{row}"
    );
    assert!(
        row.contains("2.5") && row.contains("you 0.5 higher"),
        "{row}"
    );
    // locked: the radios cannot change and there is no save button
    let disabled = b
        .client
        .execute(
            "return document.querySelector('input[name=level_1][value=\"1\"]').matches(':disabled')",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(disabled.as_bool(), Some(true));
    assert!(b.text("#self-assessment-locked").await.contains("Locked"));
    b.shot("debrief-reviews-1280").await;
    b.phone(true).await;
    b.client.refresh().await.unwrap();
    b.wait_for_text("Reviews (2)").await;
    assert!(!b.overflows().await, "the debrief fits a phone");
    // the comparison table is not wider than its box (no sideways scrolling inside it either)
    let wide = b
        .client
        .execute(
            "const w = document.querySelector('.reviews-summary .table-wrap'); return w.scrollWidth > w.clientWidth",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        wide.as_bool(),
        Some(false),
        "the comparison table scrolls sideways"
    );
    b.shot("debrief-reviews-390").await;
    b.phone(false).await;
    b.goto(&app.url("/")).await;
    b.wait_for_text("Practice").await;
    assert!(
        !b.html().await.contains("New feedback on"),
        "opened: no longer new"
    );

    // history: one column for the one attempt, self and both reviewers stacked in it
    b.goto(&app.url("/history")).await;
    b.wait_for_text("Levels by round").await;
    assert!(b.html().await.contains(">Reviewed<"));
    let dots = chart_dots(&b).await;
    assert_eq!(dots.len(), 3, "self and two reviewers: {dots:?}");
    let xs: Vec<f64> = dots.iter().map(|(x, _)| *x).collect();
    let spread =
        xs.iter().cloned().fold(f64::MIN, f64::max) - xs.iter().cloned().fold(f64::MAX, f64::min);
    assert!(spread < 20.0, "one attempt, one column: {xs:?}");
    let html = b.html().await;
    assert!(html.contains("Attempts, oldest first") && html.contains(">Level</text>"));
    assert!(html.contains("chart-legend") && html.contains("Show the numbers"));
    b.click("figure.chart details summary").await;
    let table = b.text("figure.chart details table").await;
    assert!(table.contains("#1") && table.contains("2, 3"), "{table}");
    b.shot("history-1280").await;
    b.phone(true).await;
    b.client.refresh().await.unwrap();
    b.wait_for_text("Levels by round").await;
    assert!(!b.overflows().await, "history fits a phone");
    b.shot("history-390").await;
    // the account menu lists its items one per line
    b.click(".account-menu summary").await;
    // (one line of text each, stacked: left edges equal, each below the one before)
    let items = b
        .client
        .execute(
            "return Array.from(document.querySelectorAll('.menu .menu-item')).map(e => {
               const r = document.createRange(); r.selectNodeContents(e);
               const lines = new Set(Array.from(r.getClientRects()).map(c => Math.round(c.top))).size;
               const box = e.getBoundingClientRect();
               return [box.left, box.top, lines];
             })",
            vec![],
        )
        .await
        .unwrap();
    let items: Vec<(f64, f64, u64)> = items
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i[0].as_f64().unwrap(),
                i[1].as_f64().unwrap(),
                i[2].as_u64().unwrap(),
            )
        })
        .collect();
    assert!(items.len() >= 3, "{items:?}");
    for pair in items.windows(2) {
        assert!(
            (pair[0].0 - pair[1].0).abs() < 1.0 && pair[1].1 > pair[0].1,
            "menu items side by side: {items:?}"
        );
    }
    assert!(
        items.iter().all(|i| i.2 == 1),
        "a menu item wraps: {items:?}"
    );
    b.shot("menu-390").await;
    b.close().await;
}

/// The review draft's summary as stored.
async fn stored_summary(app: &TestApp) -> String {
    sqlx::query_scalar("select summary from reviews order by id desc limit 1")
        .fetch_one(app.pool())
        .await
        .unwrap()
}

/// Types into a field the way the page sees typing (an input event), without a key press, so
/// the page never gets the user activation that would make leaving it ask first.
async fn type_into(b: &Browser, css: &str, text: &str) {
    js(
        b,
        &format!(
            "const el = document.querySelector({css:?}); el.value += {text:?};
             el.dispatchEvent(new Event('input', {{ bubbles: true }})); return true;"
        ),
    )
    .await;
}

#[tokio::test]
async fn the_review_autosave_retries_after_a_failed_save_and_sends_on_leave() {
    let app = https_app().await;
    let candidate = app.create_user(Role::Candidate).await;
    let interviewer = app.create_user(Role::Interviewer).await;
    let b = https_browser(true).await;
    let id = requested_seed(&b, &app, &candidate).await;
    sign_in(&b, &app, &interviewer).await;
    claim_review(&b, &app, &id).await;
    let status = || async { b.text("[data-review-status-bar]").await };

    // every save fails while the trigger is there: the page says so and keeps trying
    sqlx::query(
        "create trigger saves_fail before update of summary on reviews
         begin select raise(abort, 'saves fail in this test'); end",
    )
    .execute(app.pool())
    .await
    .unwrap();
    type_into(&b, "#summary", "Clear on routing.").await;
    wait_until("the failed save", || async {
        status().await.starts_with("Not saved")
    })
    .await;
    assert_eq!(stored_summary(&app).await, "");
    sqlx::query("drop trigger saves_fail")
        .execute(app.pool())
        .await
        .unwrap();
    wait_until("the retried save", || async {
        status().await.starts_with("Draft saved")
    })
    .await;
    assert_eq!(stored_summary(&app).await, "Clear on routing.");

    // with the page's timers stopped, only leaving the page can send the last change
    js(
        &b,
        "window.setTimeout = function () { return 0; }; return true",
    )
    .await;
    type_into(&b, "#summary", " Sent on leaving.").await;
    assert_eq!(status().await, "Unsaved changes");
    b.goto(&app.url("/reviews")).await;
    wait_until("the change sent on leaving", || async {
        stored_summary(&app).await == "Clear on routing. Sent on leaving."
    })
    .await;
    b.close().await;
}

/// Without JavaScript the review page (sent in pieces: the kept body and each round's block)
/// still claims, shows all five rounds with their hints, saves a draft that comes back checked,
/// and fits a phone.
#[tokio::test]
async fn without_javascript_an_interviewer_claims_grades_and_saves_a_draft() {
    let app = https_app().await;
    let candidate = app.create_user(Role::Candidate).await;
    let interviewer = app.create_user(Role::Interviewer).await;
    let b = https_browser(false).await;
    let id = requested_seed(&b, &app, &candidate).await;

    sign_in(&b, &app, &interviewer).await;
    b.goto(&app.url(&format!("/reviews/{id}"))).await;
    b.click("form[action$='/claim'] button[type=submit]").await;
    b.wait_for_text("Level for round 1").await;
    let html = b.html().await;
    assert_eq!(html.matches("data-round-card=").count(), 5);
    assert!(!html.contains(gauntlet::pieces::SLOT));
    b.click("input[name=level_1][value='3']").await;
    b.click("button[data-save-draft]").await;
    // the page clicked on still shows the text and the checked radio: wait for the saved
    // level, then load the page afresh so that what is checked comes from the server
    wait_until("the draft saved", || async {
        review_levels(&app).await.first() == Some(&3)
    })
    .await;
    b.goto(&app.url(&format!("/reviews/{id}"))).await;
    b.wait_for_text("Level for round 1").await;
    let checked = b
        .client
        .find(fantoccini::Locator::Css("input[name=level_1][value='3']"))
        .await
        .unwrap()
        .prop("checked")
        .await
        .unwrap();
    assert_eq!(checked.as_deref(), Some("true"), "the saved level shows");
    b.shot("review-nojs-1280").await;
    b.phone(true).await;
    assert!(!b.overflows().await, "the review page fits a phone");
    b.shot("review-nojs-390").await;
    b.phone(false).await;
}
