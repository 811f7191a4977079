//! The threat matrix (RELIABILITY.md §1, `docs/security.md`): the test that maps every row to
//! its tests, and helpers the `threats_*` area modules share. Each row test's name starts with
//! the row id(s) it covers.

use reqwest::{Client, StatusCode};

use crate::common::{
    PASSWORD, TestApp, cookie_pair, csrf_from, post_form, set_session_cookie, set_visitor_cookie,
    source_files,
};

/// POSTs `fields` with the session's token.
pub(crate) async fn send(
    app: &TestApp,
    who: &Client,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    post_form(app, who, "/", path, fields).await
}

/// Signs in on a client without a cookie store; returns the session cookie and CSRF token.
pub(crate) async fn raw_sign_in(app: &TestApp, email: &str) -> (String, String) {
    let c = Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let p = c.get(app.url("/login")).send().await.unwrap();
    let pre = set_visitor_cookie(&p).expect("the sign-in form's visitor cookie");
    let t = csrf_from(&p.text().await.unwrap());
    let r = c
        .post(app.url("/login"))
        .header("cookie", &pre)
        .form(&[
            ("_csrf", t.as_str()),
            ("email", email),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let cookie = cookie_pair(&set_session_cookie(&r).unwrap()).to_string();
    let home = c
        .get(app.url("/"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    (cookie, csrf_from(&home))
}

#[test]
fn the_threat_matrix_in_the_docs_lists_every_row_and_every_row_test() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let doc = std::fs::read_to_string(root.join("docs/security.md")).unwrap();
    let matrix = &doc[doc
        .find("## Threat matrix")
        .expect("a threat matrix section")..];
    // rows T01–T117; later rows are added as their features land
    for n in 1..=120 {
        assert!(
            matrix.contains(&format!("\n| T{n:02} |")),
            "row T{n:02} missing"
        );
    }
    // every test it names exists
    let mut named = 0;
    for cell in matrix.split('`').skip(1).step_by(2) {
        let Some((file, func)) = cell.split_once("::") else {
            continue;
        };
        if !(file.ends_with(".rs")) {
            continue;
        }
        let src = std::fs::read_to_string(root.join(file)).unwrap_or_else(|_| panic!("{file}"));
        assert!(
            src.contains(&format!("fn {func}(")),
            "{file}::{func} does not exist"
        );
        named += 1;
    }
    assert!(named >= 60);
    // and every test named after a row is in the matrix (the browser suite is listed as a whole)
    for (rel, src) in source_files(&["tests", "src"], "rs") {
        if rel.contains("browser") {
            continue;
        }
        for (at, _) in src.match_indices("fn t") {
            let name: String = src[at + 3..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            // `tNN_…` or `tNNN_…`
            let digits = name[1..].bytes().take_while(u8::is_ascii_digit).count();
            if (2..=3).contains(&digits) && name[1 + digits..].starts_with('_') {
                assert!(
                    matrix.contains(&format!("::{name}`")),
                    "{name} is not in the matrix"
                );
            }
        }
    }
}
