//! Stroke width: measured as MNIST's was, and brought towards MNIST's own by grey-level
//! erosion or dilation with a disc, which keeps soft edges soft.

use crate::grey::Grey;

/// Stroke width as 2 x area / perimeter of the ink above half intensity: for a long stroke of
/// width `t`, area `t L` and perimeter `2 L` give `t`. In the image's own pixels.
pub fn stroke_width(grey: &Grey) -> f32 {
    let (w, h) = (grey.width, grey.height);
    let ink = |x: usize, y: usize| grey.pixels[y * w + x] >= 127.5;
    let (mut area, mut perimeter) = (0usize, 0usize);
    for y in 0..h {
        for x in 0..w {
            if !ink(x, y) {
                continue;
            }
            area += 1;
            let edge = x == 0
                || y == 0
                || x + 1 == w
                || y + 1 == h
                || !ink(x - 1, y)
                || !ink(x + 1, y)
                || !ink(x, y - 1)
                || !ink(x, y + 1);
            if edge {
                perimeter += 1;
            }
        }
    }
    if perimeter == 0 {
        return 0.0;
    }
    2.0 * area as f32 / perimeter as f32
}

/// Grey-level morphology with a disc of `radius` pixels: erosion (minimum) for a positive
/// radius, dilation (maximum) for a negative one. Outside the image is background (0). A
/// fractional radius blends the two whole-pixel discs around it, so edges move by fractions
/// of a pixel.
pub fn morph(grey: &Grey, radius: f32) -> Grey {
    let r = radius.abs();
    let (below, above) = (r.floor(), r.ceil());
    let inner = morph_disc(grey, below, radius > 0.0);
    if above == below {
        return inner;
    }
    let outer = morph_disc(grey, above, radius > 0.0);
    let f = r - below;
    Grey {
        width: grey.width,
        height: grey.height,
        pixels: inner
            .pixels
            .iter()
            .zip(&outer.pixels)
            .map(|(a, b)| a + f * (b - a))
            .collect(),
    }
}

/// Erosion (or dilation) with the disc of whole radius `r`.
fn morph_disc(grey: &Grey, r: f32, erode: bool) -> Grey {
    let reach = r as i64;
    // The disc as row offsets with their half-widths, so each output pixel reads whole rows.
    let rows: Vec<(i64, i64)> = (-reach..=reach)
        .map(|dy| {
            let half = (r * r - (dy * dy) as f32).max(0.0).sqrt().floor() as i64;
            (dy, half)
        })
        .collect();
    let (w, h) = (grey.width as i64, grey.height as i64);
    let mut pixels = Vec::with_capacity(grey.pixels.len());
    for y in 0..h {
        for x in 0..w {
            let mut v = if erode { f32::INFINITY } else { 0.0f32 };
            for &(dy, half) in &rows {
                let yy = y + dy;
                let inside_rows = (0..h).contains(&yy);
                for xx in x - half..=x + half {
                    let p = if inside_rows && (0..w).contains(&xx) {
                        grey.pixels[(yy * w + xx) as usize]
                    } else {
                        0.0
                    };
                    v = if erode { v.min(p) } else { v.max(p) };
                }
            }
            pixels.push(v);
        }
    }
    Grey {
        width: grey.width,
        height: grey.height,
        pixels,
    }
}

/// The erosion radius (negative: dilation) that brings a digit whose ink box has longer side
/// `longer` and strokes `width` wide (both in working pixels) to `target` px strokes once its
/// ink box is scaled to `box_side` px. Erosion also shrinks the box by `2 r`, so the scale
/// changes with it: solve `(width - 2r) * box / (longer - 2r) = target` for `r`.
pub fn radius_for(width: f32, longer: f32, target: f32, box_side: f32) -> f32 {
    let k = target / box_side;
    (width - k * longer) / (2.0 - 2.0 * k)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(width: usize, height: usize, x0: usize, x1: usize) -> Grey {
        Grey {
            width,
            height,
            pixels: (0..width * height)
                .map(|i| {
                    if (x0..x1).contains(&(i % width)) {
                        255.0
                    } else {
                        0.0
                    }
                })
                .collect(),
        }
    }

    #[test]
    fn a_long_bar_measures_its_width() {
        let g = bar(40, 400, 10, 18);
        let w = stroke_width(&g);
        assert!((w - 8.0).abs() < 0.3, "{w}");
    }

    #[test]
    fn erosion_and_dilation_change_the_width_by_twice_the_radius() {
        let g = bar(40, 400, 10, 20);
        let thin = stroke_width(&morph(&g, 3.0));
        let thick = stroke_width(&morph(&g, -3.0));
        assert!((thin - 4.0).abs() < 0.4, "{thin}");
        // The bar runs off the top and bottom, whose rows count as perimeter too.
        assert!((thick - 16.0).abs() < 0.8, "{thick}");
    }

    #[test]
    fn soft_edges_stay_soft() {
        let mut g = bar(40, 40, 10, 30);
        // A ramp on the left edge: 64, 128, 192 before full ink.
        for y in 0..40 {
            for (i, v) in [64.0, 128.0, 192.0].into_iter().enumerate() {
                g.pixels[y * 40 + 7 + i] = v;
            }
        }
        let eroded = morph(&g, 2.0);
        let row: Vec<f32> = eroded.pixels[20 * 40..20 * 40 + 40].to_vec();
        // The ramp moved two pixels right and kept its three grey levels.
        assert_eq!(&row[7..13], &[0.0, 0.0, 64.0, 128.0, 192.0, 255.0]);
    }

    #[test]
    fn the_radius_lands_on_the_target_width() {
        let (width, longer) = (20.0, 80.0);
        let r = radius_for(width, longer, 2.73, 20.0);
        let after = (width - 2.0 * r) * 20.0 / (longer - 2.0 * r);
        assert!((after - 2.73).abs() < 1e-4, "{after}");
        assert!(
            radius_for(4.0, 80.0, 2.73, 20.0) < 0.0,
            "thin strokes are dilated"
        );
    }
}
