//! The real MNIST and Fashion-MNIST files against the facts published in `shared/data/README.md`.

use mnist_data::{DatasetKind, MnistData};

#[test]
fn mnist_train_and_test_match_the_published_facts() {
    let data = MnistData::load(integration_tests::mnist_dir()).unwrap();
    assert_eq!(data.train.len(), 60_000);
    assert_eq!(data.test.len(), 10_000);
    assert_eq!(
        data.train.class_counts(),
        [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    );
    assert_eq!(
        data.test.class_counts(),
        [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]
    );
    let first = |s: &mnist_data::Split| (0..10).map(|i| s.label(i)).collect::<Vec<_>>();
    assert_eq!(first(&data.train), [5, 0, 4, 1, 9, 2, 1, 3, 1, 4]);
    assert_eq!(first(&data.test), [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]);
    // The first training image (a 5) has ink, and background at its corner.
    let image = data.train.image(0);
    assert_eq!(image.len(), 784);
    assert_eq!(image[0], 0);
    assert!(image.iter().filter(|&&p| p > 128).count() > 50);
}

#[test]
fn fashion_mnist_has_the_same_shapes_and_ten_balanced_classes() {
    let data = MnistData::load(integration_tests::data_dir(DatasetKind::FashionMnist)).unwrap();
    assert_eq!((data.train.len(), data.test.len()), (60_000, 10_000));
    assert_eq!(data.train.class_counts(), [6000; 10]);
    assert_eq!(data.test.class_counts(), [1000; 10]);
}

#[test]
fn validation_split_is_seeded_and_disjoint() {
    let data = MnistData::load(integration_tests::mnist_dir()).unwrap();
    let (train, valid) = data.train.split_validation(0.1, 42).unwrap();
    assert_eq!((train.len(), valid.len()), (54_000, 6_000));
    let (train2, valid2) = data.train.split_validation(0.1, 42).unwrap();
    assert_eq!(
        (0..100).map(|i| valid.label(i)).collect::<Vec<_>>(),
        (0..100).map(|i| valid2.label(i)).collect::<Vec<_>>()
    );
    assert_eq!(train.class_counts(), train2.class_counts());
    // Train and validation together are exactly the 60,000 training images.
    let mut total = train.class_counts();
    for (t, v) in total.iter_mut().zip(valid.class_counts()) {
        *t += v;
    }
    assert_eq!(total, data.train.class_counts());
    // No image is in both (MNIST's 60,000 training images are all different, so equal pixels
    // would mean the same image).
    let in_valid: std::collections::HashSet<&[u8]> =
        (0..valid.len()).map(|i| valid.image(i)).collect();
    assert_eq!(
        in_valid.len(),
        valid.len(),
        "the validation set repeats an image"
    );
    let shared = (0..train.len())
        .filter(|&i| in_valid.contains(train.image(i)))
        .count();
    assert_eq!(shared, 0, "{shared} images are in both splits");
    // Another seed draws another validation set.
    let (_, other) = data.train.split_validation(0.1, 43).unwrap();
    assert_ne!(
        (0..100)
            .map(|i| valid.image(i)[300..500].to_vec())
            .collect::<Vec<_>>(),
        (0..100)
            .map(|i| other.image(i)[300..500].to_vec())
            .collect::<Vec<_>>()
    );
    assert!(data.train.split_validation(1.0, 1).is_err());
    let (all, none) = data.train.split_validation(0.0, 1).unwrap();
    assert_eq!((all.len(), none.len()), (60_000, 0));
}
