#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The parachain host's wire format: every [`HostMessage`] variant has one fixed, hand-written
//! fixture; each round-trips through [`HostMessage::decode_untrusted`] and the blake2b-256 of
//! its SCALE encoding is pinned below, with its variant index (the first byte).
//!
//! Validators and collators built from different commits must agree on these bytes. A change
//! that alters an encoding (a variant or field added, removed, reordered or retyped) must
//! change this file in the same commit, visibly, with the reason in the commit message. Never
//! update a hash here just to make a test pass without knowing which wire change it records.
//!
//! The file also pins what `decode_untrusted` refuses: every truncation, any trailing byte,
//! random garbage (never a panic; whatever decodes re-encodes to the same bytes) and input over
//! [`MAX_HOST_MESSAGE_SIZE`] (by the size check, before decoding).
//!
//! Signatures and VRF proofs in the fixtures are fixed bytes, not valid ones: only the
//! encoding is pinned here (signing is `atoll-primitives`' concern).

use atoll_parachain_host::protocol::MAX_HOST_MESSAGE_SIZE;
use atoll_parachain_host::HostMessage;
use atoll_primitives::parachain::{
    AssignmentCert, AssignmentKind, AvailabilityBitfield, DelayTranche, DisputeStatement,
    ErasureChunk, IndirectAssignmentCert, IndirectSignedApprovalVote, InvalidDisputeStatementKind,
    SignedAvailabilityBitfield, SignedDisputeStatement, SignedStatement, Statement,
};
use atoll_primitives::{
    blake2_256, BlockData, BlockNumber, CandidateCommitments, CandidateDescriptor, CandidateHash,
    CandidateReceipt, CommittedCandidateReceipt, CoreIndex, DecodeError, Hash, HeadData,
    OutboundHrmpMessage, ParaId, PersistedValidationData, PoV, SessionIndex, Sr25519Public,
    Sr25519Signature, ValidationCode, ValidationCodeHash, ValidatorIndex,
};
use parity_scale_codec::Encode;

/// The `what` that `decode_untrusted` reports.
const WHAT: &str = "host message";

/// One fixed value per message part. Every field holds a distinct, recognisable constant, so a
/// hex dump can be read by eye. Changing anything here changes the pinned hashes.
mod fixtures {
    use super::*;

    /// The relay parent of every fixture message: `[0xa1; 32]`.
    pub fn relay_parent() -> Hash {
        Hash([0xa1; 32])
    }

    /// `[0x44; 64]` (not a valid signature; only bytes matter here).
    pub fn signature() -> Sr25519Signature {
        Sr25519Signature([0x44; 64])
    }

    /// The PoV `b"pov"`.
    pub fn pov() -> PoV {
        PoV { block_data: BlockData(b"pov".to_vec()) }
    }

    /// Parent head `b"parent"`, relay parent #99 with storage root `[0x66; 32]`, a 5 MiB PoV
    /// limit.
    pub fn validation_data() -> PersistedValidationData {
        PersistedValidationData {
            parent_head: HeadData(b"parent".to_vec()),
            relay_parent_number: BlockNumber(99),
            relay_parent_storage_root: Hash([0x66; 32]),
            max_pov_size: 5 * 1024 * 1024,
        }
    }

    /// A candidate of para 2000 at [`relay_parent`]: hash fields `[0xa2; 32]`..`[0xa6; 32]`,
    /// collator `[0x33; 32]`, new head `b"head"`, a code upgrade to `b"new code"`, one upward
    /// and one HRMP message.
    pub fn committed_candidate() -> CommittedCandidateReceipt {
        CommittedCandidateReceipt {
            descriptor: CandidateDescriptor {
                para_id: ParaId(2000),
                relay_parent: relay_parent(),
                collator: Sr25519Public([0x33; 32]),
                persisted_validation_data_hash: Hash([0xa2; 32]),
                pov_hash: Hash([0xa3; 32]),
                erasure_root: Hash([0xa4; 32]),
                signature: signature(),
                para_head: Hash([0xa5; 32]),
                validation_code_hash: ValidationCodeHash(Hash([0xa6; 32])),
            },
            commitments: CandidateCommitments {
                upward_messages: vec![b"ump".to_vec()],
                horizontal_messages: vec![OutboundHrmpMessage {
                    recipient: ParaId(2001),
                    data: b"hrmp".to_vec(),
                }],
                new_validation_code: Some(ValidationCode(b"new code".to_vec())),
                head_data: HeadData(b"head".to_vec()),
                processed_downward_messages: 3,
                hrmp_watermark: BlockNumber(98),
            },
        }
    }

    /// The plain receipt of [`committed_candidate`].
    pub fn candidate_receipt() -> CandidateReceipt {
        committed_candidate().to_plain()
    }

    /// The candidate hash `[0x22; 32]` (not [`committed_candidate`]'s: a request names any
    /// candidate).
    pub fn candidate_hash() -> CandidateHash {
        CandidateHash(Hash([0x22; 32]))
    }

    /// Validator 7.
    pub fn validator() -> ValidatorIndex {
        ValidatorIndex(7)
    }

    /// The chunk `b"chunk"` of [`validator`] with a two-hash proof (`[0xc1; 32]`,
    /// `[0xc2; 32]`).
    pub fn erasure_chunk() -> ErasureChunk {
        ErasureChunk {
            chunk: b"chunk".to_vec(),
            index: validator(),
            proof: vec![Hash([0xc1; 32]), Hash([0xc2; 32])],
        }
    }

    /// Message 0: a collation of [`committed_candidate`].
    pub fn collation() -> HostMessage {
        HostMessage::Collation {
            relay_parent: relay_parent(),
            candidate: committed_candidate(),
            pov: pov(),
            validation_data: validation_data(),
        }
    }

    /// Message 1: [`validator`]'s `Seconded` of [`committed_candidate`].
    pub fn statement() -> HostMessage {
        HostMessage::Statement {
            relay_parent: relay_parent(),
            statement: SignedStatement {
                statement: Statement::Seconded(committed_candidate()),
                validator: validator(),
                signature: signature(),
            },
        }
    }

    /// Message 2: a request for [`candidate_hash`]'s PoV.
    pub fn pov_request() -> HostMessage {
        HostMessage::PovRequest { relay_parent: relay_parent(), candidate_hash: candidate_hash() }
    }

    /// Message 3: the answer, holding [`pov`] and [`validation_data`].
    pub fn pov_response() -> HostMessage {
        HostMessage::PovResponse {
            candidate_hash: candidate_hash(),
            pov: Some((pov(), validation_data())),
        }
    }

    /// Message 4: a request for [`validator`]'s chunk of [`candidate_hash`].
    pub fn chunk_request() -> HostMessage {
        HostMessage::ChunkRequest { candidate_hash: candidate_hash(), index: validator() }
    }

    /// Message 5: the answer, holding [`erasure_chunk`].
    pub fn chunk_response() -> HostMessage {
        HostMessage::ChunkResponse {
            candidate_hash: candidate_hash(),
            chunk: Some(erasure_chunk()),
        }
    }

    /// Message 6: [`validator`]'s bitfield `1 0 1 1 0`.
    pub fn bitfield() -> HostMessage {
        HostMessage::Bitfield {
            relay_parent: relay_parent(),
            bitfield: SignedAvailabilityBitfield {
                payload: AvailabilityBitfield(vec![true, false, true, true, false]),
                validator: validator(),
                signature: signature(),
            },
        }
    }

    /// Message 7: [`validator`]'s tranche-9 delay assignment to core 3, candidate 1 of block
    /// `[0xd3; 32]`, VRF output `[0xd1; 32]` and proof `[0xd2; 64]`.
    pub fn assignment() -> HostMessage {
        HostMessage::Assignment(IndirectAssignmentCert {
            block_hash: Hash([0xd3; 32]),
            validator: validator(),
            cert: AssignmentCert {
                kind: AssignmentKind::RelayVrfDelay { core: CoreIndex(3) },
                vrf_output: [0xd1; 32],
                vrf_proof: [0xd2; 64],
            },
            tranche: DelayTranche(9),
            candidate_index: 1,
        })
    }

    /// Message 8: [`validator`]'s approval of candidate 1 of block `[0xd3; 32]`.
    pub fn approval() -> HostMessage {
        HostMessage::Approval(IndirectSignedApprovalVote {
            block_hash: Hash([0xd3; 32]),
            candidate_index: 1,
            validator: validator(),
            signature: signature(),
        })
    }

    /// Message 9: [`validator`]'s explicit `Invalid` vote about [`candidate_receipt`] in
    /// session 42.
    pub fn dispute_vote() -> HostMessage {
        let candidate = candidate_receipt();
        HostMessage::DisputeVote {
            statement: SignedDisputeStatement {
                candidate_hash: candidate.hash(),
                session: SessionIndex(42),
                statement: DisputeStatement::Invalid(InvalidDisputeStatementKind::Explicit),
                validator: validator(),
                signature: signature(),
            },
            candidate,
        }
    }

    /// Every fixture message, in variant order (index `i` is variant `i`).
    pub fn all() -> [HostMessage; 10] {
        [
            collation(),
            statement(),
            pov_request(),
            pov_response(),
            chunk_request(),
            chunk_response(),
            bitfield(),
            assignment(),
            approval(),
            dispute_vote(),
        ]
    }
}

/// Asserts that `message` survives encoding and [`HostMessage::decode_untrusted`], that its
/// variant index (first byte) is `index`, and that blake2b-256 of its encoding is
/// `expected_hex`.
fn assert_pinned(label: &str, message: &HostMessage, index: u8, expected_hex: &str) {
    let encoded = assert_round_trip(label, message);
    assert_eq!(encoded[0], index, "{label}: variant index");
    assert_eq!(
        hex::encode(blake2_256(&encoded)),
        expected_hex,
        "{label}: the wire format changed; encoding is now 0x{}",
        hex::encode(&encoded)
    );
}

/// Asserts that `message` survives encoding and [`HostMessage::decode_untrusted`] and that its
/// `encoded_size` is its encoding's length. Returns the encoding.
fn assert_round_trip(label: &str, message: &HostMessage) -> Vec<u8> {
    let encoded = message.encode();
    assert_eq!(message.encoded_size(), encoded.len(), "{label}: encoded_size");
    assert_eq!(
        HostMessage::decode_untrusted(&encoded).as_ref(),
        Ok(message),
        "{label}: round trip of 0x{}",
        hex::encode(&encoded)
    );
    encoded
}

/// `Collation` (index 0) encodes to its pinned bytes.
#[test]
fn collation_is_pinned() {
    assert_pinned(
        "Collation",
        &fixtures::collation(),
        0,
        "3a316fd1e6797592b4c0a1040dab136e2091f4fe121f7d6b7d58391932c26160",
    );
}

/// `Statement` (index 1) encodes to its pinned bytes.
#[test]
fn statement_is_pinned() {
    assert_pinned(
        "Statement",
        &fixtures::statement(),
        1,
        "a0b8f912f776b49ab61b7773963cc71de822776c181309305233fff0bbc36331",
    );
}

/// `PovRequest` (index 2) encodes to its pinned bytes.
#[test]
fn pov_request_is_pinned() {
    assert_pinned(
        "PovRequest",
        &fixtures::pov_request(),
        2,
        "9d753cc0c5cee6636fd42c86d36f4be61bf6ac60a1e141c14390b18089ce8d89",
    );
}

/// `PovResponse` (index 3, holding a PoV) encodes to its pinned bytes.
#[test]
fn pov_response_is_pinned() {
    assert_pinned(
        "PovResponse",
        &fixtures::pov_response(),
        3,
        "4e4a50bc3bb308171aeddfe6b53db00acf21f16cbd687456c76cdb90e1e8ce05",
    );
}

/// `ChunkRequest` (index 4) encodes to its pinned bytes.
#[test]
fn chunk_request_is_pinned() {
    assert_pinned(
        "ChunkRequest",
        &fixtures::chunk_request(),
        4,
        "9835a60adb75ab362bb0815225c7f85f31283505dafe8d3de03ad33c264597e9",
    );
}

/// `ChunkResponse` (index 5, holding a chunk) encodes to its pinned bytes.
#[test]
fn chunk_response_is_pinned() {
    assert_pinned(
        "ChunkResponse",
        &fixtures::chunk_response(),
        5,
        "e51ca9692ff790b2fe367fec04c36cb13482668522b6f955f8e19a6a69eb9ae4",
    );
}

/// `Bitfield` (index 6) encodes to its pinned bytes.
#[test]
fn bitfield_is_pinned() {
    assert_pinned(
        "Bitfield",
        &fixtures::bitfield(),
        6,
        "49ae5d860b264897aa0fbfb4bfb35f72ad28f8a392410be29aed7f8d1c5f8d32",
    );
}

/// `Assignment` (index 7) encodes to its pinned bytes.
#[test]
fn assignment_is_pinned() {
    assert_pinned(
        "Assignment",
        &fixtures::assignment(),
        7,
        "2db6a6e1a2aebd23d27bd8dc62ae63bc6174eca5816ba88838ed0e1f4e88ade9",
    );
}

/// `Approval` (index 8) encodes to its pinned bytes.
#[test]
fn approval_is_pinned() {
    assert_pinned(
        "Approval",
        &fixtures::approval(),
        8,
        "b56f9180e3446a6ad4fd90babe75101404792f47beffb057438514b4083135f8",
    );
}

/// `DisputeVote` (index 9) encodes to its pinned bytes.
#[test]
fn dispute_vote_is_pinned() {
    assert_pinned(
        "DisputeVote",
        &fixtures::dispute_vote(),
        9,
        "6778a0a0063388c879694d680dea8b02107b07bd540bbdb2606b9016633f26b0",
    );
}

/// The "not held" answers (`None`) round-trip too, and encode as the request's candidate hash
/// followed by a single `00`.
#[test]
fn empty_responses_round_trip() {
    let pov = HostMessage::PovResponse { candidate_hash: fixtures::candidate_hash(), pov: None };
    let chunk =
        HostMessage::ChunkResponse { candidate_hash: fixtures::candidate_hash(), chunk: None };
    for (label, message, index) in [("PovResponse None", pov, 3), ("ChunkResponse None", chunk, 5)]
    {
        let encoded = assert_round_trip(label, &message);
        let mut expected = vec![index];
        expected.extend_from_slice(&[0x22; 32]);
        expected.push(0);
        assert_eq!(encoded, expected, "{label}");
    }
}

/// Every strict prefix of every fixture's encoding is refused as malformed (SCALE encodings
/// are prefix-free): a truncated message never decodes.
#[test]
fn truncated_messages_are_refused() {
    for (index, message) in fixtures::all().iter().enumerate() {
        let encoded = message.encode();
        for cut in 0..encoded.len() {
            let decoded = HostMessage::decode_untrusted(&encoded[..cut]);
            assert!(
                matches!(decoded, Err(DecodeError::Malformed { what: WHAT, .. })),
                "variant {index}: the {cut}-byte prefix of 0x{} gave {decoded:?}",
                hex::encode(&encoded)
            );
        }
    }
}

/// Any byte after a complete message is refused: a message is never silently shortened.
#[test]
fn trailing_bytes_are_refused() {
    for (index, message) in fixtures::all().iter().enumerate() {
        let encoded = message.encode();
        for extra in [&[0x00][..], &[0xff], &[0x01, 0x02, 0x03], &encoded[..]] {
            let mut trailing = encoded.clone();
            trailing.extend_from_slice(extra);
            assert_eq!(
                HostMessage::decode_untrusted(&trailing),
                Err(DecodeError::Malformed {
                    what: WHAT,
                    reason: "trailing bytes after the value"
                }),
                "variant {index}: trailing 0x{}",
                hex::encode(extra)
            );
        }
    }
}

/// An unknown variant index (10 to 255) is refused.
#[test]
fn unknown_variants_are_refused() {
    let body = fixtures::pov_request().encode();
    for index in 10..=255u8 {
        let mut bytes = body.clone();
        bytes[0] = index;
        assert!(
            matches!(HostMessage::decode_untrusted(&bytes), Err(DecodeError::Malformed { .. })),
            "variant index {index}"
        );
    }
}

/// A xorshift64 generator: fixed-seed, dependency-free pseudo-random bytes.
struct XorShift(u64);

impl XorShift {
    /// The next 64 pseudo-random bits.
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A pseudo-random number below `bound` (> 0).
    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }

    /// `len` pseudo-random bytes.
    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// Decodes untrusted `bytes`: it must not panic, and it must either fail as malformed or give
/// a message that re-encodes to exactly `bytes`.
fn assert_refused_or_canonical(bytes: &[u8]) {
    match HostMessage::decode_untrusted(bytes) {
        Ok(message) => {
            assert_eq!(message.encode(), bytes, "0x{} decoded non-canonically", hex::encode(bytes));
        }
        Err(DecodeError::Malformed { what: WHAT, .. }) => {}
        Err(e) => panic!("0x{}: unexpected error {e:?}", hex::encode(bytes)),
    }
}

/// 2,000 random byte strings of 0 to 299 bytes (fixed seed) never panic `decode_untrusted`;
/// each is refused or re-encodes to the same bytes.
#[test]
fn random_garbage_is_refused_or_canonical() {
    let mut rng = XorShift(0x0123_4567_89ab_cdef);
    for _ in 0..2_000 {
        let len = rng.below(300);
        let bytes = rng.bytes(len);
        assert_refused_or_canonical(&bytes);
    }
}

/// The same, with a valid variant index (0 to 9, in turn) as first byte, so decoding gets past
/// the tag into each variant's fields.
#[test]
fn random_garbage_with_a_valid_tag_is_refused_or_canonical() {
    let mut rng = XorShift(0xfedc_ba98_7654_3210);
    for i in 0..2_000u32 {
        let len = 1 + rng.below(299);
        let mut bytes = rng.bytes(len);
        bytes[0] = (i % 10) as u8;
        assert_refused_or_canonical(&bytes);
    }
}

/// Flipping any one bit of a fixture's encoding never panics `decode_untrusted`; whatever the
/// damaged bytes decode to re-encodes to them.
#[test]
fn bit_flipped_messages_are_refused_or_canonical() {
    for message in fixtures::all() {
        let encoded = message.encode();
        for at in 0..encoded.len() {
            for bit in 0..8 {
                let mut bytes = encoded.clone();
                bytes[at] ^= 1 << bit;
                assert_refused_or_canonical(&bytes);
            }
        }
    }
}

/// `MAX_HOST_MESSAGE_SIZE + 1` zero bytes are refused by the size check, before decoding (a
/// decoding error would be `Malformed`, not `TooLarge`).
#[test]
fn oversized_input_is_refused_before_decoding() {
    let bytes = vec![0u8; MAX_HOST_MESSAGE_SIZE + 1];
    assert_eq!(
        HostMessage::decode_untrusted(&bytes),
        Err(DecodeError::TooLarge {
            what: WHAT,
            len: MAX_HOST_MESSAGE_SIZE + 1,
            max: MAX_HOST_MESSAGE_SIZE
        })
    );
}

/// A well-formed collation encoding exactly `MAX_HOST_MESSAGE_SIZE` bytes is accepted; one byte
/// longer (a bigger PoV) is refused as too large although it is well formed.
#[test]
fn size_limit_is_inclusive_and_applies_to_well_formed_messages() {
    /// The fixture collation with a PoV of `len` bytes (`0x5a` each).
    fn collation_with_pov(len: usize) -> HostMessage {
        match fixtures::collation() {
            HostMessage::Collation { relay_parent, candidate, validation_data, .. } => {
                HostMessage::Collation {
                    relay_parent,
                    candidate,
                    pov: PoV { block_data: BlockData(vec![0x5a; len]) },
                    validation_data,
                }
            }
            other => panic!("the collation fixture is {other:?}"),
        }
    }
    // The PoV's compact length prefix is 4 bytes from 2^14 to 2^30 bytes.
    let overhead = collation_with_pov(1 << 14).encoded_size() - (1 << 14);
    let at_limit = collation_with_pov(MAX_HOST_MESSAGE_SIZE - overhead);
    let encoded = at_limit.encode();
    assert_eq!(encoded.len(), MAX_HOST_MESSAGE_SIZE);
    assert_eq!(HostMessage::decode_untrusted(&encoded).as_ref(), Ok(&at_limit));

    let over = collation_with_pov(MAX_HOST_MESSAGE_SIZE - overhead + 1).encode();
    assert_eq!(over.len(), MAX_HOST_MESSAGE_SIZE + 1);
    assert_eq!(
        HostMessage::decode_untrusted(&over),
        Err(DecodeError::TooLarge {
            what: WHAT,
            len: MAX_HOST_MESSAGE_SIZE + 1,
            max: MAX_HOST_MESSAGE_SIZE
        })
    );
}
