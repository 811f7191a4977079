//! Browser tests in real headless Chromium against the real server, over HTTPS (RELIABILITY.md
//! §5): the app runs behind a test TLS front with an `https://` public URL, so the production
//! cookie (`__Host-`, Secure) and origin checks are what the browser meets.

#[path = "common/browser.rs"]
mod browser;
#[path = "common/mod.rs"]
mod common;
#[path = "common/tls.rs"]
mod tls;

use std::time::{Duration, Instant};

use browser::{Browser, BrowserOptions};
use common::{Options, PASSWORD, TestApp};
use fantoccini::Locator;

/// The app behind the test TLS front (`app.url` gives https URLs).
async fn https_app() -> TestApp {
    tls::spawn_https(Options::default()).await.0
}

/// Chromium for the HTTPS tests: trusts the self-signed certificate, leaves dialogs open.
async fn https_browser(javascript: bool) -> Browser {
    Browser::start_with(BrowserOptions {
        javascript,
        https: true,
        keep_dialogs_open: true,
    })
    .await
}

async fn sign_out(b: &Browser) {
    b.click(".account-menu summary").await;
    b.click(".account-menu button[type=submit]").await;
    b.wait_for_text("Sign in").await;
}

async fn register(b: &Browser, link: &str, email: &str, name: &str) {
    b.goto(link).await;
    b.fill("#email", email).await;
    b.fill("#name", name).await;
    b.fill("#password", PASSWORD).await;
    b.fill("#confirm", PASSWORD).await;
    b.click("form.stack button[type=submit]").await;
    // the very first home page greets; later visits welcome back
    b.wait_for_text(&format!("Welcome, {name}</h1>")).await;
}

async fn new_invite(b: &Browser, app: &TestApp, role: &str) -> String {
    b.goto(&app.url("/admin/invites")).await;
    b.click(&format!("#role option[value={role}]")).await;
    b.click("form.form-row button[type=submit]").await;
    b.wait_for_text("Invite link created").await;
    b.value("#new-link").await
}

#[tokio::test]
async fn a_new_team_sets_up_the_site_invites_people_and_each_lands_on_their_home() {
    let app = https_app().await;
    let setup = app.running().setup_link.clone().unwrap();
    let b = https_browser(true).await;

    register(&b, &setup, "ana@team.example", "Ana Admin").await;
    assert!(
        b.html().await.contains("href=\"/admin\""),
        "admins see the admin section"
    );

    let interviewer_link = new_invite(&b, &app, "interviewer").await;
    // the banner names the role, and a fresh 7-day link says 7 days (issue 13 point 16)
    assert_eq!(b.text("[data-new-role]").await, "Interviewer");
    assert!(b.text("table").await.contains("in 7 days"));
    b.shot("invite-banner-1280").await;
    b.phone(true).await;
    let candidate_link = new_invite(&b, &app, "candidate").await;
    assert_eq!(b.text("[data-new-role]").await, "Candidate");
    assert!(!b.overflows().await, "the invites page fits a phone");
    b.shot("invite-banner-390").await;
    b.phone(false).await;
    assert!(interviewer_link.starts_with(&app.base) && candidate_link.contains("/invite/"));
    sign_out(&b).await;

    register(
        &b,
        &interviewer_link,
        "iris@team.example",
        "Iris Interviewer",
    )
    .await;
    let home = b.html().await;
    assert!(home.contains("Review queue") && !home.contains("href=\"/admin\""));
    sign_out(&b).await;

    register(&b, &candidate_link, "cai@team.example", "Cai Candidate").await;
    let home = b.html().await;
    assert!(home.contains("No attempts yet") && !home.contains("Review queue"));
    sign_out(&b).await;

    // and each can sign in again through the form, landing on their own home page
    b.goto(&app.url("/login")).await;
    b.fill("#email", "iris@team.example").await;
    b.fill("#password", PASSWORD).await;
    b.click("form.stack button[type=submit]").await;
    b.wait_for_text("Welcome back, Iris Interviewer").await;
    assert_eq!(b.path().await, "/");
    b.close().await;
}

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

use gauntlet::auth::Role;

/// Signs in through the form in this browser.
async fn sign_in(b: &Browser, app: &TestApp, email: &str) {
    b.goto(&app.url("/login")).await;
    b.fill("#email", email).await;
    b.fill("#password", PASSWORD).await;
    b.click("form.stack button[type=submit]").await;
    b.wait_for_text("Welcome back").await;
}

async fn start_seed(b: &Browser, app: &TestApp) -> String {
    b.goto(&app.url("/gauntlets/multi-region-kubernetes")).await;
    b.click(".start-panel button[type=submit]").await;
    b.wait_for_text("Round 1 of 5").await;
    b.path().await
}

async fn stored_body(app: &TestApp, round: u32, part: &str) -> String {
    sqlx::query_scalar(
        "select body from answers where round_number = ? and part = ? order by id desc limit 1",
    )
    .bind(round)
    .bind(part)
    .fetch_one(app.pool())
    .await
    .unwrap()
}

async fn wait_status(b: &Browser, text: &str) {
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
    let tab_a = b.client.window().await.unwrap();
    let tab_b = b.client.new_window(true).await.unwrap().handle;
    b.client.switch_to_window(tab_b.clone()).await.unwrap();
    b.goto(&app.url(&attempt)).await;
    b.wait_for_text("Round 1 of 5").await;
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

/// The six steps of the seed gauntlet: the round each is in (round 2 has the follow-up).
const SEED_STEPS: [u32; 6] = [1, 2, 2, 3, 4, 5];

/// Answers the six steps of the seed gauntlet with `texts`, submitting each; ends on the debrief.
async fn answer_seed(b: &Browser, texts: [&str; 6]) {
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

async fn answer_whole_seed(b: &Browser, app: &TestApp) {
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

#[tokio::test]
async fn the_whole_seed_gauntlet_end_to_end_with_the_follow_up() {
    let app = https_app().await;
    let email = app.create_user(Role::Candidate).await;
    let b = https_browser(true).await;
    sign_in(&b, &app, &email).await;
    start_seed(&b, &app).await;
    answer_whole_seed(&b, &app).await;
    // self-assess and ask for a review from the debrief
    b.click("input[name=level_1][value='3']").await;
    b.click("#self-assessment-form button[type=submit]").await;
    b.wait_for_text("Self-assessment saved").await;
    b.click("form[action$='/review'] button[type=submit]").await;
    b.wait_for_text("Review requested").await;
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

async fn press(b: &Browser, keys: &str) {
    b.client
        .active_element()
        .await
        .unwrap()
        .send_keys(keys)
        .await
        .unwrap();
}

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

/// Runs axe-core on the current page; returns its serious and critical violations.
async fn axe_violations(b: &Browser) -> Vec<String> {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/target/npm/node_modules/axe-core/axe.min.js"
    );
    let source = std::fs::read_to_string(path).unwrap_or_else(|_| {
        panic!("{path} is missing: run the tests through scripts/test, which installs axe-core")
    });
    b.client.execute(&source, vec![]).await.unwrap();
    let found = b
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { resultTypes: ['violations'] }).then(r => done(
               r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical')
                 .map(v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))));",
            vec![],
        )
        .await
        .unwrap();
    found
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .collect()
}

#[tokio::test]
async fn the_main_pages_have_no_serious_accessibility_violations() {
    let app = https_app().await;
    let candidate = app.create_user(Role::Candidate).await;
    let admin = app.create_user(Role::Admin).await;
    let b = https_browser(true).await;
    let mut report = Vec::new();
    let mut check = |name: &'static str, found: Vec<String>| {
        for f in found {
            report.push(format!("{name}: {f}"));
        }
    };

    b.goto(&app.url("/login")).await;
    check("login", axe_violations(&b).await);
    sign_in(&b, &app, &candidate).await;
    check("home", axe_violations(&b).await);
    b.goto(&app.url("/catalog")).await;
    check("catalog", axe_violations(&b).await);
    let attempt = start_seed(&b, &app).await;
    check("round", axe_violations(&b).await);
    answer_whole_seed(&b, &app).await;
    check("debrief", axe_violations(&b).await);
    b.click("form[action$='/review'] button[type=submit]").await;
    b.wait_for_text("Review requested").await;
    b.goto(&app.url("/history")).await;
    check("history", axe_violations(&b).await);
    sign_out(&b).await;

    sign_in(&b, &app, &admin).await;
    b.goto(&app.url("/reviews")).await;
    check("queue", axe_violations(&b).await);
    let id = attempt.trim_start_matches("/attempts/");
    b.goto(&app.url(&format!("/reviews/{id}"))).await;
    b.client
        .execute(
            "document.querySelector(\"form[action$='/claim'] button\").click()",
            vec![],
        )
        .await
        .unwrap();
    b.wait_for_text("Level for round 1").await;
    check("review", axe_violations(&b).await);
    for page in [
        "/admin",
        "/admin/invites",
        "/admin/settings",
        "/admin/content",
        "/admin/audit",
        "/calibration",
    ] {
        b.goto(&app.url(page)).await;
        check("admin", axe_violations(&b).await);
    }
    let candidate_id: i64 = sqlx::query_scalar("select id from users where email = ?")
        .bind(&candidate)
        .fetch_one(app.pool())
        .await
        .unwrap();
    b.goto(&app.url(&format!("/admin/users/{candidate_id}/delete")))
        .await;
    assert!(b.html().await.contains("name=\"confirm\" value=\"delete\""));
    check("delete confirmation", axe_violations(&b).await);
    b.close().await;
    assert!(
        report.is_empty(),
        "accessibility violations:\n{}",
        report.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// Security checks over HTTPS (RELIABILITY.md §1 T16, T18, T20, T31, T34, T35, T37; §5): the app
// runs behind the test TLS front with an https public URL, so it sets its production cookie
// (`__Host-`, Secure) and checks Origin against the https origin; 127.0.0.2 is the attacker site.
// ---------------------------------------------------------------------------------------------

/// Polls `cond` (which may also assert) until it is true, or fails with `what` after 20 s.
async fn wait_until<F, Fut>(what: &str, mut cond: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if cond().await {
            return;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Everything the database holds about the attempts' progress, for before/after comparisons.
async fn attempts_snapshot(app: &TestApp) -> Vec<String> {
    let answers: Vec<(i64, i64, String, String, i64, Option<i64>)> = sqlx::query_as(
        "select attempt_id, round_number, part, body, version, submitted_at from answers order by id",
    )
    .fetch_all(app.pool())
    .await
    .unwrap();
    let attempts: Vec<(i64, Option<i64>, Option<i64>)> =
        sqlx::query_as("select id, finished_at, review_requested_at from attempts order by id")
            .fetch_all(app.pool())
            .await
            .unwrap();
    let revisions: i64 = sqlx::query_scalar("select count(*) from answer_revisions")
        .fetch_one(app.pool())
        .await
        .unwrap();
    answers
        .iter()
        .map(|a| format!("{a:?}"))
        .chain(attempts.iter().map(|a| format!("{a:?}")))
        .chain([format!("{revisions} revisions")])
        .collect()
}

#[tokio::test]
async fn t20_t37_over_https_without_javascript_the_host_cookie_works_and_every_form_post_carries_our_origin()
 {
    let (app, front) = tls::spawn_https(Options::default()).await;
    let email = app.create_user(Role::Candidate).await;
    let b = https_browser(false).await;

    // T20 (browser part): the whole sign-in flow works with the production cookie
    sign_in(&b, &app, &email).await;
    assert_eq!(b.path().await, "/");
    let cookies = b.client.get_all_cookies().await.unwrap();
    let names: Vec<&str> = cookies.iter().map(|c| c.name()).collect();
    assert_eq!(
        names,
        ["__Host-gauntlet"],
        "one session cookie: {cookies:?}"
    );
    let c = &cookies[0];
    assert_eq!(c.secure(), Some(true), "Secure: {c:?}");
    assert_eq!(c.http_only(), Some(true), "HttpOnly: {c:?}");
    assert_eq!(c.path(), Some("/"), "Path=/: {c:?}");
    assert_eq!(
        format!("{:?}", c.same_site()),
        "Some(Lax)",
        "SameSite=Lax: {c:?}"
    );
    assert!(c.expires().is_none(), "a session cookie: {c:?}");
    let js_sees: String = b
        .client
        .execute("return document.cookie", vec![])
        .await
        .map(|v| v.as_str().unwrap_or_default().to_string())
        .unwrap_or_default();
    assert!(!js_sees.contains("gauntlet"), "HttpOnly: {js_sees:?}");

    // T37: with JavaScript off, the start, save and submit form posts succeed over HTTPS
    let attempt = start_seed(&b, &app).await;
    b.fill("#answer", "saved over https without javascript")
        .await;
    b.click(".answer-actions button[formaction]").await;
    wait_status(&b, "Saved ").await;
    assert_eq!(
        stored_body(&app, 1, "main").await,
        "saved over https without javascript"
    );
    answer_whole_seed(&b, &app).await;
    b.click("form[action$='/review'] button[type=submit]").await;
    b.wait_for_text("Review requested").await;
    sign_out(&b).await;

    // ... and so do an interviewer's claim and grade forms
    let interviewer = app.create_user(Role::Interviewer).await;
    sign_in(&b, &app, &interviewer).await;
    let review = attempt.replace("/attempts/", "/reviews/");
    b.goto(&app.url(&review)).await;
    b.click("form[action$='/claim'] button").await;
    b.wait_for_text("Level for round 1").await;
    for round in 1..=5 {
        b.click(&format!("input[name=level_{round}][value='3']"))
            .await;
    }
    b.click("input[name=recommendation][value=almost]").await;
    b.click("#rubric button.primary").await;
    b.wait_for_text("Review submitted").await;
    let levels = review_levels(&app).await;
    assert_eq!(levels, vec![3, 3, 3, 3, 3]);

    // each of those posts carried our own origin (what the server's CSRF guard compares; a
    // missing Origin would also pass the guard, so this is checked on the wire)
    let origin = format!("\r\norigin: {}\r\n", app.base).to_ascii_lowercase();
    for start in [
        "POST /login?".to_string(),
        "POST /gauntlets/multi-region-kubernetes/attempts ".to_string(),
        format!("POST {attempt}/steps/1/main/save "),
        format!("POST {attempt}/steps/1/main/submit "),
        format!("POST {attempt}/review "),
        "POST /logout ".to_string(),
        format!("POST {review}/claim "),
        format!("POST {review}/submit "),
    ] {
        let heads = front.request_heads(&start);
        assert!(!heads.is_empty(), "the front saw no {start:?}");
        for head in heads {
            assert!(
                format!("{head}\r\n").to_ascii_lowercase().contains(&origin),
                "{start:?} without `Origin: {}`:\n{head}",
                app.base
            );
        }
    }
    b.close().await;
}

#[tokio::test]
async fn t16_t18_a_cross_site_auto_submit_changes_nothing_and_back_after_sign_out_shows_no_private_page()
 {
    let (app, _front) = tls::spawn_https(Options::default()).await;
    let attacker = tls::Site::attacker().await;
    let email = app.create_user(Role::Candidate).await;
    let b = https_browser(true).await;
    sign_in(&b, &app, &email).await;
    let attempt = start_seed(&b, &app).await;
    b.fill("#answer", "my private draft").await;
    wait_status(&b, "Saved").await;
    let before = attempts_snapshot(&app).await;

    // T16: pages on another site auto-submit forms to the submit and save routes
    for route in ["submit", "save"] {
        let action = app.url(&format!("{attempt}/steps/1/main/{route}"));
        attacker.page(
            &format!("/{route}"),
            format!(
                r#"<!doctype html><title>You won</title>
<form method="post" action="{action}">
<input type="hidden" name="body" value="written by the attacker">
<input type="hidden" name="base_version" value="1">
</form>
<script>document.forms[0].submit()</script>"#
            ),
        );
        b.goto(&attacker.url(&format!("/{route}"))).await;
        // the post reached the real site, which refused it
        b.wait_for_text("This request came from another site").await;
        assert_eq!(
            b.client.current_url().await.unwrap().as_str(),
            action,
            "the browser shows the site's answer to the forged post"
        );
        assert_eq!(
            attempts_snapshot(&app).await,
            before,
            "a forged {route} changed the attempt"
        );
    }
    b.goto(&app.url(&attempt)).await;
    b.wait_for_text("Round 1 of 5").await;
    assert_eq!(b.value("#answer").await, "my private draft");

    // T18: sign out, then Back: the site is asked again and sends the sign-in page, not the
    // attempt (no cached authenticated page: Cache-Control: no-store, Clear-Site-Data)
    sign_out(&b).await;
    assert_eq!(b.path().await, "/login");
    b.client.back().await.unwrap();
    wait_until("Back to land on the sign-in page", || async {
        let html = b.client.source().await.unwrap_or_default();
        assert!(
            !html.contains("my private draft") && !html.contains("Round 1 of 5"),
            "Back showed the signed-in attempt page"
        );
        let url = b.client.current_url().await.unwrap();
        url.path() == "/login"
            && url.query().is_some_and(|q| q.contains("next="))
            && html.contains("id=\"password\"")
    })
    .await;
    let url = b.client.current_url().await.unwrap();
    assert!(
        url.query().unwrap().contains(&attempt.replace('/', "%2F")),
        "the sign-in page offers to return to the attempt: {url}"
    );
    b.close().await;
}

/// Records every `securitypolicyviolation` of each new document in `window.__csp`. Installed
/// through the DevTools protocol (`Page.addScriptToEvaluateOnNewDocument`), so it runs before any
/// of the page's own parsing or scripts, and the page's CSP does not apply to it.
const CSP_WATCHER: &str = "window.__csp = [];
window.addEventListener('securitypolicyviolation', e => window.__csp.push(
  e.effectiveDirective + ' blocked ' + e.blockedURI + ' at ' + e.sourceFile + ':' + e.lineNumber
  + ' sample ' + JSON.stringify(e.sample)), true);";

async fn watch_csp(b: &Browser) {
    b.cdp(
        "Page.addScriptToEvaluateOnNewDocument",
        serde_json::json!({ "source": CSP_WATCHER }),
    )
    .await;
}

/// The violations the watcher saw on the current document.
async fn csp_violations(b: &Browser) -> Vec<String> {
    let v = b
        .client
        .execute(
            "return window.__csp === undefined ? null : window.__csp",
            vec![],
        )
        .await
        .unwrap();
    let Some(list) = v.as_array() else {
        panic!("the CSP watcher is not on this page: {v}");
    };
    list.iter()
        .map(|s| s.as_str().unwrap_or_default().to_string())
        .collect()
}

/// Console lines about a blocked resource or a policy.
fn csp_console_lines(console: Vec<String>) -> Vec<String> {
    console
        .into_iter()
        .filter(|l| l.contains("Content Security Policy") || l.contains("Refused to"))
        .collect()
}

/// The elements an injected payload would have created on a page of ours.
const INJECTED: &str = "return Array.from(document.querySelectorAll(
  'script:not([src]), img[src=\"x\"], svg[onload], [onerror], [onload], [onfocus]'))
  .map(e => e.outerHTML.slice(0, 160))";

/// One page of the crawl: no dialog (T31), no CSP violation and no CSP console message (T34), no
/// element made from a payload and every string of `shows` present as text (T31); then an inline
/// script added to the page is blocked by the page's own policy and reported to the watcher
/// (T34's positive control, on every page). Problems go to `report`.
async fn check_page(b: &Browser, name: &str, shows: &[&str], report: &mut Vec<String>) {
    if let Some(text) = b.open_dialog().await {
        panic!("{name}: a dialog opened: {text:?}");
    }
    for v in csp_violations(b).await {
        report.push(format!("{name}: CSP violation: {v}"));
    }
    for line in csp_console_lines(b.console().await) {
        report.push(format!("{name}: console: {line}"));
    }
    let injected = b.client.execute(INJECTED, vec![]).await.unwrap();
    if injected.as_array().is_some_and(|a| !a.is_empty()) {
        report.push(format!("{name}: elements from a payload: {injected}"));
    }
    let text = b
        .client
        .execute("return document.body.textContent", vec![])
        .await
        .unwrap();
    let text = text.as_str().unwrap_or_default();
    for s in shows {
        if !text.contains(s) {
            report.push(format!("{name}: {s:?} is not shown as text"));
        }
    }

    b.client
        .execute(
            "window.__probe = 'not run';
             const s = document.createElement('script');
             s.textContent = \"window.__probe = 'ran'\";
             document.body.appendChild(s);",
            vec![],
        )
        .await
        .unwrap();
    wait_until(
        &format!("{name}: the inline probe to be reported"),
        || async {
            csp_violations(b)
                .await
                .iter()
                .any(|v| v.starts_with("script-src-elem blocked inline"))
        },
    )
    .await;
    let probe = b
        .client
        .execute("return window.__probe", vec![])
        .await
        .unwrap();
    assert_eq!(probe, "not run", "{name}: an inline script ran");
    let console = csp_console_lines(b.console().await);
    assert!(
        console
            .iter()
            .any(|l| l.contains("Content Security Policy")),
        "{name}: the blocked probe is not in the console: {console:?}"
    );
}

/// Creates an account with a chosen display name; returns its email.
async fn user_named(app: &TestApp, role: Role, email: &str, name: &str) -> String {
    gauntlet::db::users::insert(
        app.pool(),
        &gauntlet::db::users::NewUser {
            email,
            display_name: name,
            password_hash: common::password_hash().await,
            role,
        },
    )
    .await
    .unwrap();
    email.to_string()
}

#[tokio::test]
async fn t31_t34_t35_payloads_stay_text_no_page_breaks_the_csp_and_no_page_can_be_framed() {
    let (app, _front) = tls::spawn_https(Options::default()).await;
    // T31: display names (shown in the account menu, greetings, the queue, the review page and
    // the users table) and answers (round textarea, debrief, review page) carry payloads
    let cand_name = "<script>alert(1)</script>\"><img src=x onerror=alert(1)>";
    let admin_name = "'><svg onload=alert(1)>\" autofocus onfocus=alert(1) x=\"";
    let candidate = user_named(&app, Role::Candidate, "cand@team.example", cand_name).await;
    let admin = user_named(&app, Role::Admin, "admin@team.example", admin_name).await;
    let answers = [
        "</textarea><script>alert(1)</script> and \"><img src=x onerror=alert(1)>",
        "<script>alert(1)</script>",
        "\"><img src=x onerror=alert(1)>",
        "'><svg onload=alert(1)>",
        "{{7*7}} {% raw %}",
        "\" autofocus onfocus=alert(1) x=\"",
    ];
    let b = https_browser(true).await;
    watch_csp(&b).await;
    let mut report = Vec::new();

    b.goto(&app.url("/login")).await;
    check_page(&b, "login", &[], &mut report).await;
    b.goto(&app.url("/no-such-page")).await;
    b.wait_for_text("<h1").await;
    check_page(&b, "not found", &[], &mut report).await;
    sign_in(&b, &app, &candidate).await;
    check_page(&b, "home", &[cand_name], &mut report).await;
    b.goto(&app.url("/catalog")).await;
    check_page(&b, "catalog", &[cand_name], &mut report).await;
    b.goto(&app.url("/gauntlets/multi-region-kubernetes")).await;
    check_page(&b, "overview", &[cand_name], &mut report).await;
    let attempt = start_seed(&b, &app).await;
    check_page(&b, "round", &[cand_name], &mut report).await;
    // a saved answer comes back inside the textarea
    b.fill("#answer", answers[0]).await;
    wait_status(&b, "Saved").await;
    b.goto(&app.url(&attempt)).await;
    b.wait_for_text("Round 1 of 5").await;
    check_page(&b, "round with a saved answer", &[cand_name], &mut report).await;
    assert_eq!(b.value("#answer").await, answers[0]);
    answer_seed(&b, answers).await;
    let mut everything = vec![cand_name];
    everything.extend(answers);
    check_page(&b, "debrief", &everything, &mut report).await;
    b.click("form[action$='/review'] button[type=submit]").await;
    b.wait_for_text("Review requested").await;
    b.goto(&app.url("/history")).await;
    check_page(&b, "history", &[cand_name], &mut report).await;
    b.goto(&app.url(&format!("{attempt}/rounds/1/guidance")))
        .await;
    b.wait_for_text("Round 1 guidance").await;
    check_page(&b, "guidance", &[cand_name, answers[0]], &mut report).await;
    b.goto(&app.url("/account/password")).await;
    check_page(&b, "change password", &[cand_name], &mut report).await;
    sign_out(&b).await;

    sign_in(&b, &app, &admin).await;
    b.goto(&app.url("/reviews")).await;
    check_page(&b, "review queue", &[admin_name, cand_name], &mut report).await;
    let id = attempt.trim_start_matches("/attempts/");
    b.goto(&app.url(&format!("/reviews/{id}"))).await;
    b.click("form[action$='/claim'] button").await;
    b.wait_for_text("Level for round 1").await;
    check_page(&b, "review", &everything, &mut report).await;
    // a comment whose quote and body are payloads (the quote also goes into an aria-label)
    let quote = "\"><img src=x onerror=alert(1)>";
    let comment = "'><svg onload=alert(1)> </textarea><script>alert(1)</script>";
    // (scrolled to the middle first: the scorecard bar covers the bottom of the window)
    js(
        &b,
        "document.querySelector('details.add-comment summary').scrollIntoView({block: 'center'})",
    )
    .await;
    b.click("details.add-comment summary").await;
    b.fill("#quote-1", quote).await;
    b.fill("#cbody-1", comment).await;
    js(&b, "document.querySelector('details.add-comment form button[type=submit]').scrollIntoView({block: 'center'})").await;
    b.click("details.add-comment form button[type=submit]")
        .await;
    b.wait_for_text("Comment added").await;
    check_page(
        &b,
        "review with a comment",
        &[quote, comment, admin_name],
        &mut report,
    )
    .await;
    for page in [
        "/admin",
        "/admin/invites",
        "/admin/settings",
        "/admin/content",
        "/admin/audit",
        "/calibration",
        "/gauntlets/multi-region-kubernetes/kit",
    ] {
        b.goto(&app.url(page)).await;
        let shows: &[&str] = if page == "/admin" {
            &[admin_name, cand_name]
        } else {
            &[admin_name]
        };
        check_page(&b, page, shows, &mut report).await;
    }

    // T35: another site frames a page of ours beside a control page from a site that allows
    // framing (same address, so the same site as ours; only the response headers differ)
    let attacker = tls::Site::attacker().await;
    let control = tls::Site::start("127.0.0.1").await;
    control.page(
        "/framed",
        "<!doctype html><title>Framed</title><p>framing is allowed here</p>",
    );
    attacker.page(
        "/frames",
        format!(
            r#"<!doctype html><title>Click to win</title>
<script>window.loaded = [];</script>
<iframe id="victim" onload="loaded.push('victim')" src="{}"></iframe>
<iframe id="control" onload="loaded.push('control')" src="{}"></iframe>"#,
            app.url(&format!("/reviews/{id}")),
            control.url("/framed")
        ),
    );
    b.goto(&attacker.url("/frames")).await;
    wait_until("both frames to finish loading", || async {
        let loaded = b
            .client
            .execute("return window.loaded.length", vec![])
            .await
            .unwrap();
        loaded == 2
    })
    .await;
    let control_frame = frame_document(&b, "control").await;
    assert_eq!(
        control_frame,
        (
            control.url("/framed"),
            "framing is allowed here".to_string()
        ),
        "the control frame loads, so a loaded frame would be seen"
    );
    let victim = frame_document(&b, "victim").await;
    assert!(
        !victim.0.starts_with(&app.base) && !victim.1.contains("Gauntlet"),
        "a page of ours loaded inside another site's frame: {victim:?}"
    );
    // and it is blocked because of our response, not because the site was unreachable
    assert!(
        victim.1.contains("ERR_BLOCKED_BY_RESPONSE"),
        "the frame shows Chromium's blocked-by-response page: {victim:?}"
    );
    let console = b.console().await;
    assert!(
        console
            .iter()
            .any(|l| l.contains("frame-ancestors") || l.contains("X-Frame-Options")),
        "the browser says why it blocked the frame: {console:?}"
    );
    b.close().await;
    assert!(report.is_empty(), "problems:\n{}", report.join("\n"));
}

/// The levels stored for the one review of the test, by round.
async fn review_levels(app: &TestApp) -> Vec<i64> {
    sqlx::query_scalar("select level from review_rounds order by round_number")
        .fetch_all(app.pool())
        .await
        .unwrap()
}

/// The URL and text of the document in the iframe `#id` (WebDriver enters any frame, even one of
/// another origin or a browser error page).
async fn frame_document(b: &Browser, id: &str) -> (String, String) {
    b.client
        .find(Locator::Id(id))
        .await
        .unwrap()
        .enter_frame()
        .await
        .unwrap();
    let v = b
        .client
        .execute(
            "return [location.href, document.body ? document.body.textContent.trim() : '']",
            vec![],
        )
        .await
        .unwrap();
    b.client.enter_parent_frame().await.unwrap();
    (
        v[0].as_str().unwrap_or_default().to_string(),
        v[1].as_str().unwrap_or_default().to_string(),
    )
}

// ---------------------------------------------------------------------------------------------
// Issue 13: the interviewer's scorecard bar and shortcuts (point 11), and phones (point 15).
// ---------------------------------------------------------------------------------------------

/// A candidate who answered the whole seed through this browser and asked for a review; the
/// browser is signed out afterwards. Returns the attempt id.
async fn requested_seed(b: &Browser, app: &TestApp, candidate: &str) -> String {
    sign_in(b, app, candidate).await;
    let attempt = start_seed(b, app).await;
    answer_whole_seed(b, app).await;
    b.click("form[action$='/review'] button[type=submit]").await;
    b.wait_for_text("Review requested").await;
    sign_out(b).await;
    attempt.trim_start_matches("/attempts/").to_string()
}

/// Runs `script` (which returns a value) in the page.
async fn js(b: &Browser, script: &str) -> serde_json::Value {
    b.client.execute(script, vec![]).await.unwrap()
}

/// Whether the element is entirely inside the window.
async fn in_view(b: &Browser, css: &str) -> bool {
    js(
        b,
        &format!(
            "const r = document.querySelector({css:?}).getBoundingClientRect();
             return r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight && r.left >= 0 && r.right <= window.innerWidth;"
        ),
    )
    .await
    .as_bool()
    .unwrap()
}

#[tokio::test]
async fn the_scorecard_shows_each_keys_effect_and_the_comment_form_opens_beside_the_selection() {
    let app = https_app().await;
    let candidate = app.create_user(Role::Candidate).await;
    let interviewer = app.create_user(Role::Interviewer).await;
    let b = https_browser(true).await;
    let id = requested_seed(&b, &app, &candidate).await;

    sign_in(&b, &app, &interviewer).await;
    b.goto(&app.url(&format!("/reviews/{id}"))).await;
    js(
        &b,
        "document.querySelector(\"form[action$='/claim'] button\").click()",
    )
    .await;
    b.wait_for_text("Level for round 1").await;
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

/// The page's widths at the emulated phone size, and the first elements that stick out.
async fn overflow(b: &Browser) -> (f64, f64, String) {
    let v = js(
        b,
        "const w = window.innerWidth;
         const wide = Array.from(document.querySelectorAll('body *'))
           .filter(e => e.getBoundingClientRect().right > w + 0.5)
           .slice(0, 4)
           .map(e => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).trim().split(/\\s+/).join('.') : ''));
         return [document.documentElement.scrollWidth, w, wide.join(', ')];",
    )
    .await;
    (
        v[0].as_f64().unwrap(),
        v[1].as_f64().unwrap(),
        v[2].as_str().unwrap().to_string(),
    )
}

/// Opens `path` and notes it in `report` when the page is wider than the window.
async fn check_width(b: &Browser, app: &TestApp, who: &str, path: &str, report: &mut Vec<String>) {
    b.goto(&app.url(path)).await;
    let (scroll, inner, wide) = overflow(b).await;
    if scroll > inner || inner > 390.0 {
        report.push(format!(
            "{who} {path}: scrollWidth {scroll}, innerWidth {inner} (a phone zooms a page wider than 390 px out); wide: {wide}"
        ));
    }
}

/// Issue 13 point 15: at 390 px (an emulated phone, which would zoom out rather than scroll if
/// a page were wider, so innerWidth must stay 390) no main page of any role is wider than the
/// window.
#[tokio::test]
async fn no_main_page_overflows_a_390_px_phone_for_any_role() {
    let app = https_app().await;
    let candidate = app.create_user(Role::Candidate).await;
    let interviewer = app.create_user(Role::Interviewer).await;
    let admin = app.create_user(Role::Admin).await;
    let b = https_browser(true).await;
    let id = requested_seed(&b, &app, &candidate).await;
    // the interviewer claims it, so the review page shows the level picker
    sign_in(&b, &app, &interviewer).await;
    b.goto(&app.url(&format!("/reviews/{id}"))).await;
    js(
        &b,
        "document.querySelector(\"form[action$='/claim'] button\").click()",
    )
    .await;
    b.wait_for_text("Level for round 1").await;
    sign_out(&b).await;

    b.cdp(
        "Emulation.setDeviceMetricsOverride",
        serde_json::json!({"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": true}),
    )
    .await;
    let mut report = Vec::new();
    check_width(&b, &app, "anonymous", "/login", &mut report).await;

    sign_in(&b, &app, &candidate).await;
    let in_progress = start_seed(&b, &app).await;
    for path in [
        "/".to_string(),
        "/catalog".into(),
        "/gauntlets/multi-region-kubernetes".into(),
        in_progress,
        format!("/attempts/{id}"),
        "/history".into(),
        "/account/password".into(),
    ] {
        check_width(&b, &app, "candidate", &path, &mut report).await;
    }
    sign_out(&b).await;

    sign_in(&b, &app, &interviewer).await;
    for path in [
        "/".to_string(),
        "/reviews".into(),
        format!("/reviews/{id}"),
        "/calibration".into(),
        "/gauntlets/multi-region-kubernetes/kit".into(),
    ] {
        check_width(&b, &app, "interviewer", &path, &mut report).await;
    }
    sign_out(&b).await;

    sign_in(&b, &app, &admin).await;
    for path in [
        "/",
        "/reviews",
        "/admin",
        "/admin/invites",
        "/admin/settings",
        "/admin/content",
        "/admin/audit",
    ] {
        check_width(&b, &app, "admin", path, &mut report).await;
    }
    // every section of the top navigation is on screen, none hidden in a scroller
    b.goto(&app.url("/")).await;
    for link in ["/reviews", "/admin"] {
        if !in_view(&b, &format!(".primary-nav a[href=\"{link}\"]")).await {
            report.push(format!("{link} is hidden in the navigation at 390 px"));
        }
    }
    b.close().await;
    assert!(
        report.is_empty(),
        "pages wider than a phone:\n{}",
        report.join("\n")
    );
}

/// A one-round gauntlet for the authoring test; `prompt` is the interviewer's question.
fn authored(prompt: &str) -> String {
    format!(
        "# Interview Gauntlet: Written Online

**Category:** Observability
**Difficulty:** L2
**Duration:** 10 minutes
**Domains:** Metrics

---

## Round 1: The Alert

**Interviewer:** \"{prompt}\"

### Strong Answer:

\"Check the error budget: 99.9% over 30 days allows 43 minutes of errors.\"

### Common Weak Answers:

- \"Restart everything.\" - It hides the cause.

### What This Sequence Tested:

| Round | Skill Tested |
| --- | --- |
| 1 | Reading an SLO |
"
    )
}

#[tokio::test]
async fn t98_an_author_writes_sees_errors_fixes_previews_publishes_and_revises_while_attempts_keep_v1()
 {
    let app = https_app().await;
    let email = app.create_user(Role::Admin).await;
    let b = https_browser(true).await;
    sign_in(&b, &app, &email).await;
    let mut axe = Vec::new();
    b.goto(&app.url("/author")).await;
    axe.extend(axe_violations(&b).await);
    b.fill("#new-slug", "written-online").await;
    b.click("form[action='/author/new'] button[type=submit]")
        .await;
    b.wait_for_text("Draft, never published").await;

    // a broken text: the checker's errors appear with their line numbers while typing
    let v1 = authored("The error budget alert fired. What do you check first?");
    b.fill(
        "#source",
        &v1.replace("## Round 1: The Alert", "## Round one"),
    )
    .await;
    wait_until("the checker's errors", || async {
        b.text("[data-check-errors]").await.contains("line ")
    })
    .await;
    assert!(b.text("[data-preview]").await.contains("Fix the errors"));
    axe.extend(axe_violations(&b).await);

    // fixed: no errors, and the preview shows the round to both sides
    b.fill("#source", &v1).await;
    wait_until("the checker's all-clear", || async {
        b.text("[data-check-summary]").await.contains("No errors")
    })
    .await;
    let preview = b.text("[data-preview]").await;
    assert!(preview.contains("The error budget alert fired. What do you check first?"));
    assert!(preview.to_lowercase().contains("the interviewer sees"));
    assert_eq!(b.text("[data-check-errors]").await, "");
    axe.extend(axe_violations(&b).await);

    b.click("button[formaction$='/publish']").await;
    b.wait_for_text("Published version 1.").await;

    // an attempt pins v1
    b.goto(&app.url("/gauntlets/written-online")).await;
    b.click(".start-panel button[type=submit]").await;
    b.wait_for_text("Round 1 of 1").await;
    let attempt = b.path().await;
    b.wait_for_text("What do you check first?").await;

    // revise and publish v2
    b.goto(&app.url("/author/gauntlets/written-online")).await;
    b.wait_for_text("Published v1").await;
    let v2 = authored("The burn rate alert fired at 14x. What now?");
    b.fill("#source", &v2).await;
    b.click("button[formaction$='/publish']").await;
    b.wait_for_text("Published version 2.").await;

    // the old attempt still shows v1; the catalog's gauntlet is v2
    b.goto(&app.url(&attempt)).await;
    b.wait_for_text("Round 1 of 1").await;
    let html = b.html().await;
    assert!(html.contains("What do you check first?"));
    assert!(!html.contains("burn rate alert"));
    let versions: Vec<String> =
        sqlx::query_scalar("select version from authored_publications order by number")
            .fetch_all(app.pool())
            .await
            .unwrap();
    assert_eq!(versions.len(), 2);
    let pinned: String = sqlx::query_scalar("select version from attempts")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(pinned, versions[0]);
    for page in [
        "/author/gauntlets/written-online/history",
        "/author/gauntlets/written-online/diff?from=1&to=2",
        "/author/gauntlets/multi-region-kubernetes",
    ] {
        b.goto(&app.url(page)).await;
        axe.extend(axe_violations(&b).await);
    }
    b.close().await;
    assert!(
        axe.is_empty(),
        "accessibility violations:\n{}",
        axe.join("\n")
    );
}

/// At 1280 and 390 px: with JavaScript, the page has no serious accessibility violations and
/// no horizontal overflow at 390 px; when
/// `GAUNTLET_SHOTS` names a folder, a screenshot of each width is written there (for a person
/// to look at; nothing is kept in the repository).
async fn check_widths(b: &Browser, name: &str, javascript: bool) {
    if javascript {
        let found = axe_violations(b).await;
        assert!(found.is_empty(), "{name}: {found:?}");
    }
    for width in [1280u32, 390] {
        b.client.set_window_size(width, 2000).await.unwrap();
        if javascript {
            let fits = b
                .client
                .execute(
                    "return document.documentElement.scrollWidth <= window.innerWidth",
                    vec![],
                )
                .await
                .unwrap();
            assert_eq!(
                fits,
                serde_json::json!(true),
                "{name} overflows at {width} px"
            );
        }
        if let Some(dir) = std::env::var_os("GAUNTLET_SHOTS") {
            let js = if javascript { "js" } else { "nojs" };
            let png = b.client.screenshot().await.unwrap();
            std::fs::write(
                std::path::Path::new(&dir).join(format!("{name}-{width}-{js}.png")),
                png,
            )
            .unwrap();
        }
    }
    b.client.set_window_size(1280, 900).await.unwrap();
}

/// A candidate who fell into round 2's trap retries the round, compares, then drills the trap
/// from home: reveal with Space and rate with 3 (JavaScript), or with the buttons (without).
async fn drill_flow(javascript: bool) {
    let app = https_app().await;
    let email = app.create_user(Role::Candidate).await;
    let b = https_browser(javascript).await;
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
    check_widths(&b, "compare", javascript).await;

    // home → the due drill
    b.goto(&app.url("/")).await;
    b.wait_for_text("drill due today").await;
    check_widths(&b, "home", javascript).await;
    b.click(".drills-home a.button.primary").await;
    b.wait_for_text("Your answer").await;
    assert!(
        !b.html().await.contains("bluffs here"),
        "nothing revealed yet"
    );
    check_widths(&b, "drill", javascript).await;
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
    check_widths(&b, "reveal", javascript).await;
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
    check_widths(&b, "drills", javascript).await;
    b.goto(&app.url("/history")).await;
    b.wait_for_text("Drills done").await;
    check_widths(&b, "history", javascript).await;
    b.close().await;
}

#[tokio::test]
async fn a_candidate_retries_a_round_and_drills_a_trap_with_the_keyboard() {
    drill_flow(true).await;
}

#[tokio::test]
async fn the_drill_flow_works_without_javascript() {
    drill_flow(false).await;
}

// ---- live interviews (issue 16) -------------------------------------------------------------

/// The text of the first element matching `css`, or "" while it is not on the page (a page
/// that reloads itself has it missing for a moment).
async fn text_or_empty(b: &Browser, css: &str) -> String {
    match b.client.find(Locator::Css(css)).await {
        Ok(el) => el.text().await.unwrap_or_default(),
        Err(_) => String::new(),
    }
}

#[tokio::test]
async fn live_two_browsers_the_console_follows_the_typing_and_a_reveal_reaches_the_candidate() {
    let app = https_app().await;
    let interviewer = app.create_user(Role::Interviewer).await;
    let candidate = app.create_user(Role::Candidate).await;
    let bi = https_browser(true).await;
    let bc = https_browser(true).await;
    sign_in(&bi, &app, &interviewer).await;
    sign_in(&bc, &app, &candidate).await;

    bi.goto(&app.url("/gauntlets/multi-region-kubernetes"))
        .await;
    bi.fill("#candidate_email", &candidate).await;
    bi.click("form[data-live-start] button[type=submit]").await;
    bi.wait_for_text("Interviewing").await;

    // the candidate's home offers the session; joining waits in the lobby
    bc.goto(&app.url("/")).await;
    bc.wait_for_text("Join the live interview with").await;
    bc.click(".live-invite a.button").await;
    bc.wait_for_text("Please wait").await;
    bi.wait_for_text("The candidate is on the interview page")
        .await;
    bc.wait_for_text("The interviewer is watching").await;
    let mut axe = Vec::new();
    for f in axe_violations(&bc).await {
        axe.push(format!("waiting: {f}"));
    }

    // round 1 appears on the candidate's page without anyone reloading it
    bi.click("button[data-control=reveal]").await;
    bc.wait_for_text("Round 1 of 5").await;
    wait_until("the answer box", || async {
        bc.client.find(Locator::Css("#answer")).await.is_ok()
    })
    .await;

    // the console shows the text as it is typed, with the hints following it
    let typed =
        "A Kubernetes cluster per region, Route 53 latency routing, regional read replicas.";
    bc.fill("#answer", typed).await;
    wait_until("the typed text on the console", || async {
        text_or_empty(&bi, "[data-live-answer]").await == typed
    })
    .await;
    wait_until("the hints on the console", || async {
        text_or_empty(&bi, "[data-live-coverage]")
            .await
            .contains("key points covered")
    })
    .await;
    // the candidate rewrites it; the console follows
    let rewritten = format!("{typed} Failover by promoting a replica.");
    bc.fill("#answer", &rewritten).await;
    wait_until("the rewritten text on the console", || async {
        text_or_empty(&bi, "[data-live-answer]").await == rewritten
    })
    .await;

    // a nudge shows on the candidate's page
    bi.fill("#nudge", "Think about where the database lives.")
        .await;
    bi.click(".nudge-form button[type=submit]").await;
    bc.wait_for_text("Think about where the database lives.")
        .await;
    for f in axe_violations(&bc).await {
        axe.push(format!("live round: {f}"));
    }
    bi.wait_for_text("Interviewing").await;
    for f in axe_violations(&bi).await {
        axe.push(format!("console: {f}"));
    }

    // submitting holds the candidate until the interviewer reveals round 2
    bc.click(".answer-actions button.primary").await;
    bc.wait_for_text("The interviewer will reveal the next round")
        .await;
    bi.wait_for_text("Interviewing").await;
    bi.click("button[data-control=reveal]").await;
    bc.wait_for_text("Round 2 of 5").await;
    assert_eq!(stored_body(&app, 1, "main").await, rewritten);

    // the interviewer ends the session (after a confirmation); the candidate lands on the debrief
    bi.wait_for_text("Round 2 of 5").await;
    bi.click("button[value=end]").await;
    wait_until("the confirmation", || async {
        bi.open_dialog().await.is_some()
    })
    .await;
    bi.client.accept_alert().await.unwrap();
    bi.wait_for_text("This session has ended").await;
    bc.wait_for_text("Debrief").await;

    // the review replays how round 1 was written
    let attempt: i64 = sqlx::query_scalar("select attempt_id from live_sessions")
        .fetch_one(app.pool())
        .await
        .unwrap();
    bi.goto(&app.url(&format!("/reviews/{attempt}"))).await;
    // clear of the scorecard bar at the bottom of the window
    bi.client
        .execute(
            "document.querySelector('#round-1 details[data-replay] summary').scrollIntoView({block: 'center'}); return null;",
            vec![],
        )
        .await
        .unwrap();
    bi.click("#round-1 details[data-replay] summary").await;
    assert_eq!(bi.text("#round-1 [data-replay-text]").await, rewritten);
    bi.client
        .execute(
            "var r = document.querySelector('#round-1 [data-replay-range]'); r.value = 0; r.dispatchEvent(new Event('input')); return null;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(bi.text("#round-1 [data-replay-text]").await, typed);
    for f in axe_violations(&bi).await {
        axe.push(format!("review with replay: {f}"));
    }
    assert!(
        axe.is_empty(),
        "accessibility violations:\n{}",
        axe.join("\n")
    );
    bi.close().await;
    bc.close().await;
}

// ---------------------------------------------------------------------------------------------
// Issue 13: what a candidate sees of reviews, history, conflicts, the catalog and the menus.
// ---------------------------------------------------------------------------------------------

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
    b.click("input[name=level_1][value='3']").await;
    b.click("#self-assessment-form button[type=submit]").await;
    b.wait_for_text("Self-assessment saved").await;
    b.click("form[action$='/review'] button[type=submit]").await;
    b.wait_for_text("Review requested").await;
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

#[tokio::test]
async fn the_two_tab_conflict_shows_a_word_diff_and_a_merge_can_be_saved() {
    let app = https_app().await;
    let email = app.create_user(Role::Candidate).await;
    let b = https_browser(true).await;
    sign_in(&b, &app, &email).await;
    let attempt = start_seed(&b, &app).await;
    let tab_a = b.client.window().await.unwrap();
    let tab_b = b.client.new_window(true).await.unwrap().handle;
    b.client.switch_to_window(tab_b.clone()).await.unwrap();
    b.goto(&app.url(&attempt)).await;
    b.wait_for_text("Round 1 of 5").await;
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
    assert!(hint.contains("the interviewer's follow-up") || hint.contains("next round"));
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
    let tab_a = b.client.window().await.unwrap();
    let tab_b = b.client.new_window(true).await.unwrap().handle;
    b.client.switch_to_window(tab_b).await.unwrap();
    b.goto(&app.url(&attempt)).await;
    b.wait_for_text("Round 1 of 5").await;
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

// ---------------------------------------------------------------------------------------------
// Issue 17: the pages added for mail, password reset and reviewer assignment.
// ---------------------------------------------------------------------------------------------

/// Page width against the window's (nothing may scroll sideways), and the outermost elements
/// that stick out, to say what to fix.
async fn page_overflow(b: &Browser) -> (i64, i64, String) {
    let v = b
        .client
        .execute(
            "const w = window.innerWidth; \
             const clipped = e => { for (let p = e.parentElement; p && p !== document.body; \
               p = p.parentElement) { if (getComputedStyle(p).overflowX !== 'visible') return true; } \
               return false; }; \
             const out = [...document.querySelectorAll('body *')].filter(e => \
               e.getBoundingClientRect().right > w + 1 && !clipped(e)); \
             return [document.documentElement.scrollWidth, w, \
               out.slice(0, 5).map(e => e.tagName + '.' + e.className).join(', ')];",
            vec![],
        )
        .await
        .unwrap();
    (
        v[0].as_i64().unwrap(),
        v[1].as_i64().unwrap(),
        v[2].as_str().unwrap_or_default().to_string(),
    )
}

/// Checks the current page at 1280 and 390 px wide: no sideways scrolling, and (with
/// JavaScript) no serious axe-core violation. With `GAUNTLET_SCREENSHOTS=DIR` set, saves a PNG
/// of each width there for a person to look at.
async fn check_page_widths(b: &Browser, name: &str, javascript: bool, report: &mut Vec<String>) {
    for (w, h) in [(1280, 900), (390, 844)] {
        b.client.set_window_size(w, h).await.unwrap();
        let (scroll, inner, culprits) = page_overflow(b).await;
        if scroll > inner {
            report.push(format!(
                "{name} at {w}px: {scroll}px wide in a {inner}px window ({culprits})"
            ));
        }
        if javascript && w == 1280 {
            for v in axe_violations(b).await {
                report.push(format!("{name}: {v}"));
            }
        }
        if let Ok(dir) = std::env::var("GAUNTLET_SCREENSHOTS") {
            let js = if javascript { "js" } else { "nojs" };
            let png = b.client.screenshot().await.unwrap();
            std::fs::write(format!("{dir}/{name}-{w}-{js}.png"), png).unwrap();
        }
    }
    b.client.set_window_size(1280, 900).await.unwrap();
}

#[tokio::test]
async fn the_mail_reset_and_assignment_pages_fit_a_phone_work_without_javascript_and_pass_axe() {
    let mut smtp = common::smtp::SmtpSink::start(0).await;
    let smtp_url = smtp.url();
    let app = tls::spawn_https(Options {
        tweak: Some(Box::new(move |c| {
            c.mail.smtp_url = Some(smtp_url);
            c.mail.from = Some("Gauntlet <gauntlet@team.example>".into());
        })),
        ..Options::default()
    })
    .await
    .0;
    let admin = app.create_user(Role::Admin).await;
    let interviewer = app.create_user(Role::Interviewer).await;
    let candidate = app.create_user(Role::Candidate).await;
    sqlx::query("update settings set value = 'round_robin' where key = 'assignment_mode'")
        .execute(app.writer())
        .await
        .unwrap();
    let mut report = Vec::new();
    for javascript in [true, false] {
        let b = https_browser(javascript).await;
        if javascript {
            // a request, assigned to the interviewer, for the queue below
            sign_in(&b, &app, &candidate).await;
            start_seed(&b, &app).await;
            answer_whole_seed(&b, &app).await;
            b.click("form[action$='/review'] button[type=submit]").await;
            b.wait_for_text("Review requested").await;
            sign_out(&b).await;
        }
        b.goto(&app.url("/login")).await;
        check_page_widths(&b, "login", javascript, &mut report).await;
        b.click("a[href='/password/forgot']").await;
        b.wait_for_text("new password").await;
        check_page_widths(&b, "forgot", javascript, &mut report).await;
        b.fill("#email", &interviewer).await;
        b.click("form.stack button[type=submit]").await;
        b.wait_for_text("is on its way").await;
        check_page_widths(&b, "forgot-sent", javascript, &mut report).await;
        let mail = loop {
            let (m, _) = smtp.next_to(&interviewer).await;
            if m.subject == "Reset your Gauntlet password" {
                break m;
            }
        };
        let link = mail
            .text
            .split_whitespace()
            .find(|w| w.contains("/password/reset/"))
            .expect("a reset link")
            .to_string();
        b.goto(&link).await;
        check_page_widths(&b, "reset", javascript, &mut report).await;

        sign_in(&b, &app, &interviewer).await;
        b.goto(&app.url("/reviews")).await;
        b.wait_for_text("assigned to you").await;
        check_page_widths(&b, "queue", javascript, &mut report).await;
        b.goto(&app.url("/account/notifications")).await;
        check_page_widths(&b, "notifications", javascript, &mut report).await;
        // turn "review requested" off through the form; the page shows it saved and unticked
        b.click("input[name=on_review_requested]").await;
        b.click("form.panel button[type=submit]").await;
        b.wait_for_text("Notification settings saved").await;
        assert!(
            !b.html()
                .await
                .contains("name=\"on_review_requested\" value=\"on\" checked")
        );
        // a fresh page (the flash was shown once), so the wait below sees this save's message
        b.goto(&app.url("/account/notifications")).await;
        b.click("input[name=on_review_requested]").await;
        b.click("form.panel button[type=submit]").await;
        b.wait_for_text("Notification settings saved").await;
        sign_out(&b).await;

        sign_in(&b, &app, &admin).await;
        for (name, page) in [
            ("admin-settings", "/admin/settings"),
            ("admin-invites", "/admin/invites"),
            ("admin-waiting", "/admin/waiting"),
            ("admin-mail", "/admin/mail"),
        ] {
            b.goto(&app.url(page)).await;
            check_page_widths(&b, name, javascript, &mut report).await;
        }
        b.close().await;
    }
    assert!(report.is_empty(), "problems:\n{}", report.join("\n"));
}

/// The third-party `oidc-provider-mock` (installed by scripts/test into a virtual environment
/// under target/) on a free loopback port, with one predefined person; ended on drop.
struct MockProvider {
    child: std::process::Child,
    issuer: String,
}

impl MockProvider {
    fn start(person: &serde_json::Value) -> Self {
        use std::io::BufRead;
        let bin = std::env::var("GAUNTLET_OIDC_MOCK").unwrap_or_else(|_| {
            format!(
                "{}/target/oidc-venv/bin/oidc-provider-mock",
                env!("CARGO_MANIFEST_DIR")
            )
        });
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = std::process::Command::new(&bin)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args([
                "--require-nonce",
                "true",
                "--user-claims",
                &person.to_string(),
            ])
            // its log is the readiness signal: line by line, not in 4 KB blocks
            .env("PYTHONUNBUFFERED", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{bin}: {e} (scripts/test installs it)"));
        // it says when it listens (on stdout or stderr, depending on where they go); its log is
        // read on (and dropped) so it never blocks
        let (ready, listening) = std::sync::mpsc::channel();
        let out: Vec<Box<dyn std::io::Read + Send>> = vec![
            Box::new(child.stdout.take().unwrap()),
            Box::new(child.stderr.take().unwrap()),
        ];
        for stream in out {
            let ready = ready.clone();
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(stream)
                    .lines()
                    .map_while(Result::ok)
                {
                    if line.contains("running on") {
                        let _ = ready.send(());
                    }
                }
            });
        }
        drop(ready);
        listening
            .recv()
            .expect("oidc-provider-mock exited before listening");
        Self {
            child,
            issuer: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for MockProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn a_person_signs_in_through_the_third_party_provider_and_joins_with_their_groups_role() {
    let person = serde_json::json!({
        "sub": "grace-1", "email": "grace@team.example", "email_verified": true,
        "name": "Grace Hopper", "groups": ["staff", "gauntlet-interviewers"],
    });
    let mock = MockProvider::start(&person);
    let issuer = mock.issuer.clone();
    let (app, _front) = tls::spawn_https(Options {
        tweak: Some(Box::new(move |c| {
            c.oidc = Some(gauntlet::config::OidcConfig {
                issuer,
                client_id: "gauntlet".into(),
                client_secret: gauntlet::config::Secret("mock-secret".into()),
                name: "Mock ID".into(),
                role_claim: Some("groups".into()),
                admin_group: Some("gauntlet-admins".into()),
                interviewer_group: Some("gauntlet-interviewers".into()),
            });
        })),
        ..Options::default()
    })
    .await;
    sqlx::query("insert into settings (key, value, updated_at) values ('oidc_join', 'on', 0)")
        .execute(app.pool())
        .await
        .unwrap();
    for javascript in [true, false] {
        let b = https_browser(javascript).await;
        b.goto(&app.url("/login")).await;
        b.wait_for_text("Sign in with Mock ID").await;
        b.shot(&format!("sso-login-1280-js-{javascript}")).await;
        b.phone(true).await;
        assert!(!b.overflows().await, "the sign-in page fits a phone");
        b.shot(&format!("sso-login-390-js-{javascript}")).await;
        b.phone(false).await;
        b.click("a#sso").await;
        // the provider's own page: pick the predefined person
        b.wait_for_text("Authorize Client").await;
        b.click("button[name=sub][value=grace-1]").await;
        b.wait_for_text("Grace Hopper").await;
        assert_eq!(b.path().await, "/");
        b.close().await;
    }
    let (role, linked): (String, i64) = sqlx::query_as(
        "select u.role, (select count(*) from oidc_identities i where i.user_id = u.id)
         from users u where u.email = 'grace@team.example'",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(
        (role.as_str(), linked),
        ("interviewer", 1),
        "one account, the second sign-in found it"
    );
}
