//! [`FinalityGate`]: the finality voting rule of the parachain host (research/protocol.md §10):
//! vote only for blocks that are approved and carry no disputed candidate, and whose
//! ancestors down to the vote's base are too.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use atoll_consensus::finality::VotingRule;
use atoll_consensus::Ancestry;
use atoll_primitives::{BlockNumber, Hash};

/// The blocks finality may vote for, shared between the host (which fills it) and the voter
/// (which reads it through [`VotingRule`]).
#[derive(Clone, Debug, Default)]
pub struct FinalityGate {
    allowed: Arc<Mutex<BTreeSet<Hash>>>,
}

impl FinalityGate {
    /// An empty gate: nothing above the finalized block may be voted for.
    pub fn new() -> Self {
        Self::default()
    }

    /// `block` is approved and carries no disputed candidate.
    pub fn allow(&self, block: Hash) {
        if let Ok(mut set) = self.allowed.lock() {
            set.insert(block);
        }
    }

    /// `block` carries a disputed candidate (or was reverted): never vote for it or beyond.
    pub fn forbid(&self, block: &Hash) {
        if let Ok(mut set) = self.allowed.lock() {
            set.remove(block);
        }
    }

    /// Whether finality may vote for `block` (ignoring its ancestors).
    pub fn is_allowed(&self, block: &Hash) -> bool {
        self.allowed.lock().map(|set| set.contains(block)).unwrap_or(false)
    }

    /// Forgets blocks at or below the finalized one (they are no longer voted on).
    pub fn prune(&self, keep: impl Fn(&Hash) -> bool) {
        if let Ok(mut set) = self.allowed.lock() {
            set.retain(|h| keep(h));
        }
    }
}

impl VotingRule for FinalityGate {
    /// The highest block between `base` (exclusive) and `best` whose whole path from `base` is
    /// allowed; `base` if none is.
    fn restrict(
        &self,
        base: (Hash, BlockNumber),
        best: (Hash, BlockNumber),
        ancestry: &dyn Ancestry,
    ) -> (Hash, BlockNumber) {
        let Some(path) = ancestry.path_down_to(&best.0, base.1) else { return base };
        let Ok(allowed) = self.allowed.lock() else { return base };
        let mut target = base;
        // `path` is highest first; walk it from just above `base` upwards.
        for (hash, number) in path.into_iter().rev() {
            if !allowed.contains(&hash) {
                break;
            }
            target = (hash, number);
        }
        target
    }
}
