//! Gathers a run's figures (metrics, test evaluation, test digits, first-layer weights) and
//! hands them to `mnist-report` to draw the run's pictures and `report.md`.

use std::path::PathBuf;

use mnist_data::{DatasetKind, Split, IMAGE_PIXELS};
use mnist_model::Mlp;
use mnist_report::{write_report, EpochPoint, ReportInput, Sample};

use crate::error::TrainError;
use crate::evaluate::Evaluation;
use mnist_runs::metrics_log::EpochRow;
use mnist_runs::run_dir::RunDir;
use mnist_runs::summary::RunSummary;

/// How many test digits the predictions grid shows (misclassified first).
const SAMPLES: usize = 36;

/// Draws the report of a finished run into its folder; returns the files written.
pub fn write_run_report(
    run_dir: &RunDir,
    model: &Mlp,
    test: &Split,
    kind: DatasetKind,
    eval: &Evaluation,
    rows: &[EpochRow],
    summary: &RunSummary,
) -> Result<Vec<PathBuf>, TrainError> {
    let first = model
        .layers()
        .first()
        .ok_or_else(|| TrainError::Training("the model has no layer".into()))?;
    let [inputs, units] = first.weight.dims();
    let first_layer = first
        .weight
        .val()
        .into_data()
        .try_into_vec_as::<f32>()
        .map_err(|e| TrainError::Training(format!("cannot read the weights: {e:?}")))?;
    // Misclassified digits first, then correct ones, each in test-set order.
    let wrong =
        (0..test.len()).filter(|&i| usize::from(eval.predictions[i]) != usize::from(test.label(i)));
    let right =
        (0..test.len()).filter(|&i| usize::from(eval.predictions[i]) == usize::from(test.label(i)));
    let samples = wrong
        .take(SAMPLES / 2)
        .chain(right.take(SAMPLES))
        .take(SAMPLES)
        .map(|i| {
            let mut pixels = [0u8; IMAGE_PIXELS];
            pixels.copy_from_slice(test.image(i));
            Sample {
                pixels,
                label: usize::from(test.label(i)),
                predicted: usize::from(eval.predictions[i]),
            }
        })
        .collect();
    let facts = vec![
        ("data set".to_string(), summary.dataset.clone()),
        (
            "test accuracy".to_string(),
            format!(
                "{:.2}% on {} images",
                summary.test_accuracy, summary.test_images
            ),
        ),
        ("test loss".to_string(), format!("{:.4}", summary.test_loss)),
        (
            "epochs".to_string(),
            format!("{} of {}", summary.epochs_completed, summary.epochs_planned),
        ),
        (
            "training time".to_string(),
            format!("{:.1} s", summary.seconds),
        ),
        ("parameters".to_string(), summary.params.to_string()),
        (
            "first layer".to_string(),
            format!("{inputs} inputs x {units} units"),
        ),
        (
            "backend / seed".to_string(),
            format!("{} / {}", summary.backend, summary.seed),
        ),
    ];
    let input = ReportInput {
        run: summary.run.clone(),
        class_names: kind.class_names().iter().map(|s| s.to_string()).collect(),
        curves: curve_points(rows),
        label_smoothing: label_smoothing(run_dir),
        confusion: eval.confusion.iter().map(|r| r.to_vec()).collect(),
        samples,
        first_layer,
        units,
        facts,
    };
    write_report(&run_dir.path, &input).map_err(|e| TrainError::Save {
        path: run_dir.path.clone(),
        message: e.to_string(),
    })
}

/// The run's label smoothing, from its saved config (0 when it cannot be read: the curves
/// then carry no note).
fn label_smoothing(run_dir: &RunDir) -> f64 {
    mnist_runs::config::RunConfig::load(&run_dir.config()).map_or(0.0, |c| c.train.label_smoothing)
}

/// The epochs of `metrics.csv` as the report's curve points.
fn curve_points(rows: &[EpochRow]) -> Vec<EpochPoint> {
    rows.iter()
        .map(|r| EpochPoint {
            epoch: r.epoch,
            train_loss: r.train_loss,
            train_accuracy: r.train_accuracy,
            valid_loss: r.valid_loss,
            valid_accuracy: r.valid_accuracy,
        })
        .collect()
}

/// Draws the learning curves of a run that has no final model (an interrupted one) from what
/// its `metrics.csv` holds; returns the file written.
pub fn write_run_curves(
    run_dir: &RunDir,
    name: &str,
    rows: &[EpochRow],
) -> Result<PathBuf, TrainError> {
    let smoothing = label_smoothing(run_dir);
    mnist_report::write_curves(&run_dir.path, name, &curve_points(rows), smoothing).map_err(|e| {
        TrainError::Save {
            path: run_dir.path.clone(),
            message: e.to_string(),
        }
    })
}
