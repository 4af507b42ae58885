//! `inspect`: the command-line entry point (see `mnist_train::inspect_cli`).

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = mnist_train::inspect_cli::InspectArgs::parse();
    mnist_train::cli::finish(mnist_train::inspect_cli::inspect(&args))
}
