//! The first layer on the CPU with the batch's images as a sparse matrix ([`SparseRows`]):
//! its output forward, and in the training step the gradients of its weights and bias,
//! computed from the ink pixels alone. Everything after the first layer is Burn's, on the same
//! device.
//!
//! The first layer's output `H = relu(images x W + b)` (no ReLU in a one-layer network, whose
//! output is the logits) is computed in one pass, the bias and ReLU applied as each sum is
//! stored. In the training step `H` is a leaf of the autodiff graph that keeps its gradient
//! `dH`; every later layer is Burn's as usual. Then `dZ = dH` where `H > 0` (else 0), `b`'s
//! gradient is the column sums of `dZ`, and `W`'s is `images^T x dZ`, the product of the
//! transposed sparse images; both are registered beside Burn's. Weights and images are read
//! in place from the flex tensors' storage, not copied. Only the flex (CPU) backend takes this
//! path: on a GPU the copies to the host would cost more than the arithmetic saved.

use burn::backend::Flex;
use burn::module::ParamId;
use burn::tensor::{Device, Gradients, Tensor, TensorData};
use mnist_data::is_cpu;

use crate::sparse::{Epilogue, SparseRows};
use crate::Mlp;

/// Batches with at most this share of non-zero pixels take the sparse first layer. MNIST's
/// digits are a fifth ink (500 of them: 0.196), where the sparse product of the 784x784 layer
/// took 2.5 ms on two Zen 4 cores against about 3.6 ms for gemm's dense one; Fashion-MNIST's
/// garments are half ink (0.493), where it took 4.3-5.7 ms. The product is bound by reading a
/// row of weights per entry, so its time grows with the density; this limit sits near where
/// the two meet. (`cargo xtask bench` times whole epochs both ways on a recipe's data.)
pub const SPARSE_DENSITY_LIMIT: f64 = 0.3;

impl Mlp {
    /// The images as a sparse matrix when the first layer should use it: the model allows it,
    /// the batch lives on the CPU backend, and it is sparse enough.
    pub(crate) fn sparse_images(&self, images: &Tensor<2>) -> Option<SparseRows> {
        if !self.sparse_input_allowed() || !is_cpu(&images.device()) {
            return None;
        }
        let [_, cols] = images.dims();
        with_host_values(images.clone(), |values| {
            SparseRows::from_dense(values, cols, SPARSE_DENSITY_LIMIT)
        })
        .flatten()
    }

    /// The first layer's output from sparse images, on `device`: `images x W + b`, then ReLU
    /// where a layer follows (see [`Mlp::first_layer_activated`]). `None` if a weight cannot
    /// be read as f32 on the host.
    pub(crate) fn sparse_first_layer(
        &self,
        images: &SparseRows,
        rows: usize,
        device: &Device,
    ) -> Option<Tensor<2>> {
        let layer = self.layers().first()?;
        let [_, outputs] = layer.weight.dims();
        let bias = match &layer.bias {
            Some(bias) => Some(with_host_values(bias.val(), <[f32]>::to_vec)?),
            None => None,
        };
        let epilogue = Epilogue {
            bias: bias.as_deref(),
            relu: self.first_layer_activated(),
        };
        let output = with_host_values(layer.weight.val(), |weight| {
            images.times(weight, outputs, epilogue)
        })?;
        Some(Tensor::from_data(
            TensorData::new(output, [rows, outputs]),
            device,
        ))
    }

    /// The training forward pass with the sparse first layer: the logits, and what the
    /// backward pass needs for the first layer's gradients (`None` if a value cannot be read
    /// as f32 on the host, when the caller takes the dense path).
    pub(crate) fn sparse_training_logits(
        &self,
        images: SparseRows,
        rows: usize,
        device: &Device,
    ) -> Option<(Tensor<2>, SparseFirstLayer)> {
        let output = self
            .sparse_first_layer(&images, rows, device)?
            .require_grad();
        let logits = self.after_first_layer(output.clone());
        let first = SparseFirstLayer {
            images,
            output,
            activated: self.first_layer_activated(),
        };
        Some((logits, first))
    }
}

/// The sparse first layer of a training forward pass, kept for its backward pass.
pub(crate) struct SparseFirstLayer {
    images: SparseRows,
    /// The layer's output, the leaf the autodiff graph starts from.
    output: Tensor<2>,
    /// Whether ReLU was applied to the output.
    activated: bool,
}

impl SparseFirstLayer {
    /// After the backward pass: the gradients of the first layer's weight and (if it has one)
    /// bias, from the output's gradient (Burn's autodiff gave every other parameter's). `None`
    /// if that gradient is missing or unreadable.
    pub(crate) fn gradients(
        self,
        model: &Mlp,
        grads: &mut Gradients,
    ) -> Option<FirstLayerGradients> {
        let layer = model.layers().first()?;
        let [inputs, outputs] = layer.weight.dims();
        let output_grad = self.output.grad_remove(grads)?;
        let output_grad = output_grad.into_data().try_into_vec::<f32>().ok()?;
        // The images' transpose and ReLU's backward pass need each other's results only after.
        let (transposed, pre_activation) = rayon::join(
            || self.images.transposed(),
            || self.pre_activation_grad(output_grad, outputs, layer.bias.is_some()),
        );
        let (pre_activation_grad, bias_grad) = pre_activation?;
        let weight_grad = transposed.times(&pre_activation_grad, outputs, Epilogue::default());
        let device = self.output.device().without_autodiff();
        let weight_grad = TensorData::new(weight_grad, [inputs, outputs]);
        let bias = layer.bias.as_ref().zip(bias_grad).map(|(bias, grad)| {
            let grad = TensorData::new(grad, [outputs]);
            (bias.id, Tensor::from_data(grad, &device))
        });
        Some(FirstLayerGradients {
            weight: (layer.weight.id, Tensor::from_data(weight_grad, &device)),
            bias,
        })
    }

    /// `dZ`, the gradient before ReLU, from the output's gradient `dH` (`cols` wide), and if
    /// `with_sums` its column sums (the bias's gradient). `None` if the output is unreadable.
    fn pre_activation_grad(
        &self,
        mut grad: Vec<f32>,
        cols: usize,
        with_sums: bool,
    ) -> Option<(Vec<f32>, Option<Vec<f32>>)> {
        if self.activated {
            with_host_values(self.output.clone(), |output| {
                relu_backward(&mut grad, output)
            })?;
        }
        let sums = with_sums.then(|| column_sums(&grad, cols));
        Some((grad, sums))
    }
}

/// The first layer's gradients from the sparse backward pass, by parameter.
pub(crate) struct FirstLayerGradients {
    pub weight: (ParamId, Tensor<2>),
    pub bias: Option<(ParamId, Tensor<1>)>,
}

/// ReLU's backward pass in place: `grad` is kept where the output is positive, else 0 (Burn's
/// rule: an output `<= 0` passes nothing back). A select, not a branch: half the outputs are
/// 0, in no order a branch predictor could learn.
fn relu_backward(grad: &mut [f32], output: &[f32]) {
    for (g, o) in grad.iter_mut().zip(output) {
        *g = if *o <= 0.0 { 0.0 } else { *g };
    }
}

/// The sums of the columns of the row-major matrix `values`, `cols` wide, row after row.
fn column_sums(values: &[f32], cols: usize) -> Vec<f32> {
    let mut sums = vec![0f32; cols];
    for row in values.chunks_exact(cols.max(1)) {
        for (sum, value) in sums.iter_mut().zip(row) {
            *sum += value;
        }
    }
    sums
}

/// `read` applied to a float tensor's values on the host, row-major, without its autodiff
/// association: read in place from a contiguous flex tensor's storage, else from a copy. `None`
/// if the values are not f32.
fn with_host_values<const D: usize, R>(
    tensor: Tensor<D>,
    read: impl FnOnce(&[f32]) -> R,
) -> Option<R> {
    let tensor = tensor.inner();
    if let Ok(flex) = tensor.clone().try_into_primitive::<Flex>() {
        if let Some(values) = flex.as_slice::<f32>() {
            return Some(read(values));
        }
    }
    let values = tensor.into_data().try_into_vec::<f32>().ok()?;
    Some(read(&values))
}
