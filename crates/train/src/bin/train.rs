//! `train`: the command-line entry point (see `mnist_train::cli`).

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = mnist_train::cli::TrainArgs::parse();
    match mnist_train::cli::run(&args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
