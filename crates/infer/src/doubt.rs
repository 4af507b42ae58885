//! Why an answer is "not sure": the network's answer is weak, or what it was shown does not
//! look like a handwritten digit (a solid blob of ink rather than strokes, or many separate
//! pieces).

use mnist_data::{IMAGE_PIXELS, IMAGE_SIDE};

/// A pixel of a preprocessed digit counts as ink from this grey level up (half of full ink).
const INK: u8 = 128;

/// The largest share of the ink that may lie deep inside it (its whole 5x5 neighbourhood ink):
/// strokes are a few pixels wide, so little of them does. MNIST's 10,000 test digits: at most
/// 40.2% (99.9th percentile 20.9%, median 0); digits-dev's, preprocessed: at most 26.5%. A
/// filled ellipse or square, preprocessed: 46-64%.
pub const MAX_SOLID_SHARE: f32 = 0.42;

/// How far inside the ink a pixel must be to count as solid: its (2R+1)x(2R+1) neighbourhood
/// is all ink.
const SOLID_RADIUS: isize = 2;

/// The most separate pieces of ink (each at least [`MIN_PIECE_SHARE`] of the ink) a digit may
/// have. MNIST's test digits: 99.6% are one or two pieces, 14 of 10,000 four or more;
/// digits-dev's: one of 1,000.
pub const MAX_PIECES: usize = 3;

/// Pieces smaller than this share of the ink are specks, not counted.
const MIN_PIECE_SHARE: f32 = 0.05;

/// What makes an answer doubtful.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Doubt {
    /// The top probability is below the threshold (`--min-confidence`).
    Weak,
    /// This share of the ink lies deep inside it: a solid blob, not strokes.
    Solid(f32),
    /// The ink is in this many separate pieces.
    Pieces(usize),
}

impl Doubt {
    /// A few words for the answer's line and JSON (`"doubt"`).
    pub fn reason(&self) -> String {
        match self {
            Doubt::Weak => "weak answer".to_string(),
            Doubt::Solid(_) => "a solid blob of ink, not strokes".to_string(),
            Doubt::Pieces(count) => format!("ink in {count} separate pieces"),
        }
    }
}

/// Whether a preprocessed 28x28 digit (0 = background) looks unlike a handwritten digit, and
/// why; `None` when it looks like one.
pub fn shape_doubt(digit: &[u8; IMAGE_PIXELS]) -> Option<Doubt> {
    let ink: Vec<bool> = digit.iter().map(|&v| v >= INK).collect();
    let inked = ink.iter().filter(|&&i| i).count();
    if inked == 0 {
        return None;
    }
    let solid = solid_pixels(&ink) as f32 / inked as f32;
    if solid > MAX_SOLID_SHARE {
        return Some(Doubt::Solid(solid));
    }
    let min_piece = (MIN_PIECE_SHARE * inked as f32).ceil() as usize;
    let pieces = piece_sizes(&ink)
        .into_iter()
        .filter(|&size| size >= min_piece)
        .count();
    (pieces > MAX_PIECES).then_some(Doubt::Pieces(pieces))
}

/// How many ink pixels have only ink within [`SOLID_RADIUS`] (outside the picture is paper).
fn solid_pixels(ink: &[bool]) -> usize {
    let side = IMAGE_SIDE as isize;
    let is_ink = |y: isize, x: isize| {
        (0..side).contains(&y) && (0..side).contains(&x) && ink[(y * side + x) as usize]
    };
    let r = SOLID_RADIUS;
    (0..side)
        .flat_map(|y| (0..side).map(move |x| (y, x)))
        .filter(|&(y, x)| (-r..=r).all(|dy| (-r..=r).all(|dx| is_ink(y + dy, x + dx))))
        .count()
}

/// The sizes of the 8-connected pieces of ink in a 28x28 mask.
fn piece_sizes(ink: &[bool]) -> Vec<usize> {
    let mut seen = vec![false; ink.len()];
    let mut sizes = Vec::new();
    let mut stack = Vec::new();
    for start in 0..ink.len() {
        if !ink[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let mut size = 0;
        while let Some(at) = stack.pop() {
            size += 1;
            for next in neighbours(at) {
                if ink[next] && !seen[next] {
                    seen[next] = true;
                    stack.push(next);
                }
            }
        }
        sizes.push(size);
    }
    sizes
}

/// The up to eight pixels around pixel `at` of a 28x28 picture.
fn neighbours(at: usize) -> impl Iterator<Item = usize> {
    let (y, x) = ((at / IMAGE_SIDE) as isize, (at % IMAGE_SIDE) as isize);
    let side = IMAGE_SIDE as isize;
    (-1..=1)
        .flat_map(move |dy| (-1..=1).map(move |dx| (y + dy, x + dx)))
        .filter(move |&(ny, nx)| {
            (ny, nx) != (y, x) && (0..side).contains(&ny) && (0..side).contains(&nx)
        })
        .map(move |(ny, nx)| (ny * side + nx) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 28x28 picture with full ink where `inked(y, x)`.
    fn picture(inked: impl Fn(usize, usize) -> bool) -> [u8; IMAGE_PIXELS] {
        std::array::from_fn(|i| {
            if inked(i / IMAGE_SIDE, i % IMAGE_SIDE) {
                255
            } else {
                0
            }
        })
    }

    #[test]
    fn a_stroke_is_a_digit_a_filled_box_and_scattered_dots_are_not() {
        let stroke = picture(|y, x| (4..24).contains(&y) && (13..16).contains(&x));
        assert_eq!(shape_doubt(&stroke), None);
        // A 6-pixel-wide bar: a thick stroke, not a blob (2 of its 6 columns are solid).
        let bar = picture(|y, x| (4..24).contains(&y) && (11..17).contains(&x));
        assert_eq!(shape_doubt(&bar), None);
        let filled = picture(|y, x| (4..24).contains(&y) && (4..24).contains(&x));
        assert!(matches!(shape_doubt(&filled), Some(Doubt::Solid(s)) if s > 0.6));
        // Five 3x3 dots, apart from one another; a one-pixel speck does not count.
        let dots = picture(|y, x| {
            [(4, 4), (4, 20), (12, 12), (20, 4), (20, 20)]
                .iter()
                .any(|&(cy, cx)| (cy..cy + 3).contains(&y) && (cx..cx + 3).contains(&x))
                || (y, x) == (26, 26)
        });
        assert_eq!(shape_doubt(&dots), Some(Doubt::Pieces(5)));
        // Two pieces, as a broken 4 or a 5 whose top is lifted, are a digit.
        let two = picture(|y, x| (4..24).contains(&y) && (x == 8 || x == 18));
        assert_eq!(shape_doubt(&two), None);
        assert_eq!(shape_doubt(&[0; IMAGE_PIXELS]), None);
    }
}
