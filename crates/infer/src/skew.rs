//! A page photographed askew: its printed rules are straight lines at a small angle, which
//! `rules.rs` (rows and columns only) would not see. The angle at which the ink lines up into
//! rules is found, and the page is turned back by it, so the rules lie along rows and columns
//! again and the digit written on them stands upright, as a scanner's deskew does.

use crate::grey::Grey;
use crate::rules::{rule_bands, INK_LEVEL};

/// The steepest skew looked for, either way: a page held by hand for a photo.
const MAX_DEGREES: f32 = 15.0;
/// The search: whole degrees first, then tenths around the best.
const COARSE_STEP: f32 = 1.0;
const FINE_STEP: f32 = 0.1;
/// Rules within this of level are `rules.rs`'s to find as they are.
const LEVEL_DEGREES: f32 = 0.5;
/// Under this a side the image is a digit, not a page (as in `rules.rs`).
const MIN_SIDE: usize = 50;
/// The fewest rules at one angle that make a page worth turning: a photo of a digit on ruled
/// or graph paper shows several lines (the askew fixtures: 20 and 46), while with some fifty
/// angles tried, the straight edge of a thick stroke in a digit that fills its frame passes
/// for one or two (digits-dev: 46 of 1,000 images, none with three or more).
const MIN_RULES: usize = 3;

/// What a turned page's corners hold where they came from outside the picture: neither paper
/// nor ink. `rules.rs` leaves them out of a line's coverage (a rule cut short by the corner is
/// still a rule) and [`clear_outside`] makes them background once the rules are gone.
pub(crate) const OUTSIDE: f32 = f32::NAN;

/// The ink-coloured pixels of a page, listed once for the many angles tried: position, and
/// whether it is at the ink level (a rule's core) or only at half of it (a soft edge).
struct Ink {
    width: usize,
    height: usize,
    pixels: Vec<(f32, f32, bool)>,
}

impl Ink {
    fn of(grey: &Grey) -> Ink {
        let mut pixels = Vec::new();
        for y in 0..grey.height {
            for x in 0..grey.width {
                let v = grey.at(x, y);
                // Not `v < ..`: a pixel from outside the picture is no ink either.
                if v >= INK_LEVEL / 2.0 {
                    pixels.push((x as f32, y as f32, v >= INK_LEVEL));
                }
            }
        }
        Ink {
            width: grey.width,
            height: grey.height,
            pixels,
        }
    }
}

/// The ink projected along lines at one angle: per line, the share of the image's width (rows)
/// or height (columns) that is ink-coloured, at the ink level and at half of it (soft edges).
struct Profile {
    core: Vec<f32>,
    faint: Vec<f32>,
}

/// Rows of a page turned by `tan` (y = y0 + x tan) and its columns (x = x0 - y tan).
fn profiles(ink: &Ink, tan: f32) -> [Profile; 2] {
    let (w, h) = (ink.width, ink.height);
    let reach = |across: usize| (across as f32 * tan.abs()).ceil() as usize + 1;
    let (row_shift, column_shift) = (reach(w), reach(h));
    let mut rows = (vec![0.0; h + 2 * row_shift], vec![0.0; h + 2 * row_shift]);
    let mut columns = (
        vec![0.0; w + 2 * column_shift],
        vec![0.0; w + 2 * column_shift],
    );
    for &(x, y, core_level) in &ink.pixels {
        let row = (y - x * tan).round() as isize + row_shift as isize;
        let column = (x + y * tan).round() as isize + column_shift as isize;
        for (line, (core, faint)) in [(row, &mut rows), (column, &mut columns)] {
            // In range by construction: |x tan| < shift and |y tan| < shift.
            let line = line as usize;
            faint[line] += 1.0;
            if core_level {
                core[line] += 1.0;
            }
        }
    }
    let share = |(core, faint): (Vec<f32>, Vec<f32>), along: usize| Profile {
        core: core.into_iter().map(|c| c / along as f32).collect(),
        faint: faint.into_iter().map(|c| c / along as f32).collect(),
    };
    [share(rows, w), share(columns, h)]
}

/// How sharply the ink lines up at `degrees`: the sum of squared line coverages (a page's
/// rules give a few full lines at their angle and smeared ones elsewhere).
fn sharpness(ink: &Ink, degrees: f32) -> f32 {
    profiles(ink, degrees.to_radians().tan())
        .iter()
        .flat_map(|p| p.core.iter())
        .map(|c| c * c)
        .sum()
}

/// How many printed rules lie at `degrees` (rows and columns), by `rules.rs`'s test.
fn rules_at(ink: &Ink, degrees: f32) -> usize {
    let [rows, columns] = profiles(ink, degrees.to_radians().tan());
    rule_bands(&rows.core, &rows.faint, ink.height).len()
        + rule_bands(&columns.core, &columns.faint, ink.width).len()
}

/// The sharpest angle among `start + k * step` within `±span` of `start`.
fn sharpest(ink: &Ink, start: f32, span: f32, step: f32) -> f32 {
    let steps = (span / step).round() as i32;
    (-steps..=steps)
        .map(|k| (start + k as f32 * step).clamp(-MAX_DEGREES, MAX_DEGREES))
        .map(|a| (a, sharpness(ink, a)))
        // Ties go to the angle nearer level.
        .fold((0.0f32, f32::MIN), |best, (a, s)| {
            if s > best.1 || (s == best.1 && a.abs() < best.0.abs()) {
                (a, s)
            } else {
                best
            }
        })
        .0
}

/// The angle (degrees, positive when the rules fall to the right) of a page's printed rules
/// when they are askew; `None` when there are none, or they are level already.
pub(crate) fn skew(grey: &Grey) -> Option<f32> {
    if grey.width.min(grey.height) < MIN_SIDE {
        return None;
    }
    let ink = Ink::of(grey);
    if rules_at(&ink, 0.0) > 0 {
        return None;
    }
    let coarse = sharpest(&ink, 0.0, MAX_DEGREES, COARSE_STEP);
    let fine = sharpest(&ink, coarse, COARSE_STEP, FINE_STEP);
    (fine.abs() >= LEVEL_DEGREES && rules_at(&ink, fine) >= MIN_RULES).then_some(fine)
}

/// `grey` turned by `-degrees` about its centre (bilinear; what comes in from outside the
/// picture is [`OUTSIDE`]), so that lines at `degrees` become level.
pub(crate) fn turn(grey: &Grey, degrees: f32) -> Grey {
    let (w, h) = (grey.width, grey.height);
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (cx, cy) = ((w as f32 - 1.0) / 2.0, (h as f32 - 1.0) / 2.0);
    let sample = |x: f32, y: f32| -> f32 {
        if !(x >= 0.0 && y >= 0.0 && x <= (w - 1) as f32 && y <= (h - 1) as f32) {
            return OUTSIDE;
        }
        let (x0, y0) = (x as usize, y as usize);
        let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
        let (fx, fy) = (x - x0 as f32, y - y0 as f32);
        let top = grey.at(x0, y0) + (grey.at(x1, y0) - grey.at(x0, y0)) * fx;
        let bottom = grey.at(x0, y1) + (grey.at(x1, y1) - grey.at(x0, y1)) * fx;
        top + (bottom - top) * fy
    };
    let pixels = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x as f32 - cx, y as f32 - cy)))
        .map(|(dx, dy)| sample(cx + cos * dx - sin * dy, cy + sin * dx + cos * dy))
        .collect();
    Grey {
        width: w,
        height: h,
        pixels,
    }
}

/// Turns a page whose rules are askew back to level; returns the angle it was turned by. Its
/// corners are then [`OUTSIDE`] until [`clear_outside`].
pub(crate) fn straighten(grey: &mut Grey) -> Option<f32> {
    let degrees = skew(grey)?;
    *grey = turn(grey, degrees);
    Some(degrees)
}

/// Makes what came from outside the picture background.
pub(crate) fn clear_outside(grey: &mut Grey) {
    for v in grey.pixels.iter_mut().filter(|v| v.is_nan()) {
        *v = 0.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 300x240 page (ink bright): rules 2 px thick every 24 px and a margin 3 px wide at
    /// x = 40, all turned by `degrees`, with a pen stroke (a thick upright bar) in the middle.
    fn page(degrees: f32) -> Grey {
        let (w, h) = (300, 240);
        let (sin, cos) = degrees.to_radians().sin_cos();
        let (cx, cy) = ((w as f32 - 1.0) / 2.0, (h as f32 - 1.0) / 2.0);
        let mut pixels = vec![0.0; w * h];
        for y in 0..h {
            for x in 0..w {
                // Where this pixel was on the level page.
                let (dx, dy) = (x as f32 - cx, y as f32 - cy);
                let (lx, ly) = (cos * dx + sin * dy + cx, -sin * dx + cos * dy + cy);
                let rule = ly.rem_euclid(24.0) < 2.0 || (40.0..43.0).contains(&lx);
                let stroke = (140.0..150.0).contains(&lx) && (60.0..180.0).contains(&ly);
                pixels[y * w + x] = if stroke {
                    255.0
                } else if rule {
                    110.0
                } else {
                    0.0
                };
            }
        }
        Grey {
            width: w,
            height: h,
            pixels,
        }
    }

    #[test]
    fn the_angle_of_askew_rules_is_found_either_way() {
        for degrees in [-9.0, -4.0, 3.0, 7.5, 12.0] {
            let found = skew(&page(degrees)).expect("askew rules");
            assert!((found - degrees).abs() <= 0.15, "{found} for {degrees}");
        }
    }

    #[test]
    fn a_straightened_page_has_level_rules_and_an_upright_stroke() {
        let mut askew = page(6.0);
        assert_eq!(
            rules_at(&Ink::of(&askew), 0.0),
            0,
            "rules.rs would not see them"
        );
        assert!(straighten(&mut askew).is_some());
        assert!(
            rules_at(&Ink::of(&askew), 0.0) >= 8,
            "level rules after straightening"
        );
        // The stroke's columns: upright again, so the same ones at its top and bottom.
        let inked = |y: usize| {
            (0..askew.width)
                .filter(|&x| askew.at(x, y) > 200.0)
                .collect::<Vec<_>>()
        };
        let (top, bottom) = (inked(70), inked(170));
        assert!(!top.is_empty());
        assert!(top.first().unwrap().abs_diff(*bottom.first().unwrap()) <= 1);
    }

    #[test]
    fn level_rules_a_digit_alone_and_a_small_image_are_left_as_they_are() {
        assert_eq!(skew(&page(0.0)), None, "level: rules.rs takes them");
        assert_eq!(skew(&page(0.3)), None, "as good as level");
        // A slanted pen stroke alone, however long, is no rule: it is too thick.
        let mut stroke = page(8.0);
        for v in stroke.pixels.iter_mut() {
            if *v < 200.0 {
                *v = 0.0;
            }
        }
        assert_eq!(skew(&stroke), None);
        let small = Grey {
            width: 40,
            height: 40,
            pixels: vec![0.0; 1600],
        };
        assert_eq!(skew(&small), None);
    }
}
