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
    use atoll_primitives::parachain::{
        ApprovalVote, AssignmentCert, AssignmentKind, AvailabilityBitfield, AvailableData,
        BackedCandidate, CompactStatement, DelayTranche, DisputeStatement, DisputeStatementSet,
        ErasureChunk, IndirectAssignmentCert, IndirectSignedApprovalVote,
        InvalidDisputeStatementKind, ParaInherentData, SignedAvailabilityBitfield,
        SignedDisputeStatement, SignedStatement, SigningContext, Statement,
        ValidDisputeStatementKind, ValidityAttestation,
    };
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

    // ---- Parachain host messages (`atoll_primitives::parachain`). ----
    //
    // Signatures here are fixed bytes ([`sr25519_signature`], not valid signatures): the
    // fixtures pin encodings, not signing. `tests/parachain_signatures.rs` checks signing.

    /// Session 42 ([`session_index`]) at relay parent `[0xb1; 32]`.
    pub fn signing_context() -> SigningContext {
        SigningContext { session: session_index(), parent_hash: Hash([0xb1; 32]) }
    }

    /// `Statement::Seconded` of [`committed_candidate_receipt`].
    pub fn statement_seconded() -> Statement {
        Statement::Seconded(committed_candidate_receipt())
    }

    /// `Statement::Valid` of [`candidate_hash`].
    pub fn statement_valid() -> Statement {
        Statement::Valid(candidate_hash())
    }

    /// `CompactStatement::Seconded` of [`candidate_hash`].
    pub fn compact_statement_seconded() -> CompactStatement {
        CompactStatement::Seconded(candidate_hash())
    }

    /// `CompactStatement::Valid` of [`candidate_hash`].
    pub fn compact_statement_valid() -> CompactStatement {
        CompactStatement::Valid(candidate_hash())
    }

    /// [`statement_seconded`] by [`validator_index`] with [`sr25519_signature`].
    pub fn signed_statement() -> SignedStatement {
        SignedStatement {
            statement: statement_seconded(),
            validator: validator_index(),
            signature: sr25519_signature(),
        }
    }

    /// `ValidityAttestation::Implicit` with [`sr25519_signature`].
    pub fn validity_attestation_implicit() -> ValidityAttestation {
        ValidityAttestation::Implicit(sr25519_signature())
    }

    /// `ValidityAttestation::Explicit` with `[0x45; 64]`.
    pub fn validity_attestation_explicit() -> ValidityAttestation {
        ValidityAttestation::Explicit(Sr25519Signature([0x45; 64]))
    }

    /// [`committed_candidate_receipt`] backed by validator 1 (implicit, the seconder) and
    /// validator 4 (explicit).
    pub fn backed_candidate() -> BackedCandidate {
        BackedCandidate {
            candidate: committed_candidate_receipt(),
            votes: vec![
                (ValidatorIndex(1), validity_attestation_implicit()),
                (ValidatorIndex(4), validity_attestation_explicit()),
            ],
        }
    }

    /// [`pov`] with [`persisted_validation_data`].
    pub fn available_data() -> AvailableData {
        AvailableData { pov: pov(), validation_data: persisted_validation_data() }
    }

    /// Chunk `b"chunk"` of [`validator_index`] with a two-hash proof (`[0xc1; 32]`,
    /// `[0xc2; 32]`).
    pub fn erasure_chunk() -> ErasureChunk {
        ErasureChunk {
            chunk: b"chunk".to_vec(),
            index: validator_index(),
            proof: vec![Hash([0xc1; 32]), Hash([0xc2; 32])],
        }
    }

    /// Five cores: `1 0 1 1 0`.
    pub fn availability_bitfield() -> AvailabilityBitfield {
        AvailabilityBitfield(vec![true, false, true, true, false])
    }

    /// [`availability_bitfield`] by [`validator_index`] with [`sr25519_signature`].
    pub fn signed_availability_bitfield() -> SignedAvailabilityBitfield {
        SignedAvailabilityBitfield {
            payload: availability_bitfield(),
            validator: validator_index(),
            signature: sr25519_signature(),
        }
    }

    /// `DelayTranche(9)`.
    pub fn delay_tranche() -> DelayTranche {
        DelayTranche(9)
    }

    /// `AssignmentKind::RelayVrfModulo` with sample 2.
    pub fn assignment_kind_modulo() -> AssignmentKind {
        AssignmentKind::RelayVrfModulo { sample: 2 }
    }

    /// `AssignmentKind::RelayVrfDelay` for [`core_index`].
    pub fn assignment_kind_delay() -> AssignmentKind {
        AssignmentKind::RelayVrfDelay { core: core_index() }
    }

    /// An [`assignment_kind_delay`] cert with VRF output `[0xd1; 32]` and proof `[0xd2; 64]`
    /// (not a valid proof; only bytes matter here).
    pub fn assignment_cert() -> AssignmentCert {
        AssignmentCert {
            kind: assignment_kind_delay(),
            vrf_output: [0xd1; 32],
            vrf_proof: [0xd2; 64],
        }
    }

    /// [`assignment_cert`] of [`validator_index`] in [`delay_tranche`] for candidate 1 of block
    /// `[0xd3; 32]`.
    pub fn indirect_assignment_cert() -> IndirectAssignmentCert {
        IndirectAssignmentCert {
            block_hash: Hash([0xd3; 32]),
            validator: validator_index(),
            cert: assignment_cert(),
            tranche: delay_tranche(),
            candidate_index: 1,
        }
    }

    /// An approval of candidate `[0x23; 32]` (not [`candidate_hash`], so its pinned hash
    /// differs: an `ApprovalVote` encodes exactly as its candidate hash).
    pub fn approval_vote() -> ApprovalVote {
        ApprovalVote(CandidateHash(Hash([0x23; 32])))
    }

    /// [`validator_index`]'s approval of candidate 1 of block `[0xd3; 32]` with
    /// [`sr25519_signature`].
    pub fn indirect_signed_approval_vote() -> IndirectSignedApprovalVote {
        IndirectSignedApprovalVote {
            block_hash: Hash([0xd3; 32]),
            candidate_index: 1,
            validator: validator_index(),
            signature: sr25519_signature(),
        }
    }

    /// `ValidDisputeStatementKind::Explicit`.
    pub fn valid_kind_explicit() -> ValidDisputeStatementKind {
        ValidDisputeStatementKind::Explicit
    }

    /// `ValidDisputeStatementKind::BackingSeconded` at relay parent `[0xb1; 32]`.
    pub fn valid_kind_backing_seconded() -> ValidDisputeStatementKind {
        ValidDisputeStatementKind::BackingSeconded(Hash([0xb1; 32]))
    }

    /// `ValidDisputeStatementKind::BackingValid` at relay parent `[0xb1; 32]`.
    pub fn valid_kind_backing_valid() -> ValidDisputeStatementKind {
        ValidDisputeStatementKind::BackingValid(Hash([0xb1; 32]))
    }

    /// `ValidDisputeStatementKind::ApprovalChecking`.
    pub fn valid_kind_approval_checking() -> ValidDisputeStatementKind {
        ValidDisputeStatementKind::ApprovalChecking
    }

    /// `InvalidDisputeStatementKind::Explicit`.
    pub fn invalid_kind_explicit() -> InvalidDisputeStatementKind {
        InvalidDisputeStatementKind::Explicit
    }

    /// `DisputeStatement::Valid` of [`valid_kind_backing_seconded`].
    pub fn dispute_statement_valid() -> DisputeStatement {
        DisputeStatement::Valid(valid_kind_backing_seconded())
    }

    /// `DisputeStatement::Invalid` of [`invalid_kind_explicit`].
    pub fn dispute_statement_invalid() -> DisputeStatement {
        DisputeStatement::Invalid(invalid_kind_explicit())
    }

    /// [`validator_index`]'s [`dispute_statement_invalid`] about [`candidate_hash`] in
    /// [`session_index`], with [`sr25519_signature`].
    pub fn signed_dispute_statement() -> SignedDisputeStatement {
        SignedDisputeStatement {
            candidate_hash: candidate_hash(),
            session: session_index(),
            statement: dispute_statement_invalid(),
            validator: validator_index(),
            signature: sr25519_signature(),
        }
    }

    /// Three statements about [`candidate_hash`] of [`para_id`] in [`session_index`]: validator
    /// 1's backing `Seconded`, validator 2's approval, validator 7's explicit `Invalid`.
    pub fn dispute_statement_set() -> DisputeStatementSet {
        DisputeStatementSet {
            candidate_hash: candidate_hash(),
            session: session_index(),
            para_id: para_id(),
            statements: vec![
                (dispute_statement_valid(), ValidatorIndex(1), sr25519_signature()),
                (
                    DisputeStatement::Valid(valid_kind_approval_checking()),
                    ValidatorIndex(2),
                    sr25519_signature(),
                ),
                (dispute_statement_invalid(), validator_index(), sr25519_signature()),
            ],
        }
    }

    /// One of each: [`signed_availability_bitfield`], [`backed_candidate`],
    /// [`dispute_statement_set`].
    pub fn para_inherent_data() -> ParaInherentData {
        ParaInherentData {
            bitfields: vec![signed_availability_bitfield()],
            backed_candidates: vec![backed_candidate()],
            disputes: vec![dispute_statement_set()],
        }
    }
}
