//! `bench --check-capture`, and the check before the bench times the captured step: the
//! bench's recipe, device and data handed to `mnist-capture`'s check (`check.rs` there).

use burn::data::dataloader::DataLoader;
use burn::tensor::Device;
use mnist_capture::capture_refusal;
use mnist_capture::check::{check_capture, CaptureCheck, PlainTraining};
use mnist_data::{MnistBatch, Residence, Split};
use mnist_runs::RunConfig;
use mnist_train::optim::build_optimizer;

use crate::timed_training::Setup;
use crate::workbench::Workbench;

/// [`check_capture`] of `replays` replayed steps on the first batches of `split`, from the
/// recipe's seeded model and Burn's optimiser as the bench's plain timing builds them.
fn check(
    config: &RunConfig,
    split: &Split,
    device: &Device,
    replays: usize,
) -> anyhow::Result<CaptureCheck> {
    let autodiff = device.clone().autodiff();
    let loader = Setup::loader(config, split, &autodiff, Residence::Host);
    let first: Vec<MnistBatch> = loader.iter().take(replays + 1).collect::<Result<_, _>>()?;
    let plain = PlainTraining {
        model: &|| Setup::model(config, &autodiff),
        optimizer: &|| build_optimizer(&config.optimizer),
        lr: config.optimizer.lr(),
    };
    Ok(check_capture(
        config,
        first.into_iter(),
        replays,
        &plain,
        device,
    )?)
}

/// Replayed steps that `--check-capture` (and the bench, before timing them) compare.
pub const CHECKED_REPLAYS: usize = 8;

/// `--check-capture`: [`CHECKED_REPLAYS`] replayed steps and one plain one on a half batch,
/// against plain steps; an error unless the step was recorded and trained exactly as the plain
/// one.
pub(crate) fn run_capture_check(bench: &Workbench) -> anyhow::Result<()> {
    let label = &bench.device_label;
    let check = check(&bench.config, &bench.train, &bench.device, CHECKED_REPLAYS)?;
    println!("captured training step on {label}: {check}");
    anyhow::ensure!(
        check.recorded,
        "nothing was recorded on {label}: a captured step needs a GPU backend (--device wgpu)"
    );
    anyhow::ensure!(
        check.agrees(),
        "the captured training step does not train as the plain one on {label}"
    );
    Ok(())
}

/// Whether the bench's recipe can be captured and, checked on its device first, trains exactly
/// as the plain step there; if not, says why the captured step is not timed.
pub(crate) fn capture_trains_right(bench: &Workbench) -> bool {
    let not_timed = |why: String| {
        println!("  (the captured step is not timed: {why})");
        false
    };
    if let Some(why) = capture_refusal(&bench.config) {
        return not_timed(why);
    }
    match check(&bench.config, &bench.train, &bench.device, CHECKED_REPLAYS) {
        Ok(check) if check.agrees() => {
            println!("  captured step checked first: {check}");
            true
        }
        Ok(check) => not_timed(format!("it does not train as the plain one here: {check}")),
        Err(e) => not_timed(format!("checking it failed: {e:#}")),
    }
}
