//! Header verification: a valid header passes, and each rule refuses its own kind of bad
//! header with its own error.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests: a failed expectation is a failed test.

mod common;

use atoll_consensus::{seal, verify_header, HeaderError, VerifiedHeader};
use atoll_primitives::{
    relay::{EpochInfo, RelayHeader, Slot},
    BlockNumber, Hash, ValidatorIndex,
};
use common::{epoch, find_claim, genesis, pairs, sealed_child};

struct Fixture {
    keys: Vec<atoll_primitives::crypto::Pair>,
    epoch: EpochInfo,
    parent: RelayHeader,
}

/// Four validators, a threshold that makes about half the claims primary, and a non-genesis
/// parent at slot 10.
fn fixture() -> Fixture {
    let keys = pairs(4);
    let epoch = epoch(&keys, u128::MAX / 2);
    let (author, digest) = find_claim(&epoch, &keys, Slot(10), false)
        .or_else(|| find_claim(&epoch, &keys, Slot(10), true))
        .expect("a claim");
    let parent = sealed_child(&genesis(), digest, &keys[author.0 as usize]);
    Fixture { keys, epoch, parent }
}

/// A sealed child of the fixture's parent in `slot`, primary or secondary as asked.
fn authored(f: &Fixture, slot: Slot, primary: bool) -> RelayHeader {
    let (author, digest) = find_claim(&f.epoch, &f.keys, slot, primary).expect("a claim");
    sealed_child(&f.parent, digest, &f.keys[author.0 as usize])
}

fn reseal(f: &Fixture, header: &mut RelayHeader) {
    seal(header, &f.keys[header.pre_digest.author.0 as usize]);
}

/// A slot in which some validator is primary, and one in which the secondary is not.
fn slots(f: &Fixture) -> (Slot, Slot) {
    let primary = (11..100).map(Slot).find(|s| find_claim(&f.epoch, &f.keys, *s, true).is_some());
    let secondary =
        (11..100).map(Slot).find(|s| find_claim(&f.epoch, &f.keys, *s, false).is_some());
    (primary.expect("a primary slot"), secondary.expect("a secondary slot"))
}

/// Primary and secondary headers that follow every rule verify, with their VRF randomness.
#[test]
fn valid_headers_verify() {
    let f = fixture();
    let (p, s) = slots(&f);
    for (slot, primary) in [(p, true), (s, false)] {
        let header = authored(&f, slot, primary);
        let verified = verify_header(&header, &f.parent, &f.epoch, slot.0 * 1_000).expect("valid");
        assert!(matches!(verified, VerifiedHeader { primary: pr, .. } if pr == primary));
        assert_eq!(verified.slot, slot);
    }
}

/// Step 4a: a header naming another parent is refused.
#[test]
fn parent_mismatch() {
    let f = fixture();
    let (_, s) = slots(&f);
    let mut header = authored(&f, s, false);
    header.parent_hash = Hash::of(b"elsewhere");
    reseal(&f, &mut header);
    assert!(matches!(
        verify_header(&header, &f.parent, &f.epoch, s.0 * 1_000),
        Err(HeaderError::ParentMismatch { .. })
    ));
}

/// Step 4a: a number other than the parent's plus one is refused.
#[test]
fn bad_number() {
    let f = fixture();
    let (_, s) = slots(&f);
    let mut header = authored(&f, s, false);
    header.number = BlockNumber(5);
    reseal(&f, &mut header);
    assert_eq!(
        verify_header(&header, &f.parent, &f.epoch, s.0 * 1_000),
        Err(HeaderError::BadNumber { expected: BlockNumber(2), got: BlockNumber(5) })
    );
}

/// Step 4b: the parent's slot again (or lower) is refused; after genesis any slot from 1 on
/// is fine, whatever genesis' digest says.
#[test]
fn slot_not_increasing() {
    let f = fixture();
    let claim = find_claim(&f.epoch, &f.keys, Slot(10), false)
        .or_else(|| find_claim(&f.epoch, &f.keys, Slot(10), true));
    let (author, digest) = claim.expect("a claim");
    let header = sealed_child(&f.parent, digest, &f.keys[author.0 as usize]);
    assert_eq!(
        verify_header(&header, &f.parent, &f.epoch, 10_000),
        Err(HeaderError::SlotNotIncreasing { slot: Slot(10), parent_slot: Slot(10) })
    );
    let mut odd_genesis = genesis();
    odd_genesis.pre_digest.slot = Slot(50);
    let claim = find_claim(&f.epoch, &f.keys, Slot(1), false)
        .or_else(|| find_claim(&f.epoch, &f.keys, Slot(1), true));
    let (author, digest) = claim.expect("a claim");
    let first = sealed_child(&odd_genesis, digest, &f.keys[author.0 as usize]);
    assert!(verify_header(&first, &odd_genesis, &f.epoch, 1_000).is_ok());
}

/// Step 4c: a slot more than one slot ahead of the clock is refused; one ahead is allowed.
#[test]
fn future_slot() {
    let f = fixture();
    let (_, s) = slots(&f);
    let header = authored(&f, s, false);
    assert!(verify_header(&header, &f.parent, &f.epoch, (s.0 - 1) * 1_000).is_ok(), "drift of one");
    assert_eq!(
        verify_header(&header, &f.parent, &f.epoch, (s.0 - 2) * 1_000),
        Err(HeaderError::FutureSlot { slot: s, now_slot: Slot(s.0 - 2) })
    );
}

/// Step 4d: an author index outside the set is refused.
#[test]
fn unknown_author() {
    let f = fixture();
    let (_, s) = slots(&f);
    let mut header = authored(&f, s, false);
    header.pre_digest.author = ValidatorIndex(7);
    assert_eq!(
        verify_header(&header, &f.parent, &f.epoch, s.0 * 1_000),
        Err(HeaderError::UnknownAuthor { index: ValidatorIndex(7) })
    );
}

/// Step 4e: a secondary claim by someone else than the slot's secondary author is refused.
#[test]
fn wrong_secondary() {
    let f = fixture();
    let (_, s) = slots(&f);
    let mut header = authored(&f, s, false);
    let expected = header.pre_digest.author;
    let other = ValidatorIndex((expected.0 + 1) % 4);
    let vrf = f.keys[other.0 as usize]
        .vrf_sign(atoll_primitives::relay::SLOT_VRF_CONTEXT, &f.epoch.vrf_input(s));
    header.pre_digest.author = other;
    header.pre_digest.vrf_output = vrf.output;
    header.pre_digest.vrf_proof = vrf.proof;
    reseal(&f, &mut header);
    assert_eq!(
        verify_header(&header, &f.parent, &f.epoch, s.0 * 1_000),
        Err(HeaderError::WrongSecondary { author: other, expected, slot: s })
    );
}

/// Step 4f: a seal that is not the author's signature over the pre-seal hash is refused.
#[test]
fn bad_seal() {
    let f = fixture();
    let (_, s) = slots(&f);
    let mut header = authored(&f, s, false);
    let author = header.pre_digest.author;
    header.state_root = Hash::of(b"changed after sealing");
    assert_eq!(
        verify_header(&header, &f.parent, &f.epoch, s.0 * 1_000),
        Err(HeaderError::BadSeal { author })
    );
    let mut header = authored(&f, s, false);
    seal(&mut header, &f.keys[(author.0 as usize + 1) % 4]);
    assert_eq!(
        verify_header(&header, &f.parent, &f.epoch, s.0 * 1_000),
        Err(HeaderError::BadSeal { author })
    );
}

/// Step 4g: a VRF output or proof that does not verify (another slot's, or damaged) is refused.
#[test]
fn bad_vrf() {
    let f = fixture();
    let (_, s) = slots(&f);
    let mut header = authored(&f, s, false);
    let author = header.pre_digest.author;
    let other_slot = f.keys[author.0 as usize]
        .vrf_sign(atoll_primitives::relay::SLOT_VRF_CONTEXT, &f.epoch.vrf_input(Slot(s.0 + 1)));
    header.pre_digest.vrf_output = other_slot.output;
    header.pre_digest.vrf_proof = other_slot.proof;
    reseal(&f, &mut header);
    assert_eq!(
        verify_header(&header, &f.parent, &f.epoch, s.0 * 1_000),
        Err(HeaderError::BadVrf { author })
    );
    let mut header = authored(&f, s, false);
    header.pre_digest.vrf_proof[0] ^= 1;
    reseal(&f, &mut header);
    assert_eq!(
        verify_header(&header, &f.parent, &f.epoch, s.0 * 1_000),
        Err(HeaderError::BadVrf { author })
    );
}

/// Step 4h: a primary claim whose VRF value is not under the threshold is refused.
#[test]
fn not_primary() {
    let f = fixture();
    let (_, s) = slots(&f);
    let mut header = authored(&f, s, false);
    let author = header.pre_digest.author;
    header.pre_digest.primary = true;
    reseal(&f, &mut header);
    assert_eq!(
        verify_header(&header, &f.parent, &f.epoch, s.0 * 1_000),
        Err(HeaderError::NotPrimary { author, slot: s })
    );
}
