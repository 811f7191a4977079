//! Live interviews (issue 16) in two browsers: the console follows the typing and a reveal
//! reaches the candidate.

use fantoccini::Locator;
use gauntlet::auth::Role;

use crate::browser::Browser;
use crate::checks::axe_violations;
use crate::common::{self, Options, PASSWORD, TestApp};
use crate::flows::{stored_body, wait_status};
use crate::{https_app, https_browser, sign_in, wait_until};

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

/// A TCP relay in front of the app standing in for the candidate's network: `cut` closes every
/// connection through it and refuses new ones until `restore`.
struct Relay {
    cut: std::sync::Arc<std::sync::atomic::AtomicBool>,
    conns: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Relay {
    /// Relays connections from `listener` to `target`.
    fn start(listener: tokio::net::TcpListener, target: std::net::SocketAddr) -> Self {
        let cut = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let conns = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (c, list) = (cut.clone(), conns.clone());
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if c.load(std::sync::atomic::Ordering::SeqCst) {
                    continue; // dropped: the connection closes at once
                }
                list.lock().unwrap().push(tokio::spawn(async move {
                    if let Ok(mut out) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                    }
                }));
            }
        });
        Self { cut, conns }
    }

    fn cut(&self) {
        self.cut.store(true, std::sync::atomic::Ordering::SeqCst);
        for c in self.conns.lock().unwrap().drain(..) {
            c.abort();
        }
    }

    fn restore(&self) {
        self.cut.store(false, std::sync::atomic::Ordering::SeqCst);
    }
}

#[tokio::test]
async fn live_the_candidates_network_drops_and_comes_back_and_nothing_typed_is_lost() {
    // the candidate's browser reaches the app (its public URL) through the relay; the
    // interviewer drives the session over HTTP, straight to the app
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let public = format!("http://{}", listener.local_addr().unwrap());
    let app = TestApp::spawn_with(Options {
        public_url: Some(public.clone()),
        ..Options::default()
    })
    .await;
    let relay = Relay::start(listener, app.running().addr);
    let via = |path: &str| format!("{public}{path}");
    let (interviewer, _) = app.signed_in(Role::Interviewer).await;
    let candidate = app.create_user(Role::Candidate).await;
    let seed = "/gauntlets/multi-region-kubernetes";
    let fields = [
        ("candidate_email", candidate.as_str()),
        ("scheduled_at", ""),
    ];
    let r = common::post_form(&app, &interviewer, seed, &format!("{seed}/live"), &fields).await;
    let console = common::location(&r);
    let attempt: i64 = sqlx::query_scalar("select attempt_id from live_sessions")
        .fetch_one(app.pool())
        .await
        .unwrap();
    let bc = Browser::start(true).await;
    bc.goto(&via("/login")).await;
    bc.fill("#email", &candidate).await;
    bc.fill("#password", PASSWORD).await;
    bc.click("form.stack button[type=submit]").await;
    bc.wait_for_text("Welcome back").await;
    bc.goto(&via(&format!("/attempts/{attempt}"))).await;
    bc.wait_for_text("Please wait").await;
    let control = |action: &'static str| {
        let (app, interviewer, console) = (&app, &interviewer, console.clone());
        async move {
            let path = format!("{console}/{action}");
            let fields: &[(&str, &str)] = if action == "control" {
                &[("action", "reveal")]
            } else {
                &[("text", "Welcome back to the interview.")]
            };
            let r = common::post_form(app, interviewer, &console, &path, fields).await;
            assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER, "{path}");
        }
    };
    control("control").await;
    bc.wait_for_text("Round 1 of 5").await;
    wait_until("the answer box", || async {
        bc.client.find(Locator::Css("#answer")).await.is_ok()
    })
    .await;
    let before = "One cluster per region behind latency routing.";
    bc.fill("#answer", before).await;
    wait_until("the first save", || async {
        stored_body(&app, 1, "main").await == before
    })
    .await;

    // the network drops: the stream breaks and saves fail, typing goes on
    relay.cut();
    bc.wait_for_text("Reconnecting…").await;
    let during = " Written while offline: the replica is promoted on failover.";
    bc.client
        .find(Locator::Css("#answer"))
        .await
        .unwrap()
        .send_keys(during)
        .await
        .unwrap();
    wait_status(&bc, "Not saved — retrying").await;
    assert_eq!(
        stored_body(&app, 1, "main").await,
        before,
        "nothing got through"
    );

    // back: the text typed offline is saved and the console shows it
    relay.restore();
    let full = format!("{before}{during}");
    wait_until("the offline text saved", || async {
        stored_body(&app, 1, "main").await == full
    })
    .await;
    assert_eq!(bc.value("#answer").await, full);
    let html = interviewer
        .get(app.url(&console))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&full), "the console shows the final text");
    // the page subscribed again: a nudge arrives without a reload
    control("nudge").await;
    bc.wait_for_text("Welcome back to the interview.").await;
    bc.close().await;
}

/// A live invite for someone without an account: its sign-up form shows the invited address
/// read-only (at 1280 and 390 px, nothing sticking out), and signing up with it lands the
/// newcomer in the interview.
#[tokio::test]
async fn live_an_invited_newcomer_signs_up_with_the_address_shown_and_lands_in_the_interview() {
    let app = https_app().await;
    let interviewer = app.create_user(Role::Interviewer).await;
    let bi = https_browser(true).await;
    sign_in(&bi, &app, &interviewer).await;
    bi.goto(&app.url("/gauntlets/multi-region-kubernetes"))
        .await;
    bi.fill("#candidate_email", "Newcomer@New.example").await;
    bi.click("form[data-live-start] button[type=submit]").await;
    bi.wait_for_text("has no account yet").await;
    let link = bi.value("#join-link").await;
    assert!(link.contains("/invite/"), "{link}");

    let bc = https_browser(true).await;
    bc.goto(&link).await;
    assert_eq!(bc.value("#email").await, "newcomer@new.example");
    let read_only = bc
        .client
        .execute("return document.querySelector('#email').readOnly", vec![])
        .await
        .unwrap();
    assert_eq!(read_only, serde_json::json!(true));
    assert!(
        bc.text("#email-hint")
            .await
            .contains("made for this address")
    );
    bc.shot("live-invite-sign-up-1280").await;
    bc.phone(true).await;
    assert!(!bc.overflows().await, "the sign-up form fits a phone");
    bc.shot("live-invite-sign-up-390").await;
    bc.phone(false).await;
    bc.fill("#name", "Nadia Newcomer").await;
    bc.fill("#password", PASSWORD).await;
    bc.fill("#confirm", PASSWORD).await;
    bc.click("form.stack button[type=submit]").await;
    wait_until("the newcomer lands in the interview", || async {
        bc.path().await.starts_with("/attempts/")
    })
    .await;
    bi.close().await;
    bc.close().await;
}
