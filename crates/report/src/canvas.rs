//! The drawing surface: plotters' bitmap backend over an RGB buffer, with text laid out by
//! ab_glyph from the embedded font, and the buffer encoded as PNG by `image`.
//!
//! plotters 0.3.7 draws ab_glyph text without each glyph's left side bearing (plotters-rs/plotters
//! #576), which printed `97. 76%` and `sgd:  loss`; this backend places every glyph where the font
//! says, so every text of every picture goes through [`Canvas::draw_text`].

use std::sync::OnceLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use plotters::prelude::*;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};

use crate::ReportError;

static FONT_BYTES: &[u8] = include_bytes!("../assets/DejaVuSansMono.ttf");

/// The embedded font, parsed once.
fn font() -> Result<&'static FontRef<'static>, ReportError> {
    static FONT: OnceLock<Option<FontRef<'static>>> = OnceLock::new();
    FONT.get_or_init(|| FontRef::try_from_slice(FONT_BYTES).ok())
        .as_ref()
        .ok_or(ReportError::Font)
}

type Inner<'a> = BitMapBackend<'a>;
type Error<'a> = DrawingErrorKind<<Inner<'a> as DrawingBackend>::ErrorType>;

/// A bitmap backend whose text is drawn by [`Canvas::draw_text`].
pub struct Canvas<'a> {
    inner: Inner<'a>,
    font: &'static FontRef<'static>,
}

impl<'a> Canvas<'a> {
    /// A canvas over `buffer`, which holds `width * height` RGB pixels.
    pub fn new(buffer: &'a mut [u8], size: (u32, u32)) -> Result<Self, ReportError> {
        let inner = BitMapBackend::with_buffer_and_format(buffer, size)
            .map_err(|e| ReportError::Canvas(e.to_string()))?;
        Ok(Canvas {
            inner,
            font: font()?,
        })
    }
}

/// Where each glyph of `text` goes: `(glyph, x of its origin)`, and the line's width.
fn layout(
    font: &FontRef<'static>,
    scale: PxScale,
    text: &str,
) -> (Vec<(ab_glyph::GlyphId, f32)>, f32) {
    let scaled = font.as_scaled(scale);
    let mut caret = 0.0f32;
    let mut previous = None;
    let mut glyphs = Vec::with_capacity(text.len());
    for c in text.chars() {
        let id = scaled.glyph_id(c);
        if let Some(previous) = previous {
            caret += scaled.kern(previous, id);
        }
        glyphs.push((id, caret));
        caret += scaled.h_advance(id);
        previous = Some(id);
    }
    (glyphs, caret)
}

impl<'a> DrawingBackend for Canvas<'a> {
    type ErrorType = <Inner<'a> as DrawingBackend>::ErrorType;

    fn get_size(&self) -> (u32, u32) {
        self.inner.get_size()
    }

    fn ensure_prepared(&mut self) -> Result<(), Error<'a>> {
        self.inner.ensure_prepared()
    }

    fn present(&mut self) -> Result<(), Error<'a>> {
        self.inner.present()
    }

    fn draw_pixel(&mut self, point: BackendCoord, color: BackendColor) -> Result<(), Error<'a>> {
        self.inner.draw_pixel(point, color)
    }

    fn draw_line<S: BackendStyle>(
        &mut self,
        from: BackendCoord,
        to: BackendCoord,
        style: &S,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_line(from, to, style)
    }

    fn draw_rect<S: BackendStyle>(
        &mut self,
        upper_left: BackendCoord,
        bottom_right: BackendCoord,
        style: &S,
        fill: bool,
    ) -> Result<(), Error<'a>> {
        self.inner.draw_rect(upper_left, bottom_right, style, fill)
    }

    fn blit_bitmap(
        &mut self,
        pos: BackendCoord,
        size: (u32, u32),
        src: &[u8],
    ) -> Result<(), Error<'a>> {
        self.inner.blit_bitmap(pos, size, src)
    }

    fn estimate_text_size<T: BackendTextStyle>(
        &self,
        text: &str,
        style: &T,
    ) -> Result<(u32, u32), Error<'a>> {
        let scale = PxScale::from(style.size() as f32);
        let (_, width) = layout(self.font, scale, text);
        let height = self.font.as_scaled(scale).height();
        Ok((width.ceil() as u32, height.ceil() as u32))
    }

    /// Draws one line of text: the anchor point is the line box's corner, edge or centre that
    /// the style's anchor names; the box is the advance width by the font's ascent to descent.
    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        pos: BackendCoord,
    ) -> Result<(), Error<'a>> {
        let colour = style.color();
        if colour.alpha == 0.0 {
            return Ok(());
        }
        let scale = PxScale::from(style.size() as f32);
        let scaled = self.font.as_scaled(scale);
        let (glyphs, width) = layout(self.font, scale, text);
        let height = scaled.height();
        let left = match style.anchor().h_pos {
            HPos::Left => 0.0,
            HPos::Center => -width / 2.0,
            HPos::Right => -width,
        };
        let top = match style.anchor().v_pos {
            VPos::Top => 0.0,
            VPos::Center => -height / 2.0,
            VPos::Bottom => -height,
        };
        let transform = style.transform();
        let baseline = top + scaled.ascent();
        for (id, x) in glyphs {
            let glyph = id.with_scale_and_position(scale, ab_glyph::point(left + x, baseline));
            let Some(outline) = self.font.outline_glyph(glyph) else {
                continue; // a space
            };
            let bounds = outline.px_bounds();
            let mut coverage = Vec::new();
            outline.draw(|gx, gy, c| coverage.push((gx, gy, c)));
            for (gx, gy, c) in coverage {
                let (dx, dy) = transform.transform(
                    bounds.min.x as i32 + gx as i32,
                    bounds.min.y as i32 + gy as i32,
                );
                let ink = BackendColor {
                    alpha: colour.alpha * f64::from(c.clamp(0.0, 1.0)),
                    rgb: colour.rgb,
                };
                self.inner.draw_pixel((pos.0 + dx, pos.1 + dy), ink)?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ink column runs `(first, last)` of `text` drawn in black at `x` with `anchor`.
    fn ink_runs(text: &str, x: i32, anchor: HPos) -> Vec<(usize, usize)> {
        let (w, h) = (200u32, 40u32);
        let mut buffer = vec![255u8; (w * h * 3) as usize];
        {
            let mut canvas = Canvas::new(&mut buffer, (w, h)).unwrap();
            let style = TextStyle::from(("sans-serif", 24).into_font())
                .color(&BLACK)
                .pos(plotters_backend::text_anchor::Pos::new(anchor, VPos::Top));
            canvas.draw_text(text, &style, (x, 5)).unwrap();
        }
        let inked: Vec<bool> = (0..w as usize)
            .map(|x| (0..h as usize).any(|y| buffer[(y * w as usize + x) * 3] < 128))
            .collect();
        let mut runs = Vec::new();
        let mut start = None;
        for (x, &on) in inked.iter().chain([&false]).enumerate() {
            match (on, start) {
                (true, None) => start = Some(x),
                (false, Some(s)) => {
                    runs.push((s, x - 1));
                    start = None;
                }
                _ => {}
            }
        }
        runs
    }

    #[test]
    fn a_narrow_glyph_sits_in_the_middle_of_its_monospace_cell() {
        // "0.0": the point is centred between the zeros, as the font designs it (plotters'
        // own text put it against the first zero, which read as "0. 0").
        let runs = ink_runs("0.0", 10, HPos::Left);
        assert_eq!(runs.len(), 3, "three separate glyphs: {runs:?}");
        let gap_before = runs[1].0 - runs[0].1;
        let gap_after = runs[2].0 - runs[1].1;
        assert!(
            gap_before.abs_diff(gap_after) <= 1,
            "gaps around the point: {gap_before} and {gap_after} px"
        );
    }

    #[test]
    fn text_is_anchored_where_the_style_asks() {
        let left = ink_runs("42", 100, HPos::Left);
        let right = ink_runs("42", 100, HPos::Right);
        let centre = ink_runs("42", 100, HPos::Center);
        let span = |runs: &[(usize, usize)]| (runs[0].0, runs[runs.len() - 1].1);
        let (l0, l1) = span(&left);
        let (r0, r1) = span(&right);
        let (c0, c1) = span(&centre);
        assert!(
            (100..=103).contains(&l0),
            "left-anchored ink starts at {l0}"
        );
        assert!((97..=100).contains(&r1), "right-anchored ink ends at {r1}");
        assert!(
            (c0 + c1) / 2 >= 98 && (c0 + c1) / 2 <= 102,
            "centred ink: {c0}..{c1}"
        );
        assert_eq!(
            l1 - l0,
            r1 - r0,
            "the same text is as wide wherever it is anchored"
        );
    }
}
