//! Shared by `round_trip.rs` and `conformance.rs`: the round-trip assertion every encoded value
//! must pass, and one fixed, hand-written fixture value per encoded type.

use std::fmt::Debug;

use atoll_primitives::{decode_bounded, DecodeError};
use parity_scale_codec::{Decode, Encode};

/// The `max_len` handed to [`decode_bounded`]: far above anything the tests encode, so only
/// the encoding itself decides whether decoding succeeds.
pub const DECODE_LIMIT: usize = 64 * 1024 * 1024;

/// The `what` handed to [`decode_bounded`] (it wants a `&'static str`; labels are built at run
/// time and only go into assertion messages).
const WHAT: &str = "test value";

/// Asserts that `value` survives SCALE encoding and [`decode_bounded`], and that
/// [`decode_bounded`] refuses every damaged form of the encoding: any trailing byte, every
/// strict prefix (truncation), and a `max_len` one byte short. Returns the encoding.
pub fn assert_round_trip<T>(label: &str, value: &T) -> Vec<u8>
where
    T: Encode + Decode + PartialEq + Debug,
{
    let encoded = value.encode();
    assert_eq!(value.encoded_size(), encoded.len(), "{label}: encoded_size disagrees with encode");
    assert_eq!(
        decode_bounded::<T>(WHAT, &encoded, DECODE_LIMIT).as_ref(),
        Ok(value),
        "{label}: round trip of 0x{}",
        hex::encode(&encoded)
    );
    assert_eq!(
        decode_bounded::<T>(WHAT, &encoded, encoded.len()).as_ref(),
        Ok(value),
        "{label}: a limit equal to the length must be accepted"
    );

    // Trailing bytes: whatever they are, the value must be refused, not silently shortened.
    for extra in [&[0x00][..], &[0xff], &[0x01, 0x02, 0x03]] {
        let mut trailing = encoded.clone();
        trailing.extend_from_slice(extra);
        assert_eq!(
            decode_bounded::<T>(WHAT, &trailing, DECODE_LIMIT),
            Err(DecodeError::Malformed { what: WHAT, reason: "trailing bytes after the value" }),
            "{label}: trailing 0x{} after 0x{}",
            hex::encode(extra),
            hex::encode(&encoded)
        );
    }

    // Truncation: SCALE encodings of one type are prefix-free, so no strict prefix decodes.
    for cut in 0..encoded.len() {
        let prefix = &encoded[..cut];
        let decoded = decode_bounded::<T>(WHAT, prefix, DECODE_LIMIT);
        assert!(
            decoded.is_err(),
            "{label}: the {cut}-byte prefix of 0x{} decoded to {decoded:?}",
            hex::encode(&encoded)
        );
    }

    // The size limit is checked on the raw length, before decoding.
    if let Some(short) = encoded.len().checked_sub(1) {
        assert_eq!(
            decode_bounded::<T>(WHAT, &encoded, short),
            Err(DecodeError::TooLarge { what: WHAT, len: encoded.len(), max: short }),
            "{label}: limit one byte short"
        );
    }
    encoded
}

/// One fixed value per encoded type. Every field holds a distinct, recognisable constant, so a
/// hex dump of an encoding can be read by eye; the values themselves are pinned (by hash) in
/// `conformance.rs`. Changing anything here changes those hashes.
pub mod fixtures {
    use atoll_primitives::{
        limits::MAX_POV_SIZE, BlockData, BlockNumber, CandidateCommitments, CandidateDescriptor,
        CandidateHash, CandidateReceipt, CommittedCandidateReceipt, CoreIndex, GroupIndex, Hash,
        HeadData, OutboundHrmpMessage, ParaId, PersistedValidationData, PoV, SessionIndex,
        Sr25519Public, Sr25519Signature, ValidationCode, ValidationCodeHash, ValidationParams,
        ValidationResult, ValidatorIndex,
    };

    /// `ParaId(2000)`, the first non-system para id by convention.
    pub fn para_id() -> ParaId {
        ParaId(2000)
    }

    /// `ValidatorIndex(7)`.
    pub fn validator_index() -> ValidatorIndex {
        ValidatorIndex(7)
    }

    /// `CoreIndex(3)`.
    pub fn core_index() -> CoreIndex {
        CoreIndex(3)
    }

    /// `GroupIndex(5)`.
    pub fn group_index() -> GroupIndex {
        GroupIndex(5)
    }

    /// `SessionIndex(42)`.
    pub fn session_index() -> SessionIndex {
        SessionIndex(42)
    }

    /// `BlockNumber(0x0102_0304)`: the byte order shows in the encoding (`04 03 02 01`).
    pub fn block_number() -> BlockNumber {
        BlockNumber(0x0102_0304)
    }

    /// `Hash([0x11; 32])`.
    pub fn hash() -> Hash {
        Hash([0x11; 32])
    }

    /// `CandidateHash(Hash([0x22; 32]))`.
    pub fn candidate_hash() -> CandidateHash {
        CandidateHash(Hash([0x22; 32]))
    }

    /// `Sr25519Public([0x33; 32])` (not a valid curve point; only bytes matter here).
    pub fn sr25519_public() -> Sr25519Public {
        Sr25519Public([0x33; 32])
    }

    /// `Sr25519Signature([0x44; 64])` (not a valid signature; only bytes matter here).
    pub fn sr25519_signature() -> Sr25519Signature {
        Sr25519Signature([0x44; 64])
    }

    /// `HeadData(b"head")`.
    pub fn head_data() -> HeadData {
        HeadData(b"head".to_vec())
    }

    /// `ValidationCode`: the 8-byte Wasm preamble (magic and version 1).
    pub fn validation_code() -> ValidationCode {
        ValidationCode(b"\0asm\x01\0\0\0".to_vec())
    }

    /// `ValidationCodeHash(Hash([0x55; 32]))`.
    pub fn validation_code_hash() -> ValidationCodeHash {
        ValidationCodeHash(Hash([0x55; 32]))
    }

    /// `BlockData(b"block")`.
    pub fn block_data() -> BlockData {
        BlockData(b"block".to_vec())
    }

    /// A `PoV` around `BlockData(b"pov")` (not [`block_data`], so the two pinned hashes differ:
    /// a `PoV` encodes exactly as its block data).
    pub fn pov() -> PoV {
        PoV { block_data: BlockData(b"pov".to_vec()) }
    }

    /// Persisted validation data: parent head `b"parent"`, relay parent #99 with storage root
    /// `[0x66; 32]`, the default PoV limit.
    pub fn persisted_validation_data() -> PersistedValidationData {
        PersistedValidationData {
            parent_head: HeadData(b"parent".to_vec()),
            relay_parent_number: BlockNumber(99),
            relay_parent_storage_root: Hash([0x66; 32]),
            max_pov_size: MAX_POV_SIZE,
        }
    }

    /// Validation params matching [`persisted_validation_data`] and [`block_data`].
    pub fn validation_params() -> ValidationParams {
        ValidationParams {
            parent_head: HeadData(b"parent".to_vec()),
            block_data: block_data(),
            relay_parent_number: BlockNumber(99),
            relay_parent_storage_root: Hash([0x66; 32]),
        }
    }

    /// An HRMP message `b"hrmp"` to `ParaId(2001)`.
    pub fn outbound_hrmp_message() -> OutboundHrmpMessage {
        OutboundHrmpMessage { recipient: ParaId(2001), data: b"hrmp".to_vec() }
    }

    /// A validation result with new head `b"head"`, a code upgrade to `b"new code"`, two
    /// upward messages, [`outbound_hrmp_message`], 3 downward messages processed, watermark #98.
    pub fn validation_result() -> ValidationResult {
        ValidationResult {
            head_data: head_data(),
            new_validation_code: Some(ValidationCode(b"new code".to_vec())),
            upward_messages: vec![b"ump-1".to_vec(), b"ump-2".to_vec()],
            horizontal_messages: vec![outbound_hrmp_message()],
            processed_downward_messages: 3,
            hrmp_watermark: BlockNumber(98),
        }
    }

    /// The commitments of [`validation_result`] (same fields, different order on the wire).
    pub fn candidate_commitments() -> CandidateCommitments {
        CandidateCommitments::from(validation_result())
    }

    /// A descriptor for para 2000 whose hash fields are each filled with their own byte
    /// (`0xa1`..`0xa6`), collator `[0x33; 32]`, signature `[0x44; 64]`.
    pub fn candidate_descriptor() -> CandidateDescriptor {
        CandidateDescriptor {
            para_id: para_id(),
            relay_parent: Hash([0xa1; 32]),
            collator: sr25519_public(),
            persisted_validation_data_hash: Hash([0xa2; 32]),
            pov_hash: Hash([0xa3; 32]),
            erasure_root: Hash([0xa4; 32]),
            signature: sr25519_signature(),
            para_head: Hash([0xa5; 32]),
            validation_code_hash: ValidationCodeHash(Hash([0xa6; 32])),
        }
    }

    /// The plain receipt of [`committed_candidate_receipt`].
    pub fn candidate_receipt() -> CandidateReceipt {
        committed_candidate_receipt().to_plain()
    }

    /// [`candidate_descriptor`] with [`candidate_commitments`].
    pub fn committed_candidate_receipt() -> CommittedCandidateReceipt {
        CommittedCandidateReceipt {
            descriptor: candidate_descriptor(),
            commitments: candidate_commitments(),
        }
    }
}
