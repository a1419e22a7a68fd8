//! The voter set of one `set_id` (Step 9): equal weights, supermajority threshold.

use atoll_primitives::{relay::ValidatorId, SessionIndex, ValidatorIndex};

/// Why a voter set cannot be built.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VoterSetError {
    /// A voter set must have at least one voter.
    #[error("voter set {set_id} is empty")]
    Empty {
        /// The set.
        set_id: SessionIndex,
    },
    /// One key listed twice would vote twice.
    #[error("voter set {set_id}: {second} has the same key as {first}")]
    DuplicateVoter {
        /// The set.
        set_id: SessionIndex,
        /// The first index with the key.
        first: ValidatorIndex,
        /// The second index with the key.
        second: ValidatorIndex,
    },
    /// Voter indices are `u32`.
    #[error("voter set {set_id} has {len} voters, more than a ValidatorIndex can name")]
    TooLarge {
        /// The set.
        set_id: SessionIndex,
        /// The number of keys given.
        len: usize,
    },
}

/// The supermajority threshold of `n` equal-weight voters: `⌊2n/3⌋ + 1`, which equals
/// `n − f` with `f = ⌊(n − 1)/3⌋` the number of faults tolerated (for `n ≥ 1`).
pub fn threshold(n: usize) -> usize {
    2 * n / 3 + 1
}

/// The voters of one set, by [`ValidatorIndex`], each with weight 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VoterSet {
    set_id: SessionIndex,
    voters: Vec<ValidatorId>,
}

impl VoterSet {
    /// The set `set_id` of `voters` (distinct keys, at least one).
    pub fn new(set_id: SessionIndex, voters: Vec<ValidatorId>) -> Result<Self, VoterSetError> {
        if voters.is_empty() {
            return Err(VoterSetError::Empty { set_id });
        }
        if u32::try_from(voters.len()).is_err() {
            return Err(VoterSetError::TooLarge { set_id, len: voters.len() });
        }
        let mut sorted: Vec<(ValidatorId, u32)> =
            voters.iter().enumerate().map(|(i, v)| (*v, i as u32)).collect();
        sorted.sort();
        for pair in sorted.windows(2) {
            if let [(a, i), (b, j)] = pair {
                if a == b {
                    return Err(VoterSetError::DuplicateVoter {
                        set_id,
                        first: ValidatorIndex((*i).min(*j)),
                        second: ValidatorIndex((*i).max(*j)),
                    });
                }
            }
        }
        Ok(VoterSet { set_id, voters })
    }

    /// The set id (the session whose validators vote).
    pub fn set_id(&self) -> SessionIndex {
        self.set_id
    }

    /// The voters' keys, by index.
    pub fn voters(&self) -> &[ValidatorId] {
        &self.voters
    }

    /// The number of voters `n`.
    pub fn len(&self) -> usize {
        self.voters.len()
    }

    /// Always false (a set has at least one voter).
    pub fn is_empty(&self) -> bool {
        self.voters.is_empty()
    }

    /// The supermajority threshold `t = ⌊2n/3⌋ + 1`.
    pub fn threshold(&self) -> usize {
        threshold(self.voters.len())
    }

    /// The number of faulty voters tolerated, `f = n − t`.
    pub fn max_faulty(&self) -> usize {
        self.voters.len() - self.threshold()
    }

    /// The key of voter `index`.
    pub fn get(&self, index: ValidatorIndex) -> Option<&ValidatorId> {
        self.voters.get(index.0 as usize)
    }

    /// The index of `key`.
    pub fn index_of(&self, key: &ValidatorId) -> Option<ValidatorIndex> {
        self.voters.iter().position(|v| v == key).map(|i| ValidatorIndex(i as u32))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn threshold_is_n_minus_f() {
        for n in 1..200usize {
            let f = (n - 1) / 3;
            assert_eq!(threshold(n), n - f, "n = {n}");
        }
    }
}
