//! Pixel normalisation shared by training and inference: 0..=255 grey levels -> [0, 1] floats.

/// Scales one grey level (0 = background, 255 = ink, as MNIST stores them) to [0, 1].
pub fn normalize_pixel(value: u8) -> f32 {
    f32::from(value) / 255.0
}

/// Scales every pixel of an image with [`normalize_pixel`].
pub fn normalize_image(pixels: &[u8]) -> Vec<f32> {
    pixels.iter().copied().map(normalize_pixel).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_the_ends_and_the_middle() {
        assert_eq!(normalize_pixel(0), 0.0);
        assert_eq!(normalize_pixel(255), 1.0);
        assert!((normalize_pixel(51) - 0.2).abs() < 1e-7);
        assert_eq!(normalize_image(&[0, 255]), vec![0.0, 1.0]);
    }
}
