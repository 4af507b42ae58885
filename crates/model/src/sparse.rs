//! A batch of images as a sparse matrix, and its products with dense matrices on the CPU.
//!
//! Four fifths of an MNIST digit's pixels are background, exactly 0.0 after scaling, so the
//! first layer's two big products (`images x W` forward, `images^T x dH` for W's gradient)
//! need only the ink pixels: a fifth of the arithmetic of a dense product. Each output element
//! is summed in the order of its row's stored entries, whatever the CPU or thread count, so the
//! results are the same on every x86 CPU (no fused multiply-add, which would round differently
//! where it exists).

use rayon::prelude::*;

/// A row-major matrix keeping only its non-zero entries (compressed sparse rows).
#[derive(Debug, Clone, PartialEq)]
pub struct SparseRows {
    rows: usize,
    cols: usize,
    /// Row `r`'s entries are `starts[r]..starts[r + 1]` of `indices` and `values`.
    starts: Vec<usize>,
    indices: Vec<u32>,
    values: Vec<f32>,
}

/// Output columns computed together: sixteen AVX-512 (or eight AVX) registers' worth.
const WIDE: usize = 64;
/// The columns left after the wide blocks, sixteen at a time (then one at a time).
const NARROW: usize = 16;

/// What happens to each sum of a product as it is stored: a bias added (one per column), then
/// ReLU (`v <= 0` becomes 0, as Burn's). The default stores the plain product.
#[derive(Debug, Clone, Copy, Default)]
pub struct Epilogue<'a> {
    pub bias: Option<&'a [f32]>,
    pub relu: bool,
}

impl Epilogue<'_> {
    /// `sums` (columns `first_col..`) as stored.
    #[inline(always)]
    fn apply(&self, sums: &mut [f32], first_col: usize) {
        if let Some(bias) = self.bias {
            for (s, b) in sums.iter_mut().zip(&bias[first_col..]) {
                *s += b;
            }
        }
        if self.relu {
            for s in sums.iter_mut() {
                *s = if *s <= 0.0 { 0.0 } else { *s };
            }
        }
    }
}

/// Pixels tested together when a batch is made sparse: one bit each in a mask.
const SPAN: usize = 16;

/// One bit per non-zero value of `values` (at most [`SPAN`] of them), the first the lowest.
#[inline(always)]
fn nonzero_mask(values: &[f32]) -> u32 {
    match <&[f32; SPAN]>::try_from(values) {
        // A whole span: a fixed loop the compiler unrolls into vector compares.
        Ok(span) => (0..SPAN).fold(0, |mask, i| mask | (u32::from(span[i] != 0.0) << i)),
        Err(_) => values
            .iter()
            .enumerate()
            .fold(0, |mask, (i, v)| mask | (u32::from(*v != 0.0) << i)),
    }
}

/// The non-zero values of `row` and their columns, in order, into `indices` and `values`
/// (exactly as long as there are non-zero values), from the row's masks: a span of background
/// is skipped at once.
fn store_nonzero(row: &[f32], masks: &[u32], indices: &mut [u32], values: &mut [f32]) {
    let mut slot = 0;
    for (span, (chunk, &mask)) in row.chunks(SPAN).zip(masks).enumerate() {
        let mut mask = mask;
        while mask != 0 {
            let i = mask.trailing_zeros() as usize;
            mask &= mask - 1;
            if let (Some(index), Some(value)) = (indices.get_mut(slot), values.get_mut(slot)) {
                *index = (span * SPAN + i) as u32;
                *value = chunk[i];
            }
            slot += 1;
        }
    }
}

/// The dense right-hand side of a product: a row-major matrix `n` columns wide, and what is
/// done to the product's sums as they are stored.
#[derive(Clone, Copy)]
struct Dense<'a> {
    values: &'a [f32],
    n: usize,
    epilogue: Epilogue<'a>,
}

/// A copy of `times_rows_portable` compiled for an x86 feature set, to be called only where
/// the CPU has it.
macro_rules! compiled_for {
    ($name:ident, $features:literal) => {
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = $features)]
        fn $name(
            &self,
            rows: std::ops::Range<usize>,
            dense: Dense,
            out: &mut [f32],
            buffer: &mut Vec<f32>,
        ) {
            self.times_rows_portable(rows, dense, out, buffer)
        }
    };
}

impl SparseRows {
    /// The non-zero entries of the row-major `[data.len() / cols, cols]` matrix `data`, or
    /// `None` when more than `max_density` of them are non-zero: each row's non-zero values
    /// marked in masks, sixteen at a time, and counted (the density is known before anything
    /// is stored), then stored, both on rayon's threads.
    pub fn from_dense(data: &[f32], cols: usize, max_density: f64) -> Option<Self> {
        let rows = data.len().checked_div(cols).unwrap_or(0);
        let spans = cols.div_ceil(SPAN);
        let row_data = |row: usize| &data[row * cols..(row + 1) * cols];
        let mut masks = vec![0u32; rows * spans];
        let counts: Vec<usize> = masks
            .par_chunks_mut(spans.max(1))
            .enumerate()
            .map(|(row, row_masks)| {
                for (mask, chunk) in row_masks.iter_mut().zip(row_data(row).chunks(SPAN)) {
                    *mask = nonzero_mask(chunk);
                }
                row_masks.iter().map(|m| m.count_ones() as usize).sum()
            })
            .collect();
        let mut starts = Vec::with_capacity(rows + 1);
        starts.push(0);
        for count in &counts {
            starts.push(starts[starts.len() - 1] + count);
        }
        let total = starts[rows];
        if total as f64 > max_density * (rows * cols) as f64 {
            return None;
        }
        let mut indices = vec![0u32; total];
        let mut values = vec![0f32; total];
        let mut parts = Vec::with_capacity(rows);
        let (mut index_rest, mut value_rest) = (indices.as_mut_slice(), values.as_mut_slice());
        for (row, &count) in counts.iter().enumerate() {
            let (index_part, index_tail) = index_rest.split_at_mut(count);
            let (value_part, value_tail) = value_rest.split_at_mut(count);
            parts.push((row, index_part, value_part));
            (index_rest, value_rest) = (index_tail, value_tail);
        }
        parts
            .into_par_iter()
            .for_each(|(row, index_part, value_part)| {
                let row_masks = &masks[row * spans..(row + 1) * spans];
                store_nonzero(row_data(row), row_masks, index_part, value_part)
            });
        Some(SparseRows {
            rows,
            cols,
            starts,
            indices,
            values,
        })
    }

    /// The share of entries that are non-zero (0 for an empty matrix).
    #[cfg(test)]
    fn density(&self) -> f64 {
        let all = self.rows * self.cols;
        if all == 0 {
            0.0
        } else {
            self.values.len() as f64 / all as f64
        }
    }

    /// The transposed matrix, also by rows (a counting sort of the entries by column).
    pub fn transposed(&self) -> SparseRows {
        let mut starts = vec![0usize; self.cols + 1];
        for &col in &self.indices {
            starts[col as usize + 1] += 1;
        }
        for col in 0..self.cols {
            starts[col + 1] += starts[col];
        }
        let mut next = starts.clone();
        let mut indices = vec![0u32; self.values.len()];
        let mut values = vec![0f32; self.values.len()];
        for row in 0..self.rows {
            for entry in self.starts[row]..self.starts[row + 1] {
                let slot = &mut next[self.indices[entry] as usize];
                indices[*slot] = row as u32;
                values[*slot] = self.values[entry];
                *slot += 1;
            }
        }
        SparseRows {
            rows: self.cols,
            cols: self.rows,
            starts,
            indices,
            values,
        }
    }

    /// `self x dense` for a row-major `[self.cols, n]` matrix, each sum finished by `epilogue`:
    /// the row-major `[self.rows, n]` product, the rows shared among the threads of rayon's
    /// pool by their counts of entries.
    ///
    /// # Panics
    /// If `dense` does not hold `self.cols * n` values or a bias not `n` (a caller's bug, not
    /// input).
    pub fn times(&self, dense: &[f32], n: usize, epilogue: Epilogue) -> Vec<f32> {
        assert_eq!(
            dense.len(),
            self.cols * n,
            "sparse product: shapes disagree"
        );
        if let Some(bias) = epilogue.bias {
            assert_eq!(bias.len(), n, "sparse product: one bias per column");
        }
        let dense = Dense {
            values: dense,
            n,
            epilogue,
        };
        let mut out = vec![0f32; self.rows * n];
        let mut parts = Vec::new();
        let mut rest = out.as_mut_slice();
        let mut first = 0;
        for end in self.balanced_row_ends(rayon::current_num_threads()) {
            let (part, tail) = rest.split_at_mut((end - first) * n);
            parts.push((first..end, part));
            rest = tail;
            first = end;
        }
        parts
            .into_par_iter()
            .for_each(|(rows, part)| self.times_rows(rows, dense, part));
        out
    }

    /// Ends of `parts` consecutive row ranges with about as many entries each.
    fn balanced_row_ends(&self, parts: usize) -> Vec<usize> {
        let parts = parts.clamp(1, self.rows.max(1));
        let total = self.values.len();
        let mut ends: Vec<usize> = (1..parts)
            .map(|p| self.starts.partition_point(|&s| s * parts < total * p))
            .map(|row| row.min(self.rows))
            .collect();
        ends.push(self.rows);
        ends.dedup();
        ends
    }

    /// Rows `rows` of `self x dense` into `out` (those rows, row-major), with the widest
    /// vector instructions this CPU has, and this thread's pack buffer (fetched out here: a
    /// closure inside a function compiled for AVX-512 is not compiled for it).
    fn times_rows(&self, rows: std::ops::Range<usize>, dense: Dense, out: &mut [f32]) {
        with_pack_buffer(|buffer| {
            #[cfg(target_arch = "x86_64")]
            {
                if std::arch::is_x86_feature_detected!("avx512f") {
                    // Safety: the CPU has AVX-512F (checked just above).
                    return unsafe { self.times_rows_avx512(rows, dense, out, buffer) };
                }
                if std::arch::is_x86_feature_detected!("avx") {
                    // Safety: the CPU has AVX (checked just above).
                    return unsafe { self.times_rows_avx(rows, dense, out, buffer) };
                }
            }
            self.times_rows_portable(rows, dense, out, buffer)
        })
    }

    compiled_for!(times_rows_avx512, "avx512f");
    compiled_for!(times_rows_avx, "avx");

    /// Column block by column block, row by row, summing each output block in registers over
    /// the row's entries: one block of a row of `dense` fetched per entry, which sets the pace.
    /// Where these rows have enough entries ([`packing_pays`]) each block of `dense` is first
    /// copied into a contiguous buffer of this thread's ([`block_rows`]): read in place, a
    /// block's rows lie one whole row of `dense` apart, a page or more for every few rows, and
    /// the product spent its time in the address translation cache's misses (500 digits times a
    /// 784x784 matrix on one Zen 4 core: 4.7-5.7 ms in place against 3.7-3.9 ms packed, copies
    /// included). Tiling `dense` for the first-level cache, summing two entries at a time, or
    /// 128 columns a block measured no faster. The sums are indexed plainly (`sum[i]`): written
    /// with iterators, they were kept on the stack, not in registers, and the product took twice
    /// as long.
    #[inline(always)]
    fn times_rows_portable(
        &self,
        rows: std::ops::Range<usize>,
        dense: Dense,
        out: &mut [f32],
        buffer: &mut Vec<f32>,
    ) {
        let n = dense.n;
        let wide_end = n - n % WIDE;
        let narrow_end = n - n % NARROW;
        let entries = self.starts[rows.end] - self.starts[rows.start];
        let pack = packing_pays(entries, self.cols);
        for first_col in (0..wide_end).step_by(WIDE) {
            let block = block_rows(dense, first_col, WIDE, pack.then_some(&mut *buffer));
            self.block::<WIDE>(rows.clone(), block, dense, first_col, out);
        }
        for first_col in (wide_end..narrow_end).step_by(NARROW) {
            let block = block_rows(dense, first_col, NARROW, pack.then_some(&mut *buffer));
            self.block::<NARROW>(rows.clone(), block, dense, first_col, out);
        }
        for first_col in narrow_end..n {
            let block = block_rows(dense, first_col, 1, pack.then_some(&mut *buffer));
            self.block::<1>(rows.clone(), block, dense, first_col, out);
        }
    }

    /// Columns `first_col..first_col + B` of rows `rows` of the product, from `block`, those
    /// columns of `dense`.
    #[inline(always)]
    fn block<const B: usize>(
        &self,
        rows: std::ops::Range<usize>,
        block: BlockRows,
        dense: Dense,
        first_col: usize,
        out: &mut [f32],
    ) {
        let (first_row, n) = (rows.start, dense.n);
        for row in rows {
            let entries = self.starts[row]..self.starts[row + 1];
            let mut sum =
                row_sums::<B>(&self.indices[entries.clone()], &self.values[entries], block);
            dense.epilogue.apply(&mut sum, first_col);
            let at = (row - first_row) * n + first_col;
            out[at..at + B].copy_from_slice(&sum);
        }
    }
}

/// A block of columns of a dense matrix: its row `r` starts at `values[r * stride]`.
#[derive(Clone, Copy)]
struct BlockRows<'a> {
    values: &'a [f32],
    stride: usize,
}

/// Whether a part of a product with `entries` entries should copy the blocks of a dense matrix
/// of `dense_rows` rows before using them: when it has at least [`PACK_FROM_ENTRIES_PER_ROW`]
/// entries per row of the dense matrix. Copying costs the same whatever the part's size, so a
/// small part (one image, or a many-core machine's share of a batch) reads in place.
fn packing_pays(entries: usize, dense_rows: usize) -> bool {
    entries >= PACK_FROM_ENTRIES_PER_ROW * dense_rows
}

/// Where copying the blocks starts to pay: `SparseRows::times` of some of 500 digits and a
/// 784x784 matrix on one Zen 4 thread, read in place against packed (three runs each): 500
/// digits (93 entries a row) 4.6-4.9 against 3.6-4.0 ms, 250 (46) 2.1-2.2 against 1.9-2.0, 125
/// (23) 0.90-1.04 against 0.74-0.95, 62 (11) 0.50 against 0.48-0.52, 31 (5) 0.25-0.27 against
/// 0.27-0.28, 16 (2) 0.12-0.13 against 0.18-0.19.
const PACK_FROM_ENTRIES_PER_ROW: usize = 12;

/// Columns `first_col..first_col + width` of `dense`: copied row after row into `buffer` when
/// there is one, else read where they are.
#[inline(always)]
fn block_rows<'b>(
    dense: Dense<'b>,
    first_col: usize,
    width: usize,
    buffer: Option<&'b mut Vec<f32>>,
) -> BlockRows<'b> {
    let Some(buffer) = buffer else {
        return BlockRows {
            values: dense.values.get(first_col..).unwrap_or_default(),
            stride: dense.n,
        };
    };
    buffer.clear();
    for row in dense.values.chunks_exact(dense.n) {
        buffer.extend_from_slice(&row[first_col..first_col + width]);
    }
    BlockRows {
        values: buffer,
        stride: width,
    }
}

/// One row's sums over a block: `values[i]` times row `indices[i]` of `block`, summed in
/// order.
#[inline(always)]
fn row_sums<const B: usize>(indices: &[u32], values: &[f32], block: BlockRows) -> [f32; B] {
    let mut sum = [0f32; B];
    for (&col, &value) in indices.iter().zip(values) {
        let at = col as usize * block.stride;
        let Some(from) = block.values.get(at..at + B) else {
            continue;
        };
        for i in 0..B {
            sum[i] += value * from[i];
        }
    }
    sum
}

thread_local! {
    /// Each thread's buffer for [`block_rows`], kept from product to product (a fresh one
    /// would be fresh pages to fault in every time).
    static PACK_BUFFER: std::cell::RefCell<Vec<f32>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// `work` given this thread's pack buffer (or a new one, should the thread's be in use).
#[inline(always)]
fn with_pack_buffer<R>(work: impl FnOnce(&mut Vec<f32>) -> R) -> R {
    PACK_BUFFER.with(|cell| match cell.try_borrow_mut() {
        Ok(mut buffer) => work(&mut buffer),
        Err(_) => work(&mut Vec::new()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `rows x cols` matrix with about `density` of its entries non-zero, from a fixed
    /// sequence (no random crate needed).
    fn matrix(rows: usize, cols: usize, density: f64, salt: u64) -> Vec<f32> {
        let mut state = salt
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (0..rows * cols)
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let unit = (state >> 40) as f64 / (1u64 << 24) as f64;
                if unit < density {
                    (unit / density - 0.5) as f32
                } else {
                    0.0
                }
            })
            .collect()
    }

    fn dense_product(a: &[f32], b: &[f32], m: usize, k: usize, n: usize) -> Vec<f32> {
        let mut out = vec![0f32; m * n];
        for i in 0..m {
            for p in 0..k {
                for j in 0..n {
                    out[i * n + j] += a[i * k + p] * b[p * n + j];
                }
            }
        }
        out
    }

    fn transpose(a: &[f32], rows: usize, cols: usize) -> Vec<f32> {
        let mut out = vec![0f32; a.len()];
        for r in 0..rows {
            for c in 0..cols {
                out[c * rows + r] = a[r * cols + c];
            }
        }
        out
    }

    #[test]
    fn products_match_the_dense_ones_for_every_block_width() {
        // n = 64 + 16 + 7 exercises the wide block, the narrow block and the last columns. The
        // last case has enough entries per row of `b` to copy its blocks (even shared among 16
        // threads), the others read them in place.
        let cases = [
            (37, 29, 87, 0.2),
            (5, 784, 10, 0.2),
            (1, 3, 64, 0.2),
            (40, 12, 15, 0.2),
            (240, 10, 87, 0.9),
        ];
        for (m, k, n, density) in cases {
            let a = matrix(m, k, density, 1);
            let b = matrix(k, n, 1.0, 2);
            let sparse = SparseRows::from_dense(&a, k, 1.0).unwrap();
            let entries = sparse.values.len();
            if density > 0.5 {
                assert!(packing_pays(entries / 16, k), "{m}x{k}: should copy");
            } else {
                assert!(!packing_pays(entries, k), "{m}x{k}: should read in place");
            }
            let got = sparse.times(&b, n, Epilogue::default());
            let want = dense_product(&a, &b, m, k, n);
            assert_eq!(got.len(), want.len());
            for (g, w) in got.iter().zip(&want) {
                assert!(
                    (g - w).abs() <= 1e-5 * (1.0 + w.abs()),
                    "{m}x{k}x{n}: {g} vs {w}"
                );
            }
            let d = matrix(m, n, 1.0, 3);
            let got_t = sparse.transposed().times(&d, n, Epilogue::default());
            let want_t = dense_product(&transpose(&a, m, k), &d, k, m, n);
            for (g, w) in got_t.iter().zip(&want_t) {
                assert!(
                    (g - w).abs() <= 1e-5 * (1.0 + w.abs()),
                    "transposed {m}x{k}x{n}: {g} vs {w}"
                );
            }
        }
    }

    #[test]
    fn the_epilogue_adds_the_bias_then_applies_relu_in_every_block_width() {
        let (m, k, n) = (23, 40, 87);
        let a = matrix(m, k, 0.3, 5);
        let b = matrix(k, n, 1.0, 6);
        let bias = matrix(1, n, 1.0, 7);
        let sparse = SparseRows::from_dense(&a, k, 1.0).unwrap();
        let plain = sparse.times(&b, n, Epilogue::default());
        for relu in [false, true] {
            let epilogue = Epilogue {
                bias: Some(&bias),
                relu,
            };
            let got = sparse.times(&b, n, epilogue);
            for (i, (g, p)) in got.iter().zip(&plain).enumerate() {
                let biased = p + bias[i % n];
                let want = if relu && biased <= 0.0 { 0.0 } else { biased };
                assert_eq!(*g, want, "relu {relu}, element {i}");
            }
            if relu {
                assert!(got.contains(&0.0) && got.iter().any(|v| *v > 0.0));
            }
        }
    }

    #[test]
    fn transposing_twice_gives_the_matrix_back_and_density_counts_entries() {
        let a = matrix(13, 31, 0.3, 4);
        let sparse = SparseRows::from_dense(&a, 31, 1.0).unwrap();
        assert_eq!(sparse.transposed().transposed(), sparse);
        let nonzero = a.iter().filter(|v| **v != 0.0).count();
        assert!(nonzero > 0 && nonzero < a.len());
        assert_eq!(sparse.density(), nonzero as f64 / a.len() as f64);
        assert_eq!(SparseRows::from_dense(&[], 4, 1.0).unwrap().density(), 0.0);
    }

    #[test]
    fn rows_are_shared_by_entries_not_by_count() {
        // All entries in the last 2 of 10 rows: two parts split those rows, not rows 0-4 / 5-9.
        let mut a = vec![0f32; 10 * 4];
        a[32..].fill(1.0);
        let sparse = SparseRows::from_dense(&a, 4, 1.0).unwrap();
        assert_eq!(sparse.balanced_row_ends(2), vec![9, 10]);
        assert_eq!(sparse.balanced_row_ends(1), vec![10]);
        assert_eq!(
            sparse.balanced_row_ends(50),
            (1..=10).skip(8).collect::<Vec<_>>()
        );
    }
}
