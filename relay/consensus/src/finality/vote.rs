//! Signing and checking finality votes (Step 10).

use atoll_primitives::{
    crypto::{self, Pair},
    relay::{SignedVote, Vote, VOTE_SIGNING_CONTEXT},
    SessionIndex, ValidatorIndex,
};
use parity_scale_codec::{Decode, Encode};

use super::voter_set::VoterSet;

/// A round of one voter set: 1, 2, ... (round 0 stands for the set's base block).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode)]
pub struct RoundNumber(pub u64);

impl RoundNumber {
    /// The next round, saturating.
    pub const fn next(self) -> Self {
        RoundNumber(self.0.saturating_add(1))
    }
}

impl core::fmt::Display for RoundNumber {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "round#{}", self.0)
    }
}

/// Why a vote is refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum VoteError {
    /// The vote is for another voter set (not a fault by itself: votes of the next or the
    /// previous set may be in flight around a hand-over; route votes by set id).
    #[error("vote of {voter} is for set {got}, this voter is of set {expected}")]
    WrongSet {
        /// The voter index claimed.
        voter: ValidatorIndex,
        /// This voter's set.
        expected: SessionIndex,
        /// The vote's set.
        got: SessionIndex,
    },
    /// The voter index is not in the set.
    #[error("{voter} is not in voter set {set_id}")]
    UnknownVoter {
        /// The voter index claimed.
        voter: ValidatorIndex,
        /// The set.
        set_id: SessionIndex,
    },
    /// The signature does not verify.
    #[error("bad signature on the vote of {voter} in {round}")]
    BadSignature {
        /// The voter index claimed.
        voter: ValidatorIndex,
        /// The round.
        round: RoundNumber,
    },
}

impl VoteError {
    /// Whether the peer that sent the vote deserves a penalty: it forwarded something no
    /// honest node would (an unknown voter or a bad signature). Wrong-set votes are timing.
    pub fn deserves_penalty(&self) -> bool {
        !matches!(self, VoteError::WrongSet { .. })
    }
}

/// Signs `vote` as voter `voter` with `pair`: the signature over [`Vote::signing_payload`]
/// under [`VOTE_SIGNING_CONTEXT`]. Deterministic. Honest voters sign through the
/// [`super::FinalityVoter`]; this is public so that tests and byzantine stand-ins in the
/// simulator can sign any vote.
pub fn sign_vote(pair: &Pair, voter: ValidatorIndex, vote: Vote) -> SignedVote {
    let signature = pair.sign(VOTE_SIGNING_CONTEXT, &vote.signing_payload());
    SignedVote { vote, voter, signature }
}

/// Step 10: checks that `signed` is for `set`, that its voter is in it, and its signature.
pub fn check_vote(signed: &SignedVote, set: &VoterSet) -> Result<(), VoteError> {
    let voter = signed.voter;
    if signed.vote.set_id != set.set_id() {
        return Err(VoteError::WrongSet { voter, expected: set.set_id(), got: signed.vote.set_id });
    }
    let Some(key) = set.get(voter) else {
        return Err(VoteError::UnknownVoter { voter, set_id: set.set_id() });
    };
    if !crypto::verify(VOTE_SIGNING_CONTEXT, &signed.vote.signing_payload(), &signed.signature, key)
    {
        return Err(VoteError::BadSignature { voter, round: RoundNumber(signed.vote.round) });
    }
    Ok(())
}
