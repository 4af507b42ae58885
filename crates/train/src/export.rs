//! Writes a model's weights as a safetensors file, in PyTorch's `nn.Linear` layout, so they open
//! in PyTorch (`load_state_dict`) or numpy.
//!
//! Tensors: `layers.{i}.weight`, shape `[out, in]` (Burn stores `[in, out]`: transposed here),
//! and `layers.{i}.bias`, shape `[out]`; float32, little-endian, row-major.

use std::collections::BTreeMap;
use std::path::Path;

use mnist_model::Mlp;

use crate::artifacts::write_atomic;
use crate::error::TrainError;

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

/// The safetensors encoding: u64 header length, JSON header, then the raw data.
pub fn safetensors_bytes(tensors: &[NamedTensor]) -> Vec<u8> {
    let mut header = BTreeMap::new();
    let mut offset = 0usize;
    for t in tensors {
        let len = t.values.len() * 4;
        header.insert(
            t.name.clone(),
            serde_json::json!({"dtype": "F32", "shape": t.shape, "data_offsets": [offset, offset + len]}),
        );
        offset += len;
    }
    let mut json = serde_json::to_string(&header).unwrap_or_default();
    // The data section starts 8-byte aligned; the header is padded with spaces.
    while (8 + json.len()) % 8 != 0 {
        json.push(' ');
    }
    let mut bytes = Vec::with_capacity(8 + json.len() + offset);
    bytes.extend((json.len() as u64).to_le_bytes());
    bytes.extend(json.as_bytes());
    for t in tensors {
        for v in &t.values {
            bytes.extend(v.to_le_bytes());
        }
    }
    bytes
}

/// Exports `model` to `out` (written whole or not at all).
pub fn export_safetensors(model: &Mlp, out: &Path) -> Result<(), TrainError> {
    let tensors = torch_layout(model)?;
    write_atomic(out, &safetensors_bytes(&tensors))
}
