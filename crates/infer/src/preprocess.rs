//! MNIST-style preprocessing of a person's own image, as MNIST itself was built:
//! grey -> ink made bright on a dark background -> uneven light divided out (shadows,
//! vignetting: `shading.rs`) -> uneven background removed and ink stretched to full range -> specks dropped -> cropped to the ink -> strokes outside MNIST's range of
//! widths eroded or dilated -> longer side scaled to 20 px (anti-aliased, aspect kept) ->
//! pasted into 28x28 with the centre of mass at the centre. The [0, 1] scaling that follows is
//! the data crate's, as in training.

use image::imageops::{self, FilterType};
use image::{DynamicImage, ImageBuffer, Luma};

use mnist_data::{IMAGE_PIXELS, IMAGE_SIDE};

pub use crate::grey::Grey;
use crate::trace::Trace;

/// The box the digit is scaled into, as in MNIST.
pub const DIGIT_BOX: usize = 20;
/// Where MNIST's digits have their centre of mass, in pixel indices (x and y): measured over
/// its 10,000 test images, the mean is (14.01, 13.99), half a pixel right of and below the
/// geometric centre 13.5. Matching it matters: a digit one pixel off changes ~90 of its pixels.
pub const MNIST_CENTRE: f32 = 14.0;
/// MNIST's stroke widths in its 20 px box, 10th and 90th percentile over its 10,000 test digits
/// as [`boxed_stroke_width`] measures them (median 2.73): a digit whose strokes are outside is
/// brought to the nearer end. Checked against the real data by the integration tests.
pub const MNIST_STROKE_RANGE: (f32, f32) = (2.0, 3.8);
/// Images are first brought down to this size (longer side): plenty for a 20 px digit.
const WORKING_SIDE: u32 = 1024;

/// Luminance with alpha composited. Transparent areas take the colour that contrasts with the
/// opaque content, so a canvas export whose ink lives only in the alpha channel (black ink,
/// transparent paper) reads as dark ink on light paper, and white ink on transparency as light
/// ink on dark.
pub fn to_grey(image: &DynamicImage) -> Grey {
    let image = if image.width().max(image.height()) > WORKING_SIDE {
        image.resize(WORKING_SIDE, WORKING_SIDE, FilterType::Triangle)
    } else {
        image.clone()
    };
    let (width, height) = (image.width() as usize, image.height() as usize);
    let luma = |r: f32, g: f32, b: f32| 0.299 * r + 0.587 * g + 0.114 * b;
    let pixels = if image.color().has_alpha() {
        let rgba = image.to_rgba32f();
        let (mut sum, mut weight, mut transparent) = (0.0f64, 0.0f64, 0usize);
        for p in rgba.pixels() {
            let a = p[3].clamp(0.0, 1.0);
            sum += f64::from(a * luma(p[0], p[1], p[2]));
            weight += f64::from(a);
            if a < 0.5 {
                transparent += 1;
            }
        }
        let opaque_mean = if weight > 0.0 { sum / weight } else { 1.0 };
        let backdrop = if transparent > 0 && opaque_mean < 0.5 {
            1.0
        } else if transparent > 0 {
            0.0
        } else {
            1.0
        };
        rgba.pixels()
            .map(|p| {
                let a = p[3].clamp(0.0, 1.0);
                255.0 * (a * luma(p[0], p[1], p[2]) + (1.0 - a) * backdrop).clamp(0.0, 1.0)
            })
            .collect()
    } else {
        image
            .to_luma32f()
            .pixels()
            .map(|p| 255.0 * p[0].clamp(0.0, 1.0))
            .collect()
    };
    Grey {
        width,
        height,
        pixels,
    }
}

fn percentile(values: &mut [f32], q: f32) -> f32 {
    if values.is_empty() {
        return 0.0;
    }
    let k = ((values.len() - 1) as f32 * q).round() as usize;
    let (_, v, _) = values.select_nth_unstable_by(k, f32::total_cmp);
    *v
}

/// Makes the ink bright and the background dark; `true` when the paper was light (and so
/// inverted). The paper is taken to be light (as in photos,
/// scans and canvas exports) when the border or the picture as a whole is mostly light; only
/// when both are mostly dark (chalk on a board, MNIST's own files) is the ink taken to be the
/// light part. Either alone misleads: the ink of a scan that fills its frame covers much of
/// the border, and the ink of a digit cropped tight covers much of the picture.
fn fix_polarity(grey: &mut Grey) -> bool {
    let (w, h) = (grey.width, grey.height);
    let band = (w.min(h) / 20).max(1);
    let mut all = grey.pixels.clone();
    // Halfway between the darkest and the lightest pixel: a thin pen on a large page is too
    // little of the picture to show in any percentile.
    let (lo, hi) = all
        .iter()
        .fold((f32::MAX, f32::MIN), |(lo, hi), &v| (lo.min(v), hi.max(v)));
    let middle = (lo + hi) / 2.0;
    let mut border: Vec<f32> = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .filter(|&(x, y)| x < band || y < band || x + band >= w || y + band >= h)
        .map(|(x, y)| grey.at(x, y))
        .collect();
    let light_paper = if hi - lo < 1.0 {
        // One flat grey: no ink either way; light is paper, as for any blank page.
        lo > 127.5
    } else {
        percentile(&mut border, 0.5) > middle || percentile(&mut all, 0.5) > middle
    };
    if light_paper {
        grey.pixels.iter_mut().for_each(|v| *v = 255.0 - *v);
    }
    light_paper
}

/// Otsu's threshold over a 256-bin histogram of values in [0, 255].
pub(crate) fn otsu(values: &[f32]) -> f32 {
    let mut hist = [0f64; 256];
    for &v in values {
        // Rounded, not truncated: 244.99998 (245 read through floats) belongs with 245.
        hist[v.round().clamp(0.0, 255.0) as usize] += 1.0;
    }
    let total: f64 = hist.iter().sum();
    let sum_all: f64 = hist.iter().enumerate().map(|(i, n)| i as f64 * n).sum();
    let (mut w0, mut sum0, mut best, mut threshold) = (0.0, 0.0, -1.0, 0usize);
    for (t, &n) in hist.iter().enumerate() {
        w0 += n;
        sum0 += t as f64 * n;
        let w1 = total - w0;
        if w0 == 0.0 || w1 == 0.0 {
            continue;
        }
        let (m0, m1) = (sum0 / w0, (sum_all - sum0) / w1);
        let between = w0 * w1 * (m0 - m1) * (m0 - m1);
        if between > best {
            best = between;
            threshold = t;
        }
    }
    threshold as f32 + 0.5
}

/// Least-squares plane `a + b x + c y` through the given (x, y, value) samples.
pub(crate) fn fit_plane(samples: &[(f32, f32, f32)]) -> Option<[f64; 3]> {
    let mut m = [[0f64; 3]; 3];
    let mut r = [0f64; 3];
    for &(x, y, v) in samples {
        let basis = [1.0, f64::from(x), f64::from(y)];
        for i in 0..3 {
            for j in 0..3 {
                m[i][j] += basis[i] * basis[j];
            }
            r[i] += basis[i] * f64::from(v);
        }
    }
    // Cramer's rule on the 3x3 normal equations.
    let det = |m: &[[f64; 3]; 3]| {
        m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
            - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
            + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
    };
    let d = det(&m);
    if d.abs() < 1e-9 {
        return None;
    }
    let mut out = [0f64; 3];
    for (k, o) in out.iter_mut().enumerate() {
        let mut mk = m;
        for i in 0..3 {
            mk[i][k] = r[i];
        }
        *o = det(&mk) / d;
    }
    Some(out)
}

/// Median and scaled median absolute deviation (a robust standard deviation).
fn median_and_spread(values: &mut [f32]) -> (f32, f32) {
    let median = percentile(values, 0.5);
    let mut deviations: Vec<f32> = values.iter().map(|v| (v - median).abs()).collect();
    (median, 1.4826 * percentile(&mut deviations, 0.5))
}

/// Removes an uneven background (a lighting gradient, fitted as a plane through the border's
/// background pixels) and stretches the ink to full range. Returns `false` when no ink stands
/// out of the background's noise.
fn flatten_and_stretch(grey: &mut Grey) -> bool {
    let (w, h) = (grey.width, grey.height);
    let threshold = otsu(&grey.pixels);
    let band = (w.min(h) / 10).max(1);
    let border: Vec<(f32, f32, f32)> = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .filter(|&(x, y)| x < band || y < band || x + band >= w || y + band >= h)
        .map(|(x, y)| (x as f32, y as f32, grey.at(x, y)))
        .filter(|&(_, _, v)| v < threshold)
        .collect();
    if border.len() >= 3 {
        if let Some([a, b, c]) = fit_plane(&border) {
            for y in 0..h {
                for x in 0..w {
                    let plane = (a + b * x as f64 + c * y as f64) as f32;
                    let v = &mut grey.pixels[y * w + x];
                    *v = (*v - plane).max(0.0);
                }
            }
        }
    }
    // The noise floor: how far the background still varies (robustly: faint ink edges are
    // below the threshold too, but few). Ink starts above it.
    let threshold = otsu(&grey.pixels);
    let mut background: Vec<f32> = grey
        .pixels
        .iter()
        .copied()
        .filter(|&v| v < threshold)
        .collect();
    let (median, spread) = median_and_spread(&mut background);
    let floor = median + 3.0 * spread;
    let mut ink: Vec<f32> = grey
        .pixels
        .iter()
        .copied()
        .filter(|&v| v >= threshold)
        .collect();
    let peak = percentile(&mut ink, 0.95);
    if ink.is_empty() || peak - floor < 24.0 {
        return false;
    }
    for v in &mut grey.pixels {
        *v = ((*v - floor) / (peak - floor) * 255.0).clamp(0.0, 255.0);
    }
    true
}

/// Below this (after stretching to 0..255) a pixel is background: faint compression ringing
/// and paper texture.
const WEAK_INK: f32 = 0.06 * 255.0;
/// Ink this strong anchors a region: a region without any is noise.
const STRONG_INK: f32 = 0.3 * 255.0;

/// Keeps the ink regions that matter (hysteresis, as in edge detection): a connected region of
/// ink is kept when it holds strong ink, and enough of it compared with the largest region;
/// faint pixels survive only as part of such a region. Specks and ringing go.
fn drop_specks(grey: &mut Grey) {
    let (w, h) = (grey.width, grey.height);
    for v in &mut grey.pixels {
        if *v < WEAK_INK {
            *v = 0.0;
        }
    }
    let mut label = vec![0u32; w * h];
    let mut strong = vec![0usize];
    let mut stack = Vec::new();
    for start in 0..w * h {
        if grey.pixels[start] <= 0.0 || label[start] != 0 {
            continue;
        }
        let id = strong.len() as u32;
        let mut count = 0;
        label[start] = id;
        stack.push(start);
        while let Some(i) = stack.pop() {
            if grey.pixels[i] >= STRONG_INK {
                count += 1;
            }
            let (x, y) = (i % w, i / w);
            for (dx, dy) in [
                (-1i64, -1i64),
                (0, -1),
                (1, -1),
                (-1, 0),
                (1, 0),
                (-1, 1),
                (0, 1),
                (1, 1),
            ] {
                let (nx, ny) = (x as i64 + dx, y as i64 + dy);
                if nx < 0 || ny < 0 || nx >= w as i64 || ny >= h as i64 {
                    continue;
                }
                let j = ny as usize * w + nx as usize;
                if grey.pixels[j] > 0.0 && label[j] == 0 {
                    label[j] = id;
                    stack.push(j);
                }
            }
        }
        strong.push(count);
    }
    let largest = strong.iter().copied().max().unwrap_or(0);
    let keep_from = ((largest as f32 * 0.05).ceil() as usize).max(1);
    for (v, &l) in grey.pixels.iter_mut().zip(&label) {
        if l != 0 && strong[l as usize] < keep_from {
            *v = 0.0;
        }
    }
}

/// The least ink a digit on a ruled page has, in full-ink pixels (a stroke 20 px long and 1.5 px
/// wide): what is left of a blank ruled page once its rules are gone is less.
const MIN_INK_MASS: f32 = 30.0;

/// The ink of `grey` in full-ink pixels.
fn ink_mass(grey: &Grey) -> f32 {
    grey.pixels.iter().sum::<f32>() / 255.0
}

/// The bounding box `(x0, y0, x1, y1)` (exclusive ends) of the ink, if any.
fn ink_box(grey: &Grey) -> Option<(usize, usize, usize, usize)> {
    let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
    for y in 0..grey.height {
        for x in 0..grey.width {
            if grey.at(x, y) > 0.0 {
                x0 = x0.min(x);
                y0 = y0.min(y);
                x1 = x1.max(x + 1);
                y1 = y1.max(y + 1);
            }
        }
    }
    (x0 != usize::MAX).then_some((x0, y0, x1, y1))
}

/// The digit of `image` as 28x28 grey levels (0 = background, 255 = ink), MNIST-style;
/// `None` when the image holds no ink.
pub fn preprocess(image: &DynamicImage) -> Option<[u8; IMAGE_PIXELS]> {
    traced(image, &mut Trace::off())
}

/// [`preprocess`], noting each step's picture in `trace`.
pub(crate) fn traced(image: &DynamicImage, trace: &mut Trace) -> Option<[u8; IMAGE_PIXELS]> {
    let crop = crop_to_ink(&clean(image, trace)?)?;
    trace.note("cropped to the ink", &crop);
    Some(fit_and_centre(crop, trace))
}

/// The digits of `image`, left to right, each as [`preprocess`] makes one: an image of one
/// digit gives exactly what `preprocess` gives; one with several side by side (a number) gives
/// one 28x28 digit per column of ink (see `number.rs`). `None` when the image holds no ink.
pub fn preprocess_number(image: &DynamicImage) -> Option<Vec<[u8; IMAGE_PIXELS]>> {
    let off = &mut Trace::off();
    let grey = clean(image, off)?;
    let columns = crate::number::digit_columns(&grey);
    if columns.len() <= 1 {
        return Some(vec![fit_and_centre(crop_to_ink(&grey)?, off)]);
    }
    columns
        .iter()
        .map(|c| {
            let piece = grey.crop((c.x0, c.y0, c.x1, c.y1));
            Some(fit_and_centre(crop_to_ink(&piece)?, off))
        })
        .collect()
}

/// The image's grey levels, ink bright on dark, background flattened and ink stretched to
/// 0..255; `None` when no ink stands out.
fn stretched(image: &DynamicImage, trace: &mut Trace) -> Option<Grey> {
    let mut grey = to_grey(image);
    if grey.width == 0 || grey.height == 0 {
        return None;
    }
    trace.note("grey", &grey);
    let light_paper = fix_polarity(&mut grey);
    trace.note("ink made bright", &grey);
    if light_paper {
        // Light paper's shading is the light's; a board's darker patches are left to the
        // background's plane below.
        crate::shading::remove_shading(&mut grey);
    }
    trace.note("light evened out", &grey);
    let inked = flatten_and_stretch(&mut grey);
    trace.note("background flattened, ink stretched", &grey);
    inked.then_some(grey)
}

/// The angle (degrees, positive when the rules fall to the right) by which `image` is turned
/// before its rules are removed, when it is a page photographed askew; `None` for a level page
/// and for a picture of a digit alone.
pub fn page_skew(image: &DynamicImage) -> Option<f32> {
    crate::skew::skew(&stretched(image, &mut Trace::off())?)
}

/// The image's ink, bright on dark, with the paper's background, rules and specks gone;
/// `None` when there is none.
fn clean(image: &DynamicImage, trace: &mut Trace) -> Option<Grey> {
    let mut grey = stretched(image, trace)?;
    // A page photographed askew is turned back first, so its rules lie along rows and columns.
    let turned = crate::skew::straighten(&mut grey).is_some();
    let rules = crate::rules::remove_rules(&mut grey);
    if turned {
        crate::skew::clear_outside(&mut grey);
    }
    drop_specks(&mut grey);
    trace.note("rules and specks removed", &grey);
    if rules > 0 && ink_mass(&grey) < MIN_INK_MASS {
        // All the ink there was belonged to the paper's rules: a blank ruled page.
        return None;
    }
    Some(grey)
}

/// The side, as a multiple of the 20 px box, at which strokes are measured and reshaped: fine
/// enough to move a stroke's edge by a quarter of a final pixel, small enough to be quick.
const STROKE_SCALE: usize = 4;
/// Room around the ink for strokes to grow into when they are thickened.
const STROKE_MARGIN: usize = 12;

/// The cropped ink with its longer side at `STROKE_SCALE` x the box (scaled down or up), in a
/// margin of background.
fn to_stroke_scale(crop: Grey) -> Grey {
    let side = (STROKE_SCALE * DIGIT_BOX) as f32;
    let scale = side / crop.width.max(crop.height) as f32;
    let new_w = ((crop.width as f32 * scale).round() as usize).clamp(1, side as usize);
    let new_h = ((crop.height as f32 * scale).round() as usize).clamp(1, side as usize);
    let scaled = resize(crop, new_w, new_h);
    let (w, h) = (new_w + 2 * STROKE_MARGIN, new_h + 2 * STROKE_MARGIN);
    let mut pixels = vec![0.0; w * h];
    for y in 0..new_h {
        let row = &scaled.pixels[y * new_w..(y + 1) * new_w];
        let at = (y + STROKE_MARGIN) * w + STROKE_MARGIN;
        pixels[at..at + new_w].copy_from_slice(row);
    }
    Grey {
        width: w,
        height: h,
        pixels,
    }
}

/// Anti-aliased resize (a triangle filter, as wide as the scale when shrinking).
fn resize(grey: Grey, width: usize, height: usize) -> Grey {
    if (width, height) == (grey.width, grey.height) {
        return grey;
    }
    // The image crate takes f32 pixels as 0..1 and clamps to that range as it resizes: on
    // 0..255 values that would turn every trace of ink into full ink (solid blobs).
    let unit: Vec<f32> = grey.pixels.iter().map(|v| v / 255.0).collect();
    let buffer: ImageBuffer<Luma<f32>, Vec<f32>> =
        ImageBuffer::from_raw(grey.width as u32, grey.height as u32, unit)
            .expect("the buffer has width x height pixels");
    let scaled = imageops::resize(&buffer, width as u32, height as u32, FilterType::Triangle);
    Grey {
        width,
        height,
        pixels: scaled
            .pixels()
            .map(|p| (p[0] * 255.0).clamp(0.0, 255.0))
            .collect(),
    }
}

/// The part of `grey` inside its ink box; `None` when it has no ink.
fn crop_to_ink(grey: &Grey) -> Option<Grey> {
    Some(grey.crop(ink_box(grey)?))
}

/// The stroke width a digit will have once its ink box is scaled into the 20 px box, measured
/// as MNIST's digits are: scaled into the box, then at stroke scale; `None` when it has no ink.
/// On MNIST's own 28x28 digits this gives the range [`MNIST_STROKE_RANGE`] is taken from.
pub fn boxed_stroke_width(digit: &Grey) -> Option<f32> {
    Some(width_in_box(&scale_into_box(crop_to_ink(digit)?)))
}

/// The stroke width of a digit already scaled into the box, measured at stroke scale.
fn width_in_box(boxed: &Grey) -> f32 {
    crate::stroke::stroke_width(&to_stroke_scale(boxed.clone())) / STROKE_SCALE as f32
}

/// The digit with its strokes brought into MNIST's range of widths (as they will be once it is
/// in the box): thick pens and frame-filling scans eroded, thin pens dilated, both at stroke
/// scale and cropped to the new ink box. `None` when the strokes are already in range: the
/// crop is then scaled straight into the box (`boxed`), with no extra resampling.
fn reshape_strokes(crop: &Grey, boxed: &Grey) -> Option<Grey> {
    let boxed = width_in_box(boxed);
    let (lo, hi) = MNIST_STROKE_RANGE;
    if (lo..=hi).contains(&boxed) {
        return None;
    }
    let scale = STROKE_SCALE as f32;
    let side = scale * DIGIT_BOX as f32;
    let working = to_stroke_scale(crop.clone());
    // Too thick: the width as MNIST's is measured. Too thin: a stroke narrower than a pixel of
    // the box measures one pixel there, so take its true width, at the finer resolution.
    let width = if boxed > hi {
        boxed * scale
    } else if crop.width.max(crop.height) as f32 > side {
        crate::stroke::stroke_width(crop) * side / crop.width.max(crop.height) as f32
    } else {
        crate::stroke::stroke_width(&working)
    };
    let target = boxed.clamp(lo, hi) * scale;
    let radius = crate::stroke::radius_for(width, side, target, side);
    // Never erode a stroke away: keep at least a third of the measured width.
    let radius = radius.min(width / 3.0);
    if radius.abs() < 0.25 {
        return None;
    }
    crop_to_ink(&crate::stroke::morph(&working, radius))
}

/// Scales the cropped ink into the 20x20 box, reshaping its strokes on the way, and centres it
/// by mass in 28x28.
fn fit_and_centre(crop: Grey, trace: &mut Trace) -> [u8; IMAGE_PIXELS] {
    let boxed = scale_into_box(crop.clone());
    let digit = match reshape_strokes(&crop, &boxed) {
        Some(reshaped) => scale_into_box(reshaped),
        None => boxed,
    };
    trace.note("strokes in MNIST's range, scaled into 20x20", &digit);
    let centred = centre_by_mass(&digit);
    trace.note_digit("centred by mass in 28x28", &centred);
    centred
}

/// The ink with its longer side scaled to the 20 px box (aspect kept), strongest ink at 255.
fn scale_into_box(crop: Grey) -> Grey {
    let scale = DIGIT_BOX as f32 / crop.width.max(crop.height) as f32;
    let new_w = ((crop.width as f32 * scale).round() as usize).clamp(1, DIGIT_BOX);
    let new_h = ((crop.height as f32 * scale).round() as usize).clamp(1, DIGIT_BOX);
    let mut small = resize(crop, new_w, new_h);
    // Downscaling dims thin strokes: bring the strongest ink back to full intensity.
    let peak = small.pixels.iter().copied().fold(0.0, f32::max);
    if peak > 0.0 && peak < 255.0 {
        small.pixels.iter_mut().for_each(|v| *v = *v * 255.0 / peak);
    }
    small
}

/// Pastes the boxed digit into 28x28 with its centre of mass at MNIST's centre.
fn centre_by_mass(small: &Grey) -> [u8; IMAGE_PIXELS] {
    let (w, h) = (small.width, small.height);
    let mass: f32 = small.pixels.iter().sum();
    let (mut cx, mut cy) = (0.0f32, 0.0f32);
    for y in 0..h {
        for x in 0..w {
            let v = small.at(x, y);
            cx += x as f32 * v;
            cy += y as f32 * v;
        }
    }
    let centre = MNIST_CENTRE;
    let (dx, dy) = if mass > 0.0 {
        (
            (centre - cx / mass).round() as i64,
            (centre - cy / mass).round() as i64,
        )
    } else {
        (((IMAGE_SIDE - w) / 2) as i64, ((IMAGE_SIDE - h) / 2) as i64)
    };
    let mut out = [0u8; IMAGE_PIXELS];
    for y in 0..h {
        for x in 0..w {
            let (tx, ty) = (x as i64 + dx, y as i64 + dy);
            if (0..IMAGE_SIDE as i64).contains(&tx) && (0..IMAGE_SIDE as i64).contains(&ty) {
                out[ty as usize * IMAGE_SIDE + tx as usize] = small.at(x, y).round() as u8;
            }
        }
    }
    out
}
