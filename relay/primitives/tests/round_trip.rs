//! Round trips of every SCALE-encoded public type of `atoll-primitives`.
//!
//! Each type gets a small generator. A type is checked on its all-minimum value (zeros, empty
//! vectors, `None`), its all-maximum value (`u32::MAX`, `0xff` bytes, `Some`, vectors past the
//! one-byte compact length), its fixture from `common::fixtures`, and [`CASES`] pseudo-random
//! values from a ChaCha stream seeded by the type's name, so every run checks the same values.
//! For each value, [`common::assert_round_trip`] checks encode → `decode_bounded` equality and
//! that trailing bytes, every truncation and an undersized limit are refused.

mod common;

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

/// Round-trips `T`'s minimum, maximum and `fixture` values and [`CASES`] random ones.
fn check<T>(label: &str, fixture: T, mut generate: impl FnMut(&mut Gen) -> T)
where
    T: Encode + Decode + PartialEq + Debug + Default,
{
    let mut g = Gen::new(label);
    g.mode = Mode::Min;
    let min = generate(&mut g);
    assert_eq!(min, T::default(), "{label}: the minimum value is the default");
    assert_round_trip(&format!("{label} min"), &min);
    g.mode = Mode::Max;
    assert_round_trip(&format!("{label} max"), &generate(&mut g));
    assert_round_trip(&format!("{label} fixture"), &fixture);
    g.mode = Mode::Random;
    for case in 0..CASES {
        assert_round_trip(&format!("{label} case {case}"), &generate(&mut g));
    }
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
