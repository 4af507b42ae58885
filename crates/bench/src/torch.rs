//! Runs `bench/torch_mlp.py`, the same recipe in PyTorch, and reads its epoch times.
//!
//! PyTorch runs with `OMP_WAIT_POLICY=PASSIVE` (its default OpenMP spin-waiting is several
//! times slower on a loaded machine) and with 1 or 2 threads, whichever the probe finds faster.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context};
use mnist_runs::config::OptimizerName;
use mnist_runs::RunConfig;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct TorchOutput {
    epoch_seconds: Vec<f64>,
    threads: usize,
    torch: String,
    peak_rss_mib: f64,
    #[serde(default)]
    sgemm_gflops: Option<f64>,
    #[serde(default)]
    eval_seconds: Option<f64>,
}

/// One PyTorch trial: the median epoch, and one pass over the test images as `evaluate` makes it.
#[derive(Debug, Clone, Copy)]
pub struct TorchTrial {
    pub epoch_seconds: f64,
    pub eval_seconds: Option<f64>,
}

pub struct TorchRunner {
    python: String,
    script: PathBuf,
    base_args: Vec<String>,
    threads: usize,
    version: String,
    peak_rss_mib: f64,
    sgemm_gflops: Option<f64>,
}

impl TorchRunner {
    /// Checks that torch imports, and picks the faster of 1 and 2 threads on a 1-epoch run.
    pub fn probe(
        python: &str,
        root: &Path,
        data_dir: &Path,
        config: &RunConfig,
        train_images: usize,
        torch_device: &str,
    ) -> anyhow::Result<TorchRunner> {
        if !config.data.augment.is_off() {
            bail!("the PyTorch script has no augmentation; bench a recipe without data.augment");
        }
        let hidden: Vec<String> = config.model.hidden.iter().map(|h| h.to_string()).collect();
        let optimizer = match config.optimizer.name {
            OptimizerName::Sgd => "sgd",
            OptimizerName::Adam => "adam",
            OptimizerName::Adamw => "adamw",
            OptimizerName::Rmsprop => "rmsprop",
        };
        let mut runner = TorchRunner {
            python: python.to_string(),
            script: root.join("bench").join("torch_mlp.py"),
            base_args: vec![
                "--data-dir".into(),
                data_dir.display().to_string(),
                "--hidden".into(),
                hidden.join(","),
                "--batch".into(),
                config.train.batch_size.to_string(),
                "--optimizer".into(),
                optimizer.into(),
                "--lr".into(),
                config.optimizer.lr().to_string(),
                "--train-images".into(),
                train_images.to_string(),
                "--device".into(),
                torch_device.into(),
            ],
            threads: 2,
            version: String::new(),
            peak_rss_mib: 0.0,
            sgemm_gflops: None,
        };
        let mut best = (f64::INFINITY, 2);
        for threads in [1, 2] {
            runner.threads = threads;
            let out = runner.launch(2, threads == 2, false)?;
            let seconds = out.epoch_seconds.last().copied().unwrap_or(f64::INFINITY);
            println!("  torch probe, {threads} thread(s): {seconds:.3} s/epoch");
            if out.sgemm_gflops.is_some() {
                runner.sgemm_gflops = out.sgemm_gflops;
            }
            runner.version = out.torch;
            if seconds < best.0 {
                best = (seconds, threads);
                runner.peak_rss_mib = out.peak_rss_mib;
            }
        }
        runner.threads = best.1;
        Ok(runner)
    }

    fn launch(&self, epochs: usize, sgemm: bool, eval: bool) -> anyhow::Result<TorchOutput> {
        let mut command = Command::new(&self.python);
        command
            .arg(&self.script)
            .args(&self.base_args)
            .args(["--epochs", &epochs.to_string()])
            .args(["--threads", &self.threads.to_string()])
            .env("OMP_WAIT_POLICY", "PASSIVE")
            .env("OMP_NUM_THREADS", self.threads.to_string());
        if sgemm {
            command.arg("--sgemm");
        }
        if eval {
            command.arg("--eval");
        }
        let output = command.output().with_context(|| {
            format!(
                "cannot run {} (install PyTorch with `pip install torch numpy`, or name the \
                 Python that has it with --python)",
                self.python
            )
        })?;
        if !output.status.success() {
            bail!(
                "{} {} failed: {}",
                self.python,
                self.script.display(),
                String::from_utf8_lossy(&output.stderr).trim()
            );
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        let last = stdout.lines().last().unwrap_or_default();
        let out: TorchOutput = serde_json::from_str(last)
            .with_context(|| format!("unexpected output from the PyTorch script: {stdout}"))?;
        anyhow::ensure!(
            out.threads == self.threads,
            "the script ran {} threads",
            out.threads
        );
        Ok(out)
    }

    /// Median seconds per epoch over `epochs` epochs after one warm-up epoch, then the
    /// evaluation pass.
    pub fn trial(&self, epochs: usize) -> anyhow::Result<TorchTrial> {
        let out = self.launch(epochs + 1, false, true)?;
        let epoch_seconds = crate::median(out.epoch_seconds.get(1..).unwrap_or_default())
            .context("the PyTorch script timed no epoch")?;
        Ok(TorchTrial {
            epoch_seconds,
            eval_seconds: out.eval_seconds,
        })
    }

    pub fn describe(&self) -> String {
        format!(
            "PyTorch {} ({}) on {} CPU thread(s), OMP_WAIT_POLICY=PASSIVE, peak RSS {:.0} MiB",
            self.version,
            self.base_args.last().map_or("cpu", |d| d.as_str()),
            self.threads,
            self.peak_rss_mib
        )
    }

    pub fn sgemm_gflops(&self) -> Option<f64> {
        self.sgemm_gflops
    }
}
