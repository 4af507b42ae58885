//! Writes a model's weights as a safetensors file, in PyTorch's `nn.Linear` layout, so they open
//! in PyTorch (`load_state_dict`) or numpy.
//!
//! Tensors: `layers.{i}.weight`, shape `[out, in]` (Burn stores `[in, out]`: transposed here),
//! and `layers.{i}.bias`, shape `[out]`; float32, little-endian, row-major.

use std::collections::HashMap;
use std::path::Path;

use mnist_model::Mlp;
use safetensors::tensor::TensorView;
use safetensors::Dtype;

use crate::error::TrainError;
use mnist_runs::run_dir::write_atomic;

/// One named tensor: shape and row-major values.
pub struct NamedTensor {
    pub name: String,
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
}

/// The model's parameters in PyTorch's layout.
pub fn torch_layout(model: &Mlp) -> Result<Vec<NamedTensor>, TrainError> {
    let read = |t: burn::tensor::TensorData| {
        t.try_into_vec_as::<f32>()
            .map_err(|e| TrainError::Training(format!("cannot read the weights: {e:?}")))
    };
    let mut tensors = Vec::new();
    for (i, layer) in model.layers().iter().enumerate() {
        let [d_in, d_out] = layer.weight.dims();
        let w = read(layer.weight.val().into_data())?;
        let transposed = (0..d_out)
            .flat_map(|o| (0..d_in).map(move |k| (o, k)))
            .map(|(o, k)| w[k * d_out + o])
            .collect();
        tensors.push(NamedTensor {
            name: format!("layers.{i}.weight"),
            shape: vec![d_out, d_in],
            values: transposed,
        });
        if let Some(bias) = &layer.bias {
            tensors.push(NamedTensor {
                name: format!("layers.{i}.bias"),
                shape: vec![d_out],
                values: read(bias.val().into_data())?,
            });
        }
    }
    Ok(tensors)
}

/// The safetensors encoding (by the `safetensors` crate), with PyTorch's `format: pt` metadata.
pub fn safetensors_bytes(tensors: &[NamedTensor]) -> Result<Vec<u8>, TrainError> {
    let fail = |e: safetensors::SafeTensorError| {
        TrainError::Training(format!("cannot encode the weights as safetensors: {e}"))
    };
    let raw: Vec<Vec<u8>> = tensors
        .iter()
        .map(|t| t.values.iter().flat_map(|v| v.to_le_bytes()).collect())
        .collect();
    let views = tensors
        .iter()
        .zip(&raw)
        .map(|(t, bytes)| {
            TensorView::new(Dtype::F32, t.shape.clone(), bytes).map(|view| (t.name.as_str(), view))
        })
        .collect::<Result<Vec<_>, _>>()
        .map_err(fail)?;
    let metadata = HashMap::from([("format".to_string(), "pt".to_string())]);
    safetensors::serialize(views, Some(metadata)).map_err(fail)
}

/// Exports `model` to `out` (written whole or not at all).
pub fn export_safetensors(model: &Mlp, out: &Path) -> Result<(), TrainError> {
    let tensors = torch_layout(model)?;
    Ok(write_atomic(out, &safetensors_bytes(&tensors)?)?)
}
