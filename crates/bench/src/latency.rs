//! Evaluation throughput on the test images and single-image `infer` latency, in process and
//! as a whole process (start to printed answer, the shipped model).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context};
use burn::tensor::Device;
use infer::{load_digit, shipped_model_dir, Classifier};
use mnist_data::Split;
use mnist_runs::RunConfig;
use mnist_train::evaluate::evaluate;
use serde::Serialize;

/// The digit image timed: a PNG of a 4 drawn in pen, from the test fixtures.
pub const SAMPLE_IMAGE: &str = "tests/fixtures/digits/4-drawn-0.png";
const SAMPLE_DIGIT: usize = 4;

#[derive(Debug, Clone, Serialize)]
pub struct EvalFigures {
    pub images: usize,
    pub seconds: f64,
    pub images_per_second: f64,
    /// The same pass in PyTorch (median over its trials), when it ran.
    pub torch_seconds: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct InferFigures {
    pub image: String,
    /// Loading the shipped model (config + weights) in process.
    pub model_load_ms: f64,
    /// Decode + preprocess + predict of one image in process (median).
    pub in_process_ms: f64,
    /// `infer IMAGE` as a new process, start to exit (median), model loading included: on
    /// the CPU, `infer`'s default in every build.
    pub process_ms: Option<f64>,
    /// The same with `--device` the bench's GPU, in a GPU build: what starting the GPU for
    /// one image costs.
    pub gpu_process_ms: Option<f64>,
    /// The GPU device `gpu_process_ms` was timed on.
    pub gpu_device: Option<String>,
    pub process_runs: usize,
}

fn median(values: &[f64]) -> f64 {
    crate::median(values).unwrap_or(f64::NAN)
}

/// Images per second of a full pass over `test` (median of three passes), untrained weights.
pub fn eval_throughput(
    config: &RunConfig,
    test: &Split,
    device: &Device,
) -> anyhow::Result<EvalFigures> {
    let model = config.model.to_burn(config.data.dataset).init(device);
    evaluate(&model, test, device)?; // warm-up
    let mut seconds = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        evaluate(&model, test, device)?;
        seconds.push(start.elapsed().as_secs_f64());
    }
    let seconds = median(&seconds);
    Ok(EvalFigures {
        images: test.len(),
        seconds,
        images_per_second: test.len() as f64 / seconds,
        torch_seconds: None,
    })
}

/// The `infer` binary built beside this one (`cargo xtask bench` builds both).
fn infer_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let path = exe.with_file_name(format!("infer{}", std::env::consts::EXE_SUFFIX));
    path.is_file().then_some(path)
}

/// `infer` on the sample image: in process on `device`, and as whole processes (on the CPU,
/// and on `gpu`, the bench's device when it is a GPU).
pub fn infer_latency(
    root: &Path,
    device: &Device,
    gpu: Option<&str>,
    runs: usize,
) -> anyhow::Result<InferFigures> {
    let image = root.join(SAMPLE_IMAGE);
    let model_dir = shipped_model_dir();
    let start = Instant::now();
    let classifier = Classifier::load(&model_dir, device)
        .with_context(|| format!("loading {}", model_dir.display()))?;
    let model_load_ms = start.elapsed().as_secs_f64() * 1e3;
    let mut in_process = Vec::new();
    for _ in 0..runs.max(3) {
        let start = Instant::now();
        let digit = load_digit(&image)?;
        let prediction = classifier.predict(&[digit])?;
        in_process.push(start.elapsed().as_secs_f64() * 1e3);
        if prediction.first().map(|p| p.digit()) != Some(SAMPLE_DIGIT) {
            bail!("the shipped model misread {}", image.display());
        }
    }

    let (process_ms, gpu_process_ms) = match infer_binary() {
        None => {
            eprintln!(
                "note: no infer binary beside this one; build it with \
                 `cargo build -p infer` to time a whole process"
            );
            (None, None)
        }
        Some(binary) => {
            let whole = |extra: &[&str]| whole_process_ms(&binary, &model_dir, &image, extra, runs);
            let on_gpu = match gpu {
                Some(name) => Some(whole(&["--device", name])?),
                None => None,
            };
            (Some(whole(&[])?), on_gpu)
        }
    };
    Ok(InferFigures {
        image: SAMPLE_IMAGE.to_string(),
        model_load_ms,
        in_process_ms: median(&in_process),
        process_ms,
        gpu_process_ms,
        gpu_device: gpu_process_ms.and(gpu.map(str::to_string)),
        process_runs: runs,
    })
}

/// Median milliseconds of `runs` whole `infer` processes reading `image` with the shipped
/// model (`extra`: more arguments); each must answer the right digit.
fn whole_process_ms(
    binary: &Path,
    model_dir: &Path,
    image: &Path,
    extra: &[&str],
    runs: usize,
) -> anyhow::Result<f64> {
    let mut times = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        let output = Command::new(binary)
            .arg("--model")
            .arg(model_dir)
            .args(extra)
            .arg(image)
            .output()
            .with_context(|| format!("running {}", binary.display()))?;
        times.push(start.elapsed().as_secs_f64() * 1e3);
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() || !stdout.contains(&format!(": {SAMPLE_DIGIT} (")) {
            bail!(
                "{} {} did not answer {SAMPLE_DIGIT}: {stdout}{}",
                binary.display(),
                extra.join(" "),
                String::from_utf8_lossy(&output.stderr)
            );
        }
    }
    Ok(median(&times))
}
