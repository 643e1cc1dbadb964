//! Randomness for the SIP core, always seeded by the caller (sans-IO: the core never asks the
//! OS). Branches (RFC 3261 §8.1.1.7), tags (§19.3), Call-IDs (§8.1.1.4), digest cnonces
//! (RFC 7616 §3.4) and retry jitter come from here. ChaCha20 keeps cnonces unpredictable; a
//! fixed seed makes tests repeatable.

use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};
use std::fmt;

/// A seeded cryptographic PRNG.
pub struct Rng(ChaCha20Rng);

impl Rng {
    /// An RNG from a 32-byte seed (the engine passes OS entropy; tests pass a constant).
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Rng(ChaCha20Rng::from_seed(seed))
    }

    /// A random `u64`.
    pub fn next_u64(&mut self) -> u64 {
        self.0.next_u64()
    }

    /// `n` random bytes as lower-case hex (`2n` characters).
    pub fn hex(&mut self, n: usize) -> String {
        let mut bytes = vec![0u8; n];
        self.0.fill_bytes(&mut bytes);
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// A fresh RFC 3261 branch: the magic cookie and 64 random bits (§8.1.1.7).
    pub fn branch(&mut self) -> String {
        format!("z9hG4bK{}", self.hex(8))
    }

    /// A fresh tag (§19.3: at least 32 random bits).
    pub fn tag(&mut self) -> String {
        self.hex(6)
    }

    /// A fraction in `[0, 1)` with 53 bits of precision, for jitter.
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

impl fmt::Debug for Rng {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The state is secret-ish (it predicts cnonces): never print it.
        f.write_str("Rng(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeded_and_well_formed() {
        let mut a = Rng::from_seed([7; 32]);
        let mut b = Rng::from_seed([7; 32]);
        assert_eq!(a.branch(), b.branch());
        let branch = a.branch();
        assert!(branch.starts_with("z9hG4bK") && branch.len() == 7 + 16);
        assert_ne!(a.tag(), a.tag());
        for _ in 0..1000 {
            let u = a.unit();
            assert!((0.0..1.0).contains(&u));
        }
        assert_eq!(format!("{a:?}"), "Rng(..)");
    }
}
