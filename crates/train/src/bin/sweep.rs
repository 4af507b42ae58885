//! `sweep`: the command-line entry point (see `mnist_train::sweep_cli`).

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = mnist_train::sweep_cli::SweepArgs::parse();
    match mnist_train::sweep_cli::run(&args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
