//! `infer`: the command-line entry point (see `infer::cli`).

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = infer::cli::InferArgs::parse();
    match infer::cli::run(&args) {
        Ok(true) => std::process::ExitCode::SUCCESS,
        Ok(false) => std::process::ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
