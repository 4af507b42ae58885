//! The bench's figures: the table it prints and the `bench.json` it writes.

use std::fmt;

use mnist_runs::RunConfig;
use serde::Serialize;

use crate::latency::{EvalFigures, InferFigures};
use crate::launch_profile::LaunchProfile;
use crate::median;
use crate::timed_training::{flops_per_sample, EpochTiming};

/// The figures of a bench run: what it measured, and what follows from it.
#[derive(Debug, Clone, Serialize)]
pub struct BenchReport {
    pub recipe: String,
    pub device: String,
    pub train_images: usize,
    pub batch_size: usize,
    #[serde(flatten)]
    pub measured: Measured,
    /// ours / PyTorch per pair, and their median: below 1 means faster than PyTorch.
    pub ratios: Vec<f64>,
    pub median_ratio: Option<f64>,
    pub median_epoch_seconds: f64,
    pub samples_per_second: f64,
    pub gflop_per_epoch: f64,
    /// The epoch's arithmetic at the faster of the two sgemm rates, and our epoch over it.
    pub floor_seconds: f64,
    pub floor_ratio: f64,
    /// Peak resident memory of this process (VmHWM), data sets included.
    pub peak_rss_mib: Option<f64>,
}

/// Another way of running our epochs, timed in the same trials as the plain one.
#[derive(Debug, Clone, Serialize)]
pub struct Variant {
    /// What differs, as the table says it: `data on the device`.
    pub label: String,
    /// Median epoch of each trial.
    pub epochs: Vec<EpochTiming>,
    /// This variant's epoch / PyTorch's per pair, and their median.
    pub ratios: Vec<f64>,
    pub median_ratio: Option<f64>,
    pub median_epoch_seconds: Option<f64>,
    /// Our plain epoch / this variant's, trial by trial, and their median: below 1 means the
    /// plain epoch is the faster.
    pub ours_over_variant: Vec<f64>,
    pub median_ours_over_variant: Option<f64>,
}

impl Variant {
    /// `epochs` (one per trial) against PyTorch's epochs and our plain ones of the same trials.
    pub fn new(label: &str, epochs: Vec<EpochTiming>, torch: &[f64], ours: &[EpochTiming]) -> Self {
        let ratios = ratios_to_torch(&epochs, torch);
        let totals: Vec<f64> = epochs.iter().map(|o| o.total).collect();
        let ours_over_variant: Vec<f64> =
            ours.iter().zip(&totals).map(|(o, v)| o.total / v).collect();
        Variant {
            label: label.to_string(),
            median_ours_over_variant: median(&ours_over_variant),
            ours_over_variant,
            median_ratio: median(&ratios),
            median_epoch_seconds: median(&totals),
            ratios,
            epochs,
        }
    }
}

/// Our epoch / PyTorch's, pair by pair.
fn ratios_to_torch(epochs: &[EpochTiming], torch: &[f64]) -> Vec<f64> {
    epochs.iter().zip(torch).map(|(o, t)| o.total / t).collect()
}

/// VmHWM from /proc/self/status, in MiB (Linux only).
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// What a bench run measured.
#[derive(Debug, Clone, Serialize)]
pub struct Measured {
    /// Median epoch of each trial (ours), in trial order: whole epochs, one device sync each.
    pub ours: Vec<EpochTiming>,
    /// Other ways of running the same epochs, timed in the same trials: the training set
    /// kept on the device, the training step captured and replayed, every product dense.
    pub variants: Vec<Variant>,
    /// The median epoch of a separate run with a device sync after each phase of each step.
    pub profile: EpochTiming,
    /// Whether that run kept the data on the device (as `train` does on a GPU).
    pub profile_data_on_device: bool,
    /// Median epoch seconds of each PyTorch trial, interleaved with ours.
    pub torch: Vec<f64>,
    pub torch_setup: Option<String>,
    /// The sgemm rate (2048^3, best of 10) of our backend and, if it ran, of PyTorch.
    pub our_sgemm_gflops: f64,
    pub torch_sgemm_gflops: Option<f64>,
    pub eval: EvalFigures,
    pub infer: InferFigures,
    /// Kernel launches per step and per evaluation of the test images, on a GPU.
    pub launches: Option<LaunchProfile>,
}

impl BenchReport {
    /// The report of `measured`, for `config`'s recipe on `train_images` images, on `device`.
    pub fn new(config: &RunConfig, device: &str, train_images: usize, measured: Measured) -> Self {
        let m = &measured;
        let ratios = ratios_to_torch(&m.ours, &m.torch);
        let totals: Vec<f64> = m.ours.iter().map(|o| o.total).collect();
        let median_epoch_seconds = median(&totals).unwrap_or(f64::NAN);
        let model = config.model.to_burn(config.data.dataset);
        let gflop_per_epoch = flops_per_sample(&model) * train_images as f64 / 1e9;
        let rate = m
            .torch_sgemm_gflops
            .map_or(m.our_sgemm_gflops, |t| t.max(m.our_sgemm_gflops));
        let floor_seconds = gflop_per_epoch / rate;
        BenchReport {
            recipe: config.name.clone(),
            device: device.to_string(),
            train_images,
            batch_size: config.train.batch_size,
            measured,
            median_ratio: median(&ratios),
            ratios,
            median_epoch_seconds,
            samples_per_second: train_images as f64 / median_epoch_seconds,
            gflop_per_epoch,
            floor_ratio: median_epoch_seconds / floor_seconds,
            floor_seconds,
            peak_rss_mib: peak_rss_mib(),
        }
    }
}

impl fmt::Display for BenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.write_epochs(f)?;
        self.write_ratios(f)?;
        self.write_arithmetic(f)?;
        self.write_eval_and_infer(f)?;
        if let Some(mib) = self.peak_rss_mib {
            writeln!(f, "| peak memory (this process) | {mib:.0} MiB |")?;
        }
        if let Some(setup) = &self.measured.torch_setup {
            writeln!(f, "\nreference: {setup}")?;
        }
        Ok(())
    }
}

/// The table's rows, a group at a time.
impl BenchReport {
    /// The recipe, our epochs (plain, each other way, the profile) and the launches.
    fn write_epochs(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "recipe {} on {}: {} images per epoch, batch {}",
            self.recipe, self.device, self.train_images, self.batch_size
        )?;
        writeln!(f, "| figure | value |\n|---|---|")?;
        writeln!(
            f,
            "| epoch (median) | {:.3} s ({:.0} samples/s) |",
            self.median_epoch_seconds, self.samples_per_second
        )?;
        for v in &self.measured.variants {
            if let Some(seconds) = v.median_epoch_seconds {
                writeln!(
                    f,
                    "| epoch (median), {} | {seconds:.3} s ({:.0} samples/s) |",
                    v.label,
                    self.train_images as f64 / seconds
                )?;
            }
        }
        let p = &self.measured.profile;
        writeln!(
            f,
            "| profile epoch, a device sync after each phase{}: data / forward / backward / step | {:.3} s: {:.3} / {:.3} / {:.3} / {:.3} s |",
            if self.measured.profile_data_on_device {
                " (data on the device)"
            } else {
                ""
            },
            p.total,
            p.data,
            p.forward,
            p.backward,
            p.step
        )?;
        if let Some(launches) = &self.measured.launches {
            write!(f, "{launches}")?;
        }
        Ok(())
    }

    /// Ours against PyTorch, and each other way against ours and PyTorch.
    fn write_ratios(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(ratio) = self.median_ratio {
            let pairs: Vec<String> = self.ratios.iter().map(|r| format!("{r:.2}")).collect();
            writeln!(
                f,
                "| PyTorch epoch (median) | {:.3} s |",
                median(&self.measured.torch).unwrap_or(f64::NAN)
            )?;
            writeln!(
                f,
                "| ours / PyTorch, per pair | {} |\n| ours / PyTorch, median of {} pairs | **{ratio:.2}** |",
                pairs.join(", "),
                self.ratios.len()
            )?;
        }
        for v in &self.measured.variants {
            if let Some(ratio) = v.median_ours_over_variant {
                let trials: Vec<String> = v
                    .ours_over_variant
                    .iter()
                    .map(|r| format!("{r:.2}"))
                    .collect();
                writeln!(
                    f,
                    "| ours / ours {}, per trial: {} | median **{ratio:.2}** |",
                    v.label,
                    trials.join(", ")
                )?;
            }
            if let Some(ratio) = v.median_ratio {
                writeln!(
                    f,
                    "| ours, {} / PyTorch, median of {} pairs | **{ratio:.2}** |",
                    v.label,
                    v.ratios.len()
                )?;
            }
        }
        Ok(())
    }

    /// The epoch's arithmetic, the sgemm rates, and the floor they give.
    fn write_arithmetic(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "| arithmetic per epoch | {:.0} GFLOP |",
            self.gflop_per_epoch
        )?;
        let torch_rate = self
            .measured
            .torch_sgemm_gflops
            .map_or(String::new(), |t| format!(", PyTorch {t:.0}"));
        writeln!(
            f,
            "| sgemm 2048^3, GFLOP/s | ours {:.0}{torch_rate} |",
            self.measured.our_sgemm_gflops
        )?;
        writeln!(
            f,
            "| arithmetic floor at the faster rate (every product dense) | {:.3} s; our epoch is {:.2}x the floor |",
            self.floor_seconds, self.floor_ratio
        )?;
        Ok(())
    }

    /// Evaluation of the test set, and `infer` on one image.
    fn write_eval_and_infer(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = &self.measured.eval;
        writeln!(
            f,
            "| eval, {} test images | {:.3} s ({:.0} images/s) |",
            e.images, e.seconds, e.images_per_second
        )?;
        if let Some(theirs) = e.torch_seconds {
            writeln!(
                f,
                "| PyTorch eval, the same pass (median) | {theirs:.3} s; ours / PyTorch **{:.2}** |",
                e.seconds / theirs
            )?;
        }
        writeln!(
            f,
            "| infer in process (decode + preprocess + predict) | {:.2} ms; model load {:.1} ms |",
            self.measured.infer.in_process_ms, self.measured.infer.model_load_ms
        )?;
        if let Some(ms) = self.measured.infer.process_ms {
            writeln!(
                f,
                "| `infer {}` whole process, on the CPU as by default (median of {}) | {ms:.1} ms |",
                self.measured.infer.image, self.measured.infer.process_runs
            )?;
        }
        if let (Some(ms), Some(gpu)) = (
            self.measured.infer.gpu_process_ms,
            &self.measured.infer.gpu_device,
        ) {
            writeln!(
                f,
                "| `infer --device {gpu} ...` the same, the GPU started for one image | {ms:.1} ms |"
            )?;
        }
        Ok(())
    }
}
