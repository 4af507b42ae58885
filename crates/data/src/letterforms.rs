//! Continental letterforms drawn onto MNIST digits: a `1` with a long flag (and often a foot)
//! and a `7` with a crossbar, as much of Europe writes them. MNIST's American writers almost
//! never do, so a network trained on MNIST alone reads such a `1` as a 4 or a 7.

use crate::shuffle::SplitMix64;
use crate::{IMAGE_PIXELS, IMAGE_SIDE};

/// Below this grey level a pixel is not counted as the digit's ink when measuring it.
const INK: u8 = 128;

/// The digit's ink as measured for drawing on it: its box and stroke width.
struct Measured {
    top: usize,
    bottom: usize,
    height: f32,
    width: f32,
}

fn measure(image: &[u8; IMAGE_PIXELS]) -> Option<Measured> {
    let rows: Vec<usize> = (0..IMAGE_SIDE)
        .filter(|&y| row(image, y).iter().any(|&v| v >= INK))
        .collect();
    let (&top, &bottom) = (rows.first()?, rows.last()?);
    let height = (bottom - top + 1) as f32;
    if height < 8.0 {
        return None;
    }
    let ink = image.iter().filter(|&&v| v >= INK).count() as f32;
    // A stroke's width is its area over its length; a `1` or a `7`'s stem is about as long
    // as the digit is tall.
    Some(Measured {
        top,
        bottom,
        height,
        width: (ink / height).clamp(1.5, 4.0),
    })
}

fn row(image: &[u8; IMAGE_PIXELS], y: usize) -> &[u8] {
    &image[y * IMAGE_SIDE..(y + 1) * IMAGE_SIDE]
}

/// The ink-weighted mean column of rows `y0..=y1`.
fn centre_column(image: &[u8; IMAGE_PIXELS], y0: usize, y1: usize) -> Option<f32> {
    let (mut mass, mut sum) = (0.0, 0.0);
    for y in y0..=y1.min(IMAGE_SIDE - 1) {
        for (x, &v) in row(image, y).iter().enumerate() {
            mass += f32::from(v);
            sum += f32::from(v) * x as f32;
        }
    }
    (mass > 0.0).then(|| sum / mass)
}

/// Draws an anti-aliased stroke of `width` from `a` to `b` (pixel centres), keeping the darker
/// of stroke and digit at each pixel.
fn stroke(image: &mut [u8; IMAGE_PIXELS], a: (f32, f32), b: (f32, f32), width: f32) {
    let (dx, dy) = (b.0 - a.0, b.1 - a.1);
    let length2 = (dx * dx + dy * dy).max(1e-6);
    for (i, pixel) in image.iter_mut().enumerate() {
        let (x, y) = ((i % IMAGE_SIDE) as f32, (i / IMAGE_SIDE) as f32);
        let t = (((x - a.0) * dx + (y - a.1) * dy) / length2).clamp(0.0, 1.0);
        let (ex, ey) = (x - a.0 - t * dx, y - a.1 - t * dy);
        let distance = (ex * ex + ey * ey).sqrt();
        let coverage = (width / 2.0 + 0.5 - distance).clamp(0.0, 1.0);
        let v = (coverage * 255.0).round() as u8;
        *pixel = (*pixel).max(v);
    }
}

/// A uniform draw in `[lo, hi]`.
fn between(rng: &mut SplitMix64, lo: f32, hi: f32) -> f32 {
    lo + (hi - lo) * rng.unit()
}

/// A `1` given a flag from its top down to the left (25-55 degrees from the vertical, from a
/// third of its height long to nearly all of it, as Italian writers draw it) and, one time in
/// two, a foot across its bottom.
fn flag_and_foot(image: &mut [u8; IMAGE_PIXELS], rng: &mut SplitMix64) {
    let Some(m) = measure(image) else { return };
    let (Some(top_x), Some(bottom_x)) = (
        centre_column(image, m.top, m.top + 1),
        centre_column(image, m.bottom.saturating_sub(1), m.bottom),
    ) else {
        return;
    };
    let top = (top_x, m.top as f32 + m.width / 2.0);
    let angle = between(rng, 25.0, 55.0).to_radians();
    let length = m.height * between(rng, 0.3, 0.9);
    let end = (top.0 - length * angle.sin(), top.1 + length * angle.cos());
    stroke(image, top, end, m.width);
    if rng.symmetric() > 0.0 {
        let half = m.height * between(rng, 0.15, 0.3);
        let y = m.bottom as f32 - m.width / 2.0 + 0.5;
        stroke(image, (bottom_x - half, y), (bottom_x + half, y), m.width);
    }
}

/// A `7` given a crossbar through its stem, a little below half its height.
fn crossbar(image: &mut [u8; IMAGE_PIXELS], rng: &mut SplitMix64) {
    let Some(m) = measure(image) else { return };
    let y = m.top as f32 + m.height * between(rng, 0.45, 0.6);
    let Some(x) = centre_column(image, y as usize, y as usize + 1) else {
        return;
    };
    let half = m.height * between(rng, 0.15, 0.28);
    let tilt = m.height * between(rng, -0.05, 0.05);
    stroke(image, (x - half, y + tilt), (x + half, y - tilt), m.width);
}

/// Gives a digit of `label` its continental form with probability `share` (only `1`s and `7`s
/// have one); other digits are returned unchanged.
pub fn continental(
    image: &[u8; IMAGE_PIXELS],
    label: u8,
    share: f32,
    rng: &mut SplitMix64,
) -> [u8; IMAGE_PIXELS] {
    let mut out = *image;
    if share <= 0.0 || !(label == 1 || label == 7) {
        return out;
    }
    if rng.unit() >= share {
        return out;
    }
    match label {
        1 => flag_and_foot(&mut out, rng),
        _ => crossbar(&mut out, rng),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A vertical bar 3 px wide, rows 4..24, at column 14: a plain `1`.
    fn one() -> [u8; IMAGE_PIXELS] {
        crate::rectangle(13..16, 4..24, 255)
    }

    fn ink_left_of(img: &[u8; IMAGE_PIXELS], x: usize, rows: std::ops::Range<usize>) -> usize {
        rows.flat_map(|y| (0..x).map(move |x| y * IMAGE_SIDE + x))
            .filter(|&i| img[i] >= INK)
            .count()
    }

    #[test]
    fn a_one_gets_a_flag_from_its_top_down_to_the_left() {
        let mut rng = SplitMix64(3);
        let flagged = continental(&one(), 1, 1.0, &mut rng);
        // The flag: ink left of the stem in the upper half, none in the plain digit.
        assert_eq!(ink_left_of(&one(), 13, 4..14), 0);
        assert!(ink_left_of(&flagged, 12, 4..14) >= 6);
        // Nothing of the digit is lost and nothing is drawn above its top.
        assert!(one().iter().zip(&flagged).all(|(a, b)| b >= a));
        assert!(flagged[..4 * IMAGE_SIDE].iter().all(|&v| v < INK));
    }

    #[test]
    fn a_seven_gets_a_crossbar_and_other_digits_nothing() {
        let mut rng = SplitMix64(5);
        let barred = continental(&one(), 7, 1.0, &mut rng);
        // The bar crosses the stem on both sides, about halfway down.
        let mid = 12..18;
        assert!(ink_left_of(&barred, 13, mid.clone()) >= 2);
        let right = mid
            .flat_map(|y| (16..IMAGE_SIDE).map(move |x| y * IMAGE_SIDE + x))
            .filter(|&i| barred[i] >= INK)
            .count();
        assert!(right >= 2);
        for label in [0, 2, 3, 4, 5, 6, 8, 9] {
            assert_eq!(continental(&one(), label, 1.0, &mut rng), one());
        }
        assert_eq!(continental(&one(), 1, 0.0, &mut rng), one());
    }

    #[test]
    fn the_same_seed_draws_the_same_strokes() {
        let a = continental(&one(), 1, 1.0, &mut SplitMix64(9));
        let b = continental(&one(), 1, 1.0, &mut SplitMix64(9));
        assert_eq!(a, b);
        assert_ne!(a, continental(&one(), 1, 1.0, &mut SplitMix64(10)));
    }
}
