//! Slot claiming with the VRF: primaries at the expected rate, exactly one secondary author per
//! slot, and every claim verifies.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // Tests: a failed expectation is a failed test.

mod common;

use atoll_consensus::{claim_slot, primary_threshold, verify_header};
use atoll_primitives::{relay::Slot, ValidatorIndex};
use common::{epoch, genesis, pairs, sealed_child};

/// Over 1,000 slots with 10 validators and c = 1/4: a quarter of the slots (roughly) have a
/// primary, every slot's round-robin author (and nobody else) makes a secondary claim unless
/// it is primary, and every claim passes header verification.
#[test]
fn claims_over_many_slots_follow_the_expected_rates_and_verify() {
    let keys = pairs(10);
    let epoch = epoch(&keys, primary_threshold(1, 4, 10));
    let parent = genesis();
    let slots = 1_000u64;
    let (mut slots_with_primary, mut primaries) = (0u64, 0u64);
    for s in 1..=slots {
        let slot = Slot(s);
        let claims: Vec<_> = keys
            .iter()
            .enumerate()
            .filter_map(|(i, pair)| claim_slot(&epoch, slot, ValidatorIndex(i as u32), pair))
            .collect();
        let secondary_author = epoch.secondary_author(slot).expect("non-empty set");
        let secondaries: Vec<_> = claims.iter().filter(|c| !c.primary).collect();
        let slot_primaries = claims.iter().filter(|c| c.primary).count() as u64;
        primaries += slot_primaries;
        slots_with_primary += u64::from(slot_primaries > 0);
        // Exactly one secondary author: it claims, as secondary or (rarely) as primary.
        assert!(
            claims.iter().any(|c| c.author == secondary_author),
            "{slot}: no claim by its secondary author"
        );
        assert!(secondaries.len() <= 1, "{slot}: {} secondary claims", secondaries.len());
        assert!(secondaries.iter().all(|c| c.author == secondary_author));
        for claim in claims {
            let header = sealed_child(&parent, claim.clone(), &keys[claim.author.0 as usize]);
            let verified = verify_header(&header, &parent, &epoch, s * 1_000)
                .unwrap_or_else(|e| panic!("{slot}: claim of {} refused: {e}", claim.author));
            assert_eq!(verified.primary, claim.primary);
            assert_eq!(verified.author, claim.author);
        }
    }
    // Expected 250 of 1,000 slots (c = 1/4) and 284 primaries (10 × 0.02836 per slot); the
    // ranges are about four standard deviations wide.
    assert!((190..=310).contains(&slots_with_primary), "{slots_with_primary} slots with a primary");
    assert!((220..=350).contains(&primaries), "{primaries} primary claims");
}

/// A validator not in the set, or holding another key than the set lists, never claims; the
/// claims are deterministic.
#[test]
fn only_listed_keys_claim_and_claims_are_deterministic() {
    let keys = pairs(4);
    let epoch = epoch(&keys, u128::MAX);
    let slot = Slot(9);
    assert!(claim_slot(&epoch, slot, ValidatorIndex(4), &keys[0]).is_none(), "unknown index");
    assert!(claim_slot(&epoch, slot, ValidatorIndex(1), &keys[0]).is_none(), "wrong key");
    let claim =
        claim_slot(&epoch, slot, ValidatorIndex(2), &keys[2]).expect("threshold MAX: primary");
    assert!(claim.primary);
    assert_eq!(Some(claim), claim_slot(&epoch, slot, ValidatorIndex(2), &keys[2]));
    let zero = common::epoch(&keys, 0);
    assert!(
        claim_slot(&zero, slot, ValidatorIndex(2), &keys[2]).is_none(),
        "not slot 9's secondary"
    );
    let secondary = claim_slot(&zero, slot, ValidatorIndex(1), &keys[1]).expect("9 mod 4 = 1");
    assert!(!secondary.primary);
}
