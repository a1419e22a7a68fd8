//! sr25519 key and signature bytes. These are plain byte newtypes so that `no_std` runtimes can
//! carry them without linking the curve arithmetic; verification happens natively (see the
//! `crypto` module with the `std` feature, and the host functions of [`crate::host_abi`]).

use parity_scale_codec::{Decode, Encode, MaxEncodedLen};

/// An sr25519 public key (a compressed Ristretto point), also the account id of a user.
#[derive(
    Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode, MaxEncodedLen,
)]
pub struct Sr25519Public(pub [u8; 32]);

/// An sr25519 (Schnorr over Ristretto) signature.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Encode, Decode, MaxEncodedLen)]
pub struct Sr25519Signature(pub [u8; 64]);

impl Default for Sr25519Signature {
    fn default() -> Self {
        Self([0u8; 64])
    }
}

impl core::fmt::Debug for Sr25519Public {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("0x")?;
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl core::fmt::Debug for Sr25519Signature {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("sig:0x")?;
        for b in &self.0[..8] {
            write!(f, "{b:02x}")?;
        }
        f.write_str("..")
    }
}
