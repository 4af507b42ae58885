//! Inside the network: every layer's activations for one input, the weights into any unit, and
//! which units of the last hidden layer pushed the answer up (activation x weight).
//!
//! Computed from the saved weights on the host, layer by layer as [`mnist_model::Mlp`] computes
//! them at inference (a dense product, the bias, ReLU between layers), so a learner can check
//! each number against the formula; the probabilities are the classifier's own.

use burn::tensor::activation::softmax;
use burn::tensor::{Tensor, TensorData};
use mnist_data::{normalize_image, IMAGE_PIXELS};
use serde::Serialize;

use crate::error::InferError;
use crate::predict::Classifier;

/// One dense layer's weights, read back from the device: `weights[i * outputs + j]` joins input
/// `i` to output `j` (Burn's `[inputs, outputs]` layout).
#[derive(Debug, Clone)]
pub struct LayerWeights {
    pub inputs: usize,
    pub outputs: usize,
    pub weights: Vec<f32>,
    pub biases: Vec<f32>,
}

impl LayerWeights {
    /// The weights into output unit `unit`, one per input.
    pub fn incoming(&self, unit: usize) -> Option<Vec<f32>> {
        (unit < self.outputs).then(|| {
            (0..self.inputs)
                .map(|i| self.weights[i * self.outputs + unit])
                .collect()
        })
    }

    /// `inputs . W + b`, then ReLU when `relu`.
    fn forward(&self, inputs: &[f32], relu: bool) -> Vec<f32> {
        let mut out = self.biases.clone();
        for (i, &x) in inputs.iter().enumerate() {
            if x == 0.0 {
                continue;
            }
            let row = &self.weights[i * self.outputs..(i + 1) * self.outputs];
            for (o, w) in out.iter_mut().zip(row) {
                *o += x * w;
            }
        }
        if relu {
            out.iter_mut().for_each(|v| *v = v.max(0.0));
        }
        out
    }
}

/// What every layer did with one input.
#[derive(Debug, Clone, Serialize)]
pub struct Explanation {
    /// The network's input: the 784 pixels as training normalised them.
    pub input: Vec<f32>,
    /// Each hidden layer's activations (after ReLU), first to last.
    pub hidden: Vec<Vec<f32>>,
    /// The output layer's logits, one per class.
    pub logits: Vec<f32>,
    /// Softmax of the logits.
    pub probabilities: Vec<f32>,
    /// The answer: the most probable class.
    pub answer: usize,
    /// The last hidden layer's units by what they added to the answer's logit (activation x
    /// weight into the answer), largest first; units that were off are left out.
    pub contributions: Vec<Contribution>,
}

/// What one unit of the last hidden layer added to the answer's logit.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Contribution {
    pub unit: usize,
    pub activation: f32,
    pub weight: f32,
    pub product: f32,
}

impl Classifier {
    /// Every dense layer's weights, first to last.
    pub fn layer_weights(&self) -> Result<Vec<LayerWeights>, InferError> {
        let read = |data: TensorData| {
            data.try_into_vec_as::<f32>()
                .map_err(|e| InferError::Model(format!("cannot read the weights: {e:?}")))
        };
        self.model()
            .layers()
            .iter()
            .map(|layer| {
                let [inputs, outputs] = layer.weight.dims();
                let biases = match &layer.bias {
                    Some(bias) => read(bias.val().into_data())?,
                    None => vec![0.0; outputs],
                };
                Ok(LayerWeights {
                    inputs,
                    outputs,
                    weights: read(layer.weight.val().into_data())?,
                    biases,
                })
            })
            .collect()
    }

    /// Every layer's activations for `digit` (28x28 grey levels, as [`Classifier::predict`]
    /// takes them).
    pub fn explain(&self, digit: &[u8; IMAGE_PIXELS]) -> Result<Explanation, InferError> {
        let layers = self.layer_weights()?;
        Ok(explain_with(&layers, digit, self.device()))
    }
}

/// [`Classifier::explain`] with the weights already read.
pub fn explain_with(
    layers: &[LayerWeights],
    digit: &[u8; IMAGE_PIXELS],
    device: &burn::tensor::Device,
) -> Explanation {
    let input = normalize_image(digit);
    let mut hidden = Vec::new();
    let mut x = input.clone();
    for (k, layer) in layers.iter().enumerate() {
        let last = k + 1 == layers.len();
        x = layer.forward(&x, !last);
        if !last {
            hidden.push(x.clone());
        }
    }
    let logits = x;
    let probabilities = softmax(
        Tensor::<1>::from_data(TensorData::new(logits.clone(), [logits.len()]), device),
        0,
    )
    .into_data()
    .try_into_vec_as::<f32>()
    .unwrap_or_default();
    let answer = logits
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.total_cmp(b.1))
        .map_or(0, |(i, _)| i);
    let contributions = match (hidden.last(), layers.last()) {
        (Some(last_hidden), Some(output)) => contributions(last_hidden, output, answer),
        _ => Vec::new(),
    };
    Explanation {
        input,
        hidden,
        logits,
        probabilities,
        answer,
        contributions,
    }
}

/// The units of `activations` (the last hidden layer) that were on, by activation x their
/// weight into `answer`, largest first.
fn contributions(activations: &[f32], output: &LayerWeights, answer: usize) -> Vec<Contribution> {
    let mut found: Vec<Contribution> = activations
        .iter()
        .enumerate()
        .filter(|&(_, &a)| a > 0.0)
        .map(|(unit, &activation)| {
            let weight = output.weights[unit * output.outputs + answer];
            Contribution {
                unit,
                activation,
                weight,
                product: activation * weight,
            }
        })
        .collect();
    found.sort_by(|a, b| b.product.total_cmp(&a.product));
    found
}
