//! Storage hardening over HTTP: bounded revisions and account storage, the streamed personal
//! export, the claim/withdraw race, WAL checkpoints under single autosaves, and a database
//! locked by another process.

use gauntlet::{
    auth::Role,
    db::{self, Create},
};
use reqwest::{Client, StatusCode};
use sqlx::{Connection, SqliteConnection};

use crate::common::{
    Options, PASSWORD, TestApp,
    attempts::{save_url, save_with, start},
    csrf, location, login,
};

/// Saves `body` over `base` and returns the new version.
async fn save_ok(
    app: &TestApp,
    client: &Client,
    token: &str,
    id: i64,
    body: &str,
    base: i64,
) -> i64 {
    let r = save_with(app, client, token, &save_url(id, 1, "main"), body, base).await;
    assert_eq!(r.status(), StatusCode::OK, "save over version {base}");
    let v: serde_json::Value = r.json().await.unwrap();
    v["version"].as_i64().unwrap()
}

async fn revision_bodies(app: &TestApp, id: i64, kind: &str) -> Vec<String> {
    sqlx::query_scalar(
        "select r.body from answer_revisions r join answers a on a.id = r.answer_id
         where a.attempt_id = ? and r.kind = ? order by r.id",
    )
    .bind(id)
    .bind(kind)
    .fetch_all(app.pool())
    .await
    .unwrap()
}

async fn stored_bytes(app: &TestApp, email: &str) -> i64 {
    let user: i64 = sqlx::query_scalar("select id from users where email = ?")
        .bind(email)
        .fetch_one(app.pool())
        .await
        .unwrap();
    db::attempts::stored_bytes(app.pool(), user).await.unwrap()
}

#[tokio::test]
async fn t54_an_answer_keeps_its_newest_twenty_versions_and_every_conflict() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let id = start(&app, &client, "interview").await;
    let token = csrf(&app, &client, "/").await;
    let mut version = 0;
    for i in 0..40 {
        version = save_ok(&app, &client, &token, id, &format!("draft {i}"), version).await;
    }
    let kept = revision_bodies(&app, id, "overwritten").await;
    let newest: Vec<String> = (19..39).map(|i| format!("draft {i}")).collect();
    assert_eq!(
        kept, newest,
        "the newest 20 overwritten texts, oldest first"
    );
    // losing texts of conflicts are all kept, however many saves follow
    for i in 0..3 {
        let r = save_with(
            &app,
            &client,
            &token,
            &save_url(id, 1, "main"),
            &format!("stale tab {i}"),
            1,
        )
        .await;
        assert_eq!(r.status(), StatusCode::CONFLICT);
    }
    for i in 40..70 {
        version = save_ok(&app, &client, &token, id, &format!("draft {i}"), version).await;
    }
    assert_eq!(
        revision_bodies(&app, id, "conflict").await,
        ["stale tab 0", "stale tab 1", "stale tab 2"]
    );
    let kept = revision_bodies(&app, id, "overwritten").await;
    assert_eq!(kept.len(), 20);
    assert_eq!(kept.last().unwrap(), "draft 68");
}

#[tokio::test]
async fn t54_an_account_past_its_storage_limit_gets_413_naming_the_limit() {
    let app = TestApp::spawn_with(Options {
        max_account_storage_mb: Some(1),
        ..Options::default()
    })
    .await;
    let (client, email) = app.signed_in(Role::Candidate).await;
    let id = start(&app, &client, "interview").await;
    let token = csrf(&app, &client, "/").await;
    // 80 KB a save: the newest 20 versions alone would be 1.6 MB
    let text = |i: usize| format!("{i} {}", "é".repeat(40_000));
    let mut version = 0;
    let mut refused = None;
    for i in 0..40 {
        let r = save_with(
            &app,
            &client,
            &token,
            &save_url(id, 1, "main"),
            &text(i),
            version,
        )
        .await;
        if r.status() == StatusCode::OK {
            version = r.json::<serde_json::Value>().await.unwrap()["version"]
                .as_i64()
                .unwrap();
            continue;
        }
        refused = Some((i, r));
        break;
    }
    let (at, r) = refused.expect("refused before 40 saves of 80 KB");
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"], "storage_limit");
    let message = v["message"].as_str().unwrap();
    assert!(
        message.contains("1 MB") && message.contains("--max-account-storage-mb"),
        "{message}"
    );
    assert!(message.contains("Nothing was saved"), "{message}");
    // between two checks an account writes at most a tenth of its limit (at least 64 KB)
    let used = stored_bytes(&app, &email).await;
    assert!(
        used <= 1024 * 1024 + 110 * 1024 + 80_010,
        "{used} bytes stored"
    );
    let body: String = sqlx::query_scalar(
        "select body from answers where attempt_id = ? and round_number = 1 and part = 'main'",
    )
    .bind(id)
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(
        body,
        text(at - 1),
        "the refused text did not replace the saved one"
    );
    // at the limit (here: older versions stored before the limit was lowered), no new attempt
    // either, with a page that says what to do
    bulk_revisions(&app, id, 1).await;
    let r = crate::common::post_form(
        &app,
        &client,
        "/gauntlets/multi-region-kubernetes",
        "/gauntlets/multi-region-kubernetes/attempts",
        &[("mode", "study")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let page = r.text().await.unwrap();
    assert!(page.contains("1 MB") && page.contains("Delete unfinished attempts"));
    // another account is not affected
    let (other, _) = app.signed_in(Role::Candidate).await;
    start(&app, &other, "study").await;
    // deleting the unfinished attempt frees the space
    let r =
        crate::common::post_form(&app, &client, "/", &format!("/attempts/{id}/delete"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    start(&app, &client, "study").await;
}

/// Adds `n` conflict revisions of 200 KB each to an attempt's first answer.
async fn bulk_revisions(app: &TestApp, attempt: i64, n: i64) {
    sqlx::query(
        "with recursive k(i) as (select 1 union all select i + 1 from k where i < ?2)
         insert into answer_revisions (answer_id, version, body, kind, saved_at)
         select (select id from answers where attempt_id = ?1 order by id limit 1), 0,
                hex(randomblob(100000)), 'conflict', 0 from k",
    )
    .bind(attempt)
    .bind(n)
    .execute(app.pool())
    .await
    .unwrap();
}

#[tokio::test]
async fn t54_the_export_streams_one_at_a_time_per_account_and_an_error_cuts_it_off() {
    let app = TestApp::spawn_with(Options {
        max_account_storage_mb: Some(1000),
        ..Options::default()
    })
    .await;
    let (client, email) = app.signed_in(Role::Candidate).await;
    let id = start(&app, &client, "interview").await;
    let token = csrf(&app, &client, "/").await;
    save_ok(&app, &client, &token, id, "the answer", 0).await;
    // 30 MB: more than the socket buffers hold, so an unread download stays open
    bulk_revisions(&app, id, 150).await;

    let mut first = client
        .get(app.url("/account/export.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::OK);
    assert!(first.headers().get("content-length").is_none(), "streamed");
    let mut got = first.chunk().await.unwrap().unwrap().to_vec();
    let second = client
        .get(app.url("/account/export.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(second.headers().contains_key("retry-after"));
    assert!(
        second
            .text()
            .await
            .unwrap()
            .contains("already being downloaded")
    );
    // one at a time per account, not per site
    let (other, _) = app.signed_in(Role::Candidate).await;
    let r = other
        .get(app.url("/account/export.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json::<serde_json::Value>().await.unwrap();
    // the first download completes and is a whole document
    while let Some(chunk) = first.chunk().await.unwrap() {
        got.extend_from_slice(&chunk);
    }
    assert!(got.len() > 30_000_000);
    let v: serde_json::Value = serde_json::from_slice(&got).unwrap();
    assert_eq!(v["user"]["email"], email.as_str());
    let answer = &v["attempts"][0]["answers"][0];
    assert_eq!(answer["body"], "the answer");
    assert_eq!(answer["revisions"].as_array().unwrap().len(), 150);
    assert!(v["attempts"][0]["self_assessment"].is_array());
    drop(got);

    // its slot is free again; a failure part-way cuts the download off instead of ending it
    let mut third = client
        .get(app.url("/account/export.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(third.status(), StatusCode::OK);
    let mut partial = third.chunk().await.unwrap().unwrap().to_vec();
    // the kept texts are read page by page while the document is sent
    sqlx::query("drop table answer_revisions")
        .execute(app.pool())
        .await
        .unwrap();
    let ended = loop {
        match third.chunk().await {
            Ok(Some(chunk)) => partial.extend_from_slice(&chunk),
            Ok(None) => break Ok(()),
            Err(e) => break Err(e),
        }
    };
    assert!(ended.is_err(), "the download is cut off, not ended cleanly");
    assert!(serde_json::from_slice::<serde_json::Value>(&partial).is_err());
}

#[tokio::test]
async fn t61_a_claim_racing_a_withdrawal_never_both_succeed() {
    let app = TestApp::spawn().await;
    let (candidate, email) = app.signed_in(Role::Candidate).await;
    let (interviewer, _) = app.signed_in(Role::Interviewer).await;
    let candidate_id: i64 = sqlx::query_scalar("select id from users where email = ?")
        .bind(&email)
        .fetch_one(app.pool())
        .await
        .unwrap();
    let seed_version: String = sqlx::query_scalar(
        "select version from gauntlet_versions where slug = 'multi-region-kubernetes' limit 1",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    let candidate_token = csrf(&app, &candidate, "/").await;
    let interviewer_token = csrf(&app, &interviewer, "/").await;
    let (mut claims, mut withdrawals) = (0, 0);
    for trial in 0..30 {
        // a finished attempt that asked for a review
        let id: i64 = sqlx::query_scalar(
            "insert into attempts (user_id, slug, version, mode, started_at, finished_at, review_requested_at)
             values (?, 'multi-region-kubernetes', ?, 'interview', 1, 2, 3) returning id",
        )
        .bind(candidate_id)
        .bind(&seed_version)
        .fetch_one(app.pool())
        .await
        .unwrap();
        let claim = interviewer
            .post(app.url(&format!("/reviews/{id}/claim")))
            .form(&[("_csrf", interviewer_token.as_str())])
            .send();
        let withdraw = candidate
            .post(app.url(&format!("/attempts/{id}/review")))
            .form(&[("_csrf", candidate_token.as_str()), ("action", "withdraw")])
            .send();
        let (claim, withdraw) = tokio::join!(claim, withdraw);
        let (claim, withdraw) = (claim.unwrap(), withdraw.unwrap());
        let claimed =
            claim.status() == StatusCode::SEE_OTHER && location(&claim) == format!("/reviews/{id}");
        let withdrawn = withdraw.status() == StatusCode::SEE_OTHER
            && location(&withdraw) == format!("/attempts/{id}/debrief");
        assert!(
            claimed != withdrawn,
            "trial {trial}: exactly one wins (claim {}, withdraw {})",
            claim.status(),
            withdraw.status()
        );
        claims += i32::from(claimed);
        withdrawals += i32::from(withdrawn);
    }
    assert_eq!(claims + withdrawals, 30);
    let orphans: i64 = sqlx::query_scalar(
        "select count(*) from reviews r join attempts a on a.id = r.attempt_id
         where a.review_requested_at is null",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(orphans, 0, "no review on a withdrawn attempt");
}

fn wal_bytes(app: &TestApp) -> u64 {
    let mut wal = app.db_path.clone().into_os_string();
    wal.push("-wal");
    std::fs::metadata(wal).map_or(0, |m| m.len())
}

#[tokio::test]
async fn t62_the_wal_stays_bounded_under_a_long_run_of_single_autosaves() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let id = start(&app, &client, "interview").await;
    let token = csrf(&app, &client, "/").await;
    // one save at a time, so every save is a single statement (no group commit)
    let mut version = 0;
    let mut largest = 0;
    for i in 0..1500 {
        let text = format!("{i} {}", "a fairly long answer line. ".repeat(120));
        version = save_ok(&app, &client, &token, id, &text, version).await;
        largest = largest.max(wal_bytes(&app));
    }
    assert_eq!(version, 1500);
    // 1,500 saves write about 25 MB of WAL frames; checkpoints keep reusing the file
    assert!(largest < 8 * 1024 * 1024, "WAL grew to {largest} bytes");
    let copied: (i64, i64, i64) = sqlx::query_as("pragma wal_checkpoint(passive)")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(copied.0, 0, "the checkpoint was not blocked");
}

#[tokio::test]
async fn t69_a_database_locked_by_another_process_gives_503_with_retry_after_then_recovers() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let id = start(&app, &client, "interview").await;
    let token = csrf(&app, &client, "/").await;
    save_ok(&app, &client, &token, id, "saved before the lock", 0).await;

    // another program (a maintenance shell, say) takes the write lock and keeps it
    let mut other =
        SqliteConnection::connect_with(&db::connect_options(&app.db_path, Create::Never))
            .await
            .unwrap();
    sqlx::query("begin exclusive")
        .execute(&mut other)
        .await
        .unwrap();

    let url = save_url(id, 1, "main");
    let autosave = save_with(&app, &client, &token, &url, "written while locked", 1);
    let form = client
        .post(app.url("/gauntlets/multi-region-kubernetes/attempts"))
        .form(&[("_csrf", token.as_str()), ("mode", "study")])
        .send();
    let visitor = app.client();
    let sign_in_page = visitor.get(app.url("/login")).send();
    let (autosave, form, sign_in_page) = tokio::join!(autosave, form, sign_in_page);
    let (autosave, form, sign_in_page) = (autosave, form.unwrap(), sign_in_page.unwrap());

    assert_eq!(autosave.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(autosave.headers().contains_key("retry-after"));
    let v: serde_json::Value = autosave.json().await.unwrap();
    assert_eq!(v["error"], "database_busy");
    assert!(v["message"].as_str().unwrap().contains("try again"));
    assert_eq!(form.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(form.headers().contains_key("retry-after"));
    let page = form.text().await.unwrap();
    assert!(page.contains("locked by another program"), "{page}");
    // the sign-in page works, or says to retry: never a bare 500
    match sign_in_page.status() {
        StatusCode::OK => {}
        StatusCode::SERVICE_UNAVAILABLE => {
            assert!(sign_in_page.headers().contains_key("retry-after"));
            let page = sign_in_page.text().await.unwrap();
            assert!(page.contains("try again in a few seconds"), "{page}");
        }
        other => panic!("the sign-in page got {other}"),
    }
    // reading goes on meanwhile
    assert_eq!(
        client
            .get(app.url(&format!("/attempts/{id}")))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );

    sqlx::query("commit").execute(&mut other).await.unwrap();
    other.close().await.unwrap();
    // after the lock is gone: the visitor signs in, and writes work again
    let email = app.create_user(Role::Candidate).await;
    let r = login(&app, &visitor, &email, PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in works again");
    assert_eq!(
        visitor
            .get(app.url("/catalog"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    save_ok(&app, &client, &token, id, "written after the lock", 1).await;
    let attempts: i64 = sqlx::query_scalar("select count(*) from attempts")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(attempts, 1, "nothing was written while locked");
}
