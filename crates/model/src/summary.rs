//! A Keras-style model summary: layer, output shape, parameters, total.

use std::fmt;

use crate::MlpConfig;

/// One row of the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerSummary {
    pub name: String,
    pub kind: &'static str,
    pub outputs: usize,
    pub params: usize,
}

/// The whole table; `Display` prints it like Keras' `model.summary()`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelSummary {
    pub layers: Vec<LayerSummary>,
}

impl ModelSummary {
    pub fn new(config: &MlpConfig) -> Self {
        let shapes = config.layer_shapes();
        let mut layers = Vec::new();
        for (i, (d_in, d_out)) in shapes.iter().enumerate() {
            layers.push(LayerSummary {
                name: format!("dense_{}", i + 1),
                kind: "Linear",
                outputs: *d_out,
                params: d_in * d_out + d_out,
            });
            if i + 1 < shapes.len() {
                layers.push(LayerSummary {
                    name: format!("relu_{}", i + 1),
                    kind: "ReLU",
                    outputs: *d_out,
                    params: 0,
                });
            }
        }
        ModelSummary { layers }
    }

    /// The layer widths joined by dashes, e.g. "784-784-32-10".
    pub fn shape_label(config: &MlpConfig) -> String {
        let shapes = config.layer_shapes();
        std::iter::once(config.inputs)
            .chain(shapes.iter().map(|&(_, outputs)| outputs))
            .map(|s| s.to_string())
            .collect::<Vec<_>>()
            .join("-")
    }

    /// Sum of the parameters of all layers.
    pub fn total_params(&self) -> usize {
        self.layers.iter().map(|l| l.params).sum()
    }
}

/// 640890 -> "640,890".
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl fmt::Display for ModelSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rule = "-".repeat(56);
        writeln!(
            f,
            "{:<26}{:<18}{:>12}",
            "Layer (type)", "Output Shape", "Param #"
        )?;
        writeln!(f, "{}", "=".repeat(56))?;
        for l in &self.layers {
            let name = format!("{} ({})", l.name, l.kind);
            let shape = format!("(None, {})", l.outputs);
            writeln!(f, "{name:<26}{shape:<18}{:>12}", thousands(l.params))?;
        }
        writeln!(f, "{rule}")?;
        writeln!(f, "Total params: {}", thousands(self.total_params()))?;
        writeln!(f, "Trainable params: {}", thousands(self.total_params()))?;
        write!(f, "Non-trainable params: 0")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_thousands() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(330), "330");
        assert_eq!(thousands(640890), "640,890");
        assert_eq!(thousands(1234567), "1,234,567");
    }
}
