//! The lines `infer` ends with when the images it read are named after their digits (the
//! repository's samples are): how many it read right, how many it was not sure of, and what to
//! try next.

use std::path::{Path, PathBuf};

use crate::score::{label_from_file_name, SureTally};

/// Each answer to an image named after its digit: right or not, and marked "not sure" or not.
#[derive(Debug, Default)]
pub struct NamedAnswers {
    answers: Vec<(bool, bool)>,
    /// Some image was not named after a digit, so there is nothing to score.
    unlabelled: bool,
}

impl NamedAnswers {
    /// Records the answer to `file`: the digits read (none when it could not be read) and
    /// whether the answer was marked "not sure".
    pub fn add(&mut self, file: &Path, digits: &[usize], unsure: bool) {
        match label_from_file_name(file) {
            Some(label) => self.answers.push((digits == [label], unsure)),
            None => self.unlabelled = true,
        }
    }

    /// The score line, when two or more images were read and every one was named after its
    /// digit: `34 of 39 read right (87.2%); 13 marked "not sure", 4 of them wrong`.
    pub fn score_line(&self, min_confidence: f32) -> Option<String> {
        if self.unlabelled || self.answers.len() < 2 {
            return None;
        }
        let right = self.answers.iter().filter(|(right, _)| *right).count();
        let total = self.answers.len();
        let sure = SureTally::new(self.answers.iter().copied(), min_confidence);
        let unsure_wrong = self
            .answers
            .iter()
            .filter(|(right, unsure)| *unsure && !*right)
            .count();
        Some(format!(
            "{right} of {total} read right ({:.1}%, each file named after its digit); {} marked \
             \"not sure\", {unsure_wrong} of them wrong",
            100.0 * right as f64 / total as f64,
            sure.unsure
        ))
    }
}

/// What to try after reading the samples with `model` (`None`: the shipped model) on
/// `images` (as they were typed).
pub fn next_steps(model: Option<&Path>, images: &[PathBuf]) -> String {
    let images: Vec<String> = images.iter().map(|p| p.display().to_string()).collect();
    let images = images.join(" ");
    let mut lines = vec!["next:".to_string()];
    if let Some(model) = model {
        let report = model.join(mnist_report::REPORT_FILE);
        if report.is_file() {
            lines.push(format!(
                "  the run's curves, mistakes and weights:  {}",
                report.display()
            ));
        }
        lines.push(format!(
            "  the shipped model on the same images:    cargo run -p infer -- {images}"
        ));
    } else {
        lines.push(
            "  train a model of your own:               cargo xtask train --config configs/sgd.toml"
                .to_string(),
        );
    }
    lines.push(
        "  draw digits of your own and watch:       cargo run -p web  (http://127.0.0.1:8080/)"
            .to_string(),
    );
    lines.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_answers_are_scored_and_others_are_not() {
        let mut named = NamedAnswers::default();
        named.add(Path::new("d/7-a.png"), &[7], false);
        named.add(Path::new("d/1-b.png"), &[7], true);
        named.add(Path::new("d/2-c.png"), &[2], true);
        named.add(Path::new("d/3-d.png"), &[], false);
        let line = named.score_line(0.7).unwrap();
        assert!(line.starts_with("2 of 4 read right (50.0%"), "{line}");
        assert!(
            line.ends_with("2 marked \"not sure\", 1 of them wrong"),
            "{line}"
        );

        named.add(Path::new("d/mine.png"), &[4], false);
        assert_eq!(named.score_line(0.7), None);
        let mut one = NamedAnswers::default();
        one.add(Path::new("7.png"), &[7], false);
        assert_eq!(one.score_line(0.7), None);
    }
}
