//! Preparing a picture for a Fashion-MNIST model, as Fashion-MNIST's own images were made from
//! product photos: the item made bright on black, the background's light taken away, cropped to
//! the item, stretched to full brightness, its longer side scaled to 28 px (aspect kept) and
//! centred in the 28x28 frame (a picture that is already 28x28 is taken as the frame it is). No
//! number splitting, no stroke widths, no 20 px box: a garment fills its frame, a digit does not.
use image::imageops::{self, FilterType};
use image::{DynamicImage, GrayImage, Luma};
use mnist_data::{IMAGE_PIXELS, IMAGE_SIDE};

use crate::grey::Grey;

/// Pixels fainter than this share of the brightest one are background when cropping.
const CROP_LEVEL: f32 = 0.05;

/// The item of `image` as 28x28 grey levels (0 = background), as Fashion-MNIST's; `None` for
/// a picture with nothing on it.
pub fn prepare_item(image: &DynamicImage) -> Option<[u8; IMAGE_PIXELS]> {
    let mut grey = crate::preprocess::to_grey(image);
    if grey.width == 0 || grey.height == 0 {
        return None;
    }
    if border_median(&grey) > 127.5 {
        grey.pixels.iter_mut().for_each(|v| *v = 255.0 - *v);
    }
    if (grey.width, grey.height) == (IMAGE_SIDE, IMAGE_SIDE) {
        // Already a 28x28 frame (a Fashion-MNIST image itself): nothing to crop or scale.
        take_off_level(&mut grey);
        item_box(&grey)?;
        return Some(fit_frame(&grey));
    }
    take_off_lighting(&mut grey);
    let mut crop = grey.crop(item_box(&grey)?);
    stretch_to_full(&mut crop);
    Some(fit_frame(&crop))
}

/// Fashion-MNIST's items are bright on black, as its photos' white backgrounds inverted (the
/// border decides, above: an item may cover most of the picture, never most of its border).
/// A frame's background level (the border's median) is taken off, so the background is 0.
fn take_off_level(grey: &mut Grey) {
    let median = border_median(grey);
    let background = median.min(255.0 - median);
    grey.pixels
        .iter_mut()
        .for_each(|v| *v = (*v - background).max(0.0));
}

/// A photo's background is never evenly lit (a floor, a table): its light, a plane fitted
/// through the border's background pixels (those below Otsu's threshold of the whole picture,
/// so an item reaching the border does not tilt it), is taken off. Not the digits' division by
/// the paper's envelope: a garment is wider than any window that would leave it whole.
fn take_off_lighting(grey: &mut Grey) {
    let (w, h) = (grey.width, grey.height);
    let threshold = crate::preprocess::otsu(&grey.pixels);
    let border: Vec<(f32, f32, f32)> = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .filter(|&(x, y)| x == 0 || y == 0 || x + 1 == w || y + 1 == h)
        .map(|(x, y)| (x as f32, y as f32, grey.at(x, y)))
        .filter(|&(_, _, v)| v < threshold)
        .collect();
    let Some([a, b, c]) = crate::preprocess::fit_plane(&border) else {
        take_off_level(grey);
        return;
    };
    for y in 0..h {
        for x in 0..w {
            let background = (a + b * x as f64 + c * y as f64) as f32;
            let v = &mut grey.pixels[y * w + x];
            *v = (*v - background).max(0.0);
        }
    }
}

fn border_median(grey: &Grey) -> f32 {
    let (w, h) = (grey.width, grey.height);
    let mut border: Vec<f32> = (0..h)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .filter(|&(x, y)| x == 0 || y == 0 || x + 1 == w || y + 1 == h)
        .map(|(x, y)| grey.at(x, y))
        .collect();
    border.sort_by(f32::total_cmp);
    border[border.len() / 2]
}

/// Fashion-MNIST's items reach full brightness (its photos were stretched to full range): the
/// item's brightest part (its 99th percentile, so a speck does not decide) is brought to 255.
fn stretch_to_full(item: &mut Grey) {
    let mut lit: Vec<f32> = item.pixels.iter().copied().filter(|&v| v > 0.0).collect();
    if lit.is_empty() {
        return;
    }
    let k = (lit.len() - 1) * 99 / 100;
    let (_, &mut top, _) = lit.select_nth_unstable_by(k, f32::total_cmp);
    if top > 0.0 {
        item.pixels
            .iter_mut()
            .for_each(|v| *v = (*v * 255.0 / top).min(255.0));
    }
}

/// The box `(x0, y0, x1, y1)` (exclusive ends) of the pixels brighter than `CROP_LEVEL` of the
/// brightest; `None` when the picture is black.
fn item_box(grey: &Grey) -> Option<(usize, usize, usize, usize)> {
    let peak = grey.pixels.iter().copied().fold(0.0, f32::max);
    if peak < 1.0 {
        return None;
    }
    let level = CROP_LEVEL * peak;
    let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
    for y in 0..grey.height {
        for x in 0..grey.width {
            if grey.at(x, y) > level {
                (x0, y0) = (x0.min(x), y0.min(y));
                (x1, y1) = (x1.max(x + 1), y1.max(y + 1));
            }
        }
    }
    (x1 > x0).then_some((x0, y0, x1, y1))
}

/// The item with its longer side scaled to 28 px, pasted in the middle of the 28x28 frame.
fn fit_frame(crop: &Grey) -> [u8; IMAGE_PIXELS] {
    let image = crop.to_image();
    let (w, h) = image.dimensions();
    let side = IMAGE_SIDE as u32;
    let scale = side as f32 / w.max(h) as f32;
    let (nw, nh) = (
        ((w as f32 * scale).round() as u32).clamp(1, side),
        ((h as f32 * scale).round() as u32).clamp(1, side),
    );
    let scaled = if (nw, nh) == (w, h) {
        image
    } else {
        imageops::resize(&image, nw, nh, FilterType::Triangle)
    };
    let mut frame = GrayImage::from_pixel(side, side, Luma([0]));
    imageops::overlay(
        &mut frame,
        &scaled,
        i64::from((side - nw) / 2),
        i64::from((side - nh) / 2),
    );
    let mut out = [0u8; IMAGE_PIXELS];
    out.copy_from_slice(frame.as_raw());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fashion_mnist_image_comes_back_as_it_was() {
        // An item that fills its frame top to bottom, bright on black, as Fashion-MNIST's.
        let mut pixels = [0u8; IMAGE_PIXELS];
        for y in 0..28 {
            for x in 8..20 {
                pixels[y * 28 + x] = 100 + (x as u8) * 5;
            }
        }
        let image = DynamicImage::ImageLuma8(GrayImage::from_raw(28, 28, pixels.to_vec()).unwrap());
        assert_eq!(prepare_item(&image), Some(pixels));
    }

    #[test]
    fn a_dark_garment_photographed_on_white_fills_its_frame() {
        let mut photo = GrayImage::from_pixel(200, 100, Luma([235]));
        for y in 10..90 {
            for x in 60..100 {
                photo.put_pixel(x, y, Luma([40]));
            }
        }
        let item = prepare_item(&DynamicImage::ImageLuma8(photo)).unwrap();
        // Taller than wide: 28 px high, 14 wide, in the middle.
        let column = |x: usize| (0..28).map(|y| item[y * 28 + x]).max().unwrap();
        let row = |y: usize| (0..28).map(|x| item[y * 28 + x]).max().unwrap();
        assert!(row(0) > 150 && row(27) > 150, "touches top and bottom");
        assert_eq!(column(6), 0);
        assert!(
            column(7) > 150 && column(20) > 150 && column(21) == 0,
            "{item:?}"
        );
        assert!(item[14 * 28 + 14] > 150, "bright on black");
        assert_eq!(
            prepare_item(&DynamicImage::ImageLuma8(GrayImage::from_pixel(
                50,
                50,
                Luma([240])
            ))),
            None
        );
    }
}
