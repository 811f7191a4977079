//! Live mock interviews over HTTP: the event streams read as a browser's EventSource reads them,
//! pacing, who may subscribe and control, nudges, private notes, the hand-over to the debrief
//! and the review, and a restart mid-session.

use std::time::Duration;

use gauntlet::{auth::Role, live::hub::MAX_PER_USER};
use reqwest::{Client, StatusCode};
use serde_json::Value;

use crate::common::{PASSWORD, TestApp, csrf, db_fingerprint, location, page_text, post_form};

const SEED: &str = "multi-region-kubernetes";

/// A signed-in interviewer and candidate with a live session between them.
struct Live {
    interviewer: Client,
    candidate: Client,
    interviewer_id: i64,
    session: i64,
    attempt: i64,
}

async fn start_live(app: &TestApp) -> Live {
    let (interviewer, i_email) = app.signed_in(Role::Interviewer).await;
    let (candidate, c_email) = app.signed_in(Role::Candidate).await;
    let r = post_form(
        app,
        &interviewer,
        &format!("/gauntlets/{SEED}"),
        &format!("/gauntlets/{SEED}/live"),
        &[("candidate_email", c_email.as_str()), ("scheduled_at", "")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let session: i64 = location(&r).trim_start_matches("/live/").parse().unwrap();
    let attempt: i64 = sqlx::query_scalar("select attempt_id from live_sessions where id = ?")
        .bind(session)
        .fetch_one(app.pool())
        .await
        .unwrap();
    Live {
        interviewer,
        candidate,
        interviewer_id: app.user_id(&i_email).await,
        session,
        attempt,
    }
}

async fn control(app: &TestApp, l: &Live, action: &str) -> reqwest::Response {
    post_form(
        app,
        &l.interviewer,
        &format!("/live/{}", l.session),
        &format!("/live/{}/control", l.session),
        &[("action", action)],
    )
    .await
}

async fn autosave(
    app: &TestApp,
    l: &Live,
    round: u32,
    part: &str,
    body: &str,
    base: i64,
) -> reqwest::Response {
    let token = csrf(app, &l.candidate, "/").await;
    l.candidate
        .post(app.url(&format!(
            "/attempts/{}/steps/{round}/{part}/save",
            l.attempt
        )))
        .header("x-csrf-token", token)
        .header("accept", "application/json")
        .form(&[("body", body), ("base_version", &base.to_string())])
        .send()
        .await
        .unwrap()
}

async fn submit(app: &TestApp, l: &Live, round: u32, part: &str, body: &str) -> reqwest::Response {
    let token = csrf(app, &l.candidate, "/").await;
    let base: i64 = sqlx::query_scalar(
        "select coalesce((select version from answers where attempt_id = ? and round_number = ? and part = ?), 0)",
    )
    .bind(l.attempt)
    .bind(round)
    .bind(part)
    .fetch_one(app.pool())
    .await
    .unwrap();
    l.candidate
        .post(app.url(&format!(
            "/attempts/{}/steps/{round}/{part}/submit",
            l.attempt
        )))
        .form(&[
            ("_csrf", token.as_str()),
            ("body", body),
            ("base_version", &base.to_string()),
        ])
        .send()
        .await
        .unwrap()
}

/// An open event stream, read event by event.
struct Stream {
    resp: reqwest::Response,
    buf: String,
}

/// One server-sent event.
#[derive(Debug)]
struct Sse {
    event: String,
    id: String,
    data: Value,
}

impl Stream {
    async fn open(app: &TestApp, client: &Client, path: &str, last_id: Option<&str>) -> Self {
        let mut req = client
            .get(app.url(path))
            .header("accept", "text/event-stream");
        if let Some(id) = last_id {
            req = req.header("last-event-id", id);
        }
        let resp = req.send().await.unwrap();
        assert_eq!(resp.status(), StatusCode::OK, "{path}");
        assert_eq!(resp.headers()["content-type"], "text/event-stream");
        assert_eq!(resp.headers()["x-accel-buffering"], "no");
        Self {
            resp,
            buf: String::new(),
        }
    }

    /// The next event (keep-alive comments skipped); fails the test after 20 s of nothing.
    async fn next(&mut self) -> Sse {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let (mut event, mut id, mut data) = (String::new(), String::new(), String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("id:") {
                        id = v.trim().to_string();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.strip_prefix(' ').unwrap_or(v));
                    }
                }
                if event.is_empty() {
                    continue;
                }
                let data = serde_json::from_str(&data).unwrap_or(Value::Null);
                return Sse { event, id, data };
            }
            let chunk = tokio::time::timeout(Duration::from_secs(20), self.resp.chunk())
                .await
                .expect("an event within 20 s")
                .unwrap()
                .expect("the stream stays open");
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// The next event named `name`, skipping others.
    async fn next_named(&mut self, name: &str) -> Sse {
        loop {
            let ev = self.next().await;
            if ev.event == name {
                return ev;
            }
        }
    }
}

#[tokio::test]
async fn live_a_save_reaches_the_consoles_stream_as_an_answer_event_with_the_text() {
    let app = TestApp::spawn().await;
    let l = start_live(&app).await;
    assert_eq!(
        control(&app, &l, "reveal").await.status(),
        StatusCode::SEE_OTHER
    );
    let mut console = Stream::open(
        &app,
        &l.interviewer,
        &format!("/live/{}/events", l.session),
        None,
    )
    .await;
    let snap = console.next().await;
    assert_eq!(snap.event, "snapshot");
    assert_eq!(snap.data["phase"], "round");
    assert_eq!(snap.data["round"], 1);
    // the candidate opens round 1 and types
    let html = page_text(&app, &l.candidate, &format!("/attempts/{}", l.attempt)).await;
    assert!(
        html.contains("data-live-events"),
        "the round page subscribes"
    );
    let r = autosave(&app, &l, 1, "main", "First I would pin down the RPO.", 0).await;
    assert_eq!(r.status(), StatusCode::OK);
    let ev = console.next_named("answer").await;
    assert_eq!(ev.data["body"], "First I would pin down the RPO.");
    assert_eq!(ev.data["round"], 1);
    assert_eq!(ev.data["version"], 1);
    assert!(
        ev.data["hints"]["coverage"].is_number(),
        "hints come with the text"
    );
    // and again: every save, in order
    autosave(
        &app,
        &l,
        1,
        "main",
        "First I would pin down the RPO and RTO.",
        1,
    )
    .await;
    let ev = console.next_named("answer").await;
    assert_eq!(ev.data["body"], "First I would pin down the RPO and RTO.");
}

#[tokio::test]
async fn live_reveal_reaches_the_candidates_stream_and_pacing_holds_the_next_round() {
    let app = TestApp::spawn().await;
    let l = start_live(&app).await;
    // the lobby: a waiting page, and nothing can be written
    let html = page_text(&app, &l.candidate, &format!("/attempts/{}", l.attempt)).await;
    assert!(html.contains("Please wait") && !html.contains("<textarea"));
    assert_ne!(
        submit(&app, &l, 1, "main", "too early").await.status(),
        StatusCode::SEE_OTHER
    );
    let mut cand = Stream::open(
        &app,
        &l.candidate,
        &format!("/attempts/{}/events", l.attempt),
        None,
    )
    .await;
    let snap = cand.next().await;
    assert_eq!(snap.event, "snapshot");
    assert_eq!(snap.data["phase"], "lobby");
    assert!(
        snap.data.get("answer").is_none(),
        "the candidate's view has no console parts"
    );
    control(&app, &l, "reveal").await;
    let ev = cand.next_named("state").await;
    assert_eq!(ev.data["phase"], "round");
    assert_eq!(ev.data["round"], 1);
    assert_eq!(ev.data["view"], "1-main");
    // round 1 submitted: the candidate waits for round 2 until it is revealed
    page_text(&app, &l.candidate, &format!("/attempts/{}", l.attempt)).await;
    assert_eq!(
        submit(&app, &l, 1, "main", "My round one answer.")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let ev = cand.next_named("state").await;
    assert_eq!(ev.data["view"], "wait-1-held");
    let html = page_text(&app, &l.candidate, &format!("/attempts/{}", l.attempt)).await;
    assert!(html.contains("will reveal the next round") && !html.contains("<textarea"));
    assert_eq!(
        autosave(&app, &l, 2, "main", "sneaking ahead", 0)
            .await
            .status(),
        StatusCode::CONFLICT
    );
    control(&app, &l, "reveal").await;
    let ev = cand.next_named("state").await;
    assert_eq!(ev.data["round"], 2);
    let html = page_text(&app, &l.candidate, &format!("/attempts/{}", l.attempt)).await;
    assert!(html.contains("<textarea") && html.contains("Round 2 of 5"));
    // round 2 has a trap follow-up: held until the interviewer asks it
    assert_eq!(
        submit(&app, &l, 2, "main", "My round two answer.")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let html = page_text(&app, &l.candidate, &format!("/attempts/{}", l.attempt)).await;
    assert!(html.contains("follow-up question; please wait"));
    assert_eq!(
        control(&app, &l, "reveal").await.status(),
        StatusCode::CONFLICT
    );
    control(&app, &l, "follow_up").await;
    let html = page_text(&app, &l.candidate, &format!("/attempts/{}", l.attempt)).await;
    assert!(html.contains("The interviewer follows up"));
}

#[tokio::test]
async fn live_a_reconnect_with_last_event_id_gets_a_fresh_snapshot() {
    let app = TestApp::spawn().await;
    let l = start_live(&app).await;
    let path = format!("/live/{}/events", l.session);
    let mut first = Stream::open(&app, &l.interviewer, &path, None).await;
    first.next().await;
    control(&app, &l, "reveal").await;
    let ev = first.next_named("state").await;
    let last = ev.id.clone();
    assert!(!last.is_empty(), "events carry ids");
    drop(first);
    control(&app, &l, "pause").await;
    let mut again = Stream::open(&app, &l.interviewer, &path, Some(&last)).await;
    let snap = again.next().await;
    assert_eq!(
        snap.event, "snapshot",
        "whatever the last id, a reconnect starts afresh"
    );
    assert_eq!(snap.data["round"], 1);
    assert_eq!(
        snap.data["timer"]["paused"], true,
        "including what happened while away"
    );
}

#[tokio::test]
async fn t80_a_stranger_gets_404_on_every_live_route_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let l = start_live(&app).await;
    control(&app, &l, "reveal").await;
    let mut strangers = Vec::new();
    for role in [Role::Interviewer, Role::Candidate, Role::Admin] {
        let (client, _) = app.signed_in(role).await;
        let token = csrf(&app, &client, "/").await;
        strangers.push((client, token));
    }
    let candidate_token = csrf(&app, &l.candidate, "/").await;
    let before = db_fingerprint(&app).await;
    for (stranger, token) in &strangers {
        for path in [
            format!("/live/{}", l.session),
            format!("/live/{}/events", l.session),
            format!("/attempts/{}/events", l.attempt),
        ] {
            let r = stranger.get(app.url(&path)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        }
        for (path, field, value) in [
            ("control", "action", "end"),
            ("nudge", "text", "hello"),
            ("notes", "body", "x"),
        ] {
            let r = stranger
                .post(app.url(&format!("/live/{}/{path}", l.session)))
                .form(&[
                    ("_csrf", token.as_str()),
                    (field, value),
                    ("round", "1"),
                    ("quote", "x"),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "POST {path}");
        }
    }
    // the candidate reaches their own page and stream, but not the console's controls
    let r = l
        .candidate
        .post(app.url(&format!("/live/{}/control", l.session)))
        .form(&[("_csrf", candidate_token.as_str()), ("action", "end")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = l
        .interviewer
        .get(app.url(&format!("/attempts/{}/events", l.attempt)))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "the round page's stream is the candidate's"
    );
    assert_eq!(before, db_fingerprint(&app).await);
}

#[tokio::test]
async fn t81_controls_are_csrf_posts_recorded_with_who_and_when() {
    let app = TestApp::spawn().await;
    let l = start_live(&app).await;
    let url = app.url(&format!("/live/{}/control", l.session));
    let r = l
        .interviewer
        .post(&url)
        .form(&[("action", "reveal")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "no token");
    let r = l
        .interviewer
        .post(&url)
        .form(&[("_csrf", "forged"), ("action", "reveal")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "wrong token");
    let phase: String = sqlx::query_scalar("select phase from live_sessions where id = ?")
        .bind(l.session)
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(phase, "lobby", "nothing moved");
    let r = control(&app, &l, "teleport").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    control(&app, &l, "reveal").await;
    control(&app, &l, "pause").await;
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(
        "select actor_id, action, at from live_controls where session_id = ? order by id",
    )
    .bind(l.session)
    .fetch_all(app.pool())
    .await
    .unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.1.as_str()).collect();
    assert_eq!(actions, ["start", "reveal", "pause"]);
    assert!(
        rows.iter()
            .all(|r| r.0 == l.interviewer_id && r.2 > 1_700_000_000)
    );
    let console = page_text(&app, &l.interviewer, &format!("/live/{}", l.session)).await;
    assert!(console.contains(": pause"), "the console shows the log");
}

#[tokio::test]
async fn t82_nudges_are_bounded_and_escaped() {
    let app = TestApp::spawn().await;
    let l = start_live(&app).await;
    let mut cand = Stream::open(
        &app,
        &l.candidate,
        &format!("/attempts/{}/events", l.attempt),
        None,
    )
    .await;
    cand.next().await;
    let nudge = |text: String| {
        let (app, l) = (&app, &l);
        async move {
            post_form(
                app,
                &l.interviewer,
                &format!("/live/{}", l.session),
                &format!("/live/{}/nudge", l.session),
                &[("text", text.as_str())],
            )
            .await
        }
    };
    let before = db_fingerprint(&app).await;
    assert_eq!(
        nudge("x".repeat(281)).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        nudge("   ".into()).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        nudge("two\nlines".into()).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        before,
        db_fingerprint(&app).await,
        "refused nudges change nothing"
    );
    let evil = "<script>alert(1)</script> think of cost";
    assert_eq!(nudge(evil.into()).await.status(), StatusCode::SEE_OTHER);
    let ev = cand.next_named("nudge").await;
    assert_eq!(
        ev.data["text"], evil,
        "sent as JSON data, shown with textContent"
    );
    let html = page_text(&app, &l.candidate, &format!("/attempts/{}", l.attempt)).await;
    assert!(
        html.contains("&#60;script&#62;alert(1)&#60;/script&#62; think of cost"),
        "the nudge is on the page, escaped"
    );
    assert!(!html.contains("<script>alert(1)"));
}

#[tokio::test]
async fn t83_private_notes_never_reach_the_candidate_and_become_draft_comments_at_the_end() {
    let app = TestApp::spawn().await;
    let l = start_live(&app).await;
    control(&app, &l, "reveal").await;
    page_text(&app, &l.candidate, &format!("/attempts/{}", l.attempt)).await;
    autosave(
        &app,
        &l,
        1,
        "main",
        "I would fail over with DNS and hope.",
        0,
    )
    .await;
    let mut cand = Stream::open(
        &app,
        &l.candidate,
        &format!("/attempts/{}/events", l.attempt),
        None,
    )
    .await;
    let mut console = Stream::open(
        &app,
        &l.interviewer,
        &format!("/live/{}/events", l.session),
        None,
    )
    .await;
    console.next().await;
    let secret = "PRIVATE-NOTE: hand-waves the failover";
    let r = post_form(
        &app,
        &l.interviewer,
        &format!("/live/{}", l.session),
        &format!("/live/{}/notes", l.session),
        &[("round", "1"), ("quote", "DNS and hope"), ("body", secret)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let ev = console.next_named("note").await;
    assert_eq!(ev.data["body"], secret);
    // words not in the answer cannot carry a note
    let r = post_form(
        &app,
        &l.interviewer,
        &format!("/live/{}", l.session),
        &format!("/live/{}/notes", l.session),
        &[("round", "1"), ("quote", "not there"), ("body", "x")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = post_form(
        &app,
        &l.interviewer,
        &format!("/live/{}", l.session),
        &format!("/live/{}/notes", l.session),
        &[
            ("round", "1"),
            ("quote", "DNS and hope"),
            ("body", "bad\u{85}char"),
        ],
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "C1 controls are refused"
    );
    // the text moves; the note stays on its words
    autosave(
        &app,
        &l,
        1,
        "main",
        "Plan: I would fail over with DNS and hope.",
        1,
    )
    .await;
    console.next_named("answer").await;
    // a nudge after the note: everything the candidate's stream carried before it is read
    post_form(
        &app,
        &l.interviewer,
        &format!("/live/{}", l.session),
        &format!("/live/{}/nudge", l.session),
        &[("text", "go on")],
    )
    .await;
    let mut seen = String::new();
    loop {
        let ev = cand.next().await;
        seen.push_str(&ev.data.to_string());
        if ev.event == "nudge" {
            break;
        }
    }
    assert!(
        !seen.contains("PRIVATE-NOTE") && !seen.contains("I would fail over"),
        "no note, no console data: {seen}"
    );
    for path in [
        format!("/attempts/{}", l.attempt),
        "/".to_string(),
        "/history".to_string(),
    ] {
        assert!(
            !page_text(&app, &l.candidate, &path)
                .await
                .contains("PRIVATE-NOTE"),
            "{path}"
        );
    }
    let console_html = page_text(&app, &l.interviewer, &format!("/live/{}", l.session)).await;
    assert!(
        console_html.contains("PRIVATE-NOTE") && !console_html.contains("words since rewritten")
    );
    // the candidate cannot delete the attempt under the interviewer's feet
    let r = post_form(
        &app,
        &l.candidate,
        &format!("/attempts/{}", l.attempt),
        &format!("/attempts/{}/delete", l.attempt),
        &[],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    // the end: the candidate's debrief, the interviewer's claimed review with the note as a draft comment
    assert_eq!(
        control(&app, &l, "end").await.status(),
        StatusCode::SEE_OTHER
    );
    let r = l
        .candidate
        .get(app.url(&format!("/attempts/{}", l.attempt)))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), format!("/attempts/{}/debrief", l.attempt));
    let debrief = page_text(
        &app,
        &l.candidate,
        &format!("/attempts/{}/debrief", l.attempt),
    )
    .await;
    assert!(debrief.contains("Plan: I would fail over"));
    assert!(
        !debrief.contains("PRIVATE-NOTE"),
        "a draft review's comments stay private"
    );
    let (quote, body, start): (String, String, i64) = sqlx::query_as(
        "select c.quote, c.body, c.span_start from review_comments c join reviews r on r.id = c.review_id
         where r.attempt_id = ? and r.reviewer_id = ? and r.submitted_at is null",
    )
    .bind(l.attempt)
    .bind(l.interviewer_id)
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(
        (quote.as_str(), body.as_str(), start),
        ("DNS and hope", secret, 29)
    );
    let review = page_text(&app, &l.interviewer, &format!("/reviews/{}", l.attempt)).await;
    assert!(review.contains("PRIVATE-NOTE"));
    let unsubmitted: i64 = sqlx::query_scalar(
        "select count(*) from answers where attempt_id = ? and submitted_at is null",
    )
    .bind(l.attempt)
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(unsubmitted, 0);
}

#[tokio::test]
async fn t84_event_subscriptions_per_user_are_capped() {
    let app = TestApp::spawn().await;
    let l = start_live(&app).await;
    let path = format!("/live/{}/events", l.session);
    let mut open = Vec::new();
    for _ in 0..MAX_PER_USER {
        let mut s = Stream::open(&app, &l.interviewer, &path, None).await;
        s.next().await;
        open.push(s);
    }
    let r = l.interviewer.get(app.url(&path)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().contains_key("retry-after"));
    // the candidate's own streams are counted apart
    let mut c = Stream::open(
        &app,
        &l.candidate,
        &format!("/attempts/{}/events", l.attempt),
        None,
    )
    .await;
    c.next().await;
    drop(open.pop());
    // the closed stream is noticed once the server next writes to it
    control(&app, &l, "allow").await;
    let mut reopened = None;
    for _ in 0..50 {
        let r = l
            .interviewer
            .get(app.url(&path))
            .header("accept", "text/event-stream")
            .send()
            .await
            .unwrap();
        if r.status() == StatusCode::OK {
            reopened = Some(r);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(reopened.is_some(), "a closed stream frees its place");
}

#[tokio::test]
async fn live_sessions_are_started_by_interviewers_for_existing_accounts_and_shown_on_both_homes() {
    let app = TestApp::spawn().await;
    let (interviewer, _) = app.signed_in(Role::Interviewer).await;
    let (candidate, c_email) = app.signed_in(Role::Candidate).await;
    let start = |client: &Client, email: &str, when: &str| {
        let (client, email, when) = (client.clone(), email.to_string(), when.to_string());
        let app = &app;
        async move {
            post_form(
                app,
                &client,
                &format!("/gauntlets/{SEED}"),
                &format!("/gauntlets/{SEED}/live"),
                &[
                    ("candidate_email", email.as_str()),
                    ("scheduled_at", when.as_str()),
                    ("tz_offset", "-60"),
                ],
            )
            .await
        }
    };
    let before = db_fingerprint(&app).await;
    assert_eq!(
        start(&candidate, &c_email, "").await.status(),
        StatusCode::FORBIDDEN
    );
    let r = start(&interviewer, "nobody at team", "").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("does not look like an email address")
            && html.contains(r#"value="nobody at team""#),
        "the form comes back as typed, with the reason"
    );
    assert_eq!(
        start(&interviewer, &c_email, "soon").await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(before, db_fingerprint(&app).await);
    let r = start(&interviewer, &c_email, "2099-01-01T10:00").await;
    assert_eq!(
        r.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "more than 90 days ahead"
    );
    assert!(
        r.text()
            .await
            .unwrap()
            .contains(r#"value="2099-01-01T10:00""#)
    );
    let soon = time::OffsetDateTime::now_utc() + time::Duration::days(2);
    let local = format!(
        "{:04}-{:02}-{:02}T10:00",
        soon.year(),
        u8::from(soon.month()),
        soon.day()
    );
    let r = start(&interviewer, &c_email, &local).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id = location(&r);
    let scheduled: i64 =
        sqlx::query_scalar("select scheduled_at from live_sessions order by id desc limit 1")
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(scheduled % 86_400, 9 * 3600, "10:00 at UTC+1 is 09:00 UTC");
    let home = page_text(&app, &candidate, "/").await;
    assert!(home.contains("Join the live interview with"), "{home}");
    assert!(home.contains(&format!("href=\"{id}\"")));
    assert!(
        page_text(&app, &interviewer, "/")
            .await
            .contains("Open the console")
    );
    let console = page_text(&app, &interviewer, &id).await;
    assert!(
        console.contains(&app.url(&id)),
        "the console shows the join link"
    );
    // the join link takes the candidate to their round page
    let r = candidate.get(app.url(&id)).send().await.unwrap();
    let round_page = location(&r);
    assert!(round_page.starts_with("/attempts/"));
    // a session nobody joined expires: gone from the home page, and arriving late opens nothing
    sqlx::query("update live_sessions set expires_at = 1")
        .execute(app.writer())
        .await
        .unwrap();
    assert!(
        !page_text(&app, &candidate, "/")
            .await
            .contains("Join the live interview")
    );
    let late = page_text(&app, &candidate, &round_page).await;
    assert!(late.contains("expired before anyone joined"));
    assert!(late.contains(&format!("action=\"{round_page}/delete\"")));
    let joined: Option<i64> =
        sqlx::query_scalar("select joined_at from live_sessions order by id desc limit 1")
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(joined, None);
    // and the candidate may delete the attempt it left behind
    let r = post_form(
        &app,
        &candidate,
        &round_page,
        &format!("{round_page}/delete"),
        &[],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn live_a_server_restart_mid_session_resumes_from_the_database() {
    let mut app = TestApp::spawn().await;
    let l = start_live(&app).await;
    control(&app, &l, "reveal").await;
    page_text(&app, &l.candidate, &format!("/attempts/{}", l.attempt)).await;
    autosave(&app, &l, 1, "main", "Typed before the restart.", 0).await;
    let mut console = Stream::open(
        &app,
        &l.interviewer,
        &format!("/live/{}/events", l.session),
        None,
    )
    .await;
    console.next().await;
    app.restart().await;
    // the open stream ends with the old server; a new one picks up where the database stands
    let end = tokio::time::timeout(Duration::from_secs(20), async {
        while let Ok(Some(_)) = console.resp.chunk().await {}
    })
    .await;
    assert!(end.is_ok(), "streams end at shutdown instead of holding it");
    let mut again = Stream::open(
        &app,
        &l.interviewer,
        &format!("/live/{}/events", l.session),
        None,
    )
    .await;
    let snap = again.next().await;
    assert_eq!(snap.data["round"], 1);
    assert_eq!(snap.data["answer"]["body"], "Typed before the restart.");
    let html = page_text(&app, &l.candidate, &format!("/attempts/{}", l.attempt)).await;
    assert!(html.contains("Typed before the restart."));
}

// ---- invite links for candidates without an account ----------------------------------------

/// An interviewer starts a live interview for `email`, which has no account: the invite's page
/// and the link it shows once.
async fn start_invited(app: &TestApp, interviewer: &Client, email: &str) -> (String, String) {
    let r = post_form(
        app,
        interviewer,
        &format!("/gauntlets/{SEED}"),
        &format!("/gauntlets/{SEED}/live"),
        &[("candidate_email", email), ("scheduled_at", "")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let invite_page = location(&r);
    assert!(invite_page.starts_with("/live/invites/"), "{invite_page}");
    let html = page_text(app, interviewer, &invite_page).await;
    let at = html.find("/invite/").expect("the link is shown");
    let token: String = html[at + 8..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    assert!(
        !page_text(app, interviewer, &invite_page)
            .await
            .contains(&token),
        "the link is shown only once"
    );
    (invite_page, format!("/invite/{token}"))
}

/// Signs up through `link` as `email`; the new client and the response.
async fn sign_up(app: &TestApp, link: &str, email: &str) -> (Client, reqwest::Response) {
    let client = app.client();
    let fields = [
        ("email", email),
        ("name", "Nadia New"),
        ("password", PASSWORD),
        ("confirm", PASSWORD),
    ];
    // the token from the sign-in page: a used or expired link's page is an error without a form
    let r = post_form(app, &client, "/login", link, &fields).await;
    (client, r)
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(app.pool()).await.unwrap()
}

#[tokio::test]
async fn live_an_invite_link_signs_a_new_candidate_up_straight_into_the_session() {
    let app = TestApp::spawn().await;
    let (interviewer, _) = app.signed_in(Role::Interviewer).await;
    let (invite_page, link) = start_invited(&app, &interviewer, "Nadia@New.example").await;
    assert_eq!(count(&app, "select count(*) from live_sessions").await, 0);
    let html = page_text(&app, &interviewer, &invite_page).await;
    assert!(
        html.contains("Waiting for the candidate to sign up")
            && html.contains("nadia@new.example has no account yet")
    );
    let (candidate, r) = sign_up(&app, &link, "nadia@new.example").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let landing = location(&r);
    let (session, attempt, role): (i64, i64, String) = sqlx::query_as(
        "select s.id, s.attempt_id, u.role from live_sessions s join users u on u.id = s.candidate_id
         where u.email = 'nadia@new.example'",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(landing, format!("/attempts/{attempt}"));
    assert_eq!(role, "candidate");
    let waiting = page_text(&app, &candidate, &landing).await;
    assert!(
        waiting.contains("Please wait"),
        "the candidate is in the lobby"
    );
    let r = interviewer.get(app.url(&invite_page)).send().await.unwrap();
    assert_eq!(
        location(&r),
        format!("/live/{session}"),
        "the console takes over"
    );
    let console = page_text(&app, &interviewer, &format!("/live/{session}")).await;
    assert!(console.contains("Interviewing Nadia New"));
}

#[tokio::test]
async fn t111_a_live_invite_link_works_once() {
    let app = TestApp::spawn().await;
    let (interviewer, _) = app.signed_in(Role::Interviewer).await;
    let (_, link) = start_invited(&app, &interviewer, "once@new.example").await;
    let (_, r) = sign_up(&app, &link, "once@new.example").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let before = db_fingerprint(&app).await;
    let r = app.client().get(app.url(&link)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let (_, r) = sign_up(&app, &link, "twice@new.example").await;
    assert_eq!(
        r.status(),
        StatusCode::BAD_REQUEST,
        "a second sign-up is refused"
    );
    assert_eq!(before, db_fingerprint(&app).await);
    assert_eq!(count(&app, "select count(*) from live_sessions").await, 1);
}

#[tokio::test]
async fn t112_a_live_invite_and_its_session_belong_to_their_two_people_only() {
    let app = TestApp::spawn().await;
    let (interviewer, _) = app.signed_in(Role::Interviewer).await;
    let (other, _) = app.signed_in(Role::Interviewer).await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let (invite_page, link) = start_invited(&app, &interviewer, "mine@new.example").await;
    for client in [&other, &admin] {
        let r = client.get(app.url(&invite_page)).send().await.unwrap();
        assert_eq!(
            r.status(),
            StatusCode::NOT_FOUND,
            "another interviewer or admin"
        );
    }
    // someone else's session stays closed to the person who signed up with the link
    let l = start_live(&app).await;
    let (newcomer, r) = sign_up(&app, &link, "mine@new.example").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for path in [
        format!("/live/{}", l.session),
        format!("/live/{}/events", l.session),
        format!("/attempts/{}/events", l.attempt),
        format!("/attempts/{}", l.attempt),
        invite_page.clone(),
    ] {
        let r = newcomer.get(app.url(&path)).send().await.unwrap();
        assert!(
            matches!(r.status(), StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
            "{path}: {}",
            r.status()
        );
    }
    let mine: i64 = count(
        &app,
        "select count(*) from live_sessions s join users u on u.id = s.candidate_id where u.email = 'mine@new.example'",
    )
    .await;
    assert_eq!(mine, 1, "the link opened its own session, no other");
}

#[tokio::test]
async fn t113_a_live_invite_expires_with_its_session() {
    let app = TestApp::spawn().await;
    let (interviewer, _) = app.signed_in(Role::Interviewer).await;
    let (invite_page, link) = start_invited(&app, &interviewer, "late@new.example").await;
    let (expires, invite_expires): (i64, i64) = sqlx::query_as(
        "select l.expires_at, i.expires_at from live_invites l join invites i on i.id = l.invite_id",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(
        expires, invite_expires,
        "the invite lasts as long as the session"
    );
    sqlx::query("update invites set expires_at = 1")
        .execute(app.pool())
        .await
        .unwrap();
    sqlx::query("update live_invites set expires_at = 1")
        .execute(app.pool())
        .await
        .unwrap();
    let before = db_fingerprint(&app).await;
    let (_, r) = sign_up(&app, &link, "late@new.example").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(before, db_fingerprint(&app).await, "no account, no session");
    let html = page_text(&app, &interviewer, &invite_page).await;
    assert!(html.contains("This invite expired"));
}

/// A live invite is bound to the address it was made for: its sign-up form shows that address
/// read-only, and a sign-up with another one is refused, creates nothing and leaves the link
/// usable by the invited address (in any letter case).
#[tokio::test]
async fn t117_a_live_invite_signs_up_only_the_address_it_was_made_for() {
    let app = TestApp::spawn().await;
    let (interviewer, _) = app.signed_in(Role::Interviewer).await;
    let (_, link) = start_invited(&app, &interviewer, "Invited@New.example").await;
    let locked = r#"value="invited@new.example" readonly"#;
    assert!(page_text(&app, &app.client(), &link).await.contains(locked));
    let before = db_fingerprint(&app).await;
    let (_, r) = sign_up(&app, &link, "someone.else@new.example").await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("This invite was made for invited@new.example"),
        "says which address"
    );
    assert!(
        page.contains(locked),
        "the form shows the invited address again"
    );
    assert!(
        page.contains(r#"value="Nadia New""#),
        "and keeps the name typed"
    );
    assert_eq!(before, db_fingerprint(&app).await, "nothing was created");
    let (_, r) = sign_up(&app, &link, "INVITED@new.example").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).starts_with("/attempts/"), "{}", location(&r));
}

#[tokio::test]
async fn t114_a_live_invite_grants_only_a_candidate_account() {
    let app = TestApp::spawn().await;
    let (candidate, _) = app.signed_in(Role::Candidate).await;
    let before = db_fingerprint(&app).await;
    let r = post_form(
        &app,
        &candidate,
        &format!("/gauntlets/{SEED}"),
        &format!("/gauntlets/{SEED}/live"),
        &[
            ("candidate_email", "friend@new.example"),
            ("scheduled_at", ""),
        ],
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "candidates mint no invites"
    );
    assert_eq!(before, db_fingerprint(&app).await);
    let (interviewer, _) = app.signed_in(Role::Interviewer).await;
    let (_, link) = start_invited(&app, &interviewer, "cand@new.example").await;
    let role: String = sqlx::query_scalar("select role from invites")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(role, "candidate");
    let (newcomer, _) = sign_up(&app, &link, "cand@new.example").await;
    let r = newcomer
        .get(app.url("/admin/invites"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = post_form(
        &app,
        &newcomer,
        &format!("/gauntlets/{SEED}"),
        &format!("/gauntlets/{SEED}/live"),
        &[
            ("candidate_email", "more@new.example"),
            ("scheduled_at", ""),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn live_without_javascript_the_candidate_takes_part_by_saving_and_reloading() {
    let app = TestApp::spawn().await;
    let l = start_live(&app).await;
    let round = format!("/attempts/{}", l.attempt);
    let lobby = page_text(&app, &l.candidate, &round).await;
    assert!(
        lobby.contains(&format!(r#"href="{round}""#)),
        "a reload link"
    );
    assert_eq!(
        control(&app, &l, "reveal").await.status(),
        StatusCode::SEE_OTHER
    );
    let html = page_text(&app, &l.candidate, &round).await;
    assert!(html.contains("<textarea"), "reloading shows round 1");
    // the plain Save button: a form post, no script, back to the page with the text
    let token = csrf(&app, &l.candidate, &round).await;
    let r = l
        .candidate
        .post(app.url(&format!("{round}/steps/1/main/save")))
        .form(&[
            ("_csrf", token.as_str()),
            ("body", "Saved without a script."),
            ("base_version", "0"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        page_text(&app, &l.candidate, &round)
            .await
            .contains("Saved without a script.")
    );
    let console = page_text(&app, &l.interviewer, &format!("/live/{}", l.session)).await;
    assert!(
        console.contains("Saved without a script."),
        "the console shows it"
    );
    let r = submit(&app, &l, 1, "main", "Submitted without a script.").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let html = page_text(&app, &l.candidate, &round).await;
    assert!(html.contains("Please wait"), "waiting for the next round");
    let nudge = post_form(
        &app,
        &l.interviewer,
        &format!("/live/{}", l.session),
        &format!("/live/{}/nudge", l.session),
        &[("text", "Think about cost")],
    )
    .await;
    assert_eq!(nudge.status(), StatusCode::SEE_OTHER);
    assert!(
        page_text(&app, &l.candidate, &round)
            .await
            .contains("Think about cost")
    );
}
