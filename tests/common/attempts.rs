//! Candidate steps over HTTP that many test files share: starting an attempt on the seed
//! gauntlet, autosaving and submitting answers, and asking for a review.

use gauntlet::auth::Role;
use reqwest::{Client, Response, StatusCode};

use super::{TestApp, csrf, location, post_form};

/// The built-in gauntlet the tests practise on (five rounds, a follow-up in round 2).
pub const SEED: &str = "multi-region-kubernetes";

/// Starts an attempt on the seed gauntlet in `mode`; returns its id.
pub async fn start(app: &TestApp, client: &Client, mode: &str) -> i64 {
    let r = post_form(
        app,
        client,
        &format!("/gauntlets/{SEED}"),
        &format!("/gauntlets/{SEED}/attempts"),
        &[("mode", mode)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    location(&r)
        .trim_start_matches("/attempts/")
        .parse()
        .unwrap()
}

/// The autosave route of one step.
pub fn save_url(id: i64, round: u32, part: &str) -> String {
    format!("/attempts/{id}/steps/{round}/{part}/save")
}

/// An autosave of `body` over version `base` to `path`, as the page's script sends it, with a
/// token the caller fetched.
pub async fn save_with(
    app: &TestApp,
    client: &Client,
    token: &str,
    path: &str,
    body: &str,
    base: i64,
) -> Response {
    client
        .post(app.url(path))
        .header("x-csrf-token", token)
        .header("accept", "application/json")
        .form(&[("body", body), ("base_version", &base.to_string())])
        .send()
        .await
        .unwrap()
}

/// An autosave of one step as the page's script sends it, with a fresh token.
pub async fn autosave(
    app: &TestApp,
    client: &Client,
    id: i64,
    round: u32,
    part: &str,
    body: &str,
    base: i64,
) -> Response {
    let token = csrf(app, client, "/").await;
    save_with(app, client, &token, &save_url(id, round, part), body, base).await
}

/// Submits one step through the form.
pub async fn submit(
    app: &TestApp,
    client: &Client,
    id: i64,
    round: u32,
    part: &str,
    body: &str,
    base: i64,
) -> Response {
    let token = csrf(app, client, "/").await;
    client
        .post(app.url(&format!("/attempts/{id}/steps/{round}/{part}/submit")))
        .form(&[
            ("_csrf", token.as_str()),
            ("body", body),
            ("base_version", &base.to_string()),
        ])
        .send()
        .await
        .unwrap()
}

/// Submits every step of rounds 1..=`upto` of a seed attempt (round 2's follow-up included).
pub async fn answer_through(app: &TestApp, client: &Client, id: i64, upto: u32) {
    for round in 1..=upto {
        let r = submit(
            app,
            client,
            id,
            round,
            "main",
            &format!("My answer to round {round}."),
            0,
        )
        .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "round {round}");
        if round == 2 {
            let r = submit(
                app,
                client,
                id,
                2,
                "follow_up",
                "Around 50 to 200 ms; I'd measure it.",
                0,
            )
            .await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
        }
    }
}

/// A new candidate with a finished seed attempt that asked for a review: (their client, their
/// email, the attempt id).
pub async fn requested_attempt(app: &TestApp) -> (Client, String, i64) {
    let (candidate, email) = app.signed_in(Role::Candidate).await;
    let id = start(app, &candidate, "interview").await;
    answer_through(app, &candidate, id, 5).await;
    let r = post_form(
        app,
        &candidate,
        "/",
        &format!("/attempts/{id}/review"),
        &[("action", "request")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    (candidate, email, id)
}
