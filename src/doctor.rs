//! `gauntlet doctor`: checks a set-up before (or while) it serves — the effective configuration
//! with secrets masked, the database file (size, schema version, integrity, permissions) and
//! the public URL — and prints the fix for everything that is wrong. Reads only.

use std::{path::Path, process::ExitCode};

use sqlx::{Connection, SqliteConnection};

use crate::{
    cli::ServeArgs,
    config::validate_public_url,
    content,
    db::{self, schema},
    server::DatabaseChoice,
};

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
    ["TOKEN", "SECRET", "PASSWORD", "KEY", "CREDENTIAL"]
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
pub async fn run(database: &DatabaseChoice, args: &ServeArgs) -> ExitCode {
    let report = check(database, args).await;
    println!("{report}");
    if report.is_ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// All checks, without printing.
pub async fn check(database: &DatabaseChoice, args: &ServeArgs) -> Report {
    let mut r = Report::default();
    configuration(&mut r, args);
    database_file(&mut r, &database.path).await;
    r
}

fn configuration(r: &mut Report, args: &ServeArgs) {
    let mut vars: Vec<(String, String)> = std::env::vars()
        .filter(|(k, _)| k.starts_with("GAUNTLET_"))
        .collect();
    vars.sort();
    for (k, v) in vars {
        let shown = if is_secret(&k) { mask(&v) } else { v };
        r.info("environment", format!("{k}={shown}"));
    }
    r.info("bind", args.bind.to_string());
    r.info(
        "login limits",
        format!(
            "{} per minute, {} per hour per client address",
            args.login_per_minute, args.login_per_hour
        ),
    );
    let public = args
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", args.bind));
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
    match &args.content {
        None => r.ok("content", "built-in gauntlets only"),
        Some(dir) if !dir.is_dir() => r.fail(
            "content",
            format!("folder {} does not exist", dir.display()),
            "create it, or unset --content (GAUNTLET_CONTENT)",
        ),
        Some(dir) => {
            let checked = content::check::check_paths(std::slice::from_ref(dir));
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
    }
    r.info(
        "mail and sign-in providers",
        "none: Gauntlet sends no mail and signs people in with its own passwords",
    );
}

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
    let sides: Vec<std::path::PathBuf> = ["-wal", "-shm"]
        .iter()
        .map(|suffix| {
            let mut side = path.as_os_str().to_owned();
            side.push(suffix);
            side.into()
        })
        .collect();
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
    match schema::status(&mut conn).await {
        Err(e) => r.fail(
            "schema",
            e.to_string(),
            "restore the database from a backup",
        ),
        Ok(s) => {
            if let Some(message) = s.downgrade_message(&shown) {
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
    }
    let check: Result<Vec<String>, _> = sqlx::query_scalar("pragma integrity_check")
        .fetch_all(&mut conn)
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
    let _ = conn.close().await;
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
    fn secrets_are_masked_and_nothing_else_is() {
        assert!(is_secret("GAUNTLET_METRICS_TOKEN"));
        assert!(is_secret("GAUNTLET_SMTP_PASSWORD"));
        assert!(!is_secret("GAUNTLET_PUBLIC_URL"));
        let m = mask("hunter2hunter2");
        assert!(!m.contains("hunter2"));
        assert!(m.contains("14"));
    }
}
