//! The `eval` command line: a saved model's loss, accuracy, per-class accuracy and confusion
//! matrix on the 10,000 test images, or (`--images DIR`) on a labelled folder of image files
//! read exactly as `infer` reads them.

use std::path::PathBuf;

use anyhow::Context;
use clap::Parser;
use mnist_data::{DatasetKind, MnistData};

use crate::data_source::load_data;

use crate::cli::DataArgs;
use crate::evaluate::{evaluate, odd_shapes};
use mnist_runs::config::RunConfig;

/// Evaluate a trained model (a run folder) on the test images, or on a folder of labelled
/// image files.
#[derive(Debug, Parser)]
#[command(name = "eval", bin_name = "eval", version)]
pub struct EvalArgs {
    /// The run folder holding model.json and model.bpk, e.g. artifacts/sgd; default: the
    /// shipped model.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Score a folder of image files through infer's own path instead of the test set; labels
    /// come from its labels.csv (file,label[,source]) or from file names starting with the digit.
    #[arg(long, conflicts_with_all = ["dataset", "data_dir"])]
    pub images: Option<PathBuf>,
    /// mnist or fashion-mnist; default: the data set the run was trained on.
    #[arg(long)]
    pub dataset: Option<String>,
    #[command(flatten)]
    pub data: DataArgs,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also report the answers `infer` would mark "not sure" at this probability, and the
    /// accuracy of the others.
    #[arg(long, default_value_t = infer::DEFAULT_MIN_CONFIDENCE, value_parser = infer::cli::probability)]
    pub min_confidence: f32,
    /// Evaluate the weights checkpointed after epoch N instead of the final model (an
    /// interrupted run has only these).
    #[arg(long, value_name = "N")]
    pub checkpoint: Option<usize>,
}

fn parse_dataset(name: &str) -> anyhow::Result<DatasetKind> {
    match name {
        "mnist" => Ok(DatasetKind::Mnist),
        "fashion-mnist" => Ok(DatasetKind::FashionMnist),
        other => anyhow::bail!("unknown dataset {other:?}; choose mnist or fashion-mnist"),
    }
}

/// A trained run folder with its model loaded and the data set it was trained on.
pub struct LoadedRun {
    pub model: mnist_model::Mlp,
    pub kind: DatasetKind,
    pub data: MnistData,
    pub device: burn::tensor::Device,
}

/// Loads the model of `dir` and the test data it belongs to (`dataset` overrides the run's own).
pub fn load_run(
    dir: &std::path::Path,
    checkpoint: Option<usize>,
    dataset: Option<&str>,
    flags: &DataArgs,
) -> anyhow::Result<LoadedRun> {
    let device = flags.device()?;
    let (model, _) = mnist_model::load_weights(dir, checkpoint, &device)?;
    // The run's own config says what it was trained on, when the folder has one.
    let run_config = dir.join("config.toml");
    let run_config = if run_config.is_file() {
        Some(RunConfig::load(&run_config)?)
    } else {
        None
    };
    let kind = match dataset {
        Some(name) => parse_dataset(name)?,
        None => run_config
            .as_ref()
            .map_or(DatasetKind::Mnist, |c| c.data.dataset),
    };
    let config_dir = run_config.as_ref().and_then(|c| c.data.dir.clone());
    let (_, data) = load_data(flags.data_dir.as_deref(), config_dir.as_deref(), kind)?;
    Ok(LoadedRun {
        model,
        kind,
        data,
        device,
    })
}

pub fn run(args: &EvalArgs) -> anyhow::Result<()> {
    let model = args.model.clone().unwrap_or_else(infer::shipped_model_dir);
    match &args.images {
        Some(images) => run_images(args, &model, images),
        None => run_test_set(args, &model),
    }
}

fn run_test_set(args: &EvalArgs, model: &std::path::Path) -> anyhow::Result<()> {
    let run = load_run(model, args.checkpoint, args.dataset.as_deref(), &args.data)?;
    let kind = run.kind;
    let eval = evaluate(&run.model, &run.data.test, &run.device)
        .with_context(|| format!("evaluating {}", model.display()))?;
    let sure = eval.sure(args.min_confidence, &odd_shapes(&run.data.test, kind));
    if args.json {
        let json = serde_json::json!({
            "model": model.display().to_string(),
            "dataset": kind.dir_name(),
            "images": eval.images,
            "accuracy": eval.accuracy,
            "loss": eval.loss,
            "class_names": kind.class_names(),
            "class_accuracy": eval.class_accuracy(),
            "confusion": eval.confusion,
            "unsure": sure,
        });
        println!("{json}");
    } else {
        println!(
            "{}: {} test images of {}\naccuracy {:.2}%  loss {:.4}\n{}\n\n{}",
            model.display(),
            eval.images,
            kind.dir_name(),
            eval.accuracy,
            eval.loss,
            sure.line(),
            eval.confusion_table(&kind.class_names())
        );
    }
    Ok(())
}

fn run_images(
    args: &EvalArgs,
    model: &std::path::Path,
    dir: &std::path::Path,
) -> anyhow::Result<()> {
    let device = args.data.device()?;
    let classifier = infer::Classifier::load_checkpoint(model, args.checkpoint, &device)?;
    let images = infer::score::labelled_images(dir)?;
    let card = infer::score::score(&classifier, &images)
        .with_context(|| format!("scoring {}", dir.display()))?;
    if args.json {
        let mut json = card.to_json(args.min_confidence);
        json["model"] = model.display().to_string().into();
        json["images_dir"] = dir.display().to_string().into();
        println!("{json}");
    } else {
        println!("{}", images_report(model, dir, &card, args.min_confidence));
    }
    Ok(())
}

/// The text report of a scored folder: overall, per source, confusion, misread files.
fn images_report(
    model: &std::path::Path,
    dir: &std::path::Path,
    card: &infer::score::Scorecard,
    min_confidence: f32,
) -> String {
    let overall = card.overall();
    let mut out = format!(
        "{}: {} of {} images in {} read right: {:.1}%\n",
        model.display(),
        overall.correct,
        overall.images,
        dir.display(),
        overall.accuracy()
    );
    out.push_str(&card.sure(min_confidence).line());
    out.push('\n');
    for (source, tally) in card.by_source() {
        out.push_str(&format!(
            "  {source:<14} {:>5.1}%  ({}/{})\n",
            tally.accuracy(),
            tally.correct,
            tally.images
        ));
    }
    out.push_str("\nconfusion (rows: the label, columns: the digit read)\n     ");
    out.push_str(&(0..10).map(|d| format!("{d:>5}")).collect::<String>());
    for (label, row) in card.confusion().iter().enumerate() {
        out.push_str(&format!("\n{label:>5}"));
        out.push_str(&row.iter().map(|n| format!("{n:>5}")).collect::<String>());
    }
    let misread: Vec<_> = card.misread().collect();
    out.push_str(&format!("\n\nmisread ({}):", misread.len()));
    for s in misread {
        match (&s.digit, &s.error) {
            (Some(d), _) => out.push_str(&format!(
                "\n  {}: {} read as {} ({:.1}%)",
                s.file,
                s.label,
                d,
                100.0 * s.confidence
            )),
            (None, error) => out.push_str(&format!(
                "\n  {}: {} not read: {}",
                s.file,
                s.label,
                error.as_deref().unwrap_or("no answer")
            )),
        }
    }
    out
}
