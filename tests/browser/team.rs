//! A team setting up the site (setup link, invites, each role's home) and the pages added for
//! mail, password reset and reviewer assignment (issue 17) at both widths, with and without
//! JavaScript.

use gauntlet::auth::Role;

use crate::browser::Browser;
use crate::checks::check_page_widths;
use crate::common::{Options, PASSWORD, TestApp};
use crate::flows::{answer_whole_seed, start_seed};
use crate::{https_app, https_browser, sign_in, sign_out};

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
async fn the_mail_reset_and_assignment_pages_fit_a_phone_work_without_javascript_and_pass_axe() {
    let mut smtp = crate::common::smtp::SmtpSink::start(0).await;
    let smtp_url = smtp.url();
    let app = crate::tls::spawn_https(Options {
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
