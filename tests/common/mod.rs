//! Test harness: the real app on 127.0.0.1 with a temporary SQLite file, a cookie-keeping HTTP
//! client with redirects off, and helpers to create users of each role and sign them in.
#![allow(dead_code)]

pub mod attempts;
pub mod smtp;

use std::{path::PathBuf, sync::OnceLock, time::Duration};

use gauntlet::{
    auth::{Role, password::Passwords},
    config::Config,
    db::{self, Create},
    server::{self, DatabaseChoice, Running},
};
use reqwest::{Client, StatusCode, redirect::Policy};
use tempfile::TempDir;

pub const PASSWORD: &str = "tessellated harbour lamp";

/// One running app with its own database.
pub struct TestApp {
    pub base: String,
    pub running: Option<Running>,
    pub db_path: PathBuf,
    /// The tests' own connections to the app's database (for checking and arranging rows).
    pool: sqlx::SqlitePool,
    _dir: TempDir,
}

/// A change to the configuration a test makes before the server starts.
pub type ConfigTweak = Box<dyn FnOnce(&mut Config) + Send>;

/// Options for starting a test app.
#[derive(Default)]
pub struct Options {
    pub public_url: Option<String>,
    /// Keep the production login throttle (otherwise it is relaxed so tests can sign in freely).
    pub real_throttle: bool,
    /// Override the absolute session lifetime.
    pub absolute_timeout: Option<Duration>,
    /// A content folder that adds to or overrides the built-in gauntlets.
    pub content_dir: Option<PathBuf>,
    /// Override how long a client may take to send its request headers.
    pub header_read_timeout: Option<Duration>,
    /// Override the idle session lifetime.
    pub idle_timeout: Option<Duration>,
    /// Any other change to the configuration, applied last.
    pub tweak: Option<ConfigTweak>,
    /// Reverse proxies whose forwarded headers are believed (`--trusted-proxy`).
    pub trusted_proxies: Vec<&'static str>,
    /// Override how old a session's memory copy may get before its row is read again.
    pub session_recheck: Option<Duration>,
    /// Override the account storage limit (`--max-account-storage-mb`).
    pub max_account_storage_mb: Option<u64>,
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(Options::default()).await
    }

    pub async fn spawn_with(opts: Options) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_path = dir.path().join("gauntlet.db");
        let mut config = Config::new("127.0.0.1:0".parse().unwrap());
        if !opts.real_throttle {
            config.throttle.per_ip_per_minute = 10_000;
            config.throttle.per_ip_per_hour = 100_000;
            config.throttle.signups_per_hour = 100_000;
        }
        config.trusted_proxies = opts
            .trusted_proxies
            .iter()
            .map(|c| c.parse().expect("a CIDR range"))
            .collect();
        if let Some(t) = opts.session_recheck {
            config.session_recheck = t;
        }
        config.content_dir = opts.content_dir;
        if let Some(t) = opts.idle_timeout {
            config.idle_timeout = t;
        }
        if let Some(t) = opts.header_read_timeout {
            config.header_read_timeout = t;
        }
        if let Some(t) = opts.absolute_timeout {
            config.absolute_timeout = t;
        }
        if let Some(mb) = opts.max_account_storage_mb {
            config.max_account_storage = mb * gauntlet::config::MB;
        }
        if let Some(url) = opts.public_url {
            config.public_url = url;
        }
        if let Some(tweak) = opts.tweak {
            tweak(&mut config);
        }
        let running = server::start(
            config,
            DatabaseChoice {
                path: db_path.clone(),
                create: Create::IfMissing,
            },
        )
        .await
        .expect("server starts");
        let pool = sqlx::sqlite::SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(db::connect_options(&db_path, Create::Never))
            .await
            .expect("test pool");
        Self {
            base: format!("http://{}", running.addr),
            running: Some(running),
            db_path,
            pool,
            _dir: dir,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn running(&self) -> &Running {
        self.running.as_ref().expect("running")
    }

    pub fn pool(&self) -> &sqlx::SqlitePool {
        &self.pool
    }

    /// The app's single write connection.
    pub fn writer(&self) -> &sqlx::SqlitePool {
        &self.running().state.writer
    }

    /// A new browser-like client: keeps cookies, never follows redirects.
    pub fn client(&self) -> Client {
        Client::builder()
            .cookie_store(true)
            .redirect(Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .expect("client")
    }

    /// Creates an account directly in the database; returns its email.
    pub async fn create_user(&self, role: Role) -> String {
        static N: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
        let n = N.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let email = format!("{}{n}@team.example", role.as_str());
        self.create_user_with_email(role, &email).await;
        email
    }

    pub async fn create_user_with_email(&self, role: Role, email: &str) -> i64 {
        let new = db::users::NewUser {
            email,
            display_name: &format!("Test {}", role.label()),
            password_hash: password_hash().await,
            role,
        };
        db::users::insert(self.pool(), &new)
            .await
            .expect("insert user")
    }

    /// The id of the account with `email`.
    pub async fn user_id(&self, email: &str) -> i64 {
        sqlx::query_scalar("select id from users where email = ?")
            .bind(email)
            .fetch_one(self.pool())
            .await
            .unwrap()
    }

    /// A client signed in as a new user of `role`.
    pub async fn signed_in(&self, role: Role) -> (Client, String) {
        let email = self.create_user(role).await;
        let client = self.client();
        let resp = login(self, &client, &email, PASSWORD).await;
        assert_eq!(resp.status(), StatusCode::SEE_OTHER, "login as {email}");
        (client, email)
    }

    /// Stops the server (gracefully) and starts a new one on the same address and database, as
    /// a restart of the service does.
    pub async fn restart(&mut self) {
        let addr = self.running().addr;
        if let Some(r) = self.running.take() {
            r.shutdown().await;
        }
        let mut config = Config::new(addr);
        config.throttle.per_ip_per_minute = 10_000;
        config.throttle.per_ip_per_hour = 100_000;
        config.public_url = self.base.clone();
        let running = server::start(
            config,
            DatabaseChoice {
                path: self.db_path.clone(),
                create: Create::Never,
            },
        )
        .await
        .expect("server restarts");
        self.running = Some(running);
    }

    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown().await;
        }
    }
}

/// The argon2 hash of `PASSWORD`, computed once.
pub async fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    if let Some(h) = HASH.get() {
        return h;
    }
    let h = Passwords::new().hash(PASSWORD.to_string()).await.unwrap();
    HASH.get_or_init(|| h)
}

/// The `value` of the first field named `name` in a page (hidden inputs above all), if any.
pub fn field_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(html[start..end].to_string())
}

/// Reads the `_csrf` hidden field out of a page.
pub fn csrf_from(html: &str) -> String {
    field_value(html, "_csrf")
        .unwrap_or_else(|| panic!("page has no CSRF field:\n{}", &html[..html.len().min(3000)]))
}

/// GETs a page and returns its CSRF token.
pub async fn csrf(app: &TestApp, client: &Client, path: &str) -> String {
    csrf_from(&page_text(app, client, path).await)
}

/// The body of the page at `path`, whatever its status.
pub async fn page_text(app: &TestApp, client: &Client, path: &str) -> String {
    client
        .get(app.url(path))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// The status and body of the page at `path`.
pub async fn get_page(app: &TestApp, client: &Client, path: &str) -> (StatusCode, String) {
    let r = client.get(app.url(path)).send().await.unwrap();
    (r.status(), r.text().await.unwrap())
}

/// Signs in through the real form.
pub async fn login(
    app: &TestApp,
    client: &Client,
    email: &str,
    password: &str,
) -> reqwest::Response {
    let token = csrf(app, client, "/login").await;
    client
        .post(app.url("/login"))
        .form(&[
            ("_csrf", token.as_str()),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

/// POSTs a form with the page's token.
pub async fn post_form(
    app: &TestApp,
    client: &Client,
    token_page: &str,
    path: &str,
    fields: &[(&str, &str)],
) -> reqwest::Response {
    let token = csrf(app, client, token_page).await;
    let mut all = vec![("_csrf", token.as_str())];
    all.extend_from_slice(fields);
    client.post(app.url(path)).form(&all).send().await.unwrap()
}

/// The `Location` header of a redirect.
pub fn location(resp: &reqwest::Response) -> String {
    resp.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// A digest of every row of every table (`tower_sessions` aside: reading a page may refresh a
/// session's last-seen time), as `(table, "N rows, sha256 …")`: equal fingerprints mean nothing
/// was created, changed or deleted.
pub async fn db_fingerprint(app: &TestApp) -> Vec<(String, String)> {
    let tables: Vec<String> = sqlx::query_scalar(
        "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' \
         and name not in ('tower_sessions', '_sqlx_migrations') order by name",
    )
    .fetch_all(app.pool())
    .await
    .unwrap();
    let mut out = Vec::new();
    for table in tables {
        let cols: Vec<String> = sqlx::query_scalar(&format!(
            "select name from pragma_table_info('{table}') order by cid"
        ))
        .fetch_all(app.pool())
        .await
        .unwrap();
        let row = cols
            .iter()
            .map(|c| format!("quote(\"{c}\")"))
            .collect::<Vec<_>>()
            .join(" || '|' || ");
        let rows: String = sqlx::query_scalar(&format!(
            "select coalesce(group_concat(r, char(10)), '') from \
             (select {row} as r from \"{table}\" order by rowid)"
        ))
        .fetch_one(app.pool())
        .await
        .unwrap();
        use sha2::{Digest, Sha256};
        let digest: String = Sha256::digest(rows.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let count = if rows.is_empty() {
            0
        } else {
            rows.lines().count()
        };
        out.push((table, format!("{count} rows, sha256 {}", &digest[..16])));
    }
    out
}

/// The ids of all stored sessions.
pub async fn session_ids(app: &TestApp) -> Vec<String> {
    sqlx::query_scalar("select id from tower_sessions order by id")
        .fetch_all(app.pool())
        .await
        .unwrap()
}

/// The `name=value` of the visitor cookie (the CSRF token of forms shown before sign-in) a
/// response sets, if any.
pub fn set_visitor_cookie(resp: &reqwest::Response) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("gauntlet_visitor=") || c.starts_with("__Host-gauntlet_visitor="))
        .map(|c| cookie_pair(c).to_string())
}

/// The `name=value` of the session cookie a response sets, if any.
pub fn set_session_cookie(resp: &reqwest::Response) -> Option<String> {
    resp.headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("gauntlet_session=") || c.starts_with("__Host-gauntlet="))
        .map(str::to_string)
}

/// The `name=value` pair of a `Set-Cookie` header, ready to send back in a `Cookie` header.
pub fn cookie_pair(set_cookie: &str) -> &str {
    set_cookie.split(';').next().unwrap_or_default()
}

/// The value alone of a `Set-Cookie` header (`name=value; attributes` → `value`).
pub fn cookie_value(set_cookie: &str) -> &str {
    let pair = cookie_pair(set_cookie);
    pair.split_once('=').map(|(_, v)| v).unwrap()
}

/// Every text file below the crate's folders `dirs` whose name ends in `.ext` (any name when
/// `ext` is empty), as (path relative to the crate root, contents), sorted by path.
pub fn source_files(dirs: &[&str], ext: &str) -> Vec<(String, String)> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut stack: Vec<PathBuf> = dirs.iter().map(|d| root.join(d)).collect();
    let mut out = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if (ext.is_empty() || path.extension().is_some_and(|e| e == ext))
                && let Ok(text) = std::fs::read_to_string(&path)
            {
                let rel = path.strip_prefix(root).unwrap().display().to_string();
                out.push((rel, text));
            }
        }
    }
    out.sort();
    out
}
