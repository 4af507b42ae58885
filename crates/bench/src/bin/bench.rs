//! `bench`: the command-line entry point (see `mnist_bench`).

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = mnist_bench::BenchArgs::parse();
    match mnist_bench::run(&args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
