//! `sweep`: the command-line entry point (see `mnist_train::sweep_cli`).

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = mnist_train::sweep_cli::SweepArgs::parse();
    mnist_train::cli::finish(mnist_train::sweep_cli::run(&args))
}
