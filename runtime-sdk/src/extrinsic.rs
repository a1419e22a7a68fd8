//! Signed extrinsics: the only way users change a para's state.

use alloc::string::String;
use alloc::vec::Vec;
use parity_scale_codec::{Decode, Encode};

use atoll_primitives::{ParaId, Sr25519Signature};

use crate::runtime::AccountId;

/// Largest encoded extrinsic accepted, in bytes.
pub const MAX_EXTRINSIC_SIZE: usize = 64 * 1024;

/// A call signed by an account.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct SignedExtrinsic<Call> {
    /// Who signs and pays.
    pub signer: AccountId,
    /// The signer's next nonce; each nonce is used once, in order.
    pub nonce: u64,
    /// What to do.
    pub call: Call,
    /// The signer's sr25519 signature over [`signing_payload`].
    pub signature: Sr25519Signature,
}

/// The bytes a signer signs: the para id (so a signature is good on one para only), the nonce
/// and the call.
pub fn signing_payload<Call: Encode>(para_id: ParaId, nonce: u64, call: &Call) -> Vec<u8> {
    (b"atoll-tx", para_id, nonce, call).encode()
}

/// Why a transaction cannot be applied at all. In a block under validation any of these makes
/// the block invalid; a collator drops the transaction (or keeps a `Future` one for later).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum TransactionInvalid {
    /// The bytes are not a `SignedExtrinsic` of this runtime.
    Undecodable {
        /// What the decoder said.
        reason: String,
    },
    /// Larger than [`MAX_EXTRINSIC_SIZE`].
    TooLarge {
        /// The size in bytes.
        size: u32,
    },
    /// The signature does not verify.
    BadSignature,
    /// The nonce was already used.
    Stale {
        /// The account's next nonce.
        expected: u64,
        /// The transaction's nonce.
        got: u64,
    },
    /// The nonce is ahead of the account's next nonce.
    Future {
        /// The account's next nonce.
        expected: u64,
        /// The transaction's nonce.
        got: u64,
    },
}

impl core::fmt::Display for TransactionInvalid {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            TransactionInvalid::Undecodable { reason } => write!(f, "undecodable: {reason}"),
            TransactionInvalid::TooLarge { size } => {
                write!(f, "too large: {size} bytes > {MAX_EXTRINSIC_SIZE}")
            }
            TransactionInvalid::BadSignature => write!(f, "bad signature"),
            TransactionInvalid::Stale { expected, got } => {
                write!(f, "stale nonce {got} (next is {expected})")
            }
            TransactionInvalid::Future { expected, got } => {
                write!(f, "future nonce {got} (next is {expected})")
            }
        }
    }
}
