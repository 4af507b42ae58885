//! A Burn `DataLoader` whose shuffle order depends only on (seed, epoch), so resumed runs replay exactly.
//!
//! Burn's own loader shuffles from one RNG that advances each epoch; a run resumed at epoch k
//! would start that RNG afresh and see epoch 1's order again. Here epoch `e` is always shuffled
//! with a seed derived from `(seed, e)`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use burn::data::dataloader::batcher::Batcher;
use burn::data::dataloader::{DataLoader, DataLoaderIterator, Progress};
use burn::data::dataset::{Dataset, DatasetError};
use burn::tensor::Device;

use crate::augment::Augmentation;
use crate::batcher::{MnistBatch, MnistBatcher};
use crate::dataset::MnistDataset;
use crate::dataset::MnistItem;
use crate::prefetch::Prefetched;
use crate::resident::{is_cpu, DeviceData, Residence};
use crate::shuffle::{derive_seed, permutation};

/// Below this many items per thread, warping a batch on one thread is cheaper than spawning.
const MIN_ITEMS_PER_THREAD: usize = 32;

/// Batches of a [`MnistDataset`], optionally reshuffled every epoch.
pub struct MnistLoader {
    dataset: Arc<MnistDataset>,
    /// Positions of the dataset this loader covers (all of it unless sliced).
    range: (usize, usize),
    batch_size: usize,
    shuffle_seed: Option<u64>,
    /// The epoch the next call to `iter` serves (0-based).
    next_epoch: AtomicU64,
    /// Random distortion of each item, drawn from (seed, epoch, item); off by default.
    augmentation: Augmentation,
    /// Where undistorted batches are assembled; see [`MnistLoader::with_residence`].
    residence: Residence,
    /// The data set on `device`, uploaded by the first epoch that needs it (shared with the
    /// slices of this loader on the same device).
    on_device: Arc<OnceLock<DeviceData>>,
    device: Device,
}

impl MnistLoader {
    /// A loader of `batch_size` (at least 1) items; with `shuffle_seed`, each epoch is reshuffled.
    pub fn new(
        dataset: MnistDataset,
        batch_size: usize,
        shuffle_seed: Option<u64>,
        device: &Device,
    ) -> Self {
        let len = dataset.len();
        MnistLoader {
            dataset: Arc::new(dataset),
            range: (0, len),
            batch_size: batch_size.max(1),
            shuffle_seed,
            next_epoch: AtomicU64::new(0),
            augmentation: Augmentation::default(),
            residence: Residence::default(),
            on_device: Arc::new(OnceLock::new()),
            device: device.clone(),
        }
    }

    /// Keeps the data set where `residence` says. [`Residence::Device`] uploads it once and
    /// gathers each batch on the device; it applies to undistorted batches only (distortion
    /// happens on the host), so a loader with augmentation assembles its batches on the host.
    pub fn with_residence(mut self, residence: Residence) -> Self {
        self.residence = residence;
        self
    }

    /// Distorts every item it serves with `augmentation` (training batches only). Needs a
    /// shuffle seed, from which the distortions are drawn.
    pub fn with_augmentation(mut self, augmentation: Augmentation) -> Self {
        self.augmentation = augmentation;
        self
    }

    /// Makes the next `iter` serve epoch `epoch` (0-based): used when resuming after `epoch` epochs.
    pub fn starting_at_epoch(self, epoch: u64) -> Self {
        self.next_epoch.store(epoch, Ordering::SeqCst);
        self
    }

    fn sibling(&self, device: &Device, range: (usize, usize)) -> MnistLoader {
        MnistLoader {
            dataset: self.dataset.clone(),
            range,
            batch_size: self.batch_size,
            shuffle_seed: self.shuffle_seed,
            next_epoch: AtomicU64::new(self.next_epoch.load(Ordering::SeqCst)),
            augmentation: self.augmentation,
            residence: self.residence,
            on_device: if *device == self.device {
                self.on_device.clone()
            } else {
                Arc::new(OnceLock::new())
            },
            device: device.clone(),
        }
    }

    /// The order in which epoch `epoch` visits the loader's positions.
    fn order(&self, epoch: u64) -> Vec<usize> {
        let (start, end) = self.range;
        match self.shuffle_seed {
            Some(seed) => permutation(end - start, derive_seed(seed, epoch))
                .into_iter()
                .map(|i| start + i)
                .collect(),
            None => (start..end).collect(),
        }
    }
}

impl DataLoader<MnistBatch> for MnistLoader {
    fn iter<'a>(&'a self) -> Box<dyn DataLoaderIterator<MnistBatch> + 'a> {
        let epoch = self.next_epoch.fetch_add(1, Ordering::SeqCst);
        let distort = match self.shuffle_seed {
            Some(seed) if !self.augmentation.is_off() => Some(derive_seed(seed ^ 0xA5A5, epoch)),
            _ => None,
        };
        let on_device = (distort.is_none() && self.residence == Residence::Device)
            .then(|| self.on_device.clone());
        let order = Arc::new(self.order(epoch));
        let source = BatchSource {
            dataset: self.dataset.clone(),
            order: order.clone(),
            batch_size: self.batch_size,
            position: 0,
            distort,
            augmentation: self.augmentation,
            on_device,
            device: self.device.clone(),
        };
        let batches = if is_cpu(&self.device) {
            Batches::prefetched(source)
        } else {
            Batches::Inline(source)
        };
        Box::new(MnistLoaderIter {
            batches,
            items: order.len(),
            batch_size: self.batch_size,
            position: 0,
        })
    }

    fn num_items(&self) -> usize {
        self.range.1 - self.range.0
    }

    fn to_device(&self, device: &Device) -> Arc<dyn DataLoader<MnistBatch>> {
        Arc::new(self.sibling(device, self.range))
    }

    fn slice(&self, start: usize, end: usize) -> Arc<dyn DataLoader<MnistBatch>> {
        let base = self.range.0;
        let end = (base + end).min(self.range.1);
        let start = (base + start).min(end);
        Arc::new(self.sibling(&self.device, (start, end)))
    }
}

/// One epoch's batches, in order: everything needed to make them, owned, so that they can be
/// made on another thread.
#[derive(Clone)]
struct BatchSource {
    dataset: Arc<MnistDataset>,
    order: Arc<Vec<usize>>,
    batch_size: usize,
    position: usize,
    /// The epoch's distortion seed, when augmenting.
    distort: Option<u64>,
    augmentation: Augmentation,
    /// The data set on the device (uploaded on first use), when batches are gathered there.
    on_device: Option<Arc<OnceLock<DeviceData>>>,
    device: Device,
}

impl BatchSource {
    /// The items at `positions`, distorted when augmenting.
    fn fetch(&self, positions: &[usize]) -> Result<Vec<MnistItem>, DatasetError> {
        positions
            .iter()
            .map(|&i| {
                let mut item = self.dataset.get(i)?;
                if let Some(seed) = self.distort {
                    let seed = derive_seed(seed, i as u64);
                    item.image = self.augmentation.distort(seed, &item.image, item.label);
                }
                Ok(item)
            })
            .collect()
    }

    /// The items at `positions`: warping, the one costly step, spread over the cores. Each
    /// item's distortion depends on its index only, so the result does not depend on the
    /// number of threads.
    fn fetch_in_parallel(&self, positions: &[usize]) -> Result<Vec<MnistItem>, DatasetError> {
        let threads = std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .min(positions.len() / MIN_ITEMS_PER_THREAD);
        let chunk = positions.len().div_ceil(threads.max(1));
        std::thread::scope(|scope| {
            let handles: Vec<_> = positions
                .chunks(chunk)
                .map(|part| scope.spawn(move || self.fetch(part)))
                .collect();
            let mut items = Vec::with_capacity(positions.len());
            for handle in handles {
                match handle.join() {
                    Ok(part) => items.extend(part?),
                    Err(_) => {
                        return Err(DatasetError::new(std::io::Error::other(
                            "an augmentation thread panicked",
                        )))
                    }
                }
            }
            Ok(items)
        })
    }
}

impl Iterator for BatchSource {
    type Item = Result<MnistBatch, DatasetError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.position >= self.order.len() {
            return None;
        }
        let end = (self.position + self.batch_size).min(self.order.len());
        let order = self.order.clone();
        let positions = &order[self.position..end];
        self.position = end;
        if let Some(on_device) = &self.on_device {
            let data =
                on_device.get_or_init(|| DeviceData::upload(self.dataset.split(), &self.device));
            return Some(Ok(data.gather(positions)));
        }
        let items = match self.distort {
            Some(_) if positions.len() >= 2 * MIN_ITEMS_PER_THREAD => {
                self.fetch_in_parallel(positions)
            }
            _ => self.fetch(positions),
        };
        Some(items.map(|items| MnistBatcher.batch(items, &self.device)))
    }
}

/// Where an epoch's batches are made: on the caller's thread, or one ahead on a thread of
/// their own.
enum Batches {
    Inline(BatchSource),
    Prefetched(Prefetched<Result<MnistBatch, DatasetError>>),
}

impl Batches {
    /// On the CPU, the next batch is made while the current one trains, on a thread of its
    /// own (see `prefetch.rs`). The batches, and so training, are exactly those made inline;
    /// if the thread cannot start, they are made inline.
    fn prefetched(source: BatchSource) -> Self {
        match Prefetched::spawn(source.clone()) {
            Ok(prefetched) => Batches::Prefetched(prefetched),
            Err(_) => Batches::Inline(source),
        }
    }
}

struct MnistLoaderIter {
    batches: Batches,
    items: usize,
    batch_size: usize,
    /// Items served so far.
    position: usize,
}

impl Iterator for MnistLoaderIter {
    type Item = Result<MnistBatch, DatasetError>;

    fn next(&mut self) -> Option<Self::Item> {
        let batch = match &mut self.batches {
            Batches::Inline(source) => source.next(),
            Batches::Prefetched(prefetched) => prefetched.next(),
        };
        if batch.is_some() {
            self.position = (self.position + self.batch_size).min(self.items);
        }
        batch
    }
}

impl DataLoaderIterator<MnistBatch> for MnistLoaderIter {
    fn progress(&self) -> Progress {
        Progress::new(self.position, self.items, Some("items".to_string()))
    }
}
