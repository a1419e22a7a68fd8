//! Signature verification for runtimes: through the host inside Wasm, natively otherwise. Both
//! use the signing context `atoll_primitives::host_abi::EXTRINSIC_SIGNING_CONTEXT`.

use alloc::vec::Vec;

use atoll_primitives::{Sr25519Public, Sr25519Signature};

/// Verifies one signature.
pub fn sr25519_verify(sig: &Sr25519Signature, msg: &[u8], public: &Sr25519Public) -> bool {
    #[cfg(all(target_arch = "wasm32", not(feature = "std")))]
    {
        atoll_primitives::host_abi::guest::sr25519_verify(&sig.0, msg, &public.0)
    }
    #[cfg(not(all(target_arch = "wasm32", not(feature = "std"))))]
    {
        atoll_primitives::crypto::verify(
            atoll_primitives::host_abi::EXTRINSIC_SIGNING_CONTEXT,
            msg,
            sig,
            public,
        )
    }
}

/// Verifies every signature at once (one host call inside Wasm). True if all are valid.
pub fn sr25519_batch_verify(items: &[(Sr25519Public, Vec<u8>, Sr25519Signature)]) -> bool {
    #[cfg(all(target_arch = "wasm32", not(feature = "std")))]
    {
        use parity_scale_codec::Encode;
        atoll_primitives::host_abi::guest::sr25519_batch_verify(&items.encode())
    }
    #[cfg(not(all(target_arch = "wasm32", not(feature = "std"))))]
    {
        atoll_primitives::crypto::verify_batch(
            atoll_primitives::host_abi::EXTRINSIC_SIGNING_CONTEXT,
            items,
        )
    }
}
