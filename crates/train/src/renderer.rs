//! Burn `MetricsRenderer` that records each epoch into `metrics.csv` and, when stdout is not a
//! terminal, prints one readable line per epoch (Burn's own prints a debug dump per batch).
//! In a terminal it forwards everything to Burn's TUI dashboard as well.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use burn::train::logger::{EvaluationProgressLogger, TrainingProgressLogger};
use burn::train::metric::{MetricDefinition, MetricId, NumericEntry};
use burn::train::renderer::{
    EvaluationName, MetricState, MetricsRenderer, MetricsRendererEvaluation,
    MetricsRendererTraining,
};
use burn::train::{Interrupter, LearnerSummary};

use mnist_runs::metrics_log::{EpochRow, MetricsLog};

/// Where a training's progress (header, one line per epoch) goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// Burn's dashboard when stdout is a terminal, otherwise lines on stdout.
    Dashboard,
    /// Lines on stdout, even in a terminal.
    Lines,
    /// Lines on stderr, so that stdout carries only a machine-readable answer (`--json`).
    Stderr,
}

impl Progress {
    /// Prints one block of progress text where this progress goes.
    pub fn say(self, text: impl std::fmt::Display) {
        match self {
            Progress::Stderr => eprintln!("{text}"),
            Progress::Dashboard | Progress::Lines => println!("{text}"),
        }
    }
}

/// What the trainer keeps a handle on while Burn owns the renderer.
#[derive(Debug)]
pub struct EpochRecord {
    pub log: MetricsLog,
    /// The first error met while writing `metrics.csv`, reported after training.
    pub write_error: Option<String>,
}

pub type SharedRecord = Arc<Mutex<EpochRecord>>;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    Train,
    Valid,
}

/// See the module documentation.
pub struct EpochRenderer {
    inner: Option<Box<dyn MetricsRenderer>>,
    record: SharedRecord,
    names: HashMap<MetricId, String>,
    phase: Phase,
    row: EpochRow,
    total_epochs: usize,
    epoch_started: Instant,
    progress: Progress,
    /// Set once training is asked to stop: an epoch ending after that was cut short.
    interrupter: Interrupter,
}

impl EpochRenderer {
    /// `dashboard`: Burn's TUI (or any renderer) to forward to; `None` prints lines instead,
    /// where `progress` says. `interrupter` is the training's.
    pub fn new(
        record: SharedRecord,
        dashboard: Option<Box<dyn MetricsRenderer>>,
        progress: Progress,
        interrupter: Interrupter,
    ) -> Self {
        EpochRenderer {
            inner: dashboard,
            record,
            names: HashMap::new(),
            phase: Phase::Train,
            row: EpochRow::empty(1),
            total_epochs: 0,
            epoch_started: Instant::now(),
            progress,
            interrupter,
        }
    }

    fn observe(&mut self, state: &MetricState) {
        let MetricState::Numeric(entry, Some(value)) = state else {
            return;
        };
        let Some(name) = self.names.get(&entry.metric_id) else {
            return;
        };
        let row = &mut self.row;
        match (value, name.as_str(), self.phase) {
            (NumericEntry::Final(v), "Loss", Phase::Train) => row.train_loss = *v,
            (NumericEntry::Final(v), "Accuracy", Phase::Train) => row.train_accuracy = *v,
            (NumericEntry::Final(v), "Loss", Phase::Valid) => row.valid_loss = *v,
            (NumericEntry::Final(v), "Accuracy", Phase::Valid) => row.valid_accuracy = *v,
            // The learning rate of the epoch's last step, not Burn's epoch mean.
            (NumericEntry::Final(_), _, _) => {}
            (v, "Learning Rate", Phase::Train) => row.lr = v.current(),
            _ => {}
        }
    }

    /// Prints and records the epoch's row, unless training was stopped during the epoch: Burn
    /// then ends the epoch with the figures of a partial validation pass, and checkpoints
    /// nothing, so the epoch did not happen as far as the run is concerned.
    fn finish_epoch(&mut self) {
        self.row.seconds = self.epoch_started.elapsed().as_secs_f64();
        let row = self.row;
        self.row = EpochRow::empty(row.epoch + 1);
        if self.interrupter.should_stop() {
            return;
        }
        if self.inner.is_none() {
            self.progress.say(row.line(self.total_epochs));
        }
        if let Ok(mut record) = self.record.lock() {
            if let Err(e) = record.log.push(row) {
                eprintln!("warning: {e}");
                record.write_error.get_or_insert(e.to_string());
            }
        }
    }
}

impl MetricsRendererTraining for EpochRenderer {
    fn update_train(&mut self, state: MetricState) {
        self.observe(&state);
        if let Some(inner) = &mut self.inner {
            inner.update_train(state);
        }
    }

    fn update_valid(&mut self, state: MetricState) {
        self.observe(&state);
        if let Some(inner) = &mut self.inner {
            inner.update_valid(state);
        }
    }

    fn on_train_end(
        &mut self,
        summary: Option<LearnerSummary>,
    ) -> Result<(), Box<dyn core::error::Error>> {
        match &mut self.inner {
            Some(inner) => inner.on_train_end(summary),
            None => Ok(()),
        }
    }
}

impl MetricsRendererEvaluation for EpochRenderer {
    fn update_test(&mut self, name: EvaluationName, state: MetricState) {
        if let Some(inner) = &mut self.inner {
            inner.update_test(name, state);
        }
    }

    fn on_test_end(
        &mut self,
        summary: Option<LearnerSummary>,
    ) -> Result<(), Box<dyn core::error::Error>> {
        match &mut self.inner {
            Some(inner) => inner.on_test_end(summary),
            None => Ok(()),
        }
    }
}

impl TrainingProgressLogger for EpochRenderer {
    fn start(
        &mut self,
        total_epochs: usize,
        starting_epoch: usize,
        total_items: Option<usize>,
        label: Option<&str>,
    ) {
        self.total_epochs = total_epochs;
        self.row = EpochRow::empty(starting_epoch.max(1));
        if let Some(inner) = &mut self.inner {
            inner.start(total_epochs, starting_epoch, total_items, label);
        }
    }

    fn update_epoch(&mut self, epoch: usize) {
        self.finish_epoch();
        if let Some(inner) = &mut self.inner {
            inner.update_epoch(epoch);
        }
    }

    fn start_split(&mut self, split: &str, total_items: usize) {
        self.phase = if split.eq_ignore_ascii_case("valid") {
            Phase::Valid
        } else {
            Phase::Train
        };
        if self.phase == Phase::Train {
            self.epoch_started = Instant::now();
        }
        if let Some(inner) = &mut self.inner {
            inner.start_split(split, total_items);
        }
    }

    fn update_split(&mut self, items_processed: usize) {
        if let Some(inner) = &mut self.inner {
            inner.update_split(items_processed);
        }
    }

    fn end_split(&mut self) {
        if let Some(inner) = &mut self.inner {
            inner.end_split();
        }
    }

    fn end(&mut self) {
        if let Some(inner) = &mut self.inner {
            inner.end();
        }
    }

    fn log_event_training(&mut self, event: String) {
        if let Some(inner) = &mut self.inner {
            inner.log_event_training(event);
        }
    }
}

impl EvaluationProgressLogger for EpochRenderer {
    fn start_global_progress(&mut self, total_tests: usize) {
        if let Some(inner) = &mut self.inner {
            inner.start_global_progress(total_tests);
        }
    }

    fn start_test(&mut self, name: &str, total_items: usize) {
        if let Some(inner) = &mut self.inner {
            inner.start_test(name, total_items);
        }
    }

    fn update_test_progress(&mut self, items_processed: usize) {
        if let Some(inner) = &mut self.inner {
            inner.update_test_progress(items_processed);
        }
    }

    fn end_test(&mut self) {
        if let Some(inner) = &mut self.inner {
            inner.end_test();
        }
    }

    fn end_global_progress(&mut self) {
        if let Some(inner) = &mut self.inner {
            inner.end_global_progress();
        }
    }

    fn log_event_evaluation(&mut self, event: String) {
        if let Some(inner) = &mut self.inner {
            inner.log_event_evaluation(event);
        }
    }
}

impl MetricsRenderer for EpochRenderer {
    fn manual_close(&mut self) {
        if let Some(inner) = &mut self.inner {
            inner.manual_close();
        }
    }

    fn register_metric(&mut self, definition: MetricDefinition) {
        self.names
            .insert(definition.metric_id.clone(), definition.name.to_string());
        if let Some(inner) = &mut self.inner {
            inner.register_metric(definition);
        }
    }
}
