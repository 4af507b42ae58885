//! Seeded, platform-independent permutations (SplitMix64 + Fisher-Yates) for splits and epochs.

/// SplitMix64: a tiny, well-mixed generator; the same seed gives the same stream everywhere.
pub(crate) struct SplitMix64(pub(crate) u64);

impl SplitMix64 {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value uniform in [-1, 1].
    pub(crate) fn symmetric(&mut self) -> f32 {
        ((self.next() >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }

    /// A value uniform in [0, 1].
    pub(crate) fn unit(&mut self) -> f32 {
        (self.symmetric() + 1.0) / 2.0
    }

    /// A value in `0..bound` (bound > 0), without modulo bias worth caring about at these sizes.
    fn below(&mut self, bound: usize) -> usize {
        ((u128::from(self.next()) * bound as u128) >> 64) as usize
    }
}

/// A permutation of `0..len` determined by `seed` alone.
pub fn permutation(len: usize, seed: u64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    let mut rng = SplitMix64(seed);
    for i in (1..len).rev() {
        let j = rng.below(i + 1);
        order.swap(i, j);
    }
    order
}

/// Mixes a base seed with a stream number (an epoch, say) into a new seed.
pub(crate) fn derive_seed(seed: u64, stream: u64) -> u64 {
    SplitMix64(seed ^ stream.wrapping_mul(0xD6E8_FEB8_6659_FD93)).next()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_a_permutation_and_depends_on_the_seed() {
        let a = permutation(1000, 7);
        let mut sorted = a.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..1000).collect::<Vec<_>>());
        assert_eq!(a, permutation(1000, 7));
        assert_ne!(a, permutation(1000, 8));
        assert_ne!(derive_seed(1, 0), derive_seed(1, 1));
    }
}
