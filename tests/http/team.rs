//! Issue 17 over HTTP: notification mail through a real SMTP server on loopback (aiosmtpd),
//! the outbox's retries while that server is down, the site webhook against a local listener,
//! password reset by mail, turning kinds off, reviewer assignment in each mode, and who may
//! open the new pages.

use std::{collections::HashMap, sync::Arc, time::Duration};

use axum::{Router, extract::State, http::StatusCode as AxumStatus, routing::post};
use gauntlet::auth::Role;
use reqwest::StatusCode;
use tokio::sync::{Mutex, mpsc};

use crate::{
    common::{
        Options, PASSWORD, TestApp,
        attempts::requested_attempt,
        csrf, db_fingerprint, location, login, post_form,
        smtp::{SmtpSink, refused_port},
    },
    reviews::{claim, rubric, send},
};

const FROM: &str = "Gauntlet <gauntlet@team.example>";

/// An app that mails through `smtp_url` (and calls `webhook`, if given); retries start after
/// one second and the upkeep (reminders, stale assignments) runs five times a second.
async fn app_with_mail(smtp_url: String, webhook: Option<String>) -> TestApp {
    TestApp::spawn_with(Options {
        tweak: Some(Box::new(move |c| {
            c.mail.smtp_url = Some(smtp_url);
            c.mail.from = Some(FROM.into());
            c.mail.webhook_url = webhook;
            c.mail.retry_base = Duration::from_secs(1);
            c.mail.upkeep_interval = Duration::from_millis(200);
        })),
        ..Options::default()
    })
    .await
}

/// Outbox rows as (kind, recipient, status), oldest first.
async fn outbox(app: &TestApp) -> Vec<(String, String, String)> {
    sqlx::query_as(
        "select kind, recipient, case when sent_at is not null then 'sent' \
         when failed_at is not null then 'failed' else 'queued' end from outbox order by id",
    )
    .fetch_all(app.pool())
    .await
    .unwrap()
}

/// Waits (up to 30 s, looking every 50 ms) until `check` holds on the database; the sender
/// works in the background, so there is no event to await.
async fn until<F, Fut>(what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    while !check().await {
        assert!(tokio::time::Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn full_rubric() -> Vec<(String, String)> {
    rubric(["3", "2", "3", "3", "3"], "ready", "Clear answers.")
}

#[tokio::test]
async fn an_interviewer_gets_review_requested_and_the_candidate_review_ready_by_smtp() {
    let mut smtp = SmtpSink::start(0).await;
    let app = app_with_mail(smtp.url(), None).await;
    let (iris, iris_email) = app.signed_in(Role::Interviewer).await;
    let (_, cand_email, id) = requested_attempt(&app).await;

    let (m, _) = smtp.next_to(&iris_email).await;
    assert_eq!(m.from, "gauntlet@team.example");
    assert_eq!(m.to, vec![iris_email.clone()]);
    assert!(m.subject.starts_with("Review requested: "), "{}", m.subject);
    let link = app.url(&format!("/reviews/{id}"));
    assert!(m.text.contains(&link), "{}", m.text);
    assert!(m.html.contains(&format!("href=\"{link}\"")), "{}", m.html);
    assert!(
        !m.text.contains(&cand_email) && !m.text.contains("Test Candidate"),
        "the request mail never names the candidate"
    );

    claim(&app, &iris, id).await;
    let r = send(
        &app,
        &iris,
        &format!("/reviews/{id}/submit"),
        &full_rubric(),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (m, others) = smtp.next_to(&cand_email).await;
    assert!(others.is_empty(), "nobody else was mailed: {others:?}");
    assert!(
        m.subject.starts_with("Your review is ready: "),
        "{}",
        m.subject
    );
    let link = app.url(&format!("/attempts/{id}/debrief"));
    assert!(m.text.contains(&link) && m.html.contains(&format!("href=\"{link}\"")));
    until("both rows marked sent", || async {
        outbox(&app).await.iter().all(|(_, _, s)| s == "sent")
    })
    .await;
    let rows = outbox(&app).await;
    assert_eq!(
        rows.iter()
            .map(|(k, to, _)| (k.as_str(), to.as_str()))
            .collect::<Vec<_>>(),
        vec![
            ("review_requested", iris_email.as_str()),
            ("review_ready", cand_email.as_str())
        ],
        "one mail each, none to the candidate about their own request"
    );
}

#[tokio::test]
async fn t86_mail_waits_in_the_outbox_while_the_server_is_down_and_goes_out_once_it_is_back() {
    let (down, port) = refused_port();
    let app = app_with_mail(format!("smtp://127.0.0.1:{port}"), None).await;
    let (_, iris_email) = app.signed_in(Role::Interviewer).await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let (_, _, id) = requested_attempt(&app).await;
    // two tries fail (nothing listens); the row stays queued with the error
    until("two failed tries", || async {
        let (attempts, err): (i64, String) = sqlx::query_as(
            "select attempts, last_error from outbox where recipient = ? and sent_at is null \
             and failed_at is null",
        )
        .bind(&iris_email)
        .fetch_optional(app.pool())
        .await
        .unwrap()
        .unwrap_or((0, String::new()));
        attempts >= 2 && !err.is_empty()
    })
    .await;
    let page = admin
        .get(app.url("/admin/mail"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("class=\"badge\">Queued<") && page.contains("next try"),
        "the admin sees it waiting, with the error"
    );
    // the server comes up on that port: the next retry delivers, once
    drop(down);
    let mut smtp = SmtpSink::start(port).await;
    let (m, _) = smtp.next_to(&iris_email).await;
    assert!(m.text.contains(&app.url(&format!("/reviews/{id}"))));
    until("row marked sent", || async {
        outbox(&app)
            .await
            .iter()
            .any(|(_, to, s)| to == &iris_email && s == "sent")
    })
    .await;
    // a later message (a new request) goes straight through; the first is not sent again
    let (_, _, second) = requested_attempt(&app).await;
    let (m, others) = smtp.next_to(&iris_email).await;
    assert!(m.text.contains(&app.url(&format!("/reviews/{second}"))));
    assert!(
        others.iter().all(|o| !o.to.contains(&iris_email)),
        "no duplicate: {others:?}"
    );
    until("every row sent", || async {
        outbox(&app).await.iter().all(|(_, _, s)| s == "sent")
    })
    .await;
    let page = admin
        .get(app.url("/admin/mail"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(">Sent<") && !page.contains("class=\"badge\">Queued<"));
}

/// A local HTTP listener for the webhook: records each body; answers `refuse` to the first
/// `fail_first` calls, 200 after.
async fn webhook_listener(
    fail_first: usize,
    refuse: AxumStatus,
) -> (String, mpsc::UnboundedReceiver<String>) {
    #[derive(Clone)]
    struct Hook {
        tx: mpsc::UnboundedSender<String>,
        left: Arc<Mutex<usize>>,
        refuse: AxumStatus,
    }
    async fn hook(State(h): State<Hook>, body: String) -> AxumStatus {
        let mut left = h.left.lock().await;
        let _ = h.tx.send(body);
        if *left > 0 {
            *left -= 1;
            h.refuse
        } else {
            AxumStatus::OK
        }
    }
    let (tx, rx) = mpsc::unbounded_channel();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().route("/hook", post(hook)).with_state(Hook {
        tx,
        left: Arc::new(Mutex::new(fail_first)),
        refuse,
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    (format!("http://{addr}/hook"), rx)
}

async fn next_call(rx: &mut mpsc::UnboundedReceiver<String>) -> serde_json::Value {
    let body = tokio::time::timeout(Duration::from_secs(30), rx.recv())
        .await
        .expect("a webhook call within 30 s")
        .unwrap();
    serde_json::from_str(&body).expect("JSON")
}

#[tokio::test]
async fn t89_the_webhook_hears_of_requests_and_submissions_and_is_retried_after_a_503() {
    let smtp = SmtpSink::start(0).await;
    let (url, mut calls) = webhook_listener(1, AxumStatus::SERVICE_UNAVAILABLE).await;
    let app = app_with_mail(smtp.url(), Some(url)).await;
    let (iris, _) = app.signed_in(Role::Interviewer).await;
    let (_, _, id) = requested_attempt(&app).await;
    let first = next_call(&mut calls).await;
    let again = next_call(&mut calls).await;
    assert_eq!(first, again, "the 503 was retried with the same message");
    let text = again["text"].as_str().unwrap();
    assert!(text.starts_with("Review requested: "), "{text}");
    assert!(text.contains(&format!("<{}|open>", app.url(&format!("/reviews/{id}")))));
    claim(&app, &iris, id).await;
    send(
        &app,
        &iris,
        &format!("/reviews/{id}/submit"),
        &full_rubric(),
    )
    .await;
    let done = next_call(&mut calls).await;
    assert!(
        done["text"]
            .as_str()
            .unwrap()
            .starts_with("Review submitted: ")
    );
    until("webhook rows sent", || async {
        outbox(&app)
            .await
            .iter()
            .filter(|(_, to, s)| to == "webhook" && s == "sent")
            .count()
            == 2
    })
    .await;
}

#[tokio::test]
async fn t85_password_reset_gives_one_answer_mails_a_single_use_link_and_is_throttled() {
    let mut smtp = SmtpSink::start(0).await;
    let app = app_with_mail(smtp.url(), None).await;
    let email = app.create_user(Role::Candidate).await;
    let visitor = app.client();

    let ask = |who: &str| {
        let who = who.to_string();
        let app = &app;
        let visitor = &visitor;
        async move {
            post_form(
                app,
                visitor,
                "/password/forgot",
                "/password/forgot",
                &[("email", &who)],
            )
            .await
        }
    };
    // an unknown address: the same page, nothing stored
    let before = db_fingerprint(&app).await;
    let unknown = ask("nobody@team.example").await;
    assert_eq!(unknown.status(), StatusCode::OK);
    let unknown_page = unknown.text().await.unwrap();
    assert_eq!(
        before,
        db_fingerprint(&app).await,
        "nothing stored for an unknown address"
    );
    let known = ask(&email.to_uppercase()).await;
    assert_eq!(known.status(), StatusCode::OK);
    let known_page = known.text().await.unwrap();
    assert_eq!(unknown_page, known_page, "one answer for both");

    let (m, _) = smtp.next_to(&email).await;
    assert_eq!(m.subject, "Reset your Gauntlet password");
    let prefix = app.url("/password/reset/");
    let start = m.text.find(&prefix).expect("the link");
    let link: String = m.text[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    let path = link.trim_start_matches(&app.base).to_string();
    let stored: i64 =
        sqlx::query_scalar("select count(*) from password_resets where token_hash = ?")
            .bind(path.trim_start_matches("/password/reset/"))
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(stored, 0, "the token is stored hashed");

    // a signed-in session of the account ends when the password is reset
    let (old, _) = (app.client(), ());
    assert_eq!(
        login(&app, &old, &email, PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );

    let weak = post_form(
        &app,
        &visitor,
        &path,
        &path,
        &[("password", "short"), ("confirm", "short")],
    )
    .await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let new_password = "quartz meadow lantern spoke";
    let done = post_form(
        &app,
        &visitor,
        &path,
        &path,
        &[("password", new_password), ("confirm", new_password)],
    )
    .await;
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&done), "/login");
    let r = old.get(app.url("/history")).send().await.unwrap();
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "the old session is signed out"
    );
    let fresh = app.client();
    assert_eq!(
        login(&app, &fresh, &email, new_password).await.status(),
        StatusCode::SEE_OTHER
    );
    // the link works once
    let reused = visitor.get(&link).send().await.unwrap();
    assert_eq!(reused.status(), StatusCode::BAD_REQUEST);

    // at most three mails an hour for one account; further requests get the same answer
    for _ in 0..4 {
        assert_eq!(ask(&email).await.status(), StatusCode::OK);
    }
    let resets: i64 = sqlx::query_scalar("select count(*) from password_resets")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(resets, 3);
    let mails: i64 =
        sqlx::query_scalar("select count(*) from outbox where kind = 'password_reset'")
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!(mails, 3);
}

#[tokio::test]
async fn t90_a_kind_turned_off_on_the_account_page_is_not_mailed() {
    let mut smtp = SmtpSink::start(0).await;
    let app = app_with_mail(smtp.url(), None).await;
    let (iris, iris_email) = app.signed_in(Role::Interviewer).await;
    let (quiet, quiet_email) = app.signed_in(Role::Interviewer).await;
    // the quiet interviewer keeps every kind on except "review requested"
    let page = quiet
        .get(app.url("/account/notifications"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("name=\"on_review_requested\""));
    let r = post_form(
        &app,
        &quiet,
        "/account/notifications",
        "/account/notifications",
        &[
            ("on_assigned", "on"),
            ("on_reminders", "on"),
            ("on_review_ready", "on"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // an unknown field is refused and changes nothing
    let before = db_fingerprint(&app).await;
    let r = post_form(
        &app,
        &quiet,
        "/account/notifications",
        "/account/notifications",
        &[("on_everything", "on")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(before, db_fingerprint(&app).await);

    let (_, _, _) = requested_attempt(&app).await;
    let (m, others) = smtp.next_to(&iris_email).await;
    assert!(m.subject.starts_with("Review requested"));
    assert!(others.is_empty());
    until("sent", || async {
        outbox(&app).await.iter().all(|(_, _, s)| s == "sent")
    })
    .await;
    assert!(
        !outbox(&app)
            .await
            .iter()
            .any(|(_, to, _)| to == &quiet_email),
        "nothing queued for the person who turned it off"
    );
    let _ = iris;
}

/// An app with assignment `mode` (and `categories`), mail going to `smtp`.
async fn assignment_app(smtp: &SmtpSink) -> (TestApp, reqwest::Client) {
    let app = app_with_mail(smtp.url(), None).await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    (app, admin)
}

async fn set_assignment(app: &TestApp, admin: &reqwest::Client, mode: &str, categories: bool) {
    let mut fields = vec![
        ("registration", "invite"),
        ("assignment", mode),
        ("assignment_hours", "1"),
    ];
    if categories {
        fields.push(("assignment_categories", "on"));
    }
    let r = post_form(app, admin, "/admin/settings", "/admin/settings", &fields).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "settings saved");
}

async fn assignee(app: &TestApp, attempt: i64) -> Option<i64> {
    sqlx::query_scalar("select assigned_to from attempts where id = ?")
        .bind(attempt)
        .fetch_one(app.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn round_robin_takes_turns_and_mails_only_the_assigned_interviewer() {
    let mut smtp = SmtpSink::start(0).await;
    let (app, admin) = assignment_app(&smtp).await;
    set_assignment(&app, &admin, "round_robin", false).await;
    let (_, a_email) = app.signed_in(Role::Interviewer).await;
    let (_, b_email) = app.signed_in(Role::Interviewer).await;
    let (a, b) = (app.user_id(&a_email).await, app.user_id(&b_email).await);
    let mut got = Vec::new();
    for _ in 0..3 {
        let (_, _, id) = requested_attempt(&app).await;
        got.push(assignee(&app, id).await);
        let to = if got.len() == 2 { &b_email } else { &a_email };
        let (m, others) = smtp.next_to(to).await;
        assert!(
            m.subject.starts_with("Review assigned to you: "),
            "{}",
            m.subject
        );
        assert!(m.text.contains(&app.url(&format!("/reviews/{id}"))));
        assert!(others.is_empty(), "only the assignee is mailed: {others:?}");
    }
    assert_eq!(got, vec![Some(a), Some(b), Some(a)]);
    // the queue says who each request is assigned to
    let (a_client, b_client) = (app.client(), app.client());
    login(&app, &a_client, &a_email, PASSWORD).await;
    login(&app, &b_client, &b_email, PASSWORD).await;
    let queue = |c: reqwest::Client| {
        let url = app.url("/reviews");
        async move { c.get(url).send().await.unwrap().text().await.unwrap() }
    };
    let mine = queue(a_client).await;
    assert_eq!(mine.matches("assigned to you").count(), 2, "{mine}");
    assert_eq!(mine.matches("assigned to Test Interviewer").count(), 1);
    let theirs = queue(b_client).await;
    assert_eq!(theirs.matches("assigned to you").count(), 1);
}

#[tokio::test]
async fn least_loaded_picks_the_idle_interviewer_and_prefers_those_who_opted_in() {
    let smtp = SmtpSink::start(0).await;
    let (app, admin) = assignment_app(&smtp).await;
    set_assignment(&app, &admin, "least_loaded", false).await;
    let (busy, busy_email) = app.signed_in(Role::Interviewer).await;
    let (_, idle_email) = app.signed_in(Role::Interviewer).await;
    let busy_id = app.user_id(&busy_email).await;
    let idle_id = app.user_id(&idle_email).await;
    let (_, _, first) = requested_attempt(&app).await;
    assert_eq!(
        assignee(&app, first).await,
        Some(busy_id),
        "a tie goes to the lower id"
    );
    claim(&app, &busy, first).await;
    let (_, _, second) = requested_attempt(&app).await;
    assert_eq!(
        assignee(&app, second).await,
        Some(idle_id),
        "the busy one holds a claim"
    );
    // with categories on, the busy interviewer who opted into the gauntlet gets it anyway
    set_assignment(&app, &admin, "least_loaded", true).await;
    let slug: String = sqlx::query_scalar("select slug from attempts where id = ?")
        .bind(first)
        .fetch_one(app.pool())
        .await
        .unwrap();
    let cat = format!("cat_{slug}");
    let r = post_form(
        &app,
        &busy,
        "/account/notifications",
        "/account/notifications",
        &[("on_assigned", "on"), (cat.as_str(), "on")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, _, third) = requested_attempt(&app).await;
    assert_eq!(assignee(&app, third).await, Some(busy_id));
    // manual: nobody is assigned
    set_assignment(&app, &admin, "manual", false).await;
    let (_, _, fourth) = requested_attempt(&app).await;
    assert_eq!(assignee(&app, fourth).await, None);
}

#[tokio::test]
async fn an_assignment_not_started_in_time_moves_to_the_next_interviewer_and_admins_see_it_waiting()
{
    let mut smtp = SmtpSink::start(0).await;
    let (app, admin) = assignment_app(&smtp).await;
    set_assignment(&app, &admin, "round_robin", false).await;
    let (_, a_email) = app.signed_in(Role::Interviewer).await;
    let (_, b_email) = app.signed_in(Role::Interviewer).await;
    let b = app.user_id(&b_email).await;
    let (_, _, id) = requested_attempt(&app).await;
    smtp.next_to(&a_email).await;
    // assigned two hours ago (the setting says one)
    sqlx::query("update attempts set assigned_at = assigned_at - 7200 where id = ?")
        .bind(id)
        .execute(app.pool())
        .await
        .unwrap();
    let (m, _) = smtp.next_to(&b_email).await;
    assert!(m.subject.starts_with("Review assigned to you: "));
    assert_eq!(assignee(&app, id).await, Some(b));
    let waiting = admin
        .get(app.url("/admin/waiting"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(waiting.contains(&format!("/reviews/{id}\"")), "{waiting}");
}

#[tokio::test]
async fn t88_the_new_pages_need_the_right_role_and_a_token() {
    let smtp = SmtpSink::start(0).await;
    let app = app_with_mail(smtp.url(), None).await;
    let anonymous = app.client();
    let (cand, _) = app.signed_in(Role::Candidate).await;
    let (iris, _) = app.signed_in(Role::Interviewer).await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    for path in ["/admin/mail", "/admin/waiting"] {
        for who in [&cand, &iris] {
            let r = who.get(app.url(path)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
        }
        let r = anonymous.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}: sign in first");
        let r = admin.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
    }
    let r = anonymous
        .get(app.url("/account/notifications"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let before = db_fingerprint(&app).await;
    let r = post_form(&app, &iris, "/", "/admin/mail/1/retry", &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "retry is for admins");
    // no token: refused
    for (who, path) in [
        (&admin, "/admin/mail/1/retry"),
        (&cand, "/account/notifications"),
        (&anonymous, "/password/forgot"),
    ] {
        let r = who
            .post(app.url(path))
            .form(&HashMap::from([("email", "x@team.example")]))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path} without a token");
    }
    assert_eq!(before, db_fingerprint(&app).await, "nothing changed");
    let _ = csrf;
}

#[tokio::test]
async fn an_invite_goes_out_by_mail_with_its_link() {
    let mut smtp = SmtpSink::start(0).await;
    let app = app_with_mail(smtp.url(), None).await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let bad = post_form(
        &app,
        &admin,
        "/admin/invites",
        "/admin/invites",
        &[
            ("role", "candidate"),
            ("days", "7"),
            ("note", "n"),
            ("email", "not an address"),
        ],
    )
    .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        bad.text()
            .await
            .unwrap()
            .contains("value=\"not an address\""),
        "what was typed is kept"
    );
    let r = post_form(
        &app,
        &admin,
        "/admin/invites",
        "/admin/invites",
        &[
            ("role", "candidate"),
            ("days", "7"),
            ("note", "n"),
            ("email", "new.person@team.example"),
        ],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (m, _) = smtp.next_to("new.person@team.example").await;
    assert_eq!(m.subject, "You are invited to Gauntlet");
    assert!(m.text.contains(&app.url("/invite/")), "{}", m.text);
}

#[tokio::test]
async fn t92_a_disabled_interviewer_is_never_assigned_nor_mailed() {
    let mut smtp = SmtpSink::start(0).await;
    let (app, admin) = assignment_app(&smtp).await;
    set_assignment(&app, &admin, "round_robin", false).await;
    let (_, gone_email) = app.signed_in(Role::Interviewer).await;
    let (_, active_email) = app.signed_in(Role::Interviewer).await;
    let gone = app.user_id(&gone_email).await;
    let active = app.user_id(&active_email).await;
    sqlx::query("update users set disabled = 1 where id = ?")
        .bind(gone)
        .execute(app.writer())
        .await
        .unwrap();
    for _ in 0..2 {
        let (_, _, id) = requested_attempt(&app).await;
        assert_eq!(assignee(&app, id).await, Some(active));
        smtp.next_to(&active_email).await;
    }
    until("sent", || async {
        outbox(&app).await.iter().all(|(_, _, s)| s == "sent")
    })
    .await;
    assert!(
        !outbox(&app)
            .await
            .iter()
            .any(|(_, to, _)| to == &gone_email)
    );
}

#[tokio::test]
async fn requests_waiting_longer_than_the_reminder_hours_go_out_as_one_digest_a_day() {
    let mut smtp = SmtpSink::start(0).await;
    let app = app_with_mail(smtp.url(), None).await;
    let (_, iris_email) = app.signed_in(Role::Interviewer).await;
    let iris = app.user_id(&iris_email).await;
    let (_, _, first) = requested_attempt(&app).await;
    let (_, _, second) = requested_attempt(&app).await;
    for _ in 0..2 {
        let (m, _) = smtp.next_to(&iris_email).await;
        assert!(m.subject.starts_with("Review requested"));
    }
    // both requests have waited longer than the default 48 hours
    sqlx::query(
        "update attempts set review_requested_at = review_requested_at - 49 * 3600 \
         where id in (?, ?)",
    )
    .bind(first)
    .bind(second)
    .execute(app.writer())
    .await
    .unwrap();
    let (m, _) = smtp.next_to(&iris_email).await;
    assert_eq!(m.subject, "Reviews waiting for you");
    for id in [first, second] {
        assert!(
            m.text.contains(&app.url(&format!("/reviews/{id}"))),
            "{}",
            m.text
        );
    }
    assert!(m.text.contains("nobody claimed it"));
    // the digest is noted: nothing more is due for this person today
    let now = gauntlet::clock::now();
    let pending =
        gauntlet::db::outbox::pending_reminders(app.pool(), now - 48 * 3600, now - 86_400)
            .await
            .unwrap();
    assert!(pending.iter().all(|p| p.user_id != iris), "{pending:?}");
    let digests: i64 = sqlx::query_scalar("select count(*) from outbox where kind = 'reminders'")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(digests, 1);
}

#[tokio::test]
async fn a_refused_message_fails_at_once_and_an_admin_can_queue_it_again() {
    let smtp = SmtpSink::start(0).await;
    let (url, mut calls) = webhook_listener(1, AxumStatus::BAD_REQUEST).await;
    let app = app_with_mail(smtp.url(), Some(url)).await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    requested_attempt(&app).await;
    next_call(&mut calls).await;
    until("the webhook row failed", || async {
        outbox(&app)
            .await
            .iter()
            .any(|(_, to, s)| to == "webhook" && s == "failed")
    })
    .await;
    let page = admin
        .get(app.url("/admin/mail"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains(">Failed<") && page.contains("400"), "{page}");
    let id: i64 = sqlx::query_scalar("select id from outbox where recipient = 'webhook'")
        .fetch_one(app.pool())
        .await
        .unwrap();
    let r = post_form(
        &app,
        &admin,
        "/admin/mail",
        &format!("/admin/mail/{id}/retry"),
        &[],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    next_call(&mut calls).await;
    until("the webhook row sent", || async {
        outbox(&app)
            .await
            .iter()
            .any(|(_, to, s)| to == "webhook" && s == "sent")
    })
    .await;
    // an unknown message: 404
    let r = post_form(&app, &admin, "/admin/mail", "/admin/mail/999999/retry", &[]).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // retrying a message that did not fail changes nothing
    let before = db_fingerprint(&app).await;
    let r = post_form(
        &app,
        &admin,
        "/admin/mail",
        &format!("/admin/mail/{id}/retry"),
        &[],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let after = db_fingerprint(&app).await;
    assert_eq!(
        before.iter().find(|(t, _)| t == "outbox"),
        after.iter().find(|(t, _)| t == "outbox")
    );
}
