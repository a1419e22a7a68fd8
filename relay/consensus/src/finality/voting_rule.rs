//! Voting rules: what a voter may prevote for (Step 12c). The parachain host restricts votes
//! to approved, undisputed blocks (research/protocol.md §10); the default allows everything.

use atoll_primitives::{BlockNumber, Hash};

use crate::ancestry::Ancestry;

/// Restricts a prevote target.
///
/// `restrict` gets the block the vote must contain (`base`: the previous round's estimate or
/// the finalized block, whichever is higher), the best block containing it (`best`), and the
/// voter's view of the chain; it returns the block to vote for, which must be `base`, `best` or
/// a block between them on `best`'s chain. Anything else is ignored (the voter then votes for
/// `base` and logs a warning).
pub trait VotingRule: Send + Sync {
    /// The block to prevote for.
    fn restrict(
        &self,
        base: (Hash, BlockNumber),
        best: (Hash, BlockNumber),
        ancestry: &dyn Ancestry,
    ) -> (Hash, BlockNumber);
}

/// The rule that allows every block: vote for `best`.
#[derive(Clone, Copy, Debug, Default)]
pub struct AllowAll;

impl VotingRule for AllowAll {
    fn restrict(
        &self,
        _base: (Hash, BlockNumber),
        best: (Hash, BlockNumber),
        _ancestry: &dyn Ancestry,
    ) -> (Hash, BlockNumber) {
        best
    }
}
