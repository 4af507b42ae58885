//! The bench's captured training step: which recipes it accepts, and that its bookkeeping
//! (the copied inputs refreshed per batch, the model handed back after each step, the three
//! warm-up steps on the first batch) trains exactly as plain steps. On the CPU the step is not
//! recorded and re-runs; the recorded path is checked on a GPU backend by `cargo xtask
//! wgpu-smoke` (`bench --check-capture` on Mesa's software Vulkan in CI).

use burn::tensor::Device;
use mnist_bench::{capture_refusal, check_capture};
use mnist_data::MnistData;
use mnist_train::RunConfig;

fn recipe(extra: &str) -> RunConfig {
    let text = std::fs::read_to_string(integration_tests::config("sgd.toml")).unwrap();
    RunConfig::parse(
        &format!("{text}\n{extra}"),
        std::path::Path::new("test.toml"),
    )
    .unwrap()
}

#[test]
fn only_plain_sgd_at_a_constant_rate_without_dropout_with_whole_batches_is_captured() {
    let sgd = recipe("");
    assert_eq!(capture_refusal(&sgd, 54_000), None);
    let short = capture_refusal(&sgd, 54_100).unwrap();
    assert!(short.contains("last batch of 100"), "{short}");

    let mut adam = recipe("");
    adam.optimizer.name = mnist_train::config::OptimizerName::Adam;
    let why = capture_refusal(&adam, 54_000).unwrap();
    assert!(why.contains("adam"), "{why}");

    let cosine = recipe("[schedule]\nname = \"cosine\"");
    let why = capture_refusal(&cosine, 54_000).unwrap();
    assert!(why.contains("schedule"), "{why}");

    let mut momentum = recipe("");
    momentum.optimizer.momentum = Some(0.9);
    let why = capture_refusal(&momentum, 54_000).unwrap();
    assert!(why.contains("momentum"), "{why}");
    momentum.optimizer.momentum = Some(0.0);
    assert_eq!(capture_refusal(&momentum, 54_000), None);

    let mut dropout = recipe("");
    dropout.model.dropout = 0.2;
    let why = capture_refusal(&dropout, 54_000).unwrap();
    assert!(why.contains("dropout"), "{why}");
}

#[test]
fn the_captured_steps_train_as_plain_steps_on_the_cpu() {
    let data = MnistData::load(integration_tests::mnist_dir()).unwrap();
    let config = recipe("");
    let split = data.train.take(3000);
    let check = check_capture(&config, &split, &Device::flex(), 3).unwrap();
    assert!(
        !check.recorded,
        "the CPU has no graph support: the step re-runs"
    );
    assert!(
        !check.agrees(),
        "a step that was not recorded proves nothing"
    );
    assert_eq!(check.replays, 3);
    assert_eq!(check.differing_losses, 0, "{check}");
    assert_eq!(check.differing_parameters, 0, "{check}");
    assert_eq!(check.largest_loss_gap, 0.0, "{check}");
    assert_eq!(check.largest_parameter_gap, 0.0, "{check}");
    assert!(check.plain_is_repeatable, "{check}");
    // Seven steps of SGD at 0.01 move some weight by far more than rounding.
    assert!(check.largest_training_change > 1e-4, "{check}");
    assert_eq!(
        check.parameters,
        784 * 784 + 784 + 784 * 32 + 32 + 32 * 10 + 10
    );
}

#[test]
fn a_recipe_that_cannot_be_captured_is_refused_by_the_check() {
    let data = MnistData::load(integration_tests::mnist_dir()).unwrap();
    let config = recipe("[schedule]\nname = \"cosine\"");
    let err = check_capture(&config, &data.train.take(1000), &Device::flex(), 1).unwrap_err();
    assert!(err.to_string().contains("cannot be captured"), "{err}");
}
