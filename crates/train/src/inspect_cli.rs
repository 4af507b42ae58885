//! The `inspect` and `export` command lines: what a saved model holds, and its weights for
//! PyTorch or numpy.

use std::path::{Path, PathBuf};

use clap::Parser;
use mnist_model::device::{choose_device, Workload};
use mnist_model::{load_weights, ModelSummary};

use crate::export::{export_safetensors, torch_layout};

/// Print a saved model's Keras-style summary and per-layer weight statistics.
#[derive(Debug, Parser)]
#[command(name = "inspect", bin_name = "inspect", version)]
pub struct InspectArgs {
    /// The run folder holding model.json and model.bpk; default: the shipped model.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// The weights checkpointed after epoch N instead of the final model.
    #[arg(long, value_name = "N")]
    pub checkpoint: Option<usize>,
    /// One JSON object (network, parameter count, per-tensor statistics) instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Write a saved model's weights to a file other tools read.
#[derive(Debug, Parser)]
#[command(name = "export", bin_name = "export", version)]
pub struct ExportArgs {
    /// The run folder holding model.json and model.bpk; default: the shipped model.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// The weights checkpointed after epoch N instead of the final model.
    #[arg(long, value_name = "N")]
    pub checkpoint: Option<usize>,
    /// The file format; only safetensors for now.
    #[arg(long, value_parser = ["safetensors"], default_value = "safetensors")]
    pub format: String,
    /// Where to write the file; its name must end in the format's extension (.safetensors).
    pub out: PathBuf,
}

impl ExportArgs {
    /// The output path, refused when its extension is not the format's (a `model.onnx` holding
    /// safetensors bytes would mislead every tool that opens it).
    fn checked_out(&self) -> anyhow::Result<&Path> {
        let extension = self
            .out
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase());
        if extension.as_deref() != Some(self.format.as_str()) {
            anyhow::bail!(
                "{}: a {} file must be named *.{} (e.g. {}); nothing was written",
                self.out.display(),
                self.format,
                self.format,
                self.out.with_extension(&self.format).display()
            );
        }
        Ok(&self.out)
    }
}

fn stats(values: &[f32]) -> (f64, f64, f32, f32) {
    let n = values.len().max(1) as f64;
    let mean = values.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let var = values
        .iter()
        .map(|&v| (f64::from(v) - mean).powi(2))
        .sum::<f64>()
        / n;
    let min = values.iter().copied().fold(f32::INFINITY, f32::min);
    let max = values.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    (mean, var.sqrt(), min, max)
}

pub fn inspect(args: &InspectArgs) -> anyhow::Result<()> {
    let device = choose_device(None, Workload::Interactive)?.announce().1;
    let folder = args.model.clone().unwrap_or_else(infer::shipped_model_dir);
    let (model, config) = load_weights(&folder, args.checkpoint, &device)?;
    let tensors = torch_layout(&model)?;
    if args.json {
        let stats: Vec<serde_json::Value> = tensors
            .iter()
            .map(|t| {
                let (mean, std, min, max) = stats(&t.values);
                serde_json::json!({
                    "name": t.name, "shape": t.shape, "size": t.values.len(),
                    "mean": mean, "std": std, "min": min, "max": max,
                })
            })
            .collect();
        let json = serde_json::json!({
            "model": folder.display().to_string(),
            "network": ModelSummary::shape_label(&config),
            "params": ModelSummary::new(&config).total_params(),
            "tensors": stats,
        });
        println!("{json}");
        return Ok(());
    }
    println!("{}\n{}\n", folder.display(), ModelSummary::new(&config));
    println!(
        "{:<18}{:>12}{:>9}{:>11}{:>11}{:>11}{:>11}",
        "tensor", "shape", "size", "mean", "std", "min", "max"
    );
    for t in tensors {
        let (mean, std, min, max) = stats(&t.values);
        let shape = t
            .shape
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("x");
        println!(
            "{:<18}{shape:>12}{:>9}{mean:>11.4}{std:>11.4}{min:>11.4}{max:>11.4}",
            t.name,
            t.values.len()
        );
    }
    println!("\n(weights in PyTorch's [out, in] order; Burn stores them as [in, out])");
    Ok(())
}

pub fn export(args: &ExportArgs) -> anyhow::Result<()> {
    let out = args.checked_out()?;
    let device = choose_device(None, Workload::Interactive)?.announce().1;
    let folder = args.model.clone().unwrap_or_else(infer::shipped_model_dir);
    let (model, _) = load_weights(&folder, args.checkpoint, &device)?;
    export_safetensors(&model, out)?;
    println!("wrote {}", out.display());
    Ok(())
}
