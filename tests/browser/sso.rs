//! Single sign-on in the browser: a person signs in through a real third-party OpenID Connect
//! provider (issue 17 part 1), with JavaScript on and off.

use crate::common::Options;
use crate::{https_browser, tls};

/// The third-party `oidc-provider-mock` (installed by scripts/test into a virtual environment
/// under target/) on a free loopback port, with one predefined person; ended on drop.
struct MockProvider {
    child: std::process::Child,
    issuer: String,
}

impl MockProvider {
    fn start(person: &serde_json::Value) -> Self {
        use std::io::BufRead;
        let bin = std::env::var("GAUNTLET_OIDC_MOCK").unwrap_or_else(|_| {
            format!(
                "{}/target/oidc-venv/bin/oidc-provider-mock",
                env!("CARGO_MANIFEST_DIR")
            )
        });
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut child = std::process::Command::new(&bin)
            .args(["--host", "127.0.0.1", "--port", &port.to_string()])
            .args([
                "--require-nonce",
                "true",
                "--user-claims",
                &person.to_string(),
            ])
            // its log is the readiness signal: line by line, not in 4 KB blocks
            .env("PYTHONUNBUFFERED", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{bin}: {e} (scripts/test installs it)"));
        // it says when it listens (on stdout or stderr, depending on where they go); its log is
        // read on (and dropped) so it never blocks
        let (ready, listening) = std::sync::mpsc::channel();
        let out: Vec<Box<dyn std::io::Read + Send>> = vec![
            Box::new(child.stdout.take().unwrap()),
            Box::new(child.stderr.take().unwrap()),
        ];
        for stream in out {
            let ready = ready.clone();
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(stream)
                    .lines()
                    .map_while(Result::ok)
                {
                    if line.contains("running on") {
                        let _ = ready.send(());
                    }
                }
            });
        }
        drop(ready);
        listening
            .recv()
            .expect("oidc-provider-mock exited before listening");
        Self {
            child,
            issuer: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for MockProvider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[tokio::test]
async fn a_person_signs_in_through_the_third_party_provider_and_joins_with_their_groups_role() {
    let person = serde_json::json!({
        "sub": "grace-1", "email": "grace@team.example", "email_verified": true,
        "name": "Grace Hopper", "groups": ["staff", "gauntlet-interviewers"],
    });
    let mock = MockProvider::start(&person);
    let issuer = mock.issuer.clone();
    let (app, _front) = tls::spawn_https(Options {
        tweak: Some(Box::new(move |c| {
            c.oidc = Some(gauntlet::config::OidcConfig {
                issuer,
                client_id: "gauntlet".into(),
                client_secret: gauntlet::config::Secret("mock-secret".into()),
                name: "Mock ID".into(),
                role_claim: Some("groups".into()),
                admin_group: Some("gauntlet-admins".into()),
                interviewer_group: Some("gauntlet-interviewers".into()),
            });
        })),
        ..Options::default()
    })
    .await;
    sqlx::query("insert into settings (key, value, updated_at) values ('oidc_join', 'on', 0)")
        .execute(app.pool())
        .await
        .unwrap();
    for javascript in [true, false] {
        let b = https_browser(javascript).await;
        b.goto(&app.url("/login")).await;
        b.wait_for_text("Sign in with Mock ID").await;
        b.shot(&format!("sso-login-1280-js-{javascript}")).await;
        b.phone(true).await;
        assert!(!b.overflows().await, "the sign-in page fits a phone");
        b.shot(&format!("sso-login-390-js-{javascript}")).await;
        b.phone(false).await;
        b.click("a#sso").await;
        // the provider's own page: pick the predefined person
        b.wait_for_text("Authorize Client").await;
        b.click("button[name=sub][value=grace-1]").await;
        b.wait_for_text("Grace Hopper").await;
        assert_eq!(b.path().await, "/");
        b.close().await;
    }
    let (role, linked): (String, i64) = sqlx::query_as(
        "select u.role, (select count(*) from oidc_identities i where i.user_id = u.id)
         from users u where u.email = 'grace@team.example'",
    )
    .fetch_one(app.pool())
    .await
    .unwrap();
    assert_eq!(
        (role.as_str(), linked),
        ("interviewer", 1),
        "one account, the second sign-in found it"
    );
}
