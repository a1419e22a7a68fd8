//! The scheduler (rule 17): availability cores and backing groups.
//!
//! One availability core per registered para, ordered by para id: core `i` is the `i`-th para
//! of the registry's ascending list. At genesis and at each session change the session's
//! validators are shuffled with its randomness and split into contiguous groups; the groups
//! rotate over the cores every `group_rotation_frequency` blocks.

use atoll_primitives::{blake2_256, BlockNumber, CoreIndex, GroupIndex, ParaId, ValidatorIndex};
use atoll_runtime_sdk::{Externalities, StorageValue};

use crate::config::HostConfiguration;
use crate::error::ChainError;
use crate::paras;
use crate::session;
use crate::state;

/// The current session's backing groups, by group index.
pub(crate) const GROUPS: StorageValue<Vec<Vec<ValidatorIndex>>> =
    StorageValue::new(b"Scheduler:ValidatorGroups");
/// The number of the current session's first block (1 for session 0).
pub(crate) const SESSION_START_BLOCK: StorageValue<BlockNumber> =
    StorageValue::new(b"Scheduler:SessionStartBlock");

/// Rule 17: the validator indices `0..n` in the order a Fisher–Yates shuffle driven by
/// `randomness` gives: for `i` from `n − 1` down to 1, swap position `i` with position
/// `j = u64_le(blake2(randomness ++ u32_le(i))[..8]) mod (i + 1)`.
pub fn shuffled_validators(n: u32, randomness: &[u8; 32]) -> Vec<ValidatorIndex> {
    let mut order: Vec<ValidatorIndex> = (0..n).map(ValidatorIndex).collect();
    for i in (1..order.len()).rev() {
        let counter = u32::try_from(i).unwrap_or(u32::MAX);
        let mut input = [0u8; 36];
        input[..32].copy_from_slice(randomness);
        input[32..].copy_from_slice(&counter.to_le_bytes());
        let digest = blake2_256(&input);
        let mut word = [0u8; 8];
        word.copy_from_slice(&digest[..8]);
        let bound = u64::try_from(i).unwrap_or(u64::MAX).saturating_add(1);
        let j = usize::try_from(u64::from_le_bytes(word) % bound).unwrap_or(0);
        order.swap(i, j);
    }
    order
}

/// Rule 17: how many groups `n_validators` validators form for `n_cores` cores:
/// `max(n_cores, ⌈n_validators / validators_per_group⌉)`, capped at `n_validators`, at least 1.
pub fn group_count(n_validators: u32, n_cores: u32, validators_per_group: u32) -> u32 {
    let by_size = n_validators.div_ceil(validators_per_group.max(1));
    n_cores.max(by_size).min(n_validators).max(1)
}

/// Rule 17: the backing groups of a session: the validators shuffled with `randomness`, split
/// into [`group_count`] contiguous groups whose sizes differ by at most one (the first
/// `n mod groups` get the extra member), each group's members ascending.
pub fn compute_groups(
    n_validators: u32,
    n_cores: u32,
    validators_per_group: u32,
    randomness: &[u8; 32],
) -> Vec<Vec<ValidatorIndex>> {
    let order = shuffled_validators(n_validators, randomness);
    let n_groups = group_count(n_validators, n_cores, validators_per_group) as usize;
    let (base, extra) = (order.len() / n_groups, order.len() % n_groups);
    let mut groups = Vec::with_capacity(n_groups);
    let mut rest = &order[..];
    for g in 0..n_groups {
        let size = base + usize::from(g < extra);
        let (group, tail) = rest.split_at(size.min(rest.len()));
        let mut group = group.to_vec();
        group.sort();
        groups.push(group);
        rest = tail;
    }
    groups
}

/// Rule 17: the group assigned to `core` at block `at` of a session that started at block
/// `session_start` with `n_groups` groups:
/// `(core + (at − session_start) / group_rotation_frequency) mod n_groups`.
pub fn rotated_group(
    core: CoreIndex,
    at: BlockNumber,
    session_start: BlockNumber,
    group_rotation_frequency: u32,
    n_groups: u32,
) -> GroupIndex {
    let rotations = at.0.saturating_sub(session_start.0) / group_rotation_frequency.max(1);
    let sum = u64::from(core.0) + u64::from(rotations);
    GroupIndex(u32::try_from(sum % u64::from(n_groups.max(1))).unwrap_or(0))
}

/// Rule 17: computes and stores the groups of the session that starts at block `start` (its
/// validators and randomness are already in state).
pub(crate) fn on_new_session(
    ext: &mut dyn Externalities,
    config: &HostConfiguration,
    start: BlockNumber,
) -> Result<(), ChainError> {
    let n_validators = u32::try_from(state::required(ext, &session::VALIDATORS)?.len())
        .map_err(|_| ChainError::Invariant("validator sets are smaller than 2^32"))?;
    let randomness = state::required(ext, &session::RANDOMNESS)?;
    let n_cores = u32::try_from(cores(ext)?.len())
        .map_err(|_| ChainError::Invariant("fewer than 2^32 paras"))?;
    let groups = compute_groups(n_validators, n_cores, config.validators_per_group, &randomness);
    GROUPS.put(ext, &groups);
    SESSION_START_BLOCK.put(ext, &start);
    Ok(())
}

/// The current session's groups.
pub(crate) fn groups(ext: &mut dyn Externalities) -> Result<Vec<Vec<ValidatorIndex>>, ChainError> {
    state::required(ext, &GROUPS)
}

/// The paras occupying the cores, by core index (the registry's ascending list).
pub(crate) fn cores(ext: &mut dyn Externalities) -> Result<Vec<ParaId>, ChainError> {
    state::value_or_default(ext, &paras::PARAS)
}

/// The core of `para`, if it is registered.
pub(crate) fn core_of(
    ext: &mut dyn Externalities,
    para: ParaId,
) -> Result<Option<CoreIndex>, ChainError> {
    let cores = cores(ext)?;
    Ok(cores.binary_search(&para).ok().and_then(|i| u32::try_from(i).ok()).map(CoreIndex))
}

/// Rule 17: the group assigned to `core` at block `at` of the current session.
pub(crate) fn group_for_core(
    ext: &mut dyn Externalities,
    config: &HostConfiguration,
    core: CoreIndex,
    at: BlockNumber,
) -> Result<GroupIndex, ChainError> {
    let n_groups = u32::try_from(groups(ext)?.len())
        .map_err(|_| ChainError::Invariant("fewer than 2^32 groups"))?;
    let start = state::required(ext, &SESSION_START_BLOCK)?;
    Ok(rotated_group(core, at, start, config.group_rotation_frequency, n_groups))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shuffle_is_a_deterministic_permutation() {
        let a = shuffled_validators(10, &[7; 32]);
        let mut sorted = a.clone();
        sorted.sort();
        assert_eq!(sorted, (0..10).map(ValidatorIndex).collect::<Vec<_>>());
        assert_eq!(a, shuffled_validators(10, &[7; 32]));
        assert_ne!(a, shuffled_validators(10, &[8; 32]));
        assert!(shuffled_validators(0, &[0; 32]).is_empty());
    }

    #[test]
    fn groups_partition_into_near_equal_sizes() {
        assert_eq!(group_count(10, 1, 3), 4);
        assert_eq!(group_count(10, 6, 3), 6);
        assert_eq!(group_count(2, 5, 2), 2);
        assert_eq!(group_count(1, 0, 5), 1);
        let groups = compute_groups(10, 1, 3, &[1; 32]);
        let sizes: Vec<usize> = groups.iter().map(Vec::len).collect();
        assert_eq!(sizes, vec![3, 3, 2, 2]);
        let mut all: Vec<_> = groups.concat();
        all.sort();
        assert_eq!(all, (0..10).map(ValidatorIndex).collect::<Vec<_>>());
    }

    #[test]
    fn groups_rotate_every_frequency_blocks() {
        let g = |core, at| rotated_group(CoreIndex(core), BlockNumber(at), BlockNumber(11), 5, 3);
        assert_eq!(g(0, 11), GroupIndex(0));
        assert_eq!(g(0, 15), GroupIndex(0));
        assert_eq!(g(0, 16), GroupIndex(1));
        assert_eq!(g(2, 16), GroupIndex(0));
        assert_eq!(g(1, 26), GroupIndex(1));
        assert_eq!(g(2, 21), GroupIndex(1));
    }
}
