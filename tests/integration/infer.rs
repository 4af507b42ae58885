//! `infer` end to end: MNIST round trip through PNG files, the shipped model on drawn digits,
//! every kind of bad input refused by name, and the command line.

use std::path::{Path, PathBuf};
use std::process::Command;

use burn::tensor::Device;
use image::{GrayImage, ImageFormat, Luma};
use infer::{decode_bytes, decode_file, load_digit, shipped_model_dir, Classifier, InferError};
use mnist_data::MnistData;

pub(crate) fn png_bytes(image: &GrayImage) -> Vec<u8> {
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, ImageFormat::Png).unwrap();
    bytes.into_inner()
}

#[test]
fn mnist_test_images_through_png_files_predict_as_the_in_memory_evaluation() {
    let data = MnistData::load(integration_tests::mnist_dir()).unwrap();
    let device = Device::flex();
    let (model, _) = mnist_model::load_trained(&shipped_model_dir(), &device).unwrap();
    let eval = mnist_train::evaluate::evaluate(&model, &data.test, &device).unwrap();
    let classifier = Classifier::load(&shipped_model_dir(), &device).unwrap();

    let dir = tempfile::tempdir().unwrap();
    let mut digits = Vec::with_capacity(data.test.len());
    for i in 0..data.test.len() {
        let image = GrayImage::from_raw(28, 28, data.test.image(i).to_vec()).unwrap();
        let path = dir.path().join(format!("{i}.png"));
        image.save(&path).unwrap();
        digits.push(load_digit(&path).unwrap_or_else(|e| panic!("{e}")));
    }
    let predictions = classifier.predict(&digits).unwrap();
    let agree = predictions
        .iter()
        .zip(&eval.predictions)
        .filter(|(p, &e)| p.digit() == usize::from(e))
        .count();
    let share = agree as f64 / digits.len() as f64;
    assert!(
        share >= 0.99,
        "only {agree} of {} predictions agree",
        digits.len()
    );
}

#[test]
fn the_shipped_model_reads_the_drawn_sample_digits() {
    let dir = integration_tests::workspace_root().join("tests/fixtures/digits");
    let classifier = Classifier::load(&shipped_model_dir(), &Device::flex()).unwrap();
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 30);
    let mut right = 0;
    for file in &files {
        let digit = load_digit(file).unwrap_or_else(|e| panic!("{e}"));
        let predicted = classifier.predict(&[digit]).unwrap()[0].digit();
        let drawn = file.file_name().unwrap().to_string_lossy().as_bytes()[0] - b'0';
        if predicted == usize::from(drawn) {
            right += 1;
        }
    }
    assert!(
        right * 10 >= files.len() * 9,
        "{right} of {} right",
        files.len()
    );
}

/// A valid PNG whose header claims `width` x `height` (the CRC recomputed): a decompression bomb.
pub(crate) fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut bytes = png_bytes(&GrayImage::new(1, 1));
    bytes[16..20].copy_from_slice(&width.to_be_bytes());
    bytes[20..24].copy_from_slice(&height.to_be_bytes());
    let mut crc = flate2::Crc::new();
    crc.update(&bytes[12..29]);
    bytes[29..33].copy_from_slice(&crc.sum().to_be_bytes());
    bytes
}

#[test]
fn each_kind_of_bad_input_gets_its_own_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let digit = png_bytes(&GrayImage::from_fn(64, 64, |x, y| {
        Luma([if (20..40).contains(&x) && y > 10 {
            0
        } else {
            255
        }])
    }));

    let missing = dir.path().join("missing.png");
    assert!(matches!(
        decode_file(&missing),
        Err(InferError::NotFound(_))
    ));
    assert!(matches!(
        decode_file(dir.path()),
        Err(InferError::IsDirectory(_))
    ));
    assert!(matches!(
        decode_file(&write("empty.png", b"")),
        Err(InferError::Empty(_))
    ));
    let truncated = write("truncated.png", &digit[..digit.len() / 2]);
    assert!(matches!(
        decode_file(&truncated),
        Err(InferError::Decode { .. })
    ));
    let mut corrupt = digit.clone();
    corrupt[40..]
        .iter_mut()
        .for_each(|b| *b = b.wrapping_mul(7).wrapping_add(1));
    let corrupt = write("corrupt.png", &corrupt);
    assert!(matches!(
        decode_file(&corrupt),
        Err(InferError::Decode { .. })
    ));
    let text = write("notes.png", b"this is not an image at all");
    assert!(matches!(
        decode_file(&text),
        Err(InferError::UnsupportedFormat(_))
    ));
    let pnm = write("grey.pgm", b"P5\n2 2\n255\n\x00\x00\x00\x00");
    assert!(matches!(
        decode_file(&pnm),
        Err(InferError::UnsupportedFormat(_))
    ));
    let bomb = write("bomb.png", &png_claiming(20_000, 20_000));
    let err = decode_file(&bomb).unwrap_err();
    assert!(matches!(err, InferError::TooLarge { .. }), "{err:?}");
    let blank = write(
        "blank.png",
        &png_bytes(&GrayImage::from_pixel(40, 40, Luma([250]))),
    );
    assert!(matches!(load_digit(&blank), Err(InferError::NoDigit(_))));

    // Every message names the file.
    for path in [&missing, &truncated, &corrupt, &text, &bomb, &blank] {
        let message = load_digit(path).unwrap_err().to_string();
        assert!(message.contains(&path.display().to_string()), "{message}");
    }
    // The content decides the format, not the extension.
    let misnamed = write("digit.jpg", &digit);
    assert!(decode_bytes(&std::fs::read(&misnamed).unwrap(), Path::new("x")).is_ok());
    assert!(load_digit(&misnamed).is_ok());
}

#[test]
fn the_binary_reports_every_file_and_fails_if_any_did() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.png");
    std::fs::write(&bad, b"garbage").unwrap();
    let good = integration_tests::workspace_root().join("tests/fixtures/digits/7-photo.jpg");
    let infer = crate::binary("infer");

    let out = Command::new(&infer)
        .arg("--json")
        .arg(&bad)
        .arg(&good)
        .output()
        .unwrap();
    assert!(
        !out.status.success(),
        "one file failed: the exit status says so"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2, "{stdout}");
    assert!(lines[0]["error"].as_str().unwrap().contains("bad.png"));
    assert_eq!(lines[1]["digit"], 7, "{stdout}");
    let probabilities = lines[1]["probabilities"].as_array().unwrap();
    assert_eq!(probabilities.len(), 10);
    let total: f64 = probabilities.iter().map(|p| p.as_f64().unwrap()).sum();
    assert!((total - 1.0).abs() < 1e-4);

    let saved = dir.path().join("seen.png");
    let out = Command::new(&infer)
        .args(["--top", "2", "--show", "--save-preprocessed"])
        .arg(&saved)
        .arg(&good)
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains(": 7 (") && stdout.contains("runners-up: "),
        "{stdout}"
    );
    assert!(
        stdout.lines().count() >= 29,
        "the 28 rows of text art follow: {stdout}"
    );
    let seen = image::open(&saved).unwrap();
    assert_eq!((seen.width(), seen.height()), (28, 28));

    let out = Command::new(&infer).arg(&bad).output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.starts_with("error: ") && stderr.contains("bad.png"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn weak_answers_are_marked_not_sure_at_the_chosen_confidence() {
    let digit = integration_tests::workspace_root().join("tests/fixtures/digits/7-photo.jpg");
    let infer = crate::binary("infer");
    let run = |args: &[&str]| {
        let out = Command::new(&infer)
            .args(args)
            .arg(&digit)
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let json = |stdout: &str| -> serde_json::Value { serde_json::from_str(stdout.trim()).unwrap() };

    // The same answer either way; only the mark depends on the threshold.
    let (code, stdout, _) = run(&["--json"]);
    assert_eq!(code, Some(0));
    let answer = json(&stdout);
    let confidence = answer["confidence"].as_f64().unwrap();
    assert_eq!(
        answer["unsure"],
        confidence < f64::from(infer::DEFAULT_MIN_CONFIDENCE),
        "{stdout}"
    );
    let (_, stdout, _) = run(&["--json", "--min-confidence", "1"]);
    assert_eq!(json(&stdout)["unsure"], true, "{stdout}");
    assert_eq!(json(&stdout)["digit"], answer["digit"]);
    let (_, stdout, _) = run(&["--json", "--min-confidence", "0"]);
    assert_eq!(json(&stdout)["unsure"], false, "{stdout}");

    let (code, stdout, _) = run(&["--min-confidence", "1"]);
    assert_eq!(code, Some(0), "a weak answer is still an answer");
    assert!(
        stdout.contains(": 7 (") && stdout.contains("%, not sure)"),
        "{stdout}"
    );
    let (_, stdout, _) = run(&["--min-confidence", "0"]);
    assert!(!stdout.contains("not sure"), "{stdout}");

    for bad in ["1.5", "-0.1", "sure"] {
        let (code, stdout, stderr) = run(&[&format!("--min-confidence={bad}")]);
        assert_eq!(code, Some(2), "{stderr}");
        assert!(stdout.is_empty());
        assert!(
            stderr.contains("--min-confidence") && stderr.contains(bad),
            "{stderr}"
        );
    }
}

#[test]
fn awkward_encodings_decode_and_exif_orientation_is_applied() {
    let dir = integration_tests::workspace_root().join("tests/fixtures/digits");
    // Stored sideways (260 wide, 300 high) with EXIF orientation 6: shown upright, 300 x 260.
    let rotated = decode_file(&dir.join("7-exif-rotated.jpg")).unwrap();
    assert_eq!((rotated.width(), rotated.height()), (300, 260));
    let classifier = Classifier::load(&shipped_model_dir(), &Device::flex()).unwrap();
    for (file, digit) in [
        ("7-exif-rotated.jpg", 7),
        ("5-cmyk.jpg", 5),
        ("8-16bit.png", 8),
        ("9-grey-alpha.png", 9),
        ("3-canvas-alpha.png", 3),
        ("4-white-on-black.png", 4),
        ("7-photo.jpg", 7),
    ] {
        let seen = load_digit(&dir.join(file)).unwrap_or_else(|e| panic!("{e}"));
        let predicted = classifier.predict(&[seen]).unwrap()[0].digit();
        assert_eq!(predicted, digit, "{file}");
    }
    // A palette PNG decodes too (its prediction is the model's business).
    assert!(load_digit(&dir.join("6-palette.png")).is_ok());
}

/// Reads the fixture folder `name` (made by make_samples.py) with `infer --json` and checks each
/// answer against its file name: a page named `blank-*` is "no digit found", any other file's
/// first character is its digit, read right and not marked "not sure". Returns how many files
/// were read.
fn read_as_named(name: &str) -> usize {
    let dir = integration_tests::workspace_root()
        .join("tests/fixtures")
        .join(name);
    let out = Command::new(crate::binary("infer"))
        .arg("--json")
        .arg(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let answers: Vec<serde_json::Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let mut blank = false;
    for answer in &answers {
        let file = answer["file"].as_str().unwrap();
        let name = Path::new(file).file_name().unwrap().to_string_lossy();
        if name.starts_with("blank") {
            blank = true;
            assert_eq!(answer["no_digit"], true, "{answer}");
            assert!(
                answer["error"].as_str().unwrap().contains("no digit found"),
                "{answer}"
            );
        } else {
            let digit = name[..1].parse::<u64>().unwrap();
            assert_eq!(answer["digit"], digit, "{answer}");
            assert_eq!(answer["unsure"], false, "{answer}");
        }
    }
    let code = if blank { 1 } else { 0 };
    assert_eq!(
        out.status.code(),
        Some(code),
        "blank pages exit 1: {stdout}"
    );
    answers.len()
}

#[test]
fn printed_rules_are_paper_and_a_blank_page_has_no_digit() {
    // Digits on graph and ruled paper, one photographed, one photographed askew (rules 8 degrees
    // off level), and pages with nothing written on them (one of them graph paper turned 5
    // degrees).
    assert_eq!(read_as_named("paper"), 8);
}

#[test]
fn uneven_light_is_paper_whether_or_not_a_digit_is_on_it() {
    // Grey paper photographed with a soft shadow from each side and from two corners,
    // vignetting, a strong gradient, a thin pen under a shadow and under a shadow and a gradient;
    // each with a digit and as a blank page. Before the light was divided out, the shadows'
    // edges were read as ink: blank pages answered "1 (87%)", "2 (96%)".
    assert_eq!(read_as_named("light"), 18);
}

#[test]
fn a_digit_at_either_end_of_a_long_strip_is_read() {
    // Strips 8, 15, 25 and 40 times as wide as they are tall, the digit at one end, plain, under a
    // gradient, and on grey paper with a shadow along the strip.
    assert_eq!(read_as_named("strips"), 10);
}

#[test]
fn heavy_marker_strokes_keep_their_loops() {
    // Marker strokes an eighth of the digit's height wide, in 4-colour palette PNGs and in grey.
    assert_eq!(read_as_named("marker"), 12);
}

#[test]
fn a_number_is_read_digit_by_digit_left_to_right() {
    let dir = integration_tests::workspace_root().join("tests/fixtures/numbers");
    let stdout = crate::run_ok("infer", &[std::ffi::OsStr::new("--json"), dir.as_os_str()]);
    let mut read = 0;
    for line in stdout.lines() {
        let answer: serde_json::Value = serde_json::from_str(line).unwrap();
        let file = answer["file"].as_str().unwrap();
        let name = Path::new(file).file_name().unwrap().to_string_lossy();
        let number: String = name.chars().take_while(char::is_ascii_digit).collect();
        assert_eq!(answer["number"], number.as_str(), "{answer}");
        let digits = answer["digits"].as_array().unwrap();
        assert_eq!(digits.len(), number.len(), "{answer}");
        for (digit, expected) in digits.iter().zip(number.chars()) {
            assert_eq!(digit["class"], expected.to_string().as_str(), "{answer}");
            assert_eq!(digit["probabilities"].as_array().unwrap().len(), 10);
            assert!(
                digit.get("file").is_none(),
                "the file is named once: {answer}"
            );
        }
        read += 1;
    }
    assert_eq!(read, 4, "{stdout}");

    let text = crate::run_ok("infer", &[dir.join("42.png")]);
    assert!(text.contains("42.png: 42  digits: 4 ("), "{text}");
}

#[test]
fn one_digit_images_read_exactly_as_a_single_digit() {
    // The number reader must not change a single digit's answer: same 28x28 pixels.
    let root = integration_tests::workspace_root();
    let mut files: Vec<PathBuf> = ["tests/fixtures/digits", "tests/fixtures/canvas"]
        .iter()
        .flat_map(|d| std::fs::read_dir(root.join(d)).unwrap())
        .map(|e| e.unwrap().path())
        .collect();
    let dev = integration_tests::digits_dev();
    let mut dev_files: Vec<PathBuf> = std::fs::read_dir(&dev)
        .unwrap_or_else(|e| panic!("{}: {e}", dev.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "png"))
        .collect();
    dev_files.sort();
    files.extend(dev_files.into_iter().step_by(3));
    assert!(files.len() > 250);
    for file in files {
        let image = decode_file(&file).unwrap();
        assert_eq!(
            infer::preprocess_number(&image),
            infer::preprocess(&image).map(|d| vec![d]),
            "{}",
            file.display()
        );
    }
}

#[test]
fn more_marks_than_a_number_has_digits_are_refused() {
    // Thirteen separate strokes in a row: a line of text, not a number of up to 12 digits.
    let mut page = GrayImage::from_pixel(13 * 30 + 20, 80, Luma([255]));
    for k in 0..13u32 {
        for y in 20..60 {
            for x in 0..4 {
                page.put_pixel(20 + k * 30 + x, y, Luma([0]));
            }
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("text.png");
    page.save(&path).unwrap();
    match infer::load_number(&path) {
        Err(InferError::TooManyDigits { count: 13, .. }) => {}
        other => panic!("{:?}", other.map(|d| d.len())),
    }
    let error = infer::load_number(&path).unwrap_err().to_string();
    assert!(
        error.contains("text.png") && error.contains("up to 12 digits"),
        "{error}"
    );
}

#[test]
fn a_digit_lying_on_its_side_is_one_doubtful_digit_not_a_number() {
    // A 4 photographed turned 90 degrees, with no EXIF to say so: wider than tall, but one digit.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("4-sideways.png");
    let four = image::open(integration_tests::fixture_digit("4-drawn-0.png")).unwrap();
    four.rotate270().save(&path).unwrap();
    let out = Command::new(crate::binary("infer"))
        .arg("--json")
        .arg(&path)
        .output()
        .unwrap();
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(answer.get("number").is_none(), "read as a number: {answer}");
    assert_eq!(answer["unsure"], true, "{answer}");
}

#[test]
fn ink_that_does_not_look_like_a_digit_is_not_sure_whatever_the_confidence() {
    // tests/fixtures/odd (made by make_samples.py): an ink blot and a black sticker (solid ink,
    // not strokes) and a 1 traced in dots (many pieces). The network still answers, often
    // confidently (the sticker: 1 at 94%); the mark does not depend on --min-confidence.
    let dir = integration_tests::workspace_root().join("tests/fixtures/odd");
    let expected = [
        ("blot.png", "a solid blob of ink, not strokes"),
        ("dotted-1.png", "separate pieces"),
        ("sticker.png", "a solid blob of ink, not strokes"),
    ];
    let dir = dir.display().to_string();
    let stdout = crate::run_ok("infer", &["--json", "--min-confidence", "0", &dir]);
    let answers: Vec<serde_json::Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(answers.len(), expected.len());
    for (answer, (file, doubt)) in answers.iter().zip(expected) {
        assert!(answer["file"].as_str().unwrap().ends_with(file), "{answer}");
        assert_eq!(answer["unsure"], true, "{answer}");
        assert!(
            answer["doubt"].as_str().unwrap().contains(doubt),
            "{answer}"
        );
    }
    // A plain digit has no doubt to give.
    let out = Command::new(crate::binary("infer"))
        .args(["--json", "--min-confidence", "0"])
        .arg(integration_tests::fixture_digit("4-drawn-0.png"))
        .output()
        .unwrap();
    let answer: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["unsure"], false, "{answer}");
    assert!(answer.get("doubt").is_none(), "{answer}");
}

#[test]
fn reading_the_named_samples_ends_with_a_score_and_what_to_try_next() {
    let samples = integration_tests::workspace_root().join("tests/fixtures/digits");
    let answers = |extra: &[&std::ffi::OsStr]| {
        let out = Command::new(crate::binary("infer"))
            .args(["--device", "cpu"])
            .args(extra)
            .arg(&samples)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // A run folder with a report, as `train` leaves it.
    let artifacts = tempfile::tempdir().unwrap();
    let run = integration_tests::copy_shipped_run(artifacts.path(), "mine");
    std::fs::write(run.join("report.md"), "# report\n").unwrap();
    let text = answers(&["--model".as_ref(), run.as_os_str()]);
    let folder = samples.display().to_string();
    let answers_per_file: Vec<(&str, &str)> = text
        .lines()
        .filter(|l| l.starts_with(&folder))
        .filter_map(|l| l.split_once(": "))
        .collect();
    let files = std::fs::read_dir(&samples).unwrap().count();
    assert_eq!(answers_per_file.len(), files, "{text}");
    let right = answers_per_file
        .iter()
        .filter(|(file, answer)| {
            let named = Path::new(file)
                .file_name()
                .unwrap()
                .to_string_lossy()
                .chars()
                .next();
            answer.chars().next() == named && answer.chars().nth(1) == Some(' ')
        })
        .count();
    let score = format!("{right} of {files} read right (");
    assert!(text.contains(&score), "{score:?} in {text}");
    assert!(text.contains("marked \"not sure\""), "{text}");
    assert!(
        text.contains(&run.join("report.md").display().to_string()),
        "the run's report: {text}"
    );
    assert!(
        text.contains("the shipped model on the same images:"),
        "{text}"
    );
    assert!(text.contains("cargo run -p web"), "{text}");

    // The shipped model: no report to point at, and a model of one's own to train next.
    let text = answers(&[]);
    assert!(text.contains(" read right ("), "{text}");
    assert!(
        text.contains("cargo xtask train --config configs/sgd.toml"),
        "{text}"
    );
    // Machine-readable output stays exactly one record per file.
    let json = answers(&["--json".as_ref()]);
    assert!(json.lines().all(|l| l.starts_with('{')), "{json}");
}

#[test]
fn save_steps_draws_each_preprocessing_step_ending_in_what_the_network_saw() {
    let out_dir = tempfile::tempdir().unwrap();
    let digit = integration_tests::fixture_digit("7-photo.jpg");
    let saved_digit = out_dir.path().join("seen.png");
    let out = Command::new(crate::binary("infer"))
        .args(["--device", "cpu", "--save-steps"])
        .arg(out_dir.path().join("steps"))
        .arg("--save-preprocessed")
        .arg(&saved_digit)
        .arg(&digit)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let strip = image::open(out_dir.path().join("steps/7-photo.steps.png"))
        .unwrap()
        .to_luma8();
    let cell = infer::steps::STRIP_CELL;
    let steps = (strip.width() - 8) / (cell + 8);
    assert_eq!(steps, 8, "eight steps side by side");
    // The last square is the 28x28 digit `--save-preprocessed` saves, each pixel 6x6.
    let seen = image::open(&saved_digit).unwrap().to_luma8();
    let k = cell / 28;
    let (x0, y0) = (
        8 + 7 * (cell + 8) + (cell - 28 * k) / 2,
        8 + (cell - 28 * k) / 2,
    );
    for (x, y) in [(14, 14), (10, 5), (20, 20), (0, 0)] {
        assert_eq!(
            strip.get_pixel(x0 + x * k + k / 2, y0 + y * k + k / 2),
            seen.get_pixel(x, y),
            "pixel ({x}, {y})"
        );
    }
}

#[test]
fn fashion_test_images_through_png_files_read_as_the_in_memory_evaluation() {
    // A Fashion-MNIST model: the smoke recipe on Fashion-MNIST, one epoch.
    let dir = tempfile::tempdir().unwrap();
    let request = integration_tests::fashion_smoke_request(dir.path(), "fashion", 1);
    let outcome = mnist_train::train(&request).unwrap();
    let classifier = Classifier::load(&outcome.run_dir.path, &Device::flex()).unwrap();
    assert!(!classifier.reads_digits());

    // The test set written as PNG files, as Fashion-MNIST's images are (bright on black),
    // and read back through `infer`'s own scoring.
    let data = MnistData::load(integration_tests::data_dir(
        mnist_data::DatasetKind::FashionMnist,
    ))
    .unwrap();
    let pngs = dir.path().join("pngs");
    std::fs::create_dir(&pngs).unwrap();
    for i in 0..data.test.len() {
        let image = GrayImage::from_raw(28, 28, data.test.image(i).to_vec()).unwrap();
        image
            .save(pngs.join(format!("{}-{i:05}.png", data.test.label(i))))
            .unwrap();
    }
    let card =
        infer::score::score(&classifier, &infer::score::labelled_images(&pngs).unwrap()).unwrap();
    let through_files = card.overall().accuracy();
    let in_memory = outcome.summary.test_accuracy;
    assert!(
        (through_files - in_memory).abs() <= 0.5,
        "through PNG files {through_files:.2}% against {in_memory:.2}% in memory"
    );
    // A Fashion item is one item: no number is made of a picture of two garments side by side.
    let two = GrayImage::from_fn(56, 28, |x, y| {
        Luma([data.test.image(x as usize / 28)[(y * 28 + x % 28) as usize]])
    });
    let file = dir.path().join("two.png");
    two.save(&file).unwrap();
    assert_eq!(infer::load_for(&classifier, &file).unwrap().len(), 1);
}

#[test]
fn a_garment_photographed_on_a_plain_background_fills_its_frame_as_fashion_mnists_do() {
    // tests/fixtures/clothes (made by make_samples.py): garments on a floor-like background lit
    // unevenly. Fashion-MNIST's items fill the frame along their longer side, at full
    // brightness, on a black background.
    let dir = integration_tests::workspace_root().join("tests/fixtures/clothes");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert_eq!(files.len(), 7);
    for file in files {
        let item = infer::prepare_item(&decode_file(&file).unwrap()).unwrap();
        let lit: Vec<(usize, usize)> = (0..784)
            .filter(|&i| item[i] > 24)
            .map(|i| (i % 28, i / 28))
            .collect();
        let span = |pick: fn(&(usize, usize)) -> usize| {
            lit.iter().map(pick).max().unwrap() - lit.iter().map(pick).min().unwrap() + 1
        };
        let (wide, tall) = (span(|p| p.0), span(|p| p.1));
        assert!(wide.max(tall) >= 26, "{}: {wide}x{tall}", file.display());
        let peak = *item.iter().max().unwrap();
        assert!(peak >= 250, "{}: brightest {peak}", file.display());
        // The background left black: the frame's corners, away from the item.
        let corners = [0, 27, 28 * 27, 28 * 28 - 1];
        let background = corners.iter().filter(|&&i| item[i] <= 8).count();
        assert!(
            background >= 2,
            "{}: corners {:?}",
            file.display(),
            corners.map(|i| item[i])
        );
    }
}
