//! Cross-cutting rules looped over the route registry (so a route added later is covered):
//! CSRF and origin checks, authorization by role, security headers; plus body limits, strict
//! decoding, static-file traversal, escaping and the ops endpoints.

use gauntlet::{
    auth::Role,
    web::routes::{self, Access},
};
use reqwest::{Client, StatusCode};

use crate::common::{TestApp, csrf, post_form};

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; connect-src 'self'; manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

fn assert_security_headers(resp: &reqwest::Response, what: &str) {
    let h = resp.headers();
    let get = |n: &str| {
        h.get(n)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("<missing>")
            .to_string()
    };
    assert_eq!(get("content-security-policy"), CSP, "{what}");
    assert_eq!(get("x-frame-options"), "DENY", "{what}");
    assert_eq!(get("x-content-type-options"), "nosniff", "{what}");
    assert_eq!(get("referrer-policy"), "same-origin", "{what}");
    assert_eq!(get("cross-origin-opener-policy"), "same-origin", "{what}");
    assert_eq!(get("cross-origin-resource-policy"), "same-origin", "{what}");
    assert_eq!(
        get("permissions-policy"),
        "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
        "{what}"
    );
    assert!(
        h.get("server").is_none() && h.get("x-powered-by").is_none(),
        "{what}"
    );
}

#[tokio::test]
async fn t11_t13_every_state_changing_route_rejects_a_missing_token_and_a_foreign_origin() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let token = csrf(&app, &admin, "/").await;
    let unsafe_routes: Vec<_> = routes::specs()
        .into_iter()
        .filter(|s| s.is_unsafe())
        .collect();
    assert!(unsafe_routes.len() >= 10);
    let before = crate::common::db_fingerprint(&app).await;
    for spec in unsafe_routes {
        let url = app.url(&spec.example_path());
        let missing = admin.post(&url).form(&[("x", "1")]).send().await.unwrap();
        assert_eq!(
            missing.status(),
            StatusCode::FORBIDDEN,
            "{} without a token",
            spec.path
        );
        let wrong = admin
            .post(&url)
            .form(&[("_csrf", "forged")])
            .send()
            .await
            .unwrap();
        assert_eq!(
            wrong.status(),
            StatusCode::FORBIDDEN,
            "{} with a wrong token",
            spec.path
        );
        let foreign = admin
            .post(&url)
            .header("origin", "http://evil.example")
            .form(&[("_csrf", token.as_str())])
            .send()
            .await
            .unwrap();
        assert_eq!(
            foreign.status(),
            StatusCode::FORBIDDEN,
            "{} from a foreign origin",
            spec.path
        );
        let cross = admin
            .post(&url)
            .header("sec-fetch-site", "cross-site")
            .header("x-csrf-token", token.as_str())
            .send()
            .await
            .unwrap();
        assert_eq!(
            cross.status(),
            StatusCode::FORBIDDEN,
            "{} cross-site",
            spec.path
        );
    }
    // and none of that changed anything
    assert_eq!(before, crate::common::db_fingerprint(&app).await);
}

#[tokio::test]
async fn t13_a_same_origin_post_with_origin_null_still_needs_the_token() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let r = admin
        .post(app.url("/admin/settings"))
        .header("origin", "null")
        .form(&[("registration", "open")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let token = csrf(&app, &admin, "/admin/settings").await;
    let ok = admin
        .post(app.url("/admin/settings"))
        .header("origin", app.base.as_str())
        .form(&[("_csrf", token.as_str()), ("registration", "invite")])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
}

async fn call(
    app: &TestApp,
    client: &Client,
    token_page: &str,
    method: &str,
    path: &str,
) -> reqwest::Response {
    if method == "GET" {
        client.get(app.url(path)).send().await.unwrap()
    } else {
        let token = csrf(app, client, token_page).await;
        client
            .post(app.url(path))
            .form(&[("_csrf", token.as_str())])
            .send()
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn t05_t10_every_route_enforces_its_minimum_role() {
    let app = TestApp::spawn().await;
    let anon = app.client();
    let (candidate, _) = app.signed_in(Role::Candidate).await;
    let (interviewer, _) = app.signed_in(Role::Interviewer).await;
    for spec in routes::specs() {
        let path = spec.example_path();
        if spec.access >= Access::SignedIn {
            let r = call(&app, &anon, "/login", spec.method, &path).await;
            assert_eq!(
                r.status(),
                StatusCode::SEE_OTHER,
                "anonymous {} {}",
                spec.method,
                spec.path
            );
            assert!(
                r.headers()["location"]
                    .to_str()
                    .unwrap()
                    .starts_with("/login?next=")
            );
        }
        if spec.access >= Access::Interviewer {
            let r = call(&app, &candidate, "/", spec.method, &path).await;
            assert_eq!(
                r.status(),
                StatusCode::FORBIDDEN,
                "candidate {} {}",
                spec.method,
                spec.path
            );
        }
        if spec.access >= Access::Admin {
            let r = call(&app, &interviewer, "/", spec.method, &path).await;
            assert_eq!(
                r.status(),
                StatusCode::FORBIDDEN,
                "interviewer {} {}",
                spec.method,
                spec.path
            );
        }
    }
}

#[tokio::test]
async fn t05_a_candidate_gets_403_on_admin_pages() {
    let app = TestApp::spawn().await;
    let (candidate, _) = app.signed_in(Role::Candidate).await;
    for path in [
        "/admin",
        "/admin/invites",
        "/admin/settings",
        "/admin/content",
    ] {
        let r = candidate.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{path}");
        assert!(r.text().await.unwrap().contains("Not allowed"));
    }
}

#[tokio::test]
async fn t34_t35_t36_security_headers_are_on_pages_errors_and_static_files() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    for spec in routes::specs().into_iter().filter(|s| !s.is_unsafe()) {
        let r = admin
            .get(app.url(&spec.example_path()))
            .send()
            .await
            .unwrap();
        assert_security_headers(&r, spec.path);
        let ct = r
            .headers()
            .get("content-type")
            .map(|v| v.to_str().unwrap().to_string());
        if ct.as_deref().is_some_and(|c| c.starts_with("text/html")) {
            assert_eq!(r.headers()["cache-control"], "no-store", "{}", spec.path);
            assert_eq!(r.headers()["content-type"], "text/html; charset=utf-8");
        }
    }
    let missing = admin
        .get(app.url("/definitely/not/here"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    assert_security_headers(&missing, "404");
    let home = admin
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let css = home
        .split("href=\"")
        .find(|s| s.starts_with("/static/app."))
        .unwrap();
    let css = &css[..css.find('"').unwrap()];
    let r = admin.get(app.url(css)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_security_headers(&r, "static css");
    assert_eq!(
        r.headers()["cache-control"],
        "public, max-age=31536000, immutable"
    );
    assert_eq!(r.headers()["content-type"], "text/css; charset=utf-8");
}

#[tokio::test]
async fn t38_an_oversized_body_gets_413_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let note = "x".repeat(70 * 1024);
    let r = post_form(
        &app,
        &admin,
        "/admin/invites",
        "/admin/invites",
        &[("role", "candidate"), ("days", "7"), ("note", &note)],
    )
    .await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let huge = "y".repeat(2 * 1024 * 1024);
    let token = csrf(&app, &admin, "/").await;
    let r = admin
        .post(app.url("/admin/invites"))
        .header("x-csrf-token", token)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("role=candidate&days=7&note={huge}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let n: i64 = sqlx::query_scalar("select count(*) from invites")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn t39_invalid_utf8_is_refused_not_replaced_and_wrong_content_types_get_415() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    let token = csrf(&app, &admin, "/admin/invites").await;
    let r = admin
        .post(app.url("/admin/invites"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!("_csrf={token}&role=candidate&days=7&note=%FF%FEok"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("not valid UTF-8"));
    let r = admin
        .post(app.url("/admin/invites"))
        .header("x-csrf-token", token.as_str())
        .header("content-type", "text/plain")
        .body("role=candidate")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let n: i64 = sqlx::query_scalar("select count(*) from invites")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn t42_static_paths_never_leave_the_embedded_files() {
    let app = TestApp::spawn().await;
    let client = app.client();
    for path in [
        "/static/../Cargo.toml",
        "/static/%2e%2e/%2e%2e/etc/passwd",
        "/static/..%2f..%2fetc%2fpasswd",
        "/static/%252e%252e%252f",
        "/static/.git/config",
        "/static/",
        "/static/app.css",
        "/static/app.js.map",
        "/static/x.bak",
    ] {
        let r = client.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        let body = r.text().await.unwrap();
        assert!(!body.contains("root:") && !body.contains("[core]") && !body.contains("[package]"));
    }
}

/// The hashed URLs of the stylesheet, the script and the icon, read from the sign-in page.
async fn asset_urls(app: &TestApp, client: &Client) -> Vec<String> {
    let page = client
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let urls: Vec<String> = page
        .split('"')
        .filter(|s| s.starts_with("/static/"))
        .map(str::to_string)
        .collect();
    for ext in [".css", ".js", ".svg"] {
        assert!(urls.iter().any(|u| u.ends_with(ext)), "{ext} in {urls:?}");
    }
    urls
}

#[tokio::test]
async fn static_assets_come_brotli_gzip_or_plain_by_accept_encoding_and_stay_cached() {
    use std::io::Read;
    let app = TestApp::spawn().await;
    let client = app.client();
    for url in asset_urls(&app, &client).await {
        let get = |enc: &'static str| {
            let mut req = client.get(app.url(&url));
            if !enc.is_empty() {
                req = req.header("accept-encoding", enc);
            }
            req.send()
        };
        let plain = get("").await.unwrap();
        assert_eq!(plain.status(), StatusCode::OK, "{url}");
        let h = plain.headers().clone();
        let expected_type = match url.rsplit('.').next() {
            Some("css") => "text/css; charset=utf-8",
            Some("js") => "text/javascript; charset=utf-8",
            _ => "image/svg+xml",
        };
        assert_eq!(h["content-type"], expected_type, "{url}");
        assert_eq!(h["cache-control"], "public, max-age=31536000, immutable");
        assert_eq!(h["vary"], "accept-encoding", "{url}");
        assert!(h.get("content-encoding").is_none(), "{url}");
        let etag = h["etag"].to_str().unwrap().to_string();
        assert!(etag.starts_with('"') && etag.len() > 10, "{etag}");
        let original = plain.bytes().await.unwrap();

        for (accept, coding) in [
            ("gzip, deflate, br", "br"),
            ("br;q=0, gzip", "gzip"),
            ("gzip", "gzip"),
            ("identity", ""),
            ("br;q=0, gzip;q=0", ""),
        ] {
            let r = get(accept).await.unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{url} {accept}");
            assert_eq!(r.headers()["content-type"], expected_type);
            assert_eq!(r.headers()["vary"], "accept-encoding");
            assert_eq!(r.headers()["etag"].to_str().unwrap(), etag);
            let sent = r
                .headers()
                .get("content-encoding")
                .map(|v| v.to_str().unwrap().to_string())
                .unwrap_or_default();
            // a file too small to gain from compression may always come plain
            let tiny = original.len() < 1024 && sent.is_empty();
            assert!(sent == coding || tiny, "{url} with {accept}: {sent:?}");
            let body = r.bytes().await.unwrap();
            let mut decoded = Vec::new();
            match sent.as_str() {
                "br" => {
                    brotli::Decompressor::new(&body[..], 4096)
                        .read_to_end(&mut decoded)
                        .unwrap();
                }
                "gzip" => {
                    flate2::read::GzDecoder::new(&body[..])
                        .read_to_end(&mut decoded)
                        .unwrap();
                }
                _ => decoded = body.to_vec(),
            }
            assert_eq!(decoded, original, "{url} with {accept}");
            if !sent.is_empty() {
                assert!(body.len() < original.len(), "{url}: {sent} is smaller");
            }
        }

        // a current copy is answered with 304 and no body
        let again = client
            .get(app.url(&url))
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{url}");
        assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
        assert!(again.bytes().await.unwrap().is_empty());

        // the same file under its plain name, or under another hash, does not exist
        let name = url.trim_start_matches("/static/");
        let mut parts: Vec<&str> = name.split('.').collect();
        let other_hash = "0".repeat(parts[1].len());
        let stale = {
            parts[1] = &other_hash;
            format!("/static/{}", parts.join("."))
        };
        parts.remove(1);
        let unhashed = format!("/static/{}", parts.join("."));
        for path in [stale, unhashed] {
            let r = client.get(app.url(&path)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        }
    }
}

#[tokio::test]
async fn t31_names_with_markup_are_escaped_on_the_admin_page() {
    let app = TestApp::spawn().await;
    let (admin, _) = app.signed_in(Role::Admin).await;
    app.create_user_with_email(Role::Candidate, "x@team.example")
        .await;
    sqlx::query("update users set display_name = '<script>alert(1)</script>\" autofocus onfocus=alert(1) x=\"' where email = 'x@team.example'")
        .execute(app.pool())
        .await
        .unwrap();
    let html = admin
        .get(app.url("/admin"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("<script>alert(1)"));
    assert!(html.contains("&#60;script&#62;"), "shown, escaped");
    assert!(!html.contains("\" autofocus onfocus"));
}

#[tokio::test]
async fn health_and_metrics_report() {
    let app = TestApp::spawn().await;
    let client = app.client();
    let r = client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["database"], "ok");
    client.get(app.url("/login")).send().await.unwrap();
    let metrics = client
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(
            "gauntlet_http_requests_total{method=\"GET\",route=\"/login\",status=\"200\"}"
        )
    );
    assert!(metrics.contains("gauntlet_http_request_duration_seconds_bucket"));
    assert!(metrics.contains("gauntlet_db_errors_total"));
}

#[tokio::test]
async fn responses_carry_a_request_id() {
    let app = TestApp::spawn().await;
    let r = app.client().get(app.url("/login")).send().await.unwrap();
    let id = r.headers()["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 16);
}

#[tokio::test]
async fn every_pooled_connection_uses_wal_full_sync_foreign_keys_and_a_busy_timeout() {
    let app = TestApp::spawn().await;
    let mut conns = Vec::new();
    for _ in 0..4 {
        conns.push(app.pool().acquire().await.unwrap());
    }
    for conn in &mut conns {
        let mode: String = sqlx::query_scalar("pragma journal_mode")
            .fetch_one(&mut **conn)
            .await
            .unwrap();
        let sync: i64 = sqlx::query_scalar("pragma synchronous")
            .fetch_one(&mut **conn)
            .await
            .unwrap();
        let fk: i64 = sqlx::query_scalar("pragma foreign_keys")
            .fetch_one(&mut **conn)
            .await
            .unwrap();
        let busy: i64 = sqlx::query_scalar("pragma busy_timeout")
            .fetch_one(&mut **conn)
            .await
            .unwrap();
        assert_eq!((mode.as_str(), sync, fk, busy), ("wal", 2, 1, 5000));
    }
}

#[tokio::test]
async fn slow_header_clients_do_not_starve_a_health_probe_and_are_cut_off() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let app = TestApp::spawn_with(crate::common::Options {
        header_read_timeout: Some(std::time::Duration::from_secs(1)),
        ..Default::default()
    })
    .await;
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut slow = Vec::new();
    for _ in 0..200 {
        let mut s = tokio::net::TcpStream::connect(&addr).await.unwrap();
        s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
            .await
            .unwrap();
        slow.push(s);
    }
    let probe = app.client().get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(
        probe.status(),
        StatusCode::OK,
        "the probe is served beside 200 stalled clients"
    );
    // a client that never finishes its headers is disconnected (hyper answers 408 or closes)
    let mut buf = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(10),
        slow[0].read_to_end(&mut buf),
    )
    .await;
    assert!(
        read.is_ok(),
        "the stalled connection was closed by the server"
    );
    let text = String::from_utf8_lossy(&buf);
    assert!(
        text.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text}"
    );
}

/// Sends raw bytes and returns everything the server answers before closing (or 5 s).
async fn raw(app: &TestApp, request: &[u8]) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = app.base.trim_start_matches("http://").to_string();
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(request).await.unwrap();
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(std::time::Duration::from_secs(5), s.read_to_end(&mut buf)).await;
    String::from_utf8_lossy(&buf).to_string()
}

#[tokio::test]
async fn t44_unusual_methods_header_floods_and_smuggling_probes_are_refused() {
    let app = TestApp::spawn().await;
    let trace = raw(
        &app,
        b"TRACE / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(trace.starts_with("HTTP/1.1 405"), "{trace}");
    let mut flood = String::from("GET / HTTP/1.1\r\nHost: x\r\n");
    for i in 0..101 {
        flood.push_str(&format!("X-H{i}: v\r\n"));
    }
    flood.push_str("Connection: close\r\n\r\n");
    let flood = raw(&app, flood.as_bytes()).await;
    assert!(flood.starts_with("HTTP/1.1 431"), "{flood}");
    let gzip = raw(
        &app,
        b"POST /login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(gzip.starts_with("HTTP/1.1 400"), "{gzip}");
    let smuggle = raw(
        &app,
        b"POST /login HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\nHost: x\r\n\r\n",
    )
    .await;
    assert_eq!(
        smuggle.matches("HTTP/1.1 ").count(),
        1,
        "exactly one response, then the connection closes: {smuggle}"
    );
}

#[tokio::test]
async fn t41_sql_like_text_round_trips_and_search_matches_only_real_titles() {
    let app = TestApp::spawn().await;
    let (client, _) = app.signed_in(Role::Candidate).await;
    // wildcards are plain text: as a LIKE pattern each of these would match "kubernetes"
    for q in [
        "%' OR 1=1--",
        "' OR '1'='1",
        "kubernete_",
        "%ubernetes",
        "k_bern%",
    ] {
        let html = client
            .get(app.url("/catalog"))
            .query(&[("q", q)])
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(html.contains("Nothing matches"), "{q:?} matched something");
    }
    let page = client
        .get(app.url("/gauntlets/multi-region-kubernetes"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = crate::common::csrf_from(&page);
    let r = client
        .post(app.url("/gauntlets/multi-region-kubernetes/attempts"))
        .form(&[("_csrf", token.as_str()), ("mode", "interview")])
        .send()
        .await
        .unwrap();
    let id = crate::common::location(&r)
        .trim_start_matches("/attempts/")
        .to_string();
    let payload = "'; DROP TABLE answers;-- \" \\ % _ <script>alert(1)</script>";
    let r = client
        .post(app.url(&format!("/attempts/{id}/steps/1/main/save")))
        .header("x-csrf-token", &token)
        .header("accept", "application/json")
        .form(&[("body", payload), ("base_version", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let stored: String = sqlx::query_scalar("select body from answers")
        .fetch_one(app.pool())
        .await
        .unwrap();
    assert_eq!(stored, payload);
    let html = client
        .get(app.url(&format!("/attempts/{id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("<script>alert(1)"));
    assert!(html.contains("&#60;script&#62;alert(1)"), "shown, escaped");
}
