//! Conformance hashes: these pin the relay chain's wire and state formats.
//!
//! Each type has one fixed, hand-written fixture, and each test asserts blake2b-256 of its SCALE
//! encoding against a hard-coded hex string (and that it round-trips). The `dev` preset's
//! genesis hash pins the state layout (keys and values) too. A change that alters an encoding
//! or the genesis state must change this file in the same commit, visibly, with the reason.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests stop loudly.

use atoll_primitives::crypto::Pair;
use atoll_primitives::relay::{
    AuthorEquivocation, PreDigest, RelayHeader, SignedVote, Slot, Vote, VoteEquivocation, VoteStage,
};
use atoll_primitives::{
    blake2_256, BlockNumber, Hash, HeadData, ParaId, SessionIndex, ValidationCode, ValidatorIndex,
};
use atoll_relay_chain::chain_spec::testnet_genesis;
use atoll_relay_chain::{
    preset, DispatchError, EventRecord, Genesis, GenesisPara, HostConfiguration, Offence,
    OffenceKind, Phase, RelayBlock, RelayCall, RelayEvent, RelayExtrinsic, SignedTransaction,
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
    ]
}

/// `HostConfiguration::default()` encodes to its pinned bytes.
#[test]
fn host_configuration_is_pinned() {
    assert_pinned(
        "HostConfiguration",
        &HostConfiguration::default(),
        "3efb0ce45929a791734a47c753f2eebfef892d5a129c9d749807f91273dfaea0",
    );
}

/// A two-validator genesis with one para encodes to its pinned bytes.
#[test]
fn genesis_is_pinned() {
    assert_pinned(
        "Genesis",
        &genesis_fixture(),
        "0f28ca8b21741367fa170154a78a42b6a24bbdb5131868b9dcb77d6cb0ac2c3b",
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
        "5eb1966c14b3c9843f1325c93de27eb80812380b8a30a9c3d06beb04c3c5a80a",
    );
}

/// The `dev` preset's genesis header hash pins the genesis state's keys and values.
#[test]
fn dev_genesis_hash_is_pinned() {
    let mut db = StateDb::new();
    let header = preset("dev").unwrap().genesis_state(&mut db).unwrap();
    assert_eq!(
        header.hash().to_string(),
        "0x03693b59b872fd01bc06b4587fe8c32106022f5413095c3fd8804a44e57277e9"
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
