//! `train`: the command-line entry point (see `mnist_train::cli`).

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = mnist_train::cli::TrainArgs::parse();
    mnist_train::cli::finish(mnist_train::cli::run(&args))
}
