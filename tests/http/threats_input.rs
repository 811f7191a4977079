//! Threat rows about request bodies (T38, T40): chunked bodies past the limit and tricky
//! Unicode that must round-trip byte for byte.

use gauntlet::auth::Role;
use reqwest::{Client, StatusCode};

use crate::{
    common::{TestApp, attempts::start, csrf, csrf_from, page_text, set_visitor_cookie},
    threats::raw_sign_in,
};

/// Streams a chunked body of up to `total` bytes; returns the response head (or "" if the
/// server closed without one) and how many bytes were sent before the server stopped reading.
async fn stream_chunked(app: &TestApp, head: String, total: usize) -> (String, usize) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.base.trim_start_matches("http://").to_string();
    let stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    let reader = tokio::spawn(async move {
        let mut buf = Vec::new();
        let _ = tokio::time::timeout(std::time::Duration::from_secs(30), rd.read_to_end(&mut buf))
            .await;
        String::from_utf8_lossy(&buf).to_string()
    });
    wr.write_all(head.as_bytes()).await.unwrap();
    let chunk = format!("{:x}\r\n{}\r\n", 64 * 1024, "a".repeat(64 * 1024));
    let mut sent = 0;
    while sent < total {
        if wr.write_all(chunk.as_bytes()).await.is_err() {
            break;
        }
        sent += 64 * 1024;
        if reader.is_finished() {
            break;
        }
    }
    let _ = wr.write_all(b"0\r\n\r\n").await;
    let _ = wr.shutdown().await;
    (reader.await.unwrap(), sent)
}

#[tokio::test]
async fn t38_chunked_bodies_without_a_length_get_413_and_the_answer_is_kept() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let id = start(&app, &client, "interview").await;
    let token = csrf(&app, &client, "/").await;
    let r = client
        .post(app.url(&format!("/attempts/{id}/steps/1/main/save")))
        .header("x-csrf-token", &token)
        .header("accept", "application/json")
        .form(&[("body", "the saved text"), ("base_version", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // a second session of the same candidate, on a raw client, for the raw requests
    let owner: String = sqlx::query_scalar(
        "select u.email from users u join attempts a on a.user_id = u.id where a.id = ?",
    )
    .bind(id)
    .fetch_one(app.pool())
    .await
    .unwrap();
    let (own_cookie, own_token) = raw_sign_in(&app, &owner).await;
    let raw_login = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let page = raw_login.get(app.url("/login")).send().await.unwrap();
    let pre = set_visitor_cookie(&page).expect("the sign-in form's visitor cookie");
    let login_token = csrf_from(&page.text().await.unwrap());

    // an answer route (1 MiB limit), a form route (64 KiB) and the sign-in form, each sent 50 MiB
    for (path, cookie, token) in [
        (
            format!("/attempts/{id}/steps/1/main/save"),
            &own_cookie,
            &own_token,
        ),
        ("/account/password".to_string(), &own_cookie, &own_token),
        ("/login".to_string(), &pre, &login_token),
    ] {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nCookie: {cookie}\r\nX-CSRF-Token: {token}\r\nAccept: application/json\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n"
        );
        let (resp, sent) = stream_chunked(&app, head, 50 * 1024 * 1024).await;
        assert!(
            resp.is_empty() || resp.starts_with("HTTP/1.1 413"),
            "{path}: {}",
            &resp[..resp.len().min(200)]
        );
        assert!(
            sent < 50 * 1024 * 1024,
            "{path}: the server read all 50 MiB"
        );
    }
    // with a length: one byte over the answer limit, and a sign-in body over the form limit
    let over = "b".repeat(1024 * 1024 + 1);
    let r = client
        .post(app.url(&format!("/attempts/{id}/steps/1/main/save")))
        .header("x-csrf-token", &token)
        .header("accept", "application/json")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(over)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let r = raw_login
        .post(app.url("/login"))
        .header("cookie", &pre)
        .form(&[
            ("_csrf", login_token.as_str()),
            ("email", "x@team.example"),
            ("password", &"p".repeat(70 * 1024)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let (body, version): (String, i64) =
        sqlx::query_as("select body, version from answers where attempt_id = ?")
            .bind(id)
            .fetch_one(app.pool())
            .await
            .unwrap();
    assert_eq!((body.as_str(), version), ("the saved text", 1));
    assert_eq!(
        client
            .get(app.url("/healthz"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK,
        "still serving"
    );
}

async fn stored_bytes(app: &TestApp, attempt: i64) -> Vec<u8> {
    sqlx::query_scalar("select cast(body as blob) from answers where attempt_id = ?")
        .bind(attempt)
        .fetch_one(app.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn t40_tricky_unicode_round_trips_byte_identically_through_form_posts_and_autosaves() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    let by_form = start(&app, &client, "interview").await;
    let by_fetch = start(&app, &client, "interview").await;
    let ten_thousand_lines: String = (0..10_000).map(|i| format!("{}\n", i % 10)).collect();
    let cases = [
        "family 👨‍👩‍👧‍👦 and flag 🏳️‍🌈 and skin tone 👋🏽".to_string(),
        "中文、日本語、한국어 — CJK text".to_string(),
        "RTL override \u{202E}txt.exe\u{202C} and isolate \u{2067}abc\u{2069}".to_string(),
        "combining: e\u{301} a\u{308}\u{304} Z\u{335}\u{31b}\u{353} and NFC é vs NFD e\u{301}"
            .to_string(),
        "tabs\tand\t\ttrailing spaces   \n  leading\n\n\nblank lines\n".to_string(),
        "zero width\u{200B}space, joiner\u{200D}, BOM \u{FEFF} and nbsp\u{00A0}".to_string(),
        "astral 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 and replacement char \u{FFFD} typed on purpose".to_string(),
        ten_thousand_lines,
    ];
    let mut version = 0;
    for text in &cases {
        let token = csrf(&app, &client, "/").await;
        let crlf = text.replace('\n', "\r\n");
        let r = client
            .post(app.url(&format!("/attempts/{by_form}/steps/1/main/save")))
            .form(&[
                ("_csrf", token.as_str()),
                ("body", crlf.as_str()),
                ("base_version", &version.to_string()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "form post of {:?}",
            &text[..text.len().min(40)]
        );
        let r = client
            .post(app.url(&format!("/attempts/{by_fetch}/steps/1/main/save")))
            .header("x-csrf-token", &token)
            .header("accept", "application/json")
            .form(&[
                ("body", text.as_str()),
                ("base_version", &version.to_string()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        version += 1;
        let (a, b) = (
            stored_bytes(&app, by_form).await,
            stored_bytes(&app, by_fetch).await,
        );
        assert_eq!(a, b, "form and fetch store the same bytes");
        assert_eq!(a, text.as_bytes(), "exactly the LF-normalised input");
    }
    // the page shows the last text back
    let page = page_text(&app, &client, &format!("/attempts/{by_fetch}")).await;
    assert!(page.contains("9\n0\n1\n"));
    // control characters other than tab and newline are refused
    for bad in [
        "nul \u{0} byte",
        "bell \u{7}",
        "escape \u{1b}[31m",
        "delete \u{7f}",
    ] {
        let token = csrf(&app, &client, "/").await;
        let r = client
            .post(app.url(&format!("/attempts/{by_fetch}/steps/1/main/save")))
            .header("x-csrf-token", &token)
            .header("accept", "application/json")
            .form(&[("body", bad), ("base_version", &version.to_string())])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad:?}");
    }
}
