//! The command line: `serve`, `user create|delete`, `content check|show|import`, `align`,
//! `backup`, `migrate` and `doctor`. Every option can also be set through a `GAUNTLET_*`
//! environment variable.

/// Like `println!`, through [`write_out`]: a reader that stops early (`| head`) ends the
/// command quietly instead of with a panic.
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::cli::write_out(format_args!($($arg)*))
    };
}

mod files;
mod serve_args;

use std::{
    io::{IsTerminal, Read},
    path::{Path, PathBuf},
    process::ExitCode,
};

use clap::{Parser, Subcommand};

pub use self::{
    files::{AlignArgs, AlignCommand, ContentCommand, load_gauntlet},
    serve_args::ServeArgs,
};
use crate::{
    auth::{Role, accounts, password},
    db,
    server::{self, DatabaseChoice},
    telemetry,
};

/// Default database file, created on first start when no path is given.
pub const DEFAULT_DATABASE: &str = "gauntlet.db";

#[derive(Debug, Parser)]
#[command(
    name = "gauntlet",
    version,
    about = "Practise and grade five-round interview gauntlets."
)]
pub struct Cli {
    /// SQLite database file. Without it, ./gauntlet.db is used and created on first start;
    /// a path given here that does not exist is refused unless --create-database is set.
    #[arg(long, env = "GAUNTLET_DATABASE", global = true)]
    pub database: Option<PathBuf>,

    /// Create the --database file if it does not exist.
    #[arg(long, env = "GAUNTLET_CREATE_DATABASE", global = true)]
    pub create_database: bool,

    /// Write logs as JSON lines (for log shippers).
    #[arg(long, env = "GAUNTLET_LOG_JSON", global = true)]
    pub log_json: bool,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the web site.
    Serve(ServeArgs),
    /// Manage accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Validate, inspect and import gauntlet content.
    #[command(subcommand)]
    Content(ContentCommand),
    /// Print the alignment report (JSON) of one answer against one round's guidance, or
    /// `align eval FILE`: the engine's quality numbers on a labelled JSONL dev set.
    Align(AlignArgs),
    /// Write a consistent copy of the database to PATH (or a dated file in --dir) while the
    /// site keeps serving.
    Backup {
        /// The new backup file (must not exist yet).
        #[arg(required_unless_present = "dir", conflicts_with = "dir")]
        path: Option<PathBuf>,
        /// Write gauntlet-YYYYMMDDTHHMMSSZ.db (UTC) into this folder instead.
        #[arg(long, env = "GAUNTLET_BACKUP_DIR")]
        dir: Option<PathBuf>,
        /// With --dir: keep the newest N dated backups and delete older ones (only files named
        /// like the ones --dir writes).
        #[arg(long, env = "GAUNTLET_BACKUP_KEEP", requires = "dir",
              value_parser = clap::value_parser!(u32).range(1..))]
        keep: Option<u32>,
    },
    /// Apply pending database migrations (a copy is taken first), or list them with --check.
    Migrate {
        /// Only print the pending migrations; exit 1 if there are any.
        #[arg(long)]
        check: bool,
    },
    /// Check the set-up: configuration, database file, schema, integrity, permissions, public
    /// URL. Exits 1 and prints the fix when something is wrong.
    Doctor(ServeArgs),
    /// Write every grade (attempt × round × reviewer) as CSV or JSON to standard output.
    Export {
        /// csv or json.
        #[arg(long, default_value = "csv", value_parser = ["csv", "json"])]
        format: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account; the password is asked for without echo at a terminal, otherwise read
    /// from standard input.
    Create {
        /// Email address (the sign-in name).
        #[arg(long)]
        email: String,
        /// candidate, interviewer or admin.
        #[arg(long)]
        role: Role,
        /// Display name (defaults to the part of the email before the @).
        #[arg(long)]
        name: Option<String>,
    },
    /// Delete an account and its attempts, answers, sessions and invites; reviews it wrote on
    /// other people's attempts stay as "former interviewer". Asks first unless --yes.
    Delete {
        /// The account's email address.
        #[arg(long)]
        email: String,
        /// Do not ask (for scripts); required when standard input is not a terminal.
        #[arg(long)]
        yes: bool,
    },
}

impl Cli {
    fn database(&self) -> DatabaseChoice {
        match &self.database {
            Some(path) => DatabaseChoice {
                path: path.clone(),
                create: if self.create_database {
                    db::Create::IfMissing
                } else {
                    db::Create::Never
                },
            },
            None => DatabaseChoice {
                path: PathBuf::from(DEFAULT_DATABASE),
                create: db::Create::IfMissing,
            },
        }
    }
}

/// Runs the parsed command line; the exit code follows the Unix convention.
pub async fn run(cli: Cli) -> ExitCode {
    telemetry::init(cli.log_json);
    let result = match &cli.command {
        Command::Serve(args) => serve(&cli, args).await,
        Command::User(UserCommand::Create { email, role, name }) => {
            create_user(&cli, email, *role, name.as_deref()).await
        }
        Command::Content(cmd) => return files::content_command(cmd),
        Command::Align(args) => return files::align_command(args),
        Command::User(UserCommand::Delete { email, yes }) => delete_user(&cli, email, *yes).await,
        Command::Export { format } => export(&cli, format).await,
        Command::Backup { path, dir, keep } => match (path, dir) {
            (Some(path), _) => backup(&cli, path).await,
            (None, Some(dir)) => backup_dated(&cli, dir, *keep).await,
            (None, None) => Err("give a backup file or --dir".into()),
        },
        Command::Migrate { check } => return migrate(&cli, *check).await,
        Command::Doctor(args) => {
            let sign_in = args.doctor_sign_in();
            return crate::doctor::run(&cli.database(), args.doctor_setup(), &sign_in).await;
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// What a command that fails reports (printed after `error:`).
type CliError = Box<dyn std::error::Error + Send + Sync>;
type CliResult = Result<(), CliError>;

/// `serve`: the flags checked into a configuration, then the site until SIGTERM or Ctrl-C.
async fn serve(cli: &Cli, args: &ServeArgs) -> CliResult {
    crate::config::raise_open_file_limit();
    let config = args.config()?;
    // listen for SIGTERM before "listening" is logged (see `shutdown_signal`)
    let stop = server::shutdown_signal();
    let running = server::start(config, cli.database()).await?;
    stop.await;
    running.shutdown().await;
    Ok(())
}

async fn create_user(cli: &Cli, email: &str, role: Role, name: Option<&str>) -> CliResult {
    let password = read_new_password()?;
    let email = db::users::normalise_email(email);
    let name = name
        .map(str::to_string)
        .unwrap_or_else(|| email.split('@').next().unwrap_or("user").to_string());
    if let Some(problem) = accounts::validate_registration(&email, &name, &password, &password) {
        return Err(problem.into());
    }
    let choice = cli.database();
    let pool = db::open(&choice.path, choice.create).await?;
    let made = accounts::create_with_password(
        &pool,
        &password::Passwords::new(),
        &email,
        &name,
        password,
        role,
    )
    .await;
    pool.close().await;
    let id = match made {
        Ok(id) => id,
        Err(accounts::RegisterError::Exists) => {
            return Err(format!("an account with email {email} already exists").into());
        }
        Err(e) => return Err(e.into()),
    };
    out!("created {role} {email} (id {id})");
    Ok(())
}

/// The new account's password: typed twice without echo at a terminal, otherwise the whole of
/// standard input (one trailing newline dropped), so `printf … | gauntlet user create` keeps
/// working in scripts.
fn read_new_password() -> Result<String, CliError> {
    if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password (12–128 characters, not shown): ")?;
        let again = rpassword::prompt_password("Same password again: ")?;
        if first != again {
            return Err("the two passwords differ; nothing was created".into());
        }
        return Ok(first);
    }
    let mut password = String::new();
    std::io::stdin().read_to_string(&mut password)?;
    let password = password.strip_suffix('\n').unwrap_or(&password);
    Ok(password.strip_suffix('\r').unwrap_or(password).to_string())
}

/// `1 attempt`, `2 attempts`: a count with its noun.
pub fn count_of(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

async fn backup(cli: &Cli, path: &Path) -> CliResult {
    let choice = cli.database();
    // a backup never creates the database it copies, and never migrates it: the binary may be
    // newer than the site still serving from the file (a timer firing mid-upgrade)
    let pool = db::open_unmigrated(&choice.path, db::Create::Never).await?;
    let report = db::backup::backup(&pool, path).await;
    pool.close().await;
    let report = report?;
    out!(
        "backed up {} to {} ({}, {}, {}; integrity ok)",
        choice.path.display(),
        report.path.display(),
        count_of(
            i64::try_from(report.bytes).unwrap_or(i64::MAX),
            "byte",
            "bytes"
        ),
        count_of(report.users, "user", "users"),
        count_of(report.attempts, "attempt", "attempts")
    );
    Ok(())
}

/// `backup --dir DIR [--keep N]`: a dated copy, then the rotation.
async fn backup_dated(cli: &Cli, dir: &Path, keep: Option<u32>) -> CliResult {
    if !dir.is_dir() {
        return Err(format!(
            "backup folder {} does not exist; create it first",
            dir.display()
        )
        .into());
    }
    let dest = dir.join(db::backup::dated_name(crate::clock::now()));
    backup(cli, &dest).await?;
    if let Some(keep) = keep {
        for removed in db::backup::rotate(dir, keep as usize)? {
            out!("removed old backup {}", removed.display());
        }
    }
    Ok(())
}

/// `migrate [--check]`.
async fn migrate(cli: &Cli, check: bool) -> ExitCode {
    let choice = cli.database();
    let shown = choice.path.display().to_string();
    if !check {
        return match db::open(&choice.path, db::Create::Never).await {
            Ok(pool) => {
                pool.close().await;
                out!(
                    "{shown} is at schema version {}",
                    db::schema::known().last().map_or(0, |s| s.version)
                );
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e.to_string()),
        };
    }
    let status = async {
        let pool = db::open_unmigrated(&choice.path, db::Create::Never).await?;
        let status = db::schema::status(&mut *pool.acquire().await?).await;
        pool.close().await;
        Ok::<_, CliError>(status?)
    }
    .await;
    let status = match status {
        Ok(s) => s,
        Err(e) => return fail(&e.to_string()),
    };
    if let Some(message) = status.downgrade_message(&shown) {
        return fail(&message);
    }
    out!(
        "{shown}: schema version {}, this release knows {}",
        status.current_or_zero(),
        status.latest
    );
    if status.pending.is_empty() {
        out!("no pending migrations");
        return ExitCode::SUCCESS;
    }
    for step in &status.pending {
        out!("pending {} {}", step.version, step.description);
    }
    out!(
        "{} pending migration(s); `gauntlet migrate` or the next start applies them after copying the database aside",
        status.pending.len()
    );
    ExitCode::FAILURE
}

/// `user delete --email E [--yes]`.
async fn delete_user(cli: &Cli, email: &str, yes: bool) -> CliResult {
    let email = db::users::normalise_email(email);
    if !yes {
        if !std::io::stdin().is_terminal() {
            return Err(format!(
                "refusing to delete {email} without --yes: standard input is not a terminal, so nobody can confirm"
            )
            .into());
        }
        eprint!(
            "Delete {email} with their attempts, answers, sessions and invites? \
             Reviews they wrote stay as \"former interviewer\". This cannot be undone. [y/N] "
        );
        let mut line = String::new();
        std::io::stdin().read_line(&mut line)?;
        if !matches!(line.trim().to_lowercase().as_str(), "y" | "yes") {
            return Err("nothing deleted".into());
        }
    }
    let choice = cli.database();
    let pool = db::open(&choice.path, db::Create::Never).await?;
    let result = async {
        let mut tx = db::begin_write(&pool).await?;
        let Some(user) = db::users::by_email(&mut *tx, &email).await? else {
            return Err(format!("no account with email {email}").into());
        };
        let (_, removal) = db::users::remove(
            &mut tx,
            user.id,
            None,
            "command line",
            crate::auth::session_store::stored_user,
        )
        .await?;
        tx.commit().await?;
        tracing::info!(user = user.id, role = %user.role, "account deleted from the command line");
        Ok::<_, CliError>((user, removal))
    }
    .await;
    pool.close().await;
    let (user, r) = result?;
    out!(
        "deleted {} {email} (id {}): {} attempts, {} answers, {} revisions, {} reviews, {} sessions, {} invites; {} reviews of other people's attempts kept as \"former interviewer\"",
        user.role,
        user.id,
        r.attempts,
        r.answers,
        r.revisions,
        r.reviews_removed,
        r.sessions,
        r.invites,
        r.reviews_kept
    );
    Ok(())
}

async fn export(cli: &Cli, format: &str) -> CliResult {
    let choice = cli.database();
    let pool = db::open(&choice.path, choice.create).await?;
    let rows = db::reviews::export_rows(&pool).await?;
    pool.close().await;
    let out = if format == "json" {
        crate::export::to_json(&rows)?
    } else {
        crate::export::to_csv(&rows)
    };
    if format == "json" {
        out!("{out}");
    } else {
        // the CSV ends with its own line break
        out!("{}", out.trim_end_matches('\n'));
    }
    Ok(())
}

/// Writes one line to standard output. When the reader has gone (a closed pipe) the rest of
/// the output is not wanted: the command stops with success. Any other failure to write ends
/// it with an error on standard error.
pub fn write_out(line: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    if let Err(e) = writeln!(std::io::stdout().lock(), "{line}") {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: writing the output: {e}");
        std::process::exit(1);
    }
}

fn fail(msg: &str) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::FAILURE
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[test]
    fn trusted_proxies_repeat_and_split_on_commas() {
        let cli = Cli::try_parse_from([
            "gauntlet",
            "serve",
            "--trusted-proxy",
            "10.0.0.0/8,::1",
            "--trusted-proxy",
            "192.0.2.1",
        ])
        .unwrap();
        let Command::Serve(args) = cli.command else {
            panic!("serve");
        };
        let shown: Vec<String> = args.trusted_proxies.iter().map(|c| c.to_string()).collect();
        assert_eq!(shown, ["10.0.0.0/8", "::1/128", "192.0.2.1/32"]);
        assert_eq!(args.signups_per_hour, 10);
        assert!(
            Cli::try_parse_from(["gauntlet", "serve", "--trusted-proxy", "proxy.lan"]).is_err()
        );
    }
}
