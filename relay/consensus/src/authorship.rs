//! Block authorship: claiming a slot with the VRF (Step 2) and sealing a header (Step 3).

use atoll_primitives::{
    crypto::Pair,
    relay::{EpochInfo, PreDigest, RelayHeader, Slot, SEAL_SIGNING_CONTEXT, SLOT_VRF_CONTEXT},
    ValidatorIndex,
};

/// The number a slot VRF's randomness is compared with the primary threshold as: its first 16
/// bytes, little-endian.
pub fn vrf_value(randomness: &[u8; 32]) -> u128 {
    let mut low = [0u8; 16];
    low.copy_from_slice(&randomness[..16]);
    u128::from_le_bytes(low)
}

/// Whether VRF `randomness` wins a primary slot under `threshold` (Step 2b).
pub fn is_primary(randomness: &[u8; 32], threshold: u128) -> bool {
    vrf_value(randomness) < threshold
}

/// Tries to claim `slot` of `epoch` as validator `me` holding `pair`.
///
/// Step 2: (a) only a member of the set whose listed key is `pair`'s public key claims;
/// (b) the VRF over [`EpochInfo::vrf_input`] under [`SLOT_VRF_CONTEXT`] gives a *primary* claim
/// when its value is below [`EpochInfo::primary_threshold`]; (c) otherwise the slot's
/// round-robin [`EpochInfo::secondary_author`] makes a *secondary* claim, which carries its VRF
/// output and proof too; (d) anyone else has no claim (`None`). Deterministic: the VRF of
/// [`Pair::vrf_sign`] draws no randomness.
pub fn claim_slot(
    epoch: &EpochInfo,
    slot: Slot,
    me: ValidatorIndex,
    pair: &Pair,
) -> Option<PreDigest> {
    // Step 2a.
    let listed = epoch.validators.get(me.0 as usize)?;
    if *listed != pair.public() {
        return None;
    }
    let input = epoch.vrf_input(slot);
    // Step 2b: the VRF value alone decides; the proof is made only for a claim.
    let primary =
        is_primary(&pair.vrf_randomness(SLOT_VRF_CONTEXT, &input), epoch.primary_threshold);
    // Step 2c / 2d.
    if !primary && epoch.secondary_author(slot) != Some(me) {
        return None;
    }
    let vrf = pair.vrf_sign(SLOT_VRF_CONTEXT, &input);
    Some(PreDigest { slot, author: me, primary, vrf_output: vrf.output, vrf_proof: vrf.proof })
}

/// Seals `header`: the author's signature over [`RelayHeader::pre_seal_hash`] under
/// [`SEAL_SIGNING_CONTEXT`] (Step 3). Call it last: any later change to the header breaks it.
pub fn seal(header: &mut RelayHeader, pair: &Pair) {
    header.seal = pair.sign(SEAL_SIGNING_CONTEXT, header.pre_seal_hash().as_bytes());
}

/// The per-validator primary threshold for which a slot has at least one primary author with
/// probability `c = c_numerator / c_denominator` among `validators` validators (BABE's `c`):
/// `2^128 × (1 − (1 − c)^(1/n))`, computed in 63-bit fixed point without floats, rounded down.
///
/// The relay chain owns the value it puts in [`EpochInfo::primary_threshold`]; this is a
/// deterministic way to compute it. `c ≥ 1` gives `u128::MAX`, `c = 0` or no validators give 0.
pub fn primary_threshold(c_numerator: u64, c_denominator: u64, validators: usize) -> u128 {
    const ONE: u128 = 1 << 63;
    if c_numerator == 0 || c_denominator == 0 || validators == 0 {
        return 0;
    }
    if c_numerator >= c_denominator {
        return u128::MAX;
    }
    // The probability that nobody is primary, 1 − c, in fixed point.
    let target = ONE * u128::from(c_denominator - c_numerator) / u128::from(c_denominator);
    let pow = |q: u128| -> u128 {
        let mut acc = ONE;
        for _ in 0..validators {
            acc = (acc * q) >> 63;
        }
        acc
    };
    // The smallest per-validator "not primary" probability q with q^n ≥ 1 − c, so that
    // p = 1 − q is the largest with P(at least one primary) = 1 − (1 − p)^n ≤ c.
    let (mut low, mut high) = (0u128, ONE);
    while low < high {
        let mid = (low + high) / 2;
        if pow(mid) >= target {
            high = mid;
        } else {
            low = mid + 1;
        }
    }
    let p = ONE - low;
    if p >= ONE {
        u128::MAX
    } else {
        p << 65
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_edges_and_a_known_value() {
        assert_eq!(primary_threshold(0, 4, 10), 0);
        assert_eq!(primary_threshold(4, 4, 10), u128::MAX);
        // One validator: p = c.
        let quarter = primary_threshold(1, 4, 1);
        let exact = u128::MAX / 4;
        assert!(quarter.abs_diff(exact) < exact >> 50, "{quarter} vs {exact}");
        // Ten validators, c = 1/4: p = 1 − 0.75^(1/10) ≈ 0.028358.
        let p10 = primary_threshold(1, 4, 10);
        let per_million = p10 / (u128::MAX / 1_000_000);
        assert_eq!(per_million, 28_358, "p ≈ 0.028358");
    }
}
