//! Conformance hashes: these pin the relay chain's wire and state formats.
//!
//! Each type has one fixed, hand-written fixture, and each test asserts blake2b-256 of its SCALE
//! encoding against a hard-coded hex string (and that it round-trips). The `dev` preset's
//! genesis hash pins the state layout (keys and values) too. A change that alters an encoding
//! or the genesis state must change this file in the same commit, visibly, with the reason.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests stop loudly.

use atoll_primitives::candidate::CandidateDescriptor;
use atoll_primitives::crypto::Pair;
use atoll_primitives::parachain::{
    AvailabilityBitfield, BackedCandidate, DisputeStatement, DisputeStatementSet,
    InvalidDisputeStatementKind, ParaInherentData, SignedAvailabilityBitfield,
    ValidDisputeStatementKind, ValidityAttestation,
};
use atoll_primitives::relay::{
    AuthorEquivocation, PreDigest, RelayHeader, SignedVote, Slot, Vote, VoteEquivocation, VoteStage,
};
use atoll_primitives::{
    blake2_256, BlockNumber, CandidateCommitments, CandidateHash, CommittedCandidateReceipt,
    CoreIndex, GroupIndex, Hash, HeadData, ParaId, SessionIndex, Sr25519Public, Sr25519Signature,
    ValidationCode, ValidationCodeHash, ValidatorIndex,
};
use atoll_relay_chain::chain_spec::testnet_genesis;
use atoll_relay_chain::{
    preset, DispatchError, DisputeState, DropReason, EventRecord, Genesis, GenesisPara,
    HostConfiguration, IncludedCandidate, Offence, OffenceKind, PendingAvailability, Phase,
    RecentBlock, RelayBlock, RelayCall, RelayEvent, RelayExtrinsic, SignedTransaction,
};
use atoll_trie::StateDb;
use parity_scale_codec::{Decode, Encode};

/// Asserts `value` round-trips and blake2b-256 of its encoding is `expected_hex`.
fn assert_pinned<T: Encode + Decode + PartialEq + std::fmt::Debug>(
    label: &str,
    value: &T,
    expected_hex: &str,
) {
    let encoded = value.encode();
    let decoded =
        T::decode(&mut &encoded[..]).unwrap_or_else(|e| panic!("{label}: does not decode: {e}"));
    assert_eq!(&decoded, value, "{label}: round trip");
    assert_eq!(
        hex::encode(blake2_256(&encoded)),
        expected_hex,
        "{label}: the wire format changed; encoding is now 0x{}",
        hex::encode(&encoded)
    );
}

/// Asserts `value` survives encoding and decoding.
fn assert_round_trip<T: Encode + Decode + PartialEq + std::fmt::Debug>(value: &T) {
    let encoded = value.encode();
    assert_eq!(T::decode(&mut &encoded[..]).as_ref(), Ok(value));
}

fn header(n: u8) -> RelayHeader {
    RelayHeader {
        parent_hash: Hash([n; 32]),
        number: BlockNumber(42),
        state_root: Hash([n + 1; 32]),
        extrinsics_root: Hash([n + 2; 32]),
        pre_digest: PreDigest {
            slot: Slot(1_700_000_000),
            author: ValidatorIndex(1),
            primary: true,
            vrf_output: [n + 3; 32],
            vrf_proof: [n + 4; 64],
        },
        seal: atoll_primitives::Sr25519Signature([n + 5; 64]),
    }
}

fn transfer() -> RelayExtrinsic {
    let alice = Pair::dev("Alice");
    let call = RelayCall::Transfer { dest: Pair::dev("Bob").public(), amount: 1_234_567_890_123 };
    RelayExtrinsic::Signed(SignedTransaction::new(&alice, Hash([7; 32]), 3, call))
}

fn vote_equivocation() -> RelayExtrinsic {
    let vote = |target: u8| SignedVote {
        vote: Vote {
            set_id: SessionIndex(2),
            round: 9,
            stage: VoteStage::Prevote,
            target_hash: Hash([target; 32]),
            target_number: BlockNumber(40),
        },
        voter: ValidatorIndex(0),
        signature: atoll_primitives::Sr25519Signature([target; 64]),
    };
    RelayExtrinsic::ReportVoteEquivocation(VoteEquivocation {
        offender: Pair::dev("Charlie").public(),
        first: vote(1),
        second: vote(2),
    })
}

fn genesis_fixture() -> Genesis {
    let mut genesis = testnet_genesis(&["Alice", "Bob"]);
    genesis.paras.push(GenesisPara {
        id: ParaId(2000),
        head: HeadData(vec![1, 2, 3]),
        code: ValidationCode(b"\0asm".to_vec()),
    });
    genesis
}

fn every_call() -> Vec<RelayCall> {
    let bob = Pair::dev("Bob").public();
    vec![
        RelayCall::Transfer { dest: bob, amount: u128::MAX },
        RelayCall::Bond { amount: 1 },
        RelayCall::Unbond { amount: 2 },
        RelayCall::RegisterPara {
            id: ParaId(2000),
            genesis_head: HeadData(vec![1]),
            code: ValidationCode(vec![2]),
        },
        RelayCall::DeregisterPara { id: ParaId(2000) },
        RelayCall::ScheduleCodeUpgrade { id: ParaId(2000), code: ValidationCode(vec![3]) },
        RelayCall::SetValidators { validators: vec![bob] },
        RelayCall::SetConfig(HostConfiguration::test_network()),
        RelayCall::ForceSetHead { para: ParaId(2000), head: HeadData(vec![4, 5]) },
    ]
}

fn committed_candidate() -> CommittedCandidateReceipt {
    CommittedCandidateReceipt {
        descriptor: CandidateDescriptor {
            para_id: ParaId(2000),
            relay_parent: Hash([0x11; 32]),
            collator: Sr25519Public([0x12; 32]),
            persisted_validation_data_hash: Hash([0x13; 32]),
            pov_hash: Hash([0x14; 32]),
            erasure_root: Hash([0x15; 32]),
            signature: Sr25519Signature([0x16; 64]),
            para_head: Hash([0x17; 32]),
            validation_code_hash: ValidationCodeHash(Hash([0x18; 32])),
        },
        commitments: CandidateCommitments {
            upward_messages: vec![vec![1, 2]],
            horizontal_messages: Vec::new(),
            new_validation_code: Some(ValidationCode(vec![0, 0x61, 0x73, 0x6d])),
            head_data: HeadData(vec![9, 9, 9]),
            processed_downward_messages: 0,
            hrmp_watermark: BlockNumber(41),
        },
    }
}

fn para_inherent() -> RelayExtrinsic {
    let candidate = CandidateHash(Hash([0x21; 32]));
    RelayExtrinsic::ParaInherent(ParaInherentData {
        bitfields: vec![SignedAvailabilityBitfield {
            payload: AvailabilityBitfield(vec![true, false, true]),
            validator: ValidatorIndex(4),
            signature: Sr25519Signature([0x31; 64]),
        }],
        backed_candidates: vec![BackedCandidate {
            candidate: committed_candidate(),
            votes: vec![
                (ValidatorIndex(1), ValidityAttestation::Implicit(Sr25519Signature([0x32; 64]))),
                (ValidatorIndex(2), ValidityAttestation::Explicit(Sr25519Signature([0x33; 64]))),
            ],
        }],
        disputes: vec![DisputeStatementSet {
            candidate_hash: candidate,
            session: SessionIndex(3),
            para_id: ParaId(2000),
            statements: vec![
                (
                    DisputeStatement::Valid(ValidDisputeStatementKind::BackingSeconded(Hash(
                        [0x22; 32],
                    ))),
                    ValidatorIndex(1),
                    Sr25519Signature([0x34; 64]),
                ),
                (
                    DisputeStatement::Invalid(InvalidDisputeStatementKind::Explicit),
                    ValidatorIndex(5),
                    Sr25519Signature([0x35; 64]),
                ),
            ],
        }],
    })
}

fn pending_availability() -> PendingAvailability {
    let candidate = committed_candidate();
    PendingAvailability {
        core: CoreIndex(1),
        candidate_hash: candidate.hash(),
        candidate,
        session: SessionIndex(3),
        relay_parent_number: BlockNumber(41),
        backing_group: GroupIndex(2),
        backers: vec![ValidatorIndex(1), ValidatorIndex(2)],
        backed_in: BlockNumber(42),
        availability_votes: vec![true, false, false, true, true, false],
    }
}

fn dispute_state() -> DisputeState {
    DisputeState {
        para_id: ParaId(2000),
        session: SessionIndex(3),
        valid: vec![ValidatorIndex(1), ValidatorIndex(2)],
        invalid: vec![ValidatorIndex(0), ValidatorIndex(3), ValidatorIndex(5)],
        backers: vec![ValidatorIndex(1)],
        opened_at: BlockNumber(50),
        concluded: Some((false, BlockNumber(51))),
    }
}

fn parachain_events() -> Vec<RelayEvent> {
    let candidate_hash = CandidateHash(Hash([0x41; 32]));
    let para_id = ParaId(2000);
    vec![
        RelayEvent::CandidateBacked {
            candidate_hash,
            para_id,
            core: CoreIndex(1),
            group: GroupIndex(2),
        },
        RelayEvent::CandidateIncluded {
            candidate: committed_candidate().to_plain(),
            para_id,
            core: CoreIndex(1),
            group: GroupIndex(2),
            head_hash: HeadData(vec![9, 9, 9]).hash(),
            upward_messages: 1,
            horizontal_messages: 0,
        },
        RelayEvent::CandidateTimedOut { candidate_hash, para_id, core: CoreIndex(1) },
        RelayEvent::CandidateDropped {
            candidate_hash,
            para_id,
            core: CoreIndex(1),
            reason: DropReason::SessionChange,
        },
        RelayEvent::CandidateDisputedInvalid { candidate_hash, para_id, core: CoreIndex(1) },
        RelayEvent::DisputeInitiated { candidate_hash, para_id },
        RelayEvent::DisputeConcluded { candidate_hash, para_id, valid: false },
        RelayEvent::DisputeConcludedAgainstIncluded {
            candidate_hash,
            para_id,
            backed_in: BlockNumber(7),
            included_in: BlockNumber(8),
        },
        RelayEvent::Slashed { validator: Pair::dev("Bob").public(), amount: 1_000 },
        RelayEvent::ValidatorDisabled { validator: ValidatorIndex(3) },
        RelayEvent::ParaHeadForced { id: para_id, head_hash: Hash([0x42; 32]) },
        RelayEvent::OffenceRecorded {
            session: SessionIndex(3),
            offender: Pair::dev("Bob").public(),
            kind: OffenceKind::BackedInvalid,
        },
    ]
}

/// `HostConfiguration::default()` encodes to its pinned bytes. (Changed with the parachain
/// fields: availability_timeout ... slash_approvers; so did the genesis, call-list and dev
/// genesis hashes below, which contain a configuration, `ForceSetHead` and the scheduler's
/// and inclusion's genesis state.)
#[test]
fn host_configuration_is_pinned() {
    assert_pinned(
        "HostConfiguration",
        &HostConfiguration::default(),
        "998a8b00c0cfbbe50ea8cfb33fce1b3f8483509ef63f1ae1e87938fea2b81204",
    );
}

/// A two-validator genesis with one para encodes to its pinned bytes.
#[test]
fn genesis_is_pinned() {
    assert_pinned(
        "Genesis",
        &genesis_fixture(),
        "b6c54ea5b02e0adf285adb74657b31ace53e23347d52cddf07bc9883abc1d935",
    );
}

/// A signed transfer (deterministic signature) encodes to its pinned bytes.
#[test]
fn signed_transfer_extrinsic_is_pinned() {
    assert_pinned(
        "RelayExtrinsic::Signed",
        &transfer(),
        "a967f3198f37c0168f373507d8f08d45aafb0c8f1172457f2faae47a7bfd4df7",
    );
}

/// Author-equivocation evidence encodes to its pinned bytes.
#[test]
fn author_equivocation_extrinsic_is_pinned() {
    let ev = RelayExtrinsic::ReportAuthorEquivocation(Box::new(AuthorEquivocation {
        session: SessionIndex(3),
        offender: Pair::dev("Bob").public(),
        first: header(10),
        second: header(20),
    }));
    assert_pinned(
        "RelayExtrinsic::ReportAuthorEquivocation",
        &ev,
        "ab6443f85459811d15fc7c5f58eb189a56787da0e8d23fb64fadf3284ad4da98",
    );
}

/// Vote-equivocation evidence encodes to its pinned bytes.
#[test]
fn vote_equivocation_extrinsic_is_pinned() {
    assert_pinned(
        "RelayExtrinsic::ReportVoteEquivocation",
        &vote_equivocation(),
        "51f49e9ea47d1c5e43eb759d6cf9173e0b0b944ee2be0acc4571609163f7f5f5",
    );
}

/// A block with a transfer and evidence encodes to its pinned bytes; its extrinsics root too.
#[test]
fn relay_block_is_pinned() {
    let body = vec![transfer(), vote_equivocation()];
    let mut header = header(30);
    header.extrinsics_root = atoll_relay_chain::extrinsics_root(&body);
    assert_eq!(
        header.extrinsics_root.to_string(),
        "0x17fd8193e5d508c1a22e940f7e73a47d6971b2e1a5e4c3202979e53499cd243b"
    );
    assert_pinned(
        "RelayBlock",
        &RelayBlock { header, body },
        "bc4b4f950da7f78b2b2ea24e1755c2cb409a65e2532cd818222e4d97ade16f84",
    );
}

/// The signing payload of a transaction is pinned (a change would invalidate every wallet).
#[test]
fn signing_payload_is_pinned() {
    let payload =
        atoll_relay_chain::signing_payload(Hash([7; 32]), 3, &RelayCall::Bond { amount: 5 });
    assert_eq!(hex::encode(&payload[..14]), hex::encode(b"atoll-relay-tx"));
    assert_eq!(
        hex::encode(blake2_256(&payload)),
        "1f7495c7b1cfd43cc6dcbec9dd049a335c3177b40e308ae07baf4c4f01569aa0"
    );
}

/// Every call variant encodes with its pinned bytes (one hash over the list).
#[test]
fn every_call_is_pinned() {
    for call in every_call() {
        assert_round_trip(&call);
    }
    assert_pinned(
        "Vec<RelayCall>",
        &every_call(),
        "09b242c8ee5e877c309b4c4effe3a116b2ee3cea653ebbe093d7b3fd755efc90",
    );
}

/// The `dev` preset's genesis header hash pins the genesis state's keys and values.
#[test]
fn dev_genesis_hash_is_pinned() {
    let mut db = StateDb::new();
    let header = preset("dev").unwrap().genesis_state(&mut db).unwrap();
    assert_eq!(
        header.hash().to_string(),
        "0x7ebabea0c27f8ff74f040a0560ebbf72304fd52628a15037effd9f188cb96450"
    );
}

/// The other stored and reported types round-trip.
#[test]
fn events_errors_and_offences_round_trip() {
    let alice = Pair::dev("Alice").public();
    assert_round_trip(&EventRecord {
        phase: Phase::ApplyExtrinsic(3),
        event: RelayEvent::ExtrinsicFailed {
            error: DispatchError::InsufficientBalance { who: alice, needed: 5, available: 4 },
        },
    });
    assert_round_trip(&vec![
        RelayEvent::NewSession { session: SessionIndex(1) },
        RelayEvent::CodeUpgradeScheduled {
            id: ParaId(2000),
            code_hash: ValidationCode(vec![1]).hash(),
            at: BlockNumber(9),
        },
        RelayEvent::OffenceRecorded {
            session: SessionIndex(1),
            offender: alice,
            kind: OffenceKind::VoteEquivocation,
        },
    ]);
    assert_round_trip(&DispatchError::InvalidConfig { reason: "x".into() });
    assert_round_trip(&Offence {
        session: SessionIndex(4),
        offender: alice,
        kind: OffenceKind::AuthorEquivocation,
        reported_in: BlockNumber(77),
    });
    assert_round_trip(&GenesisPara {
        id: ParaId(1),
        head: HeadData(vec![]),
        code: ValidationCode(vec![0]),
    });
}

/// A para inherent with a bitfield, a backed candidate and a dispute set encodes to its pinned
/// bytes (codec index 3 of `RelayExtrinsic`).
#[test]
fn para_inherent_extrinsic_is_pinned() {
    let xt = para_inherent();
    assert_eq!(xt.encode()[0], 3);
    assert_pinned(
        "RelayExtrinsic::ParaInherent",
        &xt,
        "7f2762ee7a431826b2c5bc6a19375bdfc4dc4d700bbceb7f52b50fc844191e79",
    );
}

/// The stored parachain types encode to their pinned bytes.
#[test]
fn pending_availability_dispute_state_and_included_candidate_are_pinned() {
    assert_pinned(
        "PendingAvailability",
        &pending_availability(),
        "f38ff5669a5648d89cad022e7eb03120ffe0df7ecb78087cff8606b6bd3fc930",
    );
    assert_pinned(
        "DisputeState",
        &dispute_state(),
        "1ca5aee5758c1fec31d63b12fc97f2a39f908595835824332e970998c9da427e",
    );
    let included = IncludedCandidate {
        para_id: ParaId(2000),
        session: SessionIndex(3),
        relay_parent_number: BlockNumber(41),
        backed_in: BlockNumber(42),
        included_in: BlockNumber(44),
        backers: vec![ValidatorIndex(1), ValidatorIndex(2)],
    };
    assert_pinned(
        "IncludedCandidate",
        &included,
        "17416800c942996a110955486779332e5e6634189fb07c35710f03d5d087d431",
    );
    let recent =
        RecentBlock { hash: Hash([1; 32]), number: BlockNumber(9), state_root: Hash([2; 32]) };
    assert_pinned(
        "RecentBlock",
        &recent,
        "82ce943ea3748e1b5240c203029aca112c71ab89bbaa8ce97c262c793b6f94c1",
    );
}

/// Every parachain event encodes to its pinned bytes (one hash over the list).
#[test]
fn parachain_events_are_pinned() {
    for event in parachain_events() {
        assert_round_trip(&event);
    }
    assert_pinned(
        "Vec<RelayEvent> (parachain)",
        &parachain_events(),
        "d694bb40920d76410b10c40a8fc235ab91396ca996bdbfb679d0d47d47d47f77",
    );
}
