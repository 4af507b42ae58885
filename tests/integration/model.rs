//! The MLP: parameter counts, shapes, Keras-style initialisation and summary.

use burn::module::{Module, Param};
use burn::tensor::{Device, Tensor};
use mnist_model::{Init, MlpConfig, ModelSummary};

#[test]
fn the_default_network_is_784_784_32_10_with_640890_parameters() {
    let config = MlpConfig::new();
    assert_eq!(config.layer_shapes(), vec![(784, 784), (784, 32), (32, 10)]);
    let model = config.init(&Device::flex());
    assert_eq!(model.num_params(), 640_890);
    assert_eq!(config.num_params(), 640_890);
    let summary = ModelSummary::new(&config).to_string();
    assert!(summary.contains("Total params: 640,890"), "{summary}");
    assert!(summary.contains("(None, 32)"), "{summary}");
}

#[test]
fn the_tutorial_shapes_are_the_same_code() {
    for (hidden, params) in [
        (vec![32], 784 * 32 + 32 + 32 * 10 + 10),
        (vec![20], 784 * 20 + 20 + 20 * 10 + 10),
        (
            vec![128, 64, 32],
            784 * 128 + 128 + 128 * 64 + 64 + 64 * 32 + 32 + 32 * 10 + 10,
        ),
    ] {
        let config = MlpConfig::new().with_hidden(hidden.clone());
        let model = config.init(&Device::flex());
        assert_eq!(model.num_params(), params, "{hidden:?}");
        // Its first use draws the weights from the shared generator (see the test below).
        let _generator = mnist_model::hold_random_generator();
        let out = model.forward(Tensor::zeros([3, 784], &Device::flex()));
        assert_eq!(out.dims(), [3, 10]);
    }
}

fn values<const D: usize>(param: &Param<Tensor<D>>) -> Vec<f32> {
    param.val().to_data().try_to_vec::<f32>().unwrap()
}

#[test]
fn glorot_init_has_zero_biases_and_bounded_weights() {
    let device = Device::flex();
    let _generator = mnist_model::hold_random_generator();
    device.seed(1);
    let model = MlpConfig::new().with_hidden(vec![32]).init(&device);
    let first = &model.layers()[0];
    let bias = values(first.bias.as_ref().unwrap());
    assert!(bias.iter().all(|&b| b == 0.0));
    let limit = (6.0f32 / (784.0 + 32.0)).sqrt();
    let weights = values(&first.weight);
    assert!(weights.iter().all(|w| w.abs() <= limit));
    assert!(
        weights.iter().any(|w| w.abs() > limit * 0.9),
        "spread over the whole range"
    );

    let torch = MlpConfig::new().with_init(Init::Pytorch).init(&device);
    let bias = values(torch.layers()[0].bias.as_ref().unwrap());
    assert!(
        bias.iter().any(|&b| b != 0.0),
        "PyTorch's init draws biases too"
    );
}

fn first_weights(seed: u64) -> Vec<f32> {
    let device = Device::flex();
    let m = MlpConfig::new()
        .with_hidden(vec![8])
        .init_seeded(seed, &device);
    m.layers()[0]
        .weight
        .val()
        .to_data()
        .try_to_vec::<f32>()
        .unwrap()
}

#[test]
fn the_same_seed_gives_the_same_weights() {
    assert_eq!(first_weights(5), first_weights(5));
    assert_ne!(first_weights(5), first_weights(6));
}

#[test]
fn runs_initialising_at_once_still_get_their_seeds_weights() {
    // The backend has one random generator per process and tests run in threads: seeded
    // initialisations must not interleave their draws.
    let expected: Vec<Vec<f32>> = (0..8).map(first_weights).collect();
    std::thread::scope(|scope| {
        for seed in 0..8u64 {
            let expected = &expected;
            scope.spawn(move || {
                for _ in 0..20 {
                    assert_eq!(first_weights(seed), expected[seed as usize], "seed {seed}");
                }
            });
        }
    });
}

#[test]
fn dropout_masks_activations_in_training_only() {
    let config = mnist_model::MlpConfig::new()
        .with_hidden(vec![64])
        .with_dropout(0.5);
    let device = Device::flex();
    let logits = |device: &Device| -> Vec<f32> {
        // The same seed, so the same weights, on either device.
        let model = config.init_seeded(3, device);
        let images = Tensor::<2>::ones([4, 784], device) * 0.5;
        // Dropout's masks come from the shared generator (see the test above).
        let _generator = mnist_model::hold_random_generator();
        model
            .forward(images)
            .into_data()
            .try_into_vec_as::<f32>()
            .unwrap()
    };
    let inference = logits(&device);
    assert_eq!(inference, logits(&device), "no dropout at inference");
    let training = logits(&device.clone().autodiff());
    let differ = inference
        .iter()
        .zip(&training)
        .filter(|(a, b)| (*a - *b).abs() > 1e-4)
        .count();
    assert!(
        differ > inference.len() / 2,
        "{differ} of {} logits changed",
        inference.len()
    );
}
