//! Pictures of a run, drawn with plotters into PNG files: learning curves, a grid of test
//! predictions, the confusion matrix, the first layer's weights, and a `report.md` tying them
//! together. It takes plain numbers: it knows nothing of Burn, data files or training.
//!
//! Text is drawn with DejaVu Sans Mono, embedded in the binary (`assets/`, free licence in
//! `assets/DejaVu-LICENSE.txt`), so rendering needs no installed font.

mod canvas;
mod confusion;
mod curves;
mod draw;
mod grid;
mod markdown;
mod weights;

use std::path::{Path, PathBuf};

pub use draw::ReportError;

/// One epoch of `metrics.csv`. Accuracies in percent; NaN where there was nothing to measure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochPoint {
    pub epoch: usize,
    pub train_loss: f64,
    pub train_accuracy: f64,
    pub valid_loss: f64,
    pub valid_accuracy: f64,
}

/// One test image with its label and the model's prediction.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    pub pixels: [u8; 784],
    pub label: usize,
    pub predicted: usize,
}

/// Everything a report shows.
#[derive(Debug, Clone)]
pub struct ReportInput {
    pub run: String,
    pub class_names: Vec<String>,
    pub curves: Vec<EpochPoint>,
    /// The label smoothing of the training loss (0: none): the curves say that the training
    /// loss is then higher than the plain validation loss by design.
    pub label_smoothing: f64,
    /// `confusion[label][predicted]`.
    pub confusion: Vec<Vec<usize>>,
    /// Test samples to show; misclassified ones are put first.
    pub samples: Vec<Sample>,
    /// First layer weights, `[784][units]` row-major (input-major, as Burn stores them).
    pub first_layer: Vec<f32>,
    pub units: usize,
    /// `(name, value)` rows for the summary table of `report.md`.
    pub facts: Vec<(String, String)>,
}

/// The files a report consists of, in the order `report.md` shows them.
pub const FILES: [&str; 4] = [
    "curves.png",
    "predictions.png",
    "confusion.png",
    "weights.png",
];

/// The page that shows the pictures.
pub const REPORT_FILE: &str = "report.md";

/// Writes the four pictures and `report.md` into `dir`; returns the paths written.
pub fn write_report(dir: &Path, input: &ReportInput) -> Result<Vec<PathBuf>, ReportError> {
    let paths: Vec<PathBuf> = FILES.iter().map(|f| dir.join(f)).collect();
    curves::draw(&paths[0], &input.run, &input.curves, input.label_smoothing)?;
    grid::draw(&paths[1], &input.samples, &input.class_names)?;
    confusion::draw(&paths[2], &input.confusion, &input.class_names)?;
    weights::draw(&paths[3], &input.first_layer, input.units)?;
    let md = dir.join(REPORT_FILE);
    markdown::write(&md, input)?;
    let mut all = paths;
    all.push(md);
    Ok(all)
}

/// Draws only `curves.png` into `dir` (for a run that has no model to test yet: an interrupted
/// one); returns its path.
pub fn write_curves(
    dir: &Path,
    run: &str,
    curves: &[EpochPoint],
    label_smoothing: f64,
) -> Result<PathBuf, ReportError> {
    let path = dir.join(FILES[0]);
    curves::draw(&path, run, curves, label_smoothing)?;
    Ok(path)
}
