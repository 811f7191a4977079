//! Single sign-on against the in-process fake identity provider: the whole code flow with PKCE,
//! and every way a callback is refused (threat rows T106–T110).

mod fake_idp;

use gauntlet::{
    auth::Role,
    config::{OidcConfig, Secret},
};
use reqwest::StatusCode;
use serde_json::json;

use self::fake_idp::{CLIENT_ID, CLIENT_SECRET, FakeIdp, Mode};
use crate::common::{Options, PASSWORD, TestApp, csrf, db_fingerprint, location, login, post_form};

fn oidc_config(issuer: String) -> OidcConfig {
    OidcConfig {
        issuer,
        client_id: CLIENT_ID.into(),
        client_secret: Secret(CLIENT_SECRET.into()),
        name: "Acme ID".into(),
        role_claim: Some("groups".into()),
        admin_group: Some("gauntlet-admins".into()),
        interviewer_group: Some("gauntlet-interviewers".into()),
    }
}

/// An app that trusts `issuer`, with password sign-in `passwords` on or off.
async fn app_for(issuer: String, passwords: bool) -> TestApp {
    TestApp::spawn_with(Options {
        tweak: Some(Box::new(move |c| {
            c.oidc = Some(oidc_config(issuer));
            c.password_login = passwords;
        })),
        ..Options::default()
    })
    .await
}

async fn idp_and_app() -> (FakeIdp, TestApp) {
    let idp = FakeIdp::start().await;
    let app = app_for(idp.issuer(), true).await;
    (idp, app)
}

async fn allow_joining(app: &TestApp) {
    sqlx::query("insert into settings (key, value, updated_at) values ('oidc_join', 'on', 0)")
        .execute(app.pool())
        .await
        .unwrap();
}

/// Starts a sign-in and follows the provider back to the callback URL (not yet requested).
async fn callback_url(app: &TestApp, client: &reqwest::Client) -> String {
    let start = app.url("/auth/oidc/start?next=/history");
    let resp = client.get(start).send().await.unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let at_idp = location(&resp);
    let back = client.get(&at_idp).send().await.unwrap();
    assert!(back.status().is_redirection(), "{}", back.status());
    let url = location(&back);
    assert!(url.starts_with(&app.url("/auth/oidc/callback?")), "{url}");
    url
}

/// The whole round trip; the callback's answer.
async fn sign_in(app: &TestApp, client: &reqwest::Client) -> reqwest::Response {
    let url = callback_url(app, client).await;
    client.get(url).send().await.unwrap()
}

async fn user_by_email(app: &TestApp, email: &str) -> Option<(i64, String)> {
    sqlx::query_as("select id, role from users where email = ?")
        .bind(email)
        .fetch_optional(app.pool())
        .await
        .unwrap()
}

async fn whoami(app: &TestApp, client: &reqwest::Client) -> String {
    client
        .get(app.url("/history"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// A refused callback: the status, the page's heading, and nothing written.
async fn assert_refused(
    app: &TestApp,
    resp: reqwest::Response,
    status: StatusCode,
    title: &str,
    before: &[(String, String)],
) {
    assert_eq!(resp.status(), status);
    let page = resp.text().await.unwrap();
    assert!(page.contains(title), "{title}: {page}");
    assert_eq!(
        db_fingerprint(app).await,
        before,
        "a refused sign-in wrote nothing"
    );
}

#[tokio::test]
async fn a_new_person_joins_with_the_role_their_groups_give_and_it_is_reapplied() {
    let (idp, app) = idp_and_app().await;
    allow_joining(&app).await;
    let page = app.client().get(app.url("/login")).send().await.unwrap();
    assert!(page.text().await.unwrap().contains("Sign in with Acme ID"));
    idp.set_person(json!({
        "sub": "ada-1", "email": "Ada@Example.com", "email_verified": true,
        "name": "Ada <b>L</b>", "groups": ["gauntlet-interviewers"],
    }));
    let client = app.client();
    let resp = sign_in(&app, &client).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&resp),
        "/history",
        "back where the sign-in started"
    );
    let (id, role) = user_by_email(&app, "ada@example.com").await.unwrap();
    assert_eq!(role, "interviewer");
    let page = whoami(&app, &client).await;
    assert!(page.contains("Ada &lt;b&gt;L&lt;/b&gt;") || page.contains("Ada &#60;b&#62;"));
    // the groups changed at the provider: the next sign-in maps the role again
    idp.set_person(json!({
        "sub": "ada-1", "email": "ada@example.com", "email_verified": true,
        "groups": ["gauntlet-admins"],
    }));
    let again = app.client();
    assert_eq!(sign_in(&app, &again).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        user_by_email(&app, "ada@example.com").await,
        Some((id, "admin".into()))
    );
    // a role change ends the sessions that carried the old role
    let old = client.get(app.url("/history")).send().await.unwrap();
    assert_eq!(old.status(), StatusCode::SEE_OTHER, "old session ended");
    // an account made this way has no password to sign in with
    let resp = login(&app, &app.client(), "ada@example.com", "").await;
    assert_eq!(resp.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn t115_the_only_admin_stays_an_admin_when_the_providers_groups_drop_them() {
    let (idp, app) = idp_and_app().await;
    allow_joining(&app).await;
    idp.set_person(json!({
        "sub": "grace-1", "email": "grace@example.com", "email_verified": true,
        "groups": ["gauntlet-admins"],
    }));
    assert_eq!(
        sign_in(&app, &app.client()).await.status(),
        StatusCode::SEE_OTHER
    );
    let (id, role) = user_by_email(&app, "grace@example.com").await.unwrap();
    assert_eq!(role, "admin");
    // the groups changed at the provider, but nobody else could run the site
    idp.set_person(json!({
        "sub": "grace-1", "email": "grace@example.com", "email_verified": true,
        "groups": ["sales"],
    }));
    let client = app.client();
    assert_eq!(sign_in(&app, &client).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        user_by_email(&app, "grace@example.com").await,
        Some((id, "admin".into()))
    );
    let admin_page = client.get(app.url("/admin")).send().await.unwrap();
    assert_eq!(admin_page.status(), StatusCode::OK, "still an admin");
    // once another admin exists, the mapping applies
    app.create_user(Role::Admin).await;
    assert_eq!(
        sign_in(&app, &app.client()).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        user_by_email(&app, "grace@example.com").await,
        Some((id, "candidate".into()))
    );
}

#[tokio::test]
async fn t106_a_callback_with_a_wrong_or_used_state_signs_nobody_in() {
    let (idp, app) = idp_and_app().await;
    allow_joining(&app).await;
    idp.set_person(json!({ "sub": "s-106", "email": "s106@example.com", "email_verified": true }));
    let before = db_fingerprint(&app).await;
    // a changed state
    let client = app.client();
    let url = callback_url(&app, &client).await;
    let forged = url.replace("state=", "state=x");
    let resp = client.get(forged).send().await.unwrap();
    assert_refused(
        &app,
        resp,
        StatusCode::BAD_REQUEST,
        "Sign-in expired or not started here",
        &before,
    )
    .await;
    // the pending sign-in was used up by that attempt: the right state no longer works either
    let resp = client.get(&url).send().await.unwrap();
    assert_refused(
        &app,
        resp,
        StatusCode::BAD_REQUEST,
        "Sign-in expired or not started here",
        &before,
    )
    .await;
    // another browser's callback (no sign-in started there)
    let url = callback_url(&app, &app.client()).await;
    let resp = app.client().get(url).send().await.unwrap();
    assert_refused(
        &app,
        resp,
        StatusCode::BAD_REQUEST,
        "Sign-in expired or not started here",
        &before,
    )
    .await;
    // the provider's own refusal, and oversized or missing parameters
    for q in [
        "error=access_denied",
        "code=a",
        &format!("code=a&state={}", "s".repeat(3000)),
    ] {
        let client = app.client();
        let _ = callback_url(&app, &client).await;
        let resp = client
            .get(app.url(&format!("/auth/oidc/callback?{q}")))
            .send()
            .await
            .unwrap();
        assert!(resp.status().is_client_error(), "{q}");
    }
    assert_eq!(db_fingerprint(&app).await, before);
    // starting (a plain link, so anyone can make a browser follow it) signs nobody in and
    // only ever leads to the configured provider
    let client = app.client();
    let resp = client
        .get(app.url("/auth/oidc/start?next=//evil.example"))
        .send()
        .await
        .unwrap();
    assert!(location(&resp).starts_with(&format!("{}/authorize?", idp.issuer())));
    let home = client.get(app.url("/history")).send().await.unwrap();
    assert_eq!(home.status(), StatusCode::SEE_OTHER, "not signed in");
}

#[tokio::test]
async fn t107_a_replayed_id_token_is_refused_for_its_nonce() {
    let (idp, app) = idp_and_app().await;
    allow_joining(&app).await;
    idp.set_person(json!({ "sub": "s-107", "email": "s107@example.com", "email_verified": true }));
    let first = app.client();
    assert_eq!(sign_in(&app, &first).await.status(), StatusCode::SEE_OTHER);
    idp.set_mode(Mode::Replay);
    let before = db_fingerprint(&app).await;
    let client = app.client();
    let resp = sign_in(&app, &client).await;
    assert_refused(
        &app,
        resp,
        StatusCode::BAD_REQUEST,
        "Sign-in token replayed",
        &before,
    )
    .await;
    let home = client.get(app.url("/history")).send().await.unwrap();
    assert_eq!(home.status(), StatusCode::SEE_OTHER, "not signed in");
}

#[tokio::test]
async fn t108_forged_foreign_or_expired_tokens_are_refused_and_create_nothing() {
    let (idp, app) = idp_and_app().await;
    allow_joining(&app).await;
    idp.set_person(json!({
        "sub": "s-108", "email": "s108@example.com", "email_verified": true,
        "groups": ["gauntlet-admins"],
    }));
    let before = db_fingerprint(&app).await;
    for (mode, title) in [
        (Mode::BadSignature, "Token signature invalid"),
        (Mode::WrongAudience, "Token meant for another site"),
        (Mode::Expired, "Token expired"),
    ] {
        idp.set_mode(mode);
        let client = app.client();
        let resp = sign_in(&app, &client).await;
        assert_refused(&app, resp, StatusCode::BAD_REQUEST, title, &before).await;
    }
    assert!(user_by_email(&app, "s108@example.com").await.is_none());
    idp.set_mode(Mode::Honest);
    assert_eq!(
        sign_in(&app, &app.client()).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn t109_accounts_are_linked_only_by_a_verified_email_and_joined_only_when_allowed() {
    let (idp, app) = idp_and_app().await;
    let local = app
        .create_user_with_email(Role::Candidate, "lin@example.com")
        .await;
    let before = db_fingerprint(&app).await;
    // the address matches, but the provider does not vouch for it
    idp.set_person(json!({ "sub": "lin-x", "email": "lin@example.com", "email_verified": false }));
    let resp = sign_in(&app, &app.client()).await;
    assert_refused(
        &app,
        resp,
        StatusCode::CONFLICT,
        "Email not verified",
        &before,
    )
    .await;
    // a stranger while joining is off
    idp.set_person(json!({ "sub": "new-1", "email": "new@example.com", "email_verified": true }));
    let resp = sign_in(&app, &app.client()).await;
    assert_refused(
        &app,
        resp,
        StatusCode::FORBIDDEN,
        "No account here yet",
        &before,
    )
    .await;
    // verified: the existing account is linked and signed in (joining stays off)
    idp.set_person(json!({ "sub": "lin-1", "email": "LIN@example.com", "email_verified": true }));
    let client = app.client();
    assert_eq!(sign_in(&app, &client).await.status(), StatusCode::SEE_OTHER);
    let linked: (i64,) = sqlx::query_as(
        "select user_id from oidc_identities where issuer = ? and subject = 'lin-1'",
    )
    .bind(idp.issuer())
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(linked.0, local);
    // from now on the subject is what counts: a changed address still reaches the account
    idp.set_person(
        json!({ "sub": "lin-1", "email": "lin.new@example.com", "email_verified": false }),
    );
    assert_eq!(
        sign_in(&app, &app.client()).await.status(),
        StatusCode::SEE_OTHER
    );
    // a disabled account stays out
    sqlx::query("update users set disabled = 1 where id = ?")
        .bind(local)
        .execute(app.pool())
        .await
        .unwrap();
    let before = db_fingerprint(&app).await;
    let resp = sign_in(&app, &app.client()).await;
    assert_refused(
        &app,
        resp,
        StatusCode::FORBIDDEN,
        "Account disabled",
        &before,
    )
    .await;
    // the admin switch, and only an admin can flip it
    let (admin, _) = app.signed_in(Role::Admin).await;
    let page = admin.get(app.url("/admin/settings")).send().await.unwrap();
    assert!(
        page.text()
            .await
            .unwrap()
            .contains("People from the identity provider may join")
    );
    let resp = post_form(
        &app,
        &admin,
        "/admin/settings",
        "/admin/settings",
        &[("registration", "invite"), ("oidc_join", "on")],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    let (cand, _) = app.signed_in(Role::Candidate).await;
    let resp = post_form(
        &app,
        &cand,
        "/",
        "/admin/settings",
        &[("registration", "invite")],
    )
    .await;
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    idp.set_person(json!({ "sub": "new-1", "email": "new@example.com", "email_verified": true }));
    assert_eq!(
        sign_in(&app, &app.client()).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        user_by_email(&app, "new@example.com").await.unwrap().1,
        "candidate"
    );
}

#[tokio::test]
async fn t110_password_login_off_hides_and_refuses_passwords() {
    let idp = FakeIdp::start().await;
    let app = app_for(idp.issuer(), false).await;
    let email = app.create_user(Role::Admin).await;
    let page = app.client().get(app.url("/login")).send().await.unwrap();
    let html = page.text().await.unwrap();
    assert!(html.contains("Sign in with Acme ID"));
    assert!(!html.contains("name=\"password\""), "no password form");
    // the sign-in page has no form left to take a token from: sign in through the provider
    // and post with that session's token
    allow_joining(&app).await;
    idp.set_person(json!({ "sub": "s-110", "email": "s110@example.com", "email_verified": true }));
    let client = app.client();
    assert_eq!(sign_in(&app, &client).await.status(), StatusCode::SEE_OTHER);
    let token = csrf(&app, &client, "/history").await;
    let resp = client
        .post(app.url("/login"))
        .form(&[
            ("_csrf", token.as_str()),
            ("email", &email),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("Password sign-in is off")
    );
    let resp = client
        .post(app.url("/password/forgot"))
        .form(&[("_csrf", token.as_str()), ("email", email.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn t110_an_unreachable_issuer_gets_a_clear_page_and_passwords_still_work() {
    // a port nobody listens on
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let app = app_for(format!("http://127.0.0.1:{port}"), true).await;
    let client = app.client();
    // twice: the second answer comes from the remembered failure, the same page
    for _ in 0..2 {
        let resp = client
            .get(app.url("/auth/oidc/start"))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        let page = resp.text().await.unwrap();
        assert!(page.contains("Identity provider unreachable"));
    }
    let page = client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let email = app.create_user(Role::Candidate).await;
    let resp = login(&app, &client, &email, PASSWORD).await;
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "passwords still work");
}

#[tokio::test]
async fn without_single_sign_on_its_routes_are_not_there() {
    let app = TestApp::spawn().await;
    let html = app
        .client()
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("/auth/oidc/start"));
    let resp = app
        .client()
        .get(app.url("/auth/oidc/callback?code=a&state=b"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
}
