//! Reading an image file into pixels: format by content, size limits, EXIF orientation.

use std::io::Cursor;
use std::path::Path;

use image::error::{ImageError, LimitErrorKind};
use image::{DynamicImage, ImageDecoder, ImageReader, Limits};

use crate::error::InferError;

/// The largest width or height accepted: beyond any camera, far below a decompression bomb.
pub const MAX_SIDE: u32 = 12_000;
/// The most memory one decode may allocate.
pub const MAX_ALLOC: u64 = 512 * 1024 * 1024;

/// Decodes the file at `path`, whatever its extension says, and applies its EXIF orientation.
pub fn decode_file(path: &Path) -> Result<DynamicImage, InferError> {
    let meta = std::fs::metadata(path).map_err(|source| match source.kind() {
        std::io::ErrorKind::NotFound => InferError::NotFound(path.to_path_buf()),
        _ => InferError::Io {
            path: path.to_path_buf(),
            cause: source,
        },
    })?;
    if meta.is_dir() {
        return Err(InferError::IsDirectory(path.to_path_buf()));
    }
    let bytes = std::fs::read(path).map_err(|source| InferError::Io {
        path: path.to_path_buf(),
        cause: source,
    })?;
    decode_bytes(&bytes, path)
}

/// Decodes image bytes; `path` only names the source in errors.
pub fn decode_bytes(bytes: &[u8], path: &Path) -> Result<DynamicImage, InferError> {
    if bytes.is_empty() {
        return Err(InferError::Empty(path.to_path_buf()));
    }
    let mut reader = ImageReader::new(Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|source| InferError::Io {
            path: path.to_path_buf(),
            cause: source,
        })?;
    let Some(format) = reader.format() else {
        return Err(InferError::UnsupportedFormat(path.to_path_buf()));
    };
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_ALLOC);
    reader.limits(limits);

    let fail = |e: ImageError| match e {
        ImageError::Limits(l) => match l.kind() {
            LimitErrorKind::DimensionError | LimitErrorKind::InsufficientMemory => {
                InferError::TooLarge {
                    path: path.to_path_buf(),
                    message: format!(
                        "{l}; at most {MAX_SIDE}x{MAX_SIDE} pixels and {} MiB",
                        MAX_ALLOC >> 20
                    ),
                }
            }
            _ => InferError::UnsupportedFormat(path.to_path_buf()),
        },
        ImageError::Unsupported(_) => InferError::UnsupportedFormat(path.to_path_buf()),
        other => InferError::Decode {
            path: path.to_path_buf(),
            format: format!("{format:?}").to_uppercase(),
            message: other.to_string(),
        },
    };
    let mut decoder = reader.into_decoder().map_err(fail)?;
    let orientation = decoder.orientation().ok();
    let mut image = DynamicImage::from_decoder(decoder).map_err(fail)?;
    if let Some(orientation) = orientation {
        image.apply_orientation(orientation);
    }
    Ok(image)
}
