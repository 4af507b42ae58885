//! `report`: the command-line entry point (see `mnist_train::report_cli`).

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = mnist_train::report_cli::ReportArgs::parse();
    mnist_train::cli::finish(mnist_train::report_cli::run(&args))
}
