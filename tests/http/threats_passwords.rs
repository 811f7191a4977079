//! Threat rows about passwords and sign-in answers (T23, T24, T26–T28): identical answers
//! for unknown, wrong and disabled accounts, the password policy, and Argon2id hashes.

use gauntlet::auth::Role;
use reqwest::StatusCode;

use crate::{
    common::{PASSWORD, TestApp, csrf, csrf_from, login},
    threats::send,
};

#[tokio::test]
async fn t23_t24_unknown_wrong_password_and_disabled_look_identical_and_so_do_locked_names() {
    let app = TestApp::spawn().await;
    let real = app.create_user(Role::Candidate).await;
    let disabled = app.create_user(Role::Candidate).await;
    sqlx::query("update users set disabled = 1 where email = ?")
        .bind(&disabled)
        .execute(app.pool())
        .await
        .unwrap();
    let shape = |r: reqwest::Response, email: String| async move {
        let status = r.status();
        let mut names: Vec<String> = r
            .headers()
            .keys()
            .map(|k| k.as_str().to_string())
            .filter(|k| k != "x-request-id" && k != "date")
            .collect();
        names.sort();
        let mut body = r.text().await.unwrap();
        if body.contains("name=\"_csrf\"") {
            body = body.replace(&csrf_from(&body), "TOKEN");
        }
        let body = body.replace(&email, "EMAIL");
        (status, names, body)
    };
    let ghost = "ghost@team.example".to_string();
    let unknown = shape(
        login(&app, &app.client(), &ghost, "wrong password here").await,
        ghost.clone(),
    )
    .await;
    let wrong = shape(
        login(&app, &app.client(), &real, "wrong password here").await,
        real.clone(),
    )
    .await;
    let off = shape(
        login(&app, &app.client(), &disabled, PASSWORD).await,
        disabled.clone(),
    )
    .await;
    assert_eq!(unknown.0, StatusCode::UNAUTHORIZED);
    assert_eq!(unknown, wrong, "unknown account vs wrong password");
    assert_eq!(
        unknown, off,
        "unknown account vs disabled account (right password)"
    );

    // ten failures lock a name whether it exists or not; the locked answers match, and the
    // right password does not get through
    let ghost2 = "ghost2@team.example".to_string();
    for _ in 0..10 {
        for email in [&real, &ghost2] {
            let r = login(&app, &app.client(), email, "wrong password here").await;
            assert!(matches!(
                r.status(),
                StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS
            ));
        }
    }
    // the seconds to wait may differ by one between the two
    let no_digits = |(s, h, b): (StatusCode, Vec<String>, String)| {
        (s, h, b.replace(|c: char| c.is_ascii_digit(), ""))
    };
    let locked_real = no_digits(
        shape(
            login(&app, &app.client(), &real, PASSWORD).await,
            real.clone(),
        )
        .await,
    );
    let locked_ghost = no_digits(
        shape(
            login(&app, &app.client(), &ghost2, PASSWORD).await,
            ghost2.clone(),
        )
        .await,
    );
    assert_eq!(
        locked_real.0,
        StatusCode::TOO_MANY_REQUESTS,
        "the right password is refused while locked"
    );
    assert_eq!(
        locked_real, locked_ghost,
        "locked account vs locked unknown name"
    );
}

/// Opens sign-up so new accounts can be made through the form.
async fn open_sign_up(app: &TestApp) {
    let (admin, _) = app.signed_in(Role::Admin).await;
    let r = send(app, &admin, "/admin/settings", &[("registration", "open")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

async fn register(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    let client = app.client();
    let token = csrf(app, &client, "/register").await;
    client
        .post(app.url("/register"))
        .form(&[
            ("_csrf", token.as_str()),
            ("email", email),
            ("name", "Policy Test"),
            ("password", password),
            ("confirm", password),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn t26_passwords_need_12_to_128_characters_any_unicode_and_not_common_or_personal() {
    let app = TestApp::spawn().await;
    open_sign_up(&app).await;
    let cases: Vec<(String, &str, bool, &str)> = vec![
        (
            "abcdefghijk".into(),
            "p1@team.example",
            false,
            "at least 12 characters",
        ),
        ("q7 wind lamp".into(), "p2@team.example", true, ""),
        ("abcdefgh".repeat(16), "p3@team.example", true, ""),
        (
            "abcdefgh".repeat(16) + "x",
            "p4@team.example",
            false,
            "at most 128",
        ),
        (
            "correct horse 🐎 battery".into(),
            "p5@team.example",
            true,
            "",
        ),
        (
            "日本語のパスワードです十二".into(),
            "p6@team.example",
            true,
            "",
        ),
        (
            "password1234".into(),
            "p7@team.example",
            false,
            "commonly used",
        ),
        (
            "marguerite-and-the-sea".into(),
            "marguerite@team.example",
            false,
            "your email",
        ),
        (
            "my gauntlet password".into(),
            "p8@team.example",
            false,
            "site&#39;s name",
        ),
    ];
    for (password, email, ok, message) in cases {
        let r = register(&app, email, &password).await;
        let status = r.status();
        let html = r.text().await.unwrap();
        if ok {
            assert_eq!(status, StatusCode::SEE_OTHER, "{password:?}: {html}");
        } else {
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{password:?}");
            assert!(
                html.contains(message) || html.contains(&message.replace("&#39;", "'")),
                "{password:?} lacks {message:?}"
            );
            assert!(
                html.contains(&format!("value=\"{email}\"")),
                "the email is kept"
            );
            let n: i64 = sqlx::query_scalar("select count(*) from users where email = ?")
                .bind(email)
                .fetch_one(app.pool())
                .await
                .unwrap();
            assert_eq!(n, 0);
        }
    }
}

#[tokio::test]
async fn t27_the_password_is_checked_exactly_as_typed() {
    let app = TestApp::spawn().await;
    open_sign_up(&app).await;
    let spaced = "  Tr4iling spaces here  ";
    let long: String = "Ab1 ".repeat(32); // 128 characters
    for (email, password, variants) in [
        (
            "p27a@team.example",
            spaced.to_string(),
            vec![
                spaced.trim().to_string(),
                spaced.trim_end().to_string(),
                spaced.to_uppercase(),
                spaced.to_lowercase(),
            ],
        ),
        (
            "p27b@team.example",
            long.clone(),
            vec![
                long[..127].to_string(),
                long[..72].to_string(),
                long.to_uppercase(),
            ],
        ),
    ] {
        let r = register(&app, email, &password).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{email}");
        for v in variants {
            let r = login(&app, &app.client(), email, &v).await;
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{email} with {v:?}");
        }
        let r = login(&app, &app.client(), email, &password).await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "{email} exactly as typed"
        );
    }
}

#[tokio::test]
async fn t28_hashes_are_argon2id_owasp_parameters_and_old_ones_are_upgraded_at_sign_in() {
    use argon2::{Algorithm, Argon2, Params, PasswordHasher, Version, password_hash::SaltString};
    let app = TestApp::spawn().await;
    open_sign_up(&app).await;
    let r = register(&app, "hash@team.example", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let stored = || async {
        sqlx::query_scalar::<_, String>(
            "select password_hash from users where email = 'hash@team.example'",
        )
        .fetch_one(app.pool())
        .await
        .unwrap()
    };
    let current = "$argon2id$v=19$m=19456,t=2,p=1$";
    assert!(stored().await.starts_with(current), "{}", stored().await);

    // an account hashed with older, weaker parameters
    let weak = Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(4096, 1, 1, None).unwrap(),
    )
    .hash_password(
        PASSWORD.as_bytes(),
        &SaltString::from_b64("c2FsdHNhbHRzYWx0c2FsdA").unwrap(),
    )
    .unwrap()
    .to_string();
    assert!(weak.starts_with("$argon2id$v=19$m=4096,t=1,p=1$"));
    let other = app.client();
    login(&app, &other, "hash@team.example", PASSWORD).await;
    sqlx::query("update users set password_hash = ? where email = 'hash@team.example'")
        .bind(&weak)
        .execute(app.pool())
        .await
        .unwrap();
    let wrong = login(
        &app,
        &app.client(),
        "hash@team.example",
        "not the password at all",
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(stored().await, weak, "a failed sign-in changes nothing");
    let r = login(&app, &app.client(), "hash@team.example", PASSWORD).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "the old hash still verifies"
    );
    let upgraded = stored().await;
    assert!(upgraded.starts_with(current), "re-hashed: {upgraded}");
    assert_eq!(
        other
            .get(app.url("/catalog"))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK,
        "the upgrade does not end other sessions"
    );
    let r = login(&app, &app.client(), "hash@team.example", PASSWORD).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "and the new hash verifies"
    );
    assert_eq!(
        stored().await,
        upgraded,
        "no re-hash when the parameters are current"
    );
}
