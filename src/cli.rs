//! The command line: `serve`, `user create`, `content check|show|import` and `align`. Every
//! option can also be set through a `GAUNTLET_*` environment variable.

use std::{
    io::Read,
    net::SocketAddr,
    path::{Path, PathBuf},
    process::ExitCode,
};

use clap::{Args, Parser, Subcommand};

use crate::{
    auth::{Role, password},
    config::{Config, validate_public_url},
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
    /// Write a consistent copy of the database to PATH while the site keeps serving.
    Backup {
        /// The new backup file (must not exist yet).
        path: PathBuf,
    },
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
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account; the password is read from standard input.
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
        Command::Export { format } => export(&cli, format).await,
        Command::Backup { path } => backup(&cli, path).await,
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
    let mut config = Config::new(args.bind);
    config.content_dir = args.content.clone();
    if let Some(url) = &args.public_url {
        config.public_url = validate_public_url(url)?;
    }
    config.throttle.per_ip_per_minute = args.login_per_minute;
    config.throttle.per_ip_per_hour = args.login_per_hour;
    if let Some(dir) = &config.content_dir
        && !dir.is_dir()
    {
        return Err(format!("content folder {} does not exist", dir.display()).into());
    }
    let running = server::start(config, cli.database()).await?;
    server::shutdown_signal().await;
    running.shutdown().await;
    Ok(())
}

async fn create_user(cli: &Cli, email: &str, role: Role, name: Option<&str>) -> CliResult {
    let mut password = String::new();
    std::io::stdin().read_to_string(&mut password)?;
    let password = password.strip_suffix('\n').unwrap_or(&password);
    let password = password.strip_suffix('\r').unwrap_or(password).to_string();
    let email = db::users::normalise_email(email);
    let name = name
        .map(str::to_string)
        .unwrap_or_else(|| email.split('@').next().unwrap_or("user").to_string());
    if let Some(problem) =
        crate::web::account::validate_registration(&email, &name, &password, &password)
    {
        return Err(problem.into());
    }
    let choice = cli.database();
    let pool = db::open(&choice.path, choice.create).await?;
    let hash = password::Passwords::new().hash(password).await?;
    let new = db::users::NewUser {
        email: &email,
        display_name: &name,
        password_hash: &hash,
        role,
    };
    let mut tx = db::begin_write(&pool).await?;
    let id = match db::users::insert(&mut *tx, &new).await {
        Ok(id) => id,
        Err(e) if db::is_unique_violation(&e) => {
            return Err(format!("an account with email {email} already exists").into());
        }
        Err(e) => return Err(e.into()),
    };
    tx.commit().await?;
    pool.close().await;
    println!("created {role} {email} (id {id})");
    Ok(())
}

async fn backup(cli: &Cli, path: &Path) -> CliResult {
    let choice = cli.database();
    // a backup never creates the database it copies
    let pool = db::open(&choice.path, db::Create::Never).await?;
    let report = db::backup::backup(&pool, path).await;
    pool.close().await;
    let report = report?;
    println!(
        "backed up {} to {} ({} bytes, {} users, {} attempts; integrity ok)",
        choice.path.display(),
        report.path.display(),
        report.bytes,
        report.users,
        report.attempts
    );
    Ok(())
}

async fn export(cli: &Cli, format: &str) -> CliResult {
    let choice = cli.database();
    let pool = db::open(&choice.path, choice.create).await?;
    let rows = db::reviews::export_rows(&pool).await?;
    pool.close().await;
    let out = if format == "json" {
        crate::export::to_json(&rows)
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
    let stats = crate::library::pinned_stats(&g);
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
