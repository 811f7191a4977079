//! The command line: `serve`, `user create|delete`, `content check|show|import`, `align`,
//! `backup`, `migrate` and `doctor`. Every option can also be set through a `GAUNTLET_*`
//! environment variable.

use std::{
    io::{IsTerminal, Read},
    net::SocketAddr,
    path::{Path, PathBuf},
    process::ExitCode,
};

use clap::{Args, Parser, Subcommand};

use crate::{
    auth::{Role, accounts, password},
    config::{Cidr, Config, validate_public_url},
    content, db,
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

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct AlignArgs {
    #[command(subcommand)]
    pub command: Option<AlignCommand>,
    /// The gauntlet's Markdown file.
    #[arg(long, required = true)]
    pub gauntlet: Option<PathBuf>,
    /// The round number.
    #[arg(long, required = true)]
    pub round: Option<u32>,
    /// A file with the answer, or - for standard input.
    #[arg(long, required = true)]
    pub answer: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum AlignCommand {
    /// Score a labelled dev set (JSONL: gauntlet, round, label, text per line) against the
    /// built-in gauntlets: AUCs, full-ordering rate, bluff detection, false flags, misses.
    Eval {
        /// The JSONL file.
        file: PathBuf,
    },
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "GAUNTLET_BIND", default_value = "127.0.0.1:3000")]
    pub bind: SocketAddr,

    /// Folder of Markdown gauntlets that add to or replace the built-in ones (by slug).
    #[arg(long, env = "GAUNTLET_CONTENT")]
    pub content: Option<PathBuf>,

    /// The URL people use to reach the site, e.g. https://gauntlet.example.com. With https,
    /// cookies are Secure and HSTS is sent. Defaults to http://<bind>.
    #[arg(long, env = "GAUNTLET_PUBLIC_URL")]
    pub public_url: Option<String>,

    /// Sign-in attempts allowed per client address per minute.
    #[arg(long, env = "GAUNTLET_LOGIN_PER_MINUTE", default_value_t = 6)]
    pub login_per_minute: u32,

    /// Sign-in attempts allowed per client address per hour.
    #[arg(long, env = "GAUNTLET_LOGIN_PER_HOUR", default_value_t = 30)]
    pub login_per_hour: u32,

    /// Open connections at most; more are closed at once. Defaults to three quarters of the
    /// open-file limit (after raising it to the hard limit), between 64 and 10,000.
    #[arg(long, env = "GAUNTLET_MAX_CONNECTIONS")]
    pub max_connections: Option<usize>,

    /// Bearer token that lets a scraper that is not on loopback read /metrics
    /// (Authorization: Bearer TOKEN). Without it only direct loopback clients may.
    #[arg(long, env = "GAUNTLET_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Open sign-ups allowed per client address per hour.
    #[arg(long, env = "GAUNTLET_SIGNUPS_PER_HOUR", default_value_t = 10)]
    pub signups_per_hour: u32,

    /// A reverse proxy (address or CIDR range) whose X-Forwarded-For or Forwarded header names
    /// the client. Repeatable; comma-separated in the environment variable. Without it, the
    /// client is the socket's peer and forwarded headers are ignored.
    #[arg(
        long = "trusted-proxy",
        env = "GAUNTLET_TRUSTED_PROXY",
        value_name = "CIDR",
        value_delimiter = ','
    )]
    pub trusted_proxies: Vec<Cidr>,
    /// Megabytes one account may store in answers and their kept versions; past it, starting
    /// an attempt and saving are refused with a message saying so.
    #[arg(long, env = "GAUNTLET_MAX_ACCOUNT_STORAGE_MB",
          default_value_t = crate::config::DEFAULT_MAX_ACCOUNT_STORAGE_MB,
          value_parser = clap::value_parser!(u64).range(1..=1_048_576))]
    pub max_account_storage_mb: u64,

    /// Mail server for notifications: smtp://user:pass@host:587 (STARTTLS, required unless the
    /// host is loopback) or smtps://user:pass@host:465 (TLS). Without it no mail is sent.
    #[arg(long, env = "GAUNTLET_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,

    /// The sender of notification mail, e.g. "Gauntlet <gauntlet@example.com>" (required with
    /// --smtp-url).
    #[arg(long, env = "GAUNTLET_MAIL_FROM")]
    pub mail_from: Option<String>,

    /// A Slack-compatible incoming webhook told of review requests and submitted reviews.
    #[arg(long, env = "GAUNTLET_WEBHOOK_URL", hide_env_values = true)]
    pub webhook_url: Option<String>,

    /// Hours a request may wait unclaimed (or a claim unsubmitted) before the daily reminder
    /// digest names it.
    #[arg(long, env = "GAUNTLET_REMINDER_HOURS", default_value_t = 48, value_parser = clap::value_parser!(i64).range(1..=24 * 30))]
    pub reminder_hours: i64,

    /// Sign-in through an OpenID Connect provider: its issuer URL, e.g.
    /// https://id.example.com/realms/team. Needs --oidc-client-id and a client secret.
    #[arg(long, env = "GAUNTLET_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,

    /// The client id Gauntlet is registered under at the provider.
    #[arg(long, env = "GAUNTLET_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,

    /// The client secret (or use --oidc-client-secret-file).
    #[arg(long, env = "GAUNTLET_OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<String>,

    /// A file holding the client secret (a trailing newline is ignored).
    #[arg(long, env = "GAUNTLET_OIDC_CLIENT_SECRET_FILE")]
    pub oidc_client_secret_file: Option<PathBuf>,

    /// The provider's name on the sign-in button: "Sign in with <name>".
    #[arg(long, env = "GAUNTLET_OIDC_NAME")]
    pub oidc_name: Option<String>,

    /// The ID token claim listing the person's groups (e.g. groups); with it, the role is
    /// mapped from the groups at every sign-in.
    #[arg(long, env = "GAUNTLET_OIDC_ROLE_CLAIM")]
    pub oidc_role_claim: Option<String>,

    /// Members of this group are admins.
    #[arg(long, env = "GAUNTLET_OIDC_ADMIN_GROUP")]
    pub oidc_admin_group: Option<String>,

    /// Members of this group (and not of the admin group) are interviewers.
    #[arg(long, env = "GAUNTLET_OIDC_INTERVIEWER_GROUP")]
    pub oidc_interviewer_group: Option<String>,

    /// `off` hides and refuses password sign-in (single sign-on only). The command line still
    /// creates password accounts; restart with `on` to let them sign in (the break-glass).
    #[arg(long, env = "GAUNTLET_PASSWORD_LOGIN", default_value = "on", value_parser = ["on", "off"])]
    pub password_login: String,
}

impl ServeArgs {
    /// What `doctor` checks: the settings as given.
    fn doctor_setup(&self) -> crate::doctor::Setup<'_> {
        crate::doctor::Setup {
            bind: self.bind,
            public_url: self.public_url.as_deref(),
            content: self.content.as_deref(),
            login_per_minute: self.login_per_minute,
            login_per_hour: self.login_per_hour,
            smtp_url: self.smtp_url.as_deref(),
            mail_from: self.mail_from.as_deref(),
            webhook_url: self.webhook_url.as_deref(),
        }
    }

    /// The `--oidc-*` flags as given.
    fn oidc_flags(&self) -> crate::auth::oidc::setup::OidcFlags<'_> {
        crate::auth::oidc::setup::OidcFlags {
            issuer: self.oidc_issuer.as_deref(),
            client_id: self.oidc_client_id.as_deref(),
            client_secret: self.oidc_client_secret.as_deref(),
            client_secret_file: self.oidc_client_secret_file.as_deref(),
            name: self.oidc_name.as_deref(),
            role_claim: self.oidc_role_claim.as_deref(),
            admin_group: self.oidc_admin_group.as_deref(),
            interviewer_group: self.oidc_interviewer_group.as_deref(),
        }
    }

    /// What `doctor` checks of sign-in.
    fn doctor_sign_in(&self) -> crate::doctor::SignIn {
        let public = self
            .public_url
            .as_deref()
            .and_then(|u| validate_public_url(u).ok())
            .unwrap_or_else(|| format!("http://{}", self.bind));
        crate::doctor::SignIn {
            oidc: crate::auth::oidc::setup::oidc_from_flags(self.oidc_flags()),
            password_login: self.password_login == "on",
            public_url: public,
        }
    }
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

#[derive(Debug, Subcommand)]
pub enum ContentCommand {
    /// Check files or folders; prints every error as file:line: message, exits 1 if any.
    Check {
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Print one parsed gauntlet.
    Show {
        file: PathBuf,
        /// Print JSON (the documented shape).
        #[arg(long)]
        json: bool,
    },
    /// Turn a gauntlet copied as page text (headings ending in ¶) into Markdown on stdout.
    Import { file: PathBuf },
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
        Command::Content(cmd) => return content_command(cmd),
        Command::Align(args) => return align_command(args),
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

type CliResult = Result<(), Box<dyn std::error::Error + Send + Sync>>;

async fn serve(cli: &Cli, args: &ServeArgs) -> CliResult {
    crate::config::raise_open_file_limit();
    let mut config = Config::new(args.bind);
    if let Some(n) = args.max_connections {
        config.max_connections = n.max(1);
    }
    config.metrics_token = args.metrics_token.clone().filter(|t| !t.is_empty());
    config.content_dir = args.content.clone();
    if let Some(url) = &args.public_url {
        config.public_url = validate_public_url(url)?;
    }
    config.throttle.per_ip_per_minute = args.login_per_minute;
    config.throttle.per_ip_per_hour = args.login_per_hour;
    config.throttle.signups_per_hour = args.signups_per_hour;
    config.trusted_proxies = args.trusted_proxies.clone();
    config.max_account_storage = args.max_account_storage_mb * crate::config::MB;
    config.mail.smtp_url = match args.smtp_url.as_deref().filter(|u| !u.is_empty()) {
        Some(u) => Some(crate::config::validate_smtp_url(u)?),
        None => None,
    };
    config.mail.from = args.mail_from.clone().filter(|u| !u.is_empty());
    if config.mail.smtp_url.is_some() && config.mail.from.is_none() {
        return Err("--mail-from (GAUNTLET_MAIL_FROM) is required with --smtp-url".into());
    }
    config.mail.webhook_url = match args.webhook_url.as_deref().filter(|u| !u.is_empty()) {
        Some(u) => Some(crate::config::validate_webhook_url(u)?),
        None => None,
    };
    config.mail.reminder_hours = args.reminder_hours;
    config.oidc = crate::auth::oidc::setup::oidc_from_flags(args.oidc_flags())?;
    config.password_login = args.password_login == "on";
    if !config.password_login && config.oidc.is_none() {
        return Err("--password-login off needs single sign-on (--oidc-issuer, --oidc-client-id and a client secret): nobody could sign in".into());
    }
    if let Some(oidc) = &config.oidc {
        // a malformed issuer or public URL stops the start, not the first sign-in
        crate::auth::oidc::Provider::new(oidc.clone(), config.link(crate::auth::oidc::CALLBACK))?;
    }
    if let Some(dir) = &config.content_dir
        && !dir.is_dir()
    {
        return Err(format!("content folder {} does not exist", dir.display()).into());
    }
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
    println!("created {role} {email} (id {id})");
    Ok(())
}

/// The new account's password: typed twice without echo at a terminal, otherwise the whole of
/// standard input (one trailing newline dropped), so `printf … | gauntlet user create` keeps
/// working in scripts.
fn read_new_password() -> Result<String, Box<dyn std::error::Error + Send + Sync>> {
    use std::io::IsTerminal;
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
    println!(
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
            println!("removed old backup {}", removed.display());
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
                println!(
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
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>(status?)
    }
    .await;
    let status = match status {
        Ok(s) => s,
        Err(e) => return fail(&e.to_string()),
    };
    if let Some(message) = status.downgrade_message(&shown) {
        return fail(&message);
    }
    println!(
        "{shown}: schema version {}, this release knows {}",
        status.current_or_zero(),
        status.latest
    );
    if status.pending.is_empty() {
        println!("no pending migrations");
        return ExitCode::SUCCESS;
    }
    for step in &status.pending {
        println!("pending {} {}", step.version, step.description);
    }
    println!(
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
        Ok::<_, Box<dyn std::error::Error + Send + Sync>>((user, removal))
    }
    .await;
    pool.close().await;
    let (user, r) = result?;
    println!(
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
    print!("{out}");
    if format == "json" {
        println!();
    }
    Ok(())
}

fn content_command(cmd: &ContentCommand) -> ExitCode {
    match cmd {
        ContentCommand::Check { paths } => {
            let report = content::check::check_paths(paths);
            for line in &report.lines {
                println!("{line}");
            }
            eprintln!("{}", report.summary());
            if !report.is_ok() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        ContentCommand::Show { file, json } => match load_gauntlet(file) {
            Ok(g) if *json => match serde_json::to_string_pretty(&g) {
                Ok(s) => {
                    println!("{s}");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(&e.to_string()),
            },
            Ok(g) => {
                println!(
                    "{} ({} rounds, version {})",
                    g.title,
                    g.rounds.len(),
                    g.version
                );
                for r in &g.rounds {
                    println!("  Round {}: {} — {}", r.number, r.name, r.prompt);
                }
                ExitCode::SUCCESS
            }
            Err(lines) => {
                for l in lines {
                    println!("{l}");
                }
                ExitCode::FAILURE
            }
        },
        ContentCommand::Import { file } => {
            let text = match std::fs::read_to_string(file) {
                Ok(t) => t,
                Err(e) => return fail(&format!("{}: {e}", file.display())),
            };
            match content::import::import_page_text(&text) {
                Ok(md) => {
                    print!("{md}");
                    ExitCode::SUCCESS
                }
                Err(errors) => {
                    let shown = file.display().to_string();
                    for e in errors {
                        println!("{}", e.display_in(&shown));
                    }
                    ExitCode::FAILURE
                }
            }
        }
    }
}

fn align_eval(file: &Path) -> ExitCode {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => return fail(&format!("{}: {e}", file.display())),
    };
    let answers = match crate::align::quality::parse_jsonl(&text) {
        Ok(a) => a,
        Err(e) => return fail(&format!("{}: {e}", file.display())),
    };
    let library = content::library::Library::load(crate::builtin::BUILTIN, None);
    let gauntlets: Vec<content::Gauntlet> = library
        .iter()
        .map(|e| e.gauntlet.as_ref().clone())
        .collect();
    let stats = crate::align::LibraryStats::from_gauntlets(&gauntlets);
    let report = crate::align::quality::evaluate_dev(&gauntlets, &answers, &stats);
    print!("{report}");
    ExitCode::SUCCESS
}

fn align_command(args: &AlignArgs) -> ExitCode {
    if let Some(AlignCommand::Eval { file }) = &args.command {
        return align_eval(file);
    }
    let (Some(gauntlet), Some(round_number), Some(answer_file)) =
        (&args.gauntlet, args.round, &args.answer)
    else {
        return fail("align needs --gauntlet, --round and --answer (or: align eval FILE)");
    };
    let g = match load_gauntlet(gauntlet) {
        Ok(g) => g,
        Err(lines) => {
            for l in lines {
                eprintln!("{l}");
            }
            return ExitCode::FAILURE;
        }
    };
    let Some(round) = g.rounds.iter().find(|r| r.number == round_number) else {
        let have: Vec<String> = g.rounds.iter().map(|r| r.number.to_string()).collect();
        return fail(&format!(
            "{} has no round {}; it has rounds {}",
            gauntlet.display(),
            round_number,
            have.join(", ")
        ));
    };
    let mut answer = String::new();
    let read = if answer_file.as_os_str() == "-" {
        std::io::stdin().read_to_string(&mut answer).map(|_| ())
    } else {
        std::fs::read_to_string(answer_file).map(|t| answer = t)
    };
    if let Err(e) = read {
        return fail(&format!("{}: {e}", answer_file.display()));
    }
    // the term weights a pinned version of this file gets on the server: the built-ins
    // plus this file
    let stats = crate::content_store::pinned_stats(&g);
    let report = crate::align::align_round(round, &answer, &stats);
    match serde_json::to_string_pretty(&report) {
        Ok(s) => {
            println!("{s}");
            ExitCode::SUCCESS
        }
        Err(e) => fail(&e.to_string()),
    }
}

/// Parses one gauntlet file, or returns its `file:line: message` errors.
pub fn load_gauntlet(file: &Path) -> Result<content::Gauntlet, Vec<String>> {
    let shown = file.display().to_string();
    let source = std::fs::read_to_string(file).map_err(|e| vec![format!("{shown}:1: {e}")])?;
    content::parse::parse_gauntlet(&shown, &source)
        .map_err(|errs| errs.iter().map(|e| e.display_in(&shown)).collect())
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
