//! What each step of the preprocessing made of an image, as pictures (`infer --save-steps`):
//! the same code path as [`crate::preprocess`], with each step's image noted on the way.

use image::imageops::{self, FilterType};
use image::{DynamicImage, GrayImage, Luma};
use mnist_data::IMAGE_PIXELS;

use crate::grey::Grey;
use crate::trace::{Step, Trace};

/// Every step of reading `image` as one digit, in order, and the digit itself (`None` when no
/// ink was found: the steps then end where the ink ran out).
pub fn preprocess_steps(image: &DynamicImage) -> (Vec<Step>, Option<[u8; IMAGE_PIXELS]>) {
    let mut trace = Trace::on();
    let digit = crate::preprocess::traced(image, &mut trace);
    (trace.into_steps(), digit)
}

/// The side of each step's square in [`steps_strip`].
pub const STRIP_CELL: u32 = 168;
/// The gap between squares.
const GAP: u32 = 8;

/// The steps side by side on a mid-grey strip, each scaled to fit a `STRIP_CELL` square (aspect
/// kept; small images enlarged by whole pixels, so the 28x28 digit shows its pixels).
pub fn steps_strip(steps: &[Step]) -> GrayImage {
    let count = steps.len().max(1) as u32;
    let width = count * STRIP_CELL + (count + 1) * GAP;
    let mut strip = GrayImage::from_pixel(width, STRIP_CELL + 2 * GAP, Luma([128]));
    for (i, step) in steps.iter().enumerate() {
        let cell = fit_cell(&step.image);
        let x = GAP + i as u32 * (STRIP_CELL + GAP) + (STRIP_CELL - cell.width()) / 2;
        let y = GAP + (STRIP_CELL - cell.height()) / 2;
        imageops::overlay(&mut strip, &cell, i64::from(x), i64::from(y));
    }
    strip
}

/// One step's image scaled to fit the cell.
fn fit_cell(grey: &Grey) -> GrayImage {
    let image = grey.to_image();
    let (w, h) = image.dimensions();
    let longer = w.max(h);
    if longer <= STRIP_CELL / 2 {
        let k = STRIP_CELL / longer;
        imageops::resize(&image, w * k, h * k, FilterType::Nearest)
    } else {
        let (nw, nh) = (
            (w * STRIP_CELL / longer).max(1),
            (h * STRIP_CELL / longer).max(1),
        );
        imageops::resize(&image, nw, nh, FilterType::Triangle)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_steps_end_in_the_digit_preprocess_gives() {
        let mut page = GrayImage::from_pixel(120, 90, Luma([230]));
        for y in 20..70 {
            for x in 55..63 {
                page.put_pixel(x, y, Luma([20]));
            }
        }
        let image = DynamicImage::ImageLuma8(page);
        let (steps, digit) = preprocess_steps(&image);
        let names: Vec<&str> = steps.iter().map(|s| s.name).collect();
        assert_eq!(names.first(), Some(&"grey"));
        assert_eq!(names.last(), Some(&"centred by mass in 28x28"));
        assert!(names.len() >= 7, "{names:?}");
        assert_eq!(digit, crate::preprocess(&image));
        let last = &steps[steps.len() - 1].image;
        let from_steps: Vec<u8> = last.pixels.iter().map(|&v| v as u8).collect();
        assert_eq!(Some(from_steps.as_slice()), digit.as_ref().map(|d| &d[..]));
        let strip = steps_strip(&steps);
        assert_eq!(strip.height(), STRIP_CELL + 2 * GAP);
        assert_eq!(strip.width(), steps.len() as u32 * (STRIP_CELL + GAP) + GAP);
    }
}
