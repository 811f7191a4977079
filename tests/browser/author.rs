//! Authoring in the browser: an author writes a gauntlet, sees errors, fixes, previews,
//! publishes and revises while started attempts keep version 1 (T98).

use gauntlet::auth::Role;

use crate::checks::axe_violations;
use crate::{https_app, https_browser, js, sign_in, wait_until};

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
    // the preview lists the key points the alignment looks for: nothing is covered or missed
    // yet, so no item carries the ✓ / ✗ that the debrief and review page draw
    let marks = js(
        &b,
        "return Array.from(document.querySelectorAll('[data-preview] .points li, [data-preview] .term'))\
           .map(function (e) { return getComputedStyle(e, '::before').content; })",
    )
    .await;
    let marks = marks.as_array().expect("an array");
    assert!(!marks.is_empty(), "the preview lists key points");
    assert!(marks.iter().all(|m| m == "none"), "{marks:?}");
    b.shot("author-preview-1280").await;
    b.phone(true).await;
    assert!(
        !b.overflows().await,
        "the editor and its preview fit a phone"
    );
    b.shot("author-preview-390").await;
    b.phone(false).await;
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
