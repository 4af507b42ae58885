//! Shared drawing plumbing: errors, colours, and pictures drawn on a canvas and written whole.

use std::path::{Path, PathBuf};

use image::ImageEncoder;
use plotters::coord::Shift;
use plotters::prelude::*;

use crate::canvas::Canvas;

/// The family name every text style uses; the canvas draws every text with the embedded font.
pub const FAMILY: &str = "sans-serif";

/// The drawing area of one picture.
pub type Area<'a> = DrawingArea<Canvas<'a>, Shift>;

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot draw {path}: {message}")]
    Draw { path: PathBuf, message: String },
    #[error("cannot write {path}: {cause}")]
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("the embedded font could not be loaded")]
    Font,
    #[error("cannot set up a drawing canvas: {0}")]
    Canvas(String),
}

/// Runs `paint` on a white `width` x `height` canvas, then writes it to `path` as a PNG, whole
/// or not at all.
pub fn png(
    path: &Path,
    (width, height): (u32, u32),
    paint: impl FnOnce(&Area) -> Result<(), String>,
) -> Result<(), ReportError> {
    let fail = |message: String| ReportError::Draw {
        path: path.to_path_buf(),
        message,
    };
    let mut pixels = vec![255u8; width as usize * height as usize * 3];
    {
        let root = Canvas::new(&mut pixels, (width, height))?.into_drawing_area();
        paint(&root).map_err(fail)?;
        root.present().map_err(|e| fail(e.to_string()))?;
    }
    let mut encoded = Vec::new();
    image::codecs::png::PngEncoder::new(&mut encoded)
        .write_image(&pixels, width, height, image::ExtendedColorType::Rgb8)
        .map_err(|e| fail(e.to_string()))?;
    mnist_atomic_files::write_atomic(path, &encoded).map_err(|cause| ReportError::Io {
        path: path.to_path_buf(),
        cause,
    })
}

/// Any plotters error as text.
pub fn text<E: std::fmt::Display>(e: E) -> String {
    e.to_string()
}

/// A grey level 0..=255 where 255 is ink, drawn dark on white (as the tutorials show digits).
pub fn ink(v: u8) -> RGBColor {
    let g = 255 - v;
    RGBColor(g, g, g)
}

/// A diverging colour map: -1 blue, 0 white, +1 red.
pub fn diverging(t: f32) -> RGBColor {
    let t = t.clamp(-1.0, 1.0);
    let fade = |c: f32| (255.0 * (1.0 - t.abs()) + c * t.abs()) as u8;
    if t >= 0.0 {
        RGBColor(fade(178.0), fade(24.0), fade(43.0))
    } else {
        RGBColor(fade(33.0), fade(102.0), fade(172.0))
    }
}

/// Draws a 28x28 image at `(x, y)` with `scale` pixels per image pixel.
pub fn digit(
    area: &Area,
    pixels: impl Fn(usize, usize) -> RGBColor,
    (x, y): (i32, i32),
    scale: i32,
) -> Result<(), String> {
    for py in 0..28 {
        for px in 0..28 {
            let colour = pixels(px, py);
            let x0 = x + px as i32 * scale;
            let y0 = y + py as i32 * scale;
            area.draw(&Rectangle::new(
                [(x0, y0), (x0 + scale, y0 + scale)],
                colour.filled(),
            ))
            .map_err(text)?;
        }
    }
    Ok(())
}
