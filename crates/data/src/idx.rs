//! The IDX file format (MNIST's): big-endian header, then unsigned bytes; gzip or raw.

use std::io::Read;
use std::path::Path;

use crate::error::DataError;

/// Magic number of an IDX file of unsigned-byte 3-D data (images).
pub const IMAGES_MAGIC: u32 = 0x0000_0803;
/// Magic number of an IDX file of unsigned-byte 1-D data (labels).
pub const LABELS_MAGIC: u32 = 0x0000_0801;

/// The images of one IDX file, row-major, `count * rows * cols` bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxImages {
    pub count: usize,
    pub rows: usize,
    pub cols: usize,
    pub pixels: Vec<u8>,
}

/// The largest IDX file accepted, compressed or not: MNIST's largest is 47 MB (60,000 images);
/// this allows sets several times that size and bounds what a gzip bomb can allocate.
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;

/// Reads a whole file, transparently gunzipping it when it starts with the gzip magic bytes.
fn read_maybe_gzip(path: &Path) -> Result<Vec<u8>, DataError> {
    let io = |source| DataError::Io {
        path: path.to_path_buf(),
        cause: source,
    };
    let size = std::fs::metadata(path).map_err(io)?.len();
    if size > MAX_FILE_BYTES {
        return Err(DataError::TooLarge {
            path: path.to_path_buf(),
            limit: MAX_FILE_BYTES,
        });
    }
    let raw = std::fs::read(path).map_err(io)?;
    if raw.starts_with(&[0x1f, 0x8b]) {
        // A gzip bomb must not take the machine's memory: stop one byte past the limit.
        let mut out = Vec::with_capacity((raw.len() * 4).min(MAX_FILE_BYTES as usize));
        flate2::read::MultiGzDecoder::new(raw.as_slice())
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut out)
            .map_err(io)?;
        if out.len() as u64 > MAX_FILE_BYTES {
            return Err(DataError::TooLarge {
                path: path.to_path_buf(),
                limit: MAX_FILE_BYTES,
            });
        }
        Ok(out)
    } else {
        Ok(raw)
    }
}

/// Reads big-endian u32 number `index` of the header, or reports truncation.
fn header_u32(
    path: &Path,
    bytes: &[u8],
    index: usize,
    header_len: usize,
) -> Result<u32, DataError> {
    let at = index * 4;
    match bytes.get(at..at + 4) {
        Some(b) => Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]])),
        None => Err(DataError::Truncated {
            path: path.to_path_buf(),
            expected: header_len,
            found: bytes.len(),
        }),
    }
}

fn check_magic(
    path: &Path,
    found: u32,
    expected: u32,
    kind: &'static str,
) -> Result<(), DataError> {
    if found == expected {
        Ok(())
    } else {
        Err(DataError::BadMagic {
            path: path.to_path_buf(),
            kind,
            expected,
            found,
        })
    }
}

/// Checks that the body after the header is exactly `expected` bytes long.
fn check_body(path: &Path, body: &[u8], expected: usize) -> Result<(), DataError> {
    let found = body.len();
    if found < expected {
        return Err(DataError::Truncated {
            path: path.to_path_buf(),
            expected,
            found,
        });
    }
    if found > expected {
        return Err(DataError::TrailingData {
            path: path.to_path_buf(),
            expected,
            found,
        });
    }
    Ok(())
}

/// Reads an IDX images file (magic 2051), checking the header against the data length.
pub fn read_idx_images(path: impl AsRef<Path>) -> Result<IdxImages, DataError> {
    let path = path.as_ref();
    let bytes = read_maybe_gzip(path)?;
    let magic = header_u32(path, &bytes, 0, 16)?;
    check_magic(path, magic, IMAGES_MAGIC, "images")?;
    let count = header_u32(path, &bytes, 1, 16)? as usize;
    let rows = header_u32(path, &bytes, 2, 16)? as usize;
    let cols = header_u32(path, &bytes, 3, 16)? as usize;
    let expected = count
        .checked_mul(rows)
        .and_then(|n| n.checked_mul(cols))
        .unwrap_or(usize::MAX);
    let body = &bytes[16..];
    check_body(path, body, expected)?;
    Ok(IdxImages {
        count,
        rows,
        cols,
        pixels: body.to_vec(),
    })
}

/// Reads an IDX labels file (magic 2049).
pub fn read_idx_labels(path: impl AsRef<Path>) -> Result<Vec<u8>, DataError> {
    let path = path.as_ref();
    let bytes = read_maybe_gzip(path)?;
    let magic = header_u32(path, &bytes, 0, 8)?;
    check_magic(path, magic, LABELS_MAGIC, "labels")?;
    let count = header_u32(path, &bytes, 1, 8)? as usize;
    let body = &bytes[8..];
    check_body(path, body, count)?;
    Ok(body.to_vec())
}
