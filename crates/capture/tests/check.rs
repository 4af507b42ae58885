//! The captured step against plain steps (the check `bench --check-capture` makes, and the
//! bench before it times the captured step): which recipes it accepts, and that its bookkeeping
//! (the copied inputs refreshed per batch, the model handed back after each step, the weights
//! put back after the warm-up steps, each recorded optimiser's arithmetic) trains exactly as
//! Burn's own optimiser, on the CPU, on the real MNIST files.

use std::path::{Path, PathBuf};

use burn::data::dataloader::DataLoader;
use burn::tensor::Device;
use mnist_capture::capture_refusal;
use mnist_capture::check::{CaptureCheck, CheckError, PlainTraining};
use mnist_data::{
    locate_data_dir, workspace_root, DatasetKind, MnistData, MnistDataset, MnistLoader, Residence,
    Split,
};
use mnist_runs::RunConfig;
use mnist_train::optim::build_optimizer;

/// The check of `replays` replayed steps on the first batches of `split`, the plain side
/// from the recipe's seeded model and Burn's optimiser, as the bench makes it.
fn check_capture(
    config: &RunConfig,
    split: &Split,
    device: &Device,
    replays: usize,
) -> Result<CaptureCheck, CheckError> {
    let autodiff = device.clone().autodiff();
    let loader = MnistLoader::new(
        MnistDataset::new(split.clone()),
        config.train.batch_size,
        Some(config.seed),
        &autodiff,
    )
    .with_augmentation(config.data.augment)
    .with_residence(Residence::Host);
    let model = || {
        config
            .model
            .to_burn(config.data.dataset)
            .init_seeded(config.seed, &autodiff)
            .with_label_smoothing(config.train.label_smoothing as f32)
    };
    let plain = PlainTraining {
        model: &model,
        optimizer: &|| build_optimizer(&config.optimizer),
        lr: config.optimizer.lr(),
    };
    let batches = loader.iter().map(Result::unwrap);
    mnist_capture::check::check_capture(config, batches, replays, &plain, device)
}

/// A config file of the repository.
fn config(name: &str) -> PathBuf {
    workspace_root().join("configs").join(name)
}

/// MNIST, found as training finds it; missing, the test says in one line how to get it.
fn mnist_dir() -> PathBuf {
    match locate_data_dir(None, None, DatasetKind::Mnist, &workspace_root()) {
        Ok(found) => found.path,
        Err(e) => panic!("{}", e.to_string().replace('\n', " ")),
    }
}

fn recipe(extra: &str) -> RunConfig {
    let text = std::fs::read_to_string(config("sgd.toml")).unwrap();
    RunConfig::parse(
        &format!("{text}\n{extra}"),
        std::path::Path::new("test.toml"),
    )
    .unwrap()
}

#[test]
fn every_recipe_without_dropout_is_captured() {
    assert_eq!(capture_refusal(&recipe("")), None);
    assert_eq!(
        capture_refusal(&recipe("[schedule]\nname = \"cosine\"")),
        None
    );
    for optimizer in ["adam", "adamw", "rmsprop"] {
        let config = with_optimizer(&format!("[optimizer]\nname = \"{optimizer}\""));
        assert_eq!(capture_refusal(&config), None, "{optimizer}");
    }
    let momentum = with_optimizer("[optimizer]\nname = \"sgd\"\nmomentum = 0.9");
    assert_eq!(capture_refusal(&momentum), None);

    let mut dropout = recipe("");
    dropout.model.dropout = 0.2;
    let why = capture_refusal(&dropout).unwrap();
    assert!(why.contains("dropout"), "{why}");
}

/// `optimizer` (a recipe's `[optimizer]` section) with the 784-784-32-10 network.
fn with_optimizer(optimizer: &str) -> RunConfig {
    let text = std::fs::read_to_string(config("sgd.toml")).unwrap();
    let start = text.find("[optimizer]").unwrap();
    let end = text[start + 1..]
        .find("\n[")
        .map_or(text.len(), |at| start + 1 + at + 1);
    let text = format!("{}{}\n{}", &text[..start], optimizer, &text[end..]);
    RunConfig::parse(&text, Path::new("test.toml")).unwrap()
}

#[test]
fn the_captured_steps_train_as_plain_steps_on_the_cpu() {
    let data = MnistData::load(mnist_dir()).unwrap();
    let split = data.train.take(4000);
    // Every optimiser, with the settings that add arithmetic: L2 decay, Nesterov momentum.
    let optimizers = [
        "[optimizer]\nname = \"sgd\"\nlr = 0.01",
        "[optimizer]\nname = \"sgd\"\nlr = 0.01\nmomentum = 0.9\nnesterov = true\nweight_decay = 1e-3",
        "[optimizer]\nname = \"rmsprop\"\nlr = 0.001\nweight_decay = 1e-3",
        "[optimizer]\nname = \"adam\"\nlr = 0.001\nweight_decay = 1e-3",
        "[optimizer]\nname = \"adamw\"\nlr = 0.001",
    ];
    for section in optimizers {
        let config = with_optimizer(section);
        let optimizer = section.replace('\n', " ");
        assert!(
            section.contains(config.optimizer.name.as_str()),
            "{optimizer}"
        );
        let check = check_capture(&config, &split, &Device::flex(), 6).unwrap();
        assert!(
            !check.recorded,
            "the CPU has no graph support: the step re-runs"
        );
        assert!(
            !check.agrees(),
            "a step that was not recorded proves nothing"
        );
        assert_eq!(check.replays, 6);
        assert_eq!(check.partial_batch, 250);
        assert_eq!(check.differing_losses, 0, "{optimizer}: {check}");
        assert_eq!(check.differing_parameters, 0, "{optimizer}: {check}");
        assert_eq!(check.largest_loss_gap, 0.0, "{optimizer}: {check}");
        assert_eq!(check.largest_parameter_gap, 0.0, "{optimizer}: {check}");
        assert!(check.plain_is_repeatable, "{optimizer}: {check}");
        // Seven steps move some weight by far more than rounding.
        assert!(check.largest_training_change > 1e-4, "{optimizer}: {check}");
        assert_eq!(
            check.parameters,
            784 * 784 + 784 + 784 * 32 + 32 + 32 * 10 + 10
        );
    }
}

#[test]
fn a_recipe_that_cannot_be_captured_is_refused_by_the_check() {
    let data = MnistData::load(mnist_dir()).unwrap();
    let mut dropout = recipe("");
    dropout.model.dropout = 0.2;
    let err = check_capture(&dropout, &data.train.take(1000), &Device::flex(), 2).unwrap_err();
    assert!(err.to_string().contains("cannot be captured"), "{err}");
}
