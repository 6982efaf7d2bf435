//! A small deterministic PRNG (SplitMix64), seeded from the configuration.
//!
//! Used for session ids (R-E2E.3) and retry jitter (R-E2E.10). Not cryptographic: session ids only need to be
//! unique per peer, and the seed comes from the caller (quinn's `rng_seed` model), so runs are reproducible.

#[derive(Clone, Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    pub(crate) const fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform value in `lo..=hi` (`lo` if `hi < lo`).
    pub(crate) fn range_inclusive(&mut self, lo: u64, hi: u64) -> u64 {
        if hi <= lo {
            return lo;
        }
        let span = hi - lo;
        if span == u64::MAX {
            return self.next_u64();
        }
        // Multiply-shift reduction: bias below 2^-64 · span, irrelevant for jitter.
        let r = (u128::from(self.next_u64()) * u128::from(span + 1)) >> 64;
        lo + u64::try_from(r).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn deterministic_and_in_range() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for _ in 0..1000 {
            assert_eq!(a.next_u64(), b.next_u64());
            let v = a.range_inclusive(5, 10);
            assert!((5..=10).contains(&v));
            b.range_inclusive(5, 10);
        }
        assert_eq!(a.range_inclusive(3, 3), 3);
        assert_eq!(a.range_inclusive(9, 3), 9);
    }
}
