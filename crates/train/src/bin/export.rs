//! `export`: the command-line entry point (see `mnist_train::inspect_cli`).

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = mnist_train::inspect_cli::ExportArgs::parse();
    match mnist_train::inspect_cli::export(&args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
