//! Shared drawing plumbing: the embedded font, errors, colours, and files written whole.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::prelude::*;
use plotters::style::FontStyle;

static FONT: &[u8] = include_bytes!("../assets/DejaVuSansMono.ttf");
/// The family name every text style uses; it resolves to the embedded font.
pub const FAMILY: &str = "sans-serif";

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
}

/// Registers the embedded font once per process.
pub fn register_font() -> Result<(), ReportError> {
    static DONE: OnceLock<bool> = OnceLock::new();
    let ok = *DONE.get_or_init(|| {
        [FontStyle::Normal, FontStyle::Bold]
            .into_iter()
            .all(|style| plotters::style::register_font(FAMILY, style, FONT).is_ok())
    });
    if ok {
        Ok(())
    } else {
        Err(ReportError::Font)
    }
}

/// Runs `paint` on a `width` x `height` PNG drawn at a scratch path, then renames it into place.
pub fn png(
    path: &Path,
    (width, height): (u32, u32),
    paint: impl FnOnce(&DrawingArea<BitMapBackend, plotters::coord::Shift>) -> Result<(), String>,
) -> Result<(), ReportError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let scratch = path.with_file_name(format!(".partial.{name}"));
    let fail = |message: String| ReportError::Draw {
        path: path.to_path_buf(),
        message,
    };
    let result = (|| {
        let root = BitMapBackend::new(&scratch, (width, height)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| e.to_string())?;
        paint(&root)?;
        root.present().map_err(|e| e.to_string())
    })();
    if let Err(message) = result {
        let _ = std::fs::remove_file(&scratch);
        return Err(fail(message));
    }
    std::fs::rename(&scratch, path).map_err(|source| ReportError::Io {
        path: path.to_path_buf(),
        cause: source,
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
    area: &DrawingArea<BitMapBackend, plotters::coord::Shift>,
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
