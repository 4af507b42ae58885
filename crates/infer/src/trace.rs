//! Where the preprocessing notes the picture each step leaves (`steps.rs` turns them on).

use mnist_data::{IMAGE_PIXELS, IMAGE_SIDE};

use crate::grey::Grey;

/// One step's picture: its name and the image as that step left it (0..255).
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub name: &'static str,
    pub image: Grey,
}

/// Where the pipeline notes its steps; a trace that is off costs nothing.
pub(crate) struct Trace(Option<Vec<Step>>);

impl Trace {
    pub(crate) fn off() -> Self {
        Trace(None)
    }

    pub(crate) fn on() -> Self {
        Trace(Some(Vec::new()))
    }

    /// The steps noted, in order (none when off).
    pub(crate) fn into_steps(self) -> Vec<Step> {
        self.0.unwrap_or_default()
    }

    /// The picture after step `name` (copied only when the trace is on).
    pub(crate) fn note(&mut self, name: &'static str, image: &Grey) {
        if let Some(steps) = &mut self.0 {
            steps.push(Step {
                name,
                image: image.clone(),
            });
        }
    }

    /// The 28x28 digit after step `name`.
    pub(crate) fn note_digit(&mut self, name: &'static str, digit: &[u8; IMAGE_PIXELS]) {
        if let Some(steps) = &mut self.0 {
            steps.push(Step {
                name,
                image: Grey {
                    width: IMAGE_SIDE,
                    height: IMAGE_SIDE,
                    pixels: digit.iter().map(|&v| f32::from(v)).collect(),
                },
            });
        }
    }
}
