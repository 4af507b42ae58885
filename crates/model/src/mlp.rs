//! The MLP itself: input -> [Linear + ReLU] per hidden size -> Linear to logits.

use std::sync::{Mutex, MutexGuard, PoisonError};

use burn::config::Config;
use burn::module::{Module, Param};
use burn::nn::{Dropout, DropoutConfig, Initializer, Linear, LinearConfig, Relu};
use burn::tensor::{Device, Tensor};
use serde::{Deserialize, Serialize};

/// How the weights of each dense layer start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Init {
    /// Keras' `Dense` default: Glorot-uniform weights, zero biases.
    #[default]
    GlorotUniform,
    /// PyTorch's `nn.Linear` default (Burn's too): Kaiming-uniform with a = sqrt(5), biases
    /// uniform in +-1/sqrt(fan_in).
    Pytorch,
}

impl Init {
    /// All accepted names, for error messages.
    pub const NAMES: [&'static str; 2] = ["glorot_uniform", "pytorch"];
}

/// The network's shape and initialisation. The default is the tutorial's 784-784-32-10.
#[derive(Config, Debug)]
pub struct MlpConfig {
    /// Inputs per example (28 x 28 pixels).
    #[config(default = 784)]
    pub inputs: usize,
    /// Width of each hidden layer, in order.
    #[config(default = "vec![784, 32]")]
    pub hidden: Vec<usize>,
    /// Number of classes (logits out).
    #[config(default = 10)]
    pub classes: usize,
    /// Weight initialisation.
    #[config(default = "Init::GlorotUniform")]
    pub init: Init,
    /// Probability of zeroing each hidden activation during training (0 = no dropout).
    /// Only active on an autodiff device, i.e. never at evaluation or inference.
    #[config(default = 0.0)]
    pub dropout: f64,
    /// The name of each class, in label order; empty means the digits "0" to "9".
    #[config(default = "Vec::new()")]
    pub class_names: Vec<String>,
}

/// A multilayer perceptron returning logits (softmax lives in the loss and at inference).
///
/// Dropout and label smoothing are training settings, not weights: they are skipped by the
/// record, so a saved model loads the same with or without them. Dropout is Burn's layer, which
/// acts only on an autodiff (training) device.
#[derive(Module, Debug)]
pub struct Mlp {
    layers: Vec<Linear>,
    activation: Relu,
    #[module(skip)]
    dropout: Dropout,
    #[module(skip)]
    label_smoothing: f32,
    #[module(skip)]
    sparse_input: bool,
}

impl MlpConfig {
    /// `(inputs, outputs)` of each dense layer, in order.
    pub fn layer_shapes(&self) -> Vec<(usize, usize)> {
        let mut sizes = vec![self.inputs];
        sizes.extend(&self.hidden);
        sizes.push(self.classes);
        sizes.windows(2).map(|w| (w[0], w[1])).collect()
    }

    /// The name of class `label` ("0".."9" unless the config names the classes).
    pub fn class_name(&self, label: usize) -> String {
        self.class_names
            .get(label)
            .cloned()
            .unwrap_or_else(|| label.to_string())
    }

    /// Trainable parameters, computed from the shapes alone.
    pub fn num_params(&self) -> usize {
        self.layer_shapes().iter().map(|(i, o)| i * o + o).sum()
    }

    /// Builds the network on `device`, drawing weights from the device's random stream.
    /// `dropout` must be in [0, 1) (the training config and `load_trained` check it).
    pub fn init(&self, device: &Device) -> Mlp {
        let layers = self
            .layer_shapes()
            .into_iter()
            .map(|(d_in, d_out)| match self.init {
                Init::GlorotUniform => {
                    let mut linear = LinearConfig::new(d_in, d_out)
                        .with_initializer(Initializer::XavierUniform { gain: 1.0 })
                        .init(device);
                    linear.bias = Some(Param::from_tensor(Tensor::zeros([d_out], device)));
                    linear
                }
                Init::Pytorch => LinearConfig::new(d_in, d_out).init(device),
            })
            .collect();
        Mlp {
            layers,
            activation: Relu::new(),
            dropout: DropoutConfig::new(self.dropout).init(),
            label_smoothing: 0.0,
            sparse_input: true,
        }
    }
}

/// Held while a seeded network draws its weights: the backend's random generator is one per
/// process, so two runs initialising at once (tests run in threads) would interleave draws.
static SEEDED_INIT: Mutex<()> = Mutex::new(());

/// Holds the backend's random generator while the guard lives: no seeded initialisation draws
/// meanwhile. For code in the same process that draws from the generator itself (an unseeded
/// network's first use, a dropout mask) and must not shift a seeded network's weights.
pub fn hold_random_generator() -> MutexGuard<'static, ()> {
    SEEDED_INIT.lock().unwrap_or_else(PoisonError::into_inner)
}

impl MlpConfig {
    /// Builds the network with weights that depend on `seed` alone, whatever the device: they
    /// are drawn from the CPU's generator (a GPU backend's draws other numbers for the same
    /// seed), then moved to `device`. The generator is seeded and every weight drawn (Burn
    /// draws lazily, on first use) before any other seeded initialisation in this process may
    /// start. The draws are the ones `device.seed(seed)` followed by training would make on
    /// the CPU, layer by layer, weights before biases.
    pub fn init_seeded(&self, seed: u64, device: &Device) -> Mlp {
        let _only_one = hold_random_generator();
        let cpu = if device.is_autodiff() {
            Device::flex().autodiff()
        } else {
            Device::flex()
        };
        cpu.seed(seed);
        let model = self.init(&cpu);
        for layer in &model.layers {
            let _ = layer.weight.val();
            if let Some(bias) = &layer.bias {
                let _ = bias.val();
            }
        }
        if cpu == *device {
            model
        } else {
            model.fork(device)
        }
    }
}

impl Mlp {
    /// `[batch, inputs]` -> `[batch, classes]` logits. On the CPU without autodiff (evaluation,
    /// inference), a batch that is mostly background goes through the first layer as a sparse
    /// matrix (`sparse_input.rs`); the training step does the same in [`TrainStep`].
    ///
    /// [`TrainStep`]: burn::train::TrainStep
    pub fn forward(&self, images: Tensor<2>) -> Tensor<2> {
        let Some(first) = self.layers.first() else {
            return images;
        };
        let rows = images.dims()[0];
        // With autodiff, only the training step knows how to take the sparse layer's gradient.
        let sparse = (!images.is_autodiff())
            .then(|| self.sparse_images(&images))
            .flatten();
        let first_output = sparse
            .and_then(|sparse| self.sparse_first_layer(&sparse, rows, &images.device()))
            .unwrap_or_else(|| self.first_activation(first.forward(images)));
        self.after_first_layer(first_output)
    }

    /// Whether the first layer's output goes through ReLU: where another layer follows (a
    /// one-layer network's output is the logits).
    pub(crate) fn first_layer_activated(&self) -> bool {
        self.layers.len() > 1
    }

    /// ReLU on the first dense layer's output, where [`Mlp::first_layer_activated`].
    pub(crate) fn first_activation(&self, first_output: Tensor<2>) -> Tensor<2> {
        if self.first_layer_activated() {
            self.activation.forward(first_output)
        } else {
            first_output
        }
    }

    /// The rest of the network from the first layer's output after its ReLU: dropout and the
    /// second layer, then ReLU, dropout and the next layer for each later one.
    pub(crate) fn after_first_layer(&self, first_output: Tensor<2>) -> Tensor<2> {
        let mut x = first_output;
        for (index, layer) in self.layers.iter().enumerate().skip(1) {
            if index > 1 {
                x = self.activation.forward(x);
            }
            x = layer.forward(self.dropout.forward(x));
        }
        x
    }

    /// Whether the CPU may take the first layer's products from a sparse batch (the default).
    /// Off, every product is dense, as before; the bench compares the two.
    pub fn with_sparse_input(mut self, allowed: bool) -> Self {
        self.sparse_input = allowed;
        self
    }

    pub(crate) fn sparse_input_allowed(&self) -> bool {
        self.sparse_input
    }

    /// Trains against `(1 - alpha)` one-hot plus `alpha / classes` everywhere (0 = off).
    /// Validation, evaluation and the reported test loss always use the plain loss.
    pub fn with_label_smoothing(mut self, alpha: f32) -> Self {
        self.label_smoothing = alpha;
        self
    }

    /// The label smoothing used by the training step.
    pub fn label_smoothing(&self) -> f32 {
        self.label_smoothing
    }

    /// The dense layers, in order.
    pub fn layers(&self) -> &[Linear] {
        &self.layers
    }
}
