//! Batches: shapes, scaling to [0, 1], targets, the epoch-seeded shuffling of the loader, and
//! batches gathered from a data set kept on the device.

use burn::data::dataloader::batcher::Batcher;
use burn::data::dataloader::DataLoader;
use burn::data::dataset::Dataset;
use burn::tensor::Device;
use mnist_data::{
    Augmentation, DeviceData, MnistBatch, MnistBatcher, MnistData, MnistDataset, MnistLoader,
    Residence,
};

fn floats(batch: &MnistBatch) -> Vec<f32> {
    batch
        .images
        .to_data()
        .convert::<f32>()
        .try_to_vec::<f32>()
        .unwrap()
}

fn targets(batch: &MnistBatch) -> Vec<i64> {
    batch
        .targets
        .to_data()
        .convert::<i64>()
        .try_to_vec::<i64>()
        .unwrap()
}

#[test]
fn a_batch_is_784_floats_in_0_1_per_image_and_the_labels() {
    let data = MnistData::load(integration_tests::mnist_dir()).unwrap();
    let dataset = MnistDataset::new(data.train.take(8));
    let items: Vec<_> = (0..8).map(|i| dataset.get(i).unwrap()).collect();
    let batch = MnistBatcher.batch(items.clone(), &Device::flex());
    assert_eq!(batch.images.dims(), [8, 784]);
    assert_eq!(batch.targets.dims(), [8]);
    assert_eq!(targets(&batch), vec![5, 0, 4, 1, 9, 2, 1, 3]);
    let values = floats(&batch);
    assert!(values.iter().all(|v| (0.0..=1.0).contains(v)));
    assert!(values.contains(&1.0), "full ink is 1.0");
    for (v, p) in values.iter().zip(items.iter().flat_map(|i| i.image)) {
        assert_eq!(*v, mnist_data::normalize_pixel(p));
    }
    assert!(
        dataset.get(8).is_err(),
        "out of range is an error, not a panic"
    );
}

#[test]
fn the_loader_covers_every_image_once_per_epoch_with_a_short_last_batch() {
    let data = MnistData::load(integration_tests::mnist_dir()).unwrap();
    let split = data.train.take(1050);
    let loader = MnistLoader::new(
        MnistDataset::new(split.clone()),
        100,
        Some(3),
        &Device::flex(),
    );
    assert_eq!(loader.num_items(), 1050);
    // On the CPU the batches are made one ahead on a thread of their own; progress counts
    // the ones served.
    let mut iter = loader.iter();
    let mut batches = Vec::new();
    let mut served = Vec::new();
    while let Some(batch) = iter.next() {
        batches.push(batch.unwrap());
        served.push(iter.progress().items_processed);
    }
    assert_eq!(iter.progress().items_total, 1050);
    let want: Vec<usize> = (1..=10).map(|b| b * 100).chain([1050]).collect();
    assert_eq!(served, want);
    assert_eq!(batches.len(), 11);
    assert_eq!(batches[10].images.dims(), [50, 784]);
    let mut counts = [0usize; 10];
    for b in &batches {
        for t in targets(b) {
            counts[t as usize] += 1;
        }
    }
    assert_eq!(counts, split.class_counts());
    // Shuffled: the first batch is not the first 100 images in file order.
    assert_ne!(
        targets(&batches[0]),
        (0..100)
            .map(|i| i64::from(split.label(i)))
            .collect::<Vec<_>>()
    );
}

#[test]
fn each_epoch_has_its_own_order_and_a_resumed_loader_replays_it() {
    let data = MnistData::load(integration_tests::mnist_dir()).unwrap();
    let split = data.train.take(500);
    let make = || {
        MnistLoader::new(
            MnistDataset::new(split.clone()),
            500,
            Some(9),
            &Device::flex(),
        )
    };
    let first_batch = |l: &MnistLoader| targets(&l.iter().next().unwrap().unwrap());
    let fresh = make();
    let epoch0 = first_batch(&fresh);
    let epoch1 = first_batch(&fresh);
    assert_ne!(epoch0, epoch1);
    // A loader told it is at epoch 1 (a resumed run) serves epoch 1's order, even through
    // `to_device`, as Burn's Learner calls it.
    let resumed = make().starting_at_epoch(1);
    let moved = resumed.to_device(&Device::flex());
    assert_eq!(targets(&moved.iter().next().unwrap().unwrap()), epoch1);
    // Without a seed the order is the file's.
    let plain = MnistLoader::new(MnistDataset::new(split.clone()), 10, None, &Device::flex());
    assert_eq!(first_batch(&plain), vec![5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
}

#[test]
fn augmentation_distorts_training_images_but_keeps_labels_and_order() {
    let data = MnistData::load(integration_tests::mnist_dir()).unwrap();
    let split = data.train.take(300);
    let make = |augment| {
        MnistLoader::new(
            MnistDataset::new(split.clone()),
            100,
            Some(4),
            &Device::flex(),
        )
        .with_augmentation(augment)
    };
    let plain = make(mnist_data::Augmentation::default());
    let augment = mnist_data::Augmentation {
        shift: 2.0,
        rotation: 10.0,
        scale: 0.1,
        aspect: 0.3,
        elastic: 34.0,
        thickness: 0.5,
        fill: 0.2,
        letterforms: 0.3,
    };
    let distorted = make(augment);
    let again = make(augment);
    for ((p, d), a) in plain.iter().zip(distorted.iter()).zip(again.iter()) {
        let (p, d, a) = (p.unwrap(), d.unwrap(), a.unwrap());
        assert_eq!(targets(&p), targets(&d), "labels and order are untouched");
        assert_ne!(floats(&p), floats(&d), "images are distorted");
        assert_eq!(floats(&d), floats(&a), "deterministic for a seed");
    }
    // The next epoch draws other distortions.
    let fresh = make(augment);
    assert_ne!(
        floats(&fresh.iter().next().unwrap().unwrap()),
        floats(&fresh.iter().next().unwrap().unwrap())
    );
}

/// Every batch of two epochs of each loader, as (pixels, targets).
fn two_epochs(loader: &dyn DataLoader<MnistBatch>) -> Vec<(Vec<f32>, Vec<i64>)> {
    (0..2)
        .flat_map(|_| loader.iter().map(|b| b.unwrap()).collect::<Vec<_>>())
        .map(|b| (floats(&b), targets(&b)))
        .collect()
}

#[test]
fn a_data_set_kept_on_the_device_gives_the_host_batchers_batches_bit_for_bit() {
    let data = MnistData::load(integration_tests::mnist_dir()).unwrap();
    // A validation split's view is a scattered subset of the file: positions, not file rows.
    let (train, _) = data.train.take(700).split_validation(0.3, 5).unwrap();
    let make = |residence, augment| {
        MnistLoader::new(
            MnistDataset::new(train.clone()),
            64,
            Some(11),
            &Device::flex(),
        )
        .with_augmentation(augment)
        .with_residence(residence)
    };
    let host = two_epochs(&make(Residence::Host, Augmentation::default()));
    // (`assert!`, not `assert_eq!`: a failure would print 100,000 pixels.)
    let resident = make(Residence::Device, Augmentation::default());
    assert!(two_epochs(&resident) == host, "gathered on the device");
    // As Burn's Learner uses it: moved to a device, and sliced.
    let moved = make(Residence::Device, Augmentation::default()).to_device(&Device::flex());
    assert!(two_epochs(moved.as_ref()) == host, "moved to a device");
    let sliced = make(Residence::Host, Augmentation::default()).slice(100, 300);
    let sliced_resident = make(Residence::Device, Augmentation::default()).slice(100, 300);
    assert!(
        two_epochs(sliced_resident.as_ref()) == two_epochs(sliced.as_ref()),
        "a slice"
    );
    // Distorted digits are made on the host whatever the residence.
    let shift = Augmentation {
        shift: 2.0,
        ..Augmentation::default()
    };
    assert!(
        two_epochs(&make(Residence::Device, shift)) == two_epochs(&make(Residence::Host, shift)),
        "distorted"
    );
}

#[test]
fn a_data_set_in_several_device_chunks_gathers_the_same_batches() {
    // MNIST's training set is more than a GPU binds in one buffer: it goes up in chunks, and a
    // batch drawn from all of them must still come out in its own order.
    let data = MnistData::load(integration_tests::mnist_dir()).unwrap();
    let split = data.train.take(100);
    let device = Device::flex();
    let chunked = DeviceData::upload_in_chunks(&split, &device, 7);
    let whole = DeviceData::upload(&split, &device);
    let dataset = MnistDataset::new(split.clone());
    let positions = mnist_data::permutation(100, 3);
    for batch in [&positions[..], &positions[..33], &[99, 0, 98, 1, 50][..]] {
        let items = batch.iter().map(|&p| dataset.get(p).unwrap()).collect();
        let host = MnistBatcher.batch(items, &device);
        for gathered in [chunked.gather(batch), whole.gather(batch)] {
            assert!(floats(&gathered) == floats(&host), "pixels of {batch:?}");
            assert_eq!(targets(&gathered), targets(&host));
        }
    }
}
