//! Run configuration: TOML -> plain serde structs (unknown keys rejected, defaults filled) -> validated.
//!
//! Burn's `#[derive(Config)]` silently accepts misspelt keys, so files are parsed here first and
//! only then turned into Burn configs (see `optim.rs` and [`ModelSection::to_burn`]).

use std::path::{Path, PathBuf};

use mnist_data::{Augmentation, DatasetKind};
use mnist_model::{Init, MlpConfig};
use serde::{Deserialize, Serialize};

use crate::error::RunsError;

/// A whole run configuration, as written in `configs/*.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    /// Run name: the results go to `<artifacts.dir>/<name>/`. Defaults to the file's stem.
    #[serde(default)]
    pub name: String,
    /// What the recipe is for and what to expect of it, in a sentence or two: printed when a
    /// run of it finishes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<String>,
    /// Seed for weight initialisation, the validation split and shuffling.
    #[serde(default = "defaults::seed")]
    pub seed: u64,
    #[serde(default)]
    pub data: DataSection,
    #[serde(default)]
    pub model: ModelSection,
    #[serde(default)]
    pub train: TrainSection,
    #[serde(default)]
    pub optimizer: OptimizerSection,
    #[serde(default)]
    pub schedule: ScheduleSection,
    /// Stop when the validation loss has not improved for `patience` epochs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub early_stopping: Option<EarlyStoppingSection>,
    #[serde(default)]
    pub artifacts: ArtifactsSection,
}

mod defaults {
    pub fn seed() -> u64 {
        42
    }
    pub fn validation_split() -> f64 {
        0.1
    }
    pub fn hidden() -> Vec<usize> {
        vec![784, 32]
    }
    pub fn epochs() -> usize {
        10
    }
    pub fn batch_size() -> usize {
        32
    }
    pub fn artifacts_dir() -> std::path::PathBuf {
        mnist_model::ARTIFACTS_DIR.into()
    }
    pub fn keep_checkpoints() -> usize {
        2
    }
    pub fn gamma() -> f64 {
        0.1
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSection {
    /// `mnist` or `fashion-mnist`.
    #[serde(default)]
    pub dataset: DatasetKind,
    /// Folder of the four IDX files; when absent the usual places are searched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dir: Option<PathBuf>,
    /// Fraction of the 60,000 training images held out for validation, in [0, 1).
    #[serde(default = "defaults::validation_split")]
    pub validation_split: f64,
    /// Use only the first N training images (before the split): for quick runs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub train_limit: Option<usize>,
    /// Random affine distortion of training images: `{ shift = px, rotation = degrees,
    /// scale = fraction }`. Off unless given; validation and test images are never distorted.
    #[serde(default, skip_serializing_if = "Augmentation::is_off")]
    pub augment: Augmentation,
}

impl Default for DataSection {
    fn default() -> Self {
        DataSection {
            dataset: DatasetKind::default(),
            dir: None,
            validation_split: defaults::validation_split(),
            train_limit: None,
            augment: Augmentation::default(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelSection {
    /// Hidden layer widths: `[784, 32]` gives 784-784-32-10.
    #[serde(default = "defaults::hidden")]
    pub hidden: Vec<usize>,
    /// `glorot_uniform` (Keras) or `pytorch`.
    #[serde(default)]
    pub init: Init,
    /// Dropout probability after each hidden layer during training, in [0, 1); 0 = off.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub dropout: f64,
}

fn is_zero(v: &f64) -> bool {
    *v == 0.0
}

impl Default for ModelSection {
    fn default() -> Self {
        ModelSection {
            hidden: defaults::hidden(),
            init: Init::default(),
            dropout: 0.0,
        }
    }
}

impl ModelSection {
    /// The Burn config of the network this section describes, naming the data set's classes.
    pub fn to_burn(&self, dataset: DatasetKind) -> MlpConfig {
        let class_names = match dataset {
            DatasetKind::Mnist => Vec::new(),
            other => other.class_names().iter().map(|s| s.to_string()).collect(),
        };
        MlpConfig::new()
            .with_hidden(self.hidden.clone())
            .with_init(self.init)
            .with_dropout(self.dropout)
            .with_class_names(class_names)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainSection {
    #[serde(default = "defaults::epochs")]
    pub epochs: usize,
    #[serde(default = "defaults::batch_size")]
    pub batch_size: usize,
    /// Label smoothing of the training loss, in [0, 1); 0 = off. Validation and test losses
    /// are always the plain cross-entropy.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub label_smoothing: f64,
    /// Save as the final model the epoch with the best validation accuracy, not the last one.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub keep_best: bool,
}

impl Default for TrainSection {
    fn default() -> Self {
        TrainSection {
            epochs: defaults::epochs(),
            batch_size: defaults::batch_size(),
            label_smoothing: 0.0,
            keep_best: false,
        }
    }
}

/// Optimiser names accepted in `optimizer.name`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptimizerName {
    #[default]
    Sgd,
    Rmsprop,
    Adam,
    Adamw,
}

impl OptimizerName {
    pub fn as_str(self) -> &'static str {
        match self {
            OptimizerName::Sgd => "sgd",
            OptimizerName::Rmsprop => "rmsprop",
            OptimizerName::Adam => "adam",
            OptimizerName::Adamw => "adamw",
        }
    }
}

/// One flat table for every optimiser; keys that do not apply to the chosen one are refused.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OptimizerSection {
    #[serde(default)]
    pub name: OptimizerName,
    /// Learning rate. Default: 0.01 for sgd, 0.001 for the others (Keras' defaults).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lr: Option<f64>,
    /// sgd: momentum factor (0 = plain SGD). Dampening is 0, as in Keras and PyTorch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub momentum: Option<f64>,
    /// sgd: Nesterov momentum.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nesterov: Option<bool>,
    /// L2 penalty (sgd, rmsprop, adam) or decoupled decay (adamw, default 0.004 as in Keras).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_decay: Option<f64>,
    /// rmsprop: discounting factor of the squared-gradient average (Keras: 0.9).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rho: Option<f64>,
    /// adam, adamw: first and second moment decay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beta1: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub beta2: Option<f64>,
    /// rmsprop, adam, adamw: numerical-stability term (Keras: 1e-7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub epsilon: Option<f64>,
}

impl OptimizerSection {
    /// The learning rate in force: the configured one or the optimiser's default.
    pub fn lr(&self) -> f64 {
        self.lr.unwrap_or(match self.name {
            OptimizerName::Sgd => 0.01,
            _ => 0.001,
        })
    }
}

/// One-cycle starts at lr / 25 (PyTorch's `div_factor`).
pub const ONECYCLE_DIV: f64 = 25.0;
/// One-cycle ends at lr / 25 / 1e4 (PyTorch's `final_div_factor`).
pub const ONECYCLE_FINAL_DIV: f64 = 1e4;

/// Learning-rate schedules accepted in `schedule.name`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ScheduleName {
    #[default]
    Constant,
    Cosine,
    Step,
    /// Smith's one-cycle: linear rise from lr/25 to lr, then cosine down to lr/25e4.
    Onecycle,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScheduleSection {
    #[serde(default)]
    pub name: ScheduleName,
    /// cosine, onecycle: the learning rate reached at the end of the last epoch (default 0
    /// for cosine, lr / 25e4 for onecycle).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_lr: Option<f64>,
    /// cosine, onecycle: epochs of linear warm-up to the peak lr (default 0 for cosine, 30% of
    /// the epochs for onecycle).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warmup_epochs: Option<usize>,
    /// step: multiply the learning rate by `gamma` every `step_epochs` epochs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_epochs: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gamma: Option<f64>,
}

impl ScheduleSection {
    pub fn gamma(&self) -> f64 {
        self.gamma.unwrap_or_else(defaults::gamma)
    }

    /// The warm-up length in steps, for a run of `total` steps of `per_epoch` each.
    pub fn warmup_steps(&self, total: usize, per_epoch: usize) -> usize {
        match (self.warmup_epochs, self.name) {
            (Some(w), _) => w * per_epoch,
            (None, ScheduleName::Onecycle) => (total * 3).div_ceil(10),
            (None, _) => 0,
        }
    }

    /// The final learning rate of the cosine part of a schedule peaking at `lr`.
    pub fn min_lr(&self, lr: f64) -> f64 {
        match (self.min_lr, self.name) {
            (Some(m), _) => m,
            (None, ScheduleName::Onecycle) => lr / ONECYCLE_DIV / ONECYCLE_FINAL_DIV,
            (None, _) => 0.0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EarlyStoppingSection {
    /// Epochs without improvement of the validation loss before stopping.
    pub patience: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ArtifactsSection {
    /// Parent folder of run folders.
    #[serde(default = "defaults::artifacts_dir")]
    pub dir: PathBuf,
    /// How many of the latest epoch checkpoints to keep (the best by validation loss is kept too).
    #[serde(default = "defaults::keep_checkpoints")]
    pub keep_checkpoints: usize,
}

impl Default for ArtifactsSection {
    fn default() -> Self {
        ArtifactsSection {
            dir: defaults::artifacts_dir(),
            keep_checkpoints: defaults::keep_checkpoints(),
        }
    }
}

/// Command-line values that replace the file's.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    pub epochs: Option<usize>,
    pub batch_size: Option<usize>,
    pub lr: Option<f64>,
    pub seed: Option<u64>,
    /// Not applied to the config: it outranks the environment variable, which outranks
    /// `data.dir` (see `mnist_data::locate_data_dir`).
    pub data_dir: Option<PathBuf>,
    pub run_name: Option<String>,
    pub artifacts_dir: Option<PathBuf>,
}

impl Overrides {
    /// The overrides that would change a resumed run's settings: all but `epochs` (the one
    /// key a resumed run may change) and those that only say where things are.
    pub fn settings_changed_on_resume(&self, saved: &RunConfig) -> Vec<String> {
        let mut changed = Vec::new();
        // A flag that repeats the saved value is no change: "the same command and --resume".
        if let Some(b) = self.batch_size.filter(|&b| b != saved.train.batch_size) {
            changed.push(format!(
                "--batch-size {b} (the run has {})",
                saved.train.batch_size
            ));
        }
        if let Some(lr) = self.lr.filter(|&lr| lr != saved.optimizer.lr()) {
            changed.push(format!("--lr {lr} (the run has {})", saved.optimizer.lr()));
        }
        if let Some(seed) = self.seed.filter(|&s| s != saved.seed) {
            changed.push(format!("--seed {seed} (the run has {})", saved.seed));
        }
        changed
    }
}

fn invalid(file: &Path, key: &str, message: impl Into<String>) -> RunsError {
    RunsError::InvalidConfig {
        file: file.to_path_buf(),
        key: key.to_string(),
        message: message.into(),
    }
}

impl RunConfig {
    /// Parses TOML text; `file` only names the source in errors. Does not validate.
    pub fn parse(text: &str, file: &Path) -> Result<Self, RunsError> {
        // An empty file is a mistake (a truncated copy, the wrong path), not "all defaults".
        if toml::from_str::<toml::Table>(text).is_ok_and(|t| t.is_empty()) {
            return Err(RunsError::ParseConfig {
                file: file.to_path_buf(),
                message: "the file sets nothing; a config needs at least one key \
                          (see configs/sgd.toml)"
                    .into(),
            });
        }
        let mut config: RunConfig = toml::from_str(text).map_err(|e| RunsError::ParseConfig {
            file: file.to_path_buf(),
            message: e.to_string(),
        })?;
        if config.name.is_empty() {
            config.name = file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_else(|| "run".to_string());
        }
        Ok(config)
    }

    /// Reads, parses and validates a config file.
    pub fn load(file: &Path) -> Result<Self, RunsError> {
        let text = std::fs::read_to_string(file).map_err(|source| RunsError::Io {
            path: file.to_path_buf(),
            cause: source,
        })?;
        let config = Self::parse(&text, file)?;
        config.validate(file)?;
        Ok(config)
    }

    /// Applies command-line overrides (then call [`validate`](Self::validate) again).
    pub fn apply(&mut self, o: &Overrides) {
        if let Some(v) = o.epochs {
            self.train.epochs = v;
        }
        if let Some(v) = o.batch_size {
            self.train.batch_size = v;
        }
        if let Some(v) = o.lr {
            self.optimizer.lr = Some(v);
        }
        if let Some(v) = o.seed {
            self.seed = v;
        }
        if let Some(v) = &o.run_name {
            self.name = v.clone();
        }
        if let Some(v) = &o.artifacts_dir {
            self.artifacts.dir = v.clone();
        }
    }

    /// Checks every value; the error names the file, the key and what is allowed.
    pub fn validate(&self, file: &Path) -> Result<(), RunsError> {
        if !crate::name::is_plain_run_name(&self.name) {
            return Err(invalid(
                file,
                "name",
                format!(
                    "{:?} is not a usable run name; use letters, digits, '-', '_' and '.' (not first)",
                    self.name
                ),
            ));
        }
        let split = self.data.validation_split;
        if !(0.0..1.0).contains(&split) {
            return Err(invalid(
                file,
                "data.validation_split",
                format!("must be in [0, 1); got {split}"),
            ));
        }
        let a = &self.data.augment;
        for (key, value, max) in [
            ("shift", a.shift, 8.0),
            ("rotation", a.rotation, 45.0),
            ("scale", a.scale, 0.5),
            ("aspect", a.aspect, 1.0),
            ("elastic", a.elastic, 100.0),
            ("thickness", a.thickness, 1.0),
            ("fill", a.fill, 1.0),
            ("letterforms", a.letterforms, 1.0),
        ] {
            if !(0.0..=max).contains(&value) {
                return Err(invalid(
                    file,
                    &format!("data.augment.{key}"),
                    format!("must be in [0, {max}]; got {value}"),
                ));
            }
        }
        if a.letterforms > 0.0 && self.data.dataset != DatasetKind::Mnist {
            return Err(invalid(
                file,
                "data.augment.letterforms",
                format!(
                    "draws digits' letterforms, so it needs the mnist data set; got {}",
                    self.data.dataset.dir_name()
                ),
            ));
        }
        if self.data.train_limit == Some(0) {
            return Err(invalid(file, "data.train_limit", "must be at least 1"));
        }
        if self.model.hidden.contains(&0) {
            return Err(invalid(
                file,
                "model.hidden",
                format!(
                    "every hidden size must be at least 1; got {:?}",
                    self.model.hidden
                ),
            ));
        }
        if self.train.epochs == 0 {
            return Err(invalid(file, "train.epochs", "must be at least 1"));
        }
        if self.train.batch_size == 0 {
            return Err(invalid(file, "train.batch_size", "must be at least 1"));
        }
        for (key, value) in [
            ("model.dropout", self.model.dropout),
            ("train.label_smoothing", self.train.label_smoothing),
        ] {
            if !(0.0..1.0).contains(&value) {
                return Err(invalid(
                    file,
                    key,
                    format!("must be in [0, 1); got {value}"),
                ));
            }
        }
        if self.train.keep_best && split == 0.0 {
            return Err(invalid(
                file,
                "train.keep_best",
                "needs a validation split to choose the best epoch: set data.validation_split > 0",
            ));
        }
        self.validate_optimizer(file)?;
        self.validate_schedule(file)?;
        if let Some(es) = &self.early_stopping {
            if es.patience == 0 {
                return Err(invalid(
                    file,
                    "early_stopping.patience",
                    "must be at least 1",
                ));
            }
        }
        Ok(())
    }

    fn validate_optimizer(&self, file: &Path) -> Result<(), RunsError> {
        let o = &self.optimizer;
        let lr = o.lr();
        if !(lr > 0.0 && lr.is_finite()) {
            return Err(invalid(
                file,
                "optimizer.lr",
                format!("must be > 0; got {lr}"),
            ));
        }
        let applies: [(&str, bool, &str); 6] = [
            ("momentum", o.momentum.is_some(), "sgd"),
            ("nesterov", o.nesterov.is_some(), "sgd"),
            ("rho", o.rho.is_some(), "rmsprop"),
            ("beta1", o.beta1.is_some(), "adam, adamw"),
            ("beta2", o.beta2.is_some(), "adam, adamw"),
            ("epsilon", o.epsilon.is_some(), "rmsprop, adam, adamw"),
        ];
        for (key, given, users) in applies {
            if given && !users.split(", ").any(|u| u == o.name.as_str()) {
                return Err(invalid(
                    file,
                    &format!("optimizer.{key}"),
                    format!(
                        "does not apply to optimizer {:?}; it is used by: {users}",
                        o.name.as_str()
                    ),
                ));
            }
        }
        let unit = |key: &str, v: Option<f64>, closed_low: bool| -> Result<(), RunsError> {
            match v {
                Some(v) if !((if closed_low { v >= 0.0 } else { v > 0.0 }) && v < 1.0) => {
                    Err(invalid(
                        file,
                        &format!("optimizer.{key}"),
                        format!(
                            "must be in {}0, 1); got {v}",
                            if closed_low { "[" } else { "(" }
                        ),
                    ))
                }
                _ => Ok(()),
            }
        };
        unit("momentum", o.momentum, true)?;
        unit("rho", o.rho, false)?;
        unit("beta1", o.beta1, true)?;
        unit("beta2", o.beta2, true)?;
        if o.nesterov == Some(true) && o.momentum.unwrap_or(0.0) == 0.0 {
            return Err(invalid(
                file,
                "optimizer.nesterov",
                "needs optimizer.momentum > 0",
            ));
        }
        for (key, v) in [("weight_decay", o.weight_decay), ("epsilon", o.epsilon)] {
            if let Some(v) = v {
                if !(v >= 0.0 && v.is_finite()) {
                    return Err(invalid(
                        file,
                        &format!("optimizer.{key}"),
                        format!("must be >= 0; got {v}"),
                    ));
                }
            }
        }
        Ok(())
    }

    fn validate_schedule(&self, file: &Path) -> Result<(), RunsError> {
        let s = &self.schedule;
        let lr = self.optimizer.lr();
        let misplaced = |key: &str, given: bool, user: &str| {
            if given && !user.split(", ").any(|u| u == s.name.as_str()) {
                Err(invalid(
                    file,
                    &format!("schedule.{key}"),
                    format!(
                        "does not apply to schedule {:?}; it is used by: {user}",
                        s.name.as_str()
                    ),
                ))
            } else {
                Ok(())
            }
        };
        misplaced("min_lr", s.min_lr.is_some(), "cosine, onecycle")?;
        misplaced(
            "warmup_epochs",
            s.warmup_epochs.is_some(),
            "cosine, onecycle",
        )?;
        misplaced("step_epochs", s.step_epochs.is_some(), "step")?;
        misplaced("gamma", s.gamma.is_some(), "step")?;
        match s.name {
            ScheduleName::Constant => {}
            ScheduleName::Cosine | ScheduleName::Onecycle => {
                if lr > 1.0 {
                    return Err(invalid(
                        file,
                        "optimizer.lr",
                        format!("the {} schedule needs lr <= 1; got {lr}", s.name.as_str()),
                    ));
                }
                let warmup = s.warmup_epochs.unwrap_or(0);
                if warmup >= self.train.epochs {
                    return Err(invalid(
                        file,
                        "schedule.warmup_epochs",
                        format!(
                            "must be less than train.epochs = {}; got {warmup}",
                            self.train.epochs
                        ),
                    ));
                }
                let min = s.min_lr(lr);
                if !(0.0..=lr).contains(&min) {
                    return Err(invalid(
                        file,
                        "schedule.min_lr",
                        format!("must be in [0, lr = {lr}]; got {min}"),
                    ));
                }
            }
            ScheduleName::Step => {
                if s.step_epochs.unwrap_or(0) == 0 {
                    return Err(invalid(
                        file,
                        "schedule.step_epochs",
                        "the step schedule needs step_epochs >= 1",
                    ));
                }
                let g = s.gamma();
                if !(g > 0.0 && g <= 1.0) {
                    return Err(invalid(
                        file,
                        "schedule.gamma",
                        format!("must be in (0, 1]; got {g}"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The config as TOML, as saved in the run folder.
    pub fn to_toml(&self) -> Result<String, RunsError> {
        toml::to_string_pretty(self).map_err(|e| RunsError::ParseConfig {
            file: PathBuf::from("<resolved config>"),
            message: e.to_string(),
        })
    }
}

impl ScheduleName {
    pub fn as_str(self) -> &'static str {
        match self {
            ScheduleName::Constant => "constant",
            ScheduleName::Cosine => "cosine",
            ScheduleName::Step => "step",
            ScheduleName::Onecycle => "onecycle",
        }
    }
}
