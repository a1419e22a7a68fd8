//! blake2b-256, the one hash of the protocol.
//!
//! Natively [`blake2_256`] uses the `blake2` crate. Compiled for `wasm32` (a parachain runtime),
//! it calls the host's `ext_blake2_256` import instead: the same function, run natively by the
//! PVF host, which is several times faster than hashing inside the Wasm sandbox and cannot break
//! determinism (a pure function of its input).

use parity_scale_codec::{Decode, Encode, MaxEncodedLen};

/// A 32-byte blake2b-256 digest.
#[derive(
    Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode, MaxEncodedLen,
)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// The all-zero hash, used as "no parent" for genesis headers.
    pub const ZERO: Hash = Hash([0u8; 32]);

    /// The raw bytes.
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// The hash of `data`.
    pub fn of(data: &[u8]) -> Hash {
        Hash(blake2_256(data))
    }

    /// The hash of a value's SCALE encoding.
    pub fn of_encoded<T: Encode + ?Sized>(value: &T) -> Hash {
        value.using_encoded(|bytes| Hash(blake2_256(bytes)))
    }
}

impl AsRef<[u8]> for Hash {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl core::fmt::Debug for Hash {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        core::fmt::Display::fmt(self, f)
    }
}

impl core::fmt::Display for Hash {
    /// `0x` followed by the 64 lowercase hex digits.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("0x")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

/// blake2b with a 256-bit output over `data`.
#[cfg(not(all(target_arch = "wasm32", not(feature = "std"))))]
pub fn blake2_256(data: &[u8]) -> [u8; 32] {
    use blake2::digest::{consts::U32, Digest};
    let mut hasher = blake2::Blake2b::<U32>::new();
    hasher.update(data);
    hasher.finalize().into()
}

/// blake2b with a 256-bit output over `data`, computed by the host (see [`crate::host_abi`]).
#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
pub fn blake2_256(data: &[u8]) -> [u8; 32] {
    let mut out = [0u8; 32];
    crate::host_abi::guest::blake2_256(data, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_vector_of_empty_input() {
        // blake2b-256("") from the BLAKE2 reference implementation.
        assert_eq!(
            Hash::of(b"").to_string(),
            "0x0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"
        );
    }
}
