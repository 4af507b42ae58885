//! The bench's trials: our epoch, each other way of running it that the device allows, then
//! PyTorch's, trial after trial, so that every ratio compares figures taken side by side.

use anyhow::Context;
use mnist_data::Residence;
use mnist_model::device::backend_name;

use crate::report::Variant;
use crate::timed_training::{EpochTiming, Timing};
use crate::torch::TorchRunner;
use crate::workbench::Workbench;

/// How the table names the epochs with the sparse first layer off.
const DENSE_LABEL: &str = "every product dense";

/// A way of running our epochs other than the plain one (host batches, the Learner's step).
pub struct Way {
    /// What differs, as the table says it: `data on the device`.
    pub label: &'static str,
    residence: Residence,
    timing: Timing,
}

/// The ways timed beside the plain epoch on the bench's device: the training set kept on the
/// device (where the digits are not distorted, which happens on the host); every product
/// dense (the CPU's sparse first layer off, to show what it saves); the step captured and
/// replayed when `captured` (a GPU, where it trains right), its data where `train` keeps it.
pub fn ways(bench: &Workbench, captured: bool) -> Vec<Way> {
    let mut ways = Vec::new();
    if bench.config.data.augment.is_off() {
        ways.push(Way {
            label: "data on the device",
            residence: Residence::Device,
            timing: Timing::WholeEpoch,
        });
    }
    if backend_name(&bench.device_name) == "flex" {
        ways.push(Way {
            label: DENSE_LABEL,
            residence: Residence::Host,
            timing: Timing::DenseWholeEpoch,
        });
    }
    if captured {
        let residence = bench.training_residence();
        ways.push(Way {
            label: match residence {
                Residence::Device => "captured step, data on the device",
                Residence::Host => "captured step",
            },
            residence,
            timing: Timing::CapturedStep,
        });
    }
    ways
}

/// The epochs of every trial.
pub struct Trials {
    /// Our plain epoch, per trial (median of its epochs).
    pub ours: Vec<EpochTiming>,
    /// Each other way's, per trial, in the order of [`ways`].
    pub others: Vec<(&'static str, Vec<EpochTiming>)>,
    /// PyTorch's epoch and evaluation pass, per trial, where it ran.
    pub theirs: Vec<f64>,
    pub their_evals: Vec<f64>,
}

impl Trials {
    /// Each other way against PyTorch's epochs and our plain ones of the same trials.
    pub fn variants(&self) -> Vec<Variant> {
        self.others
            .iter()
            .map(|(label, epochs)| Variant::new(label, epochs.clone(), &self.theirs, &self.ours))
            .collect()
    }
}

/// Runs the trials: one without PyTorch, else one per pair; in each, `epochs` timed epochs
/// (after a warm-up) of ours, of each of `ways`, then of PyTorch.
pub fn run_trials(
    bench: &Workbench,
    ways: &[Way],
    torch: Option<(&TorchRunner, usize)>,
    epochs: usize,
) -> anyhow::Result<Trials> {
    let mut trials = Trials {
        ours: Vec::new(),
        others: ways.iter().map(|way| (way.label, Vec::new())).collect(),
        theirs: Vec::new(),
        their_evals: Vec::new(),
    };
    let count = torch.map_or(1, |(_, pairs)| pairs.max(1));
    for trial in 1..=count {
        let plain = bench.median_epoch(Residence::Host, epochs, Timing::WholeEpoch)?;
        println!("  ours   trial {trial}: {}", plain.total_line());
        trials.ours.push(plain);
        for (way, (_, timed)) in ways.iter().zip(&mut trials.others) {
            let epoch = bench.median_epoch(way.residence, epochs, way.timing)?;
            println!(
                "  ours, {}, trial {trial}: {}",
                way.label,
                epoch.total_line()
            );
            timed.push(epoch);
        }
        if let Some((runner, _)) = torch {
            let figures = runner
                .trial(epochs)
                .with_context(|| format!("PyTorch trial {trial}"))?;
            println!(
                "  torch  trial {trial}: {:.3} s/epoch",
                figures.epoch_seconds
            );
            trials.theirs.push(figures.epoch_seconds);
            trials.their_evals.extend(figures.eval_seconds);
        }
    }
    Ok(trials)
}
