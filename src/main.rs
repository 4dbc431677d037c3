//! The `memmath` binary: dispatch only; see `cli/`.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
