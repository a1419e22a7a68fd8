//! What a voter persists (Step 18), so that after a crash it resumes without ever signing a
//! vote that conflicts with one it signed before.

use atoll_primitives::{
    relay::{SignedVote, ValidatorId},
    BlockNumber, Hash, SessionIndex,
};
use parity_scale_codec::{Decode, Encode};

use super::vote::RoundNumber;

/// A voter-set change the node announced (Step 19): block `block` enacts set `new_set_id`.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct ScheduledChange {
    /// The block that enacts the change (the last block the old set votes on).
    pub block: (Hash, BlockNumber),
    /// The next set.
    pub new_set_id: SessionIndex,
    /// Its voters.
    pub new_voters: Vec<ValidatorId>,
}

/// The persisted state of a [`super::FinalityVoter`], emitted as
/// [`super::FinalityAction::Persist`] before each of its own votes is broadcast and whenever
/// its round or finalized block changes; [`super::FinalityVoter::restore`] resumes from it.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct VoterSnapshot {
    /// The voter set.
    pub set_id: SessionIndex,
    /// The finalized block.
    pub finalized: (Hash, BlockNumber),
    /// The last completed round (0: none yet, the set's base).
    pub completed_round: RoundNumber,
    /// Its counted votes, from which the estimate the next prevote must contain is recomputed.
    pub completed_votes: Vec<SignedVote>,
    /// The round the voter is in.
    pub current_round: RoundNumber,
    /// The block the current round's votes must contain, as computed when the round began
    /// (the completed round's estimate, or the finalized block): a restored voter votes only
    /// for blocks containing it until the completed round's votes make the estimate known again.
    pub required_block: (Hash, BlockNumber),
    /// The voter's own votes in the current round (prevote, then precommit): it never signs
    /// another vote for the same stage of this round.
    pub my_votes: Vec<SignedVote>,
    /// The announced set change, if any.
    pub set_change: Option<ScheduledChange>,
}
