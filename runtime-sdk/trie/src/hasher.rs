//! [`Blake2Hasher`]: blake2b-256 as a [`hash_db::Hasher`] (rule 8 of the node format).

use atoll_primitives::blake2_256;

/// blake2b-256 over `atoll_primitives::blake2_256`, the one hash of the protocol.
///
/// Natively it runs the `blake2` crate; inside a Wasm runtime it calls the host, so hashing
/// trie nodes during block validation runs at native speed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Blake2Hasher;

impl hash_db::Hasher for Blake2Hasher {
    type Out = [u8; 32];
    type StdHasher = NodeHashStdHasher;
    const LENGTH: usize = 32;

    fn hash(x: &[u8]) -> [u8; 32] {
        blake2_256(x)
    }
}

/// The `core::hash::Hasher` used for maps keyed by node hashes.
///
/// The keys are already uniformly distributed blake2b-256 digests, so a cheap FNV-1a style fold
/// of the bytes is plenty; it needs no randomness, which keeps it usable inside Wasm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NodeHashStdHasher(u64);

impl Default for NodeHashStdHasher {
    fn default() -> Self {
        // The FNV-1a offset basis.
        NodeHashStdHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl core::hash::Hasher for NodeHashStdHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            // The FNV-1a prime.
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::hash::{Hash as _, Hasher as _};
    use hash_db::Hasher as _;

    #[test]
    fn hashes_with_blake2b_256() {
        assert_eq!(Blake2Hasher::hash(b"abc"), blake2_256(b"abc"));
        assert_eq!(<Blake2Hasher as hash_db::Hasher>::LENGTH, 32);
    }

    #[test]
    fn std_hasher_distinguishes_keys() {
        let digest = |key: [u8; 32]| {
            let mut h = NodeHashStdHasher::default();
            key.hash(&mut h);
            h.finish()
        };
        assert_ne!(digest(blake2_256(b"a")), digest(blake2_256(b"b")));
        assert_eq!(digest(blake2_256(b"a")), digest(blake2_256(b"a")));
    }
}
