//! Shared by the integration tests: keys, epochs, header builders, and (in [`net`]) a
//! deterministic in-test network of finality voters.

#![allow(dead_code)] // Each test binary uses a part of the helpers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Test helpers stop loudly.

pub mod net;

use atoll_consensus::{claim_slot, finality::VoterSet, seal};
use atoll_primitives::{
    crypto::Pair,
    relay::{EpochInfo, PreDigest, RelayHeader, Slot},
    BlockNumber, Hash, SessionIndex, Sr25519Signature, ValidatorIndex,
};

/// `n` deterministic key pairs (seeds 1, 2, ...).
pub fn pairs(n: usize) -> Vec<Pair> {
    (0..n).map(|i| Pair::from_seed(&[i as u8 + 1; 32])).collect()
}

/// `n` key pairs distinct from [`pairs`] (seeds 101, 102, ...).
pub fn other_pairs(n: usize) -> Vec<Pair> {
    (0..n).map(|i| Pair::from_seed(&[i as u8 + 101; 32])).collect()
}

/// The voter set `set_id` of `pairs`.
pub fn voter_set(set_id: u32, pairs: &[Pair]) -> VoterSet {
    VoterSet::new(SessionIndex(set_id), pairs.iter().map(|p| p.public()).collect())
        .expect("valid voter set")
}

/// A session of `pairs` with a fixed randomness, 1 s slots and the given threshold.
pub fn epoch(pairs: &[Pair], primary_threshold: u128) -> EpochInfo {
    EpochInfo {
        session: SessionIndex(3),
        validators: pairs.iter().map(|p| p.public()).collect(),
        randomness: [7u8; 32],
        primary_threshold,
        slot_duration_ms: 1_000,
    }
}

/// The genesis header (number 0, slot 0, unsealed).
pub fn genesis() -> RelayHeader {
    RelayHeader {
        parent_hash: Hash::ZERO,
        number: BlockNumber(0),
        state_root: Hash::of(b"genesis state"),
        extrinsics_root: Hash::ZERO,
        pre_digest: PreDigest::default(),
        seal: Sr25519Signature([0u8; 64]),
    }
}

/// An unsealed child of `parent` (for fork-choice and finality tests, which do not check
/// seals); `salt` tells siblings apart.
pub fn child(parent: &RelayHeader, salt: u8) -> RelayHeader {
    RelayHeader {
        parent_hash: parent.hash(),
        number: parent.number.next(),
        state_root: Hash::of(&[salt, 1]),
        extrinsics_root: Hash::of(&[salt, 2]),
        pre_digest: PreDigest { slot: Slot(parent.pre_digest.slot.0 + 1), ..PreDigest::default() },
        seal: Sr25519Signature([0u8; 64]),
    }
}

/// `len` unsealed blocks on top of `from`, all with `salt`.
pub fn chain_of(from: &RelayHeader, len: usize, salt: u8) -> Vec<RelayHeader> {
    let mut out: Vec<RelayHeader> = Vec::with_capacity(len);
    for _ in 0..len {
        let parent = out.last().unwrap_or(from).clone();
        out.push(child(&parent, salt));
    }
    out
}

/// A header's (hash, number).
pub fn id(header: &RelayHeader) -> (Hash, BlockNumber) {
    (header.hash(), header.number)
}

/// A child of `parent` in `slot`, authored and sealed by `author` with `digest`.
pub fn sealed_child(parent: &RelayHeader, digest: PreDigest, pair: &Pair) -> RelayHeader {
    let mut header = RelayHeader {
        parent_hash: parent.hash(),
        number: parent.number.next(),
        state_root: Hash::of(b"state"),
        extrinsics_root: Hash::of(b"extrinsics"),
        pre_digest: digest,
        seal: Sr25519Signature([0u8; 64]),
    };
    seal(&mut header, pair);
    header
}

/// The claim of the first validator (by index) that can author `slot`, wanting a primary or a
/// secondary claim.
pub fn find_claim(
    epoch: &EpochInfo,
    pairs: &[Pair],
    slot: Slot,
    primary: bool,
) -> Option<(ValidatorIndex, PreDigest)> {
    pairs.iter().enumerate().find_map(|(i, pair)| {
        let index = ValidatorIndex(i as u32);
        claim_slot(epoch, slot, index, pair).filter(|d| d.primary == primary).map(|d| (index, d))
    })
}
