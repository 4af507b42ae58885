//! The image every preprocessing step works on: grey levels, row-major.

/// A grey image, row-major, values in [0, 255] (0 = background, 255 = ink once normalised).
#[derive(Debug, Clone, PartialEq)]
pub struct Grey {
    pub width: usize,
    pub height: usize,
    pub pixels: Vec<f32>,
}

impl Grey {
    pub(crate) fn at(&self, x: usize, y: usize) -> f32 {
        self.pixels[y * self.width + x]
    }

    /// The image as 8-bit grey levels (rounded, clamped to 0..=255); an empty one is a single
    /// black pixel.
    pub(crate) fn to_image(&self) -> image::GrayImage {
        let pixels: Vec<u8> = self
            .pixels
            .iter()
            .map(|v| v.round().clamp(0.0, 255.0) as u8)
            .collect();
        image::GrayImage::from_raw(self.width as u32, self.height as u32, pixels)
            .filter(|image| image.width() > 0 && image.height() > 0)
            .unwrap_or_else(|| image::GrayImage::new(1, 1))
    }

    /// The part inside `(x0, y0, x1, y1)` (exclusive ends).
    pub(crate) fn crop(&self, (x0, y0, x1, y1): (usize, usize, usize, usize)) -> Grey {
        Grey {
            width: x1 - x0,
            height: y1 - y0,
            pixels: (y0..y1)
                .flat_map(|y| (x0..x1).map(move |x| (x, y)))
                .map(|(x, y)| self.at(x, y))
                .collect(),
        }
    }
}
