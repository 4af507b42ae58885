//! The `report` command line: (re)draw a finished run's pictures and `report.md`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;

use crate::cli::DataArgs;
use crate::eval_cli::load_run;
use crate::evaluate::evaluate;
use crate::report::{write_run_curves, write_run_report};
use mnist_runs::metrics_log::MetricsLog;
use mnist_runs::run_dir::RunDir;
use mnist_runs::summary::RunSummary;

/// Draw curves.png, predictions.png, confusion.png, weights.png and report.md for a run (for
/// an interrupted run, curves.png from what its metrics.csv holds).
#[derive(Debug, Parser)]
#[command(name = "report", bin_name = "report", version)]
pub struct ReportArgs {
    /// The run folder, e.g. artifacts/sgd (`--run` is the same flag); default: the shipped
    /// model.
    #[arg(long, alias = "run")]
    pub model: Option<PathBuf>,
    #[command(flatten)]
    pub data: DataArgs,
}

pub fn run(args: &ReportArgs) -> anyhow::Result<()> {
    let folder = args.model.clone().unwrap_or_else(infer::shipped_model_dir);
    let dir = RunDir {
        path: folder.clone(),
    };
    if !dir.metrics().is_file() {
        anyhow::bail!(
            "{} is not a run folder: it has no {}",
            folder.display(),
            dir.metrics().display()
        );
    }
    let rows = MetricsLog::resume(&dir.metrics(), usize::MAX)?
        .rows()
        .to_vec();
    if !dir.summary().is_file() {
        let name = folder.file_name().map_or_else(
            || folder.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let path = write_run_curves(&dir, &name, &rows)?;
        println!("wrote {}", path.display());
        println!(
            "{} did not finish ({} epochs in its metrics.csv): only the curves are drawn; the \
             other pictures need its final model (train again with --resume)",
            folder.display(),
            rows.len()
        );
        return Ok(());
    }
    let summary = RunSummary::load(&dir.summary())
        .with_context(|| format!("{} is not a finished run", folder.display()))?;
    let run = load_run(&folder, None, None, &args.data)?;
    let eval = evaluate(&run.model, &run.data.test, &run.device)?;
    let test = &run.data.test;
    for path in write_run_report(&dir, &run.model, test, run.kind, &eval, &rows, &summary)? {
        println!("wrote {}", path.display());
    }
    Ok(())
}
