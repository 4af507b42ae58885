//! `weights.png`: the first layer's weight vector of each unit as a 28x28 picture (the first 64),
//! blue for negative, red for positive, each tile scaled by its own largest magnitude.

use std::path::Path;

use plotters::prelude::*;

use crate::draw::{digit, diverging, png, text, FAMILY};
use crate::ReportError;

const SHOWN: usize = 64;
const COLUMNS: usize = 8;
const SCALE: i32 = 3;
const CELL: i32 = 28 * SCALE + 10;

/// `weights` is `[784][units]`, input-major.
pub fn draw(path: &Path, weights: &[f32], units: usize) -> Result<(), ReportError> {
    let shown = units.min(SHOWN);
    let rows = shown.div_ceil(COLUMNS).max(1);
    let size = (
        (COLUMNS as i32 * CELL + 10) as u32,
        (rows as i32 * CELL + 40) as u32,
    );
    png(path, size, |root| {
        root.draw(&Text::new(
            format!("first layer: {shown} of {units} units (blue < 0 < red)"),
            (10, 10),
            (FAMILY, 16).into_font(),
        ))
        .map_err(text)?;
        for unit in 0..shown {
            let at = |p: usize| weights.get(p * units + unit).copied().unwrap_or(0.0);
            let peak = (0..784)
                .map(|p| at(p).abs())
                .fold(0.0f32, f32::max)
                .max(1e-12);
            let x = (unit % COLUMNS) as i32 * CELL + 10;
            let y = (unit / COLUMNS) as i32 * CELL + 36;
            digit(
                root,
                |px, py| diverging(at(py * 28 + px) / peak),
                (x, y),
                SCALE,
            )?;
        }
        Ok(())
    })
}
