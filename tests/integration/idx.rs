//! The IDX reader on files the tests write: valid (gzip and raw) and each kind of damage.

use std::io::Write;
use std::path::{Path, PathBuf};

use mnist_data::{read_idx_images, read_idx_labels, DataError, MnistData};

fn images_bytes(magic: u32, count: u32, rows: u32, cols: u32, body_len: usize) -> Vec<u8> {
    let mut b = Vec::new();
    for v in [magic, count, rows, cols] {
        b.extend(v.to_be_bytes());
    }
    b.extend((0..body_len).map(|i| (i % 256) as u8));
    b
}

fn labels_bytes(magic: u32, labels: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend(magic.to_be_bytes());
    b.extend((labels.len() as u32).to_be_bytes());
    b.extend(labels);
    b
}

fn write(dir: &Path, name: &str, bytes: &[u8], gzip: bool) -> PathBuf {
    let path = dir.join(name);
    let mut file = std::fs::File::create(&path).unwrap();
    if gzip {
        let mut enc = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap();
    } else {
        file.write_all(bytes).unwrap();
    }
    path
}

#[test]
fn reads_raw_and_gzip_images_alike() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = images_bytes(2051, 3, 28, 28, 3 * 784);
    let raw = read_idx_images(write(dir.path(), "raw", &bytes, false)).unwrap();
    let gz = read_idx_images(write(dir.path(), "gz", &bytes, true)).unwrap();
    assert_eq!(raw, gz);
    assert_eq!((raw.count, raw.rows, raw.cols), (3, 28, 28));
    assert_eq!(raw.pixels.len(), 3 * 784);
    assert_eq!(raw.pixels[300], (300 % 256) as u8);
}

#[test]
fn reads_labels() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(dir.path(), "l.gz", &labels_bytes(2049, &[5, 0, 4]), true);
    assert_eq!(read_idx_labels(path).unwrap(), vec![5, 0, 4]);
}

#[test]
fn bad_magic_is_named() {
    let dir = tempfile::tempdir().unwrap();
    // A labels file where images are expected, and the other way round.
    let path = write(dir.path(), "x", &labels_bytes(2049, &[1]), false);
    let err = read_idx_images(&path).unwrap_err();
    assert!(
        matches!(
            err,
            DataError::BadMagic {
                expected: 2051,
                found: 2049,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains(&path.display().to_string()));
    let path = write(dir.path(), "y", &images_bytes(2051, 1, 28, 28, 784), false);
    assert!(matches!(
        read_idx_labels(&path).unwrap_err(),
        DataError::BadMagic {
            expected: 2049,
            found: 2051,
            ..
        }
    ));
}

#[test]
fn truncated_body_and_header_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "t.gz",
        &images_bytes(2051, 2, 28, 28, 784 + 10),
        true,
    );
    let err = read_idx_images(&path).unwrap_err();
    assert!(
        matches!(
            err,
            DataError::Truncated {
                expected: 1568,
                found: 794,
                ..
            }
        ),
        "{err:?}"
    );
    let path = write(dir.path(), "h", &[0, 0, 8], false);
    assert!(matches!(
        read_idx_labels(&path).unwrap_err(),
        DataError::Truncated { .. }
    ));
}

#[test]
fn trailing_bytes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = labels_bytes(2049, &[1, 2]);
    bytes.push(3);
    let err = read_idx_labels(write(dir.path(), "l", &bytes, false)).unwrap_err();
    assert!(matches!(
        err,
        DataError::TrailingData {
            expected: 2,
            found: 3,
            ..
        }
    ));
}

#[test]
fn missing_file_is_an_io_error_naming_it() {
    let err = read_idx_labels("/definitely/not/here.gz").unwrap_err();
    assert!(matches!(err, DataError::Io { .. }));
    assert!(err.to_string().contains("/definitely/not/here.gz"));
}

/// A folder with a complete, tiny, data set whose parts the test may spoil.
fn tiny_set(dir: &Path, train_labels: &[u8], train_images: u32, rows: u32) {
    write(
        dir,
        "train-images-idx3-ubyte.gz",
        &images_bytes(
            2051,
            train_images,
            rows,
            28,
            train_images as usize * rows as usize * 28,
        ),
        true,
    );
    write(
        dir,
        "train-labels-idx1-ubyte.gz",
        &labels_bytes(2049, train_labels),
        true,
    );
    write(
        dir,
        "t10k-images-idx3-ubyte",
        &images_bytes(2051, 1, 28, 28, 784),
        false,
    );
    write(
        dir,
        "t10k-labels-idx1-ubyte",
        &labels_bytes(2049, &[9]),
        false,
    );
}

#[test]
fn a_tiny_valid_set_loads_from_gzip_and_raw_files() {
    let dir = tempfile::tempdir().unwrap();
    tiny_set(dir.path(), &[1, 2], 2, 28);
    let data = MnistData::load(dir.path()).unwrap();
    assert_eq!((data.train.len(), data.test.len()), (2, 1));
    assert_eq!(data.test.label(0), 9);
    assert_eq!(data.checksums.len(), 4);
}

#[test]
fn image_and_label_counts_must_agree() {
    let dir = tempfile::tempdir().unwrap();
    tiny_set(dir.path(), &[1, 2, 3], 2, 28);
    let err = MnistData::load(dir.path()).unwrap_err();
    assert!(
        matches!(
            err,
            DataError::CountMismatch {
                images: 2,
                labels: 3,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn labels_beyond_the_classes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    tiny_set(dir.path(), &[1, 10], 2, 28);
    let err = MnistData::load(dir.path()).unwrap_err();
    assert!(
        matches!(
            err,
            DataError::LabelOutOfRange {
                index: 1,
                label: 10,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn images_must_be_28_by_28() {
    let dir = tempfile::tempdir().unwrap();
    tiny_set(dir.path(), &[1, 2], 2, 27);
    let err = MnistData::load(dir.path()).unwrap_err();
    assert!(
        matches!(err, DataError::BadDimensions { rows: 27, .. }),
        "{err:?}"
    );
}

#[test]
fn a_folder_without_the_files_says_how_to_get_them() {
    let dir = tempfile::tempdir().unwrap();
    let err = mnist_data::locate_data_dir(
        Some(dir.path()),
        None,
        mnist_data::DatasetKind::Mnist,
        dir.path(),
    )
    .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("cargo xtask fetch-data"), "{message}");
    assert!(
        message.contains(&dir.path().display().to_string()),
        "{message}"
    );
}
