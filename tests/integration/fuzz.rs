//! Property-based fuzzing (proptest) of everything that reads untrusted input: the IDX reader,
//! the config parser, image decoding and preprocessing. Each must answer with a value or a
//! typed error, never a panic. `cargo test` runs 256 cases per target; for a longer campaign
//! see docs/reliability.md (`PROPTEST_CASES=...`). A failing input is saved by proptest under
//! `tests/integration/proptest-regressions/` (commit it) and replayed first on every later run.

use std::io::Write;
use std::path::Path;

use mnist_runs::RunConfig;
use proptest::prelude::*;

fn idx_bytes(magic: u32, dims: &[u32], body: &[u8]) -> Vec<u8> {
    let mut bytes = magic.to_be_bytes().to_vec();
    for d in dims {
        bytes.extend(d.to_be_bytes());
    }
    bytes.extend(body);
    bytes
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// Reads `bytes` as an images file and as a labels file; checks what an answer promises.
fn read_both(dir: &Path, bytes: &[u8]) {
    let path = dir.join("fuzz-idx");
    std::fs::write(&path, bytes).unwrap();
    match mnist_data::read_idx_images(&path) {
        Ok(images) => assert_eq!(
            images.pixels.len(),
            images.count * images.rows * images.cols
        ),
        Err(e) => assert!(e.to_string().contains("fuzz-idx"), "{e}"),
    }
    match mnist_data::read_idx_labels(&path) {
        Ok(_) => {}
        Err(e) => assert!(e.to_string().contains("fuzz-idx"), "{e}"),
    }
}

/// Keys of a run config and values of every TOML type, to mix.
const KEYS: [&str; 23] = [
    "name",
    "about",
    "seed",
    "data.dataset",
    "data.dir",
    "data.validation_split",
    "data.train_limit",
    "data.augment.shift",
    "data.augment.rotation",
    "model.hidden",
    "model.init",
    "model.dropout",
    "train.epochs",
    "train.batch_size",
    "train.label_smoothing",
    "train.keep_best",
    "optimizer.name",
    "optimizer.lr",
    "optimizer.momentum",
    "schedule.name",
    "schedule.warmup_epochs",
    "early_stopping.patience",
    "artifacts.dir",
];
const VALUES: [&str; 16] = [
    "0",
    "-1",
    "1",
    "3",
    "1e308",
    "-0.0",
    "nan",
    "inf",
    "0.5",
    "\"\"",
    "\"adam\"",
    "\"onecycle\"",
    "true",
    "[]",
    "[0, 784]",
    "{ x = 1 }",
];

proptest! {
    #[test]
    fn the_idx_reader_answers_any_bytes(body in prop::collection::vec(any::<u8>(), 0..600), zip in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let bytes = if zip { gzip(&body) } else { body };
        read_both(dir.path(), &bytes);
    }

    #[test]
    fn the_idx_reader_checks_any_header_against_the_length(
        magic in prop_oneof![Just(2051u32), Just(2049u32), any::<u32>()],
        dims in prop::collection::vec(prop_oneof![0u32..64, any::<u32>()], 1..4),
        body_len in 0usize..2048,
        zip in any::<bool>(),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let bytes = idx_bytes(magic, &dims, &vec![3u8; body_len]);
        let bytes = if zip { gzip(&bytes) } else { bytes };
        read_both(dir.path(), &bytes);
    }

    #[test]
    fn the_config_parser_answers_any_text(text in "\\PC{0,300}") {
        let file = Path::new("fuzz.toml");
        if let Ok(config) = RunConfig::parse(&text, file) {
            if let Err(e) = config.validate(file) {
                prop_assert!(e.to_string().contains("fuzz.toml"), "{}", e);
            }
        }
    }

    #[test]
    fn the_config_parser_answers_any_value_for_any_key(
        picks in prop::collection::vec((0..KEYS.len(), 0..VALUES.len()), 1..6)
    ) {
        let mut text = String::new();
        for (k, v) in picks {
            let (table, key) = KEYS[k].rsplit_once('.').unwrap_or(("", KEYS[k]));
            if table.is_empty() {
                text = format!("{key} = {}\n{text}", VALUES[v]);
            } else {
                text.push_str(&format!("[{table}]\n{key} = {}\n", VALUES[v]));
            }
        }
        let file = Path::new("fuzz.toml");
        match RunConfig::parse(&text, file) {
            Ok(config) => {
                if let Err(e) = config.validate(file) {
                    prop_assert!(e.to_string().contains("fuzz.toml"), "{}", e);
                }
            }
            Err(e) => prop_assert!(e.to_string().contains("fuzz.toml"), "{}", e),
        }
    }

    #[test]
    fn decoding_answers_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let path = Path::new("fuzz.img");
        if let Ok(image) = infer::decode_bytes(&bytes, path) {
            let _ = infer::preprocess(&image);
        }
    }

    #[test]
    fn decoding_answers_any_png_header_mutation(at in 0usize..64, value in any::<u8>()) {
        // A valid PNG with one byte of its header or first chunk changed.
        let image = image::GrayImage::from_fn(9, 7, |x, y| image::Luma([(x * 20 + y * 9) as u8]));
        let mut png = Vec::new();
        image::DynamicImage::ImageLuma8(image)
            .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
            .unwrap();
        let at = at % png.len();
        png[at] = value;
        if let Ok(image) = infer::decode_bytes(&png, Path::new("fuzz.png")) {
            let _ = infer::preprocess(&image);
        }
    }

    #[test]
    fn preprocessing_answers_any_picture(
        width in 1u32..90,
        height in 1u32..90,
        seed in any::<u64>(),
        alpha in any::<bool>(),
    ) {
        let mut state = seed | 1;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        };
        let image = if alpha {
            image::DynamicImage::ImageLumaA8(image::GrayAlphaImage::from_fn(width, height, |_, _| {
                image::LumaA([next(), next()])
            }))
        } else {
            image::DynamicImage::ImageLuma8(image::GrayImage::from_fn(width, height, |_, _| {
                image::Luma([next()])
            }))
        };
        if let Some(digit) = infer::preprocess(&image) {
            // Whatever came in, a digit that comes out is MNIST-shaped: its strongest ink at
            // full intensity, all of it within a 20x20 box.
            prop_assert_eq!(digit.iter().copied().max(), Some(255));
            let ink: Vec<usize> = (0..784).filter(|&i| digit[i] > 0).collect();
            let span = |coord: &dyn Fn(usize) -> usize| {
                let (lo, hi) = ink.iter().fold((27, 0), |(lo, hi), &i| (lo.min(coord(i)), hi.max(coord(i))));
                hi + 1 - lo
            };
            prop_assert!(span(&|i| i % 28) <= 20 && span(&|i| i / 28) <= 20);
        }
    }
}
