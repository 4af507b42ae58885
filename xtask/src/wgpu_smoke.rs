//! `cargo xtask wgpu-smoke`: the GPU backend trains and infers, and agrees with the CPU.
//!
//! Builds `train`, `eval`, `infer` and `bench` with the `wgpu` and `ndarray` features (profile
//! `gpu-smoke`), trains `configs/smoke.toml` for one epoch on `--device wgpu`, then reads the
//! sample digits and the test set with the same saved weights on wgpu, on ndarray and on the
//! CPU (flex): the predicted classes must match and the probabilities agree to 1e-3. Then
//! `bench --check-capture` on the training device: the bench's captured, replayed training step
//! trains exactly as the plain one (same losses and weights, bit for bit; required on every
//! build, `--fusion` included), with plain SGD, Adam, SGD with momentum, RMSprop and AdamW,
//! each with its update recorded; `configs/smoke-sgd.toml` trained with `train --capture` ends
//! as with plain `train` (the step replayed; the same metrics and test loss, bit for bit,
//! within 1e-6 with `--fusion`), and within 1e-4 of the same run on the CPU; and so does
//! `smoke.toml` with Adam on a cosine schedule and with SGD + momentum on a step schedule, a
//! partial last batch each. With the GPU drivers hidden, the same binaries refuse a GPU named
//! with `--device` in one line, and read on the CPU without one ([`crate::no_gpu`]); a bad
//! `CUBECL_WGPU_MAX_TASKS` is refused in one line naming it. `bench
//! --launches`: the `sgd.toml`, `adam.toml` and `rmsprop.toml` training steps, plain and
//! captured, launch no more kernels than when their budgets were set. Slow on
//! software Vulkan (Mesa's lavapipe), fast on a GPU. `--fusion` builds `fusion` instead of
//! `wgpu` (Burn's kernel fusion and autotuning); `--vulkan` builds `vulkan` (SPIR-V kernels on
//! Vulkan), trains on `--device vulkan` and reads on it as well.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, ensure, Context};

/// The largest difference allowed between a wgpu and a CPU probability.
const TOLERANCE: f64 = 1e-3;

/// The devices whose predictions are compared, the CPU (the reference) last. The build has
/// every optional backend, so this one build also proves that each of them compiles.
const DEVICES: [&str; 3] = ["wgpu", "ndarray", "cpu"];

/// The cargo profile of the smoke's build (see the workspace's Cargo.toml).
const PROFILE: &str = "gpu-smoke";

/// Where cargo puts the binaries of [`PROFILE`].
fn binary_dir(root: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|d| if d.is_relative() { root.join(d) } else { d })
        .unwrap_or_else(|| root.join("target"))
        .join(PROFILE)
}

/// Runs a built binary; its stdout, or an error with its stderr.
fn output(binary: &Path, args: &[&str]) -> anyhow::Result<String> {
    output_with(binary, args, &[])
}

/// [`output`], with the variables `env` set.
fn output_with(binary: &Path, args: &[&str], env: &[(&str, &str)]) -> anyhow::Result<String> {
    let out = Command::new(binary)
        .args(args)
        .envs(env.iter().copied())
        .output()
        .with_context(|| format!("cannot run {}", binary.display()))?;
    if !out.status.success() {
        bail!(
            "{} {} failed ({}):\n{}{}",
            binary.display(),
            args.join(" "),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `(file, class, probabilities)` of each line of `infer --json`.
fn predictions(json_lines: &str) -> anyhow::Result<Vec<(String, u64, Vec<f64>)>> {
    json_lines
        .lines()
        .map(|line| {
            let v: serde_json::Value =
                serde_json::from_str(line).with_context(|| format!("not a JSON line: {line}"))?;
            let file = v["file"].as_str().unwrap_or_default().to_string();
            let digit = v["digit"]
                .as_u64()
                .with_context(|| format!("no digit in {line}"))?;
            let probabilities: Vec<f64> = v["probabilities"]
                .as_array()
                .map(|a| a.iter().filter_map(|p| p.as_f64()).collect())
                .unwrap_or_default();
            // A missing or short list would compare equal to another missing one.
            ensure!(probabilities.len() == 10, "no ten probabilities in {line}");
            Ok((file, digit, probabilities))
        })
        .collect()
}

/// The GPU feature the smoke builds and the device it trains on: plain `wgpu` (what CI
/// proves); `fusion` with `--fusion` (kernel fusion and autotuning: a build of its own, about
/// 7 minutes more cold, and an epoch on software Vulkan of minutes rather than seconds, so CI
/// does not run it); `vulkan` with `--vulkan` (SPIR-V kernels on Vulkan, also a build of its own),
/// which trains on `vulkan` and compares it as well as `wgpu`.
fn gpu_feature(args: &[String]) -> anyhow::Result<(&'static str, &'static str)> {
    match args {
        [] => Ok(("wgpu", "wgpu")),
        [flag] if flag == "--fusion" => Ok(("fusion", "wgpu")),
        [flag] if flag == "--vulkan" => Ok(("vulkan", "vulkan")),
        _ => bail!("wgpu-smoke takes no arguments but --fusion or --vulkan; got {args:?}"),
    }
}

pub fn run(args: &[String]) -> anyhow::Result<()> {
    let (gpu, train_device) = gpu_feature(args)?;
    let root = crate::workspace_root();
    let features = format!(
        "mnist-train/{gpu},infer/{gpu},mnist-bench/{gpu},mnist-train/ndarray,infer/ndarray,mnist-bench/ndarray"
    );
    // Only the four binaries the smoke runs: linking each wgpu binary costs seconds.
    let build: Vec<String> = [
        "build",
        "--quiet",
        "--profile",
        PROFILE,
        "--package",
        "mnist-train",
        "--package",
        "infer",
        "--package",
        "mnist-bench",
        "--bin",
        "bench",
        "--bin",
        "train",
        "--bin",
        "eval",
        "--bin",
        "infer",
        "--features",
        &features,
    ]
    .map(String::from)
    .to_vec();
    ensure!(crate::cargo::run(&build)?, "the wgpu build failed");
    let bin = binary_dir(&root);
    let scratch =
        std::env::temp_dir().join(format!("burn-mnist-wgpu-smoke-{}", std::process::id()));
    let mut devices = DEVICES.to_vec();
    if train_device != "wgpu" {
        devices.insert(0, train_device);
    }
    let result = smoke(
        &root,
        &bin,
        &scratch,
        (train_device, gpu == "fusion"),
        &devices,
    );
    let _ = std::fs::remove_dir_all(&scratch);
    result
}

/// Trains on `train_device` (`fused`: a build with Burn's fusion), then reads with the saved
/// weights on each of `devices` (the CPU last, the reference).
fn smoke(
    root: &Path,
    bin: &Path,
    scratch: &Path,
    (train_device, fused): (&str, bool),
    devices: &[&'static str],
) -> anyhow::Result<()> {
    let artifacts = scratch.display().to_string();
    let config = root.join("configs").join("smoke.toml");
    let started = std::time::Instant::now();
    let trained = output(
        &bin.join("train"),
        &[
            "--config",
            &config.display().to_string(),
            "--device",
            train_device,
            "--epochs",
            "1",
            "--run-name",
            "wgpu-smoke",
            "--artifacts-dir",
            &artifacts,
        ],
    )?;
    print!("{trained}");
    println!(
        "trained on {train_device} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let run = scratch.join("wgpu-smoke").display().to_string();
    let digits = root.join("tests").join("fixtures").join("digits");
    let digits = digits.display().to_string();

    let mut by_device = Vec::new();
    for &device in devices {
        let infer = output(
            &bin.join("infer"),
            &["--model", &run, "--device", device, "--json", &digits],
        )?;
        let eval = output(
            &bin.join("eval"),
            &["--model", &run, "--device", device, "--json"],
        )?;
        let eval: serde_json::Value = serde_json::from_str(eval.trim())?;
        let accuracy = eval["accuracy"]
            .as_f64()
            .context("eval printed no accuracy")?;
        println!("{device}: test accuracy {accuracy:.2}%");
        by_device.push(Reading {
            device,
            predictions: predictions(&infer)?,
            infer,
            accuracy,
        });
    }
    let (cpu, others) = by_device.split_last().context("no device was read")?;
    for other in others {
        agree(other, cpu)?;
    }
    crate::no_gpu::checks(bin, scratch, (&run, &digits), &cpu.infer, cpu.accuracy)?;
    a_bad_launch_setting_is_refused(bin, &run)?;
    capture_checks(bin, scratch, train_device, &config)?;
    launches_within_budget(root, bin, scratch, (train_device, fused))?;
    smoke_sgd_runs_agree(root, bin, scratch, train_device, fused)?;
    for variant in [ADAM_COSINE, MOMENTUM_STEP] {
        let recipe = smoke_variant(&config, scratch, variant)?;
        captured_run_agrees(bin, scratch, train_device, fused, &recipe)?;
    }
    Ok(())
}

/// `CUBECL_WGPU_MAX_TASKS` (kernel launches per GPU submission) set to 0: `eval` with no
/// `--device` refuses it in one line naming the variable, exit 1, and reads nothing, rather than
/// taking it for a missing GPU and reading on the CPU (as it did while cubecl panicked on it).
fn a_bad_launch_setting_is_refused(bin: &Path, run: &str) -> anyhow::Result<()> {
    let out = Command::new(bin.join("eval"))
        .args(["--model", run, "--json"])
        .env("CUBECL_WGPU_MAX_TASKS", "0")
        .output()
        .context("cannot run eval")?;
    let stderr = String::from_utf8_lossy(&out.stderr);
    ensure!(
        out.status.code() == Some(1)
            && stderr.starts_with(
                "error: device \"wgpu\": CUBECL_WGPU_MAX_TASKS=\"0\" is not a positive whole number"
            )
            && stderr.trim_end().lines().count() == 1
            && out.stdout.is_empty(),
        "eval with CUBECL_WGPU_MAX_TASKS=0 should fail in one line naming the variable, exit 1; \
         it gave {}:\n{stderr}",
        out.status
    );
    println!("CUBECL_WGPU_MAX_TASKS=0 is refused in one line naming it, exit 1");
    Ok(())
}

/// The bench's captured training step (recorded launches, replayed) must train exactly as the
/// plain step on this GPU backend, its optimiser's update recorded with it: plain SGD (the
/// bench's default recipe), Adam (`smoke`, the smoke's recipe), and the smoke's recipe with
/// each other optimiser ([`OPTIMISERS`]).
fn capture_checks(
    bin: &Path,
    scratch: &Path,
    train_device: &str,
    smoke: &Path,
) -> anyhow::Result<()> {
    let mut configs = vec![None, Some(smoke.to_path_buf())];
    for variant in OPTIMISERS {
        configs.push(Some(smoke_variant(smoke, scratch, variant)?));
    }
    for config in &configs {
        let mut args = vec!["--device", train_device, "--check-capture"];
        if let Some(config) = config {
            args.extend(["--config", config.to_str().context("a non-UTF-8 path")?]);
        }
        print!("{}", output(&bin.join("bench"), &args)?);
    }
    // With 256 launches to a GPU submission instead of cubecl's 32 (bench/gpu-session.sh times
    // both): the variable is honoured, and the replay still trains exactly as plain steps.
    let args = ["--device", train_device, "--check-capture"];
    let wide = output_with(
        &bin.join("bench"),
        &args,
        &[("CUBECL_WGPU_MAX_TASKS", "256")],
    )?;
    ensure!(
        wide.contains("256 launches per submission"),
        "bench with CUBECL_WGPU_MAX_TASKS=256 did not say it ran with 256 launches per \
         submission:\n{wide}"
    );
    print!("{wide}");
    Ok(())
}

/// `smoke.toml` changed: a name, its `[optimizer]` section, and whether its batches are 128
/// with a schedule (each epoch of its 5,400 images then ends with a batch of 24).
struct Variant {
    name: &'static str,
    optimizer: &'static str,
    schedule: Option<&'static str>,
}

/// The optimisers `smoke.toml` (Adam) does not use, with the settings that add arithmetic.
const OPTIMISERS: [Variant; 3] = [
    Variant {
        name: "momentum",
        optimizer:
            "name = \"sgd\"\nlr = 0.05\nmomentum = 0.9\nnesterov = true\nweight_decay = 1e-4\n",
        schedule: None,
    },
    Variant {
        name: "rmsprop",
        optimizer: "name = \"rmsprop\"\nlr = 0.001\nweight_decay = 1e-4\n",
        schedule: None,
    },
    Variant {
        name: "adamw",
        optimizer: "name = \"adamw\"\nlr = 0.002\n",
        schedule: None,
    },
];

/// Adam whose rate and bias corrections change every step.
const ADAM_COSINE: Variant = Variant {
    name: "adam-cosine",
    optimizer: SMOKE_OPTIMIZER,
    schedule: Some("name = \"cosine\"\n"),
};

/// SGD with momentum whose rate changes once per epoch (the captured step rewrites it only
/// then).
const MOMENTUM_STEP: Variant = Variant {
    name: "momentum-step",
    optimizer: "name = \"sgd\"\nlr = 0.05\nmomentum = 0.9\n",
    schedule: Some("name = \"step\"\nstep_epochs = 1\n"),
};

/// `smoke.toml`'s own optimiser section.
const SMOKE_OPTIMIZER: &str = "name = \"adam\"\nlr = 0.002\n";

/// `variant` of `smoke`, written into `scratch` as `smoke-{name}.toml`.
fn smoke_variant(smoke: &Path, scratch: &Path, variant: Variant) -> anyhow::Result<PathBuf> {
    let text = std::fs::read_to_string(smoke)
        .with_context(|| format!("cannot read {}", smoke.display()))?;
    let optimizer = format!("[optimizer]\n{SMOKE_OPTIMIZER}");
    ensure!(
        text.contains("batch_size = 100\n")
            && text.contains(&optimizer)
            && !text.contains("[schedule]"),
        "{} no longer has the batch size, optimiser or schedule this smoke changes",
        smoke.display()
    );
    let mut text = text.replace(&optimizer, &format!("[optimizer]\n{}", variant.optimizer));
    if let Some(schedule) = variant.schedule {
        text = text.replace("batch_size = 100\n", "batch_size = 128\n");
        text += &format!("\n[schedule]\n{schedule}");
    }
    std::fs::create_dir_all(scratch)?;
    let path = scratch.join(format!("smoke-{}.toml", variant.name));
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// The kernel launches a recipe's training step may issue on plain `wgpu`: on a GPU this
/// step is launch-bound, so a change that adds launches slows it down on any GPU; this is where
/// that shows without one.
struct LaunchBudget {
    config: &'static str,
    /// Per training step, as the bench times it.
    step: f64,
    /// Per captured step: what runs outside the recording (the replay itself issues none).
    captured: f64,
    /// Whether a `--fusion` build is held to it too. Counting the captured step first checks
    /// that it trains bit for bit as the plain one, and on a fusion build that can fail by
    /// rounding where autotuning is still choosing kernels when the step is recorded: on Mesa's
    /// software Vulkan `adam.toml`'s check failed once in three runs (1 of 9 losses and 401 of
    /// 15,910 weights, by at most 1.5e-8), and passed bit for bit in the others.
    fusion_too: bool,
}

/// The budgets, each what `bench --device wgpu --launches --config ...` counted on Burn 0.22.1
/// without fusion when it was set.
const LAUNCH_BUDGETS: [LaunchBudget; 3] = [
    // 784-784-32-10, batch 500: data 2, forward 19, backward 29, SGD's update 12; captured,
    // the batch's gather (images and labels) and its copy into the recording's input buffers.
    LaunchBudget {
        config: "sgd.toml",
        step: 62.0,
        captured: 4.0,
        fusion_too: true,
    },
    // 784-20-10, batch 32: data 2, forward 15, backward 24, Adam's update 52 (13 per parameter
    // tensor); captured, the same four and the copy of the step's rate and bias corrections
    // into the recorded update's numbers (60 while Adam ran after the replay).
    LaunchBudget {
        config: "adam.toml",
        step: 93.0,
        captured: 5.0,
        fusion_too: false,
    },
    // 784-32-10, batch 128: data 2, forward 15, backward 24, RMSprop's update 36 (9 per
    // parameter tensor); captured, the batch's four (40 while RMSprop ran after the replay; its
    // constant rate is written into the recorded update once).
    LaunchBudget {
        config: "rmsprop.toml",
        step: 77.0,
        captured: 4.0,
        fusion_too: false,
    },
];

/// `bench --launches` on `train_device` for each recipe of [`LAUNCH_BUDGETS`] (on a `fused`
/// build, those marked `fusion_too`): its step, plain and captured, must launch no more kernels
/// than its budget.
fn launches_within_budget(
    root: &Path,
    bin: &Path,
    scratch: &Path,
    (train_device, fused): (&str, bool),
) -> anyhow::Result<()> {
    std::fs::create_dir_all(scratch)?;
    for budget in LAUNCH_BUDGETS.iter().filter(|b| b.fusion_too || !fused) {
        let config = root.join("configs").join(budget.config);
        let (per_step, captured) = count_launches(bin, scratch, train_device, &config)?;
        for (what, counted, most) in [
            ("training step", per_step, budget.step),
            ("captured training step", captured, budget.captured),
        ] {
            ensure!(
                counted <= most,
                "the {} {what} launches {counted:.1} kernels on {train_device}, more than the \
                 {most} it launched when its budget was set (xtask/src/wgpu_smoke.rs): on a GPU \
                 this step is launch-bound, so each added launch slows it; if that is intended, \
                 say why there and raise the budget",
                budget.config
            );
        }
        println!(
            "launches per {} step on {train_device}: {per_step:.1} (budget {}), captured \
             {captured:.1} (budget {})",
            budget.config, budget.step, budget.captured
        );
    }
    Ok(())
}

/// `bench --launches` for `config`: the launches per training step and per captured step.
fn count_launches(
    bin: &Path,
    scratch: &Path,
    train_device: &str,
    config: &Path,
) -> anyhow::Result<(f64, f64)> {
    let json = scratch.join("launches.json");
    let json_arg = json.display().to_string();
    let config_arg = config.display().to_string();
    let printed = output(
        &bin.join("bench"),
        &[
            "--device",
            train_device,
            "--launches",
            "--config",
            &config_arg,
            "--out",
            &json_arg,
        ],
    )?;
    print!("{printed}");
    let figures: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&json)
            .with_context(|| format!("bench --launches wrote no {}", json.display()))?,
    )?;
    let launches = &figures["launches"];
    let per_step = launches["whole_step"]
        .as_f64()
        .context("bench --launches gave no launches per step")?;
    let captured = launches["captured_step"]
        .as_f64()
        .context("bench --launches did not count a captured step")?;
    Ok((per_step, captured))
}

/// `configs/smoke-sgd.toml` trained on `train_device` plainly and with `--capture` (see
/// [`captured_run_agrees`]), and on the CPU: the plain run must end within rounding of the
/// CPU's (a seed draws the same network on every device, and the batches are the same).
fn smoke_sgd_runs_agree(
    root: &Path,
    bin: &Path,
    scratch: &Path,
    train_device: &str,
    fused: bool,
) -> anyhow::Result<()> {
    let sgd = root.join("configs").join("smoke-sgd.toml");
    let plain = captured_run_agrees(bin, scratch, train_device, fused, &sgd)?;
    let cpu = SmokeRun::train(bin, &sgd, scratch, "smoke-sgd-cpu", "cpu", false)?;
    let test_loss = |run: &SmokeRun| run.summary["test_loss"].as_f64().context("no test loss");
    let gap = (test_loss(&plain)? - test_loss(&cpu)?).abs();
    ensure!(
        gap <= 1e-4,
        "the same seed trained on {train_device} and on the CPU ends {gap:.1e} apart in test loss"
    );
    println!(
        "trained on {train_device} and on the CPU, the same seed ends {gap:.1e} apart in test loss"
    );
    Ok(())
}

/// `config` trained on `train_device` plainly and with `--capture` (the Learner with its step
/// recorded and replayed). The captured run must log the same `metrics.csv` rows (but the
/// seconds) and test loss as the plain one, with the step really replayed. Returns the plain
/// run.
fn captured_run_agrees(
    bin: &Path,
    scratch: &Path,
    train_device: &str,
    fused: bool,
    config: &Path,
) -> anyhow::Result<SmokeRun> {
    let recipe = config
        .file_stem()
        .map_or_else(String::new, |s| s.to_string_lossy().into_owned());
    let train = |capture: bool| {
        let name = format!("{recipe}-{}", if capture { "captured" } else { "plain" });
        let run = SmokeRun::train(bin, config, scratch, &name, train_device, capture)?;
        println!(
            "trained {recipe} on {train_device}{} in {:.1} s: test loss {}",
            if capture { " with --capture" } else { "" },
            run.seconds,
            run.summary["test_loss"]
        );
        anyhow::Ok(run)
    };
    let plain = train(false)?;
    let captured = train(true)?;

    ensure!(
        captured.summary["captured_step"] == "replayed",
        "train --capture on {train_device} did not replay a recorded step: {}",
        captured.summary["captured_step"]
    );
    // Bit for bit, but with Burn's fusion: its autotuning picks kernels by timing them in each
    // process, and two kernels may round differently (measured: 4.4e-9 in one run, 0 in the
    // next; a replay that trained wrongly is off by far more: 0.06 in the first epoch's loss).
    let allowed = if fused { FUSED_ROUNDING } else { 0.0 };
    let test_loss = |run: &SmokeRun| run.summary["test_loss"].as_f64().context("no test loss");
    let gap = metrics_gap(&plain.rows, &captured.rows)?
        .max((test_loss(&plain)? - test_loss(&captured)?).abs());
    ensure!(
        gap <= allowed,
        "train --capture of {recipe} on {train_device} ends {gap:.1e} from plain train (allowed {allowed:.0e}):\n{}\nvs\n{}",
        captured.rows.join("\n"),
        plain.rows.join("\n")
    );
    println!(
        "train --capture of {recipe} on {train_device} replays a recorded step and trains as \
         plain train: {} epochs' metrics and the test loss at most {gap:.1e} apart (allowed \
         {allowed:.0e})",
        plain.rows.len().saturating_sub(1)
    );
    Ok(plain)
}

/// How far apart a captured and a plain run may end with Burn's fusion (see
/// [`captured_run_agrees`]).
const FUSED_ROUNDING: f64 = 1e-6;

/// The largest difference between two `metrics.csv`'s figures at the same place; an error if
/// their shapes or headers differ.
fn metrics_gap(a: &[String], b: &[String]) -> anyhow::Result<f64> {
    ensure!(
        a.len() == b.len() && a.len() > 1 && a.first() == b.first(),
        "the metrics differ in shape:\n{}\nvs\n{}",
        a.join("\n"),
        b.join("\n")
    );
    let mut gap: f64 = 0.0;
    for (row_a, row_b) in a.iter().zip(b).skip(1) {
        let (cells_a, cells_b): (Vec<&str>, Vec<&str>) =
            (row_a.split(',').collect(), row_b.split(',').collect());
        ensure!(
            cells_a.len() == cells_b.len(),
            "rows {row_a} and {row_b} differ in shape"
        );
        for (x, y) in cells_a.iter().zip(&cells_b) {
            let (x, y): (f64, f64) = (
                x.parse()
                    .with_context(|| format!("not a number in {row_a}: {x}"))?,
                y.parse()
                    .with_context(|| format!("not a number in {row_b}: {y}"))?,
            );
            let d = (x - y).abs();
            gap = if d.is_nan() {
                f64::INFINITY
            } else {
                gap.max(d)
            };
        }
    }
    Ok(gap)
}

/// One `train` run of a smoke recipe: its `metrics.csv` rows without the seconds, its
/// `summary.json`, and how long it took.
struct SmokeRun {
    rows: Vec<String>,
    summary: serde_json::Value,
    seconds: f64,
}

impl SmokeRun {
    fn train(
        bin: &Path,
        config: &Path,
        scratch: &Path,
        name: &str,
        device: &str,
        capture: bool,
    ) -> anyhow::Result<Self> {
        let started = std::time::Instant::now();
        let config = config.display().to_string();
        let artifacts = scratch.display().to_string();
        let mut args = vec![
            "--config",
            &config,
            "--device",
            device,
            "--run-name",
            name,
            "--artifacts-dir",
            &artifacts,
        ];
        if capture {
            args.push("--capture");
        }
        output(&bin.join("train"), &args)?;
        let seconds = started.elapsed().as_secs_f64();
        let folder = scratch.join(name);
        let metrics = std::fs::read_to_string(folder.join("metrics.csv"))?;
        let rows = metrics
            .lines()
            .map(|l| {
                l.rsplit_once(',')
                    .map_or(l, |(rest, _seconds)| rest)
                    .to_string()
            })
            .collect();
        let summary = std::fs::read_to_string(folder.join("summary.json"))?;
        Ok(SmokeRun {
            rows,
            summary: serde_json::from_str(&summary)?,
            seconds,
        })
    }
}

/// What one device made of the sample images and the test set.
struct Reading {
    device: &'static str,
    predictions: Vec<(String, u64, Vec<f64>)>,
    /// `infer --json`'s output, as printed.
    infer: String,
    accuracy: f64,
}

/// `other` predicts what the CPU does: the same classes, probabilities within [`TOLERANCE`],
/// the test set's accuracy within 0.05 points.
fn agree(other: &Reading, cpu: &Reading) -> anyhow::Result<()> {
    let name = other.device;
    ensure!(
        other.predictions.len() == cpu.predictions.len() && !cpu.predictions.is_empty(),
        "{name} read {} images, the CPU {}",
        other.predictions.len(),
        cpu.predictions.len()
    );
    let mut worst: f64 = 0.0;
    for ((file, g, gp), (_, c, cp)) in other.predictions.iter().zip(&cpu.predictions) {
        ensure!(g == c, "{file}: {name} says {g}, the CPU {c}");
        for (a, b) in gp.iter().zip(cp) {
            worst = worst.max((a - b).abs());
        }
    }
    ensure!(
        worst <= TOLERANCE,
        "{name} and CPU probabilities differ by up to {worst:.2e} (allowed {TOLERANCE:.0e})"
    );
    // Whole test set: nearly every prediction identical (float summation order may flip a
    // near-tie or two).
    ensure!(
        (other.accuracy - cpu.accuracy).abs() <= 0.05,
        "test accuracy {:.2}% on {name} vs {:.2}% on the CPU",
        other.accuracy,
        cpu.accuracy
    );
    println!(
        "{name} agrees with the CPU: {} sample images, same classes, probabilities within \
         {worst:.1e}; test accuracy {:.2}% vs {:.2}%",
        other.predictions.len(),
        other.accuracy,
        cpu.accuracy
    );
    Ok(())
}
