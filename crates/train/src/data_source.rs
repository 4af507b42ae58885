//! Where a run's data comes from: the folders `mnist_data::locate_data_dir` searches, and when
//! none holds the files (and none was named), a download into `data/<set>` as Keras' `load_data`
//! does.

use std::path::Path;

use mnist_data::{env_name, locate_data_dir, DataError, DatasetKind, LocatedDir, MnistData, Split};

use mnist_runs::config::RunConfig;

use crate::error::TrainError;

/// Finds the data set's folder; downloads it into `<workspace>/data/<set>` when it is nowhere
/// and no folder was named (by flag, variable or config: a named folder without the files is
/// an error, never replaced by a download). `report` receives the download's lines.
pub fn locate_or_download(
    flag: Option<&Path>,
    config: Option<&Path>,
    kind: DatasetKind,
    workspace_root: &Path,
    report: &mut dyn FnMut(&str),
) -> Result<LocatedDir, TrainError> {
    let not_found = match locate_data_dir(flag, config, kind, workspace_root) {
        Ok(found) => return Ok(found),
        Err(DataError::NotFound(message)) => message,
        Err(other) => return Err(other.into()),
    };
    let named = flag.is_some()
        || config.is_some()
        || std::env::var_os(env_name(kind)).is_some_and(|v| !v.is_empty());
    if named {
        return Err(DataError::NotFound(not_found).into());
    }
    let source =
        mnist_fetch::source(kind.dir_name()).map_err(|e| download_failed(&not_found, e))?;
    let dir = workspace_root.join("data").join(kind.dir_name());
    report(&format!(
        "{} not found; downloading it into {} (sha256 checked)",
        kind.dir_name(),
        dir.display()
    ));
    mnist_fetch::fetch(source, &dir, report).map_err(|e| download_failed(&not_found, e))?;
    Ok(locate_data_dir(flag, config, kind, workspace_root)?)
}

/// The data set every command reads (train, eval, bench): found or downloaded as
/// [`locate_or_download`] does, with the download's lines on stderr, then loaded and checked.
pub fn load_data(
    flag: Option<&Path>,
    config: Option<&Path>,
    kind: DatasetKind,
) -> Result<(LocatedDir, MnistData), TrainError> {
    let located = locate_or_download(
        flag,
        config,
        kind,
        &mnist_data::workspace_root(),
        &mut |line| eprintln!("{line}"),
    )?;
    let data = MnistData::load(&located.path)?;
    Ok((located, data))
}

fn download_failed(not_found: &str, e: mnist_fetch::FetchError) -> TrainError {
    TrainError::DataDownload(format!(
        "{not_found}\nDownloading it failed too (offline?): {e}"
    ))
}

/// The training and validation splits a run of `config` trains on: the first
/// `data.train_limit` training images, if set, split by `data.validation_split` and `seed`.
pub fn training_splits(data: &MnistData, config: &RunConfig) -> Result<(Split, Split), TrainError> {
    let pool = match config.data.train_limit {
        Some(limit) => data.train.take(limit),
        None => data.train.clone(),
    };
    Ok(pool.split_validation(config.data.validation_split, config.seed)?)
}
