//! `runs`: the command-line entry point (see `mnist_train::runs_cli`).

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = mnist_train::runs_cli::RunsArgs::parse();
    mnist_train::cli::finish(mnist_train::runs_cli::run(&args))
}
