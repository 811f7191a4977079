//! The commands that read gauntlet files and no database: `content check|show|import` and
//! `align` (one answer's report, or `align eval` over a labelled dev set).

use std::{
    io::Read,
    path::{Path, PathBuf},
    process::ExitCode,
};

use clap::{Args, Subcommand};

use super::fail;
use crate::content;

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

/// `content check|show|import`.
pub(super) fn content_command(cmd: &ContentCommand) -> ExitCode {
    match cmd {
        ContentCommand::Check { paths } => {
            let report = content::check::check_paths(paths);
            for line in &report.lines {
                out!("{line}");
            }
            eprintln!("{}", report.summary());
            if !report.is_ok() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        ContentCommand::Show { file, json } => show(file, *json),
        ContentCommand::Import { file } => import(file),
    }
}

/// `content show FILE [--json]`: the parsed gauntlet as JSON or as a short outline.
fn show(file: &Path, json: bool) -> ExitCode {
    match load_gauntlet(file) {
        Ok(g) if json => match serde_json::to_string_pretty(&g) {
            Ok(s) => {
                out!("{s}");
                ExitCode::SUCCESS
            }
            Err(e) => fail(&e.to_string()),
        },
        Ok(g) => {
            out!(
                "{} ({} rounds, version {})",
                g.title,
                g.rounds.len(),
                g.version
            );
            for r in &g.rounds {
                out!("  Round {}: {} — {}", r.number, r.name, r.prompt);
            }
            ExitCode::SUCCESS
        }
        Err(lines) => {
            for l in lines {
                out!("{l}");
            }
            ExitCode::FAILURE
        }
    }
}

/// `content import FILE`: page text turned into Markdown on standard output.
fn import(file: &Path) -> ExitCode {
    let text = match std::fs::read_to_string(file) {
        Ok(t) => t,
        Err(e) => return fail(&format!("{}: {e}", file.display())),
    };
    match content::import::import_page_text(&text) {
        Ok(md) => {
            out!("{}", md.trim_end_matches('\n'));
            ExitCode::SUCCESS
        }
        Err(errors) => {
            let shown = file.display().to_string();
            for e in errors {
                out!("{}", e.display_in(&shown));
            }
            ExitCode::FAILURE
        }
    }
}

/// `align eval FILE`: the engine's quality numbers on a labelled dev set.
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
    out!("{}", report.to_string().trim_end_matches('\n'));
    ExitCode::SUCCESS
}

/// `align --gauntlet F --round N --answer A`: one answer's alignment report as JSON.
pub(super) fn align_command(args: &AlignArgs) -> ExitCode {
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
            out!("{s}");
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
