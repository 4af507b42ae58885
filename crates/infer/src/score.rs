//! Scoring a labelled folder of images through the same path as `infer`: decode, preprocess,
//! predict; accuracy overall and per source, the confusion matrix and the misread files.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use mnist_data::NUM_CLASSES;
use serde::Serialize;

use crate::{load_digit, Classifier, InferError};

/// The file in a folder that names each image's label (and, optionally, its source).
pub const LABELS_FILE: &str = "labels.csv";
/// How many digits go through the network at once.
const BATCH: usize = 256;

/// One image with the label a person gave it.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledImage {
    pub path: PathBuf,
    pub label: usize,
    /// Where the image came from (`labels.csv`'s `source` column); empty when not known.
    pub source: String,
}

#[derive(Debug, serde::Deserialize)]
struct LabelRow {
    file: String,
    label: String,
    #[serde(default)]
    source: String,
}

/// The labelled images of `dir`: from its `labels.csv` (columns `file,label[,source,...]`) when
/// it has one, otherwise every image file whose name starts with its digit (`7-mine.png`).
pub fn labelled_images(dir: &Path) -> Result<Vec<LabelledImage>, InferError> {
    if !dir.is_dir() {
        return Err(InferError::Labels {
            path: dir.to_path_buf(),
            message: "not a folder".into(),
        });
    }
    let labels = dir.join(LABELS_FILE);
    let images = if labels.is_file() {
        from_labels_csv(dir, &labels)?
    } else {
        from_file_names(dir)?
    };
    if images.is_empty() {
        return Err(InferError::Labels {
            path: dir.to_path_buf(),
            message: format!(
                "no labelled images: give it a {LABELS_FILE} (columns file,label,source) or \
                 name each image after its digit (7-mine.png)"
            ),
        });
    }
    Ok(images)
}

fn from_labels_csv(dir: &Path, labels: &Path) -> Result<Vec<LabelledImage>, InferError> {
    let bad = |message: String| InferError::Labels {
        path: labels.to_path_buf(),
        message,
    };
    let mut reader = csv::Reader::from_path(labels).map_err(|e| bad(e.to_string()))?;
    let mut images = Vec::new();
    for (i, row) in reader.deserialize::<LabelRow>().enumerate() {
        // Line 1 is the header.
        let line = i + 2;
        let row = row.map_err(|e| bad(format!("line {line}: {e}")))?;
        let label = parse_label(&row.label).ok_or_else(|| {
            bad(format!(
                "line {line}: label {:?} is not a digit 0-9",
                row.label
            ))
        })?;
        let inside = Path::new(&row.file)
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        if row.file.is_empty() || !inside {
            return Err(bad(format!(
                "line {line}: file {:?} must be a path inside the folder",
                row.file
            )));
        }
        images.push(LabelledImage {
            path: dir.join(&row.file),
            label,
            source: row.source,
        });
    }
    Ok(images)
}

fn parse_label(text: &str) -> Option<usize> {
    text.trim()
        .parse::<usize>()
        .ok()
        .filter(|&l| l < NUM_CLASSES)
}

fn from_file_names(dir: &Path) -> Result<Vec<LabelledImage>, InferError> {
    let entries = std::fs::read_dir(dir).map_err(|cause| InferError::Io {
        path: dir.to_path_buf(),
        cause,
    })?;
    let mut images: Vec<LabelledImage> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter_map(|path| {
            let label = label_from_file_name(&path)?;
            Some(LabelledImage {
                path,
                label,
                source: String::new(),
            })
        })
        .collect();
    images.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(images)
}

/// The label of an image named after its digit (`7-mine.png` is a 7), if it is.
pub fn label_from_file_name(path: &Path) -> Option<usize> {
    let name = path.file_name()?.to_string_lossy();
    Some(name.chars().next()?.to_digit(10)? as usize)
}

/// What the network read in one labelled image.
#[derive(Debug, Clone, Serialize)]
pub struct Scored {
    pub file: String,
    pub label: usize,
    pub source: String,
    /// The digit read, or `None` when the image could not be read (`error` says why).
    pub digit: Option<usize>,
    pub confidence: f32,
    /// Why the input does not look like a digit, when it does not ([`crate::Doubt`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shape_doubt: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Scored {
    pub fn correct(&self) -> bool {
        self.digit == Some(self.label)
    }
}

/// Images read and read right.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Tally {
    pub images: usize,
    pub correct: usize,
}

impl Tally {
    /// Percentage read right (0 for no images).
    pub fn accuracy(&self) -> f64 {
        if self.images == 0 {
            0.0
        } else {
            100.0 * self.correct as f64 / self.images as f64
        }
    }

    fn add(&mut self, scored: &Scored) {
        self.images += 1;
        self.correct += usize::from(scored.correct());
    }
}

/// How answers split into those marked "not sure" (probability below a threshold, or an input
/// that does not look like a digit) and the others, and how many of the others were right.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SureTally {
    /// The threshold (kept to six decimals, so 0.7 reads 0.7 in JSON).
    pub min_confidence: f64,
    /// Images that got an answer.
    pub images: usize,
    /// Answers marked "not sure".
    pub unsure: usize,
    /// The other answers that were right.
    pub sure_correct: usize,
}

impl SureTally {
    /// Tallies `(right, unsure)` answers, marked at `min_confidence`.
    pub fn new(answers: impl IntoIterator<Item = (bool, bool)>, min_confidence: f32) -> Self {
        let mut tally = SureTally {
            min_confidence: (f64::from(min_confidence) * 1e6).round() / 1e6,
            images: 0,
            unsure: 0,
            sure_correct: 0,
        };
        for (right, unsure) in answers {
            tally.images += 1;
            if unsure {
                tally.unsure += 1;
            } else if right {
                tally.sure_correct += 1;
            }
        }
        tally
    }

    /// Percentage right among the answers not marked "not sure" (NaN when there is none).
    pub fn sure_accuracy(&self) -> f64 {
        100.0 * self.sure_correct as f64 / (self.images - self.unsure) as f64
    }

    /// One line for a report.
    pub fn line(&self) -> String {
        format!(
            "not sure on {} of {} answers ({:.1}%: below --min-confidence {}, or not shaped like a digit); the other {} are {:.2}% right",
            self.unsure,
            self.images,
            100.0 * self.unsure as f64 / self.images.max(1) as f64,
            self.min_confidence,
            self.images - self.unsure,
            self.sure_accuracy()
        )
    }
}

/// Every image's result, with the figures drawn from them.
#[derive(Debug, Clone)]
pub struct Scorecard {
    pub results: Vec<Scored>,
}

impl Scorecard {
    pub fn overall(&self) -> Tally {
        let mut tally = Tally::default();
        self.results.iter().for_each(|s| tally.add(s));
        tally
    }

    /// Tallies per source, in name order (images without a source are left out).
    pub fn by_source(&self) -> BTreeMap<String, Tally> {
        let mut sources: BTreeMap<String, Tally> = BTreeMap::new();
        for s in self.results.iter().filter(|s| !s.source.is_empty()) {
            sources.entry(s.source.clone()).or_default().add(s);
        }
        sources
    }

    /// `confusion[label][digit read]`; unreadable images are not in it.
    pub fn confusion(&self) -> [[usize; NUM_CLASSES]; NUM_CLASSES] {
        let mut confusion = [[0; NUM_CLASSES]; NUM_CLASSES];
        for s in &self.results {
            if let Some(d) = s.digit {
                confusion[s.label][d] += 1;
            }
        }
        confusion
    }

    /// The answers split at `min_confidence` (images that could not be read are left out).
    pub fn sure(&self, min_confidence: f32) -> SureTally {
        let answers = self.results.iter().filter(|s| s.digit.is_some()).map(|s| {
            let unsure = s.confidence < min_confidence || s.shape_doubt.is_some();
            (s.correct(), unsure)
        });
        SureTally::new(answers, min_confidence)
    }

    /// The images read wrong or not read at all.
    pub fn misread(&self) -> impl Iterator<Item = &Scored> {
        self.results.iter().filter(|s| !s.correct())
    }

    /// Everything as one JSON value, with the answers split at `min_confidence`.
    pub fn to_json(&self, min_confidence: f32) -> serde_json::Value {
        let sources: BTreeMap<String, serde_json::Value> = self
            .by_source()
            .into_iter()
            .map(|(name, t)| (name, tally_json(&t)))
            .collect();
        let overall = self.overall();
        serde_json::json!({
            "images": overall.images,
            "correct": overall.correct,
            "accuracy": overall.accuracy(),
            "sources": sources,
            "confusion": self.confusion(),
            "unsure": self.sure(min_confidence),
            "misread": self.misread().collect::<Vec<_>>(),
        })
    }
}

fn tally_json(t: &Tally) -> serde_json::Value {
    serde_json::json!({"images": t.images, "correct": t.correct, "accuracy": t.accuracy()})
}

/// One image as the model reads it: one digit, or one Fashion-MNIST item.
fn read_one(
    classifier: &Classifier,
    path: &Path,
) -> Result<[u8; mnist_data::IMAGE_PIXELS], InferError> {
    if classifier.reads_digits() {
        load_digit(path)
    } else {
        crate::load_item(path)
    }
}

/// Reads every image as `infer` would and compares the answer with its label. An image that
/// cannot be read (corrupt, no digit found) counts as misread, with the reason.
pub fn score(classifier: &Classifier, images: &[LabelledImage]) -> Result<Scorecard, InferError> {
    let mut results = Vec::with_capacity(images.len());
    for chunk in images.chunks(BATCH) {
        let loaded: Vec<Result<[u8; mnist_data::IMAGE_PIXELS], InferError>> = chunk
            .iter()
            .map(|image| read_one(classifier, &image.path))
            .collect();
        let digits: Vec<[u8; mnist_data::IMAGE_PIXELS]> = loaded
            .iter()
            .filter_map(|r| r.as_ref().ok().copied())
            .collect();
        let mut predictions = classifier.predict(&digits)?.into_iter();
        for (image, result) in chunk.iter().zip(loaded) {
            let (digit, confidence, shape_doubt, error) = match result {
                Ok(_) => {
                    let prediction = predictions.next().ok_or_else(|| {
                        InferError::Model("the network returned too few answers".into())
                    })?;
                    let (digit, confidence) = prediction.ranked()[0];
                    let shape_doubt = prediction.shape.map(|d| d.reason());
                    (Some(digit), confidence, shape_doubt, None)
                }
                Err(e) => (None, 0.0, None, Some(e.to_string())),
            };
            results.push(Scored {
                file: image.path.display().to_string(),
                label: image.label,
                source: image.source.clone(),
                digit,
                confidence,
                shape_doubt,
                error,
            });
        }
    }
    Ok(Scorecard { results })
}

#[cfg(test)]
mod tests {
    use super::{Scorecard, Scored};

    fn scored(label: usize, digit: usize, confidence: f32, odd: bool) -> Scored {
        Scored {
            file: format!("{label}.png"),
            label,
            source: "test".into(),
            digit: Some(digit),
            confidence,
            shape_doubt: odd.then(|| "ink in 5 separate pieces".into()),
            error: None,
        }
    }

    #[test]
    fn weak_answers_and_odd_shapes_are_unsure_and_the_rest_are_scored() {
        let card = Scorecard {
            results: vec![
                scored(1, 1, 0.99, false),
                scored(2, 3, 0.55, false),
                scored(3, 3, 0.7, false),
                scored(4, 9, 0.9, false),
                scored(5, 5, 0.69, false),
                scored(6, 6, 0.99, true),
            ],
        };
        let tally = card.sure(0.7);
        assert_eq!((tally.images, tally.unsure, tally.sure_correct), (6, 3, 2));
        assert!((tally.sure_accuracy() - 200.0 / 3.0).abs() < 1e-9);
        assert_eq!(tally.min_confidence, 0.7);
        assert!(
            tally
                .line()
                .starts_with("not sure on 3 of 6 answers (50.0%"),
            "{}",
            tally.line()
        );
    }
}
