//! Drills over HTTP: cards made from a finished attempt's misses, the drill (reveal, rate) moving
//! the due dates on the server's clock, dismissing, the home and History panels, the export,
//! retrying a round, and the drill threat rows (T93–T96).

use gauntlet::auth::Role;
use reqwest::{Client, StatusCode};

use crate::common::{
    TestApp,
    attempts::{answer_through, start, submit},
    csrf, db_fingerprint, field_value, get_page, location, post_form,
};

const DAY: i64 = 86_400;

/// Round 2's answer says what its Trap Alert warns against.
const TRAP_ANSWER: &str = "We promote the replica in eu-west-1 and promise zero data loss.";

/// Finishes a seed attempt with thin answers (round 2 falls into the trap) and saves the
/// self-assessment, which turns the misses into cards. Returns the attempt id.
async fn finished_with_misses(app: &TestApp, client: &Client) -> i64 {
    let id = start(app, client, "interview").await;
    for round in 1..=5u32 {
        let body = if round == 2 {
            TRAP_ANSWER.to_string()
        } else {
            format!("My answer to round {round}.")
        };
        let r = submit(app, client, id, round, "main", &body, 0).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "round {round}");
        if round == 2 {
            let r = submit(app, client, id, 2, "follow_up", "It is small.", 0).await;
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
        }
    }
    self_assess(app, client, id).await;
    id
}

async fn self_assess(app: &TestApp, client: &Client, id: i64) {
    let r = post_form(
        app,
        client,
        &format!("/attempts/{id}/debrief"),
        &format!("/attempts/{id}/self-assessment"),
        &[("level_1", "2"), ("level_2", "1"), ("level_4", "2")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

/// (id, round, kind, key, sources, due_at) of a person's cards.
async fn cards(app: &TestApp, user: i64) -> Vec<(i64, i64, String, String, String, i64)> {
    sqlx::query_as(
        "select id, round_number, kind, key, sources, due_at from drill_cards where user_id = ? order by id",
    )
    .bind(user)
    .fetch_all(app.pool())
    .await
    .unwrap()
}

/// Reveals card `card` with `answer`; returns the reveal page.
async fn reveal(app: &TestApp, client: &Client, card: i64, answer: &str) -> (StatusCode, String) {
    let r = post_form(
        app,
        client,
        &format!("/drills/{card}"),
        &format!("/drills/{card}/reveal"),
        &[("answer", answer)],
    )
    .await;
    (r.status(), r.text().await.unwrap())
}

/// Reveals and rates card `card`; returns the rating response.
async fn drill(app: &TestApp, client: &Client, card: i64, rating: &str) -> reqwest::Response {
    let answer = "I would check replication lag and say what I do not know.";
    let (status, html) = reveal(app, client, card, answer).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let token = crate::common::csrf_from(&html);
    client
        .post(app.url(&format!("/drills/{card}/rate")))
        .form(&[
            ("_csrf", token.as_str()),
            ("rating", rating),
            ("answer", answer),
            ("reviewed", &field_value(&html, "reviewed").unwrap()),
            ("reps", &field_value(&html, "reps").unwrap()),
        ])
        .send()
        .await
        .unwrap()
}

async fn due_at(app: &TestApp, card: i64) -> i64 {
    sqlx::query_scalar("select due_at from drill_cards where id = ?")
        .bind(card)
        .fetch_one(app.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn misses_become_cards_that_are_drilled_and_move_their_due_dates() {
    let app = TestApp::spawn().await;
    let (client, email) = app.signed_in(Role::Candidate).await;
    let me = app.user_id(&email).await;
    let clock = &app.running().state.clock;

    let id = start(&app, &client, "interview").await;
    answer_through(&app, &client, id, 5).await;
    assert!(
        cards(&app, me).await.is_empty(),
        "no cards before the debrief"
    );
    let id = finished_with_misses(&app, &client).await;
    let made = cards(&app, me).await;
    let traps: Vec<_> = made.iter().filter(|c| c.2 == "trap").collect();
    let points: Vec<_> = made.iter().filter(|c| c.2 == "point").collect();
    assert_eq!(traps.len(), 1, "{made:?}");
    assert_eq!(
        (traps[0].1, traps[0].3.as_str(), traps[0].4.as_str()),
        (2, "zero data loss", "alignment")
    );
    assert!(points.len() >= 5, "missed Strong Answer claims: {made:?}");
    assert!(points.iter().any(|c| c.1 == 1) && points.iter().any(|c| c.1 == 5));
    // a trap starts as "Again" (due today), a missed point as "Hard" (a day or more)
    let now = clock.now();
    assert!(traps[0].5 <= now + 60);
    assert!(points.iter().all(|c| c.5 >= now + DAY - 60));

    // saving the self-assessment again merges into the same cards
    self_assess(&app, &client, id).await;
    assert_eq!(cards(&app, me).await, made);

    // home: one drill due today, and a suggestion of what to practise next
    let (_, home) = get_page(&app, &client, "/").await;
    assert!(
        home.contains("<strong class=\"stat-inline\">1</strong> drill due today"),
        "{home}"
    );
    assert!(home.contains("What to practise next"), "{home}");
    let trap = traps[0].0;
    assert!(home.contains(&format!("href=\"/drills/{trap}\"")));

    // the card asks without revealing; the reveal shows the Trap Alert and four intervals
    let (status, html) = get_page(&app, &client, &format!("/drills/{trap}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("failover strategy"), "the round's prompt");
    assert!(!html.contains("bluffs here") && !html.contains("zero data loss"));
    let (status, html) = reveal(&app, &client, trap, "Aurora gives us zero data loss.").await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("bluffs here"), "trap guidance shown");
    assert!(
        html.contains("still uses a phrase"),
        "the alignment of the new answer"
    );
    for label in ["1 · Again", "2 · Hard", "3 · Good", "4 · Easy"] {
        assert!(html.contains(label), "{label}");
    }
    assert_eq!(
        html.matches("class=\"rate-interval\"").count(),
        4,
        "each shows its interval"
    );

    // rating Good moves the trap to a later day; the log records it
    let r = drill(&app, &client, trap, "3").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(due_at(&app, trap).await >= clock.now() + DAY - 60);
    let logged: Vec<(i64, String)> =
        sqlx::query_as("select rating, answer from drill_reviews where card_id = ?")
            .bind(trap)
            .fetch_all(app.pool())
            .await
            .unwrap();
    assert_eq!(logged.len(), 1);
    assert_eq!(logged[0].0, 3);

    // a missed point: Good each time it comes due grows the interval; Again resets it
    let point = points[0].0;
    let mut intervals = Vec::new();
    for rating in ["3", "3", "3", "1"] {
        let wait = due_at(&app, point).await - clock.now();
        if wait > 0 {
            clock.advance(wait);
        }
        let before = clock.now();
        let r = drill(&app, &client, point, rating).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        intervals.push(due_at(&app, point).await - before);
    }
    assert!(
        intervals[1] > intervals[0] && intervals[2] > intervals[1],
        "{intervals:?}"
    );
    assert!(
        intervals[3] < intervals[2] / 2,
        "Again resets: {intervals:?}"
    );

    // History: drills done, retention, streak
    let (_, history) = get_page(&app, &client, "/history").await;
    assert!(history.contains("Drills done"), "{history}");
    assert!(history.contains("<dd>5</dd>"), "five drills");
    assert!(history.contains("80%"), "four of five Good");

    // the export holds the cards and their review log
    let export: serde_json::Value = client
        .get(app.url("/account/export.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let exported = export["drill_cards"].as_array().unwrap();
    assert_eq!(exported.len(), made.len());
    let p = exported.iter().find(|c| c["id"] == point).unwrap();
    assert_eq!(p["reviews"].as_array().unwrap().len(), 4);
    assert_eq!(p["reviews"][3]["rating"], "Again");
    assert!(export["attempts"].as_array().unwrap().len() >= 2);
}

#[tokio::test]
async fn a_dismissed_card_leaves_the_due_list_and_can_be_brought_back() {
    let app = TestApp::spawn().await;
    let (client, email) = app.signed_in(Role::Candidate).await;
    let me = app.user_id(&email).await;
    finished_with_misses(&app, &client).await;
    let trap = cards(&app, me)
        .await
        .into_iter()
        .find(|c| c.2 == "trap")
        .unwrap()
        .0;
    let (_, list) = get_page(&app, &client, "/drills").await;
    assert!(
        list.contains("Trap 1 you fell into") && list.contains("Strong-answer point 2 you missed")
    );
    assert!(
        !list.contains("zero data loss"),
        "an open card does not give its answer away"
    );
    // the reveal offers "not relevant to me" once the point is known
    let (_, html) = reveal(&app, &client, trap, "an answer").await;
    assert!(html.contains(&format!("action=\"/drills/{trap}/dismiss\"")));
    let r = post_form(
        &app,
        &client,
        "/drills",
        &format!("/drills/{trap}/dismiss"),
        &[],
    )
    .await;
    assert_eq!(
        (r.status(), location(&r).as_str()),
        (StatusCode::SEE_OTHER, "/drills")
    );
    let (_, list) = get_page(&app, &client, "/drills").await;
    assert!(
        list.contains("Dismissed (1)") && list.contains("Due today (0)"),
        "{list}"
    );
    assert!(
        list.contains("Trap 1 you fell into: “zero data loss”"),
        "a dismissed card shows what it was"
    );
    let (_, home) = get_page(&app, &client, "/").await;
    assert!(home.contains("No drills due today"));
    let (status, _) = reveal(&app, &client, trap, "x").await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a dismissed card is not drilled"
    );
    let r = post_form(
        &app,
        &client,
        "/drills",
        &format!("/drills/{trap}/restore"),
        &[],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, list) = get_page(&app, &client, "/drills").await;
    assert!(
        list.contains("Due today (1)") && !list.contains("Dismissed ("),
        "{list}"
    );
}

#[tokio::test]
async fn a_retried_round_is_compared_with_the_first_answer() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let unfinished = start(&app, &client, "interview").await;
    let r = post_form(
        &app,
        &client,
        "/",
        &format!("/attempts/{unfinished}/rounds/2/retry"),
        &[],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT, "only a finished attempt");
    let id = finished_with_misses(&app, &client).await;
    let (_, debrief) = get_page(&app, &client, &format!("/attempts/{id}/debrief")).await;
    assert!(debrief.contains(&format!("action=\"/attempts/{id}/rounds/2/retry\"")));
    assert!(debrief.contains("Try this round again"));

    let r = post_form(
        &app,
        &client,
        "/",
        &format!("/attempts/{id}/rounds/2/retry"),
        &[],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let retry: i64 = location(&r)
        .trim_start_matches("/attempts/")
        .parse()
        .unwrap();
    let (_, html) = get_page(&app, &client, &format!("/attempts/{retry}")).await;
    assert!(html.contains("failover strategy"), "round 2's prompt");
    assert!(!html.contains("Design a multi-region"), "not round 1");
    let better = "Aurora Global Database: RPO under a second, RTO 1-5 minutes, plus DNS TTL; I'd measure the lag.";
    let r = submit(&app, &client, retry, 2, "main", better, 0).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = submit(
        &app,
        &client,
        retry,
        2,
        "follow_up",
        "50-200 ms, measured.",
        0,
    )
    .await;
    assert_eq!(location(&r), format!("/attempts/{retry}/compare"));
    let (status, compare) = get_page(&app, &client, &format!("/attempts/{retry}/compare")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(compare.contains("zero data loss"), "the first answer");
    let new_side = &compare[compare.find("under a second").expect("the new answer")..];
    assert!(
        compare.contains("RPO under a second") || new_side.contains("<mark"),
        "the new answer"
    );
    assert!(
        compare.matches("<mark").count() >= 2,
        "both answers carry their hints"
    );
    assert!(compare.contains("First answer") && compare.contains("This try"));
    // a retry has no debrief of its own and cannot be sent for review
    let r = client
        .get(app.url(&format!("/attempts/{retry}/debrief")))
        .send()
        .await
        .unwrap();
    assert_eq!(location(&r), format!("/attempts/{retry}/compare"));
    let r = post_form(
        &app,
        &client,
        "/",
        &format!("/attempts/{retry}/review"),
        &[("action", "request")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    // History marks the retry and links it to the comparison; home counts one finished attempt
    let (_, history) = get_page(&app, &client, "/history").await;
    assert!(history.contains(&format!("href=\"/attempts/{retry}/compare\"")));
    assert!(history.contains("Round 2 retried"));
    let (_, home) = get_page(&app, &client, "/").await;
    assert!(home.contains("1 finished attempt in"), "{home}");
    // the original's compare page does not exist
    let (status, _) = get_page(&app, &client, &format!("/attempts/{id}/compare")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn t93_another_persons_cards_are_404_on_every_drill_route_and_never_listed() {
    let app = TestApp::spawn().await;
    let (owner, owner_email) = app.signed_in(Role::Candidate).await;
    let owner_id = app.user_id(&owner_email).await;
    let attempt = finished_with_misses(&app, &owner).await;
    let card = cards(&app, owner_id).await[0].0;
    let (other, _) = app.signed_in(Role::Candidate).await;
    let (interviewer, _) = app.signed_in(Role::Interviewer).await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let before = db_fingerprint(&app).await;
    for who in [&other, &interviewer, &admin] {
        let (status, body) = get_page(&app, who, &format!("/drills/{card}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert!(!body.contains("failover") && !body.contains("Design a multi-region"));
        for action in ["reveal", "rate", "dismiss", "restore"] {
            let r = post_form(
                &app,
                who,
                "/",
                &format!("/drills/{card}/{action}"),
                &[
                    ("answer", "x"),
                    ("rating", "4"),
                    ("reviewed", "0"),
                    ("reps", "0"),
                ],
            )
            .await;
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{action}");
        }
        let r = post_form(
            &app,
            who,
            "/",
            &format!("/attempts/{attempt}/rounds/1/retry"),
            &[],
        )
        .await;
        assert_eq!(
            r.status(),
            StatusCode::NOT_FOUND,
            "retry of another's attempt"
        );
        let (_, list) = get_page(&app, who, "/drills").await;
        assert!(list.contains("Due today (0)") && !list.contains(&format!("/drills/{card}")));
        let (_, home) = get_page(&app, who, "/").await;
        assert!(!home.contains(&format!("/drills/{card}")) && !home.contains("stat-inline"));
        let export: serde_json::Value = who
            .get(app.url("/account/export.json"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(export["drill_cards"], serde_json::json!([]));
    }
    assert_eq!(before, db_fingerprint(&app).await, "nothing changed");
}

#[tokio::test]
async fn t94_drill_and_retry_posts_without_the_token_or_from_another_origin_change_nothing() {
    let app = TestApp::spawn().await;
    let (client, email) = app.signed_in(Role::Candidate).await;
    let me = app.user_id(&email).await;
    let attempt = finished_with_misses(&app, &client).await;
    let card = cards(&app, me).await[0].0;
    let token = csrf(&app, &client, "/drills").await;
    let before = db_fingerprint(&app).await;
    let paths = [
        format!("/drills/{card}/reveal"),
        format!("/drills/{card}/rate"),
        format!("/drills/{card}/dismiss"),
        format!("/drills/{card}/restore"),
        format!("/attempts/{attempt}/rounds/1/retry"),
    ];
    let fields = [
        ("answer", "x"),
        ("rating", "4"),
        ("reviewed", "0"),
        ("reps", "0"),
    ];
    for path in &paths {
        let r = client
            .post(app.url(path))
            .form(&fields)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path} without a token");
        let mut with = fields.to_vec();
        with.push(("_csrf", token.as_str()));
        let r = client
            .post(app.url(path))
            .header("origin", "https://evil.example")
            .form(&with)
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::FORBIDDEN,
            "{path} from another origin"
        );
    }
    assert_eq!(before, db_fingerprint(&app).await);
}

#[tokio::test]
async fn t95_a_drill_rated_twice_records_one_review() {
    let app = TestApp::spawn().await;
    let (client, email) = app.signed_in(Role::Candidate).await;
    let me = app.user_id(&email).await;
    finished_with_misses(&app, &client).await;
    let trap = cards(&app, me)
        .await
        .into_iter()
        .find(|c| c.2 == "trap")
        .unwrap()
        .0;
    let (_, html) = reveal(&app, &client, trap, "an answer").await;
    let token = crate::common::csrf_from(&html);
    let form = [
        ("_csrf", token.clone()),
        ("rating", "4".to_string()),
        ("answer", "an answer".to_string()),
        ("reviewed", field_value(&html, "reviewed").unwrap()),
        ("reps", field_value(&html, "reps").unwrap()),
    ];
    let first = client
        .post(app.url(&format!("/drills/{trap}/rate")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let due = due_at(&app, trap).await;
    let again = client
        .post(app.url(&format!("/drills/{trap}/rate")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::CONFLICT);
    assert!(again.text().await.unwrap().contains("already rated"));
    let n: i64 = sqlx::query_scalar("select count(*) from drill_reviews where card_id = ?")
        .bind(trap)
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(due_at(&app, trap).await, due, "the card moved once");
    // a rating outside 1–4 is refused
    let mut bad = form.clone();
    bad[1].1 = "5".into();
    let r = client
        .post(app.url(&format!("/drills/{trap}/rate")))
        .form(&bad)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn t96_drill_answers_with_controls_or_over_the_limit_get_422_and_keep_the_text() {
    let app = TestApp::spawn().await;
    let (client, email) = app.signed_in(Role::Candidate).await;
    let me = app.user_id(&email).await;
    finished_with_misses(&app, &client).await;
    let trap = cards(&app, me)
        .await
        .into_iter()
        .find(|c| c.2 == "trap")
        .unwrap()
        .0;
    let before = db_fingerprint(&app).await;
    let long = "é".repeat(4001);
    for (answer, kept) in [
        ("typed text \u{85} with a C1 control", "typed text"),
        ("a NUL \u{0} here", "a NUL"),
        (long.as_str(), "éééé"),
    ] {
        let (status, html) = reveal(&app, &client, trap, answer).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{answer:.20}");
        assert!(html.contains("role=\"alert\""));
        assert!(html.contains(kept), "the typed text is given back");
        assert!(!html.contains("bluffs here"), "nothing revealed");
    }
    // exactly 4000 code points is fine
    let (status, _) = reveal(&app, &client, trap, &"é".repeat(4000)).await;
    assert_eq!(status, StatusCode::OK);
    // the rating form's copy of the answer is checked the same way
    let (_, html) = reveal(&app, &client, trap, "fine").await;
    let token = crate::common::csrf_from(&html);
    let r = client
        .post(app.url(&format!("/drills/{trap}/rate")))
        .form(&[
            ("_csrf", token.as_str()),
            ("rating", "3"),
            ("answer", "bad \u{9b} control"),
            ("reviewed", &field_value(&html, "reviewed").unwrap()),
            ("reps", &field_value(&html, "reps").unwrap()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(before, db_fingerprint(&app).await, "nothing stored");
}

#[tokio::test]
async fn a_final_review_turns_the_flagged_traps_into_the_candidates_cards() {
    let app = TestApp::spawn().await;
    let (candidate, email) = app.signed_in(Role::Candidate).await;
    let me = app.user_id(&email).await;
    let id = start(&app, &candidate, "interview").await;
    answer_through(&app, &candidate, id, 5).await;
    let r = post_form(
        &app,
        &candidate,
        "/",
        &format!("/attempts/{id}/review"),
        &[("action", "request")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(cards(&app, me).await.is_empty(), "no debrief saved yet");
    let (x, x_email) = app.signed_in(Role::Interviewer).await;
    let r = post_form(&app, &x, "/reviews", &format!("/reviews/{id}/claim"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let mut fields: Vec<(String, String)> = (1..=5)
        .map(|i| (format!("level_{i}"), "2".to_string()))
        .collect();
    fields.push(("recommendation".into(), "not_yet".into()));
    fields.push(("summary".into(), "".into()));
    fields.push(("trap_4".into(), "on".into()));
    let token = csrf(&app, &x, "/").await;
    fields.push(("_csrf".into(), token));
    let r = x
        .post(app.url(&format!("/reviews/{id}/submit")))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let made = cards(&app, me).await;
    let traps: Vec<_> = made.iter().filter(|c| c.2 == "trap").collect();
    assert_eq!(traps.len(), 1, "{made:?}");
    assert_eq!(
        (traps[0].1, traps[0].3.as_str(), traps[0].4.as_str()),
        (4, "", "reviewer")
    );
    assert!(
        made.iter().any(|c| c.2 == "point"),
        "the review also brings the missed points"
    );
    assert!(
        cards(&app, app.user_id(&x_email).await).await.is_empty(),
        "none for the reviewer"
    );

    // editing the submitted review to flag round 2 as well adds that round's card; the cards
    // already made keep their schedule
    for (k, v) in fields.iter_mut() {
        if k == "_csrf" {
            *v = csrf(&app, &x, "/").await;
        }
    }
    fields.push(("trap_2".into(), "on".into()));
    let r = x
        .post(app.url(&format!("/reviews/{id}/submit")))
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let after_edit = cards(&app, me).await;
    let trap_rounds: Vec<i64> = after_edit
        .iter()
        .filter(|c| c.2 == "trap")
        .map(|c| c.1)
        .collect();
    assert_eq!(trap_rounds, [4, 2], "{after_edit:?}");
    assert_eq!(
        &after_edit[..made.len()],
        &made[..],
        "the earlier cards are unchanged"
    );

    // the whole-trap card reveals the round's Trap Question Variant
    let (status, html) = reveal(
        &app,
        &candidate,
        traps[0].0,
        "I would design it and involve legal counsel.",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("legal review is mandatory"), "{html}");
}
