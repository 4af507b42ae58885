//! Printed rules and grids are paper, not ink: the lines of ruled and graph paper (and a
//! notebook's margin) are found and taken out before the digit is looked for.
//!
//! A rule is a band of rows (or columns) that is long, thin and straight: ink-coloured pixels
//! along at least [`MIN_COVERAGE`] of the image's width (or height), in a band no thicker than
//! [`MAX_THICKNESS`] of the image's height (width). A pen's stroke is neither that long nor,
//! in proportion, that thin; a digit that fills a small image is never thin enough. Where a
//! pen stroke crosses a rule (ink just above and just below the band), the band is filled in
//! from the stroke's two sides instead of cut. Rules photographed askew are levelled first
//! (`skew.rs`).

use crate::grey::Grey;

/// Share of a row (column) that must be ink-coloured for it to be part of a rule.
const MIN_COVERAGE: f32 = 0.75;
/// Share that the soft edge rows of a rule (anti-aliasing, blur) still cover, at least, and
/// as a share of the rule's own coverage.
const EDGE_COVERAGE: f32 = 0.15;
const EDGE_SHARE_OF_CORE: f32 = 0.6;
/// A rule is at most this share of the image's side thick (2% of a 640 px page: 12 px).
const MAX_THICKNESS: f32 = 0.02;
/// Above this (on the stretched 0..255 scale) a pixel counts as ink-coloured: printed rules
/// are faint next to a pen's ink (a light-green grid under a black pen is a quarter of it).
pub(crate) const INK_LEVEL: f32 = 0.1 * 255.0;

/// A band of rows `[start, end)` (or columns) that is a printed rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Band {
    start: usize,
    end: usize,
}

/// Removes the printed rules from `grey` (ink bright, stretched to 0..255); returns how many
/// lines were removed.
pub(crate) fn remove_rules(grey: &mut Grey) -> usize {
    let (w, h) = (grey.width, grey.height);
    // Each line's coverage at the ink level (cores) and at half of it (soft edges).
    let coverage_at = |level: f32, lines: usize, along: usize, at: &dyn Fn(usize, usize) -> f32| {
        (0..lines)
            .map(|line| coverage((0..along).map(|pos| at(line, pos)), level))
            .collect::<Vec<f32>>()
    };
    let row_at = |y: usize, x: usize| grey.at(x, y);
    let column_at = |x: usize, y: usize| grey.at(x, y);
    let rows = rule_bands(
        &coverage_at(INK_LEVEL, h, w, &row_at),
        &coverage_at(INK_LEVEL / 2.0, h, w, &row_at),
        h,
    );
    let columns = rule_bands(
        &coverage_at(INK_LEVEL, w, h, &column_at),
        &coverage_at(INK_LEVEL / 2.0, w, h, &column_at),
        w,
    );
    for band in &rows {
        erase_band(grey, *band, Orientation::Rows);
    }
    for band in &columns {
        erase_band(grey, *band, Orientation::Columns);
    }
    rows.len() + columns.len()
}

/// The share of `values` at or above `level`, among those inside the picture: a straightened
/// page's corners ([`crate::skew::OUTSIDE`]) do not count, and a line that is mostly outside
/// covers nothing.
fn coverage(values: impl Iterator<Item = f32>, level: f32) -> f32 {
    let (mut inked, mut inside, mut all) = (0usize, 0usize, 0usize);
    for v in values {
        all += 1;
        inside += usize::from(!v.is_nan());
        inked += usize::from(v >= level);
    }
    if 2 * inside < all {
        return 0.0;
    }
    inked as f32 / inside.max(1) as f32
}

/// The bands of consecutive lines covered enough to be rules, each widened by its soft edges
/// (judged on `faint`, the coverage at a lower level), and kept only when thin enough for a
/// side of `side` pixels.
pub(crate) fn rule_bands(coverage: &[f32], faint: &[f32], side: usize) -> Vec<Band> {
    // Below 50 px a side allows no rule at all: an image that small is a digit, not a page.
    let max_thickness = (side as f32 * MAX_THICKNESS).floor() as usize;
    let mut bands = Vec::new();
    let mut i = 0;
    while i < coverage.len() {
        if coverage[i] < MIN_COVERAGE {
            i += 1;
            continue;
        }
        let mut end = i;
        while end < coverage.len() && coverage[end] >= MIN_COVERAGE {
            end += 1;
        }
        let core_thickness = end - i;
        // A blurred rule's soft edges: lines on either side almost as covered as its core
        // (a pen stroke beside a rule covers far less of the line, and is kept).
        let core = coverage[i..end].iter().copied().fold(1.0f32, f32::min);
        let edge = |c: f32| c >= EDGE_COVERAGE.max(EDGE_SHARE_OF_CORE * core);
        let reach = max_thickness.max(2);
        let mut start = i;
        while start > 0 && edge(faint[start - 1]) && i - start < reach {
            start -= 1;
        }
        let mut stop = end;
        while stop < coverage.len() && edge(faint[stop]) && stop - end < reach {
            stop += 1;
        }
        if core_thickness <= max_thickness {
            bands.push(Band { start, end: stop });
        }
        i = stop.max(end);
    }
    bands
}

#[derive(Debug, Clone, Copy)]
enum Orientation {
    Rows,
    Columns,
}

/// Clears a band, except where a stroke crosses it: there the band is filled in linearly from
/// the ink on its two sides.
fn erase_band(grey: &mut Grey, band: Band, orientation: Orientation) {
    let (w, h) = (grey.width, grey.height);
    let (along, across) = match orientation {
        Orientation::Rows => (w, h),
        Orientation::Columns => (h, w),
    };
    let index = |pos: usize, line: usize| match orientation {
        Orientation::Rows => line * w + pos,
        Orientation::Columns => pos * w + line,
    };
    for pos in 0..along {
        let before = band
            .start
            .checked_sub(1)
            .map(|l| grey.pixels[index(pos, l)]);
        let after = (band.end < across).then(|| grey.pixels[index(pos, band.end)]);
        let crossing = match (before, after) {
            (Some(a), Some(b)) if a >= INK_LEVEL && b >= INK_LEVEL => Some((a, b)),
            _ => None,
        };
        let span = (band.end - band.start + 1) as f32;
        for (k, line) in (band.start..band.end).enumerate() {
            grey.pixels[index(pos, line)] = match crossing {
                Some((a, b)) => a + (b - a) * (k + 1) as f32 / span,
                None => 0.0,
            };
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 200x100 page (ink bright) with full-width rules 2 px thick every 20 rows and a
    /// vertical stroke 4 px wide crossing three of them.
    fn ruled_page_with_a_stroke() -> Grey {
        let (w, h) = (200, 100);
        let mut pixels = vec![0.0; w * h];
        for y in 0..h {
            for x in 0..w {
                let rule = y % 20 == 10 || y % 20 == 11;
                let stroke = (98..102).contains(&x) && (20..80).contains(&y);
                if rule {
                    pixels[y * w + x] = 120.0;
                }
                if stroke {
                    pixels[y * w + x] = 255.0;
                }
            }
        }
        Grey {
            width: w,
            height: h,
            pixels,
        }
    }

    #[test]
    fn rules_go_and_the_stroke_crossing_them_stays_whole() {
        let mut page = ruled_page_with_a_stroke();
        assert_eq!(remove_rules(&mut page), 5);
        for y in 0..100 {
            for x in (0..90).chain(110..200) {
                assert_eq!(page.at(x, y), 0.0, "rule ink left at ({x}, {y})");
            }
            for x in 98..102 {
                let inside = (20..80).contains(&y);
                assert_eq!(page.at(x, y) >= 200.0, inside, "stroke at ({x}, {y})");
            }
        }
    }

    #[test]
    fn a_thick_bar_or_a_small_image_is_not_a_rule() {
        // A bar 10 rows thick across a 100-row image: a digit's stroke (7's top), not paper.
        let bar = |w: usize, h: usize, rows: std::ops::Range<usize>| Grey {
            width: w,
            height: h,
            pixels: (0..w * h)
                .map(|i| if rows.contains(&(i / w)) { 255.0 } else { 0.0 })
                .collect(),
        };
        let mut thick = bar(200, 100, 20..30);
        let before = thick.clone();
        assert_eq!(remove_rules(&mut thick), 0);
        assert_eq!(thick, before);
        // Nothing is a rule in an image under 50 px a side: it is a digit, not a page.
        let mut small = bar(28, 28, 5..6);
        assert_eq!(remove_rules(&mut small), 0);
    }
}
