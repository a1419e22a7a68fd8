//! [`HostConfiguration`]: the relay chain's parameters (DESIGN.md, "Numbers"), constant within a
//! session. Sudo's `SetConfig` queues a new one for the next session boundary (rule 5).

use atoll_primitives::limits;
use atoll_runtime_sdk::{Externalities, StorageValue};
use parity_scale_codec::{Decode, Encode};

use crate::balances::Perbill;
use crate::error::ChainError;
use crate::state;

/// The largest `max_relay_parent_age`: the chain keeps this many recent blocks at most.
pub const MAX_RELAY_PARENT_AGE: u32 = 64;

/// One unit of the relay chain's token: 10^12 planck (12 decimals, like Polkadot's test
/// networks).
pub const UNIT: u128 = 1_000_000_000_000;

/// The relay chain's parameters. Every field is a chain-spec parameter
/// (`genesis.runtimeGenesis.patch.configuration.config.<snake_case name>`).
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct HostConfiguration {
    /// Slot length in milliseconds (default 6 000; test networks 1 000). Fixed at genesis:
    /// slots are wall-clock time divided by it, so `SetConfig` may not change it.
    pub slot_duration_ms: u64,
    /// Session length in slots (default 600; test networks 20).
    pub session_length: u32,
    /// Probability `(num, den)` that a validator is a primary author of a slot (default 1/4).
    /// `num` may be 0 (round-robin secondary authors only); `num <= den`.
    pub primary_probability: (u32, u32),
    /// Validators per backing group (default 5; test networks 2).
    pub validators_per_group: u32,
    /// Backing votes a candidate needs, capped by the group size (default 2).
    pub minimum_backing_votes: u32,
    /// Blocks between rotations of groups over cores (default 10; test networks 5).
    pub group_rotation_frequency: u32,
    /// Approval votes a candidate needs, capped at n − 1 (default 30; test networks 2).
    pub needed_approvals: u32,
    /// Slots after which an assigned checker that has not voted is a no-show (default 2).
    pub no_show_slots: u32,
    /// Largest validation code in bytes (default 3 MiB, the hard limit).
    pub max_code_size: u32,
    /// Largest head data in bytes (default 1 MiB, the hard limit).
    pub max_head_data_size: u32,
    /// Largest PoV in bytes (default 5 MiB, the hard limit).
    pub max_pov_size: u32,
    /// Blocks between scheduling a code upgrade and its enactment (default 600, one session of
    /// 6 s slots; test networks 5; at least 2, as in Polkadot).
    pub validation_upgrade_delay: u32,
    /// Blocks replaced code stays readable, so disputes can re-validate old candidates
    /// (default 14 400, a day of 6 s blocks; test networks 100).
    pub code_retention_period: u32,
    /// Deposit reserved from a para's manager while it is registered (default 100 units; test
    /// networks 10 units; may be 0).
    pub para_deposit: u128,
    /// Blocks a candidate may stay pending availability before it is dropped and its core
    /// freed (default 10; test networks 5; rule 21).
    pub availability_timeout: u32,
    /// How many of the most recent blocks may be a candidate's relay parent: 1 means only the
    /// parent of the block that backs it (default 1; at most [`MAX_RELAY_PARENT_AGE`]; rules 18
    /// and 22).
    pub max_relay_parent_age: u32,
    /// Tranche-0 VRF samples per validator in approval voting (default 6; test networks 2).
    /// Read by the nodes' approval voting; the chain only stores it.
    pub relay_vrf_modulo_samples: u32,
    /// Delay tranches of approval voting (default 89; test networks 16). Stored for the nodes.
    pub n_delay_tranches: u32,
    /// Length of one approval delay tranche in milliseconds (default 500; test networks 250).
    /// Stored for the nodes.
    pub tranche_duration_ms: u64,
    /// Sessions during which included candidates and disputes are remembered, so a late
    /// dispute can still act on them (default 6; test networks 2; rules 18 and 24).
    pub dispute_period: u32,
    /// The part of its bonded stake a validator loses for backing a candidate that a dispute
    /// concluded invalid (default 100 %; rule 24). In the chain spec: parts per billion.
    pub slash_backers: Perbill,
    /// The part of its bonded stake a validator loses for any other valid vote on a candidate
    /// that a dispute concluded invalid (default 2 %; rule 24). In the chain spec: parts per
    /// billion.
    pub slash_approvers: Perbill,
}

impl Default for HostConfiguration {
    /// DESIGN.md's defaults.
    fn default() -> Self {
        HostConfiguration {
            slot_duration_ms: 6_000,
            session_length: 600,
            primary_probability: (1, 4),
            validators_per_group: limits::VALIDATORS_PER_GROUP,
            minimum_backing_votes: limits::MINIMUM_BACKING_VOTES,
            group_rotation_frequency: 10,
            needed_approvals: 30,
            no_show_slots: 2,
            max_code_size: limits::MAX_CODE_SIZE,
            max_head_data_size: limits::MAX_HEAD_DATA_SIZE,
            max_pov_size: limits::MAX_POV_SIZE,
            validation_upgrade_delay: 600,
            code_retention_period: 14_400,
            para_deposit: 100 * UNIT,
            availability_timeout: 10,
            max_relay_parent_age: 1,
            relay_vrf_modulo_samples: 6,
            n_delay_tranches: 89,
            tranche_duration_ms: 500,
            dispute_period: 6,
            slash_backers: Perbill::ONE,
            slash_approvers: Perbill(20_000_000),
        }
    }
}

impl HostConfiguration {
    /// DESIGN.md's test-network values: 1 s slots, 20-slot sessions, groups of 2 rotating every
    /// 5 blocks, 2 needed approvals, upgrades after 5 blocks, code kept 100 blocks, availability
    /// timeout 5 blocks, 2 VRF samples, 16 tranches of 250 ms, disputes kept 2 sessions.
    pub fn test_network() -> Self {
        HostConfiguration {
            slot_duration_ms: 1_000,
            session_length: 20,
            validators_per_group: 2,
            group_rotation_frequency: 5,
            needed_approvals: 2,
            validation_upgrade_delay: 5,
            code_retention_period: 100,
            para_deposit: 10 * UNIT,
            availability_timeout: 5,
            relay_vrf_modulo_samples: 2,
            n_delay_tranches: 16,
            tranche_duration_ms: 250,
            dispute_period: 2,
            ..HostConfiguration::default()
        }
    }

    /// This configuration with backing groups and approvals sized for `validators`
    /// validators (test networks): approval checkers come from outside a candidate's backing
    /// group, so groups are of 1 below 4 validators, backing needs at most the group, and
    /// `needed_approvals = n − group − f` (at least 1, at most this configuration's) so that
    /// finality survives f validators down (4 validators, groups of 2: 1).
    pub fn sized_for(&self, validators: u32) -> HostConfiguration {
        let n = validators;
        let f = n.saturating_sub(1) / 3;
        let group = if n < 4 { 1 } else { self.validators_per_group.max(1) };
        let needed =
            n.saturating_sub(group).saturating_sub(f).clamp(1, self.needed_approvals.max(1));
        HostConfiguration {
            validators_per_group: group,
            minimum_backing_votes: self.minimum_backing_votes.min(group),
            needed_approvals: needed,
            ..self.clone()
        }
    }

    /// The consistency check every configuration passes before it is used (genesis) or queued
    /// (`SetConfig`): no zero where zero stops the chain, no size above the decoders' hard
    /// limits, a probability in [0, 1], enough group members to back, upgrades delayed ≥ 2,
    /// slashes of at most 100 %.
    pub fn check(&self) -> Result<(), ConfigError> {
        let nonzero: [(&'static str, u64); 17] = [
            ("slot_duration_ms", self.slot_duration_ms),
            ("session_length", self.session_length.into()),
            ("validators_per_group", self.validators_per_group.into()),
            ("minimum_backing_votes", self.minimum_backing_votes.into()),
            ("group_rotation_frequency", self.group_rotation_frequency.into()),
            ("needed_approvals", self.needed_approvals.into()),
            ("no_show_slots", self.no_show_slots.into()),
            ("max_code_size", self.max_code_size.into()),
            ("max_head_data_size", self.max_head_data_size.into()),
            ("max_pov_size", self.max_pov_size.into()),
            ("code_retention_period", self.code_retention_period.into()),
            ("availability_timeout", self.availability_timeout.into()),
            ("max_relay_parent_age", self.max_relay_parent_age.into()),
            ("relay_vrf_modulo_samples", self.relay_vrf_modulo_samples.into()),
            ("n_delay_tranches", self.n_delay_tranches.into()),
            ("tranche_duration_ms", self.tranche_duration_ms),
            ("dispute_period", self.dispute_period.into()),
        ];
        if let Some((field, _)) = nonzero.iter().find(|(_, v)| *v == 0) {
            return Err(ConfigError::Zero { field });
        }
        let capped: [(&'static str, u32, u32); 6] = [
            ("max_code_size", self.max_code_size, limits::MAX_CODE_SIZE),
            ("max_head_data_size", self.max_head_data_size, limits::MAX_HEAD_DATA_SIZE),
            ("max_pov_size", self.max_pov_size, limits::MAX_POV_SIZE),
            ("max_relay_parent_age", self.max_relay_parent_age, MAX_RELAY_PARENT_AGE),
            ("slash_backers", self.slash_backers.0, Perbill::ONE.0),
            ("slash_approvers", self.slash_approvers.0, Perbill::ONE.0),
        ];
        if let Some((field, value, limit)) = capped.iter().find(|(_, v, max)| v > max) {
            return Err(ConfigError::AboveHardLimit { field, value: *value, limit: *limit });
        }
        let (num, den) = self.primary_probability;
        if den == 0 || num > den {
            return Err(ConfigError::BadPrimaryProbability { num, den });
        }
        if self.minimum_backing_votes > self.validators_per_group {
            return Err(ConfigError::BackingVotesAboveGroupSize {
                votes: self.minimum_backing_votes,
                group: self.validators_per_group,
            });
        }
        if self.validation_upgrade_delay < 2 {
            return Err(ConfigError::UpgradeDelayTooShort { delay: self.validation_upgrade_delay });
        }
        Ok(())
    }

    /// The threshold under which a slot VRF's first 16 bytes (little-endian) make a primary
    /// author among `validators` (rule 6): `u128::MAX / n * num / den`, exact in integers.
    pub fn primary_threshold(&self, validators: usize) -> Result<u128, ChainError> {
        let n =
            u128::try_from(validators).map_err(|_| ChainError::Invariant("set size fits u128"))?;
        if n == 0 {
            return Err(ChainError::Invariant("a validator set is never empty"));
        }
        let (num, den) =
            (u128::from(self.primary_probability.0), u128::from(self.primary_probability.1));
        if den == 0 {
            return Err(ChainError::Invariant(
                "checked configurations have a non-zero denominator",
            ));
        }
        // q * num / den without overflow: q = a·den + r, so ⌊q·num/den⌋ = a·num + ⌊r·num/den⌋;
        // a·num ≤ q when num ≤ den, and r·num < den·num < 2^64.
        let q = u128::MAX / n;
        let (a, r) = (q / den, q % den);
        a.checked_mul(num)
            .and_then(|x| x.checked_add(r * num / den))
            .ok_or(ChainError::Invariant("checked configurations have num <= den"))
    }
}

/// Why a [`HostConfiguration`] was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A field that must be positive is zero.
    #[error("{field} must not be zero")]
    Zero {
        /// The field.
        field: &'static str,
    },
    /// A size is above what the decoders accept.
    #[error("{field} = {value} is above the hard limit {limit}")]
    AboveHardLimit {
        /// The field.
        field: &'static str,
        /// Its value.
        value: u32,
        /// The hard limit (`atoll_primitives::limits`).
        limit: u32,
    },
    /// The primary probability is not a fraction in [0, 1].
    #[error("primary_probability {num}/{den} is not in [0, 1] with a non-zero denominator")]
    BadPrimaryProbability {
        /// Numerator.
        num: u32,
        /// Denominator.
        den: u32,
    },
    /// More backing votes are required than a group has members.
    #[error("minimum_backing_votes {votes} exceeds validators_per_group {group}")]
    BackingVotesAboveGroupSize {
        /// The required votes.
        votes: u32,
        /// The group size.
        group: u32,
    },
    /// Upgrades must be delayed by at least two blocks (Polkadot refuses ≤ 1 too).
    #[error("validation_upgrade_delay {delay} is below 2 blocks")]
    UpgradeDelayTooShort {
        /// The delay.
        delay: u32,
    },
    /// `SetConfig` may not change the slot duration (rule 13).
    #[error("slot_duration_ms cannot change after genesis ({current} -> {requested})")]
    SlotDurationChanged {
        /// The chain's slot duration.
        current: u64,
        /// The requested one.
        requested: u64,
    },
}

/// The configuration of the current session.
pub(crate) const ACTIVE: StorageValue<HostConfiguration> =
    StorageValue::new(b"Configuration:Active");
/// The configuration queued for the next session boundary.
pub(crate) const PENDING: StorageValue<HostConfiguration> =
    StorageValue::new(b"Configuration:Pending");

/// The current session's configuration.
pub(crate) fn active(ext: &mut dyn Externalities) -> Result<HostConfiguration, ChainError> {
    state::required(ext, &ACTIVE)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_test_values_pass_the_check() {
        assert_eq!(HostConfiguration::default().check(), Ok(()));
        assert_eq!(HostConfiguration::test_network().check(), Ok(()));
    }

    #[test]
    fn check_names_the_offending_field() {
        let base = HostConfiguration::default();
        let cfg = HostConfiguration { session_length: 0, ..base.clone() };
        assert_eq!(cfg.check(), Err(ConfigError::Zero { field: "session_length" }));
        let cfg = HostConfiguration { max_pov_size: limits::MAX_POV_SIZE + 1, ..base.clone() };
        assert!(matches!(
            cfg.check(),
            Err(ConfigError::AboveHardLimit { field: "max_pov_size", .. })
        ));
        let cfg = HostConfiguration { primary_probability: (5, 4), ..base.clone() };
        assert_eq!(cfg.check(), Err(ConfigError::BadPrimaryProbability { num: 5, den: 4 }));
        let cfg = HostConfiguration { minimum_backing_votes: 6, ..base.clone() };
        assert!(matches!(cfg.check(), Err(ConfigError::BackingVotesAboveGroupSize { .. })));
        let cfg = HostConfiguration { validation_upgrade_delay: 1, ..base.clone() };
        assert_eq!(cfg.check(), Err(ConfigError::UpgradeDelayTooShort { delay: 1 }));
        let cfg = HostConfiguration { max_relay_parent_age: 0, ..base.clone() };
        assert_eq!(cfg.check(), Err(ConfigError::Zero { field: "max_relay_parent_age" }));
        let cfg = HostConfiguration { slash_approvers: Perbill(Perbill::ONE.0 + 1), ..base };
        assert!(matches!(
            cfg.check(),
            Err(ConfigError::AboveHardLimit { field: "slash_approvers", .. })
        ));
    }

    #[test]
    fn primary_threshold_is_exact() {
        let cfg = HostConfiguration::default();
        assert_eq!(cfg.primary_threshold(1), Ok(u128::MAX / 4));
        assert_eq!(cfg.primary_threshold(3), Ok(u128::MAX / 3 / 4));
        let all = HostConfiguration { primary_probability: (1, 1), ..cfg.clone() };
        assert_eq!(all.primary_threshold(1), Ok(u128::MAX));
        let odd = HostConfiguration { primary_probability: (3, 7), ..cfg.clone() };
        // (MAX / 5) * 3 / 7 computed with 256-bit headroom by hand: q*3 fits since q < MAX/3.
        let q = u128::MAX / 5;
        assert_eq!(odd.primary_threshold(5), Ok(q * 3 / 7));
        assert!(cfg.primary_threshold(0).is_err());
    }
}
