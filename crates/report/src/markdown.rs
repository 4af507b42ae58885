//! `report.md`: the run's figures and its four pictures on one page.

use std::fmt::Write as _;
use std::path::Path;

use crate::{ReportError, ReportInput, FILES};

pub fn write(path: &Path, input: &ReportInput) -> Result<(), ReportError> {
    let mut md = format!("# Run `{}`\n\n| | |\n|---|---|\n", input.run);
    for (name, value) in &input.facts {
        let _ = writeln!(md, "| {name} | {value} |");
    }
    let captions = [
        "Loss and accuracy per epoch, training and validation.",
        "Test digits with the prediction and the label; misclassified ones first, framed in red.",
        "Confusion matrix on the test set: rows are the true class, columns the prediction.",
        "The first layer's weights of each unit as a 28x28 picture (blue negative, red positive).",
    ];
    for (file, caption) in FILES.iter().zip(captions) {
        let _ = write!(md, "\n{caption}\n\n![{file}]({file})\n");
    }
    mnist_atomic_files::write_atomic(path, md.as_bytes()).map_err(|cause| ReportError::Io {
        path: path.to_path_buf(),
        cause,
    })
}
