//! `eval`: the command-line entry point (see `mnist_train::eval_cli`).

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = mnist_train::eval_cli::EvalArgs::parse();
    mnist_train::cli::finish(mnist_train::eval_cli::run(&args))
}
