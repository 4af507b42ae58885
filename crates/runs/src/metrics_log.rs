//! The per-epoch record of a run: rows of `metrics.csv`, read back on resume, written atomically.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::error::RunsError;
use crate::run_dir::write_atomic;

/// The header of `metrics.csv`.
pub const CSV_HEADER: &str = "epoch,train_loss,train_accuracy,valid_loss,valid_accuracy,lr,seconds";

/// One epoch's figures. Accuracies are percentages; a figure Burn did not report is NaN.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EpochRow {
    pub epoch: usize,
    pub train_loss: f64,
    pub train_accuracy: f64,
    pub valid_loss: f64,
    pub valid_accuracy: f64,
    pub lr: f64,
    pub seconds: f64,
}

impl EpochRow {
    pub fn empty(epoch: usize) -> Self {
        EpochRow {
            epoch,
            train_loss: f64::NAN,
            train_accuracy: f64::NAN,
            valid_loss: f64::NAN,
            valid_accuracy: f64::NAN,
            lr: f64::NAN,
            seconds: f64::NAN,
        }
    }

    /// The one line printed per epoch when stdout is not a terminal.
    pub fn line(&self, total_epochs: usize) -> String {
        // Without validation images (validation_split = 0) there is nothing to show there.
        let valid = if self.valid_loss.is_nan() {
            "valid -".to_string()
        } else {
            format!(
                "valid loss {:.4} acc {:6.2}%",
                self.valid_loss, self.valid_accuracy
            )
        };
        format!(
            "epoch {:>w$}/{total_epochs}  train loss {:.4} acc {:6.2}%  {valid}  lr {:.2e}  {:.1}s",
            self.epoch,
            self.train_loss,
            self.train_accuracy,
            self.lr,
            self.seconds,
            w = total_epochs.to_string().len(),
        )
    }

    fn csv(&self) -> String {
        format!(
            "{},{},{},{},{},{},{:.3}",
            self.epoch,
            self.train_loss,
            self.train_accuracy,
            self.valid_loss,
            self.valid_accuracy,
            self.lr,
            self.seconds
        )
    }

    fn parse(line: &str) -> Option<Self> {
        let f: Vec<&str> = line.trim().split(',').collect();
        if f.len() != 7 {
            return None;
        }
        let num = |i: usize| f[i].parse::<f64>().ok();
        Some(EpochRow {
            epoch: f[0].parse().ok()?,
            train_loss: num(1)?,
            train_accuracy: num(2)?,
            valid_loss: num(3)?,
            valid_accuracy: num(4)?,
            lr: num(5)?,
            seconds: num(6)?,
        })
    }
}

/// `metrics.csv` of one run folder and the rows it holds.
#[derive(Debug, Clone)]
pub struct MetricsLog {
    path: PathBuf,
    rows: Vec<EpochRow>,
}

impl MetricsLog {
    /// A new, empty log that will be written to `path`.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        MetricsLog {
            path: path.into(),
            rows: Vec::new(),
        }
    }

    /// Reads an existing log, keeping only epochs `1..=up_to` (the ones a checkpoint covers).
    pub fn resume(path: &Path, up_to: usize) -> Result<Self, RunsError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(source) => {
                return Err(RunsError::Io {
                    path: path.to_path_buf(),
                    cause: source,
                })
            }
        };
        let mut rows = Vec::new();
        for (n, line) in text.lines().enumerate().skip(1) {
            if line.trim().is_empty() {
                continue;
            }
            let row = EpochRow::parse(line).ok_or_else(|| {
                RunsError::RunFolder(format!(
                    "{}: line {} is not a metrics row: {line:?}",
                    path.display(),
                    n + 1
                ))
            })?;
            if row.epoch <= up_to {
                rows.push(row);
            }
        }
        Ok(MetricsLog {
            path: path.to_path_buf(),
            rows,
        })
    }

    pub fn rows(&self) -> &[EpochRow] {
        &self.rows
    }

    /// Adds (or replaces) an epoch's row and rewrites the file atomically.
    pub fn push(&mut self, row: EpochRow) -> Result<(), RunsError> {
        self.rows.retain(|r| r.epoch != row.epoch);
        self.rows.push(row);
        self.rows.sort_by_key(|r| r.epoch);
        self.write()
    }

    /// Keeps only epochs `1..=up_to` (the ones a checkpoint covers) and rewrites the file if
    /// that dropped a row.
    pub fn truncate(&mut self, up_to: usize) -> Result<(), RunsError> {
        let before = self.rows.len();
        self.rows.retain(|r| r.epoch <= up_to);
        if self.rows.len() == before {
            return Ok(());
        }
        self.write()
    }

    fn write(&self) -> Result<(), RunsError> {
        let mut text = String::from(CSV_HEADER);
        text.push('\n');
        for r in &self.rows {
            let _ = writeln!(text, "{}", r.csv());
        }
        write_atomic(&self.path, text.as_bytes())
    }
}
