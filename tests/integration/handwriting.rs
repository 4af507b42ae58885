//! Reading people's handwriting: the labelled-folder score (`eval --images`), the stroke
//! normalisation measured against MNIST, binary and thick strokes, low-resolution and
//! border-touching digits, browser-canvas drawings, and the real digits of `digits-dev`.

use std::process::Command;

use burn::tensor::Device;
use image::{imageops, DynamicImage, GrayImage, ImageFormat, Luma};
use infer::preprocess::{boxed_stroke_width, page_skew, Grey, MNIST_STROKE_RANGE};
use infer::score::{labelled_images, score};
use infer::{preprocess, shipped_model_dir, Classifier};
use mnist_data::MnistData;

fn classifier() -> Classifier {
    Classifier::load(&shipped_model_dir(), &Device::flex()).unwrap()
}

fn grey_of(digit: &[u8]) -> Grey {
    Grey {
        width: 28,
        height: 28,
        pixels: digit.iter().map(|&v| f32::from(v)).collect(),
    }
}

fn percentile(values: &mut [f32], q: f64) -> f32 {
    values.sort_by(f32::total_cmp);
    values[((values.len() - 1) as f64 * q).round() as usize]
}

#[test]
fn the_stroke_width_range_is_mnists_own() {
    let data = MnistData::load(integration_tests::mnist_dir()).unwrap();
    let mut widths: Vec<f32> = (0..data.test.len())
        .filter_map(|i| boxed_stroke_width(&grey_of(data.test.image(i))))
        .collect();
    assert_eq!(widths.len(), 10_000);
    let (lo, hi) = (percentile(&mut widths, 0.1), percentile(&mut widths, 0.9));
    let (want_lo, want_hi) = MNIST_STROKE_RANGE;
    assert!(
        (lo - want_lo).abs() < 0.05 && (hi - want_hi).abs() < 0.05,
        "MNIST's 10th-90th percentile widths are {lo:.2}-{hi:.2}; the code says {want_lo}-{want_hi}"
    );
}

/// A thick, hard-edged (0/255) "1" with a flag and a foot, filling a 128x128 frame: a scanned
/// binary digit such as optdigits' or semeion's.
fn thick_binary_one() -> GrayImage {
    GrayImage::from_fn(128, 128, |x, y| {
        let stem = (52..88).contains(&x);
        let flag = (10..52).contains(&x) && (20..50).contains(&y) && x + y > 50;
        let foot = (30..110).contains(&x) && y >= 108;
        Luma([if stem || flag || foot { 0 } else { 255 }])
    })
}

#[test]
fn thick_binary_strokes_become_mnist_strokes_with_soft_edges() {
    let one = thick_binary_one();
    let ink = Grey {
        width: 128,
        height: 128,
        pixels: one.pixels().map(|p| f32::from(255 - p.0[0])).collect(),
    };
    let before = boxed_stroke_width(&ink).unwrap();
    let digit = preprocess(&DynamicImage::ImageLuma8(one)).unwrap();
    let after = boxed_stroke_width(&grey_of(&digit)).unwrap();
    let (_, hi) = MNIST_STROKE_RANGE;
    assert!(before > hi + 0.4, "the test digit is thick: {before:.2}");
    // Towards MNIST's range (the erosion is sized on the stroke scale; resampling into the box
    // leaves a little more width than it planned).
    assert!(
        after <= hi + 0.3 && after < before - 0.3,
        "strokes {before:.2} -> {after:.2} px wide in the box"
    );
    // Anti-aliased edges, not a saturated blob: many grey levels between paper and ink.
    let grey = digit.iter().filter(|&&v| (32..224).contains(&v)).count();
    let full = digit.iter().filter(|&&v| v >= 224).count();
    assert!(
        grey >= 20,
        "{grey} grey pixels:\n{}",
        infer::cli::text_art(&digit)
    );
    assert!(full <= 120, "{full} saturated pixels: a blob");
}

#[test]
fn thin_pen_strokes_are_thickened_into_mnists_range() {
    // A "1" drawn with a 3 px pen, 320 px tall: a hairline once in the 20 px box.
    let mut image = GrayImage::from_pixel(400, 400, Luma([250]));
    for t in 0..3 {
        for y in 40..360 {
            image.put_pixel(200 + t, y, Luma([20]));
        }
        for i in 0..60 {
            image.put_pixel(140 + i + t, 100 - i, Luma([20]));
        }
    }
    let digit = preprocess(&DynamicImage::ImageLuma8(image)).unwrap();
    let width = boxed_stroke_width(&grey_of(&digit)).unwrap();
    let (lo, _) = MNIST_STROKE_RANGE;
    assert!(width >= lo - 0.3, "strokes {width:.2} px wide in the box");
}

/// Share of the first `n` MNIST test digits read right after `change` (applied to the digit
/// as dark ink on white paper) and a trip through a PNG file's bytes.
fn mnist_share_read(n: usize, change: impl Fn(GrayImage) -> GrayImage) -> f64 {
    let data = MnistData::load(integration_tests::mnist_dir()).unwrap();
    let classifier = classifier();
    let digits: Vec<[u8; 784]> = (0..n)
        .map(|i| {
            let paper = GrayImage::from_fn(28, 28, |x, y| {
                Luma([255 - data.test.image(i)[(y * 28 + x) as usize]])
            });
            let mut bytes = std::io::Cursor::new(Vec::new());
            change(paper)
                .write_to(&mut bytes, ImageFormat::Png)
                .unwrap();
            let image = infer::decode_bytes(bytes.get_ref(), std::path::Path::new("x.png"));
            preprocess(&image.unwrap()).expect("a digit")
        })
        .collect();
    let predictions = classifier.predict(&digits).unwrap();
    let right = (0..n)
        .filter(|&i| predictions[i].digit() == usize::from(data.test.label(i)))
        .count();
    right as f64 / n as f64
}

#[test]
fn low_resolution_blurry_and_border_touching_digits_are_read() {
    use imageops::FilterType::{CatmullRom, Triangle};
    let n = 500;
    let small = mnist_share_read(n, |d| imageops::resize(&d, 16, 16, Triangle));
    let tiny = mnist_share_read(n, |d| {
        imageops::resize(&imageops::resize(&d, 8, 8, Triangle), 64, 64, CatmullRom)
    });
    let blurry = mnist_share_read(n, |d| {
        imageops::blur(&imageops::resize(&d, 112, 112, CatmullRom), 4.0)
    });
    // Cropped to the ink (so it touches all four sides), then enlarged, aspect kept.
    let touching = mnist_share_read(n, |d| {
        let ink: Vec<(u32, u32)> = d
            .enumerate_pixels()
            .filter(|p| p.2 .0[0] < 128)
            .map(|p| (p.0, p.1))
            .collect();
        let (x0, x1) = (
            ink.iter().map(|p| p.0).min().unwrap(),
            ink.iter().map(|p| p.0).max().unwrap(),
        );
        let (y0, y1) = (
            ink.iter().map(|p| p.1).min().unwrap(),
            ink.iter().map(|p| p.1).max().unwrap(),
        );
        let crop = imageops::crop_imm(&d, x0, y0, x1 - x0 + 1, y1 - y0 + 1).to_image();
        let k = 96.0 / crop.width().max(crop.height()) as f32;
        let (w, h) = (crop.width() as f32 * k, crop.height() as f32 * k);
        imageops::resize(
            &crop,
            (w.round() as u32).max(1),
            (h.round() as u32).max(1),
            CatmullRom,
        )
    });
    assert!(small >= 0.97, "16x16: {small}");
    assert!(tiny >= 0.88, "8x8 enlarged: {tiny}");
    assert!(blurry >= 0.97, "blurred: {blurry}");
    assert!(touching >= 0.97, "touching the border: {touching}");
}

#[test]
fn digits_drawn_on_a_browser_canvas_are_read() {
    let dir = integration_tests::workspace_root().join("tests/fixtures/canvas");
    let images = labelled_images(&dir).unwrap();
    assert_eq!(images.len(), 30, "ten digits at 15, 22 and 30 px");
    let card = score(&classifier(), &images).unwrap();
    let misread: Vec<String> = card
        .misread()
        .map(|s| format!("{} as {:?}", s.file, s.digit))
        .collect();
    assert!(misread.is_empty(), "misread: {misread:?}");
}

#[test]
fn the_shipped_model_reads_real_non_mnist_digits() {
    let card = score(
        &classifier(),
        &labelled_images(&integration_tests::digits_dev()).unwrap(),
    )
    .unwrap();
    let overall = card.overall();
    assert_eq!(overall.images, 700);
    // Measured: 668 of 700 (95.4%); Semeion's European letterforms are the known weakness.
    assert!(overall.accuracy() >= 95.0, "{:.1}%", overall.accuracy());
    // Each source at least where this preprocessing and model leave it (the goal is 92% for
    // every source; Semeion's European letter forms are not there yet, see docs/handwriting.md).
    let floors = [("hwd1000", 99.0), ("optdigits32", 94.0), ("semeion", 89.5)];
    // Honest confidence: the answers marked "not sure" are mostly the wrong ones, few are
    // marked, and the others are right more often (measured: 23 marked; the other 677 are
    // 97.19% right).
    let sure = card.sure(infer::DEFAULT_MIN_CONFIDENCE);
    let wrong_among_unsure = card
        .results
        .iter()
        .filter(|s| s.digit.is_some() && s.confidence < infer::DEFAULT_MIN_CONFIDENCE)
        .filter(|s| !s.correct())
        .count();
    assert!(sure.unsure <= 28, "{sure:?}");
    assert!(
        2 * wrong_among_unsure > sure.unsure,
        "{wrong_among_unsure} wrong of {sure:?}"
    );
    assert!(sure.sure_accuracy() >= 97.0, "{sure:?}");
    let sources = card.by_source();
    for (source, floor) in floors {
        let tally = sources[source];
        assert!(
            tally.accuracy() >= floor,
            "{source}: {:.1}% (at least {floor}% expected)",
            tally.accuracy()
        );
    }
}

#[test]
fn eval_images_scores_a_folder_as_text_and_json_and_refuses_bad_labels() {
    let eval = crate::binary("eval");
    let canvas = integration_tests::workspace_root().join("tests/fixtures/canvas");
    let stdout = crate::run_ok(
        "eval",
        &[
            std::ffi::OsStr::new("--json"),
            "--images".as_ref(),
            canvas.as_os_str(),
        ],
    );
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["images"], 30);
    assert_eq!(json["confusion"].as_array().unwrap().len(), 10);
    let correct = json["correct"].as_u64().unwrap();
    assert_eq!(
        json["misread"].as_array().unwrap().len() as u64,
        30 - correct
    );

    // labels.csv with sources; one image misnamed on purpose is listed as misread.
    let dir = tempfile::tempdir().unwrap();
    let mut csv = String::from("file,label,source\n");
    for (i, name) in [
        "3-canvas-22px.png",
        "7-canvas-30px.png",
        "0-canvas-15px.png",
    ]
    .iter()
    .enumerate()
    {
        std::fs::copy(canvas.join(name), dir.path().join(name)).unwrap();
        let label = if i == 2 {
            '6'
        } else {
            name.chars().next().unwrap()
        };
        csv.push_str(&format!("{name},{label},{}\n", ["a", "b", "b"][i]));
    }
    std::fs::write(dir.path().join("labels.csv"), &csv).unwrap();
    let images = |dir: &std::path::Path| {
        Command::new(&eval)
            .arg("--images")
            .arg(dir)
            .output()
            .unwrap()
    };
    let out = images(dir.path());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    assert!(text.contains("2 of 3 images"), "{text}");
    let source_line = |name: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(&format!("{name} ")))
            .unwrap_or_default()
            .to_string()
    };
    assert!(source_line("a").ends_with("100.0%  (1/1)"), "{text}");
    assert!(source_line("b").ends_with("50.0%  (1/2)"), "{text}");
    assert!(text.contains("0-canvas-15px.png: 6 read as 0"), "{text}");

    std::fs::write(
        dir.path().join("labels.csv"),
        "file,label\n3-canvas-22px.png,three\n",
    )
    .unwrap();
    let out = images(dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("labels.csv") && stderr.contains("line 2") && stderr.contains("three"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn only_pages_photographed_askew_are_turned_level() {
    // digits-dev's digits often fill their frame with thick, straight strokes, whose edges can
    // pass for a rule or two at some angle: none of them is a page to turn.
    let turned: Vec<String> = labelled_images(&integration_tests::digits_dev())
        .unwrap()
        .iter()
        .filter(|l| page_skew(&infer::decode_file(&l.path).unwrap()).is_some())
        .map(|l| l.path.display().to_string())
        .collect();
    assert!(turned.is_empty(), "turned: {turned:?}");
    // The askew fixtures (make_samples.py): a ruled page turned 8 degrees counter-clockwise
    // (its rules rise to the right), graph paper 5 degrees clockwise.
    let paper = integration_tests::workspace_root().join("tests/fixtures/paper");
    for (file, degrees) in [
        ("4-askew-ruled-photo.jpg", -8.0),
        ("blank-askew-graph-paper.png", 5.0),
    ] {
        let image = infer::decode_file(&paper.join(file)).unwrap();
        let found = page_skew(&image).unwrap_or_else(|| panic!("{file} not turned"));
        assert!((found - degrees).abs() <= 0.3, "{file}: {found} degrees");
    }
    for level in ["7-ruled-paper.png", "5-graph-paper.png"] {
        let image = infer::decode_file(&paper.join(level)).unwrap();
        assert_eq!(page_skew(&image), None, "{level}");
    }
}
