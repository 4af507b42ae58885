//! The first layer on the CPU with the batch's images as a sparse matrix ([`SparseRows`]):
//! its product forward, and in the training step the gradient of its weights, computed from
//! the ink pixels alone. Everything after the first product is Burn's, on the same device.
//!
//! The autodiff graph starts at the first layer's product (`images x W`, a leaf that keeps its
//! gradient `dP`); its bias and every later layer are Burn's as usual. `W`'s gradient is then
//! `images^T x dP`, the product of the transposed sparse images, registered with the others.
//! Only the flex (CPU) backend takes this path: on a GPU the copies to the host would cost
//! more than the arithmetic saved.

use burn::module::ParamId;
use burn::tensor::{Device, Gradients, Tensor, TensorData};

use crate::sparse::SparseRows;
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
        if !self.sparse_input_allowed() || images.device().without_autodiff() != Device::flex() {
            return None;
        }
        let [_, cols] = images.dims();
        let data = images.clone().inner().into_data();
        SparseRows::from_dense(data.as_slice::<f32>().ok()?, cols, SPARSE_DENSITY_LIMIT)
    }

    /// The first layer's product `images x W` from the sparse images, on `device`.
    fn sparse_first_product(
        &self,
        images: &SparseRows,
        rows: usize,
        device: &Device,
    ) -> Option<Tensor<2>> {
        let weight = &self.layers().first()?.weight;
        let [_, outputs] = weight.dims();
        let values = host_values(weight.val())?;
        let product = images.times(&values, outputs);
        Some(Tensor::from_data(
            TensorData::new(product, [rows, outputs]),
            device,
        ))
    }

    /// Inference (no autodiff): the first layer's output (product plus bias) from sparse images.
    pub(crate) fn sparse_first_layer(
        &self,
        images: &SparseRows,
        rows: usize,
        device: &Device,
    ) -> Option<Tensor<2>> {
        let product = self.sparse_first_product(images, rows, device)?;
        Some(self.add_first_bias(product))
    }

    /// The training forward pass with the sparse first layer: the logits, and what the
    /// backward pass needs for the first layer's weights (`None` if a value cannot be read as
    /// f32 on the host, when the caller takes the dense path).
    pub(crate) fn sparse_training_logits(
        &self,
        images: SparseRows,
        rows: usize,
        device: &Device,
    ) -> Option<(Tensor<2>, SparseFirstLayer)> {
        let product = self
            .sparse_first_product(&images, rows, device)?
            .require_grad();
        let logits = self.after_first_layer(self.add_first_bias(product.clone()));
        Some((logits, SparseFirstLayer { images, product }))
    }

    /// `product` plus the first layer's bias (if it has one), broadcast over the batch.
    fn add_first_bias(&self, product: Tensor<2>) -> Tensor<2> {
        match self.layers().first().and_then(|layer| layer.bias.as_ref()) {
            Some(bias) => product + bias.val().unsqueeze(),
            None => product,
        }
    }
}

/// The sparse first layer of a training forward pass, kept for its backward pass.
pub(crate) struct SparseFirstLayer {
    images: SparseRows,
    /// `images x W`, the leaf the autodiff graph starts from.
    product: Tensor<2>,
}

impl SparseFirstLayer {
    /// After the backward pass: the first layer's weight and its gradient, `images^T x dP`
    /// (Burn's autodiff gave every other parameter's). `None` if the product's gradient is
    /// missing or unreadable.
    pub(crate) fn weight_gradient(
        self,
        model: &Mlp,
        grads: &mut Gradients,
    ) -> Option<(ParamId, Tensor<2>)> {
        let weight = &model.layers().first()?.weight;
        let product_grad = host_values(self.product.grad_remove(grads)?)?;
        let [inputs, outputs] = weight.dims();
        let weight_grad = self.images.transposed().times(&product_grad, outputs);
        let device = self.product.device().without_autodiff();
        let weight_grad = TensorData::new(weight_grad, [inputs, outputs]);
        Some((weight.id, Tensor::from_data(weight_grad, &device)))
    }
}

/// A float tensor's values on the host, row-major, without its autodiff association.
fn host_values<const D: usize>(tensor: Tensor<D>) -> Option<Vec<f32>> {
    tensor.inner().into_data().try_into_vec::<f32>().ok()
}
