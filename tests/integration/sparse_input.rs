//! The CPU's sparse first layer: the same loss, gradients and logits as Burn's dense products
//! on real MNIST batches, and dense products where a batch is not sparse (Fashion-MNIST).

use burn::data::dataloader::batcher::Batcher;
use burn::data::dataset::Dataset;
use burn::module::Param;
use burn::optim::GradientsParams;
use burn::tensor::{Device, Tensor};
use mnist_data::{DatasetKind, MnistBatch, MnistBatcher, MnistData, MnistDataset};
use mnist_model::{Mlp, MlpConfig};

/// The first `count` training images of `kind` as one batch on `device`.
fn batch(kind: DatasetKind, count: usize, device: &Device) -> MnistBatch {
    let data = MnistData::load(integration_tests::data_dir(kind)).unwrap();
    let dataset = MnistDataset::new(data.train.take(count));
    let items: Vec<_> = (0..count).map(|i| dataset.get(i).unwrap()).collect();
    MnistBatcher.batch(items, device)
}

fn values<const D: usize>(tensor: Tensor<D>) -> Vec<f32> {
    tensor.to_data().try_to_vec::<f32>().unwrap()
}

/// The largest difference between `a` and `b`, relative to the largest magnitude in `b`.
fn relative_gap(a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len());
    let scale = b.iter().fold(0f32, |m, v| m.max(v.abs()));
    let gap = a.iter().zip(b).fold(0f32, |m, (x, y)| m.max((x - y).abs()));
    gap / scale
}

fn gradient<const D: usize>(grads: &GradientsParams, param: &Param<Tensor<D>>) -> Vec<f32> {
    values(
        grads
            .get::<D>(param.id)
            .expect("every parameter has a gradient"),
    )
}

/// One training step's loss and the gradient of every weight and bias, in layer order.
fn step(model: &Mlp, batch: MnistBatch) -> (bool, f32, Vec<Vec<f32>>) {
    let forward = model.training_forward(batch);
    let sparse = forward.first_layer_sparse();
    let loss = values(forward.item.loss.clone())[0];
    let output = forward.backward(model);
    let mut grads = Vec::new();
    for layer in model.layers() {
        grads.push(gradient(&output.grads, &layer.weight));
        grads.push(gradient(&output.grads, layer.bias.as_ref().unwrap()));
    }
    (sparse, loss, grads)
}

fn seeded(device: &Device) -> Mlp {
    MlpConfig::new().init_seeded(3, device)
}

/// The sparse step against the dense one for a network with these hidden layers: both taken
/// as asked, the same loss, and every weight's and bias's gradient within 1e-4 of the largest.
fn sparse_step_matches_dense(hidden: Vec<usize>, images: &MnistBatch, device: &Device) {
    let layers = hidden.len() + 1;
    let model = MlpConfig::new()
        .with_hidden(hidden.clone())
        .init_seeded(3, device);
    let (sparse, loss, grads) = step(&model, images.clone());
    let (dense, dense_loss, dense_grads) =
        step(&model.clone().with_sparse_input(false), images.clone());
    assert!(
        sparse,
        "hidden {hidden:?}: 500 MNIST digits (a fifth ink) take the sparse first layer"
    );
    assert!(!dense, "with the sparse input off, every product is dense");
    assert!(
        (loss - dense_loss).abs() <= 1e-6 * dense_loss,
        "hidden {hidden:?}: loss {loss} vs {dense_loss}"
    );
    assert_eq!(grads.len(), 2 * layers);
    for (i, (g, d)) in grads.iter().zip(&dense_grads).enumerate() {
        let gap = relative_gap(g, d);
        assert!(
            gap < 1e-4,
            "hidden {hidden:?}, parameter {i}: gradients {gap:e} apart"
        );
        assert!(
            d.iter().any(|v| *v != 0.0),
            "hidden {hidden:?}, parameter {i}: a gradient to compare"
        );
    }
}

#[test]
fn a_training_step_with_the_sparse_first_layer_gives_the_dense_loss_and_gradients() {
    let device = Device::flex().autodiff();
    let images = batch(DatasetKind::Mnist, 500, &device);
    // The tutorial's 784-784-32-10, a one-layer network (no ReLU: its output is the logits)
    // and a deeper one.
    for hidden in [vec![784, 32], vec![], vec![128, 64, 32]] {
        sparse_step_matches_dense(hidden, &images, &device);
    }
}

#[test]
fn inference_with_the_sparse_first_layer_gives_the_dense_logits() {
    let device = Device::flex();
    let images = batch(DatasetKind::Mnist, 64, &device).images;
    for hidden in [vec![784, 32], vec![]] {
        let model = MlpConfig::new()
            .with_hidden(hidden.clone())
            .init_seeded(3, &device);
        let logits = values(model.forward(images.clone()));
        let dense = values(
            model
                .clone()
                .with_sparse_input(false)
                .forward(images.clone()),
        );
        let gap = relative_gap(&logits, &dense);
        assert!(gap < 1e-5, "hidden {hidden:?}: logits {gap:e} apart");
        if hidden.is_empty() {
            // No ReLU on a one-layer network's logits: they are its linear layer's output.
            let linear = values(model.layers()[0].forward(images.clone()));
            assert!(linear.iter().any(|v| *v < 0.0));
            let gap = relative_gap(&logits, &linear);
            assert!(
                gap < 1e-5,
                "one layer: logits {gap:e} from the linear layer's"
            );
        }
    }
}

#[test]
fn a_batch_that_is_half_ink_takes_the_dense_products() {
    let device = Device::flex().autodiff();
    let model = seeded(&device);
    let garments = batch(DatasetKind::FashionMnist, 100, &device);
    let (sparse, _, _) = step(&model, garments);
    assert!(
        !sparse,
        "Fashion-MNIST is about half ink: above the sparse limit"
    );
}
