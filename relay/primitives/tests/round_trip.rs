//! Round trips of every SCALE-encoded public type of `atoll-primitives`.
//!
//! Each type gets a small generator. A type is checked on its all-minimum value (zeros, empty
//! vectors, `None`), its all-maximum value (`u32::MAX`, `0xff` bytes, `Some`, vectors past the
//! one-byte compact length), its fixture from `common::fixtures`, and [`CASES`] pseudo-random
//! values from a ChaCha stream seeded by the type's name, so every run checks the same values.
//! For each value, [`common::assert_round_trip`] checks encode → `decode_bounded` equality and
//! that trailing bytes, every truncation and an undersized limit are refused. Enum generators
//! pick among all variants (the first in the minimum, the last in the maximum value), and
//! `assert_covers_variants` checks that every variant is generated.

mod common;

use atoll_primitives::parachain::{
    ApprovalVote, AssignmentCert, AssignmentKind, AvailabilityBitfield, AvailableData,
    BackedCandidate, CompactStatement, DelayTranche, DisputeStatement, DisputeStatementSet,
    ErasureChunk, IndirectAssignmentCert, IndirectSignedApprovalVote, InvalidDisputeStatementKind,
    ParaInherentData, SignedAvailabilityBitfield, SignedDisputeStatement, SignedStatement,
    SigningContext, Statement, ValidDisputeStatementKind, ValidityAttestation,
};
use atoll_primitives::{blake2_256, decode_bounded};
use atoll_primitives::{
    BlockData, BlockNumber, CandidateCommitments, CandidateDescriptor, CandidateHash,
    CandidateReceipt, CommittedCandidateReceipt, CoreIndex, GroupIndex, Hash, HeadData,
    OutboundHrmpMessage, ParaId, PersistedValidationData, PoV, SessionIndex, Sr25519Public,
    Sr25519Signature, UpwardMessage, ValidationCode, ValidationCodeHash, ValidationParams,
    ValidationResult, ValidatorIndex,
};
use parity_scale_codec::{Decode, Encode, MaxEncodedLen};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt::Debug;

use common::{assert_round_trip, fixtures, DECODE_LIMIT};

/// Pseudo-random values checked per type, beyond the minimum, maximum and fixture values.
const CASES: usize = 200;

/// Which values a [`Gen`] produces.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Zeros, empty vectors, `None`.
    Min,
    /// `u32::MAX`, `0xff` bytes, `Some`, longer vectors.
    Max,
    /// Pseudo-random, biased towards edge values.
    Random,
}

/// The source of every generated field.
struct Gen {
    rng: ChaCha8Rng,
    mode: Mode,
}

impl Gen {
    /// A generator seeded by `label` (deterministic, distinct per type).
    fn new(label: &str) -> Gen {
        Gen { rng: ChaCha8Rng::from_seed(blake2_256(label.as_bytes())), mode: Mode::Random }
    }

    fn u32(&mut self) -> u32 {
        match self.mode {
            Mode::Min => 0,
            Mode::Max => u32::MAX,
            Mode::Random => match self.rng.gen_range(0..8) {
                0 => 0,
                1 => u32::MAX,
                2 => self.rng.gen_range(0..256),
                _ => self.rng.gen(),
            },
        }
    }

    fn bytes32(&mut self) -> [u8; 32] {
        match self.mode {
            Mode::Min => [0; 32],
            Mode::Max => [0xff; 32],
            Mode::Random => self.rng.gen(),
        }
    }

    fn bytes64(&mut self) -> [u8; 64] {
        match self.mode {
            Mode::Min => [0; 64],
            Mode::Max => [0xff; 64],
            Mode::Random => {
                let mut out = [0u8; 64];
                self.rng.fill(&mut out[..]);
                out
            }
        }
    }

    /// A byte string: empty often, up to 300 bytes mostly, sometimes at the compact-length
    /// boundaries (63/64 and 16383/16384 bytes: one-, two- and four-byte length prefixes).
    fn bytes(&mut self) -> Vec<u8> {
        match self.mode {
            Mode::Min => Vec::new(),
            Mode::Max => vec![0xff; 64],
            Mode::Random => {
                let len = match self.rng.gen_range(0..64) {
                    0..=9 => 0,
                    10 => 63,
                    11 => 64,
                    12 => 16_383,
                    13 => 16_384,
                    _ => self.rng.gen_range(1..=300),
                };
                let mut out = vec![0u8; len];
                self.rng.fill(&mut out[..]);
                out
            }
        }
    }

    /// A short vector of generated elements (0 to 4; 3 in [`Mode::Max`]).
    fn vec_of<T>(&mut self, mut f: impl FnMut(&mut Gen) -> T) -> Vec<T> {
        let len = match self.mode {
            Mode::Min => 0,
            Mode::Max => 3,
            Mode::Random => self.rng.gen_range(0..=4),
        };
        (0..len).map(|_| f(self)).collect()
    }

    fn option<T>(&mut self, f: impl FnOnce(&mut Gen) -> T) -> Option<T> {
        let some = match self.mode {
            Mode::Min => false,
            Mode::Max => true,
            Mode::Random => self.rng.gen(),
        };
        some.then(|| f(self))
    }

    /// `false`; `true`; or a fair coin.
    fn bool(&mut self) -> bool {
        match self.mode {
            Mode::Min => false,
            Mode::Max => true,
            Mode::Random => self.rng.gen(),
        }
    }

    /// Which of an enum's `count` variants to build: the first in [`Mode::Min`], the last in
    /// [`Mode::Max`], uniformly at random otherwise.
    fn variant(&mut self, count: usize) -> usize {
        match self.mode {
            Mode::Min => 0,
            Mode::Max => count - 1,
            Mode::Random => self.rng.gen_range(0..count),
        }
    }

    /// A bit vector: empty; 64 bits (a two-byte compact length); or 0 to 300 bits, sometimes
    /// exactly 63 or 64.
    fn bits(&mut self) -> Vec<bool> {
        let len = match self.mode {
            Mode::Min => 0,
            Mode::Max => 64,
            Mode::Random => match self.rng.gen_range(0..16) {
                0 => 0,
                1 => 63,
                2 => 64,
                _ => self.rng.gen_range(1..=300),
            },
        };
        (0..len).map(|_| self.bool()).collect()
    }
}

fn para_id(g: &mut Gen) -> ParaId {
    ParaId(g.u32())
}

fn validator_index(g: &mut Gen) -> ValidatorIndex {
    ValidatorIndex(g.u32())
}

fn core_index(g: &mut Gen) -> CoreIndex {
    CoreIndex(g.u32())
}

fn group_index(g: &mut Gen) -> GroupIndex {
    GroupIndex(g.u32())
}

fn session_index(g: &mut Gen) -> SessionIndex {
    SessionIndex(g.u32())
}

fn block_number(g: &mut Gen) -> BlockNumber {
    BlockNumber(g.u32())
}

fn hash(g: &mut Gen) -> Hash {
    Hash(g.bytes32())
}

fn candidate_hash(g: &mut Gen) -> CandidateHash {
    CandidateHash(hash(g))
}

fn sr25519_public(g: &mut Gen) -> Sr25519Public {
    Sr25519Public(g.bytes32())
}

fn sr25519_signature(g: &mut Gen) -> Sr25519Signature {
    Sr25519Signature(g.bytes64())
}

fn head_data(g: &mut Gen) -> HeadData {
    HeadData(g.bytes())
}

fn validation_code(g: &mut Gen) -> ValidationCode {
    ValidationCode(g.bytes())
}

fn validation_code_hash(g: &mut Gen) -> ValidationCodeHash {
    ValidationCodeHash(hash(g))
}

fn block_data(g: &mut Gen) -> BlockData {
    BlockData(g.bytes())
}

fn pov(g: &mut Gen) -> PoV {
    PoV { block_data: block_data(g) }
}

fn persisted_validation_data(g: &mut Gen) -> PersistedValidationData {
    PersistedValidationData {
        parent_head: head_data(g),
        relay_parent_number: block_number(g),
        relay_parent_storage_root: hash(g),
        max_pov_size: g.u32(),
    }
}

fn validation_params(g: &mut Gen) -> ValidationParams {
    ValidationParams {
        parent_head: head_data(g),
        block_data: block_data(g),
        relay_parent_number: block_number(g),
        relay_parent_storage_root: hash(g),
    }
}

fn upward_message(g: &mut Gen) -> UpwardMessage {
    g.bytes()
}

fn outbound_hrmp_message(g: &mut Gen) -> OutboundHrmpMessage {
    OutboundHrmpMessage { recipient: para_id(g), data: g.bytes() }
}

fn validation_result(g: &mut Gen) -> ValidationResult {
    ValidationResult {
        head_data: head_data(g),
        new_validation_code: g.option(validation_code),
        upward_messages: g.vec_of(upward_message),
        horizontal_messages: g.vec_of(outbound_hrmp_message),
        processed_downward_messages: g.u32(),
        hrmp_watermark: block_number(g),
    }
}

fn candidate_descriptor(g: &mut Gen) -> CandidateDescriptor {
    CandidateDescriptor {
        para_id: para_id(g),
        relay_parent: hash(g),
        collator: sr25519_public(g),
        persisted_validation_data_hash: hash(g),
        pov_hash: hash(g),
        erasure_root: hash(g),
        signature: sr25519_signature(g),
        para_head: hash(g),
        validation_code_hash: validation_code_hash(g),
    }
}

fn candidate_commitments(g: &mut Gen) -> CandidateCommitments {
    CandidateCommitments {
        upward_messages: g.vec_of(upward_message),
        horizontal_messages: g.vec_of(outbound_hrmp_message),
        new_validation_code: g.option(validation_code),
        head_data: head_data(g),
        processed_downward_messages: g.u32(),
        hrmp_watermark: block_number(g),
    }
}

fn candidate_receipt(g: &mut Gen) -> CandidateReceipt {
    CandidateReceipt { descriptor: candidate_descriptor(g), commitments_hash: hash(g) }
}

fn committed_candidate_receipt(g: &mut Gen) -> CommittedCandidateReceipt {
    CommittedCandidateReceipt {
        descriptor: candidate_descriptor(g),
        commitments: candidate_commitments(g),
    }
}

/// A signing context.
fn signing_context(g: &mut Gen) -> SigningContext {
    SigningContext { session: session_index(g), parent_hash: hash(g) }
}

/// Either variant: `Seconded` (a whole committed receipt) or `Valid`.
fn statement(g: &mut Gen) -> Statement {
    match g.variant(2) {
        0 => Statement::Seconded(committed_candidate_receipt(g)),
        _ => Statement::Valid(candidate_hash(g)),
    }
}

/// Either variant: `Seconded` or `Valid`.
fn compact_statement(g: &mut Gen) -> CompactStatement {
    match g.variant(2) {
        0 => CompactStatement::Seconded(candidate_hash(g)),
        _ => CompactStatement::Valid(candidate_hash(g)),
    }
}

/// A signed statement of either variant.
fn signed_statement(g: &mut Gen) -> SignedStatement {
    SignedStatement {
        statement: statement(g),
        validator: validator_index(g),
        signature: sr25519_signature(g),
    }
}

/// Either variant: `Implicit` or `Explicit`.
fn validity_attestation(g: &mut Gen) -> ValidityAttestation {
    match g.variant(2) {
        0 => ValidityAttestation::Implicit(sr25519_signature(g)),
        _ => ValidityAttestation::Explicit(sr25519_signature(g)),
    }
}

/// A backed candidate with 0 to 4 votes.
fn backed_candidate(g: &mut Gen) -> BackedCandidate {
    BackedCandidate {
        candidate: committed_candidate_receipt(g),
        votes: g.vec_of(|g| (validator_index(g), validity_attestation(g))),
    }
}

/// Available data.
fn available_data(g: &mut Gen) -> AvailableData {
    AvailableData { pov: pov(g), validation_data: persisted_validation_data(g) }
}

/// A chunk with 0 to 4 proof hashes.
fn erasure_chunk(g: &mut Gen) -> ErasureChunk {
    ErasureChunk { chunk: g.bytes(), index: validator_index(g), proof: g.vec_of(hash) }
}

/// A bitfield of 0 to 300 bits.
fn availability_bitfield(g: &mut Gen) -> AvailabilityBitfield {
    AvailabilityBitfield(g.bits())
}

/// A signed bitfield.
fn signed_availability_bitfield(g: &mut Gen) -> SignedAvailabilityBitfield {
    SignedAvailabilityBitfield {
        payload: availability_bitfield(g),
        validator: validator_index(g),
        signature: sr25519_signature(g),
    }
}

/// A tranche.
fn delay_tranche(g: &mut Gen) -> DelayTranche {
    DelayTranche(g.u32())
}

/// Either variant: `RelayVrfModulo` or `RelayVrfDelay`.
fn assignment_kind(g: &mut Gen) -> AssignmentKind {
    match g.variant(2) {
        0 => AssignmentKind::RelayVrfModulo { sample: g.u32() },
        _ => AssignmentKind::RelayVrfDelay { core: core_index(g) },
    }
}

/// An assignment cert of either kind.
fn assignment_cert(g: &mut Gen) -> AssignmentCert {
    AssignmentCert { kind: assignment_kind(g), vrf_output: g.bytes32(), vrf_proof: g.bytes64() }
}

/// A gossiped assignment.
fn indirect_assignment_cert(g: &mut Gen) -> IndirectAssignmentCert {
    IndirectAssignmentCert {
        block_hash: hash(g),
        validator: validator_index(g),
        cert: assignment_cert(g),
        tranche: delay_tranche(g),
        candidate_index: g.u32(),
    }
}

/// An approval vote.
fn approval_vote(g: &mut Gen) -> ApprovalVote {
    ApprovalVote(candidate_hash(g))
}

/// A gossiped approval vote.
fn indirect_signed_approval_vote(g: &mut Gen) -> IndirectSignedApprovalVote {
    IndirectSignedApprovalVote {
        block_hash: hash(g),
        candidate_index: g.u32(),
        validator: validator_index(g),
        signature: sr25519_signature(g),
    }
}

/// Any of the four variants.
fn valid_dispute_statement_kind(g: &mut Gen) -> ValidDisputeStatementKind {
    match g.variant(4) {
        0 => ValidDisputeStatementKind::Explicit,
        1 => ValidDisputeStatementKind::BackingSeconded(hash(g)),
        2 => ValidDisputeStatementKind::BackingValid(hash(g)),
        _ => ValidDisputeStatementKind::ApprovalChecking,
    }
}

/// The only variant, `Explicit` (the generator takes a `Gen` to fit [`check_values`]).
fn invalid_dispute_statement_kind(_: &mut Gen) -> InvalidDisputeStatementKind {
    InvalidDisputeStatementKind::Explicit
}

/// Either variant, `Valid` with any of its kinds.
fn dispute_statement(g: &mut Gen) -> DisputeStatement {
    match g.variant(2) {
        0 => DisputeStatement::Valid(valid_dispute_statement_kind(g)),
        _ => DisputeStatement::Invalid(invalid_dispute_statement_kind(g)),
    }
}

/// A signed dispute statement of any kind.
fn signed_dispute_statement(g: &mut Gen) -> SignedDisputeStatement {
    SignedDisputeStatement {
        candidate_hash: candidate_hash(g),
        session: session_index(g),
        statement: dispute_statement(g),
        validator: validator_index(g),
        signature: sr25519_signature(g),
    }
}

/// A statement set with 0 to 4 statements.
fn dispute_statement_set(g: &mut Gen) -> DisputeStatementSet {
    DisputeStatementSet {
        candidate_hash: candidate_hash(g),
        session: session_index(g),
        para_id: para_id(g),
        statements: g.vec_of(|g| (dispute_statement(g), validator_index(g), sr25519_signature(g))),
    }
}

/// A para inherent with 0 to 2 items of each kind (at most 2: a backed candidate is large, and
/// [`common::assert_round_trip`] decodes every truncation).
fn para_inherent_data(g: &mut Gen) -> ParaInherentData {
    let mut inherent = ParaInherentData {
        bitfields: g.vec_of(signed_availability_bitfield),
        backed_candidates: g.vec_of(backed_candidate),
        disputes: g.vec_of(dispute_statement_set),
    };
    inherent.bitfields.truncate(2);
    inherent.backed_candidates.truncate(2);
    inherent.disputes.truncate(2);
    inherent
}

/// Round-trips `T`'s minimum, maximum and `fixture` values and [`CASES`] random ones, and
/// checks that the minimum value is `T::default()`.
fn check<T>(label: &str, fixture: T, mut generate: impl FnMut(&mut Gen) -> T)
where
    T: Encode + Decode + PartialEq + Debug + Default,
{
    let mut g = Gen::new(label);
    g.mode = Mode::Min;
    assert_eq!(generate(&mut g), T::default(), "{label}: the minimum value is the default");
    check_values(label, &[fixture], generate);
}

/// Round-trips `T`'s minimum and maximum values, every value of `fixtures` and [`CASES`]
/// random ones (for types without a `Default`, such as enums).
fn check_values<T>(label: &str, fixtures: &[T], generate: impl FnMut(&mut Gen) -> T)
where
    T: Encode + Decode + PartialEq + Debug,
{
    check_values_n(label, fixtures, generate, CASES);
}

/// [`check_values`] with `cases` random values instead of [`CASES`] (for types whose random
/// values are large: every truncation of every value is decoded).
fn check_values_n<T>(
    label: &str,
    fixtures: &[T],
    mut generate: impl FnMut(&mut Gen) -> T,
    cases: usize,
) where
    T: Encode + Decode + PartialEq + Debug,
{
    let mut g = Gen::new(label);
    g.mode = Mode::Min;
    assert_round_trip(&format!("{label} min"), &generate(&mut g));
    g.mode = Mode::Max;
    assert_round_trip(&format!("{label} max"), &generate(&mut g));
    for (i, fixture) in fixtures.iter().enumerate() {
        assert_round_trip(&format!("{label} fixture {i}"), fixture);
    }
    g.mode = Mode::Random;
    for case in 0..cases {
        assert_round_trip(&format!("{label} case {case}"), &generate(&mut g));
    }
}

/// Asserts that among `T`'s minimum, maximum and [`CASES`] random values every encoding
/// prefix of `prefixes` occurs: one per enum variant (the variant index, and for nested enums
/// the inner index too), so the random round trips cover every variant.
fn assert_covers_variants<T: Encode>(
    label: &str,
    prefixes: &[&[u8]],
    mut generate: impl FnMut(&mut Gen) -> T,
) {
    let mut g = Gen::new(label);
    let mut encodings = Vec::new();
    for mode in [Mode::Min, Mode::Max] {
        g.mode = mode;
        encodings.push(generate(&mut g).encode());
    }
    g.mode = Mode::Random;
    encodings.extend((0..CASES).map(|_| generate(&mut g).encode()));
    for prefix in prefixes {
        assert!(
            encodings.iter().any(|e| e.starts_with(prefix)),
            "{label}: no generated value encodes with prefix 0x{}",
            hex::encode(prefix)
        );
    }
    assert!(
        encodings.iter().all(|e| prefixes.iter().any(|p| e.starts_with(p))),
        "{label}: a generated value has a variant prefix not listed"
    );
}

/// Round-trips a fixed-size type and checks each encoding is exactly `max_encoded_len` bytes.
fn check_fixed<T>(label: &str, fixture: T, mut generate: impl FnMut(&mut Gen) -> T)
where
    T: Encode + Decode + PartialEq + Debug + Default + MaxEncodedLen,
{
    let mut sizes = Gen::new(label);
    for _ in 0..CASES {
        assert_eq!(generate(&mut sizes).encoded_size(), T::max_encoded_len(), "{label}");
    }
    check(label, fixture, generate);
}

/// `ParaId` round-trips and always encodes to its `max_encoded_len` (4 bytes).
#[test]
fn para_id_round_trips() {
    check_fixed("ParaId", fixtures::para_id(), para_id);
}

/// `ValidatorIndex` round-trips and always encodes to its `max_encoded_len`.
#[test]
fn validator_index_round_trips() {
    check_fixed("ValidatorIndex", fixtures::validator_index(), validator_index);
}

/// `CoreIndex` round-trips and always encodes to its `max_encoded_len`.
#[test]
fn core_index_round_trips() {
    check_fixed("CoreIndex", fixtures::core_index(), core_index);
}

/// `GroupIndex` round-trips and always encodes to its `max_encoded_len`.
#[test]
fn group_index_round_trips() {
    check_fixed("GroupIndex", fixtures::group_index(), group_index);
}

/// `SessionIndex` round-trips and always encodes to its `max_encoded_len`.
#[test]
fn session_index_round_trips() {
    check_fixed("SessionIndex", fixtures::session_index(), session_index);
}

/// `BlockNumber` round-trips and always encodes to its `max_encoded_len`.
#[test]
fn block_number_round_trips() {
    check_fixed("BlockNumber", fixtures::block_number(), block_number);
}

/// `Hash` round-trips and always encodes to its `max_encoded_len` (32 bytes).
#[test]
fn hash_round_trips() {
    check_fixed("Hash", fixtures::hash(), hash);
}

/// `CandidateHash` round-trips.
#[test]
fn candidate_hash_round_trips() {
    check("CandidateHash", fixtures::candidate_hash(), candidate_hash);
}

/// `Sr25519Public` round-trips and always encodes to its `max_encoded_len` (32 bytes).
#[test]
fn sr25519_public_round_trips() {
    check_fixed("Sr25519Public", fixtures::sr25519_public(), sr25519_public);
}

/// `Sr25519Signature` round-trips and always encodes to its `max_encoded_len` (64 bytes).
#[test]
fn sr25519_signature_round_trips() {
    check_fixed("Sr25519Signature", fixtures::sr25519_signature(), sr25519_signature);
}

/// `HeadData` round-trips, from empty to 16384 bytes.
#[test]
fn head_data_round_trips() {
    check("HeadData", fixtures::head_data(), head_data);
}

/// `ValidationCode` round-trips, from empty to 16384 bytes.
#[test]
fn validation_code_round_trips() {
    check("ValidationCode", fixtures::validation_code(), validation_code);
}

/// `ValidationCodeHash` round-trips.
#[test]
fn validation_code_hash_round_trips() {
    check("ValidationCodeHash", fixtures::validation_code_hash(), validation_code_hash);
}

/// `BlockData` round-trips, from empty to 16384 bytes.
#[test]
fn block_data_round_trips() {
    check("BlockData", fixtures::block_data(), block_data);
}

/// `PoV` round-trips.
#[test]
fn pov_round_trips() {
    check("PoV", fixtures::pov(), pov);
}

/// `PersistedValidationData` round-trips.
#[test]
fn persisted_validation_data_round_trips() {
    check(
        "PersistedValidationData",
        fixtures::persisted_validation_data(),
        persisted_validation_data,
    );
}

/// `ValidationParams` round-trips.
#[test]
fn validation_params_round_trips() {
    check("ValidationParams", fixtures::validation_params(), validation_params);
}

/// `OutboundHrmpMessage` round-trips.
#[test]
fn outbound_hrmp_message_round_trips() {
    check("OutboundHrmpMessage", fixtures::outbound_hrmp_message(), outbound_hrmp_message);
}

/// `ValidationResult` round-trips, with and without a code upgrade and with 0 to 4 messages.
#[test]
fn validation_result_round_trips() {
    check("ValidationResult", fixtures::validation_result(), validation_result);
}

/// `CandidateDescriptor` round-trips.
#[test]
fn candidate_descriptor_round_trips() {
    check("CandidateDescriptor", fixtures::candidate_descriptor(), candidate_descriptor);
}

/// `CandidateCommitments` round-trips, with and without a code upgrade and with 0 to 4 messages.
#[test]
fn candidate_commitments_round_trips() {
    check("CandidateCommitments", fixtures::candidate_commitments(), candidate_commitments);
}

/// `CandidateReceipt` round-trips.
#[test]
fn candidate_receipt_round_trips() {
    check("CandidateReceipt", fixtures::candidate_receipt(), candidate_receipt);
}

/// `CommittedCandidateReceipt` round-trips.
#[test]
fn committed_candidate_receipt_round_trips() {
    check(
        "CommittedCandidateReceipt",
        fixtures::committed_candidate_receipt(),
        committed_candidate_receipt,
    );
}

/// `SigningContext` round-trips.
#[test]
fn signing_context_round_trips() {
    check("SigningContext", fixtures::signing_context(), signing_context);
}

/// `Statement` round-trips, both variants (`Seconded` and `Valid`).
#[test]
fn statement_round_trips() {
    assert_covers_variants("Statement", &[&[1], &[2]], statement);
    check_values(
        "Statement",
        &[fixtures::statement_seconded(), fixtures::statement_valid()],
        statement,
    );
}

/// `CompactStatement` round-trips, both variants.
#[test]
fn compact_statement_round_trips() {
    assert_covers_variants("CompactStatement", &[&[1], &[2]], compact_statement);
    check_values(
        "CompactStatement",
        &[fixtures::compact_statement_seconded(), fixtures::compact_statement_valid()],
        compact_statement,
    );
}

/// `SignedStatement` round-trips, with either statement variant.
#[test]
fn signed_statement_round_trips() {
    assert_covers_variants("SignedStatement", &[&[1], &[2]], signed_statement);
    check_values("SignedStatement", &[fixtures::signed_statement()], signed_statement);
}

/// `ValidityAttestation` round-trips, both variants (`Implicit` and `Explicit`).
#[test]
fn validity_attestation_round_trips() {
    assert_covers_variants("ValidityAttestation", &[&[1], &[2]], validity_attestation);
    check_values(
        "ValidityAttestation",
        &[fixtures::validity_attestation_implicit(), fixtures::validity_attestation_explicit()],
        validity_attestation,
    );
}

/// `BackedCandidate` round-trips, with 0 to 4 votes of either kind.
#[test]
fn backed_candidate_round_trips() {
    check_values("BackedCandidate", &[fixtures::backed_candidate()], backed_candidate);
}

/// `AvailableData` round-trips.
#[test]
fn available_data_round_trips() {
    check("AvailableData", fixtures::available_data(), available_data);
}

/// `ErasureChunk` round-trips, from empty to 16384 bytes, with 0 to 4 proof hashes.
#[test]
fn erasure_chunk_round_trips() {
    check("ErasureChunk", fixtures::erasure_chunk(), erasure_chunk);
}

/// `AvailabilityBitfield` round-trips, from 0 to 300 bits.
#[test]
fn availability_bitfield_round_trips() {
    check("AvailabilityBitfield", fixtures::availability_bitfield(), availability_bitfield);
}

/// `SignedAvailabilityBitfield` round-trips.
#[test]
fn signed_availability_bitfield_round_trips() {
    check_values(
        "SignedAvailabilityBitfield",
        &[fixtures::signed_availability_bitfield()],
        signed_availability_bitfield,
    );
}

/// `DelayTranche` round-trips.
#[test]
fn delay_tranche_round_trips() {
    check("DelayTranche", fixtures::delay_tranche(), delay_tranche);
}

/// `AssignmentKind` round-trips, both variants (`RelayVrfModulo` and `RelayVrfDelay`).
#[test]
fn assignment_kind_round_trips() {
    assert_covers_variants("AssignmentKind", &[&[0], &[1]], assignment_kind);
    check_values(
        "AssignmentKind",
        &[fixtures::assignment_kind_modulo(), fixtures::assignment_kind_delay()],
        assignment_kind,
    );
}

/// `AssignmentCert` round-trips, with either assignment kind.
#[test]
fn assignment_cert_round_trips() {
    assert_covers_variants("AssignmentCert", &[&[0], &[1]], assignment_cert);
    check_values("AssignmentCert", &[fixtures::assignment_cert()], assignment_cert);
}

/// `IndirectAssignmentCert` round-trips.
#[test]
fn indirect_assignment_cert_round_trips() {
    check_values(
        "IndirectAssignmentCert",
        &[fixtures::indirect_assignment_cert()],
        indirect_assignment_cert,
    );
}

/// `ApprovalVote` round-trips.
#[test]
fn approval_vote_round_trips() {
    check_values("ApprovalVote", &[fixtures::approval_vote()], approval_vote);
}

/// `IndirectSignedApprovalVote` round-trips.
#[test]
fn indirect_signed_approval_vote_round_trips() {
    check_values(
        "IndirectSignedApprovalVote",
        &[fixtures::indirect_signed_approval_vote()],
        indirect_signed_approval_vote,
    );
}

/// `ValidDisputeStatementKind` round-trips, all four variants.
#[test]
fn valid_dispute_statement_kind_round_trips() {
    assert_covers_variants(
        "ValidDisputeStatementKind",
        &[&[0], &[1], &[2], &[3]],
        valid_dispute_statement_kind,
    );
    check_values(
        "ValidDisputeStatementKind",
        &[
            fixtures::valid_kind_explicit(),
            fixtures::valid_kind_backing_seconded(),
            fixtures::valid_kind_backing_valid(),
            fixtures::valid_kind_approval_checking(),
        ],
        valid_dispute_statement_kind,
    );
}

/// `InvalidDisputeStatementKind` round-trips (one variant).
#[test]
fn invalid_dispute_statement_kind_round_trips() {
    assert_covers_variants("InvalidDisputeStatementKind", &[&[0]], invalid_dispute_statement_kind);
    check_values(
        "InvalidDisputeStatementKind",
        &[fixtures::invalid_kind_explicit()],
        invalid_dispute_statement_kind,
    );
}

/// The five dispute statements `Valid(kind)` for each valid kind and `Invalid(Explicit)`.
const DISPUTE_STATEMENT_PREFIXES: [&[u8]; 5] = [&[0, 0], &[0, 1], &[0, 2], &[0, 3], &[1, 0]];

/// `DisputeStatement` round-trips, every (variant, kind) pair.
#[test]
fn dispute_statement_round_trips() {
    assert_covers_variants("DisputeStatement", &DISPUTE_STATEMENT_PREFIXES, dispute_statement);
    check_values(
        "DisputeStatement",
        &[fixtures::dispute_statement_valid(), fixtures::dispute_statement_invalid()],
        dispute_statement,
    );
}

/// `SignedDisputeStatement` round-trips, with every (variant, kind) pair.
#[test]
fn signed_dispute_statement_round_trips() {
    // The statement follows the 32-byte candidate hash and the 4-byte session.
    let mut g = Gen::new("SignedDisputeStatement");
    let mut seen = [false; 5];
    for _ in 0..CASES {
        let encoded = signed_dispute_statement(&mut g).encode();
        for (i, prefix) in DISPUTE_STATEMENT_PREFIXES.iter().enumerate() {
            seen[i] |= encoded[36..].starts_with(prefix);
        }
    }
    assert_eq!(seen, [true; 5], "SignedDisputeStatement: every statement kind generated");
    check_values(
        "SignedDisputeStatement",
        &[fixtures::signed_dispute_statement()],
        signed_dispute_statement,
    );
}

/// `DisputeStatementSet` round-trips, with 0 to 4 statements of any kind.
#[test]
fn dispute_statement_set_round_trips() {
    check_values(
        "DisputeStatementSet",
        &[fixtures::dispute_statement_set()],
        dispute_statement_set,
    );
}

/// `ParaInherentData` round-trips, with 0 to 2 items of each kind (a quarter of [`CASES`]:
/// its values are the largest; the item types have their own full round trips above).
#[test]
fn para_inherent_data_round_trips() {
    let mut g = Gen::new("ParaInherentData");
    g.mode = Mode::Min;
    assert_eq!(para_inherent_data(&mut g), ParaInherentData::default(), "the minimum value");
    check_values_n(
        "ParaInherentData",
        &[fixtures::para_inherent_data()],
        para_inherent_data,
        CASES / 4,
    );
}

/// The id newtypes encode exactly like a bare `u32` (4 bytes little-endian) and decode from it.
#[test]
fn id_newtypes_encode_as_u32_little_endian() {
    let mut g = Gen::new("ids as u32");
    let values = [0, 1, 0x0102_0304, u32::MAX].into_iter().chain((0..CASES).map(|_| g.u32()));
    for v in values {
        let le = v.to_le_bytes();
        assert_eq!(v.encode(), le);
        assert_eq!(ParaId(v).encode(), le, "ParaId({v})");
        assert_eq!(ValidatorIndex(v).encode(), le, "ValidatorIndex({v})");
        assert_eq!(CoreIndex(v).encode(), le, "CoreIndex({v})");
        assert_eq!(GroupIndex(v).encode(), le, "GroupIndex({v})");
        assert_eq!(SessionIndex(v).encode(), le, "SessionIndex({v})");
        assert_eq!(BlockNumber(v).encode(), le, "BlockNumber({v})");
        assert_eq!(decode_bounded("ParaId", &le, 4), Ok(ParaId(v)));
        assert_eq!(decode_bounded("ValidatorIndex", &le, 4), Ok(ValidatorIndex(v)));
        assert_eq!(decode_bounded("CoreIndex", &le, 4), Ok(CoreIndex(v)));
        assert_eq!(decode_bounded("GroupIndex", &le, 4), Ok(GroupIndex(v)));
        assert_eq!(decode_bounded("SessionIndex", &le, 4), Ok(SessionIndex(v)));
        assert_eq!(decode_bounded("BlockNumber", &le, 4), Ok(BlockNumber(v)));
    }
}

/// The hash and key newtypes encode as their raw bytes, with no length prefix.
#[test]
fn fixed_byte_newtypes_encode_as_raw_bytes() {
    let mut g = Gen::new("raw byte newtypes");
    for _ in 0..CASES {
        let b32 = g.bytes32();
        let b64 = g.bytes64();
        assert_eq!(Hash(b32).encode(), b32);
        assert_eq!(CandidateHash(Hash(b32)).encode(), b32);
        assert_eq!(ValidationCodeHash(Hash(b32)).encode(), b32);
        assert_eq!(Sr25519Public(b32).encode(), b32);
        assert_eq!(Sr25519Signature(b64).encode(), b64);
    }
}

/// The byte-vector newtypes encode exactly like a bare `Vec<u8>` (compact length, then bytes).
#[test]
fn byte_vector_newtypes_encode_as_vec_u8() {
    let mut g = Gen::new("byte vector newtypes");
    for _ in 0..CASES {
        let bytes = g.bytes();
        let plain = bytes.encode();
        assert_eq!(HeadData(bytes.clone()).encode(), plain);
        assert_eq!(ValidationCode(bytes.clone()).encode(), plain);
        assert_eq!(BlockData(bytes.clone()).encode(), plain);
        assert_eq!(PoV { block_data: BlockData(bytes) }.encode(), plain);
    }
}

/// Decodes untrusted `bytes` as a `T`; if that succeeds, the value must re-encode to exactly
/// `bytes` (SCALE is canonical for these types: one encoding per value).
fn assert_canonical_if_decodes<T: Encode + Decode + Debug>(label: &str, bytes: &[u8]) {
    if let Ok(value) = decode_bounded::<T>("untrusted", bytes, DECODE_LIMIT) {
        assert_eq!(
            value.encode(),
            bytes,
            "{label}: 0x{} decoded non-canonically",
            hex::encode(bytes)
        );
    }
}

/// Random bytes never panic `decode_bounded`, and whatever they decode to re-encodes to them.
#[test]
fn random_bytes_never_panic_and_decode_canonically() {
    let mut g = Gen::new("garbage");
    for _ in 0..2_000 {
        let len = g.rng.gen_range(0..400);
        let mut bytes = vec![0u8; len];
        g.rng.fill(&mut bytes[..]);
        assert_canonical_if_decodes::<ParaId>("ParaId", &bytes);
        assert_canonical_if_decodes::<Hash>("Hash", &bytes);
        assert_canonical_if_decodes::<HeadData>("HeadData", &bytes);
        assert_canonical_if_decodes::<PersistedValidationData>("PVD", &bytes);
        assert_canonical_if_decodes::<ValidationParams>("ValidationParams", &bytes);
        assert_canonical_if_decodes::<ValidationResult>("ValidationResult", &bytes);
        assert_canonical_if_decodes::<CandidateDescriptor>("CandidateDescriptor", &bytes);
        assert_canonical_if_decodes::<CandidateCommitments>("CandidateCommitments", &bytes);
        assert_canonical_if_decodes::<CandidateReceipt>("CandidateReceipt", &bytes);
        assert_canonical_if_decodes::<CommittedCandidateReceipt>("CommittedReceipt", &bytes);
    }
}

/// Flipping one bit of a valid encoding never panics `decode_bounded`, and whatever the damaged
/// bytes decode to re-encodes to them (length prefixes and `Option` tags cannot be bent).
#[test]
fn bit_flipped_encodings_never_panic_and_decode_canonically() {
    fn flip_and_probe<T: Encode + Decode + Debug>(label: &str, generate: fn(&mut Gen) -> T) {
        let mut g = Gen::new(label);
        for _ in 0..CASES {
            let mut bytes = generate(&mut g).encode();
            // Bias towards the front, where the length prefixes and tags of small values sit.
            let end = bytes.len().min(if g.rng.gen() { 16 } else { usize::MAX });
            let at = g.rng.gen_range(0..end);
            bytes[at] ^= 1 << g.rng.gen_range(0..8);
            assert_canonical_if_decodes::<T>(label, &bytes);
        }
    }
    flip_and_probe("HeadData flipped", head_data);
    flip_and_probe("PersistedValidationData flipped", persisted_validation_data);
    flip_and_probe("ValidationParams flipped", validation_params);
    flip_and_probe("OutboundHrmpMessage flipped", outbound_hrmp_message);
    flip_and_probe("ValidationResult flipped", validation_result);
    flip_and_probe("CandidateCommitments flipped", candidate_commitments);
    flip_and_probe("CommittedCandidateReceipt flipped", committed_candidate_receipt);
}

/// Random bytes never panic `decode_bounded` for the parachain host's types, and whatever they
/// decode to re-encodes to them.
#[test]
fn parachain_random_bytes_never_panic_and_decode_canonically() {
    let mut g = Gen::new("parachain garbage");
    for _ in 0..2_000 {
        let len = g.rng.gen_range(0..400);
        let mut bytes = vec![0u8; len];
        g.rng.fill(&mut bytes[..]);
        // Half the time, start with a small byte: a valid enum tag or a short length prefix.
        if !bytes.is_empty() && g.rng.gen() {
            bytes[0] = g.rng.gen_range(0..8);
        }
        assert_canonical_if_decodes::<SigningContext>("SigningContext", &bytes);
        assert_canonical_if_decodes::<Statement>("Statement", &bytes);
        assert_canonical_if_decodes::<CompactStatement>("CompactStatement", &bytes);
        assert_canonical_if_decodes::<SignedStatement>("SignedStatement", &bytes);
        assert_canonical_if_decodes::<ValidityAttestation>("ValidityAttestation", &bytes);
        assert_canonical_if_decodes::<BackedCandidate>("BackedCandidate", &bytes);
        assert_canonical_if_decodes::<AvailableData>("AvailableData", &bytes);
        assert_canonical_if_decodes::<ErasureChunk>("ErasureChunk", &bytes);
        assert_canonical_if_decodes::<AvailabilityBitfield>("AvailabilityBitfield", &bytes);
        assert_canonical_if_decodes::<SignedAvailabilityBitfield>("SignedBitfield", &bytes);
        assert_canonical_if_decodes::<AssignmentKind>("AssignmentKind", &bytes);
        assert_canonical_if_decodes::<AssignmentCert>("AssignmentCert", &bytes);
        assert_canonical_if_decodes::<IndirectAssignmentCert>("IndirectAssignment", &bytes);
        assert_canonical_if_decodes::<IndirectSignedApprovalVote>("IndirectApproval", &bytes);
        assert_canonical_if_decodes::<ValidDisputeStatementKind>("ValidKind", &bytes);
        assert_canonical_if_decodes::<InvalidDisputeStatementKind>("InvalidKind", &bytes);
        assert_canonical_if_decodes::<DisputeStatement>("DisputeStatement", &bytes);
        assert_canonical_if_decodes::<SignedDisputeStatement>("SignedDispute", &bytes);
        assert_canonical_if_decodes::<DisputeStatementSet>("DisputeStatementSet", &bytes);
        assert_canonical_if_decodes::<ParaInherentData>("ParaInherentData", &bytes);
    }
}

/// Flipping one bit of a valid encoding of a parachain host type never panics
/// `decode_bounded`, and whatever the damaged bytes decode to re-encodes to them (enum tags,
/// `bool`s and length prefixes cannot be bent).
#[test]
fn parachain_bit_flipped_encodings_never_panic_and_decode_canonically() {
    /// Flips one random bit of [`CASES`] generated encodings and probes each.
    fn flip_and_probe<T: Encode + Decode + Debug>(label: &str, generate: fn(&mut Gen) -> T) {
        let mut g = Gen::new(label);
        for _ in 0..CASES {
            let mut bytes = generate(&mut g).encode();
            let end = bytes.len().min(if g.rng.gen() { 16 } else { usize::MAX });
            let at = g.rng.gen_range(0..end);
            bytes[at] ^= 1 << g.rng.gen_range(0..8);
            assert_canonical_if_decodes::<T>(label, &bytes);
        }
    }
    flip_and_probe("Statement flipped", statement);
    flip_and_probe("SignedStatement flipped", signed_statement);
    flip_and_probe("BackedCandidate flipped", backed_candidate);
    flip_and_probe("AvailableData flipped", available_data);
    flip_and_probe("ErasureChunk flipped", erasure_chunk);
    flip_and_probe("SignedAvailabilityBitfield flipped", signed_availability_bitfield);
    flip_and_probe("IndirectAssignmentCert flipped", indirect_assignment_cert);
    flip_and_probe("SignedDisputeStatement flipped", signed_dispute_statement);
    flip_and_probe("DisputeStatementSet flipped", dispute_statement_set);
    flip_and_probe("ParaInherentData flipped", para_inherent_data);
}
