//! `web`: the command-line entry point (see `web::cli`).

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = web::cli::WebArgs::parse();
    match web::cli::run(&args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
