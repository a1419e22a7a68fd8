//! # atoll-consensus
//!
//! The relay chain's consensus as pure state machines: who may author a block in a slot and
//! how to check it (block production), which chain to build on (fork choice), and when a block
//! is final (a GRANDPA-like finality gadget).
//!
//! Nothing here reads a clock, draws randomness, opens a socket or touches a database
//! (DESIGN.md principle 1). Time comes in as milliseconds (`u64`) since the chain's genesis
//! time; randomness comes from the chain (the session randomness in
//! [`EpochInfo`](atoll_primitives::relay::EpochInfo)) and from deterministic VRFs and
//! signatures. Every collection that reaches an output is ordered, so the same inputs give the
//! same outputs on every machine: the real node and the deterministic simulator run this very
//! code (principle 2).
//!
//! ## Bird's-eye view, in the order the types are used
//!
//! - [`slots`]: [`slot_at`] and [`slot_start_ms`].
//! - [`authorship`]: [`claim_slot`] gives a [`PreDigest`](atoll_primitives::relay::PreDigest)
//!   when a validator may author a slot, [`seal`] signs the finished header.
//! - [`verify`]: [`verify_header`] checks a header against its parent and the session's
//!   [`EpochInfo`](atoll_primitives::relay::EpochInfo), giving a [`VerifiedHeader`] or a
//!   [`HeaderError`].
//! - [`equivocation`]: [`AuthorEquivocationDetector`] turns two headers of one author and slot
//!   into [`AuthorEquivocation`](atoll_primitives::relay::AuthorEquivocation) evidence.
//! - [`fork_tree`]: [`BlockTree`] holds the unfinalized blocks, picks the
//!   [`best_viable_leaf`](BlockTree::best_viable_leaf), forgets reverted forks and prunes on
//!   finality. [`Ancestry`] is the parent-link view it shares with the finality voter.
//! - [`finality`]: the [`FinalityVoter`](finality::FinalityVoter) state machine with its
//!   [`FinalityAction`](finality::FinalityAction)s, the [`VoterSet`](finality::VoterSet),
//!   [`verify_justification`](finality::verify_justification), the
//!   [`VotingRule`](finality::VotingRule) hook and the persisted
//!   [`VoterSnapshot`](finality::VoterSnapshot). Its module docs give the safety argument.
//!
//! ## Rules (cited in the code as "Step n")
//!
//! Block production:
//!
//! 1. **Slots.** `slot = ⌊time / slot_duration⌋`; a slot starts at `slot × slot_duration`.
//! 2. **Claiming.** (a) Only a validator of the session, with the listed key, claims. (b) Its
//!    VRF over `EpochInfo::vrf_input(slot)` under `SLOT_VRF_CONTEXT` makes it a *primary* author
//!    when the first 16 bytes (LE) of the VRF randomness are below `primary_threshold`. (c)
//!    Otherwise the slot's round-robin secondary author (`slot mod n`) makes a *secondary*
//!    claim, also with its VRF output and proof. (d) Nobody else may author the slot.
//! 3. **Sealing.** The author signs `pre_seal_hash` under `SEAL_SIGNING_CONTEXT`.
//! 4. **Verifying a header**, in this order: (a) it names its parent and its number is the
//!    parent's plus one; (b) its slot is above the parent's (genesis counts as slot 0); (c) its
//!    slot is at most one slot ahead of the verifier's clock; (d) the author is in the set; (e)
//!    a secondary claim is by the slot's secondary author; (f) the seal verifies; (g) the VRF
//!    verifies (primary and secondary); (h) a primary claim's VRF value is under the threshold.
//!    The parent being imported, the state root and the body are the node's and the relay
//!    chain's checks.
//! 5. **Author equivocation.** A second, different header of the same author and slot is
//!    evidence, reported once per (slot, author).
//!
//! Fork choice:
//!
//! 6. **Tree.** Every block descends from the finalized block. A block's weight is its
//!    parent's plus one if it is primary. A reverted block, its descendants and any later child
//!    of them are non-viable.
//! 7. **Best leaf.** Among viable leaves, the highest (primary weight, number); ties to the
//!    lower hash.
//! 8. **Finality prunes.** Finalizing a block removes every block not descending from it.
//!
//! Finality (details and the safety argument in [`finality`]):
//!
//! 9. **Voter set.** `n` equal-weight voters per `set_id`; threshold `t = ⌊2n/3⌋ + 1`.
//! 10. **Votes.** A vote is checked (set id, voter in the set, signature under
//!     `VOTE_SIGNING_CONTEXT` over `signing_payload`) before it counts. Per round and stage,
//!     a voter's first vote counts; a second, different one is an equivocation, reported once,
//!     and the voter may then count for any block in "possible" bounds.
//! 11. **Tallies.** Support, prevote-GHOST `g`, `possible`, estimate `E`, completability and
//!     the precommit-GHOST, counted against the voter's chain view rooted at its finalized
//!     block.
//! 12. **Prevote.** Round `r` starts at `s`. (a) At `s + D`, or earlier once round `r` is
//!     completable, (b) take the best chain containing `R` = the higher of `E_{r−1}` and the
//!     finalized block (while round `r − 1` is not completable in the current view, `R` is
//!     what it was when round `r` began; no vote while `R` is not known), (c) restrict it with
//!     the voting rule, (d) cap it at a scheduled set change, and prevote for it.
//! 13. **Precommit.** (a) Once `g` exists and contains `R`, (b) at `s + 2D` or earlier once
//!     round `r` is completable, precommit for `g` (capped at a set change).
//! 14. **Next round.** Once round `r` is completable and we precommitted (observers: once it
//!     is completable), start round `r + 1`, but a voter not before `s + P` (pacing, `P` =
//!     `min_round_interval_ms`; it then starts even if round `r` no longer looks completable,
//!     requiring the estimate of the last view in which it was); round `r` stays as the
//!     previous round.
//! 15. **Finality.** When any held round's precommit-GHOST is above the finalized block, it is
//!     final; its justification is that round's counted precommits for it or a descendant,
//!     with the headers in between.
//! 16. **Catch-up.** Votes of future rounds are kept (at most two rounds per voter); when a
//!     future round `R` is completable, the voter moves to round `R + 1` with `R` as previous.
//! 17. **Re-broadcast.** While no round completes and nothing is finalized, a voter
//!     re-broadcasts its votes of the current and previous round every interval.
//! 18. **Persist.** The voter's snapshot (completed round's votes, current round, its `R`,
//!     our votes in it) is persisted before each of its votes is broadcast (and when its round
//!     or finalized block changes); a restored voter never signs a second, different vote for
//!     a round and stage it voted in, and never votes for a chain without `R`.
//! 19. **Set change.** After the node announces that block `B` enacts the next set, this set
//!     never votes beyond `B`, finality on `B`'s chain stops at `B`, and when `B` is final the
//!     voter hands over (`SetChanged`) and stops.
//! 20. **Justifications.** Valid when they hold at least `t` distinct, correctly signed
//!     precommits of one set and round, each for the target or a descendant proven by the
//!     carried headers, with no superfluous header.

pub mod ancestry;
pub mod authorship;
pub mod equivocation;
pub mod finality;
pub mod fork_tree;
pub mod slots;
pub mod verify;

pub use ancestry::{Ancestry, BlockLink};
pub use authorship::{claim_slot, is_primary, primary_threshold, seal, vrf_value};
pub use equivocation::AuthorEquivocationDetector;
pub use fork_tree::{BlockEntry, BlockTree, ForkTreeError, TreeRoute};
pub use slots::{next_slot_start_ms, slot_at, slot_start_ms};
pub use verify::{verify_header, HeaderError, VerifiedHeader};
