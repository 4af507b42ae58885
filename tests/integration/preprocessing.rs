//! MNIST-style preprocessing of people's images: placement, polarity, alpha, backgrounds.

use image::{DynamicImage, GrayImage, Luma, Rgba, RgbaImage};
use infer::preprocess;

/// Draws a thick "7"-like digit: dark ink (20) on light paper (235) in a `w` x `h` image, its
/// top-left corner at (x, y) and `size` pixels tall.
fn draw_seven(w: u32, h: u32, x: u32, y: u32, size: u32) -> GrayImage {
    let mut img = GrayImage::from_pixel(w, h, Luma([235]));
    let t = (size / 8).max(2);
    for i in 0..size {
        for j in 0..t {
            // The top bar.
            img.put_pixel(x + i * 3 / 4, y + j, Luma([20]));
            // The diagonal from the bar's right end down to the bottom.
            let dx = x + size * 3 / 4 - i * 2 / 5 + j;
            img.put_pixel(dx.min(w - 1), y + i, Luma([20]));
        }
    }
    img
}

fn centre_of_mass(digit: &[u8; 784]) -> (f64, f64) {
    let (mut m, mut cx, mut cy) = (0.0, 0.0, 0.0);
    for (i, &v) in digit.iter().enumerate() {
        let v = f64::from(v);
        m += v;
        cx += (i % 28) as f64 * v;
        cy += (i / 28) as f64 * v;
    }
    (cx / m, cy / m)
}

fn ink_box(digit: &[u8; 784]) -> (usize, usize) {
    let ink: Vec<usize> = (0..784).filter(|&i| digit[i] > 0).collect();
    let xs = ink.iter().map(|i| i % 28);
    let ys = ink.iter().map(|i| i / 28);
    (
        xs.clone().max().unwrap() - xs.min().unwrap() + 1,
        ys.clone().max().unwrap() - ys.min().unwrap() + 1,
    )
}

#[test]
fn an_off_centre_dark_digit_in_a_wide_image_is_boxed_and_centred_by_mass() {
    let image = DynamicImage::ImageLuma8(draw_seven(400, 150, 280, 10, 120));
    let digit = preprocess(&image).expect("a digit");
    // MNIST's centre: its own digits have their centre of mass at pixel (14, 14) on average.
    let (cx, cy) = centre_of_mass(&digit);
    let centre = f64::from(infer::preprocess::MNIST_CENTRE);
    assert!(
        (cx - centre).abs() <= 0.5 && (cy - centre).abs() <= 0.5,
        "centre of mass ({cx}, {cy})"
    );
    let (w, h) = ink_box(&digit);
    assert!(w <= 20 && h <= 20, "box {w}x{h}");
    assert_eq!(h, 20, "the longer side fills the 20 px box");
    // Ink is bright: MNIST's polarity.
    assert_eq!(digit.iter().copied().max(), Some(255));
    assert_eq!(digit[0], 0);
}

#[test]
fn inverted_and_plain_versions_give_the_same_digit() {
    let dark_on_light = draw_seven(200, 160, 30, 20, 110);
    let mut light_on_dark = dark_on_light.clone();
    light_on_dark
        .pixels_mut()
        .for_each(|p| p.0[0] = 255 - p.0[0]);
    let a = preprocess(&DynamicImage::ImageLuma8(dark_on_light)).unwrap();
    let b = preprocess(&DynamicImage::ImageLuma8(light_on_dark)).unwrap();
    assert_eq!(a, b);
}

#[test]
fn ink_stored_only_in_the_alpha_channel_is_read_as_ink() {
    let opaque = draw_seven(200, 160, 30, 20, 110);
    // A canvas export: every pixel black, the ink's darkness in alpha, paper transparent.
    let canvas = RgbaImage::from_fn(200, 160, |x, y| {
        Rgba([0, 0, 0, 255 - opaque.get_pixel(x, y).0[0]])
    });
    let from_alpha = preprocess(&DynamicImage::ImageRgba8(canvas)).expect("ink found");
    let from_opaque = preprocess(&DynamicImage::ImageLuma8(opaque)).unwrap();
    let differing = from_alpha
        .iter()
        .zip(&from_opaque)
        .filter(|(a, b)| a.abs_diff(**b) > 2)
        .count();
    assert!(differing <= 5, "{differing} pixels differ");
}

#[test]
fn grey_paper_with_uneven_light_is_flattened() {
    // Paper from 120 to 200 across the page (a lamp on one side), ink 30 levels darker.
    let base = draw_seven(300, 200, 150, 40, 120);
    let photo = GrayImage::from_fn(300, 200, |x, y| {
        let paper = 120.0 + 80.0 * x as f32 / 300.0;
        let v = if base.get_pixel(x, y).0[0] < 128 {
            paper - 60.0
        } else {
            paper
        };
        Luma([v as u8])
    });
    let digit = preprocess(&DynamicImage::ImageLuma8(photo)).expect("a digit");
    let clean = preprocess(&DynamicImage::ImageLuma8(base)).unwrap();
    // The paper is gone: the digit occupies the same pixels as on clean paper.
    let ink = |d: &[u8; 784]| d.iter().map(|&v| v > 64).collect::<Vec<_>>();
    let same = ink(&digit)
        .iter()
        .zip(ink(&clean))
        .filter(|(a, b)| **a == *b)
        .count();
    assert!(same >= 784 - 10, "{} pixels differ", 784 - same);
}

#[test]
fn blank_and_flat_images_have_no_digit() {
    for image in [
        DynamicImage::ImageLuma8(GrayImage::from_pixel(50, 50, Luma([255]))),
        DynamicImage::ImageLuma8(GrayImage::from_pixel(50, 50, Luma([0]))),
        DynamicImage::ImageLuma8(GrayImage::from_fn(64, 64, |x, _| {
            Luma([100 + (x % 3) as u8])
        })),
        DynamicImage::ImageRgba8(RgbaImage::from_pixel(30, 30, Rgba([0, 0, 0, 0]))),
        DynamicImage::ImageLuma8(GrayImage::new(1, 1)),
    ] {
        assert!(preprocess(&image).is_none());
    }
}
