//! The command-line layer: the ONLY code that touches files, the environment,
//! stdout/stderr and exit codes (design.md section 1). Each command lives in its
//! own file and returns an [`ExitStatus`].

mod analyze;
mod args;
mod catalog;
mod check;
mod config;
mod diff;
mod exit;
mod files;
mod fit;
mod import;
mod init;
pub(crate) mod load;
mod output;
mod probe;
mod proctree;
mod report;
mod rule;
mod schema;
mod server;
mod verify;
pub(crate) mod walk;

use args::{Cli, Command};
use clap::Parser;
pub use exit::ExitStatus;

pub fn main() -> std::process::ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap prints help/version to stdout (exit 0) and usage errors to
            // stderr; usage errors are the tool failing: exit 2.
            let _ = e.print();
            return if e.use_stderr() {
                ExitStatus::Failure.into()
            } else {
                ExitStatus::Success.into()
            };
        }
    };
    let status = match cli.command {
        Command::Check(a) => check::run(a),
        Command::Report(a) => report::run(a),
        Command::Diff(a) => diff::run(a),
        Command::Schema => schema::run(),
        Command::Catalog(a) => catalog::run(a),
        Command::Verify(a) => verify::run(a),
        Command::Rule(a) => rule::run(a),
        Command::Import(a) => import::run(a),
        Command::Fit(a) => fit::run(a),
        Command::Server(a) => server::run(a),
        Command::Init(a) => init::run(a),
    };
    match status {
        Ok(s) => s.into(),
        Err(e) => {
            eprintln!("memmath: error: {e:#}");
            ExitStatus::Failure.into()
        }
    }
}
