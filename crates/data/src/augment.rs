//! Seeded random distortion of training digits: an affine warp (shift, rotation, scale, aspect
//! ratio), elastic distortion and stroke thickness, as used to train MLPs beyond the plain
//! recipes and to read people's writing. Deterministic: the same seed gives the same picture.

use serde::{Deserialize, Serialize};

use crate::elastic::{change_thickness, displacement, Displacement};
use crate::letterforms::continental;
use crate::shuffle::SplitMix64;
use crate::{IMAGE_PIXELS, IMAGE_SIDE};

/// How far each training digit may be distorted; all zero (the default) turns it off.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Augmentation {
    /// Largest shift in pixels, horizontally and vertically (independently).
    #[serde(default)]
    pub shift: f32,
    /// Largest rotation in degrees, either way.
    #[serde(default)]
    pub rotation: f32,
    /// Largest relative change of size: 0.1 draws a scale in [0.9, 1.1].
    #[serde(default)]
    pub scale: f32,
    /// Largest change of the width against the height: 0.3 stretches or squeezes the width by
    /// up to 1.3x (log-uniform), as scans that fill their frame do.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub aspect: f32,
    /// Elastic distortion strength, Simard et al.'s alpha (34 in their paper), on a random
    /// field smoothed over 4 px; 0 turns it off.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub elastic: f32,
    /// Largest change of stroke thickness, as a fraction (0..=1) of a one-pixel grey-level
    /// dilation or erosion, either way.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub thickness: f32,
    /// Share of digits (0..=1) stretched sideways to fill a square, as scans normalised to a
    /// square box are (Semeion's, for one): a narrow `1` becomes as wide as it is tall.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub fill: f32,
    /// Share of `1`s and `7`s (0..=1) drawn in their continental form before the warp: a `1`
    /// with a long flag (and often a foot), a `7` with a crossbar (`letterforms.rs`).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub letterforms: f32,
}

fn is_zero(v: &f32) -> bool {
    *v == 0.0
}

/// One drawn affine distortion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affine {
    pub dx: f32,
    pub dy: f32,
    /// Radians, counter-clockwise as seen on screen.
    pub angle: f32,
    pub scale: f32,
    /// Width multiplier on top of `scale` (1: the digit's own proportions).
    pub aspect: f32,
}

impl Augmentation {
    pub fn is_off(&self) -> bool {
        self.shift == 0.0
            && self.rotation == 0.0
            && self.scale == 0.0
            && self.aspect == 0.0
            && self.elastic == 0.0
            && self.thickness == 0.0
            && self.fill == 0.0
            && self.letterforms == 0.0
    }

    /// The affine part of the distortion for `seed`: each parameter uniform within its bound
    /// (the aspect ratio log-uniform).
    pub fn draw(&self, seed: u64) -> Affine {
        let mut rng = SplitMix64(seed);
        Affine {
            dx: self.shift * rng.symmetric(),
            dy: self.shift * rng.symmetric(),
            angle: self.rotation.to_radians() * rng.symmetric(),
            scale: 1.0 + self.scale * rng.symmetric(),
            aspect: (1.0 + self.aspect).powf(rng.symmetric()),
        }
    }

    /// The whole distortion for `seed` applied to a 28x28 digit of class `label`: its
    /// continental letterform, then the affine warp and the elastic field in one resampling,
    /// then the thickness change.
    pub fn distort(&self, seed: u64, image: &[u8; IMAGE_PIXELS], label: u8) -> [u8; IMAGE_PIXELS] {
        let mut letter_rng = SplitMix64(seed ^ 0x1E77_E125);
        let drawn = continental(image, label, self.letterforms, &mut letter_rng);
        let image = &drawn;
        let mut affine = self.draw(seed);
        // Separate streams, so that adding elastic distortion leaves the affine draw alone.
        let mut rng = SplitMix64(seed ^ 0x5EED_E1A5);
        if self.fill > 0.0 && rng.unit() < self.fill {
            affine.aspect = square_stretch(image);
        }
        let field = (self.elastic > 0.0).then(|| displacement(&mut rng, self.elastic));
        let warped = affine.warp(image, field.as_ref());
        let amount = self.thickness * rng.symmetric();
        change_thickness(&warped, amount)
    }
}

/// The width multiplier that makes the digit's ink box square (1 for a digit already as wide
/// as it is tall, or wider, or blank).
fn square_stretch(image: &[u8]) -> f32 {
    let (mut x0, mut x1, mut y0, mut y1) = (IMAGE_SIDE, 0, IMAGE_SIDE, 0);
    for (i, &v) in image.iter().enumerate().take(IMAGE_PIXELS) {
        if v > 0 {
            let (x, y) = (i % IMAGE_SIDE, i / IMAGE_SIDE);
            (x0, x1, y0, y1) = (x0.min(x), x1.max(x + 1), y0.min(y), y1.max(y + 1));
        }
    }
    if x1 <= x0 || y1 <= y0 {
        return 1.0;
    }
    ((y1 - y0) as f32 / (x1 - x0) as f32).max(1.0)
}

impl Affine {
    /// Warps a 28x28 image: scaled (and stretched) and rotated about the centre, then
    /// shifted; bilinear sampling, background (0) outside.
    pub fn apply(&self, image: &[u8]) -> [u8; IMAGE_PIXELS] {
        self.warp(image, None)
    }

    /// As [`Affine::apply`], each output pixel first moved by `field` (elastic distortion).
    fn warp(&self, image: &[u8], field: Option<&Displacement>) -> [u8; IMAGE_PIXELS] {
        // The source with a one-pixel border of background, so that every bilinear tap of a
        // point within [-1, 28) reads inside the array without a bounds test per tap.
        const PAD: usize = IMAGE_SIDE + 2;
        let mut src = [0f32; PAD * PAD];
        for (y, row) in image.chunks_exact(IMAGE_SIDE).take(IMAGE_SIDE).enumerate() {
            for (x, &v) in row.iter().enumerate() {
                src[(y + 1) * PAD + x + 1] = f32::from(v);
            }
        }
        let c = (IMAGE_SIDE as f32 - 1.0) / 2.0;
        let (sin, cos) = self.angle.sin_cos();
        let (sx_scale, sy_scale) = (self.scale * self.aspect, self.scale);
        let mut out = [0u8; IMAGE_PIXELS];
        for y in 0..IMAGE_SIDE {
            for x in 0..IMAGE_SIDE {
                let i = y * IMAGE_SIDE + x;
                let (ex, ey) = field.map_or((0.0, 0.0), |f| (f.dx[i], f.dy[i]));
                // Inverse map: undo the shift, then the rotation, then the scale.
                let px = x as f32 + ex - c - self.dx;
                let py = y as f32 + ey - c - self.dy;
                let sx = (cos * px + sin * py) / sx_scale + c;
                let sy = (-sin * px + cos * py) / sy_scale + c;
                if !(sx > -1.0 && sx < IMAGE_SIDE as f32 && sy > -1.0 && sy < IMAGE_SIDE as f32) {
                    continue;
                }
                // Shifted into the padded frame the point is positive, so truncation floors
                // (and avoids a libm call for `floor` on baseline x86-64).
                let (qx, qy) = (sx + 1.0, sy + 1.0);
                let (x0, y0) = (qx as usize, qy as usize);
                let (fx, fy) = (qx - x0 as f32, qy - y0 as f32);
                let j = y0 * PAD + x0;
                let top = src[j] + (src[j + 1] - src[j]) * fx;
                let bottom = src[j + PAD] + (src[j + PAD + 1] - src[j + PAD]) * fx;
                let v = top + (bottom - top) * fy;
                out[i] = (v + 0.5).clamp(0.0, 255.0) as u8;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn blob() -> [u8; IMAGE_PIXELS] {
        crate::rectangle(10..16, 8..20, 200)
    }

    fn centre_of_mass(img: &[u8]) -> (f32, f32) {
        let (mut m, mut cx, mut cy) = (0.0, 0.0, 0.0);
        for (i, &v) in img.iter().enumerate() {
            let v = f32::from(v);
            m += v;
            cx += (i % IMAGE_SIDE) as f32 * v;
            cy += (i / IMAGE_SIDE) as f32 * v;
        }
        (cx / m, cy / m)
    }

    #[test]
    fn the_same_seed_gives_the_same_distortion() {
        let aug = Augmentation {
            shift: 2.0,
            rotation: 10.0,
            scale: 0.1,
            ..Default::default()
        };
        assert_eq!(aug.draw(7), aug.draw(7));
        assert_ne!(aug.draw(7), aug.draw(8));
        let a = aug.draw(7);
        assert!(a.dx.abs() <= 2.0 && a.dy.abs() <= 2.0);
        assert!(a.angle.abs() <= 10f32.to_radians() && (0.9..=1.1).contains(&a.scale));
        assert_eq!(a.apply(&blob()), a.apply(&blob()));
    }

    #[test]
    fn a_shift_moves_the_centre_of_mass_by_the_shift() {
        let img = blob();
        let (x0, y0) = centre_of_mass(&img);
        for (dx, dy) in [(2.0, -1.0), (-2.5, 1.5)] {
            let moved = Affine {
                dx,
                dy,
                angle: 0.0,
                scale: 1.0,
                aspect: 1.0,
            }
            .apply(&img);
            let (x1, y1) = centre_of_mass(&moved);
            assert!((x1 - x0 - dx).abs() < 0.05, "{x1} vs {x0} + {dx}");
            assert!((y1 - y0 - dy).abs() < 0.05, "{y1} vs {y0} + {dy}");
        }
    }

    #[test]
    fn fill_stretches_a_narrow_digit_into_a_square() {
        // blob() is 6 wide and 12 tall.
        assert_eq!(square_stretch(&blob()), 2.0);
        assert_eq!(square_stretch(&[0u8; IMAGE_PIXELS]), 1.0);
        let fill = Augmentation {
            fill: 1.0,
            ..Default::default()
        };
        let wide = fill.distort(1, &blob(), 0);
        let columns = (0..IMAGE_SIDE)
            .filter(|&x| (0..IMAGE_SIDE).any(|y| wide[y * IMAGE_SIDE + x] > 100))
            .count();
        assert_eq!(columns, 12, "as wide as it is tall");
        let never = Augmentation {
            fill: 0.0,
            shift: 0.0,
            ..fill
        };
        assert_eq!(never.distort(1, &blob(), 0), blob());
    }

    #[test]
    fn the_identity_changes_nothing_and_rotation_keeps_the_ink() {
        let img = blob();
        let identity = Affine {
            dx: 0.0,
            dy: 0.0,
            angle: 0.0,
            scale: 1.0,
            aspect: 1.0,
        };
        assert_eq!(identity.apply(&img), img);
        let turned = Affine {
            angle: 12f32.to_radians(),
            ..identity
        }
        .apply(&img);
        let ink = |i: &[u8]| i.iter().map(|&v| f32::from(v)).sum::<f32>();
        assert!((ink(&turned) / ink(&img) - 1.0).abs() < 0.02);
    }
}
