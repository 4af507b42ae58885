//! The `infer` command line: images (or folders of them) in, digits and probabilities out.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Parser;
use mnist_data::{IMAGE_PIXELS, IMAGE_SIDE};
use mnist_model::device::{choose_device, Workload};

use crate::closing::{next_steps, NamedAnswers};
use crate::{
    load_for, shipped_model_dir, Classifier, Doubt, InferError, Prediction, DEFAULT_MIN_CONFIDENCE,
};

/// Recognise handwritten digits in your own images (PNG, JPEG, BMP, GIF, TIFF, WebP).
#[derive(Debug, Parser)]
#[command(name = "infer", bin_name = "infer", version)]
pub struct InferArgs {
    /// Image files, or folders whose image files are read (other files are skipped with a
    /// note).
    #[arg(required = true)]
    pub images: Vec<PathBuf>,
    /// Read the folders inside the given folders too.
    #[arg(long, short = 'r')]
    pub recursive: bool,
    /// A run folder holding model.json and model.bpk; default: the shipped model.
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Use the weights checkpointed after epoch N instead of the final model (for an
    /// interrupted run, or to compare epochs).
    #[arg(long, value_name = "N")]
    pub checkpoint: Option<usize>,
    /// How many candidates to show per image (the prediction and its runners-up).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u8).range(1..=10))]
    pub top: u8,
    /// One JSON object per line instead of text.
    #[arg(long, conflicts_with = "csv")]
    pub json: bool,
    /// CSV instead of text: a header, then file,answer,confidence,unsure per image (the
    /// answer is the number for several digits; the confidence is the weakest digit's).
    #[arg(long)]
    pub csv: bool,
    /// Print the preprocessed 28x28 digit as text art: what the network saw.
    #[arg(long)]
    pub show: bool,
    /// Save the preprocessed 28x28 digit as PNG: a file for one image, a folder for several.
    #[arg(long)]
    pub save_preprocessed: Option<PathBuf>,
    /// Save, into this folder, one picture per image of what each preprocessing step made of
    /// it, left to right: grey, ink made bright, light evened out, background flattened, rules
    /// and specks removed, cropped, scaled into 20x20, centred in 28x28 (`<name>.steps.png`).
    #[arg(long, value_name = "DIR")]
    pub save_steps: Option<PathBuf>,
    /// Compute device: cpu (= flex), and ndarray / gpu (= wgpu) / vulkan when built with those
    /// features. The CPU by default, even in a GPU build: it answers for an image in a few
    /// milliseconds, less than a GPU takes to start.
    #[arg(long)]
    pub device: Option<String>,
    /// Answers whose probability is below this are marked "not sure" (JSON: "unsure": true).
    #[arg(long, default_value_t = DEFAULT_MIN_CONFIDENCE, value_parser = probability)]
    pub min_confidence: f32,
}

/// A probability given on the command line: a number in [0, 1].
pub fn probability(text: &str) -> Result<f32, String> {
    let value: f32 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number"))?;
    if (0.0..=1.0).contains(&value) {
        Ok(value)
    } else {
        Err(format!("{value} is not a probability in [0, 1] (e.g. 0.8)"))
    }
}

/// The file extensions read from a folder (a file named on the command line is read whatever
/// it is called: the decoder goes by content).
const IMAGE_EXTENSIONS: [&str; 9] = [
    "png", "jpg", "jpeg", "jfif", "bmp", "gif", "tif", "tiff", "webp",
];

/// The images to read, and what was passed over in folders (with why).
#[derive(Debug, Default)]
struct Inputs {
    files: Vec<PathBuf>,
    skipped: Vec<(PathBuf, &'static str)>,
    /// Folders given on the command line that hold no image file.
    empty: Vec<PathBuf>,
}

/// The files named on the command line, folders expanded: their image files, sorted (hidden
/// files left out; other files and, without `recursive`, subfolders skipped with a note).
fn expand(inputs: &[PathBuf], recursive: bool) -> Inputs {
    let mut out = Inputs::default();
    for input in inputs {
        if input.is_dir() {
            let before = out.files.len();
            expand_folder(input, recursive, &mut out);
            if out.files.len() == before {
                out.empty.push(input.clone());
            }
        } else {
            out.files.push(input.clone());
        }
    }
    out
}

fn expand_folder(dir: &Path, recursive: bool, out: &mut Inputs) {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    entries.sort();
    for path in entries {
        let hidden = path
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            if recursive {
                expand_folder(&path, recursive, out);
            } else {
                out.skipped
                    .push((path, "a folder; --recursive reads folders too"));
            }
            continue;
        }
        let image = path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.as_str()));
        if image {
            out.files.push(path);
        } else {
            out.skipped.push((path, "not an image file"));
        }
    }
}

/// The digit as text art, darkest to brightest ink.
pub fn text_art(digit: &[u8; IMAGE_PIXELS]) -> String {
    const RAMP: &[u8] = b" .:-=+*#%@";
    let mut out = String::new();
    for row in digit.chunks(IMAGE_SIDE) {
        for &v in row {
            let c = RAMP[(usize::from(v) * (RAMP.len() - 1) + 127) / 255] as char;
            out.push(c);
            out.push(c);
        }
        out.push('\n');
    }
    out
}

/// Saves the digits side by side, 28 px high, as one PNG.
fn save_png(path: &Path, digits: &[[u8; IMAGE_PIXELS]]) -> anyhow::Result<()> {
    let width = IMAGE_SIDE * digits.len();
    let strip: Vec<u8> = (0..IMAGE_SIDE)
        .flat_map(|y| {
            digits
                .iter()
                .flat_map(move |d| d[y * IMAGE_SIDE..(y + 1) * IMAGE_SIDE].iter().copied())
        })
        .collect();
    image::save_buffer_with_format(
        path,
        &strip,
        width as u32,
        IMAGE_SIDE as u32,
        image::ExtendedColorType::L8,
        image::ImageFormat::Png,
    )
    .with_context(|| format!("cannot save {}", path.display()))
}

/// Saves `<dir>/<file's stem>.steps.png`: each preprocessing step's picture of `file`, side by
/// side. A file that cannot be decoded is skipped here: the answer's line says why.
fn save_steps(dir: &Path, file: &Path) -> anyhow::Result<()> {
    let Ok(image) = crate::decode_file(file) else {
        return Ok(());
    };
    let (steps, _) = crate::steps::preprocess_steps(&image);
    let strip = crate::steps::steps_strip(&steps);
    let mut png = std::io::Cursor::new(Vec::new());
    strip
        .write_to(&mut png, image::ImageFormat::Png)
        .context("cannot encode the steps as PNG")?;
    let stem = file.file_stem().unwrap_or_default().to_string_lossy();
    let path = dir.join(format!("{stem}.steps.png"));
    mnist_atomic_files::write_atomic(&path, png.get_ref())
        .with_context(|| format!("cannot save {}", path.display()))
}

/// The JSON object `infer --json` prints for one image (and the web API answers); `unsure`
/// is whether the answer's probability is below `min_confidence` or the input does not look
/// like a digit, and `doubt` says which (absent when sure).
pub fn json_report(
    classifier: &Classifier,
    file: &Path,
    prediction: &Prediction,
    min_confidence: f32,
) -> serde_json::Value {
    let (digit, confidence) = prediction.ranked()[0];
    let doubt = prediction.doubt(min_confidence);
    let mut report = serde_json::json!({
        "file": file.display().to_string(),
        "digit": digit,
        "class": classifier.class_name(digit),
        "confidence": confidence,
        "unsure": doubt.is_some(),
        "probabilities": prediction.probabilities,
    });
    if let (Some(doubt), Some(object)) = (doubt, report.as_object_mut()) {
        object.insert("doubt".into(), doubt.reason().into());
    }
    report
}

/// The digits read, in order, as one text ("42"; a single digit's class name).
fn number_text(classifier: &Classifier, predictions: &[Prediction]) -> String {
    predictions
        .iter()
        .map(|p| classifier.class_name(p.digit()))
        .collect()
}

/// The JSON object for an image read as a number: one digit's is [`json_report`]'s; several
/// digits give `number` (their classes in order), `digits` (each one's object without `file`)
/// and `unsure` (any of them is).
pub fn number_json(
    classifier: &Classifier,
    file: &Path,
    predictions: &[Prediction],
    min_confidence: f32,
) -> serde_json::Value {
    if let [prediction] = predictions {
        return json_report(classifier, file, prediction, min_confidence);
    }
    let digits: Vec<serde_json::Value> = predictions
        .iter()
        .map(|p| {
            let mut digit = json_report(classifier, file, p, min_confidence);
            if let Some(object) = digit.as_object_mut() {
                object.remove("file");
            }
            digit
        })
        .collect();
    let number = number_text(classifier, predictions);
    serde_json::json!({
        "file": file.display().to_string(),
        "number": number,
        "digits": digits,
        "unsure": predictions.iter().any(|p| p.unsure(min_confidence)),
    })
}

fn report(
    args: &InferArgs,
    classifier: &Classifier,
    file: &Path,
    predictions: &[Prediction],
) -> String {
    if args.json {
        return number_json(classifier, file, predictions, args.min_confidence).to_string();
    }
    if args.csv {
        return csv_row(args, classifier, file, predictions);
    }
    match predictions {
        [prediction] => digit_line(args, classifier, file, prediction),
        _ => number_line(args, classifier, file, predictions),
    }
}

/// The CSV header `--csv` prints first.
const CSV_HEADER: &str = "file,answer,confidence,unsure";

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// `file,answer,confidence,unsure`; an image that could not be read is `file,,,` with the
/// error on stderr.
fn csv_row(
    args: &InferArgs,
    classifier: &Classifier,
    file: &Path,
    predictions: &[Prediction],
) -> String {
    let answer = number_text(classifier, predictions);
    let weakest = predictions
        .iter()
        .map(Prediction::confidence)
        .fold(1.0f32, f32::min);
    let unsure = predictions.iter().any(|p| p.unsure(args.min_confidence));
    format!(
        "{},{},{weakest:.6},{unsure}",
        csv_field(&file.display().to_string()),
        csv_field(&answer)
    )
}

/// What follows the confidence in a text answer: `, not sure` for a weak answer, `, not sure:
/// ink in 5 separate pieces` for an input that does not look like a digit, nothing when sure.
fn not_sure_text(prediction: &Prediction, min_confidence: f32) -> String {
    match prediction.doubt(min_confidence) {
        None => String::new(),
        Some(Doubt::Weak) => ", not sure".to_string(),
        Some(doubt) => format!(", not sure: {}", doubt.reason()),
    }
}

/// `file: 42  digits: 4 (99.1%), 2 (63.0%, not sure)`.
fn number_line(
    args: &InferArgs,
    classifier: &Classifier,
    file: &Path,
    predictions: &[Prediction],
) -> String {
    let number = number_text(classifier, predictions);
    let digits: Vec<String> = predictions
        .iter()
        .map(|p| {
            let doubt = not_sure_text(p, args.min_confidence);
            format!(
                "{} ({:.1}%{doubt})",
                classifier.class_name(p.digit()),
                100.0 * p.confidence()
            )
        })
        .collect();
    format!(
        "{}: {number}  digits: {}",
        file.display(),
        digits.join(", ")
    )
}

/// `file: 7 (98.2%)  runners-up: 1 (1.0%), 2 (0.4%)`.
fn digit_line(
    args: &InferArgs,
    classifier: &Classifier,
    file: &Path,
    prediction: &Prediction,
) -> String {
    let ranked = prediction.ranked();
    let doubt = not_sure_text(prediction, args.min_confidence);
    let mut line = format!(
        "{}: {} ({:.1}%{doubt})",
        file.display(),
        classifier.class_name(ranked[0].0),
        100.0 * ranked[0].1
    );
    let rest: Vec<String> = ranked[1..usize::from(args.top)]
        .iter()
        .map(|(d, p)| format!("{} ({:.1}%)", classifier.class_name(*d), 100.0 * p))
        .collect();
    if !rest.is_empty() {
        line.push_str(&format!("  runners-up: {}", rest.join(", ")));
    }
    line
}

fn report_error(args: &InferArgs, file: &Path, error: &InferError) -> String {
    if args.json {
        serde_json::json!({
            "file": file.display().to_string(),
            "error": error.to_string(),
            "no_digit": matches!(error, InferError::NoDigit(_)),
        })
        .to_string()
    } else {
        format!("error: {error}")
    }
}

/// Runs the command; returns whether every image was classified.
pub fn run(args: &InferArgs) -> anyhow::Result<bool> {
    let device = choose_device(args.device.as_deref(), Workload::Interactive)?
        .announce()
        .1;
    let model_dir = args.model.clone().unwrap_or_else(shipped_model_dir);
    let classifier = Classifier::load_checkpoint(&model_dir, args.checkpoint, &device)?;
    let Inputs {
        files,
        skipped,
        empty,
    } = expand(&args.images, args.recursive);
    for (path, why) in &skipped {
        eprintln!("note: skipping {} ({why})", path.display());
    }
    for dir in &empty {
        let hint = if args.recursive {
            ""
        } else {
            " (--recursive reads its subfolders)"
        };
        eprintln!(
            "error: {}: no image file in this folder{hint}",
            dir.display()
        );
    }
    if let Some(dir) = args.save_preprocessed.as_ref().filter(|_| files.len() > 1) {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    if let Some(dir) = &args.save_steps {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
        for file in &files {
            save_steps(dir, file)?;
        }
    }

    let mut all_ok = empty.is_empty();
    if args.csv {
        println!("{CSV_HEADER}");
    }
    let stdout = std::io::stdout();
    let mut named = NamedAnswers::default();
    for file in &files {
        let result = load_for(&classifier, file).and_then(|digits| {
            let predictions = classifier.predict(&digits)?;
            Ok((digits, predictions))
        });
        let mut out = stdout.lock();
        match result {
            Ok((digits, predictions)) => {
                let read: Vec<usize> = predictions.iter().map(Prediction::digit).collect();
                let unsure = predictions.iter().any(|p| p.unsure(args.min_confidence));
                named.add(file, &read, unsure);
                writeln!(out, "{}", report(args, &classifier, file, &predictions))?;
                if args.show {
                    for digit in &digits {
                        write!(out, "{}", text_art(digit))?;
                    }
                }
                if let Some(target) = &args.save_preprocessed {
                    let path = if files.len() > 1 {
                        let stem = file.file_stem().unwrap_or_default().to_string_lossy();
                        target.join(format!("{stem}.28x28.png"))
                    } else {
                        target.clone()
                    };
                    save_png(&path, &digits)?;
                }
            }
            Err(error) => {
                all_ok = false;
                named.add(file, &[], false);
                let line = report_error(args, file, &error);
                if args.json {
                    writeln!(out, "{line}")?;
                } else {
                    if args.csv {
                        writeln!(out, "{},,,", csv_field(&file.display().to_string()))?;
                    }
                    drop(out);
                    eprintln!("{line}");
                }
            }
        }
    }
    if !args.json && !args.csv {
        if let Some(score) = named.score_line(args.min_confidence) {
            println!(
                "\n{score}\n{}",
                next_steps(args.model.as_deref(), &args.images)
            );
        }
    }
    Ok(all_ok)
}

#[cfg(test)]
mod tests {
    use super::probability;

    #[test]
    fn a_probability_is_a_number_from_0_to_1() {
        assert_eq!(probability("0.7"), Ok(0.7));
        assert_eq!(probability("1"), Ok(1.0));
        assert!(probability("1.5")
            .unwrap_err()
            .contains("not a probability"));
        assert!(probability("sure").unwrap_err().contains("not a number"));
        assert!(probability("NaN").is_err());
    }
}
