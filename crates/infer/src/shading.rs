//! Uneven light taken off the page: a shadow, vignetting or a gradient is paper, not ink.
//!
//! A photo records the paper's reflectance times the light that falls on it. The light is
//! estimated as the paper's upper envelope (a grey closing: the brightest level within a window
//! wider than a pen stroke, then the darkest of those), and each pixel divided by it, so a page
//! reads as evenly lit paper whatever the shadow. The envelope follows a shadow's edge (an edge
//! wider than the window is kept by a closing) and does not fill in strokes narrower than the
//! window. Where the envelope falls far below the page's paper (a solid blot or sticker wider
//! than the window), it is taken for ink, not for shadow: no shadow darkens paper that much.

use crate::grey::Grey;

/// The window, as a fraction of the image's shorter side: wider than any pen stroke of a digit
/// that fills the image's height.
const WINDOW_FRACTION: usize = 4;
/// The darkest a shadow makes paper, as a fraction of the page's paper level: anything darker
/// is ink.
const DEEPEST_SHADOW: f32 = 0.3;
/// Light dimmer than this fraction of the paper's is uneven, when at least one in
/// `SHADED_SHARE` of the border's pixels has it.
const UNEVEN: f32 = 0.9;
const SHADED_SHARE: usize = 4;

/// Divides the light out of `grey` (ink bright on a dark background, as after the polarity
/// step): every pixel becomes its ink strength under even light.
pub(crate) fn remove_shading(grey: &mut Grey) {
    let (w, h) = (grey.width, grey.height);
    let radius = (w.min(h) / WINDOW_FRACTION / 2).max(1);
    // Paper bright, ink dark: the light is the upper envelope.
    let light: Vec<f32> = grey.pixels.iter().map(|v| 255.0 - v).collect();
    let envelope = envelope(&light, w, h, radius);
    let paper = upper_decile(&envelope);
    if paper < 1.0 {
        return;
    }
    let floor = DEEPEST_SHADOW * paper;
    if !uneven_at_the_border(&light, &envelope, w, h, paper, floor) {
        return;
    }
    for ((v, &l), &e) in grey.pixels.iter_mut().zip(&light).zip(&envelope) {
        let reflectance = (l / e.max(floor)).min(1.0);
        *v = 255.0 * (1.0 - reflectance);
    }
}

/// Whether the light varies along the image's border, as a shadow, vignetting or a gradient
/// makes it vary: over at least one in `SHADED_SHARE` of the border's pixels, the envelope is
/// dimmer than `UNEVEN` x the paper but not ink-dark. A page lit evenly is left exactly as it is
/// (a stroke wider than the window would otherwise lose some of its grey edge), and so is a
/// digit cropped so tight that its ink (darker than any shadow) reaches the border: there the
/// envelope along the border is the stroke's own edge, not the light.
fn uneven_at_the_border(
    light: &[f32],
    envelope: &[f32],
    w: usize,
    h: usize,
    paper: f32,
    floor: f32,
) -> bool {
    // The top and bottom rows, then the left and right columns between them.
    let border: Vec<usize> = (0..w)
        .flat_map(|x| [x, (h - 1) * w + x])
        .chain((1..h.saturating_sub(1)).flat_map(|y| [y * w, y * w + w - 1]))
        .collect();
    if border.iter().any(|&i| light[i] < floor) {
        return false;
    }
    let shaded = border
        .iter()
        .filter(|&&i| envelope[i] < UNEVEN * paper)
        .count();
    shaded * SHADED_SHARE >= border.len()
}

/// The upper decile of `values`, from a sample of at most about 16,000 of them (the envelope is
/// smooth: a sample gives its level as well as the whole).
fn upper_decile(values: &[f32]) -> f32 {
    let step = (values.len() / 16_384).max(1);
    let mut sample: Vec<f32> = values.iter().step_by(step).copied().collect();
    let k = (sample.len() - 1) * 9 / 10;
    let (_, v, _) = sample.select_nth_unstable_by(k, f32::total_cmp);
    *v
}

/// The closing that estimates the light, done on a coarser grid when the window is wide: the
/// light changes slowly, and a window a few coarse pixels wide takes a fraction of the time.
fn envelope(light: &[f32], w: usize, h: usize, radius: usize) -> Vec<f32> {
    let factor = (radius / COARSE_RADIUS).max(1);
    if factor == 1 {
        return closing(light, w, h, radius);
    }
    let (cw, ch) = (w.div_ceil(factor), h.div_ceil(factor));
    let coarse = block_means(light, w, h, factor);
    let closed = closing(&coarse, cw, ch, (radius / factor).max(1));
    upsample(&closed, cw, ch, factor, w, h)
}

/// The radius, in coarse pixels, at which the closing is done.
const COARSE_RADIUS: usize = 4;

/// The mean of each `factor` x `factor` block (the last row and column of blocks may be cut).
fn block_means(pixels: &[f32], w: usize, h: usize, factor: usize) -> Vec<f32> {
    let (cw, ch) = (w.div_ceil(factor), h.div_ceil(factor));
    let mut sums = vec![0.0f32; cw * ch];
    let mut counts = vec![0u32; cw * ch];
    for (y, row) in pixels.chunks_exact(w).enumerate() {
        let blocks = (y / factor) * cw;
        for (bx, run) in row.chunks(factor).enumerate() {
            sums[blocks + bx] += run.iter().sum::<f32>();
            counts[blocks + bx] += run.len() as u32;
        }
    }
    sums.iter()
        .zip(&counts)
        .map(|(s, &n)| s / n as f32)
        .collect()
}

/// Bilinear interpolation of a coarse grid (one value per block, at the block's centre) back to
/// `w` x `h` pixels.
fn upsample(coarse: &[f32], cw: usize, ch: usize, factor: usize, w: usize, h: usize) -> Vec<f32> {
    let axis = |i: usize, n: usize| {
        let t = ((i as f32 + 0.5) / factor as f32 - 0.5).clamp(0.0, (n - 1) as f32);
        let i0 = t.floor() as usize;
        (i0, (i0 + 1).min(n - 1), t - i0 as f32)
    };
    let columns: Vec<_> = (0..w).map(|x| axis(x, cw)).collect();
    let mut out = Vec::with_capacity(w * h);
    for y in 0..h {
        let (y0, y1, fy) = axis(y, ch);
        for &(x0, x1, fx) in &columns {
            let top = coarse[y0 * cw + x0] * (1.0 - fx) + coarse[y0 * cw + x1] * fx;
            let bottom = coarse[y1 * cw + x0] * (1.0 - fx) + coarse[y1 * cw + x1] * fx;
            out.push(top * (1.0 - fy) + bottom * fy);
        }
    }
    out
}

/// The grey closing of a `w` x `h` image by a square of side `2 radius + 1`: a dilation (the
/// maximum over the square) then an erosion (the minimum), on the image extended past its edges
/// by repeating its outer rows and columns. The extension keeps a shadow's edge that runs into
/// the image's border: cut off there, the edge would end in a point the square cannot fit into,
/// and the envelope would rise above the shadowed paper near the border.
fn closing(pixels: &[f32], w: usize, h: usize, radius: usize) -> Vec<f32> {
    let pad = 2 * radius;
    let (pw, ph) = (w + 2 * pad, h + 2 * pad);
    let padded: Vec<f32> = (0..ph)
        .flat_map(|y| (0..pw).map(move |x| (x, y)))
        .map(|(x, y)| {
            let inside = |v: usize, n: usize| v.saturating_sub(pad).min(n - 1);
            pixels[inside(y, h) * w + inside(x, w)]
        })
        .collect();
    let dilated = filter_2d(&padded, pw, ph, radius, f32::max);
    let closed = filter_2d(&dilated, pw, ph, radius, f32::min);
    (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .map(|(x, y)| closed[(y + pad) * pw + x + pad])
        .collect()
}

/// The extreme (`pick`: max or min) over a square window, done as rows then columns.
fn filter_2d(
    pixels: &[f32],
    w: usize,
    h: usize,
    radius: usize,
    pick: fn(f32, f32) -> f32,
) -> Vec<f32> {
    let mut rows = vec![0.0; w * h];
    for y in 0..h {
        sliding_extreme(
            &pixels[y * w..(y + 1) * w],
            radius,
            pick,
            &mut rows[y * w..(y + 1) * w],
        );
    }
    let mut out = vec![0.0; w * h];
    let (mut column, mut filtered) = (vec![0.0; h], vec![0.0; h]);
    for x in 0..w {
        for y in 0..h {
            column[y] = rows[y * w + x];
        }
        sliding_extreme(&column, radius, pick, &mut filtered);
        for y in 0..h {
            out[y * w + x] = filtered[y];
        }
    }
    out
}

/// `out[i]` = the extreme of `values[i - radius ..= i + radius]` (clipped to the ends), in one
/// pass: a queue of the indices that can still be the extreme of a later window.
fn sliding_extreme(values: &[f32], radius: usize, pick: fn(f32, f32) -> f32, out: &mut [f32]) {
    let n = values.len();
    let mut queue = std::collections::VecDeque::with_capacity(2 * radius + 1);
    let mut next = 0;
    for (i, o) in out.iter_mut().enumerate() {
        // Bring in everything up to i + radius.
        while next < n && next <= i + radius {
            let v = values[next];
            while queue
                .back()
                .is_some_and(|&b: &usize| pick(values[b], v) == v)
            {
                queue.pop_back();
            }
            queue.push_back(next);
            next += 1;
        }
        // Drop what fell out on the left.
        while queue.front().is_some_and(|&f: &usize| f + radius < i) {
            queue.pop_front();
        }
        *o = queue.front().map_or(values[i], |&f| values[f]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sliding_extreme_is_the_window_extreme() {
        let values = [3.0, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0, 6.0, 5.0, 3.0];
        for radius in 0..4 {
            let mut out = [0.0; 10];
            sliding_extreme(&values, radius, f32::max, &mut out);
            for (i, &o) in out.iter().enumerate() {
                let window = &values[i.saturating_sub(radius)..(i + radius + 1).min(10)];
                assert_eq!(
                    o,
                    window.iter().copied().fold(f32::MIN, f32::max),
                    "{radius} {i}"
                );
            }
            sliding_extreme(&values, radius, f32::min, &mut out);
            for (i, &o) in out.iter().enumerate() {
                let window = &values[i.saturating_sub(radius)..(i + radius + 1).min(10)];
                assert_eq!(
                    o,
                    window.iter().copied().fold(f32::MAX, f32::min),
                    "{radius} {i}"
                );
            }
        }
    }

    /// A `w` x `h` page, ink bright as after the polarity step: paper of reflectance 1 under
    /// `light(x, y)`, with ink of reflectance `ink(x, y)` where it is `Some`.
    fn page(
        w: usize,
        h: usize,
        light: impl Fn(usize, usize) -> f32,
        ink: impl Fn(usize, usize) -> Option<f32>,
    ) -> Grey {
        let pixels = (0..h)
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .map(|(x, y)| 255.0 - light(x, y) * ink(x, y).unwrap_or(1.0))
            .collect();
        Grey {
            width: w,
            height: h,
            pixels,
        }
    }

    #[test]
    fn a_shadow_is_taken_off_and_a_stroke_kept() {
        // Paper at 200 with its left half in a shadow at half the light; a dark stroke 3 px wide
        // down the lit half.
        let stroke = |x: usize, y: usize| (44..47).contains(&x) && (4..44).contains(&y);
        let mut grey = page(
            64,
            48,
            |x, _| if x < 32 { 100.0 } else { 200.0 },
            |x, y| stroke(x, y).then_some(0.15),
        );
        remove_shading(&mut grey);
        for y in 0..48 {
            for x in 0..64 {
                let v = grey.at(x, y);
                if stroke(x, y) {
                    assert!((v - 0.85 * 255.0).abs() < 1.0, "stroke at {x},{y}: {v}");
                } else {
                    assert!(v < 1.0, "paper at {x},{y}: {v}");
                }
            }
        }
    }

    #[test]
    fn a_solid_blot_in_a_shadow_stays_ink() {
        // A black square wider than the window, half in a shadow: no shadow is that dark.
        let square = |x: usize, y: usize| (20..44).contains(&x) && (12..36).contains(&y);
        let mut grey = page(
            64,
            48,
            |x, _| if x < 32 { 120.0 } else { 220.0 },
            |x, y| square(x, y).then_some(0.05),
        );
        remove_shading(&mut grey);
        for (x, y) in [(21, 13), (31, 24), (42, 34)] {
            assert!(grey.at(x, y) > 200.0, "blot at {x},{y}: {}", grey.at(x, y));
        }
        assert!(grey.at(5, 5) < 1.0 && grey.at(60, 40) < 1.0);
    }

    #[test]
    fn an_evenly_lit_page_is_left_exactly_as_it_is() {
        // Strokes wider than the window, with soft grey edges: the envelope dips inside them,
        // but the border's light is even, so nothing changes.
        let mut grey = page(
            28,
            28,
            |_, _| 255.0,
            |x, y| {
                let d = (x as f32 - 14.0).hypot(y as f32 - 14.0);
                (d < 9.0).then(|| ((d - 7.0).max(0.0) / 2.0).min(1.0))
            },
        );
        let before = grey.clone();
        remove_shading(&mut grey);
        assert_eq!(grey, before);
    }
}
