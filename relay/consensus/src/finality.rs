//! A GRANDPA-like finality gadget (Steps 9 to 20): rounds of prevotes and precommits by a
//! voter set with equal weights, finalizing chains rather than single blocks.
//!
//! The algorithm is GRANDPA's (Stewart and Kokoris-Kogia, "GRANDPA: a Byzantine Finality
//! Gadget", 2020), in compact form: no primary proposals, catch-up by buffered votes instead of
//! a request/response protocol, and the first vote of an equivocator is the one that counts.
//!
//! ## Definitions (Step 11)
//!
//! `n` voters, threshold `t = ⌊2n/3⌋ + 1 = n − f`, `f = ⌊(n − 1)/3⌋`. A vote for block `B` is
//! a vote for `B` and all its ancestors. In one round and stage, a voter's first vote counts;
//! a voter with two different votes is an *equivocator*. Counting is against the voter's chain
//! view, rooted at its finalized block (see `tally.rs`).
//!
//! - `support(B)`: voters whose counted vote is for `B` or a descendant.
//! - `g(V)`, the prevote-GHOST: the highest block with `support ≥ t` among the prevotes.
//!   Since each voter counts once and `2t > n`, such blocks form one chain.
//! - `possible(B)`: the most support `B` could still get among the precommits: its
//!   supporters, voters not counted yet, known equivocators, and up to `f − |known
//!   equivocators|` of the voters counted elsewhere (hidden equivocators).
//! - `E`, the estimate: the highest ancestor of `g` (or `g`) with `possible ≥ t`, once at least
//!   `t` voters precommitted.
//! - Completable: `E` exists and either `E` is below `g` or no child of `g`, seen or not, has
//!   `possible ≥ t`.
//! - Final: a block with `support ≥ t` among one round's precommits (the precommit-GHOST).
//!
//! ## The round (Steps 12 to 14)
//!
//! Round `r` starts at time `s` when round `r − 1` is completable (and we precommitted in
//! it). Required block `R` = the higher of `E_{r−1}` and our finalized block; should round
//! `r − 1` stop being completable in our view (restored from a snapshot before its blocks are
//! known again, or finality moved past its prevote-GHOST), `R` stays what it was when round `r`
//! began, and we do not vote while `R` is unknown. We prevote at
//! `s + D`, or earlier if round `r` is already completable, for the best chain containing `R`,
//! restricted by the [`VotingRule`]. We precommit `g(V_r)` once it exists and contains `R`, at
//! `s + 2D` or earlier if round `r` is completable. `D` is
//! [`FinalityConfig::round_duration_ms`]. Round `r + 1` starts once round `r` is completable,
//! but not before `s + P` ([`FinalityConfig::min_round_interval_ms`]): rounds that complete
//! within a few network delays do not run back to back. Once seen completable, round `r`
//! counts as completed at `s + P`; the estimate required then is the one of the last view in
//! which it was completable.
//!
//! ## Safety
//!
//! Claim: with at most `f` byzantine voters, no two conflicting blocks are finalized.
//!
//! 1. *One round.* Two blocks final in the same round each have `t` distinct precommitting
//!    voters (in whichever views); the two sets share `2t − n ≥ f + 1` voters, so an honest one,
//!    whose single precommit contains both blocks: they are on one chain. The same argument
//!    shows that prevote-GHOSTs of one round in any two views are on one chain.
//! 2. *Estimate lemma.* If `B` is final in round `r` (`t` real precommits for `B` or above), then
//!    in any view where round `r` is completable, `E_r ≥ B`. Each of those `t` voters is, in the
//!    view, either not counted yet, a supporter of `B`, a known equivocator, or counted elsewhere
//!    — and then it equivocated for real, so there are at most `f − |known|` of those; hence
//!    `possible(B) ≥ t`. `possible` only grows towards ancestors, so every block on the chain up
//!    to `B` qualifies. `B` and `g` are on one chain (an honest precommitter's `g` contains `B`,
//!    and GHOSTs of one round lie on one chain). If `g` were below `B`, `g`'s child towards `B`
//!    would have `possible ≥ t` and the round would not be completable. So `B ≤ g`, and `E`, the
//!    highest ancestor of `g` with `possible ≥ t`, is at or above `B`.
//! 3. *Later rounds.* Honest voters start round `r + 1` only after round `r` was completable
//!    in their view, requiring that view's `E_r` (by 2, at or above `B`; waiting for the pacing
//!    deadline in between changes nothing), so they prevote for chains containing `E_r ≥ B`,
//!    and precommit only a `g ≥ E_r ≥ B`. A block conflicting with `B` can therefore get at
//!    most `f < t` prevotes or precommits in round `r + 1`. In any view of round `r + 1`,
//!    `possible(B) ≥ t` (every honest voter's precommit, cast or not, contains `B`), so by the
//!    argument of 2, `E_{r+1} ≥ B` when completable. By induction, every later round's honest votes contain `B`: nothing
//!    conflicting with `B` is ever finalized.
//!
//! Jumping ahead by catch-up (Step 16) only enters round `R + 1` after seeing round `R`
//! completable, exactly as if the voter had taken part. Finalized blocks from justifications
//! only raise the required block `R`, which is safe because every finalized block is below
//! every honest estimate of later rounds. Precommitting an ancestor of `g` (the cap at a set
//! change) keeps all of this, since the cap never goes below `R`.
//!
//! ## Liveness
//!
//! With more than `2n/3` honest voters connected, each round gets `t` prevotes; honest voters
//! whose best chains share a prefix give it a GHOST, they precommit it by `s + 2D`, the round
//! becomes completable and its precommit-GHOST final. If more than `f` voters are away, no
//! round gets `t` precommits: finality stops, voters stay in the round and re-broadcast their
//! votes every [`FinalityConfig::rebroadcast_interval_ms`] (Step 17). When the others return
//! (with state, or restored from a [`VoterSnapshot`]), the re-broadcast votes of the current and
//! previous round complete the round, or let the returning voter catch up to it (Step 16), and
//! finality resumes.
//!
//! ## Using it
//!
//! - [`FinalityVoter`] is the state machine; [`FinalityAction`] its outputs.
//! - [`VoterSet`] is the set and its threshold; [`sign_vote`] and [`check_vote`] sign and check
//!   single votes (the simulator's byzantine stand-ins sign with [`sign_vote`]).
//! - [`verify_justification`] checks a [`Justification`](atoll_primitives::relay::Justification).
//! - [`VotingRule`] restricts prevotes; [`AllowAll`] is the default.

mod action;
mod chain;
mod config;
mod justification;
mod snapshot;
mod tally;
mod vote;
mod voter;
mod voter_set;
mod voting_rule;

pub use action::FinalityAction;
pub use config::FinalityConfig;
pub use justification::{verify_justification, JustificationError, MAX_JUSTIFICATION_ANCESTRY};
pub use snapshot::{ScheduledChange, VoterSnapshot};
pub use tally::RoundState;
pub use vote::{check_vote, sign_vote, RoundNumber, VoteError};
pub use voter::{FinalityError, FinalityVoter, LocalVoter, MAX_FUTURE_ROUNDS_PER_VOTER};
pub use voter_set::{threshold, VoterSet, VoterSetError};
pub use voting_rule::{AllowAll, VotingRule};
