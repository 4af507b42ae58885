//! Numbers: an image with several digits side by side is cut into one piece per digit, left to
//! right, each then prepared as MNIST's digits were.
//!
//! The ink's connected pieces are grouped into columns (pieces whose spans across the image
//! overlap belong to one digit: a 5's flag, a 4 written in two strokes); a column much wider
//! than the ink is tall is two touching digits, cut where its ink is thinnest; columns far
//! shorter than the tallest (a dot, a dash between digits) or with far less ink than the
//! inkiest (a faint trace) are not digits.

use crate::grey::Grey;

/// The most digits one image is read as.
pub const MAX_DIGITS: usize = 12;
/// Pieces whose spans overlap by this share of the narrower one are one digit.
const SAME_DIGIT_OVERLAP: f32 = 0.25;
/// A column at least this many times wider than the ink is tall holds touching digits.
const TOUCHING_ASPECT: f32 = 1.4;
/// Touching digits are cut only where the ink across the column is at most this share of the
/// column's median.
const CUT_SHARE: f32 = 0.5;
/// A column less than this share of the tallest column's height is not a digit.
const MIN_HEIGHT_SHARE: f32 = 0.35;
/// Nor is one with less than this share of the most ink any column has (a faint trace: what is
/// left of a blurred rule where it met a stroke); a 1 has a third of an 8's ink.
const MIN_MASS_SHARE: f32 = 0.15;

/// A column of ink: `[x0, x1)` and `[y0, y1)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Column {
    pub x0: usize,
    pub x1: usize,
    pub y0: usize,
    pub y1: usize,
}

impl Column {
    fn width(&self) -> usize {
        self.x1 - self.x0
    }
    fn height(&self) -> usize {
        self.y1 - self.y0
    }
    fn merge(&mut self, other: &Column) {
        self.x0 = self.x0.min(other.x0);
        self.x1 = self.x1.max(other.x1);
        self.y0 = self.y0.min(other.y0);
        self.y1 = self.y1.max(other.y1);
    }
    fn overlaps(&self, other: &Column) -> bool {
        let overlap = self.x1.min(other.x1).saturating_sub(self.x0.max(other.x0));
        let narrower = self.width().min(other.width()).max(1);
        overlap as f32 >= SAME_DIGIT_OVERLAP * narrower as f32
    }
}

/// The digits of `grey` (ink bright, specks dropped) as columns, left to right.
pub(crate) fn digit_columns(grey: &Grey) -> Vec<Column> {
    let mut columns = pieces(grey);
    columns.sort_by_key(|c| c.x0);
    let mut merged: Vec<Column> = Vec::new();
    for piece in columns {
        match merged.iter_mut().find(|c| c.overlaps(&piece)) {
            Some(column) => column.merge(&piece),
            None => merged.push(piece),
        }
    }
    // Merging can make two columns overlap that did not before: repeat until stable.
    loop {
        let mut changed = false;
        let mut i = 0;
        while i < merged.len() {
            let mut j = i + 1;
            while j < merged.len() {
                if merged[i].overlaps(&merged[j]) {
                    let other = merged.remove(j);
                    merged[i].merge(&other);
                    changed = true;
                } else {
                    j += 1;
                }
            }
            i += 1;
        }
        if !changed {
            break;
        }
    }
    let mass = |c: &Column| -> f32 {
        (c.y0..c.y1)
            .flat_map(|y| (c.x0..c.x1).map(move |x| (x, y)))
            .map(|(x, y)| grey.at(x, y))
            .sum()
    };
    let tall_enough = |columns: Vec<Column>| -> Vec<Column> {
        let tallest = columns.iter().map(Column::height).max().unwrap_or(0);
        let heaviest = columns.iter().map(mass).fold(0.0f32, f32::max);
        columns
            .into_iter()
            .filter(|c| c.height() as f32 >= MIN_HEIGHT_SHARE * tallest as f32)
            .filter(|c| mass(c) >= MIN_MASS_SHARE * heaviest)
            .collect()
    };
    // Short marks go before touching digits are cut (a dash must not make a column wide) and
    // again after (what a cut leaves of a stroke that ran into a digit is not a digit).
    let mut digits = tall_enough(
        tall_enough(merged)
            .into_iter()
            .flat_map(|c| split_touching(grey, c))
            .collect(),
    );
    digits.sort_by_key(|c| c.x0);
    digits
}

/// The bounding boxes of the 8-connected pieces of ink.
fn pieces(grey: &Grey) -> Vec<Column> {
    let (w, h) = (grey.width, grey.height);
    let mut seen = vec![false; w * h];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for start in 0..w * h {
        if seen[start] || grey.pixels[start] <= 0.0 {
            continue;
        }
        seen[start] = true;
        stack.push(start);
        let (x, y) = (start % w, start / w);
        let mut c = Column {
            x0: x,
            x1: x + 1,
            y0: y,
            y1: y + 1,
        };
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w, i / w);
            c.x0 = c.x0.min(x);
            c.x1 = c.x1.max(x + 1);
            c.y0 = c.y0.min(y);
            c.y1 = c.y1.max(y + 1);
            for ny in y.saturating_sub(1)..(y + 2).min(h) {
                for nx in x.saturating_sub(1)..(x + 2).min(w) {
                    let j = ny * w + nx;
                    if !seen[j] && grey.pixels[j] > 0.0 {
                        seen[j] = true;
                        stack.push(j);
                    }
                }
            }
        }
        out.push(c);
    }
    out
}

/// A column wider than [`TOUCHING_ASPECT`] times its height is cut, recursively, at the
/// thinnest ink in its middle part (between 30% and 70% of its width), when that is thin
/// enough ([`CUT_SHARE`]).
fn split_touching(grey: &Grey, column: Column) -> Vec<Column> {
    if (column.width() as f32) < TOUCHING_ASPECT * column.height() as f32 || column.width() < 4 {
        return vec![column];
    }
    let ink_in = |x: usize| -> f32 { (column.y0..column.y1).map(|y| grey.at(x, y)).sum() };
    let from = column.x0 + column.width() * 3 / 10;
    let to = column.x0 + column.width() * 7 / 10;
    let cut = (from..to.max(from + 1))
        .min_by(|&a, &b| ink_in(a).total_cmp(&ink_in(b)))
        .unwrap_or(from);
    // Two digits meet where there is much less ink than across a digit; a single wide digit
    // (a 4 lying on its side) has about as much ink everywhere, and is left whole.
    let mut across: Vec<f32> = (column.x0..column.x1).map(ink_in).collect();
    across.sort_by(f32::total_cmp);
    let typical = across[across.len() / 2];
    if ink_in(cut) > CUT_SHARE * typical {
        return vec![column];
    }
    let left = shrink(grey, Column { x1: cut, ..column });
    let right = shrink(grey, Column { x0: cut, ..column });
    match (left, right) {
        (Some(l), Some(r)) => {
            let mut out = split_touching(grey, l);
            out.extend(split_touching(grey, r));
            out
        }
        _ => vec![column],
    }
}

/// `column` shrunk to the ink inside it; `None` when it holds none.
fn shrink(grey: &Grey, column: Column) -> Option<Column> {
    let mut out: Option<Column> = None;
    for y in column.y0..column.y1 {
        for x in column.x0..column.x1 {
            if grey.at(x, y) > 0.0 {
                let pixel = Column {
                    x0: x,
                    x1: x + 1,
                    y0: y,
                    y1: y + 1,
                };
                match &mut out {
                    Some(c) => c.merge(&pixel),
                    None => out = Some(pixel),
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `w` x `h` image with ink in the given rectangles `(x0, y0, x1, y1)`.
    fn image(w: usize, h: usize, boxes: &[(usize, usize, usize, usize)]) -> Grey {
        let mut pixels = vec![0.0; w * h];
        for &(x0, y0, x1, y1) in boxes {
            for y in y0..y1 {
                for x in x0..x1 {
                    pixels[y * w + x] = 255.0;
                }
            }
        }
        Grey {
            width: w,
            height: h,
            pixels,
        }
    }

    #[test]
    fn separate_digits_are_columns_left_to_right_and_a_dash_is_not_a_digit() {
        // Two tall strokes, a short dash between them, and a flag above the second that is
        // a piece of its own but over the same columns.
        let grey = image(
            100,
            50,
            &[
                (10, 5, 16, 45),
                (40, 24, 52, 27),
                (70, 10, 76, 45),
                (66, 2, 80, 6),
            ],
        );
        let columns = digit_columns(&grey);
        assert_eq!(columns.len(), 2, "{columns:?}");
        assert_eq!((columns[0].x0, columns[0].x1), (10, 16));
        assert_eq!((columns[1].x0, columns[1].x1, columns[1].y0), (66, 80, 2));
    }

    #[test]
    fn touching_digits_are_cut_where_the_ink_is_thinnest() {
        // Two 25x30 blocks joined by a thin bridge at x 25..35: one piece, 60 wide, 30 tall.
        let grey = image(60, 30, &[(0, 0, 25, 30), (35, 0, 60, 30), (25, 15, 35, 16)]);
        let columns = digit_columns(&grey);
        assert_eq!(columns.len(), 2, "{columns:?}");
        assert_eq!(columns[0].x1, 25, "{columns:?}");
        assert!(columns[1].x0 >= 25 && columns[1].x1 == 60, "{columns:?}");
        // A single wide-enough-to-be-one digit is left alone.
        let one = image(60, 40, &[(5, 0, 45, 40)]);
        assert_eq!(digit_columns(&one).len(), 1);
        // So is a wide shape whose ink is about as thick everywhere (a long bar with strokes
        // across it, as a 4 lying on its side), although it is wider than tall.
        let lying = image(
            90,
            40,
            &[
                (0, 18, 90, 22),
                (2, 0, 6, 40),
                (40, 0, 44, 40),
                (84, 0, 88, 40),
            ],
        );
        assert_eq!(
            digit_columns(&lying).len(),
            1,
            "{:?}",
            digit_columns(&lying)
        );
    }
}
