//! Accessibility and layout across the main pages: no serious axe-core violation, and no page
//! of any role wider than a 390 px phone (issue 13 point 15).

use gauntlet::auth::Role;

use crate::browser::Browser;
use crate::checks::{axe_violations, in_view, page_overflow};
use crate::common::TestApp;
use crate::flows::{answer_whole_seed, claim_review, requested_seed, start_seed};
use crate::{https_app, https_browser, sign_in, sign_out};

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
    claim_review(&b, &app, id).await;
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

/// Opens `path` at the emulated phone size and notes it in `report` when the page is wider than
/// the window, or the window wider than the phone (a phone zooms such a page out).
async fn check_phone_width(
    b: &Browser,
    app: &TestApp,
    who: &str,
    path: &str,
    report: &mut Vec<String>,
) {
    b.goto(&app.url(path)).await;
    let (scroll, inner, culprits) = page_overflow(b).await;
    if scroll > inner || inner > 390 {
        report.push(format!(
            "{who} {path}: scrollWidth {scroll}, innerWidth {inner}; sticking out: {culprits}"
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
    claim_review(&b, &app, &id).await;
    sign_out(&b).await;

    b.cdp(
        "Emulation.setDeviceMetricsOverride",
        serde_json::json!({"width": 390, "height": 844, "deviceScaleFactor": 2, "mobile": true}),
    )
    .await;
    let mut report = Vec::new();
    check_phone_width(&b, &app, "anonymous", "/login", &mut report).await;

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
        check_phone_width(&b, &app, "candidate", &path, &mut report).await;
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
        check_phone_width(&b, &app, "interviewer", &path, &mut report).await;
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
        check_phone_width(&b, &app, "admin", path, &mut report).await;
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
