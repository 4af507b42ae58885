//! The `runs` command line: the run folders of an artifacts folder as a table, or two runs side
//! by side (`--compare A B`): recipe, figures and the validation accuracy of every epoch.

use std::path::PathBuf;

use clap::Parser;

use mnist_runs::listing::{list_runs, run_detail, RunDetail, RunInfo};

/// List the runs in an artifacts folder, or compare two of them.
#[derive(Debug, Parser)]
#[command(name = "runs", bin_name = "runs", version)]
pub struct RunsArgs {
    /// The folder holding run folders.
    #[arg(long, default_value = mnist_model::ARTIFACTS_DIR)]
    pub artifacts_dir: PathBuf,
    /// Two run names to put side by side.
    #[arg(long, num_args = 2, value_names = ["A", "B"])]
    pub compare: Option<Vec<String>>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &RunsArgs) -> anyhow::Result<()> {
    match &args.compare {
        Some(names) => compare(args, names),
        None => list(args),
    }
}

fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "-".to_string(), |v| format!("{v:.2}%"))
}

fn list(args: &RunsArgs) -> anyhow::Result<()> {
    let runs = list_runs(&args.artifacts_dir)?;
    if args.json {
        println!("{}", serde_json::to_string(&runs)?);
        return Ok(());
    }
    if runs.is_empty() {
        println!(
            "no runs in {} (train one with `cargo xtask train --config configs/sgd.toml`)",
            args.artifacts_dir.display()
        );
        return Ok(());
    }
    println!(
        "{:<24} {:<9} {:<14} {:>7} {:>11} {:>9} {:>8}  recipe",
        "run", "status", "data set", "epochs", "best valid", "test", "time"
    );
    for r in &runs {
        println!("{}", row(r));
    }
    Ok(())
}

fn row(r: &RunInfo) -> String {
    format!(
        "{:<24} {:<9} {:<14} {:>7} {:>11} {:>9} {:>7.1}s  {}",
        r.name,
        format!("{:?}", r.status).to_lowercase(),
        r.dataset,
        format!("{}/{}", r.epochs_completed, r.epochs_planned),
        percent(r.best_valid_accuracy),
        percent(r.test_accuracy),
        r.seconds,
        r.recipe
    )
}

fn compare(args: &RunsArgs, names: &[String]) -> anyhow::Result<()> {
    let details: Vec<RunDetail> = names
        .iter()
        .map(|name| run_detail(&args.artifacts_dir, name))
        .collect::<Result<_, _>>()?;
    if args.json {
        println!("{}", serde_json::to_string(&details)?);
        return Ok(());
    }
    let [a, b] = [&details[0], &details[1]];
    let line = |label: &str, x: String, y: String| println!("{label:<22} {x:<40} {y}");
    line("", a.info.name.clone(), b.info.name.clone());
    line("recipe", a.info.recipe.clone(), b.info.recipe.clone());
    line("data set", a.info.dataset.clone(), b.info.dataset.clone());
    let status = |d: &RunDetail| format!("{:?}", d.info.status).to_lowercase();
    line("status", status(a), status(b));
    let epochs = |d: &RunDetail| format!("{}/{}", d.info.epochs_completed, d.info.epochs_planned);
    line("epochs", epochs(a), epochs(b));
    line(
        "best validation",
        percent(a.info.best_valid_accuracy),
        percent(b.info.best_valid_accuracy),
    );
    line(
        "test accuracy",
        percent(a.info.test_accuracy),
        percent(b.info.test_accuracy),
    );
    let time = |d: &RunDetail| format!("{:.1} s", d.info.seconds);
    line("training time", time(a), time(b));
    println!("\nvalidation accuracy per epoch");
    let longest = a.epochs.len().max(b.epochs.len());
    for i in 0..longest {
        let at = |d: &RunDetail| percent(d.epochs.get(i).and_then(|e| e.valid_accuracy));
        line(&format!("  epoch {}", i + 1), at(a), at(b));
    }
    Ok(())
}
