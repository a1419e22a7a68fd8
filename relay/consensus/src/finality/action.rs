//! What the finality voter asks its caller to do.

use atoll_primitives::{
    relay::{Justification, SignedVote, ValidatorId, VoteEquivocation},
    BlockNumber, Hash, SessionIndex,
};

use super::snapshot::VoterSnapshot;

/// An output of the [`super::FinalityVoter`], to be carried out in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FinalityAction {
    /// Write the snapshot durably before carrying out the next actions (Step 18). It always
    /// precedes the [`FinalityAction::Broadcast`] of a new vote of ours.
    Persist(VoterSnapshot),
    /// Send the vote to every voter of the set (and to observers).
    Broadcast(SignedVote),
    /// The block is final (Step 15); `justification` proves it (gossip it, like GRANDPA's
    /// commit messages, so that nodes that missed the round catch up).
    Finalized {
        /// The finalized block.
        hash: Hash,
        /// Its number.
        number: BlockNumber,
        /// The precommits proving it, with their ancestry.
        justification: Justification,
    },
    /// A voter signed two different votes for one round and stage (Step 10): evidence to
    /// report. Only the first of them counts.
    Equivocation(VoteEquivocation),
    /// The set-change block is final (Step 19): this voter is done; start the voter of
    /// `new_set_id` with `new_voters` and base `base`.
    SetChanged {
        /// The next set.
        new_set_id: SessionIndex,
        /// Its voters.
        new_voters: Vec<ValidatorId>,
        /// The block it starts from (the change block).
        base: (Hash, BlockNumber),
    },
    /// Call [`super::FinalityVoter::on_tick`] at (or after) this time.
    WakeAt(u64),
}
