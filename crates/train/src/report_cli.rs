//! The `report` command line: (re)draw a finished run's pictures and `report.md`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;

use crate::artifacts::RunDir;
use crate::cli::DataArgs;
use crate::eval_cli::load_run;
use crate::evaluate::evaluate;
use crate::metrics_log::MetricsLog;
use crate::report::write_run_report;
use crate::summary::RunSummary;

/// Draw curves.png, predictions.png, confusion.png, weights.png and report.md for a run.
#[derive(Debug, Parser)]
#[command(name = "report", version)]
pub struct ReportArgs {
    /// The run folder, e.g. artifacts/sgd.
    #[arg(long)]
    pub run: PathBuf,
    #[command(flatten)]
    pub data: DataArgs,
}

pub fn run(args: &ReportArgs) -> anyhow::Result<()> {
    let dir = RunDir {
        path: args.run.clone(),
    };
    let summary = RunSummary::load(&dir.summary())
        .with_context(|| format!("{} is not a finished run", args.run.display()))?;
    let rows = MetricsLog::resume(&dir.metrics(), usize::MAX)?
        .rows()
        .to_vec();
    let run = load_run(&args.run, None, &args.data)?;
    let eval = evaluate(&run.model, &run.data.test, &run.device)?;
    let test = &run.data.test;
    for path in write_run_report(&dir, &run.model, test, run.kind, &eval, &rows, &summary)? {
        println!("wrote {}", path.display());
    }
    Ok(())
}
