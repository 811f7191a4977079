//! Hardening of inputs (issue 12, points 13, 16 and 18): control characters in every free-text
//! field, answers that survive a no-JS round trip byte for byte with one character count
//! everywhere, and HEAD requests that write nothing. Rows T63, T66 and T68 of the threat matrix.

use gauntlet::{auth::Role, web::routes};
use reqwest::StatusCode;

use crate::common::{
    TestApp,
    attempts::{autosave, requested_attempt, start},
    csrf, csrf_from, db_fingerprint, field_value, location, page_text, post_form,
};

const SEED: &str = "multi-region-kubernetes";

async fn stored_answer(app: &TestApp, id: i64) -> (String, i64) {
    sqlx::query_as(
        "select body, version from answers where attempt_id = ? and round_number = 1 and part = 'main'",
    )
    .bind(id)
    .fetch_one(app.pool())
    .await
    .unwrap()
}

/// Every session row in full (id, data, expiry): equal means no session was created, changed,
/// rotated or ended.
async fn sessions_in_full(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar(
        "select id || '|' || hex(data) || '|' || expiry_date from tower_sessions order by id",
    )
    .fetch_all(app.pool())
    .await
    .unwrap()
}

// ---- T63: control characters --------------------------------------------------------------

#[tokio::test]
async fn t63_c1_controls_get_422_in_answers_notes_comments_summaries_and_invites_and_nothing_changes()
 {
    let app = TestApp::spawn().await;
    let (writer, _) = app.signed_in(Role::Candidate).await;
    let open = start(&app, &writer, "interview").await;
    assert_eq!(
        autosave(&app, &writer, open, 1, "main", "kept", 0)
            .await
            .status(),
        StatusCode::OK
    );
    let (candidate, _, id) = requested_attempt(&app).await;
    let (interviewer, _) = app.signed_in(Role::Interviewer).await;
    let r = post_form(
        &app,
        &interviewer,
        "/reviews",
        &format!("/reviews/{id}/claim"),
        &[],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (admin, _) = app.signed_in(Role::Admin).await;
    let before = db_fingerprint(&app).await;

    // U+0085 (NEL), U+009B (CSI, the C1 escape that starts terminal sequences), U+0080, U+009F
    for c in ['\u{80}', '\u{85}', '\u{9b}', '\u{9f}'] {
        let text = format!("looks fine{c}[31m but is not");
        let r = autosave(&app, &writer, open, 1, "main", &text, 1).await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "autosave {c:?}"
        );
        let v: serde_json::Value = r.json().await.unwrap();
        assert!(
            v["message"]
                .as_str()
                .unwrap()
                .contains("control characters")
        );
        let token = csrf(&app, &writer, "/").await;
        let r = writer
            .post(app.url(&format!("/attempts/{open}/steps/1/main/submit")))
            .form(&[
                ("_csrf", token.as_str()),
                ("body", &text),
                ("base_version", "1"),
            ])
            .send()
            .await
            .unwrap();
        // a no-JS submit is refused by redirect-after-post (issue 13 point 9): the round page
        // it leads to says why and shows the text again
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "submit {c:?}");
        let back = writer
            .get(app.url(&location(&r)))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(back.contains("control characters"), "submit {c:?}");

        let debrief = format!("/attempts/{id}/debrief");
        let path = format!("/attempts/{id}/self-assessment");
        let r = post_form(
            &app,
            &candidate,
            &debrief,
            &path,
            &[("level_1", "3"), ("note_1", &text)],
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "note {c:?}");

        let review = format!("/reviews/{id}");
        let save = format!("/reviews/{id}/save");
        for field in ["comment_1", "summary"] {
            let r = post_form(
                &app,
                &interviewer,
                &review,
                &save,
                &[("level_1", "2"), (field, &text)],
            )
            .await;
            assert_eq!(
                r.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{field} {c:?}"
            );
            assert!(r.text().await.unwrap().contains("control characters"));
        }
        let r = post_form(
            &app,
            &interviewer,
            &review,
            &format!("/reviews/{id}/comments"),
            &[("round", "1"), ("quote", "My answer"), ("body", &text)],
        )
        .await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "comment {c:?}"
        );

        let r = post_form(
            &app,
            &admin,
            "/admin/invites",
            "/admin/invites",
            &[("role", "candidate"), ("days", "7"), ("note", &text)],
        )
        .await;
        assert_eq!(
            r.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "invite note {c:?}"
        );
    }
    assert_eq!(before, db_fingerprint(&app).await, "nothing was stored");
    assert_eq!(stored_answer(&app, open).await, ("kept".to_string(), 1));

    // tab, newline and the characters right after the C1 block still go through
    let fine = "tab\there\nNBSP\u{a0}é 👩‍💻";
    assert_eq!(
        autosave(&app, &writer, open, 1, "main", fine, 1)
            .await
            .status(),
        StatusCode::OK
    );
    assert_eq!(stored_answer(&app, open).await.0, fine);
}

// ---- T66: the answer box ------------------------------------------------------------------

/// The text of the `<textarea id="{id}">` of a page as a browser's HTML parser reads it: one
/// newline right after the start tag is dropped, character references are decoded.
fn textarea_value(html: &str, id: &str) -> String {
    let open = html
        .find(&format!("<textarea id=\"{id}\""))
        .unwrap_or_else(|| panic!("no textarea {id}"));
    let start = open + html[open..].find('>').unwrap() + 1;
    let end = start + html[start..].find("</textarea>").unwrap();
    let raw = &html[start..end];
    let raw = raw.strip_prefix('\n').unwrap_or(raw);
    decode_references(raw)
}

fn decode_references(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let semi = rest.find(';').expect("a terminated reference");
        let name = &rest[1..semi];
        let c = match name {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ if name.starts_with("#x") || name.starts_with("#X") => {
                char::from_u32(u32::from_str_radix(&name[2..], 16).unwrap()).unwrap()
            }
            _ if name.starts_with('#') => char::from_u32(name[1..].parse().unwrap()).unwrap(),
            other => panic!("unexpected reference &{other};"),
        };
        out.push(c);
        rest = &rest[semi + 1..];
    }
    out.push_str(rest);
    out
}

#[tokio::test]
async fn t66_an_answer_survives_save_page_save_byte_exact_without_javascript() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let id = start(&app, &client, "interview").await;
    let texts = [
        "\nstarts with a newline",
        "\n\ntwo newlines, then\ttabs\t\tand trailing spaces   ",
        "\tindented\n  code();\n👩‍💻 ZWJ, 🇵🇹 flag, e\u{301} combining, 한국어, \u{202e}RTL\u{202c}, \u{200b}zero width, \u{feff}BOM",
        "markup stays text: <textarea>&amp; </textarea> \"quotes\" 'single' &lt;\n",
        "\n",
    ];
    let mut version = 0;
    for text in texts {
        let r = autosave(&app, &client, id, 1, "main", text, version).await;
        assert_eq!(r.status(), StatusCode::OK, "{text:?}");
        version += 1;
        // a plain browser: read the page, post the form back unchanged (CRLF line breaks, as
        // browsers send a textarea's value), three times over
        for _ in 0..3 {
            let html = page_text(&app, &client, &format!("/attempts/{id}")).await;
            let shown = textarea_value(&html, "answer");
            assert_eq!(shown, text, "the page shows the stored text exactly");
            let r = client
                .post(app.url(&format!("/attempts/{id}/steps/1/main/save")))
                .form(&[
                    ("_csrf", csrf_from(&html).as_str()),
                    (
                        "base_version",
                        field_value(&html, "base_version").unwrap().as_str(),
                    ),
                    ("body", shown.replace('\n', "\r\n").as_str()),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::SEE_OTHER, "{text:?}");
            let (body, v) = stored_answer(&app, id).await;
            assert_eq!(
                body.as_bytes(),
                text.as_bytes(),
                "byte-exact after a no-JS save"
            );
            version = v;
        }
    }
}

#[tokio::test]
async fn t66_limits_count_characters_as_the_server_does_and_no_field_has_maxlength() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let id = start(&app, &client, "interview").await;
    let html = page_text(&app, &client, &format!("/attempts/{id}")).await;
    assert!(html.contains(&format!(
        "data-max-chars=\"{}\"",
        gauntlet::practice::MAX_CHARS
    )));
    // 50,000 astral characters are 100,000 UTF-16 units (what maxlength counted): accepted
    let at_limit = "😀".repeat(gauntlet::practice::MAX_CHARS);
    assert_eq!(
        autosave(&app, &client, id, 1, "main", &at_limit, 0)
            .await
            .status(),
        StatusCode::OK
    );
    let over = format!("{at_limit}a");
    let r = autosave(&app, &client, id, 1, "main", &over, 1).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let v: serde_json::Value = r.json().await.unwrap();
    let message = v["message"].as_str().unwrap();
    assert!(
        message.contains("50000") && message.contains("50001"),
        "{message}"
    );
    // a no-JS post over the limit gets the page back with the message and the text kept
    let token = csrf(&app, &client, "/").await;
    let r = client
        .post(app.url(&format!("/attempts/{id}/steps/1/main/submit")))
        .form(&[
            ("_csrf", token.as_str()),
            ("body", &over),
            ("base_version", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "redirect-after-post");
    let html = page_text(&app, &client, &location(&r)).await;
    assert!(html.contains("the limit is 50000"));
    assert_eq!(
        textarea_value(&html, "answer"),
        over,
        "the refused text is shown back"
    );
    assert_eq!(stored_answer(&app, id).await.0, at_limit);

    // every page with a limited field: no maxlength/minlength, one data-max-chars per limit
    let (candidate, _, rid) = requested_attempt(&app).await;
    let (interviewer, _) = app.signed_in(Role::Interviewer).await;
    let r = post_form(
        &app,
        &interviewer,
        "/reviews",
        &format!("/reviews/{rid}/claim"),
        &[],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (admin, _) = app.signed_in(Role::Admin).await;
    let anon = app.client();
    for (who, path, limits) in [
        (&anon, "/login".to_string(), vec![128]),
        (&candidate, "/account/password".to_string(), vec![128]),
        (&candidate, "/catalog".to_string(), vec![200]),
        (&candidate, format!("/attempts/{rid}/debrief"), vec![2000]),
        (&interviewer, format!("/reviews/{rid}"), vec![5000, 2000]),
        (&admin, "/admin/invites".to_string(), vec![200]),
    ] {
        let html = page_text(&app, who, &path).await;
        assert!(!html.contains("maxlength"), "{path} has maxlength");
        assert!(!html.contains("minlength"), "{path} has minlength");
        for limit in limits {
            assert!(
                html.contains(&format!("data-max-chars=\"{limit}\"")),
                "{path} lacks the limit {limit}"
            );
        }
    }
    // the server counts the same way for the other fields
    let note = "😀".repeat(2000);
    let r = post_form(
        &app,
        &candidate,
        &format!("/attempts/{rid}/debrief"),
        &format!("/attempts/{rid}/self-assessment"),
        &[("level_1", "3"), ("note_1", &note)],
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "2,000 emoji are 2,000 characters"
    );
    let r = post_form(
        &app,
        &candidate,
        &format!("/attempts/{rid}/debrief"),
        &format!("/attempts/{rid}/self-assessment"),
        &[("level_1", "3"), ("note_1", &format!("{note}a"))],
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().await.unwrap().contains("2000"),
        "the 422 names the limit"
    );
    let r = candidate
        .get(app.url(&format!("/catalog?q={}", "é".repeat(200))))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::OK,
        "200 two-byte characters are 200 characters"
    );
}

// ---- T68: HEAD writes nothing -------------------------------------------------------------

#[tokio::test]
async fn t68_head_on_every_get_route_as_every_role_writes_nothing_while_get_still_starts_the_timer()
{
    let app = TestApp::spawn().await;
    // a fresh attempt: its first GET would create the answer row and start the round's timer
    let (starter, _) = app.signed_in(Role::Candidate).await;
    let fresh = start(&app, &starter, "interview").await;
    let (candidate, _, id) = requested_attempt(&app).await;
    // a flash message waiting for the candidate's next page
    let r = post_form(
        &app,
        &candidate,
        &format!("/attempts/{id}/debrief"),
        &format!("/attempts/{id}/self-assessment"),
        &[("level_1", "3")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (interviewer, _) = app.signed_in(Role::Interviewer).await;
    let r = post_form(
        &app,
        &interviewer,
        "/reviews",
        &format!("/reviews/{id}/claim"),
        &[],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (admin, _) = app.signed_in(Role::Admin).await;
    // a new invite link, shown once on the admin's next invites page
    let r = post_form(
        &app,
        &admin,
        "/admin/invites",
        "/admin/invites",
        &[("role", "candidate"), ("days", "7"), ("note", "")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let visitor = app.client();
    assert_eq!(
        visitor
            .get(app.url("/login"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK,
        "a visitor with a pre-session"
    );
    let stranger = app.client();

    let css = page_text(&app, &visitor, "/login")
        .await
        .split("href=\"")
        .find(|s| s.starts_with("/static/app."))
        .map(|s| s[..s.find('"').unwrap()].to_string())
        .unwrap();
    let mut paths = Vec::new();
    for spec in routes::specs().into_iter().filter(|s| s.method == "GET") {
        if spec.path == "/static/{file}" {
            paths.push(css.clone());
            continue;
        }
        for attempt in [fresh, id] {
            let path = spec
                .path
                .replace("{id}", &attempt.to_string())
                .replace("{slug}", SEED)
                .replace("{round}", "1")
                .replace("{token}", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
            if !paths.contains(&path) {
                paths.push(path);
            }
        }
    }
    let tables = db_fingerprint(&app).await;
    let sessions = sessions_in_full(&app).await;
    let mut sent = 0;
    for (who, name) in [
        (&stranger, "anonymous without a session"),
        (&visitor, "anonymous with a pre-session"),
        (&starter, "the fresh attempt's owner"),
        (&candidate, "candidate"),
        (&interviewer, "interviewer"),
        (&admin, "admin"),
    ] {
        for path in &paths {
            let r = who.head(app.url(path)).send().await.unwrap();
            assert!(
                !r.status().is_server_error(),
                "HEAD {path} as {name}: {}",
                r.status()
            );
            assert!(
                r.headers().get("set-cookie").is_none(),
                "HEAD {path} as {name} set a cookie"
            );
            sent += 1;
        }
        assert_eq!(
            tables,
            db_fingerprint(&app).await,
            "HEAD as {name} changed a table"
        );
        assert_eq!(
            sessions,
            sessions_in_full(&app).await,
            "HEAD as {name} created or changed a session"
        );
    }
    assert!(sent > 150, "{sent}");

    // the flash waited for a page that shows it
    let debrief = page_text(&app, &candidate, &format!("/attempts/{id}/debrief")).await;
    assert!(
        debrief.contains("Self-assessment saved"),
        "the flash survived HEAD"
    );
    // and GET still does what a view of the round means: it starts the timer
    let answers = |app: &TestApp| {
        let pool = app.pool().clone();
        async move {
            sqlx::query_scalar::<_, i64>("select count(*) from answers where attempt_id = ?")
                .bind(fresh)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert_eq!(answers(&app).await, 0, "no answer row after HEAD");
    let r = starter
        .get(app.url(&format!("/attempts/{fresh}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(answers(&app).await, 1, "GET started the round");
}
