//! One training run end to end: config -> data -> Burn Learner -> checkpoints, metrics, model, summary.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use burn::module::Module;
use burn::tensor::Device;
use burn::train::checkpoint::{
    ComposedCheckpointingStrategy, KeepLastNCheckpoints, MetricCheckpointingStrategy,
};
use burn::train::metric::store::{Aggregate, Direction, Split as MetricSplit};
use burn::train::metric::{AccuracyMetric, LearningRateMetric, LossMetric};
use burn::train::{
    Interrupter, Interruption, Learner, LearningResult, MetricEarlyStoppingStrategy,
    StoppingCondition, SupervisedTraining,
};
use mnist_data::{LocatedDir, MnistData, MnistDataset, MnistLoader, Residence, Split};
use mnist_model::{Mlp, MlpConfig, ModelSummary};

use crate::data_source::{load_data, training_splits};

use crate::error::TrainError;
use crate::evaluate::evaluate;
use crate::optim::{build_optimizer, build_scheduler};
use crate::renderer::{EpochRecord, EpochRenderer, Progress};
use crate::report::write_run_report;
use mnist_model::device::{backend_name, choose_device, data_residence, Workload};
use mnist_runs::config::{Overrides, RunConfig};
use mnist_runs::metrics_log::{EpochRow, MetricsLog};
use mnist_runs::run_dir::{write_atomic, RunDir, RunMode};
use mnist_runs::run_lock::RunLock;
use mnist_runs::summary::{git_state, CapturedStepUse, RunSummary};

/// Validation batches: large, since the size does not change the figures.
const VALID_BATCH: usize = 1000;

/// What to train and how.
#[derive(Debug, Clone)]
pub struct TrainRequest {
    pub config: PathBuf,
    pub overrides: Overrides,
    /// `cpu`, `flex`, `ndarray`, `wgpu`; `None` for the build's default.
    pub device: Option<String>,
    /// Train with the step captured once and replayed ([`CapturedTraining`]).
    pub capture: bool,
    pub mode: RunMode,
    /// Where the header and the epoch lines go, and whether Burn's dashboard may show.
    pub progress: Progress,
}

/// Where a finished run lies and its headline figures.
#[derive(Debug, Clone)]
pub struct TrainOutcome {
    pub run_dir: RunDir,
    pub summary: RunSummary,
    /// The recipe's own `about` line, if it has one.
    pub about: Option<String>,
}

pub use mnist_data::workspace_root;

/// The configuration a request resolves to, and the checkpoint to resume from.
fn resolve_config(req: &TrainRequest) -> Result<(RunConfig, RunDir, Option<usize>), TrainError> {
    let mut config = RunConfig::load(&req.config)?;
    config.apply(&req.overrides);
    let label = if req.overrides == Overrides::default() {
        req.config.clone()
    } else {
        PathBuf::from(format!(
            "{} (with command-line overrides)",
            req.config.display()
        ))
    };
    config.validate(&label)?;
    let run_dir = RunDir::new(&config.artifacts.dir, &config.name);
    run_dir.check(req.mode)?;
    if req.mode != RunMode::Resume {
        return Ok((config, run_dir, None));
    }

    let mut saved = RunConfig::load(&run_dir.config())?;
    let changed = req.overrides.settings_changed_on_resume(&saved);
    if !changed.is_empty() {
        return Err(TrainError::RunFolder(format!(
            "--resume continues {} with its saved settings; only --epochs may change, not {}",
            run_dir.path.display(),
            changed.join(", ")
        )));
    }
    saved.artifacts.dir = config.artifacts.dir.clone();
    saved.name = config.name.clone();
    if let Some(epochs) = req.overrides.epochs {
        saved.train.epochs = epochs;
    }
    saved.validate(&run_dir.config())?;
    let done = run_dir.latest_checkpoint().unwrap_or(0);
    if done >= saved.train.epochs {
        return Err(TrainError::RunFolder(format!(
            "{} has already trained {done} of {} epochs; pass --epochs N (N > {done}) to train further",
            run_dir.path.display(),
            saved.train.epochs
        )));
    }
    Ok((saved, run_dir, Some(done)))
}

/// What `--capture` records, for the header.
fn capture_line(config: &RunConfig) -> String {
    format!(
        "training step (forward, backward, {}'s update) captured once and replayed for every \
         batch (--capture)",
        config.optimizer.name.as_str()
    )
}

/// Trains, evaluates on the test set and writes the run folder. Prints one header block, then
/// one line per epoch (or the dashboard), to stdout.
pub fn train(req: &TrainRequest) -> Result<TrainOutcome, TrainError> {
    let (config, run_dir, resume_from) = resolve_config(req)?;
    let (device_name, device) = choose_device(req.device.as_deref(), Workload::Batches)?.announce();
    if req.capture {
        if let Some(why) = crate::capture::refusal(&config) {
            return Err(TrainError::CannotCapture {
                config: req.config.clone(),
                why,
            });
        }
    }
    let data = RunData::load(req, &config)?;

    // Everything is checked: only now is the run folder touched.
    let model_config = config.model.to_burn(config.data.dataset);
    // Held until the run is published or fails: `runs` and the page call it training.
    let _lock = start_run_folder(req.mode, &config, &run_dir, resume_from, &model_config)?;
    print_header(
        &config,
        &run_dir,
        &data,
        &device_name,
        resume_from,
        &model_config,
        req.progress,
    );
    if req.capture {
        req.progress.say(capture_line(&config));
    }
    if let Some(epoch) = resume_from {
        check_checkpoint(&run_dir, epoch, &model_config, &device)?;
    }

    let trained = run_learner(
        req,
        &config,
        &run_dir,
        resume_from,
        &model_config,
        &data,
        (&device, data_residence(&device_name)),
    )?;
    let settled = settle(&config, &run_dir, resume_from.unwrap_or(0), trained)?;
    publish(
        &config,
        &run_dir,
        &data,
        (device_name, &device),
        &model_config,
        settled,
    )
}

/// The data set a run reads, and its training and validation splits.
struct RunData {
    located: LocatedDir,
    data: MnistData,
    train: Split,
    valid: Split,
}

impl RunData {
    fn load(req: &TrainRequest, config: &RunConfig) -> Result<Self, TrainError> {
        let (located, data) = load_data(
            req.overrides.data_dir.as_deref(),
            config.data.dir.as_deref(),
            config.data.dataset,
        )?;
        let (train, valid) = training_splits(&data, config)?;
        Ok(RunData {
            located,
            data,
            train,
            valid,
        })
    }
}

/// Makes the run folder ready, locks it for this training and, for a new run, writes its
/// config and network shape.
fn start_run_folder(
    mode: RunMode,
    config: &RunConfig,
    run_dir: &RunDir,
    resume_from: Option<usize>,
    model_config: &MlpConfig,
) -> Result<RunLock, TrainError> {
    run_dir.prepare(mode)?;
    let lock = RunLock::acquire(run_dir)?;
    if resume_from.is_none() {
        write_atomic(&run_dir.config(), config.to_toml()?.as_bytes())?;
        write_atomic(&run_dir.model_config(), model_config.to_string().as_bytes())?;
    }
    Ok(lock)
}

/// The run's header block: where it goes, the data, the device and recipe, the network.
fn print_header(
    config: &RunConfig,
    run_dir: &RunDir,
    data: &RunData,
    device_name: &str,
    resume_from: Option<usize>,
    model_config: &MlpConfig,
    progress: Progress,
) {
    progress.say(format!(
        "run {} -> {}\ndata {} ({}): {} train / {} validation / {} test images\n\
         device {device_name}, seed {}, {} epochs of batch {}, optimizer {} lr {}",
        config.name,
        run_dir.path.display(),
        config.data.dataset.dir_name(),
        data.located.path.display(),
        data.train.len(),
        data.valid.len(),
        data.data.test.len(),
        config.seed,
        config.train.epochs,
        config.train.batch_size,
        config.optimizer.name.as_str(),
        config.optimizer.lr(),
    ));
    match resume_from {
        Some(epoch) => progress.say(format!("resuming after epoch {epoch}")),
        None => progress.say(ModelSummary::new(model_config)),
    }
}

/// What Burn's Learner hands back, with the epochs the metrics log recorded.
struct Trained {
    model: Mlp,
    interrupted: Option<Interruption>,
    rows: Vec<EpochRow>,
    /// With `--capture`: whether the step replayed recorded launches.
    captured: Option<bool>,
}

/// Builds the Learner (model, optimizer, schedule), the loaders and the checkpointing, runs
/// it, and returns its result once training ends or is interrupted.
fn run_learner(
    req: &TrainRequest,
    config: &RunConfig,
    run_dir: &RunDir,
    resume_from: Option<usize>,
    model_config: &MlpConfig,
    data: &RunData,
    (device, residence): (&Device, Residence),
) -> Result<Trained, TrainError> {
    let learner = new_learner(config, model_config, data.train.len(), device)?;
    let start_epoch = resume_from.unwrap_or(0);
    let log = match resume_from {
        Some(epoch) => MetricsLog::resume(&run_dir.metrics(), epoch)?,
        None => MetricsLog::new(run_dir.metrics()),
    };
    let record = Arc::new(Mutex::new(EpochRecord {
        log,
        write_error: None,
    }));
    let interrupter = Interrupter::new();
    crate::interrupt::register(&interrupter);
    let dashboard = (req.progress == Progress::Dashboard && std::io::stdout().is_terminal())
        .then(|| burn::train::renderer::default_renderer(interrupter.clone(), resume_from));
    let show_table_after = dashboard.is_some();
    let renderer = EpochRenderer::new(record.clone(), dashboard, req.progress, interrupter.clone());
    let mut training = supervised_training(
        config,
        run_dir,
        data,
        (device, residence),
        start_epoch,
        interrupter,
    )
    .renderer(Box::new(renderer));
    if let Some(epoch) = resume_from {
        training = training.checkpoint(epoch);
    }
    let mut recorded = None;
    if req.capture {
        let (captured, flag) =
            crate::capture::captured(training, device, config, run_dir, resume_from);
        training = captured;
        recorded = Some(flag);
    }
    let LearningResult {
        model,
        renderer,
        interrupted,
        error,
    } = training.launch(learner);
    crate::interrupt::clear();
    // Dropping the renderer closes Burn's dashboard and gives the terminal back: what is
    // printed from here on stays on the screen.
    drop(renderer);
    if let Some(error) = &error {
        return Err(TrainError::Training(format!(
            "{error}; checkpoints so far are in {}",
            run_dir.checkpoints().display()
        )));
    }
    let rows = logged_rows(&record, run_dir)?;
    if show_table_after {
        // The dashboard is gone once training ends: leave the figures on the screen.
        for row in rows.iter().filter(|r| r.epoch > start_epoch) {
            req.progress.say(row.line(config.train.epochs));
        }
    }
    Ok(Trained {
        model,
        interrupted,
        rows,
        captured: recorded.map(|r| r.load(std::sync::atomic::Ordering::Relaxed)),
    })
}

/// The seeded model, the recipe's optimiser and its schedule over `train_images` images an
/// epoch, on `device`'s autodiff view.
fn new_learner(
    config: &RunConfig,
    model_config: &MlpConfig,
    train_images: usize,
    device: &Device,
) -> Result<Learner<Mlp>, TrainError> {
    let model = model_config
        .init_seeded(config.seed, &device.clone().autodiff())
        .with_label_smoothing(config.train.label_smoothing as f32);
    let scheduler = build_scheduler(
        &config.schedule,
        config.optimizer.lr(),
        config.train.epochs,
        train_images.div_ceil(config.train.batch_size),
    )?;
    Ok(Learner::new(
        model,
        build_optimizer(&config.optimizer),
        scheduler,
    ))
}

/// Burn's supervised training of the recipe: the loaders (the training one shuffled from
/// `start_epoch` on, the data kept where `residence` says), metrics, checkpoints, early
/// stopping and interruption.
fn supervised_training(
    config: &RunConfig,
    run_dir: &RunDir,
    data: &RunData,
    (device, residence): (&Device, Residence),
    start_epoch: usize,
    interrupter: Interrupter,
) -> SupervisedTraining<Mlp> {
    let train_loader = MnistLoader::new(
        MnistDataset::new(data.train.clone()),
        config.train.batch_size,
        Some(config.seed),
        device,
    )
    .with_augmentation(config.data.augment)
    .with_residence(residence)
    .starting_at_epoch(start_epoch as u64);
    let valid_loader = MnistLoader::new(
        MnistDataset::new(data.valid.clone()),
        VALID_BATCH,
        None,
        device,
    )
    .with_residence(residence);
    let training = SupervisedTraining::new(
        &run_dir.path,
        Arc::new(train_loader),
        Arc::new(valid_loader),
    )
    .metrics((AccuracyMetric::new(), LossMetric::new()))
    .metric_train_numeric(LearningRateMetric::new())
    .with_default_checkpointers()
    .with_checkpointing_strategy(checkpointing(config))
    .with_interrupter(interrupter)
    .num_epochs(config.train.epochs);
    match &config.early_stopping {
        Some(es) => training.early_stopping(MetricEarlyStoppingStrategy::new(
            &LossMetric::new(),
            Aggregate::Mean,
            Direction::Lowest,
            MetricSplit::Valid,
            StoppingCondition::NoImprovementSince {
                n_epochs: es.patience,
            },
        )),
        None => training,
    }
}

/// The rows `metrics.csv` got, or the error met writing it.
fn logged_rows(record: &Mutex<EpochRecord>, run_dir: &RunDir) -> Result<Vec<EpochRow>, TrainError> {
    let record = record
        .lock()
        .map_err(|_| TrainError::Training("the metrics recorder panicked".into()))?;
    match &record.write_error {
        Some(message) => Err(TrainError::Save {
            path: run_dir.metrics(),
            message: message.clone(),
        }),
        None => Ok(record.log.rows().to_vec()),
    }
}

/// Keeps the last few epochs, and the epochs best on validation loss and accuracy (which
/// `train.keep_best` reloads).
fn checkpointing(config: &RunConfig) -> ComposedCheckpointingStrategy {
    ComposedCheckpointingStrategy::builder()
        .add(KeepLastNCheckpoints::new(
            config.artifacts.keep_checkpoints.max(1),
        ))
        .add(MetricCheckpointingStrategy::new(
            &LossMetric::new(),
            Aggregate::Mean,
            Direction::Lowest,
            MetricSplit::Valid,
        ))
        .add(MetricCheckpointingStrategy::new(
            &AccuracyMetric::new(),
            Aggregate::Mean,
            Direction::Highest,
            MetricSplit::Valid,
        ))
        .build()
}

/// The run's outcome once training is over: the model to publish and how the run ended.
struct Settled {
    model: Mlp,
    rows: Vec<EpochRow>,
    epochs_completed: usize,
    stopped_early: Option<String>,
    best_epoch: Option<usize>,
    captured: Option<bool>,
}

/// Decides what the run produced: an interruption is an error (the checkpoints are what
/// `--resume` continues from); otherwise the final model, or the best epoch's with
/// `train.keep_best`.
fn settle(
    config: &RunConfig,
    run_dir: &RunDir,
    start_epoch: usize,
    trained: Trained,
) -> Result<Settled, TrainError> {
    let Trained {
        model,
        interrupted,
        rows,
        captured,
    } = trained;
    let epochs_completed = rows.last().map_or(start_epoch, |r| r.epoch);
    // A stop that came after the last epoch had finished interrupted nothing.
    if let Some(stop) = interrupted.filter(|_| epochs_completed < config.train.epochs) {
        return Err(interrupted_run(run_dir, stop));
    }
    let stopped_early = (epochs_completed < config.train.epochs).then(|| {
        format!(
            "early stopping: validation loss did not improve for {} epochs",
            config.early_stopping.as_ref().map_or(0, |e| e.patience)
        )
    });
    let (model, best_epoch) = if config.train.keep_best {
        let best = best_valid_epoch(&rows).ok_or_else(|| {
            TrainError::Training("train.keep_best: no epoch has a validation accuracy".into())
        })?;
        let file = run_dir.checkpoint_file("model", best);
        let model = model.try_load_file(&file).map_err(|e| {
            TrainError::Training(format!(
                "train.keep_best: cannot load the best epoch's weights from {}: {e}",
                file.display()
            ))
        })?;
        (model, Some(best))
    } else {
        (model, None)
    };
    Ok(Settled {
        model,
        rows,
        epochs_completed,
        stopped_early,
        best_epoch,
        captured,
    })
}

/// The error of a run stopped before its last epoch. The model in hand is half-way through an
/// epoch and is not saved; `metrics.csv` keeps exactly the epochs a checkpoint holds (a stop
/// that came between an epoch's row and its checkpoint leaves no row without a checkpoint),
/// so `--resume` continues from where the folder says.
fn interrupted_run(run_dir: &RunDir, stop: Interruption) -> TrainError {
    let checkpointed = run_dir.latest_checkpoint();
    // Every row on disk, then those past the last checkpoint dropped from the file.
    let kept = MetricsLog::resume(&run_dir.metrics(), usize::MAX)
        .and_then(|mut log| log.truncate(checkpointed.unwrap_or(0)));
    if let Err(e) = kept {
        eprintln!("warning: {e}");
    }
    let saved = match checkpointed {
        Some(1) => format!(
            "epoch 1 is checkpointed in {}",
            run_dir.checkpoints().display()
        ),
        Some(epoch) => format!(
            "epochs 1-{epoch} are checkpointed in {}",
            run_dir.checkpoints().display()
        ),
        None => "no epoch had finished, so there is nothing to resume: start again with \
                 --overwrite"
            .to_string(),
    };
    TrainError::Interrupted {
        reason: stop.reason.unwrap_or_else(|| "interrupted".into()),
        epoch: checkpointed.unwrap_or(0) + 1,
        saved,
    }
}

/// Saves the model, evaluates it on the test set, and writes `summary.json` and the report.
fn publish(
    config: &RunConfig,
    run_dir: &RunDir,
    data: &RunData,
    (device_name, device): (String, &Device),
    model_config: &MlpConfig,
    settled: Settled,
) -> Result<TrainOutcome, TrainError> {
    let Settled {
        model,
        rows,
        epochs_completed,
        stopped_early,
        best_epoch,
        captured,
    } = settled;
    model
        .clone()
        .save_file(run_dir.model_stem())
        .map_err(|e| TrainError::Save {
            path: run_dir.model_file(),
            message: e.to_string(),
        })?;
    let test = evaluate(&model, &data.data.test, device)?;

    let kind = config.data.dataset;
    let (git_commit, git_dirty) = git_state(&workspace_root());
    let summary = RunSummary {
        run: config.name.clone(),
        dataset: kind.dir_name().to_string(),
        test_accuracy: test.accuracy,
        test_loss: test.loss,
        test_images: test.images,
        train_images: data.train.len(),
        valid_images: data.valid.len(),
        epochs_completed,
        epochs_planned: config.train.epochs,
        stopped_early,
        best_epoch,
        captured_step: captured.map(CapturedStepUse::from_recorded),
        seconds: rows
            .iter()
            .map(|r| r.seconds)
            .filter(|s| s.is_finite())
            .sum(),
        backend: backend_name(&device_name).to_string(),
        device: device_name,
        seed: config.seed,
        params: ModelSummary::new(model_config).total_params(),
        git_commit,
        git_dirty,
        data_dir: data.located.path.display().to_string(),
        dataset_checksums: data.data.checksums.iter().cloned().collect(),
    };
    summary.save(&run_dir.summary())?;
    // The run is saved by now: a picture that cannot be drawn must not hide that.
    write_run_report(
        run_dir,
        &model,
        &data.data.test,
        kind,
        &test,
        &rows,
        &summary,
    )
    .map_err(|e| {
        TrainError::RunFolder(format!(
            "the run is saved in {}, but its report could not be drawn ({e}); \
                 retry with `cargo xtask report --model {}`",
            run_dir.path.display(),
            run_dir.path.display()
        ))
    })?;
    Ok(TrainOutcome {
        run_dir: run_dir.clone(),
        summary,
        about: config.about.clone(),
    })
}

/// The epoch with the highest validation accuracy (the earliest of equals).
fn best_valid_epoch(rows: &[EpochRow]) -> Option<usize> {
    // `max_by` keeps the last of equals; walking backwards makes that the earliest epoch.
    rows.iter()
        .rev()
        .filter(|r| r.valid_accuracy.is_finite())
        .max_by(|a, b| a.valid_accuracy.total_cmp(&b.valid_accuracy))
        .map(|r| r.epoch)
}

/// Loads epoch `epoch`'s three checkpoint files before Burn does (it panics on a bad one):
/// a torn, foreign or other-network file gets an error naming it.
fn check_checkpoint(
    run_dir: &RunDir,
    epoch: usize,
    model_config: &MlpConfig,
    device: &Device,
) -> Result<(), TrainError> {
    let path = |kind: &str| run_dir.checkpoint_file(kind, epoch);
    let bad = |path: PathBuf, message: String| TrainError::BadCheckpoint { path, message };
    let model = path("model");
    model_config
        .init(device)
        .try_load_file(&model)
        .map_err(|e| {
            bad(
                model.clone(),
                format!(
                    "{e} (the run's config.toml describes a {} network)",
                    mnist_model::ModelSummary::shape_label(model_config)
                ),
            )
        })?;
    let optim = path("optim");
    burn::optim::OptimizerRecord::load(&optim).map_err(|e| bad(optim.clone(), e.to_string()))?;
    let scheduler = path("scheduler");
    burn::optim::lr_scheduler::LrSchedulerRecord::load(&scheduler)
        .map_err(|e| bad(scheduler.clone(), e.to_string()))?;
    Ok(())
}
