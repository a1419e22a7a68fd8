//! Author equivocation detection: two different headers of one author and slot are reported
//! once, with both headers; memory is bounded.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests: a failed expectation is a failed test.

mod common;

use atoll_consensus::AuthorEquivocationDetector;
use atoll_primitives::{
    relay::{PreDigest, Slot},
    Hash, ValidatorIndex,
};
use common::{epoch, genesis, pairs, sealed_child};

fn digest(slot: u64, author: u32) -> PreDigest {
    PreDigest { slot: Slot(slot), author: ValidatorIndex(author), ..PreDigest::default() }
}

/// The same header twice is fine; a different one for the same slot and author is evidence
/// (with the session, the offender's key and both headers), reported once.
#[test]
fn a_second_header_for_a_slot_is_reported_once() {
    let keys = pairs(4);
    let epoch = epoch(&keys, 0);
    let mut detector = AuthorEquivocationDetector::new(100);
    let first = sealed_child(&genesis(), digest(5, 2), &keys[2]);
    let mut second = first.clone();
    second.state_root = Hash::of(b"other state");
    let mut third = first.clone();
    third.state_root = Hash::of(b"yet another state");

    assert_eq!(detector.observe(&first, &epoch), None);
    assert_eq!(detector.observe(&first, &epoch), None, "the same header again");
    let evidence = detector.observe(&second, &epoch).expect("equivocation");
    assert_eq!(evidence.session, epoch.session);
    assert_eq!(evidence.offender, keys[2].public());
    assert_eq!((evidence.first, evidence.second), (first.clone(), second));
    assert_eq!(detector.observe(&third, &epoch), None, "reported once");

    // Other authors and other slots are independent.
    assert_eq!(detector.observe(&sealed_child(&genesis(), digest(5, 3), &keys[3]), &epoch), None);
    assert_eq!(detector.observe(&sealed_child(&genesis(), digest(6, 2), &keys[2]), &epoch), None);
    // Unknown authors are not tracked.
    assert_eq!(detector.observe(&sealed_child(&genesis(), digest(5, 9), &keys[0]), &epoch), None);
}

/// Slots more than `keep_slots` below the highest seen are forgotten, and `prune_below`
/// forgets on demand.
#[test]
fn memory_is_bounded() {
    let keys = pairs(4);
    let epoch = epoch(&keys, 0);
    let mut detector = AuthorEquivocationDetector::new(10);
    for slot in 1..=100u64 {
        let author = (slot % 4) as u32;
        detector.observe(
            &sealed_child(&genesis(), digest(slot, author), &keys[author as usize]),
            &epoch,
        );
    }
    assert!(detector.len() <= 11, "{} remembered", detector.len());
    let old = sealed_child(&genesis(), digest(50, 2), &keys[2]);
    let mut other = old.clone();
    other.state_root = Hash::of(b"x");
    assert_eq!(detector.observe(&other, &epoch), None, "slot 50 is forgotten");
    detector.prune_below(Slot(1_000));
    assert!(detector.is_empty());
}
