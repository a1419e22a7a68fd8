//! blake2b-256, the one hash of the protocol (sovereign accounts, trap tickets).

use blake2::digest::consts::U32;
use blake2::{Blake2b, Digest};

/// The blake2b-256 digest of `data`.
pub fn blake2_256(data: &[u8]) -> [u8; 32] {
    let mut hasher = Blake2b::<U32>::new();
    hasher.update(data);
    hasher.finalize().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_reference_vector() {
        // blake2b-256 of the empty string (RFC 7693 parameters, 32-byte output).
        let expected = "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8";
        let hex: alloc::string::String =
            blake2_256(b"").iter().map(|b| alloc::format!("{b:02x}")).collect();
        assert_eq!(hex, expected);
    }
}
