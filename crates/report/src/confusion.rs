//! `confusion.png`: the confusion matrix with counts, shaded by row share, and per-class accuracy.
//! Rows carry each class's number and full name; columns, the class number alone (a name
//! would not fit a column).

use std::path::Path;

use plotters::prelude::*;

use crate::draw::{png, text, FAMILY};
use crate::ReportError;

const CELL: i32 = 56;
const TOP: i32 = 90;
/// The width of one character of the row labels (15 px DejaVu Sans Mono), with room to spare.
const LABEL_CHAR: i32 = 10;

pub fn draw(path: &Path, confusion: &[Vec<usize>], names: &[String]) -> Result<(), ReportError> {
    let n = confusion.len() as i32;
    let row_label = |i: usize| match names.get(i) {
        Some(name) if *name != i.to_string() => format!("{i} {name}"),
        _ => i.to_string(),
    };
    let longest = (0..confusion.len())
        .map(|i| row_label(i).chars().count())
        .max()
        .unwrap_or(1) as i32;
    let left = (longest * LABEL_CHAR + 24).max(60);
    let size = ((left + n * CELL + 120) as u32, (TOP + n * CELL + 40) as u32);
    png(path, size, |root| {
        let font = |size: u32| (FAMILY, size).into_font();
        root.draw(&Text::new(
            "rows: true class, columns: predicted",
            (left, 16),
            font(18),
        ))
        .map_err(text)?;
        root.draw(&Text::new(
            "accuracy",
            (left + n * CELL + 12, TOP - 24),
            font(15),
        ))
        .map_err(text)?;
        for (r, row) in confusion.iter().enumerate() {
            let total: usize = row.iter().sum();
            let y = TOP + r as i32 * CELL;
            root.draw(&Text::new(row_label(r), (8, y + CELL / 2 - 8), font(15)))
                .map_err(text)?;
            for (c, &count) in row.iter().enumerate() {
                let x = left + c as i32 * CELL;
                if r == 0 {
                    root.draw(&Text::new(
                        c.to_string(),
                        (x + CELL / 2 - 4, TOP - 24),
                        font(15),
                    ))
                    .map_err(text)?;
                }
                let share = if total > 0 {
                    count as f64 / total as f64
                } else {
                    0.0
                };
                let shade = (255.0 * (1.0 - share.sqrt())) as u8;
                let fill = if r == c {
                    RGBColor(shade, 255 - (255 - shade) / 3, shade)
                } else {
                    RGBColor(255, shade, shade)
                };
                root.draw(&Rectangle::new(
                    [(x, y), (x + CELL, y + CELL)],
                    fill.filled(),
                ))
                .map_err(text)?;
                root.draw(&Rectangle::new(
                    [(x, y), (x + CELL, y + CELL)],
                    BLACK.mix(0.2),
                ))
                .map_err(text)?;
                let colour = if share > 0.5 { WHITE } else { BLACK };
                root.draw(&Text::new(
                    count.to_string(),
                    (x + 6, y + CELL / 2 - 8),
                    font(14).color(&colour),
                ))
                .map_err(text)?;
            }
            let accuracy = 100.0 * row.get(r).copied().unwrap_or(0) as f64 / total.max(1) as f64;
            root.draw(&Text::new(
                format!("{accuracy:6.2}%"),
                (left + n * CELL + 12, y + CELL / 2 - 8),
                font(15),
            ))
            .map_err(text)?;
        }
        Ok(())
    })
}
