//! A candidate practising: autosave, reloads, two tabs and their conflict page, a save whose
//! answer was lost, a save retried when the browser is back online, a lost session, the whole
//! seed gauntlet with and without JavaScript, text that must survive a no-JavaScript save, and
//! the catalog filters.

use fantoccini::Locator;
use gauntlet::auth::Role;

use crate::common::PASSWORD;
use crate::flows::{
    answer_whole_seed, press, second_tab, self_assess_and_request_review, start_seed, stored_body,
    wait_status,
};
use crate::{https_app, https_browser, sign_in, wait_until};

#[tokio::test]
async fn sign_in_and_catalog_filters_work_without_javascript() {
    let app = https_app().await;
    let email = app.create_user(Role::Candidate).await;
    let b = https_browser(false).await;
    b.goto(&app.url("/catalog?category=Debugging")).await;
    b.wait_for_text("Sign in").await;
    b.fill("#email", &email).await;
    b.fill("#password", PASSWORD).await;
    b.click("form.stack button[type=submit]").await;
    b.wait_for_text("Filter gauntlets").await;
    assert_eq!(b.path().await, "/catalog", "returned to the page asked for");
    b.fill("#q", "kafka").await;
    b.click(".filters button[type=submit]").await;
    b.wait_for_text("of").await;
    let html = b.html().await;
    assert!(html.contains("Kafka"));
    assert!(!html.contains("Multi-Region Kubernetes Deployment"));
    b.close().await;
}

#[tokio::test]
async fn typed_text_autosaves_and_survives_a_reload() {
    let app = https_app().await;
    let email = app.create_user(Role::Candidate).await;
    let b = https_browser(true).await;
    sign_in(&b, &app, &email).await;
    start_seed(&b, &app).await;
    b.fill(
        "#answer",
        "One cluster per region, Route 53 latency routing.",
    )
    .await;
    wait_status(&b, "Saved").await;
    assert_eq!(
        stored_body(&app, 1, "main").await,
        "One cluster per region, Route 53 latency routing."
    );
    b.client.refresh().await.unwrap();
    b.wait_for_text("Round 1 of 5").await;
    assert_eq!(
        b.value("#answer").await,
        "One cluster per region, Route 53 latency routing."
    );
    b.close().await;
}

#[tokio::test]
async fn two_tabs_get_a_conflict_and_nothing_is_lost() {
    let app = https_app().await;
    let email = app.create_user(Role::Candidate).await;
    let b = https_browser(true).await;
    sign_in(&b, &app, &email).await;
    let attempt = start_seed(&b, &app).await;
    let (tab_a, _) = second_tab(&b, &app, &attempt).await;
    b.fill("#answer", "written in tab B").await;
    wait_status(&b, "Saved").await;

    b.client.switch_to_window(tab_a).await.unwrap();
    b.fill("#answer", "written in tab A").await;
    wait_status(&b, "choose which text").await;
    // the full texts sit in a closed "Show both texts in full"; the diff is what shows
    let theirs = b
        .client
        .execute(
            "return document.querySelector('[data-theirs]').textContent",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(theirs.as_str(), Some("written in tab B"));
    assert_eq!(b.text("[data-diff] del").await, "B");
    assert_eq!(b.text("[data-diff] ins").await, "A");
    assert_eq!(
        stored_body(&app, 1, "main").await,
        "written in tab B",
        "nothing overwritten"
    );
    b.click("[data-keep-mine]").await;
    wait_status(&b, "Saved").await;
    assert_eq!(stored_body(&app, 1, "main").await, "written in tab A");
    let history: Vec<String> = sqlx::query_scalar("select body from answer_revisions order by id")
        .fetch_all(app.pool())
        .await
        .unwrap();
    assert!(
        history.contains(&"written in tab B".to_string()),
        "tab B's text is kept: {history:?}"
    );
    b.close().await;
}

#[tokio::test]
async fn a_lost_session_keeps_the_text_and_saves_it_after_signing_in_again() {
    let app = https_app().await;
    let email = app.create_user(Role::Candidate).await;
    let b = https_browser(true).await;
    sign_in(&b, &app, &email).await;
    let attempt = start_seed(&b, &app).await;
    b.fill("#answer", "first thoughts").await;
    wait_status(&b, "Saved").await;
    // the server ends every session of the account (as a role change or disable does)
    sqlx::query("update users set auth_epoch = auth_epoch + 1")
        .execute(app.pool())
        .await
        .unwrap();
    b.client
        .find(Locator::Css("#answer"))
        .await
        .unwrap()
        .send_keys(", typed while signed out")
        .await
        .unwrap();
    wait_status(&b, "Signed out").await;
    assert_eq!(
        b.value("#answer").await,
        "first thoughts, typed while signed out"
    );

    let tab = b.client.window().await.unwrap();
    let other = b.client.new_window(true).await.unwrap().handle;
    b.client.switch_to_window(other).await.unwrap();
    sign_in(&b, &app, &email).await;
    b.client.close_window().await.unwrap();
    b.client.switch_to_window(tab).await.unwrap();
    b.client
        .find(Locator::Css("#answer"))
        .await
        .unwrap()
        .send_keys("!")
        .await
        .unwrap();
    wait_status(&b, "Saved").await;
    assert_eq!(
        stored_body(&app, 1, "main").await,
        "first thoughts, typed while signed out!"
    );
    assert!(
        b.path().await.ends_with(
            attempt
                .trim_start_matches('/')
                .split('/')
                .next_back()
                .unwrap()
        )
    );
    b.close().await;
}

#[tokio::test]
async fn the_whole_seed_gauntlet_end_to_end_with_the_follow_up() {
    let app = https_app().await;
    let email = app.create_user(Role::Candidate).await;
    let b = https_browser(true).await;
    sign_in(&b, &app, &email).await;
    start_seed(&b, &app).await;
    answer_whole_seed(&b, &app).await;
    // self-assess and ask for a review from the debrief
    self_assess_and_request_review(&b).await;
    b.close().await;
}

#[tokio::test]
async fn the_whole_seed_gauntlet_works_without_javascript() {
    let app = https_app().await;
    let email = app.create_user(Role::Candidate).await;
    let b = https_browser(false).await;
    sign_in(&b, &app, &email).await;
    start_seed(&b, &app).await;
    // the explicit Save button works too
    b.fill("#answer", "saved with the button").await;
    b.click(".answer-actions button[formaction]").await;
    wait_status(&b, "Saved ").await;
    assert_eq!(stored_body(&app, 1, "main").await, "saved with the button");
    answer_whole_seed(&b, &app).await;
    b.close().await;
}

/// Text a plain form round trip used to change: a leading newline (the HTML parser drops one
/// right after `<textarea>`), tabs, emoji and combining marks.
const TRICKY: &str =
    "\nfirst line after a blank one\n\tindented with a tab\n👩‍💻 e\u{301} 한국어 🇵🇹  two spaces  ";

#[tokio::test]
async fn t66_a_leading_newline_tabs_and_emoji_survive_a_save_without_javascript_and_the_count_uses_code_points()
 {
    let app = https_app().await;
    let email = app.create_user(Role::Candidate).await;
    let b = https_browser(false).await;
    sign_in(&b, &app, &email).await;
    let attempt = start_seed(&b, &app).await;
    // typing cannot enter a tab (it moves the focus): the text is stored as an autosave would
    sqlx::query(
        "update answers set body = ?, version = 1 where round_number = 1 and part = 'main'",
    )
    .bind(TRICKY)
    .execute(app.pool())
    .await
    .unwrap();
    for _ in 0..2 {
        b.goto(&app.url(&attempt)).await;
        b.wait_for_text("Round 1 of 5").await;
        assert_eq!(
            b.value("#answer").await,
            TRICKY,
            "the box shows the stored text"
        );
        b.click(".answer-actions button[formaction]").await;
        wait_status(&b, "Saved ").await;
        assert_eq!(
            stored_body(&app, 1, "main").await.as_bytes(),
            TRICKY.as_bytes(),
            "byte-exact after Chromium's own form post"
        );
    }
    b.close().await;

    // with the script: the count is in code points, as the server counts
    let b = https_browser(true).await;
    sign_in(&b, &app, &email).await;
    b.goto(&app.url(&attempt)).await;
    b.wait_for_text("Round 1 of 5").await;
    assert_eq!(b.value("#answer").await, TRICKY);
    let expected = format!("{} / 50,000 characters", TRICKY.chars().count());
    assert_eq!(b.text("#answer-count").await, expected);
    b.fill("#answer", "😀😀😀").await;
    assert_eq!(b.text("#answer-count").await, "3 / 50,000 characters");
    wait_status(&b, "Saved").await;
    assert_eq!(stored_body(&app, 1, "main").await, "😀😀😀");
    b.close().await;
}

#[tokio::test]
async fn the_two_tab_conflict_shows_a_word_diff_a_merge_saves_and_a_lost_answer_is_no_conflict() {
    let app = https_app().await;
    let email = app.create_user(Role::Candidate).await;
    let b = https_browser(true).await;
    sign_in(&b, &app, &email).await;
    let attempt = start_seed(&b, &app).await;
    let (tab_a, tab_b) = second_tab(&b, &app, &attempt).await;
    b.fill("#answer", "one cluster per region and a CDN in front")
        .await;
    wait_status(&b, "Saved").await;

    b.client.switch_to_window(tab_a).await.unwrap();
    b.fill("#answer", "one cluster per region and Route 53 in front")
        .await;
    wait_status(&b, "choose which text").await;
    assert_eq!(b.text("[data-diff] del").await, "a CDN");
    assert_eq!(b.text("[data-diff] ins").await, "Route 53");
    b.shot("conflict-panel-1280").await;
    b.click("[data-edit-merge]").await;
    b.fill(
        "#merge-text",
        "one cluster per region, Route 53 and a CDN in front",
    )
    .await;
    b.click("[data-save-merge]").await;
    wait_status(&b, "Saved").await;
    assert_eq!(
        stored_body(&app, 1, "main").await,
        "one cluster per region, Route 53 and a CDN in front"
    );
    assert_eq!(
        b.value("#answer").await,
        "one cluster per region, Route 53 and a CDN in front"
    );

    // the same text reaching the server from an old version (a save on leaving the page that
    // lands after the reload read it) is no conflict: the page takes the new version
    b.client.switch_to_window(tab_b).await.unwrap();
    b.fill(
        "#answer",
        "one cluster per region, Route 53 and a CDN in front",
    )
    .await;
    wait_status(&b, "Saved").await;
    let version: i64 = sqlx::query_scalar("select version from answers where round_number = 1")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(b.value("[data-version]").await, version.to_string());
    // a reload shows what the server has, with its version, and offers an unsaved local copy
    b.client
        .execute(
            "localStorage.setItem(document.querySelector('form[data-autosave]').dataset.backupKey, JSON.stringify({body: 'typed but never saved', at: Date.now()}))",
            vec![],
        )
        .await
        .unwrap();
    b.client.refresh().await.unwrap();
    b.wait_for_text("Restore it").await;
    assert_eq!(b.value("[data-version]").await, version.to_string());
    assert_eq!(
        b.value("#answer").await,
        "one cluster per region, Route 53 and a CDN in front"
    );

    // a save the server stored but whose answer never came back (the network dropped on the
    // way back), with more typed meanwhile, is no conflict with itself: the next save takes
    // that save's version and goes through
    let first = "one cluster per region behind latency routing";
    let more = ", and the replica promoted on failover";
    let lose_one_answer = format!(
        "var real = window.fetch, lost = false;
         window.fetch = function (url, opts) {{
           var sent = real(url, opts);
           if (lost || !opts || opts.method !== 'POST') return sent;
           lost = true;
           return sent.then(function () {{
             var box = document.querySelector('#answer');
             box.value += '{more}';
             box.dispatchEvent(new Event('input'));
             throw new TypeError('the network dropped');
           }});
         }};
         var box = document.querySelector('#answer');
         box.value = '{first}';
         box.dispatchEvent(new Event('input'));
         return null;"
    );
    b.client.execute(&lose_one_answer, vec![]).await.unwrap();
    let full = format!("{first}{more}");
    wait_until("the text typed after the lost answer saved", || async {
        stored_body(&app, 1, "main").await == full
    })
    .await;
    wait_status(&b, "Saved").await;
    assert_eq!(b.value("#answer").await, full);
    let conflict = b
        .client
        .find(Locator::Css("[data-conflict]"))
        .await
        .unwrap();
    assert!(!conflict.is_displayed().await.unwrap(), "no conflict shown");
    b.close().await;
}

#[tokio::test]
async fn a_failed_save_is_sent_again_as_soon_as_the_browser_is_back_online() {
    let app = https_app().await;
    let email = app.create_user(Role::Candidate).await;
    let b = https_browser(true).await;
    sign_in(&b, &app, &email).await;
    start_seed(&b, &app).await;
    // saves fail while `__offline` is set, and the retry's backoff (2 s and longer) never runs
    // out: only the browser's "online" event can send the text again
    let offline = "var realFetch = window.fetch, realTimeout = window.setTimeout;
         window.__offline = true;
         window.fetch = function (url, opts) {
           if (window.__offline && opts && opts.method === 'POST') {
             return Promise.reject(new TypeError('offline'));
           }
           return realFetch(url, opts);
         };
         window.setTimeout = function (f, ms) { return realTimeout(f, ms >= 2000 ? 1e9 : ms); };
         return null;";
    b.client.execute(offline, vec![]).await.unwrap();
    let text = "Typed on a train: one cluster per region, promoted replica on failover.";
    b.fill("#answer", text).await;
    wait_status(&b, "Not saved — retrying").await;
    let stored: i64 = sqlx::query_scalar("select count(*) from answers where body = ?")
        .bind(text)
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(stored, 0, "nothing got through while offline");

    b.client
        .execute(
            "window.__offline = false; window.dispatchEvent(new Event('online')); return null;",
            vec![],
        )
        .await
        .unwrap();
    wait_until("the text saved once back online", || async {
        stored_body(&app, 1, "main").await == text
    })
    .await;
    wait_status(&b, "Saved").await;
    b.close().await;
}

#[tokio::test]
async fn catalog_filters_apply_on_change_and_the_round_page_promises_no_autosave_without_javascript()
 {
    let app = https_app().await;
    let email = app.create_user(Role::Candidate).await;
    let b = https_browser(true).await;
    sign_in(&b, &app, &email).await;
    b.goto(&app.url("/catalog")).await;
    b.wait_for_text("Search").await;
    b.client
        .execute(
            "const s = document.querySelector('#category'); s.value = 'Debugging'; s.dispatchEvent(new Event('change', {bubbles: true}));",
            vec![],
        )
        .await
        .unwrap();
    b.wait_for_text("gauntlets match").await;
    let url = b.client.current_url().await.unwrap();
    assert!(
        url.query()
            .unwrap_or_default()
            .contains("category=Debugging"),
        "{url}"
    );
    // the search box applies with Enter (typing alone does not reload the page)
    b.goto(&app.url("/catalog")).await;
    b.wait_for_text("Search").await;
    b.fill("#q", "redis").await;
    press(&b, "\u{E007}").await;
    b.wait_for_text("Rate Limiter").await;
    b.shot("catalog-1280").await;
    b.phone(true).await;
    b.client.refresh().await.unwrap();
    b.wait_for_text("Rate Limiter").await;
    assert!(!b.overflows().await, "the catalog fits a phone");
    b.shot("catalog-390").await;
    b.phone(false).await;
    start_seed(&b, &app).await;
    let hint = b.text(".answer-form .hint").await;
    assert!(
        hint.contains("saved automatically") && !hint.contains("Press Save"),
        "{hint}"
    );
    b.close().await;

    let b = https_browser(false).await;
    sign_in(&b, &app, &email).await;
    b.goto(&app.url("/catalog?q=k8s")).await;
    b.wait_for_text("Multi-Region Kubernetes").await;
    b.goto(&app.url("/")).await;
    b.click(".resume-list a.button").await;
    b.wait_for_text("Round 1 of 5").await;
    let hint = b.text(".answer-form .hint").await;
    assert!(
        hint.contains("Press Save") && !hint.contains("saved automatically"),
        "{hint}"
    );
    assert!(
        hint.contains("the next round appears after you submit"),
        "round 1 has no follow-up: {hint}"
    );
    b.shot("round-nojs-1280").await;
    // a refused submit lands on the round page, not on …/submit
    b.fill("#answer", "   ").await;
    b.click(".answer-actions button.primary").await;
    b.wait_for_text("Write an answer before submitting").await;
    assert_eq!(
        b.path().await,
        format!(
            "/attempts/{}",
            b.path().await.trim_start_matches("/attempts/")
        )
    );
    assert!(!b.path().await.ends_with("/submit"));
    b.close().await;
}

#[tokio::test]
async fn without_javascript_the_conflict_page_shows_the_word_diff_and_keeps_the_typed_text() {
    let app = https_app().await;
    let email = app.create_user(Role::Candidate).await;
    let b = https_browser(false).await;
    sign_in(&b, &app, &email).await;
    let attempt = start_seed(&b, &app).await;
    let (tab_a, _) = second_tab(&b, &app, &attempt).await;
    b.fill("#answer", "one cluster per region and a CDN in front")
        .await;
    b.click(".answer-actions button[formaction]").await;
    wait_status(&b, "Saved ").await;

    b.client.switch_to_window(tab_a).await.unwrap();
    b.fill("#answer", "one cluster per region and Route 53 in front")
        .await;
    b.click(".answer-actions button[formaction]").await;
    b.wait_for_text("Choose which text to keep").await;
    assert_eq!(b.text("[data-diff] del").await, "a CDN");
    assert_eq!(b.text("[data-diff] ins").await, "Route 53");
    assert_eq!(
        b.value("#mine").await,
        "one cluster per region and Route 53 in front",
        "the typed text is in the box"
    );
    b.shot("conflict-nojs-1280").await;
    b.phone(true).await;
    assert!(!b.overflows().await, "the conflict page fits a phone");
    b.shot("conflict-nojs-390").await;
    b.phone(false).await;
    // an edited merge is kept
    b.fill(
        "#mine",
        "one cluster per region, Route 53 and a CDN in front",
    )
    .await;
    b.click("form[action$='/save'] button[type=submit]").await;
    b.wait_for_text("Round 1 of 5").await;
    assert_eq!(
        stored_body(&app, 1, "main").await,
        "one cluster per region, Route 53 and a CDN in front"
    );
    b.close().await;
}
