//! Security checks over HTTPS (RELIABILITY.md §1 T16, T18, T20, T31, T34, T35, T37; §5): the
//! app runs behind the test TLS front with an https public URL, so it sets its production cookie
//! (`__Host-`, Secure) and checks Origin against the https origin; 127.0.0.2 is the attacker site.

use fantoccini::Locator;
use gauntlet::auth::Role;

use crate::browser::Browser;
use crate::common::{Options, TestApp};
use crate::flows::{
    answer_seed, answer_whole_seed, claim_review, review_levels, start_seed, stored_body,
    wait_status,
};
use crate::{https_browser, js, sign_in, sign_out, wait_until};

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
    let (app, front) = crate::tls::spawn_https(Options::default()).await;
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
    claim_review(&b, &app, attempt.trim_start_matches("/attempts/")).await;
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
    let (app, _front) = crate::tls::spawn_https(Options::default()).await;
    let attacker = crate::tls::Site::attacker().await;
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
            password_hash: crate::common::password_hash().await,
            role,
        },
    )
    .await
    .unwrap();
    email.to_string()
}

#[tokio::test]
async fn t31_t34_t35_payloads_stay_text_no_page_breaks_the_csp_and_no_page_can_be_framed() {
    let (app, _front) = crate::tls::spawn_https(Options::default()).await;
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
    claim_review(&b, &app, id).await;
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
    let attacker = crate::tls::Site::attacker().await;
    let control = crate::tls::Site::start("127.0.0.1").await;
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
