//! Availability (pipeline step 4): the data that is erasure coded, its chunks, and the signed
//! bitfields validators publish once they hold their chunks.

use alloc::vec::Vec;
use parity_scale_codec::{Decode, Encode};

use crate::parachain::SigningContext;
use crate::{Hash, PersistedValidationData, PoV, Sr25519Signature, ValidatorIndex};

/// Signing context of availability bitfields.
pub const BITFIELD_SIGNING_CONTEXT: &[u8] = b"atoll-bitfield";

/// What is erasure coded for a candidate: everything a checker needs to re-execute it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct AvailableData {
    /// The proof of validity.
    pub pov: PoV,
    /// The validation data the candidate was built against.
    pub validation_data: PersistedValidationData,
}

/// One validator's chunk of a candidate's [`AvailableData`], with its Merkle proof against the
/// descriptor's erasure root.
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct ErasureChunk {
    /// The chunk's bytes.
    pub chunk: Vec<u8>,
    /// The chunk's index, which is the index of the validator that keeps it.
    pub index: ValidatorIndex,
    /// Sibling hashes from the leaf up to the root.
    pub proof: Vec<Hash>,
}

/// One bit per availability core: "I hold my chunk of the candidate pending on this core".
#[derive(Clone, Debug, Default, PartialEq, Eq, Encode, Decode)]
pub struct AvailabilityBitfield(pub Vec<bool>);

impl AvailabilityBitfield {
    /// The signed bytes: `(b"AVBF", bitfield, context)`.
    pub fn signing_payload(&self, context: &SigningContext) -> Vec<u8> {
        (b"AVBF", self, context).encode()
    }

    /// Set bits.
    pub fn count_ones(&self) -> usize {
        self.0.iter().filter(|b| **b).count()
    }
}

/// A bitfield signed by a validator for the relay parent in its context.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct SignedAvailabilityBitfield {
    /// The bits.
    pub payload: AvailabilityBitfield,
    /// The signer.
    pub validator: ValidatorIndex,
    /// sr25519 over [`AvailabilityBitfield::signing_payload`] with
    /// [`BITFIELD_SIGNING_CONTEXT`].
    pub signature: Sr25519Signature,
}

#[cfg(feature = "std")]
impl SignedAvailabilityBitfield {
    /// Signs `payload` as `validator`.
    pub fn sign(
        pair: &crate::crypto::Pair,
        payload: AvailabilityBitfield,
        context: &SigningContext,
        validator: ValidatorIndex,
    ) -> Self {
        let signature = pair.sign(BITFIELD_SIGNING_CONTEXT, &payload.signing_payload(context));
        SignedAvailabilityBitfield { payload, validator, signature }
    }

    /// Whether the signature is `public`'s in `context`.
    pub fn check(&self, context: &SigningContext, public: &crate::Sr25519Public) -> bool {
        crate::crypto::verify(
            BITFIELD_SIGNING_CONTEXT,
            &self.payload.signing_payload(context),
            &self.signature,
            public,
        )
    }
}
