//! Elastic distortion (Simard, Steinkraus and Platt 2003) and stroke-thickness changes of a
//! 28x28 digit: the ways people's handwriting differs from MNIST's beyond an affine warp.

use crate::shuffle::SplitMix64;
use crate::{IMAGE_PIXELS, IMAGE_SIDE};

/// The smoothing of the random displacement field, in pixels: Simard et al.'s choice.
pub const ELASTIC_SIGMA: f32 = 4.0;

/// A displacement per pixel: `(dx, dy)` fields, row-major.
pub struct Displacement {
    pub dx: [f32; IMAGE_PIXELS],
    pub dy: [f32; IMAGE_PIXELS],
}

/// A random displacement field: uniform noise in [-1, 1] per pixel and axis, smoothed by a
/// Gaussian of [`ELASTIC_SIGMA`] (normalised, zero outside), times `alpha` (Simard's α).
pub fn displacement(rng: &mut SplitMix64, alpha: f32) -> Displacement {
    let mut dx = [0f32; IMAGE_PIXELS];
    let mut dy = [0f32; IMAGE_PIXELS];
    for v in dx.iter_mut().chain(dy.iter_mut()) {
        *v = rng.symmetric();
    }
    let kernel = gaussian_kernel(ELASTIC_SIGMA);
    smooth(&mut dx, &kernel, alpha);
    smooth(&mut dy, &kernel, alpha);
    Displacement { dx, dy }
}

fn gaussian_kernel(sigma: f32) -> Vec<f32> {
    let radius = (3.0 * sigma).ceil() as i64;
    let k: Vec<f32> = (-radius..=radius)
        .map(|i| (-(i * i) as f32 / (2.0 * sigma * sigma)).exp())
        .collect();
    let sum: f32 = k.iter().sum();
    k.into_iter().map(|v| v / sum).collect()
}

/// Separable Gaussian smoothing in place (zero outside), then scaled by `gain`.
fn smooth(field: &mut [f32; IMAGE_PIXELS], kernel: &[f32], gain: f32) {
    let mut rows = [0f32; IMAGE_PIXELS];
    blur_pass(field, &mut rows, kernel, (1, 0));
    blur_pass(&rows, field, kernel, (0, 1));
    field.iter_mut().for_each(|v| *v *= gain);
}

/// One direction of the Gaussian: along x for `step = (1, 0)`, along y for `(0, 1)`.
fn blur_pass(src: &[f32], dst: &mut [f32], kernel: &[f32], step: (i64, i64)) {
    let n = IMAGE_SIDE as i64;
    let r = (kernel.len() / 2) as i64;
    for y in 0..n {
        for x in 0..n {
            let mut s = 0.0;
            for (k, &w) in kernel.iter().enumerate() {
                let o = k as i64 - r;
                let (xx, yy) = (x + o * step.0, y + o * step.1);
                if (0..n).contains(&xx) && (0..n).contains(&yy) {
                    s += w * src[(yy * n + xx) as usize];
                }
            }
            dst[(y * n + x) as usize] = s;
        }
    }
}

/// Thicker or thinner strokes: the digit blended towards its grey-level dilation (`amount` > 0)
/// or erosion (`amount` < 0) by a 3x3 cross, `|amount|` <= 1 of the way.
pub fn change_thickness(image: &[u8; IMAGE_PIXELS], amount: f32) -> [u8; IMAGE_PIXELS] {
    if amount == 0.0 {
        return *image;
    }
    let n = IMAGE_SIDE;
    let dilate = amount > 0.0;
    let at = |x: isize, y: isize| -> u8 {
        if x < 0 || y < 0 || x >= n as isize || y >= n as isize {
            0
        } else {
            image[y as usize * n + x as usize]
        }
    };
    let mut out = [0u8; IMAGE_PIXELS];
    for y in 0..n as isize {
        for x in 0..n as isize {
            let cross = [
                at(x, y),
                at(x - 1, y),
                at(x + 1, y),
                at(x, y - 1),
                at(x, y + 1),
            ];
            let morphed = if dilate {
                cross.iter().copied().max()
            } else {
                cross.iter().copied().min()
            }
            .unwrap_or(0);
            let v = f32::from(at(x, y));
            let blended = v + amount.abs() * (f32::from(morphed) - v);
            out[y as usize * n + x as usize] = (blended + 0.5).clamp(0.0, 255.0) as u8;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar() -> [u8; IMAGE_PIXELS] {
        crate::rectangle(12..15, 4..24, 255)
    }

    fn ink(img: &[u8]) -> f32 {
        img.iter().map(|&v| f32::from(v)).sum()
    }

    #[test]
    fn thickness_adds_or_removes_ink_in_proportion() {
        let img = bar();
        let full = ink(&change_thickness(&img, 1.0));
        let half = ink(&change_thickness(&img, 0.5));
        let thin = ink(&change_thickness(&img, -1.0));
        // A 3-wide bar, 20 tall: a full dilation makes it 5 wide and 22 tall.
        assert_eq!(full, 255.0 * (5.0 * 20.0 + 3.0 * 2.0));
        assert!(
            (half - (ink(&img) + full) / 2.0).abs() < 255.0 * 2.0,
            "{half}"
        );
        assert_eq!(thin, 255.0 * 18.0);
        assert_eq!(change_thickness(&img, 0.0), img);
    }

    #[test]
    fn displacements_are_smooth_seeded_and_scale_with_alpha() {
        let a = displacement(&mut SplitMix64(3), 34.0);
        let b = displacement(&mut SplitMix64(3), 34.0);
        assert_eq!(a.dx, b.dx);
        let small = displacement(&mut SplitMix64(3), 17.0);
        assert!((a.dx[400] - 2.0 * small.dx[400]).abs() < 1e-4);
        // Smooth: neighbours differ far less than the field varies.
        let spread = a.dx.iter().fold(0f32, |m, v| m.max(v.abs()));
        let step = (1..IMAGE_PIXELS)
            .filter(|i| i % IMAGE_SIDE != 0)
            .map(|i| (a.dx[i] - a.dx[i - 1]).abs())
            .fold(0f32, f32::max);
        assert!(spread > 0.3, "{spread}");
        assert!(step < spread / 3.0, "{step} vs {spread}");
    }
}
