//! `predictions.png`: test digits titled "pred X" over "label Y" (two lines, so Fashion-MNIST's
//! longer class names fit their own cell), misclassified ones first, in red.

use std::path::Path;

use plotters::prelude::*;

use crate::draw::{digit, ink, png, text, FAMILY};
use crate::{ReportError, Sample};

const COLUMNS: usize = 6;
const ROWS: usize = 6;
const SCALE: i32 = 4;
const CELL_W: i32 = 28 * SCALE + 24;
const CELL_H: i32 = 28 * SCALE + 50;
/// The title's font size; the longest title ("label T-shirt/top") fits the cell at this size.
const TITLE_SIZE: u32 = 12;

pub fn draw(path: &Path, samples: &[Sample], names: &[String]) -> Result<(), ReportError> {
    let mut shown: Vec<&Sample> = samples.iter().filter(|s| s.label != s.predicted).collect();
    shown.extend(samples.iter().filter(|s| s.label == s.predicted));
    shown.truncate(COLUMNS * ROWS);
    let name = |i: usize| names.get(i).cloned().unwrap_or_else(|| i.to_string());
    let size = (
        (COLUMNS as i32 * CELL_W) as u32,
        (ROWS as i32 * CELL_H + 10) as u32,
    );
    png(path, size, |root| {
        for (i, s) in shown.iter().enumerate() {
            let x = (i % COLUMNS) as i32 * CELL_W + 12;
            let y = (i / COLUMNS) as i32 * CELL_H + 44;
            let wrong = s.label != s.predicted;
            let colour = if wrong { RED } else { BLACK };
            for (line, title) in [
                format!("pred {}", name(s.predicted)),
                format!("label {}", name(s.label)),
            ]
            .iter()
            .enumerate()
            {
                root.draw(&Text::new(
                    title.as_str(),
                    (x - 6, y - 36 + 14 * line as i32),
                    (FAMILY, TITLE_SIZE).into_font().color(&colour),
                ))
                .map_err(text)?;
            }
            digit(root, |px, py| ink(s.pixels[py * 28 + px]), (x, y), SCALE)?;
            if wrong {
                root.draw(&Rectangle::new(
                    [(x - 2, y - 2), (x + 28 * SCALE + 2, y + 28 * SCALE + 2)],
                    RED.stroke_width(2),
                ))
                .map_err(text)?;
            }
        }
        Ok(())
    })
}
