//! `gauntlet doctor`: checks a set-up before (or while) it serves — the effective configuration
//! with secrets masked, the database file (size, schema version, integrity, permissions) and
//! the public URL — and prints the fix for everything that is wrong. Reads only.

use std::{net::SocketAddr, path::Path, process::ExitCode};

use sqlx::{Connection, SqliteConnection};

use crate::{
    config::{OidcConfig, validate_public_url, validate_smtp_url, validate_webhook_url},
    content,
    db::{self, schema},
    server::DatabaseChoice,
};

/// The settings `serve` would start with, as given (before they are checked).
#[derive(Debug, Clone, Copy)]
pub struct Setup<'a> {
    pub bind: SocketAddr,
    pub public_url: Option<&'a str>,
    pub content: Option<&'a Path>,
    pub login_per_minute: u32,
    pub login_per_hour: u32,
    pub smtp_url: Option<&'a str>,
    pub mail_from: Option<&'a str>,
    pub webhook_url: Option<&'a str>,
}

/// How people sign in, as `serve` would resolve it.
#[derive(Debug)]
pub struct SignIn {
    /// The identity provider from the `--oidc-*` flags, or why they do not make one.
    pub oidc: Result<Option<OidcConfig>, String>,
    pub password_login: bool,
    /// The public URL the callback is under.
    pub public_url: String,
}

/// The findings, in the order they are printed.
#[derive(Debug, Default)]
pub struct Report {
    lines: Vec<String>,
    problems: usize,
}

impl Report {
    fn info(&mut self, what: &str, detail: impl AsRef<str>) {
        self.lines.push(format!("     {what}: {}", detail.as_ref()));
    }

    fn ok(&mut self, what: &str, detail: impl AsRef<str>) {
        self.lines.push(format!("ok   {what}: {}", detail.as_ref()));
    }

    fn fail(&mut self, what: &str, detail: impl AsRef<str>, fix: impl AsRef<str>) {
        self.problems += 1;
        self.lines.push(format!(
            "FAIL {what}: {}\n     fix: {}",
            detail.as_ref(),
            fix.as_ref()
        ));
    }

    /// Whether nothing is wrong.
    pub fn is_ok(&self) -> bool {
        self.problems == 0
    }
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for line in &self.lines {
            writeln!(f, "{line}")?;
        }
        match self.problems {
            0 => write!(f, "all checks passed"),
            n => write!(f, "{n} problem(s) found"),
        }
    }
}

/// Whether an environment variable's value is a secret (shown masked).
fn is_secret(name: &str) -> bool {
    // the mail URL may hold a password and a chat webhook's URL is its secret
    [
        "TOKEN",
        "SECRET",
        "PASSWORD",
        "KEY",
        "CREDENTIAL",
        "SMTP_URL",
        "WEBHOOK_URL",
    ]
    .iter()
    .any(|word| name.to_ascii_uppercase().contains(word))
}

/// A secret as doctor prints it: whether it is set and how long, never the value.
fn mask(value: &str) -> String {
    if value.is_empty() {
        "(empty)".into()
    } else {
        format!("******** ({} characters)", value.chars().count())
    }
}

/// Runs every check and prints the report; exit 1 when something is wrong.
pub async fn run(database: &DatabaseChoice, args: Setup<'_>, sign_in: &SignIn) -> ExitCode {
    let mut report = check(database, args).await;
    single_sign_on(&mut report, sign_in).await;
    println!("{report}");
    if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// The mail and webhook settings: both optional, but half a mail set-up is an error.
fn mail(r: &mut Report, args: Setup<'_>) {
    let smtp = args.smtp_url.filter(|u| !u.is_empty());
    let from = args.mail_from.filter(|f| !f.is_empty());
    match (smtp, from) {
        (None, None) => r.info(
            "mail",
            "none: no mail is sent (set --smtp-url and --mail-from to send notifications)",
        ),
        (None, Some(_)) => r.fail(
            "mail",
            "--mail-from is set without --smtp-url",
            "set --smtp-url (GAUNTLET_SMTP_URL) too, or unset --mail-from",
        ),
        (Some(url), from) => match (validate_smtp_url(url), from) {
            (Err(e), _) => r.fail("mail", e, "fix --smtp-url (GAUNTLET_SMTP_URL)"),
            (Ok(_), None) => r.fail(
                "mail",
                "--smtp-url is set without --mail-from",
                "set --mail-from (GAUNTLET_MAIL_FROM), e.g. \"Gauntlet <gauntlet@example.com>\"",
            ),
            (Ok(url), Some(from)) => {
                r.ok("mail", format!("{} from {from}", mask_password(&url)));
            }
        },
    }
    match args.webhook_url.filter(|u| !u.is_empty()) {
        None => r.info("webhook", "none"),
        Some(url) => match validate_webhook_url(url) {
            Err(e) => r.fail("webhook", e, "fix --webhook-url (GAUNTLET_WEBHOOK_URL)"),
            // a chat webhook's path is its secret
            Ok(url) => r.ok("webhook", mask_path(&url)),
        },
    }
}

/// `smtp://user:secret@host` → `smtp://user:********@host`.
fn mask_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    match authority.rsplit_once('@') {
        Some((user_info, host)) => {
            let user = user_info.split(':').next().unwrap_or("");
            format!("{scheme}://{user}:********@{host}{tail}")
        }
        None => url.to_string(),
    }
}

/// `https://hooks.example.com/services/T0/B0/secret` → `https://hooks.example.com/********`.
fn mask_path(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    format!("{scheme}://{host}/********")
}

/// All checks, without printing.
pub async fn check(database: &DatabaseChoice, args: Setup<'_>) -> Report {
    let mut r = Report::default();
    configuration(&mut r, args);
    database_file(&mut r, &database.path).await;
    r
}

fn configuration(r: &mut Report, args: Setup<'_>) {
    environment(r);
    r.info("bind", args.bind.to_string());
    r.info(
        "login limits",
        format!(
            "{} per minute, {} per hour per client address",
            args.login_per_minute, args.login_per_hour
        ),
    );
    public_url(r, args);
    match args.content {
        None => r.ok("content", "built-in gauntlets only"),
        Some(dir) => content_folder(r, dir),
    }
    mail(r, args);
}

/// Every `GAUNTLET_*` variable set, secrets masked.
fn environment(r: &mut Report) {
    let mut vars: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| k.starts_with("GAUNTLET_"))
        .collect();
    vars.sort();
    for (k, v) in vars {
        let shown = if is_secret(&k) { mask(&v) } else { v };
        r.info("environment", format!("{k}={shown}"));
    }
}

/// The public URL is well formed, and not plain HTTP unless the site listens on loopback.
fn public_url(r: &mut Report, args: Setup<'_>) {
    let public = args
        .public_url
        .map_or_else(|| format!("http://{}", args.bind), str::to_owned);
    match validate_public_url(&public) {
        Err(e) => r.fail(
            "public URL",
            e,
            "set --public-url (GAUNTLET_PUBLIC_URL) to the address people use, e.g. https://gauntlet.example.com",
        ),
        Ok(url) if url.starts_with("http://") && !args.bind.ip().is_loopback() => r.fail(
            "public URL",
            format!("{url} is plain HTTP while the site listens on {}", args.bind),
            "put a TLS proxy in front and set --public-url https://…, or bind to 127.0.0.1",
        ),
        Ok(url) => r.ok("public URL", url),
    }
}

/// The `--content` folder exists and every file in it parses.
fn content_folder(r: &mut Report, dir: &Path) {
    if !dir.is_dir() {
        return r.fail(
            "content",
            format!("folder {} does not exist", dir.display()),
            "create it, or unset --content (GAUNTLET_CONTENT)",
        );
    }
    let checked = content::check::check_paths(&[dir.to_path_buf()]);
    if checked.is_ok() {
        r.ok(
            "content",
            format!("{}: {}", dir.display(), checked.summary()),
        );
    } else {
        r.fail(
            "content",
            format!("{}: {}", dir.display(), checked.summary()),
            format!(
                "run `gauntlet content check {}` and fix the files",
                dir.display()
            ),
        );
    }
}

/// The identity provider: complete flags, discovery and keys readable, the secret masked.
pub async fn single_sign_on(r: &mut Report, s: &SignIn) {
    let passwords = if s.password_login {
        "passwords on"
    } else {
        "passwords off (--password-login off)"
    };
    let c = match &s.oidc {
        Err(e) => {
            return r.fail(
                "single sign-on",
                e,
                "set the missing --oidc-* flags (or GAUNTLET_OIDC_*), or unset the others",
            );
        }
        Ok(None) if !s.password_login => {
            return r.fail(
                "sign-in",
                "--password-login off without single sign-on: nobody could sign in",
                "set --oidc-issuer, --oidc-client-id and --oidc-client-secret, or --password-login on",
            );
        }
        Ok(None) => return r.info("sign-in", "Gauntlet's own passwords; no single sign-on"),
        Ok(Some(c)) => c,
    };
    let callback = format!("{}{}", s.public_url, crate::auth::oidc::CALLBACK);
    r.ok(
        "single sign-on",
        format!(
            "{} ({}), client {}, secret {}, redirect URL {callback}; {passwords}",
            c.issuer,
            c.name,
            c.client_id,
            mask(&c.client_secret.0)
        ),
    );
    let checked = match crate::auth::oidc::Provider::new(c.clone(), callback) {
        Ok(p) => p.check().await.map_err(|e| e.to_string()),
        Err(e) => Err(e),
    };
    match checked {
        Ok(()) => r.ok("identity provider", "discovery and signing keys read"),
        Err(e) => r.fail(
            "identity provider",
            e,
            "check --oidc-issuer (its /.well-known/openid-configuration must answer) and that this host can reach it",
        ),
    }
}

/// The database file: present, its size, permissions, folder, schema and integrity.
async fn database_file(r: &mut Report, path: &Path) {
    let shown = std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string();
    let Ok(meta) = std::fs::metadata(path) else {
        r.fail(
            "database",
            format!("{shown} does not exist"),
            "check --database (GAUNTLET_DATABASE); `gauntlet serve --create-database` creates a new one",
        );
        return;
    };
    let sides = companions(path);
    let size = meta.len()
        + sides
            .iter()
            .filter_map(|s| std::fs::metadata(s).ok())
            .map(|m| m.len())
            .sum::<u64>();
    r.ok("database", format!("{shown} ({size} bytes with its WAL)"));
    permissions(r, path);
    for side in &sides {
        permissions(r, side);
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        directory(r, dir);
    }
    let opts = db::connect_options(path, db::Create::Never);
    let mut conn = match SqliteConnection::connect_with(&opts).await {
        Ok(c) => c,
        Err(e) => {
            r.fail(
                "database",
                format!("cannot open {shown}: {e}"),
                "check the file's owner and permissions (the service's user must read and write it and its folder)",
            );
            return;
        }
    };
    schema_version(r, &mut conn, &shown).await;
    integrity(r, &mut conn).await;
    let _ = conn.close().await;
}

/// The files SQLite keeps beside the database: its write-ahead log and shared-memory index.
fn companions(path: &Path) -> Vec<std::path::PathBuf> {
    ["-wal", "-shm"]
        .iter()
        .map(|suffix| {
            let mut side = path.as_os_str().to_owned();
            side.push(suffix);
            side.into()
        })
        .collect()
}

/// The schema is this release's, or older with the migrations the next start applies.
async fn schema_version(r: &mut Report, conn: &mut SqliteConnection, shown: &str) {
    let s = match schema::status(conn).await {
        Ok(s) => s,
        Err(e) => {
            return r.fail(
                "schema",
                e.to_string(),
                "restore the database from a backup",
            );
        }
    };
    if let Some(message) = s.downgrade_message(shown) {
        r.fail(
            "schema",
            message,
            "run the newer release, or restore the pre-upgrade copy",
        );
    } else if s.pending.is_empty() {
        r.ok(
            "schema",
            format!("version {} (up to date)", s.current_or_zero()),
        );
    } else {
        r.info(
            "schema",
            format!(
                "version {}; {} migration(s) to version {} are applied at the next start (`gauntlet migrate --check` lists them)",
                s.current_or_zero(),
                s.pending.len(),
                s.latest
            ),
        );
    }
}

/// SQLite's own integrity check finds nothing.
async fn integrity(r: &mut Report, conn: &mut SqliteConnection) {
    let check: Result<Vec<String>, _> = sqlx::query_scalar("pragma integrity_check")
        .fetch_all(conn)
        .await;
    match check {
        Ok(rows) if rows == ["ok"] => r.ok("integrity", "ok"),
        Ok(rows) => r.fail(
            "integrity",
            rows.into_iter().take(3).collect::<Vec<_>>().join("; "),
            "stop the site and restore the newest backup (`gauntlet backup` copies are checked when written)",
        ),
        Err(e) => r.fail(
            "integrity",
            format!("cannot check: {e}"),
            "stop the site and restore the newest backup",
        ),
    }
}

/// The database and its companions must not be readable by anyone but the owner.
fn permissions(r: &mut Report, path: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let Ok(meta) = std::fs::metadata(path) else {
            return;
        };
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            r.fail(
                "permissions",
                format!("{} is {mode:04o}: other users can read it", path.display()),
                format!("chmod 600 {}", path.display()),
            );
        } else {
            r.ok("permissions", format!("{} is {mode:04o}", path.display()));
        }
    }
}

/// SQLite writes its WAL and lock files beside the database, so the folder must be writable.
fn directory(r: &mut Report, dir: &Path) {
    let probe = dir.join(format!(".gauntlet-doctor-{}", std::process::id()));
    match db::backup::create_private(&probe) {
        Ok(()) => {
            let _ = std::fs::remove_file(&probe);
        }
        Err(e) => r.fail(
            "folder",
            format!("cannot write in {}: {e}", dir.display()),
            "give the service's user write access to the folder (SQLite keeps its WAL there)",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_companions_are_the_wal_and_shm_files_beside_the_database() {
        let sides = companions(Path::new("/srv/data/gauntlet.db"));
        assert_eq!(
            sides,
            [
                Path::new("/srv/data/gauntlet.db-wal"),
                Path::new("/srv/data/gauntlet.db-shm")
            ]
        );
    }

    #[test]
    fn secrets_are_masked_and_nothing_else_is() {
        assert!(is_secret("GAUNTLET_METRICS_TOKEN"));
        assert!(is_secret("GAUNTLET_SMTP_PASSWORD"));
        assert!(is_secret("GAUNTLET_SMTP_URL") && is_secret("GAUNTLET_WEBHOOK_URL"));
        assert!(!is_secret("GAUNTLET_PUBLIC_URL"));
        let m = mask("hunter2hunter2");
        assert!(!m.contains("hunter2"));
        assert!(m.contains("14"));
    }

    fn setup<'a>(smtp: Option<&'a str>, from: Option<&'a str>, hook: Option<&'a str>) -> Setup<'a> {
        Setup {
            bind: "127.0.0.1:3000".parse().unwrap(),
            public_url: None,
            content: None,
            login_per_minute: 6,
            login_per_hour: 30,
            smtp_url: smtp,
            mail_from: from,
            webhook_url: hook,
        }
    }

    #[test]
    fn mail_settings_are_checked_with_secrets_masked() {
        let mut r = Report::default();
        mail(&mut r, setup(None, None, None));
        assert!(r.is_ok(), "{r}");

        let mut r = Report::default();
        mail(
            &mut r,
            setup(
                Some("smtp://bot:hunter2@mail.example.com:587"),
                Some("Gauntlet <g@example.com>"),
                Some("https://hooks.example.com/services/T0/B0/abcdef"),
            ),
        );
        let text = r.to_string();
        assert!(r.is_ok(), "{text}");
        assert!(text.contains("smtp://bot:********@mail.example.com:587?tls=required"));
        assert!(
            !text.contains("hunter2") && !text.contains("abcdef"),
            "{text}"
        );

        for (smtp, from) in [
            (Some("smtp://mail.example.com"), None),
            (None, Some("g@example.com")),
            (Some("ftp://mail.example.com"), Some("g@example.com")),
        ] {
            let mut r = Report::default();
            mail(&mut r, setup(smtp, from, None));
            assert!(
                !r.is_ok() && r.to_string().contains("fix:"),
                "{smtp:?} {from:?}"
            );
        }
        let mut r = Report::default();
        mail(&mut r, setup(None, None, Some("gopher://x")));
        assert!(!r.is_ok());
    }

    #[tokio::test]
    async fn single_sign_on_is_checked_with_the_secret_masked() {
        let sign_in = |oidc, password_login| SignIn {
            oidc,
            password_login,
            public_url: "https://g.example.com".into(),
        };
        let mut r = Report::default();
        single_sign_on(&mut r, &sign_in(Ok(None), true)).await;
        assert!(r.is_ok(), "{r}");
        let mut r = Report::default();
        single_sign_on(&mut r, &sign_in(Ok(None), false)).await;
        assert!(!r.is_ok() && r.to_string().contains("fix:"));
        let mut r = Report::default();
        let half = crate::auth::oidc::setup::oidc_from_flags(crate::auth::oidc::setup::OidcFlags {
            issuer: Some("https://id.example.com"),
            ..Default::default()
        });
        single_sign_on(&mut r, &sign_in(half, true)).await;
        assert!(
            !r.is_ok() && r.to_string().contains("--oidc-client-id"),
            "{r}"
        );
        // complete, but nobody answers at the issuer
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let full = crate::auth::oidc::setup::oidc_from_flags(crate::auth::oidc::setup::OidcFlags {
            issuer: Some(&format!("http://127.0.0.1:{port}")),
            client_id: Some("gauntlet"),
            client_secret: Some("hunter2hunter2"),
            ..Default::default()
        });
        let mut r = Report::default();
        single_sign_on(&mut r, &sign_in(full, true)).await;
        let text = r.to_string();
        assert!(!r.is_ok() && text.contains("identity provider"), "{text}");
        assert!(
            text.contains("https://g.example.com/auth/oidc/callback"),
            "{text}"
        );
        assert!(!text.contains("hunter2"), "{text}");
    }
}
