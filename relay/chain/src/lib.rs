//! # atoll-relay-chain
//!
//! The relay chain's state transition, pure and deterministic: functions from a parent state
//! (an [`atoll_trie::StateDb`] and a root) and a block to the next state. No clock, no
//! randomness, no I/O (DESIGN.md principle 1): slots and VRF outputs come in as values, in the
//! block. The relay state lives in the same Merkle trie as parachain states, so a para can prove
//! a relay value (its head, say: [`para_head_key`]) against a relay state root.
//!
//! Block production and finality (which author may seal which slot, fork choice, votes) are
//! `atoll-consensus`'s; this crate computes what they need ([`epoch_for_child`]) and checks the
//! rest of a block.
//!
//! ## Bird's-eye view, in the order the types are used
//!
//! - [`HostConfiguration`]: the chain's parameters, with DESIGN.md's defaults and
//!   [`HostConfiguration::test_network`] values, and a consistency check.
//! - [`Genesis`] and [`build_genesis`]: the first state and the genesis header.
//! - [`ChainSpec`] (module [`chain_spec`]): the JSON file operators hand to nodes, in Substrate's
//!   human ("patch") and raw forms, with the `dev` and `local` [`preset`]s.
//! - [`epoch_for_child`]: the session (validators, randomness, primary threshold) a block at a
//!   slot must be authored under.
//! - [`RelayExtrinsic`] ([`SignedTransaction`] of a [`RelayCall`], equivocation evidence, or
//!   the para inherent) and [`RelayBlock`], committed to by [`extrinsics_root`].
//! - [`build_block`] (authoring) and [`execute_block`] (import): one code path, one
//!   [`BlockError`] per way a block can be invalid; [`sanitize_para_inherent`] shows what an
//!   author keeps of a para inherent.
//! - The parachain part: [`scheduler`] (cores and backing groups), [`backing`] (candidates
//!   entering a block), [`availability`] (bitfields), [`inclusion`] (pending, included and
//!   timed-out candidates), [`disputes`](mod@disputes) (votes, slashes, disabling, frozen paras), driven by
//!   [`para_inherent`].
//! - [`messaging`]: downward queues, upward queues and HRMP channels (rules 26–32), and the
//!   inbound messages and proof a collator gives its para.
//! - [`queries`]: balances, stake, nonces, sessions, paras, code, offences, events, cores,
//!   groups, validation data, disputes of a state.
//! - [`testing`]: authoring valid blocks with the dev keys, for tests and simulations.
//!
//! ## The rules (code cites them as "Rule n")
//!
//! 1. **State.** Every value is SCALE-encoded at a key given by the runtime SDK's
//!    `StorageValue` / `StorageMap` layout (`prefix ++ blake2(key)[..16] ++ key` for maps).
//!    Functions read only the state they are given; a missing or corrupt value is a
//!    [`ChainError`], never a panic.
//! 2. **Genesis.** [`build_genesis`] refuses an inconsistent [`Genesis`] (configuration check, no
//!    validator, duplicates, oversized para head or code, issuance overflow), then writes: the
//!    configuration; session 0 with the genesis validators and randomness
//!    `blake2(encode(Genesis))`; each validator's stake, bonded; the free balances; the genesis
//!    paras (managed by sudo, no deposit, any id); the sudo key; session 0's backing groups
//!    (rule 17, session starting at block 1). The genesis header has number 0,
//!    a zero parent, the empty body's extrinsics root, the default pre-digest and a zero seal.
//! 3. **Block link.** A block names its parent's hash, has the parent's number plus one, commits
//!    to its body with [`extrinsics_root`], and (from block #2 on) has a slot after its parent's.
//! 4. **Block #1** records `genesis_slot` := its slot, which starts session 0, and the genesis
//!    hash (its parent's hash), which every later transaction signs over.
//! 5. **Sessions.** `session(slot) = current + (slot − current_start) / session_length`, which is
//!    `(slot − genesis_slot) / session_length` while the length is unchanged. A block whose slot
//!    is in a later session than the current one enacts the change at its start, exactly once
//!    however many sessions were skipped: the current session becomes the previous one (still
//!    accountable, rule 14); validators := the queued set (rule 13) or unchanged; configuration
//!    := the pending one, if any; randomness := `blake2(randomness ++ accumulator)`; accumulator
//!    := zero; the session's start advances by whole sessions of the old length.
//! 6. **VRF.** The pre-digest's author index must be in the (new) session's set, and
//!    `vrf_verify(validators[author], SLOT_VRF_CONTEXT, epoch.vrf_input(slot), output, proof)`
//!    must succeed ([`BlockError::BadVrf`]); its randomness is folded:
//!    `accumulator := blake2(accumulator ++ randomness)`. [`epoch_for_child`] runs rules 4 and 5
//!    on the parent state and reports the session, with the primary threshold
//!    `u128::MAX / n * num / den` in exact integer arithmetic. Seals and eligibility are not
//!    checked here (atoll-consensus does).
//! 7. **Events** of the previous block are cleared at the start of each block.
//! 8. **Transactions.** A signed transaction is valid if its signature (context
//!    `EXTRINSIC_SIGNING_CONTEXT`, payload `(b"atoll-relay-tx", genesis_hash, nonce, call)`)
//!    verifies and its nonce equals the signer's; otherwise the block is invalid (authors drop
//!    such transactions). The nonce then increases by one, whatever the call's outcome.
//! 9. **Calls** run in a transaction layer: on success their writes and events stand; on
//!    failure (insufficient balance, not the manager, not sudo, ...) the writes are dropped and an
//!    `ExtrinsicFailed` event records the [`DispatchError`]; the block stays valid. `Transfer`,
//!    `Bond` and `Unbond` move amounts between an account's free balance, another account's, and
//!    its bonded stake (no fees and no unbonding period yet).
//! 10. **RegisterPara** needs an id ≥ 1000 that is free, non-empty code ≤ `max_code_size`, a head
//!     ≤ `max_head_data_size`, and `para_deposit` of free balance, which is reserved; the caller
//!     becomes the manager. The para is registered at once.
//! 11. **Code upgrades.** `ScheduleCodeUpgrade` (manager or sudo; one pending upgrade per para)
//!     in block N makes the code current at the end of block `N + validation_upgrade_delay`. Code
//!     replaced at the end of block M stays readable by hash ([`queries::code_by_hash`]) in the
//!     states of blocks M to `M + code_retention_period − 1` and is released at the end of block
//!     `M + code_retention_period`. Code is stored once per hash with a count of its current,
//!     pending and retained uses; the last released use removes it.
//! 12. **DeregisterPara** (manager or sudo) removes the para at once: head and registration go,
//!     its current code is retained as in rule 11, a pending upgrade is cancelled, the deposit
//!     returns to the manager, a candidate pending on its core is dropped, it is unfrozen. The
//!     other paras' cores follow their new positions (rule 17).
//! 13. **SetValidators / SetConfig** (sudo) are checked (a non-empty set without duplicates; the
//!     configuration check, and an unchanged slot duration) and queued; rule 5 enacts them at
//!     the next session boundary. A later call in the same session replaces the queued value.
//! 14. **Evidence.** Author equivocation: two headers of one slot and author index with different
//!     pre-seal hashes, both seals verifying for the offender, who is the validator at that index
//!     of the claimed session, the slot within that session. Vote equivocation: two votes of one
//!     set, round, stage and voter with different targets, both signatures verifying, the
//!     offender being the set's voter at that index. The session must be the current or the
//!     previous one. Invalid evidence makes the block invalid; valid evidence is recorded once
//!     per (session, offender, kind), a repeated report changing nothing. Equivocations are
//!     recorded, not slashed (disputes slash, rule 24).
//! 15. **Block end.** Upgrades due at this block are enacted, then retained code whose period
//!     ended is released (rule 11).
//! 16. **State root.** The root after the block must equal the header's
//!     ([`BlockError::StateRootMismatch`]); only then are the new trie nodes stored.
//! 17. **Scheduler.** One availability core per registered para, core `i` serving the `i`-th
//!     para in ascending id order. At genesis and at each session change the session's
//!     validator indices are shuffled (Fisher–Yates, position `i` from `n − 1` down to 1 swapped
//!     with `u64_le(blake2(randomness ++ u32_le(i))[..8]) mod (i + 1)`) and cut into
//!     `max(cores, ⌈n / validators_per_group⌉)` groups (capped at `n`, at least 1) of
//!     contiguous positions, the first `n mod groups` one larger (members listed ascending). The group of core `c` at
//!     block `b` is `(c + (b − session_start_block) / group_rotation_frequency) mod groups`;
//!     a candidate whose relay parent is block `r` is backed by the group of its core at
//!     `r + 1`. Groups are fixed for the session (paras registered meanwhile share them).
//! 18. **Parachain block start** (after rules 3 to 6): on a session change the groups are
//!     recomputed (rule 17), every pending candidate is dropped (`CandidateDropped`, pending
//!     work does not cross sessions), nobody stays disabled, and included candidates and
//!     disputes of sessions more than `dispute_period` before the new one are forgotten; then
//!     the parent `(hash, number, state root)` joins the recent blocks, of which the last
//!     `max_relay_parent_age` are kept (the last one's number plus one is the number of the
//!     block whose state this is).
//! 19. **Para inherent.** At most one `ParaInherent`, unsigned, and only as the first
//!     extrinsic ([`BlockError::MisplacedParaInherent`]); a block without one is processed as
//!     if it had an empty one. Its items are processed in order: dispute statement sets
//!     (rules 23 and 24), bitfields (rule 20), availability timeouts (rule 21), backed
//!     candidates (rule 22); at most `MAX_INHERENT_ITEMS` of each kind. On import an invalid
//!     item makes the block invalid ([`BlockError::ParaInherent`]); an author runs the same
//!     checks and leaves invalid items out (bitfields sorted and deduplicated, failing backing
//!     votes removed), so its block imports.
//! 20. **Availability.** A bitfield is signed by a current validator over `(bitfield,
//!     SigningContext { session: current, parent_hash: the block's parent })`, has one bit per
//!     core, and the bitfields are sorted by validator, one each. A set bit for an occupied core
//!     records the validator's attestation for the pending candidate (kept across blocks; bits
//!     for free cores are ignored). A candidate attested by `n − f` validators is enacted, in
//!     core order: its head becomes the para's; its new code, if any, is scheduled as in
//!     rule 11 (skipped if an upgrade was scheduled since it was backed); its messages are
//!     enacted (rule 30);
//!     it is recorded as included (para, session, backing and inclusion blocks, backers) for
//!     `dispute_period` sessions; its core is freed.
//! 21. **Timeouts.** A candidate still pending more than `availability_timeout` blocks after
//!     the block that backed it is dropped (`CandidateTimedOut`) and its core freed.
//! 22. **Backing.** A backed candidate is accepted if: its para is registered and not frozen;
//!     its core is free (one candidate per core and per para); no dispute about it is open or
//!     concluded against it; its relay parent is one of the recent blocks (rule 18) whose
//!     child is in the current session; the collator's signature verifies
//!     (`COLLATOR_SIGNING_CONTEXT`); the validation data hash is that of `{parent_head: the
//!     para's head, relay_parent_number, relay_parent_storage_root, max_pov_size}`; the code
//!     hash is the para's current one; `para_head` is the hash of the committed head, at most
//!     `max_head_data_size`; new code is non-empty, at most `max_code_size`, and no upgrade is
//!     pending; its messages meet rule 29. Its votes are sorted by validator, one each, from members of the
//!     group of its core at the relay parent's child, not disabled, signed over the compact
//!     statement (`Implicit` = `Seconded`, `Explicit` = `Valid`) in `SigningContext { session:
//!     current, parent_hash: relay_parent }`; there are at least `min(group size,
//!     minimum_backing_votes)`. It then occupies its core, pending availability.
//! 23. **Dispute statements.** A set names a candidate (which the chain need not know), its
//!     para and the session it was backed in, the current or the previous one. It is refused
//!     if the chain knows the candidate or its dispute under another para or session, if it is
//!     empty, if a voter is not that session's validator or appears twice on one side, if a
//!     signature does not verify (`DisputeStatement::signing_payload`), or if it would open a
//!     dispute without a valid and an invalid statement. Votes accumulate per candidate; votes
//!     for a concluded dispute are ignored.
//! 24. **Dispute conclusions.** When a side reaches `n − f` of the session's validators: if
//!     *invalid*, each backer (backing statements in the dispute, and the backers the chain
//!     recorded) loses `slash_backers` of its bonded stake and each other valid voter
//!     `slash_approvers` — burnt, the total issuance decreasing by as much — with an offence
//!     recorded; the backers are disabled for the rest of the session (their backing votes are
//!     refused), at most `f` validators in all; a candidate pending here is dropped (`CandidateDisputedInvalid`); an included
//!     one freezes its para (`DisputeConcludedAgainstIncluded`: nodes revert the blocks from
//!     `backed_in` on if they are not finalized; otherwise the para stays frozen until
//!     rule 25). If *valid*, the invalid voters are disabled (within the same cap of `f`) and an
//!     offence recorded, nobody is slashed.
//! 25. **ForceSetHead** (sudo) sets a registered para's head (at most `max_head_data_size`),
//!     unfreezes it and drops the candidate pending on its core.
//! 26. **Downward messages.** `SendDownward` (sudo) queues a message for a registered para, at
//!     most `max_downward_message_size`, while its queue holds fewer than
//!     `max_downward_queue_count`; it is stored with `sent_at` = the block, and the para's MQC
//!     head becomes `blake2(SCALE(head, sent_at, blake2(msg)))` (from zero).
//! 27. **HRMP channels.** `HrmpInitOpenChannel` (the sender's manager or sudo) records a
//!     request for `sender → recipient`: both registered, distinct, no such channel or request,
//!     capacity in `1..=1000` and message size in `1..=50 KiB`. `HrmpAcceptOpenChannel` (the
//!     recipient's manager or sudo) opens it at once (total size limit 100 KiB) and lists it in
//!     the sender's egress and the recipient's ingress (ascending). `HrmpCloseChannel` (either
//!     side's manager or sudo) removes it with its undelivered messages. The chain spec's
//!     `hrmpChannels` open at genesis with the same checks. Deregistering a para closes its
//!     channels, drops its requests, queues and watermark.
//! 28. **Limits** are `Msg:Limits` ([`atoll_primitives::messaging::MessagingLimits`]; absent =
//!     the defaults), readable by paras through a proof.
//! 29. **Acceptance of messages** (part of rule 22), for a candidate of para P with relay parent
//!     r: `processed_downward_messages` ≤ the messages of P's queue sent at or before r, and ≥ 1
//!     if there is one; upward messages ≤ `max_upward_message_num_per_candidate`, each ≤
//!     `max_upward_message_size`, P's upward queue plus them within `max_upward_queue_count`
//!     and `max_upward_queue_size`; horizontal messages ≤ `max_hrmp_message_num_per_candidate`,
//!     sorted by recipient (non-decreasing), each on an open channel from P within its message
//!     size, each channel's messages and bytes plus them within its capacity and total size;
//!     `hrmp_watermark` ≤ r and ≥ P's last watermark.
//! 30. **Enactment of messages** (part of rule 20), in block b: the first
//!     `processed_downward_messages` of P's queue are dropped (the queue's base head moves past
//!     them); the upward messages join P's upward queue; each horizontal message is appended to
//!     its channel with `sent_at` = b and advances the channel's MQC head, count and size; P's
//!     watermark is recorded and every message of P's inbound channels sent at or before it is
//!     dropped (base heads, counts and sizes follow).
//! 31. **Upward processing.** At block end up to `UMP_MESSAGES_PER_BLOCK` queued upward
//!     messages are processed, one per para in turn (a para served goes to the back); each is
//!     decoded as xcm-lite and an `UpwardMessageProcessed` event records the outcome.
//! 32. **Inbound data for collators** ([`messaging::inbound::inbound`]): a para's unprocessed
//!     downward messages and its inbound channels' messages with their base heads, and a proof
//!     of its head, the limits, its downward MQC head, its upward queue size, its ingress and
//!     egress lists and each of those channels against the state root.

pub mod availability;
pub mod backing;
pub mod balances;
pub mod block;
pub mod chain_spec;
pub mod config;
mod dispatch;
pub mod disputes;
pub mod error;
pub mod events;
pub mod execute;
pub mod extrinsic;
pub mod genesis;
pub mod inclusion;
pub mod messaging;
pub mod offences;
pub mod para_inherent;
pub mod paras;
pub mod queries;
pub mod scheduler;
pub mod session;
mod state;
mod system;
pub mod testing;

pub use availability::BitfieldError;
pub use backing::BackingError;
pub use balances::Perbill;
pub use block::{extrinsics_root, RelayBlock, MAX_BLOCK_SIZE};
pub use chain_spec::{preset, ChainSpec, ChainType, SpecError, SpecGenesis};
pub use config::{ConfigError, HostConfiguration, UNIT};
pub use disputes::{DisputeError, DisputeState};
pub use error::ChainError;
pub use events::{DispatchError, EventRecord, Phase, RelayEvent};
pub use execute::{build_block, execute_block, BlockError, BuiltBlock};
pub use extrinsic::{signing_payload, AccountId, RelayCall, RelayExtrinsic, SignedTransaction};
pub use genesis::{
    build_genesis, genesis_header, Genesis, GenesisChannel, GenesisError, GenesisPara,
};
pub use inclusion::{DropReason, IncludedCandidate, PendingAvailability, RecentBlock};
pub use offences::{Offence, OffenceError, OffenceKind};
pub use para_inherent::{sanitize_para_inherent, ParaInherentError};
pub use paras::{FutureCode, ParaInfo, RetainedCode, FIRST_PUBLIC_PARA_ID};
pub use queries::*;
pub use session::epoch_for_child;
